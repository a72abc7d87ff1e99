import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime

/// SecureNN's Networks A–D (`programs/securenn-paper`) at batch 1 and 128, all five parties in this process,
/// beside the paper's Table 7 LAN figures (three 36-core machines); and the seed network and Network A against
/// the aims issue 15 sets from TF Encrypted's SecureNN on this machine. Times are min/median/max of `runs`
/// runs (each a whole prediction: sharing the inputs, preprocessing, the online phase and the output); bytes
/// are every link's, online and offline. `--wan` adds one run of each at batch 1 on the paper's WAN (70 ms
/// round trip, 40 MB/s), simulated.
enum PaperBenchmark {
    struct Network {
        var name: String
        var path: String
        var model: String
        var imageShape: [Int]
        /// The paper's Table 7 LAN seconds at batch 1 and 128.
        var paper: [Int: Double]
    }

    static let networks = [
        Network(name: "A", path: "programs/securenn-paper/network-a.tfe",
                model: "programs/securenn-paper/data/network-a.npz", imageShape: [784], paper: [1: 0.043, 128: 0.38]),
        Network(name: "B", path: "programs/securenn-paper/network-b.tfe",
                model: "programs/securenn-paper/data/network-b.npz", imageShape: [28, 28, 1],
                paper: [1: 0.13, 128: 7.18]),
        Network(name: "C", path: "programs/securenn-paper/network-c.tfe",
                model: "programs/securenn-paper/data/network-c.npz", imageShape: [28, 28, 1],
                paper: [1: 0.23, 128: 10.82]),
        Network(name: "D", path: "programs/securenn-paper/network-d.tfe",
                model: "programs/securenn-paper/data/network-d.npz", imageShape: [28, 28, 1],
                paper: [1: 0.076, 128: 2.6]),
    ]

    /// The paper's WAN: 70 ms round trip, 40 MB/s.
    static let paperWAN = NetworkModel(rtt: .milliseconds(70), bitsPerSecond: 320e6)

    static func run(root: String, arguments: [String]) throws {
        var batches = [1, 128]
        if let flag = arguments.firstIndex(of: "--batch"), arguments.indices.contains(flag + 1) {
            batches = arguments[flag + 1].split(separator: ",").compactMap { Int($0) }
        }
        if arguments.contains("--quick") { batches = [1] }
        var runs = arguments.contains("--quick") ? 3 : 5
        if let flag = arguments.firstIndex(of: "--runs"), arguments.indices.contains(flag + 1),
            let count = Int(arguments[flag + 1]), count > 0 { runs = count }
        // `--only A,seed`: just those networks (A-D, and "seed" for the seed network's comparison).
        var only: Set<String>?
        if let flag = arguments.firstIndex(of: "--only"), arguments.indices.contains(flag + 1) {
            only = Set(arguments[flag + 1].split(separator: ",").map(String.init))
        }
        let images = try NPZ.read(Data(contentsOf: URL(fileURLWithPath: root + "/programs/mnist/data/client.npz")))
        let pixels = images.first { $0.name == "x" }!.array.asDoubles()

        print("paper: SecureNN's Networks A-D, all parties in this process, \(runs) runs each (min/median/max s)")
        print(pad("network", 9) + pad("batch", 7) + pad("min", 9) + pad("median", 9) + pad("max", 9)
              + pad("paper LAN", 11) + pad("speedup", 9) + pad("x aim (5x)", 12) + pad("online rounds", 15) + pad("MB", 8) + "CPU s")
        for network in networks where only?.contains(network.name) ?? true {
            for batch in batches {
                let (program, inputs) = try prepare(network, batch: batch, root: root, pixels: pixels)
                let (times, cpu) = try measure(program, inputs: inputs, runs: runs)
                let cost = CostModel.cost(of: program)
                let median = times[times.count / 2]
                var line = pad(network.name, 9) + pad("\(batch)", 7)
                line += pad(fmt(times.first!), 9) + pad(fmt(median), 9) + pad(fmt(times.last!), 9)
                if let paper = network.paper[batch] {
                    line += pad(fmt(paper), 11) + pad(String(format: "%.1fx", paper / median), 9)
                    line += pad(String(format: "%.2f", median / (paper / 5)), 12)
                } else {
                    line += pad("-", 11) + pad("-", 9) + pad("-", 12)
                }
                line += pad("\(cost.rounds[.online] ?? 0)", 15)
                line += pad(String(format: "%.1f", Double(cost.totalBytes) / 1e6), 8) + fmt(cpu[cpu.count / 2])
                print(line)
            }
        }
        print("speedup: the paper's LAN seconds / our median; x aim: median / (paper / 5), at most 1 meets issue 15's "
              + "aim. Weights: random He-initialised (make_weights.py). CPU s: the median run's CPU time, all parties' "
              + "threads (the process's), which the machine's load moves far less than wall time.")
        if only?.contains("seed") ?? true { try seedNetwork(root: root, pixels: pixels, runs: runs) }
        if arguments.contains("--wan") { try wan(root: root, pixels: pixels) }
    }

