import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime

/// The seed network (784-512-ReLU-10) and Network A (784-128-ReLU-128-ReLU-10) under SecureNN at batch 1
/// and 100, against float64; and the bytes one ReLU costs, against the paper's table.
enum SecureNNBenchmark {
    static func run(root: String) throws {
        let images = try NPZ.read(Data(contentsOf: URL(fileURLWithPath: root + "/programs/mnist/data/client.npz")))
        let pixels = images.first { $0.name == "x" }!.array.asDoubles()
        let networks = [
            ("seed network", "programs/mnist/mnist-securenn.tfe", "programs/mnist/data/model-securenn.npz", 1),
            ("Network A", "programs/network-a/network-a.tfe", "programs/network-a/data/model.npz", 2),
        ]
        print("securenn: all five parties in this process (private) vs float64 (plaintext), best of 3")
        print(PondBenchmark.pad("network", 14) + PondBenchmark.pad("batch", 7) + PondBenchmark.pad("private s", 11)
              + PondBenchmark.pad("plaintext s", 13) + PondBenchmark.pad("ratio", 8)
              + PondBenchmark.pad("online rounds", 15) + "MB per server")
        for (name, path, modelPath, hiddenLayers) in networks {
            let source = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
            var weights: [String: NPYArray] = [:]
            for member in try NPZ.read(Data(contentsOf: URL(fileURLWithPath: root + "/" + modelPath))) {
                weights[member.name] = member.array
            }
            for batch in [1, 100] {
                let options = CompilerOptions(check: CheckOptions(overrides: ["batch": batch]))
                guard let program = Compiler.compile(SourceFile(path: path, text: source), options: options).program
                else { throw PondBenchmark.BenchmarkError.message("\(path) does not compile") }
                let x = Array(pixels.prefix(batch * 784))
                let inputs: [PlayerID: [String: NPYArray]] = [
                    PlayerID(3): weights,
                    PlayerID(4): ["x": try NPYArray(shape: [batch, 784], storage: .float64(x))],
                ]
                let clock = ContinuousClock()
                var result = try LocalRun.run(program, inputs: inputs)
                var privateTime = Duration.seconds(1_000_000), plaintextTime = Duration.seconds(1_000_000)
                for _ in 0..<3 {
                    privateTime = min(privateTime, try clock.measure { result = try LocalRun.run(program, inputs: inputs) })
                    plaintextTime = min(plaintextTime, clock.measure {
                        _ = plaintext(x, batch: batch, weights: weights, hiddenLayers: hiddenLayers)
                    })
                }
                guard result.cost == CostModel.cost(of: program) else {
                    throw PondBenchmark.BenchmarkError.message("measured cost differs from the prediction")
                }
                let perServer = Double(result.cost.bytesSent(by: .server0, in: .online)
                                       + result.cost.bytesSent(by: .server0, in: .offline)) / 1e6
                print(PondBenchmark.pad(name, 14) + PondBenchmark.pad("\(batch)", 7)
                      + PondBenchmark.pad(PondBenchmark.format(privateTime, 4), 11)
                      + PondBenchmark.pad(PondBenchmark.format(plaintextTime, 5), 13)
                      + PondBenchmark.pad(String(format: "%.0fx", privateTime.inSeconds
                                                  / plaintextTime.inSeconds), 8)
                      + PondBenchmark.pad("\(result.cost.rounds[.online] ?? 0)", 15) + String(format: "%.2f", perServer))
            }
        }
        try bytesPerReLU()
    }

    /// A dense network in float64 with ReLU after each hidden layer.
    static func plaintext(_ x: [Double], batch: Int, weights: [String: NPYArray], hiddenLayers: Int) -> [Double] {
        var activations = x, width = 784
        for layer in 0...hiddenLayers {
            let w = weights["w\(layer)"]!, b = weights["b\(layer)"]!.asDoubles()
            let next = w.shape[1]
            activations = DoubleKernels.matmul(activations, w.asDoubles(), m: batch, k: width, n: next)
            for i in activations.indices {
                activations[i] += b[i % next]
                if layer < hiddenLayers { activations[i] = max(0, activations[i]) }
            }
            width = next
        }
        return activations
    }

    /// Bytes of one ReLU on every link, online and offline: a program with `relu` against the same program
    /// without it, divided by the element count. The paper (Table 2) counts DReLU as 8ℓ log p + 19ℓ bits
    /// and the ReLU after it as 5ℓ: with ℓ = 64 and one byte per Z_67 element, 704 bytes.
    static func bytesPerReLU() throws {
        let count = 10_000
        func bytes(_ body: String) throws -> Int {
            let text = "protocol securenn\nplayer alice\nx = private_input(alice, [\(count)])\noutput(alice, \"y\", \(body))\n"
            guard let program = Compiler.compile(SourceFile(path: "relu.tfe", text: text)).program else {
                throw PondBenchmark.BenchmarkError.message("the ReLU program does not compile")
            }
            return CostModel.cost(of: program).totalBytes
        }
        let perReLU = Double(try bytes("relu(x)") - bytes("x")) / Double(count)
        print(String(format: "\nbytes per ReLU (all links, online + offline, 10,000 elements): %.1f; the paper's "
                     + "Table 2: 704 (ours omit what server0 derives from its seed with server2)", perReLU))
    }
}
