import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime

/// The seed network (784-512-ReLU-10) at batch 1 and 100 and Network A (784-128-ReLU-128-ReLU-10) at batch 1,
/// under `protocol securenn` and `protocol aby3`, side by side: the runs alternate (securenn, aby3, …) so both
/// see the same load; each figure is min/median/max of `runs`, with the aby3/securenn ratio of the medians and
/// the largest difference of aby3's logits from float64's.
enum ABY3ComparisonBenchmark {
    static let runs = 7

    static func run(root: String) throws {
        let images = try NPZ.read(Data(contentsOf: URL(fileURLWithPath: root + "/programs/mnist/data/client.npz")))
        let pixels = images.first { $0.name == "x" }!.array.asDoubles()
        let cases = [
            ("seed network", "programs/mnist/mnist-securenn.tfe", "programs/mnist/data/model-securenn.npz", 1, 1),
            ("seed network", "programs/mnist/mnist-securenn.tfe", "programs/mnist/data/model-securenn.npz", 1, 100),
            ("Network A", "programs/network-a/network-a.tfe", "programs/network-a/data/model.npz", 2, 1),
        ]
        print("aby3 against securenn: all five parties in this process, runs alternating, \(runs) each")
        print(PondBenchmark.pad("network", 14) + PondBenchmark.pad("batch", 7) + PondBenchmark.pad("protocol", 10)
              + PondBenchmark.pad("min / median / max s", 26) + PondBenchmark.pad("aby3/securenn", 15)
              + PondBenchmark.pad("online rounds", 15) + PondBenchmark.pad("MB total", 10)
              + "max |logit - float64|")
        for (name, path, modelPath, hiddenLayers, batch) in cases {
            let source = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
            var weights: [String: NPYArray] = [:]
            for member in try NPZ.read(Data(contentsOf: URL(fileURLWithPath: root + "/" + modelPath))) {
                weights[member.name] = member.array
            }
            let options = CompilerOptions(check: CheckOptions(overrides: ["batch": batch]))
            var programs: [Program] = []
            for text in [source, source.replacingOccurrences(of: "protocol securenn", with: "protocol aby3")] {
                guard let program = Compiler.compile(SourceFile(path: path, text: text), options: options).program
                else { throw PondBenchmark.BenchmarkError.message("\(path) does not compile at batch \(batch)") }
                programs.append(program)
            }
            let x = Array(pixels.prefix(batch * 784))
            let inputs: [PlayerID: [String: NPYArray]] = [
                PlayerID(3): weights,
                PlayerID(4): ["x": try NPYArray(shape: [batch, 784], storage: .float64(x))],
            ]
            let (times, results) = try ABY3Benchmark.alternate(programs, inputs: inputs, runs: runs)
            let reference = SecureNNBenchmark.plaintext(x, batch: batch, weights: weights, hiddenLayers: hiddenLayers)
            let medians = times.map { $0.sorted()[runs / 2] }
            for (index, protocolName) in ["securenn", "aby3"].enumerated() {
                let sorted = times[index].sorted()
                let cost = results[index].cost
                let logits = results[index][PlayerID(4)].outputs["logits"]?.doubles ?? []
                let error = zip(logits, reference).map { abs($0 - $1) }.max() ?? .nan
                let spread = [sorted.first!, sorted[runs / 2], sorted.last!].map { PondBenchmark.format($0, 4) }
                let ratio = index == 0 ? "" : String(format: "%.2f", medians[1].inSeconds / medians[0].inSeconds)
                print(PondBenchmark.pad(name, 14) + PondBenchmark.pad("\(batch)", 7)
                      + PondBenchmark.pad(protocolName, 10)
                      + PondBenchmark.pad(spread.joined(separator: " / "), 26) + PondBenchmark.pad(ratio, 15)
                      + PondBenchmark.pad("\(cost.rounds[.online] ?? 0)", 15)
                      + PondBenchmark.pad(String(format: "%.2f", Double(cost.totalBytes) / 1e6), 10)
                      + String(format: "%.1e", error))
            }
        }
    }
}
