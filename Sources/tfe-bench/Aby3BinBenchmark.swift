import Dispatch
import Foundation
import TFEBytecode
import TFECore
import TFELowering
import TFENumPy
import TFERuntime

/// ABY3's binary library on the seed network's hidden layer at batch 100 (51,200 elements): ReLU by the three
/// parties in this process, one thread or a thread each, beside SecureNN's ReLU run by the machine on the same
/// count (the `relu(x)` program less the same program without it). Times are min/median/max of `runs`.
enum Aby3BinBenchmark {
    static let count = 51_200

    static func run(runs: Int = 7) throws {
        print("aby3bin: ReLU on \(count) elements (the seed network's hidden layer at batch 100), load "
              + ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ")
                  .prefix(3).joined(separator: " ") ?? "unknown"))
        var prg = PRG(seed: try Seed.random(), stream: 0)
        let values = (0..<count).map { _ in UInt64(bitPattern: Int64(bitPattern: prg.next()) >> 20) }
        let views = ReplicatedArithmeticView.share(values, using: &prg)
        let seeds = try (0..<3).map { _ throws(RandomSourceError) in try Seed.random() }
        let expected = values.map { Int64(bitPattern: $0) >= 0 ? $0 : 0 }

        var serial: [Duration] = [], threaded: [Duration] = []
        let clock = ContinuousClock()
        for _ in 0..<runs {
            var zeros = ReplicatedZeroSharing.parties(seeds: seeds)
            var outputs: [ReplicatedArithmeticView] = []
            serial.append(clock.measure {
                let parties = (0..<3).map { ReplicatedComparison.relu(views[$0]) }
                outputs = ReplicatedLocalRun.run(parties, zeros: &zeros).outputs
            })
            guard ReplicatedArithmeticView.reveal(outputs) == expected else {
                throw PondBenchmark.BenchmarkError.message("the replicated ReLU is wrong")
            }
            threaded.append(clock.measure {
                outputs = runThreaded((0..<3).map { ReplicatedComparison.relu(views[$0]) },
                                      zeros: ReplicatedZeroSharing.parties(seeds: seeds, stream: 1))
            })
            guard ReplicatedArithmeticView.reveal(outputs) == expected else {
                throw PondBenchmark.BenchmarkError.message("the threaded replicated ReLU is wrong")
            }
        }
        let cost = ReplicatedCost.relu(count: count)
        print(PondBenchmark.pad("protocol", 46) + PondBenchmark.pad("min s", 9) + PondBenchmark.pad("median s", 10)
              + PondBenchmark.pad("max s", 9) + PondBenchmark.pad("rounds", 8) + "bytes, all links")
        print(row("aby3 ReLU, 3 parties on one thread", serial, rounds: cost.rounds, bytes: cost.totalBytes))
        print(row("aby3 ReLU, a thread per party", threaded, rounds: cost.rounds, bytes: cost.totalBytes))

        // The keystream alone: each party masks every word it sends with one word of each of its two streams.
        var keystream: [Duration] = []
        for _ in 0..<runs {
            var zeros = ReplicatedZeroSharing.parties(seeds: seeds, stream: 2)
            var words = [UInt64](repeating: 0, count: cost.wordsPerParty)
            keystream.append(clock.measure { for party in 0..<3 { zeros[party].maskBoolean(&words) } })
        }
        print(row("  of which the zero-sharings' keystream", keystream, rounds: 0, bytes: 0))

