import Foundation
import Testing
import TFEBytecode
import TFECommands
import TFECore
import TFENumPy
import TFERuntime

/// Local runs on a simulated network take at least the program's critical path, and not much more when
/// latency dominates; the command line accepts the units it documents.
struct SimulatedNetworkTests {
    /// Three dependent products: every online round depends on the one before, so each is on the chain.
    static let chain = """
        protocol pond
        player alice
        x = private_input(alice, [4])
        y = x * x
        z = y * y
        w = z * z
        output(alice, w)
        """

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// With rtt = 20 ms and unlimited bandwidth, a program of R online rounds whose rounds each depend on
    /// the previous one takes at least R · rtt / 2: every round is a send followed by a receive, all
    /// parties of a round send at once, so a round costs one one-way latency. (The single preprocessing
    /// round runs beside the first online round and adds nothing.)
    @Test func latencyBoundOfDependentRounds() throws {
        let compiled = EndToEnd.compile(Self.chain, path: "chain.tfe", optimize: true)
        let program = try #require(compiled.program)
        let rounds = program.online.count
        #expect(rounds >= 7)
        let model = NetworkModel(rtt: .milliseconds(20))
        let bound = model.criticalPath(of: program).duration
        #expect(bound == Duration.milliseconds(10) * rounds)
        let inputs = EndToEnd.makeInputs(for: program, seed: 5) { _ in InputDistribution.uniform(2) }
        let plain = try LocalRun.run(program, inputs: inputs.arrays, options: LocalRunOptions(seed: 5))
        let clock = ContinuousClock()
        var result: LocalRunResult?
        let elapsed = try clock.measure {
            result = try LocalRun.run(program, inputs: inputs.arrays, options: LocalRunOptions(seed: 5, network: model))
        }
        // The simulated wire delays every round: the run cannot be faster than the bound. (No upper limit: a
        // loaded machine can stretch any run; `tfe-bench net` measures how close to the bound runs come.)
        #expect(elapsed >= bound)
        #expect(result?.cost == plain.cost)
        #expect(result?[PlayerID(3)].outputs == plain[PlayerID(3)].outputs)
    }

    /// `tfe-vm run --simulate-rtt --simulate-bandwidth`: units, usage errors, and the line in `--stats`.
    @Test func commandLine() throws {
        let directory = try CommandLineTests.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("chain.tfe")
        try Data(Self.chain.utf8).write(to: source)
        let x = directory.appendingPathComponent("x.npy")
        try NPY.encode(NPYArray(shape: [4], storage: .float64([0.5, 1, -1, 1.25]))).write(to: x)
        let base = ["run", source.path, "--input", "alice:x=\(x.path)", "--stats"]

        let run = CommandOutput.capture {
            TfeVM.main(base + ["--simulate-rtt", "2ms", "--simulate-bandwidth", "100mbit"], console: $0)
        }
        #expect(run.exitCode == .success, "\(run.error)")
        #expect(run.error.contains("simulating a network: rtt 2 ms, 100 Mbit/s per link"))
        #expect(run.output.contains("simulated network (rtt 2 ms, 100 Mbit/s per link):"))

        for (option, value) in [("--simulate-rtt", "40"), ("--simulate-rtt", "fast"), ("--simulate-bandwidth", "100"),
                                ("--simulate-bandwidth", "0mbit"), ("--simulate-rtt", "-1ms")] {
            let wrong = CommandOutput.capture { TfeVM.main(base + [option, value], console: $0) }
            #expect(wrong.exitCode == .usage, "\(option) \(value)")
        }
        let networked = CommandOutput.capture {
            TfeVM.main(base + ["--config", "config.json", "--player", "alice", "--simulate-rtt", "1ms"], console: $0)
        }
        #expect(networked.exitCode == .usage)
        #expect(networked.error.contains("with --config the network is real"))
    }
}
