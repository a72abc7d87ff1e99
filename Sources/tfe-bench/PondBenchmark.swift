import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime

/// The MNIST Pond network (784 → 128 → sigmoid → 10) privately at batch 1, 100 and 1000, against the same
/// network in plaintext float64 in the same process; and the ring matmul kernel against a Double one.
enum PondBenchmark {
    static func run(root: String) throws {
        let (source, weights, pixels) = try mnistPond(root: root)

        print("pond: MNIST 784-128-sigmoid-10, all five parties in this process (private) vs float64 (plaintext)")
        print(pad("batch", 7) + pad("private s", 11) + pad("plaintext s", 13) + pad("ratio", 9) + pad("online rounds", 15)
              + pad("MB per server", 15) + pad("peak MB", 9) + "live MB")
        for batch in [1, 100, 1000] {
            let options = CompilerOptions(check: CheckOptions(overrides: ["batch": batch]))
            guard let program = Compiler.compile(SourceFile(path: "mnist-pond.tfe", text: source), options: options).program
            else { throw BenchmarkError.message("programs/mnist/mnist-pond.tfe does not compile") }
            let x = (0..<(batch * 784)).map { pixels[$0 % pixels.count] }
            let inputs: [PlayerID: [String: NPYArray]] = [
                PlayerID(3): weights,
                PlayerID(4): ["x": try NPYArray(shape: [batch, 784], storage: .float64(x))],
            ]
            resetPeakMemory()
            let baseline = residentMegabytes()
            let clock = ContinuousClock()
            // Memory from the first run alone; time as the best of three runs, each side.
            var result = try LocalRun.run(program, inputs: inputs)
            let peak = peakMegabytes() - baseline
            var privateTime = Duration.seconds(1_000_000), plaintextTime = Duration.seconds(1_000_000)
            for _ in 0..<3 {
                privateTime = min(privateTime, try clock.measure { result = try LocalRun.run(program, inputs: inputs) })
                plaintextTime = min(plaintextTime, clock.measure { _ = plaintext(x, batch: batch, weights: weights) })
            }
            guard result.cost == CostModel.cost(of: program) else {
                throw BenchmarkError.message("measured cost differs from the prediction")
            }
            let perServer = Double(result.cost.bytesSent(by: .server0, in: .online)
                                   + result.cost.bytesSent(by: .server0, in: .offline)) / 1e6
            let live = Double(Liveness(program).peakLiveBytes(of: program)) / 1e6
            print(pad("\(batch)", 7) + pad(format(privateTime, 4), 11) + pad(format(plaintextTime, 5), 13)
                  + pad(String(format: "%.0fx", privateTime.inSeconds / plaintextTime.inSeconds), 9)
                  + pad("\(result.cost.rounds[.online] ?? 0)", 15) + pad(String(format: "%.2f", perServer), 15)
                  + pad(String(format: "%.0f", peak), 9) + String(format: "%.0f", live))
        }
        kernels()
    }

    /// `programs/mnist/mnist-pond.tfe`, its model's weights by name, and the client's pixels.
    static func mnistPond(root: String) throws -> (source: String, weights: [String: NPYArray], pixels: [Double]) {
        let source = try String(contentsOfFile: root + "/programs/mnist/mnist-pond.tfe", encoding: .utf8)
        let model = try NPZ.read(Data(contentsOf: URL(fileURLWithPath: root + "/programs/mnist/data/model-pond.npz")))
        let images = try NPZ.read(Data(contentsOf: URL(fileURLWithPath: root + "/programs/mnist/data/client.npz")))
        var weights: [String: NPYArray] = [:]
        for member in model { weights[member.name] = member.array }
        return (source, weights, images.first { $0.name == "x" }!.array.asDoubles())
    }

    /// The plaintext network in float64, with the same kernels the machine uses for local values.
    static func plaintext(_ x: [Double], batch: Int, weights: [String: NPYArray]) -> [Double] {
        let w0 = weights["w0"]!.asDoubles(), b0 = weights["b0"]!.asDoubles()
        let w1 = weights["w1"]!.asDoubles(), b1 = weights["b1"]!.asDoubles()
        var hidden = DoubleKernels.matmul(x, w0, m: batch, k: 784, n: 128)
        for i in hidden.indices { hidden[i] = 1 / (1 + exp(-(hidden[i] + b0[i % 128]))) }
        var logits = DoubleKernels.matmul(hidden, w1, m: batch, k: 128, n: 10)
        for i in logits.indices { logits[i] += b1[i % 10] }
        return logits
    }

    /// Multiply-adds per second of the ring matmul against a Double matmul of the same shape.
    static func kernels() {
        print("\nkernels: 100x784 · 784x512 (40.1 M multiply-adds), best of 5")
        let (m, k, n) = (100, 784, 512)
        var prg = PRG(seed: Seed(fixed: 1), stream: 0)
        let a = prg.nextUInt64s(count: m * k), b = prg.nextUInt64s(count: k * n)
        let da = a.map { Double($0 % 1000) / 1000 }, db = b.map { Double($0 % 1000) / 1000 }
        let clock = ContinuousClock()
        for threads in [1, RingKernels.defaultThreadCount] {
            var ring = Duration.seconds(1000), double = Duration.seconds(1000)
            for _ in 0..<5 {
                ring = min(ring, clock.measure { _ = RingKernels.matmul(a, b, m: m, k: k, n: n, maxThreads: threads) })
                double = min(double, clock.measure { _ = DoubleKernels.matmul(da, db, m: m, k: k, n: n, maxThreads: threads) })
            }
            let work = Double(m * k * n)
            print("  \(threads) thread\(threads == 1 ? " " : "s"): ring \(String(format: "%.2f", work / ring.inSeconds / 1e9)) G/s, "
                  + "double \(String(format: "%.2f", work / double.inSeconds / 1e9)) G/s, "
                  + "ring/double time \(String(format: "%.2f", ring.inSeconds / double.inSeconds))")
        }
    }

    // MARK: - Helpers

    enum BenchmarkError: Error, CustomStringConvertible {
        case message(String)
        var description: String {
            switch self {
            case .message(let text): return text
            }
        }
    }

    static func format(_ duration: Duration, _ digits: Int) -> String {
        String(format: "%.\(digits)f", duration.inSeconds)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    /// Resets the kernel's peak-RSS counter (Linux: writing 5 to /proc/self/clear_refs).
    static func resetPeakMemory() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    static func statusField(_ name: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.split(separator: " ").compactMap { Double($0) }
            return (digits.first ?? 0) / 1024
        }
        return 0
    }

    static func residentMegabytes() -> Double { statusField("VmRSS") }
    static func peakMegabytes() -> Double { statusField("VmHWM") }
}