        let (reluTimes, reluCost) = try secureNN("relu(x)", runs: runs)
        let (plainTimes, plainCost) = try secureNN("x", runs: runs)
        let difference = zip(reluTimes.sorted(), plainTimes.sorted()).map { $0 - $1 }
        print(row("securenn relu(x) program (5 parties, threads)", reluTimes,
                  rounds: reluCost.rounds[.online] ?? 0, bytes: reluCost.totalBytes))
        print(row("securenn x program (the same without relu)", plainTimes,
                  rounds: plainCost.rounds[.online] ?? 0, bytes: plainCost.totalBytes))
        print(row("securenn ReLU (the difference, sorted pairs)", difference,
                  rounds: (reluCost.rounds[.online] ?? 0) - (plainCost.rounds[.online] ?? 0),
                  bytes: reluCost.totalBytes - plainCost.totalBytes))
        let ratio = (median(difference).inSeconds) / median(threaded).inSeconds
        print(String(format: "securenn ReLU / aby3 ReLU (threaded), medians: %.1fx; bytes: %.1fx", ratio,
                     Double(reluCost.totalBytes - plainCost.totalBytes) / Double(cost.totalBytes)))
    }

    /// Runs the three parties with a thread each for every begin and every finish.
    static func runThreaded(
        _ parties: [any ReplicatedRounds<ReplicatedArithmeticView>], zeros: [ReplicatedZeroSharing]
    ) -> [ReplicatedArithmeticView] {
        let state = ThreadedState(parties: parties, zeros: zeros)
        defer { state.deallocate() }
        while state.parties[0].output == nil {
            DispatchQueue.concurrentPerform(iterations: 3) { i in
                state.messages[i] = state.parties[i].begin(&state.zeros[i])
            }
            DispatchQueue.concurrentPerform(iterations: 3) { i in
                state.parties[i].finish(state.messages[(i + 1) % 3])
            }
        }
        return (0..<3).map { state.parties[$0].output! }
    }

    /// The three parties' runs, streams and messages, in memory each thread touches only at its own index.
    struct ThreadedState: @unchecked Sendable {
        let parties: UnsafeMutablePointer<any ReplicatedRounds<ReplicatedArithmeticView>>
        let zeros: UnsafeMutablePointer<ReplicatedZeroSharing>
        let messages: UnsafeMutablePointer<[UInt64]>

        init(parties: [any ReplicatedRounds<ReplicatedArithmeticView>], zeros: [ReplicatedZeroSharing]) {
            self.parties = .allocate(capacity: 3)
            self.parties.initialize(from: parties, count: 3)
            self.zeros = .allocate(capacity: 3)
            self.zeros.initialize(from: zeros, count: 3)
            messages = .allocate(capacity: 3)
            messages.initialize(repeating: [], count: 3)
        }

        func deallocate() {
            parties.deinitialize(count: 3).deallocate()
            zeros.deinitialize(count: 3).deallocate()
            messages.deinitialize(count: 3).deallocate()
        }
    }

    /// The times of a SecureNN program whose client output is `body` of its private input, and its cost.
    static func secureNN(_ body: String, runs: Int) throws -> ([Duration], Cost) {
        let text = "protocol securenn\nplayer alice\nx = private_input(alice, [\(count)])\n"
            + "output(alice, \"y\", \(body))\n"
        guard let program = Compiler.compile(SourceFile(path: "relu.tfe", text: text)).program else {
            throw PondBenchmark.BenchmarkError.message("the SecureNN ReLU program does not compile")
        }
        var prg = PRG(seed: Seed(fixed: 5), stream: 0)
        let x = (0..<count).map { _ in Double(prg.nextBelow(2_000_001)) / 1000 - 1000 }
        let inputs: [PlayerID: [String: NPYArray]] = [
            PlayerID(3): ["x": try NPYArray(shape: [count], storage: .float64(x))],
        ]
        var times: [Duration] = []
        var cost = CostModel.cost(of: program)
        let clock = ContinuousClock()
        for _ in 0..<runs {
            var result: LocalRunResult?
            times.append(try clock.measure { result = try LocalRun.run(program, inputs: inputs) })
            cost = result!.cost
        }
        guard cost == CostModel.cost(of: program) else {
            throw PondBenchmark.BenchmarkError.message("measured cost differs from the prediction")
        }
        return (times, cost)
    }

    static func median(_ times: [Duration]) -> Duration { times.sorted()[times.count / 2] }

    static func row(_ name: String, _ times: [Duration], rounds: Int, bytes: Int) -> String {
        let sorted = times.sorted()
        return PondBenchmark.pad(name, 46) + PondBenchmark.pad(PondBenchmark.format(sorted.first!, 4), 9)
            + PondBenchmark.pad(PondBenchmark.format(median(sorted), 4), 10)
            + PondBenchmark.pad(PondBenchmark.format(sorted.last!, 4), 9) + PondBenchmark.pad("\(rounds)", 8)
            + "\(bytes)"
    }
}
