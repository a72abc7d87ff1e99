// The SecureNN example programs, under securenn and under aby3, on their held-back MNIST images, against the
// plaintext float64 logits: the seed's Dense(512) -> ReLU -> Dense(10) on all 100 images, Network A and the CNN
// on the first few (a debug build takes about a second per thousand SecureNN ReLUs).

import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime
import Testing

@Suite struct ProgramTests {
    typealias S = SecureNNSupport

    static func arrays(_ path: String) throws -> [String: NPYArray] {
        let url = S.root.appendingPathComponent(path)
        return Dictionary(uniqueKeysWithValues: try NPZ.read(contentsOf: url).map { ($0.name, $0.array) })
    }

    /// Runs `program` on the first `batch` test images (in `imageShape` each) and compares its logits with the
    /// plaintext ones: argmax agreement at least 99.5%, every logit within 1e-2. Returns the run.
    @discardableResult
    static func check(
        _ path: String, model: String, expected: String, batch: Int, imageShape: [Int] = [784],
        under comparing: Comparing, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> LocalRunResult {
        let text = comparing.source(try String(contentsOf: S.root.appendingPathComponent(path), encoding: .utf8))
        let compiled = Compiler.compile(
            SourceFile(path: path, text: text),
            options: CompilerOptions(check: CheckOptions(overrides: ["batch": batch])))
        let program = try #require(compiled.program, "\(compiled.diagnostics.sorted.map(\.message))")
        let pixels = imageShape.reduce(1, *)
        let images = try #require(try Self.arrays("programs/mnist/data/client.npz")["x"]).asDoubles()
        let client = ["x": S.doubles(Array(images.prefix(batch * pixels)), [batch] + imageShape)]
        let owner = PlayerID(program.players.firstIndex(of: "model_owner")!)
        let user = PlayerID(program.players.firstIndex(of: "client")!)
        // A debug build takes tens of seconds for the larger runs: the client waits that long for its logits.
        let run = try S.run(
            program, inputs: [owner: try Self.arrays(model), user: client], receiveTimeout: .seconds(900),
            sourceLocation: sourceLocation)
        let logits = try #require(run[user].outputs["logits"])
        #expect(logits.shape == Shape([batch, 10]), sourceLocation: sourceLocation)
        let reference = Array(try NPY.read(contentsOf: S.root.appendingPathComponent(expected)).asDoubles()
            .prefix(batch * 10))
        let values = logits.doubles
        let maxError = zip(values, reference).map { abs($0 - $1) }.max() ?? .infinity
        var agreements = 0
        for image in 0..<batch {
            let row = values[(image * 10)..<(image * 10 + 10)], plain = reference[(image * 10)..<(image * 10 + 10)]
            if row.firstIndex(of: row.max()!) == plain.firstIndex(of: plain.max()!) { agreements += 1 }
        }
        #expect(Double(agreements) / Double(batch) >= 0.995, "argmax agreement \(agreements)/\(batch)",
                sourceLocation: sourceLocation)
        #expect(maxError <= 1e-2, "max logit error \(maxError)", sourceLocation: sourceLocation)
        return run
    }

    @Test(arguments: Comparing.allCases)
    func seedNetworkAgreesWithPlaintextOnAllHundredImages(_ comparing: Comparing) throws {
        let run = try Self.check(
            "programs/mnist/mnist-securenn.tfe", model: "programs/mnist/data/model-securenn.npz",
            expected: "programs/mnist/data/expected-logits-securenn.npy", batch: 100, under: comparing)
        // Online rounds: inputs, the first layer's product and truncation, ReLU (SecureNN: DReLU's eight rounds
        // and the product with its result; ABY3: A2B's eight and the bit product's two), the second layer's
        // product and truncation, the output.
        let layer = 1 + comparing.truncationRounds
        #expect(run.cost.rounds[.online] == 1 + layer + comparing.reluRounds + layer + 1)
    }

    /// `programs/securenn-training`: three SGD steps on 8 MNIST images with relu_deriv, maxpool2d_grad and
    /// the division of SecureNN's ReLU normalisation, against NumPy's float64 training (`train_plaintext.py`):
    /// every final weight within 1e-3 (fixed point's truncations and the division's floor, 2^-16 each, stay far
    /// below it; a ReLU or pooling decision that flipped would not).
    @Test(arguments: Comparing.allCases)
    func trainingMatchesNumPy(_ comparing: Comparing) throws {
        let path = "programs/securenn-training/securenn-training.tfe"
        let text = comparing.source(try String(contentsOf: S.root.appendingPathComponent(path), encoding: .utf8))
        let compiled = Compiler.compile(SourceFile(path: path, text: text))
        let program = try #require(compiled.program, "\(compiled.diagnostics.sorted.map(\.message))")
        let data = PlayerID(program.players.firstIndex(of: "data_owner")!)
        let owner = PlayerID(program.players.firstIndex(of: "model_owner")!)
        let run = try S.run(program, inputs: [
            data: try Self.arrays("programs/securenn-training/data/data_owner.npz"),
            owner: try Self.arrays("programs/securenn-training/data/model_owner.npz"),
        ], receiveTimeout: .seconds(900))
        let expected = try Self.arrays("programs/securenn-training/data/expected.npz")
        for name in ["w0", "b0", "w1", "b1"] {
            let trained = try #require(run[owner].outputs[name]), plain = try #require(expected[name])
            #expect(trained.shape == Shape(plain.shape), "\(name)")
            let error = zip(trained.doubles, plain.asDoubles()).map { abs($0 - $1) }.max() ?? .infinity
            #expect(error <= 1e-3, "\(name): largest difference from NumPy \(error)")
        }
        // The starting weights moved: the test compares trained models, not the inputs.
        let start = try #require(try Self.arrays("programs/securenn-training/data/model_owner.npz")["w1_init"])
        let moved = zip(try #require(run[owner].outputs["w1"]).doubles, start.asDoubles()).map { abs($0 - $1) }
        #expect((moved.max() ?? 0) > 1e-2)
    }

    @Test(arguments: Comparing.allCases)
    func networkAAgreesWithPlaintext(_ comparing: Comparing) throws {
        try Self.check(
            "programs/network-a/network-a.tfe", model: "programs/network-a/data/model.npz",
            expected: "programs/network-a/data/expected-logits.npy", batch: 20, under: comparing)
    }

    @Test(arguments: Comparing.allCases)
    func convolutionalNetworkAgreesWithPlaintext(_ comparing: Comparing) throws {
        try Self.check(
            "programs/cnn/cnn.tfe", model: "programs/cnn/data/model.npz", expected: "programs/cnn/data/expected-logits.npy",
            batch: 2, imageShape: [28, 28, 1], under: comparing)
    }
}
