import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime

/// The MNIST Pond network (784 → 128 → sigmoid → 10) under `protocol pond` and `protocol aby3`, side by side
/// at batch 1 and 100: the runs alternate (pond, aby3, pond, …) so both see the same load, and every figure
/// is min/median/max of `runs` with the aby3/pond ratio of the medians.
enum ABY3Benchmark {
    static let runs = 7

    static func run(root: String) throws {
        let (source, weights, pixels) = try PondBenchmark.mnistPond(root: root)
        let aby3Source = source.replacingOccurrences(of: "protocol pond", with: "protocol aby3")

        print("aby3: MNIST 784-128-sigmoid-10, all five parties in this process, runs alternating, \(runs) each")
        print(PondBenchmark.pad("batch", 7) + PondBenchmark.pad("protocol", 10)
              + PondBenchmark.pad("min / median / max s", 26) + PondBenchmark.pad("aby3/pond", 11)
              + PondBenchmark.pad("online rounds", 15) + PondBenchmark.pad("MB total", 10)
              + PondBenchmark.pad("MB online", 11) + "max |aby3 - pond|")
        for batch in [1, 100] {
            let options = CompilerOptions(check: CheckOptions(overrides: ["batch": batch]))
            var programs: [Program] = []
            for (name, text) in [("mnist-pond.tfe", source), ("mnist-aby3.tfe", aby3Source)] {
                guard let program = Compiler.compile(SourceFile(path: name, text: text), options: options).program
                else { throw PondBenchmark.BenchmarkError.message("\(name) does not compile at batch \(batch)") }
                programs.append(program)
            }
            let x = (0..<(batch * 784)).map { pixels[$0 % pixels.count] }
            let inputs: [PlayerID: [String: NPYArray]] = [
                PlayerID(3): weights,
                PlayerID(4): ["x": try NPYArray(shape: [batch, 784], storage: .float64(x))],
            ]
            let (times, results) = try alternate(programs, inputs: inputs, runs: runs)
            let logits = results.map { $0[PlayerID(4)].outputs["logits"]?.doubles ?? [] }
            let difference = zip(logits[0], logits[1]).map { abs($0 - $1) }.max() ?? .nan
            let medians = times.map { $0.sorted()[runs / 2] }
            for (index, name) in ["pond", "aby3"].enumerated() {
                let sorted = times[index].sorted()
                let cost = results[index].cost
                let spread = [sorted.first!, sorted[runs / 2], sorted.last!].map { PondBenchmark.format($0, 4) }
                print(PondBenchmark.pad("\(batch)", 7) + PondBenchmark.pad(name, 10)
                      + PondBenchmark.pad(spread.joined(separator: " / "), 26)
                      + PondBenchmark.pad(index == 0 ? "" : String(format: "%.2f", medians[1].inSeconds
                                                                    / medians[0].inSeconds), 11)
                      + PondBenchmark.pad("\(cost.rounds[.online] ?? 0)", 15)
                      + PondBenchmark.pad(String(format: "%.2f", Double(cost.totalBytes) / 1e6), 10)
                      + PondBenchmark.pad(String(format: "%.2f", Double(cost.bytes(in: .online)) / 1e6), 11)
                      + (index == 0 ? "" : String(format: "%.1e", difference)))
            }
        }
    }

    /// Runs each program once to warm up, then `runs` times in turn (first, second, first, …) so all see the same
    /// load: the times of each and its last result, whose measured cost must equal the prediction.
    static func alternate(_ programs: [Program], inputs: [PlayerID: [String: NPYArray]], runs: Int) throws
        -> (times: [[Duration]], results: [LocalRunResult])
    {
        var times: [[Duration]] = programs.map { _ in [] }
        var results: [LocalRunResult] = []
        for program in programs { results.append(try LocalRun.run(program, inputs: inputs)) }
        let clock = ContinuousClock()
        for _ in 0..<runs {
            for (index, program) in programs.enumerated() {
                let time = try clock.measure { results[index] = try LocalRun.run(program, inputs: inputs) }
                times[index].append(time)
            }
        }
        for (index, program) in programs.enumerated() where results[index].cost != CostModel.cost(of: program) {
            throw PondBenchmark.BenchmarkError.message("\(program.name): measured cost differs from the prediction")
        }
        return (times, results)
    }
}