    /// The seed network at batch 100 and 1 and Network A at batch 1 against issue 15's aims.
    static func seedNetwork(root: String, pixels: [Double], runs: Int) throws {
        let seed = Network(name: "seed", path: "programs/mnist/mnist-securenn.tfe",
                           model: "programs/mnist/data/model-securenn.npz", imageShape: [784], paper: [:])
        let cases: [(Network, Int, Double, Double?)] = [
            (seed, 100, 0.040, 0.086), (seed, 1, 0.005, 0.0115), (networks[0], 1, 0.004, 0.0041),
        ]
        print("\nagainst TF Encrypted 0.8's SecureNN on this kind of machine (issue 15's figures), \(runs) runs")
        print(pad("network", 12) + pad("batch", 7) + pad("min", 9) + pad("median", 9) + pad("max", 9)
              + pad("aim", 8) + pad("x aim", 8) + pad("TFE", 8) + pad("TFE / median", 14) + "CPU s")
        for (network, batch, aim, tfe) in cases {
            let (program, inputs) = try prepare(network, batch: batch, root: root, pixels: pixels)
            let (times, cpu) = try measure(program, inputs: inputs, runs: runs)
            let median = times[times.count / 2]
            print(pad(network.name == "A" ? "Network A" : "seed", 12) + pad("\(batch)", 7) + pad(fmt(times.first!), 9)
                  + pad(fmt(median), 9) + pad(fmt(times.last!), 9) + pad(fmt(aim), 8)
                  + pad(String(format: "%.2f", median / aim), 8) + pad(tfe.map(fmt) ?? "-", 8)
                  + pad(tfe.map { String(format: "%.2fx", $0 / median) } ?? "-", 14) + fmt(cpu[cpu.count / 2]))
        }
    }

    /// One run of each network at batch 1 on the paper's WAN, simulated, beside the network's lower bound.
    static func wan(root: String, pixels: [Double]) throws {
        print("\nWAN (simulated: \(paperWAN)), batch 1, one run each")
        print(pad("network", 9) + pad("seconds", 10) + "lower bound (no computing)")
        for network in networks {
            let (program, inputs) = try prepare(network, batch: 1, root: root, pixels: pixels)
            let clock = ContinuousClock()
            let options = LocalRunOptions(receiveTimeout: .seconds(600), network: paperWAN)
            let elapsed = try clock.measure { _ = try LocalRun.run(program, inputs: inputs, options: options) }
            print(pad(network.name, 9) + pad(fmt(elapsed.inSeconds), 10)
                  + fmt(paperWAN.criticalPath(of: program).duration.inSeconds))
        }
    }

    static func prepare(_ network: Network, batch: Int, root: String, pixels: [Double]) throws
        -> (Program, [PlayerID: [String: NPYArray]])
    {
        let source = try String(contentsOfFile: root + "/" + network.path, encoding: .utf8)
        let options = CompilerOptions(check: CheckOptions(overrides: ["batch": batch]))
        guard let program = Compiler.compile(SourceFile(path: network.path, text: source), options: options).program
        else { throw PondBenchmark.BenchmarkError.message("\(network.path) does not compile") }
        var weights: [String: NPYArray] = [:]
        for member in try NPZ.read(Data(contentsOf: URL(fileURLWithPath: root + "/" + network.model))) {
            weights[member.name] = member.array
        }
        // Batches beyond the 100 held-out images repeat them.
        let x = (0..<(batch * 784)).map { pixels[$0 % pixels.count] }
        let owner = PlayerID(program.players.firstIndex(of: "model_owner")!)
        let client = PlayerID(program.players.firstIndex(of: "client")!)
        let images = try NPYArray(shape: [batch] + network.imageShape, storage: .float64(x))
        return (program, [owner: weights, client: ["x": images]])
    }

    /// Sorted wall times and, apart, sorted process CPU times of `runs` runs after one warm-up, each checked
    /// against the cost model.
    static func measure(
        _ program: Program, inputs: [PlayerID: [String: NPYArray]], runs: Int
    ) throws -> (wall: [Double], cpu: [Double]) {
        let clock = ContinuousClock()
        let options = LocalRunOptions(receiveTimeout: .seconds(600))
        _ = try LocalRun.run(program, inputs: inputs, options: options)
        var times: [Double] = [], cpu: [Double] = []
        for _ in 0..<runs {
            var result: LocalRunResult?
            let cpuStart = processCPUSeconds()
            times.append(try clock.measure { result = try LocalRun.run(program, inputs: inputs, options: options) }
                .inSeconds)
            cpu.append(processCPUSeconds() - cpuStart)
            guard result?.cost == CostModel.cost(of: program) else {
                throw PondBenchmark.BenchmarkError.message("measured cost differs from the prediction")
            }
        }
        return (times.sorted(), cpu.sorted())
    }

    /// CPU time this process has used, every thread's.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func fmt(_ seconds: Double) -> String {
        seconds >= 1 ? String(format: "%.2f", seconds) : String(format: "%.4f", seconds)
    }

    static func pad(_ text: String, _ width: Int) -> String { PondBenchmark.pad(text, width) }
}
