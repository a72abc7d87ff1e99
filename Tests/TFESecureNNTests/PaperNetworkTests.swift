// SecureNN's Networks A-D (`programs/securenn-paper`, random He-initialised weights from `make_weights.py`) at
// batch 1 and 2 on held-back MNIST images, under securenn and under aby3, against the float64 logits the script
// computed with NumPy.

import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime
import Testing

@Suite struct PaperNetworkTests {
    typealias S = SecureNNSupport

    /// Runs network `name` on the first `batch` images: every logit within 1e-2 of float64, and the same argmax
    /// wherever float64's two largest logits are more than 2e-2 apart (random weights can leave near-ties).
    static func check(
        _ name: String, batch: Int, under comparing: Comparing,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let path = "programs/securenn-paper/network-\(name).tfe"
        let text = comparing.source(try String(contentsOf: S.root.appendingPathComponent(path), encoding: .utf8))
        let compiled = Compiler.compile(
            SourceFile(path: path, text: text),
            options: CompilerOptions(check: CheckOptions(overrides: ["batch": batch])))
        let program = try #require(compiled.program, "\(compiled.diagnostics.sorted.map(\.message))")
        let imageShape = name == "a" ? [784] : [28, 28, 1]
        let images = try #require(try ProgramTests.arrays("programs/mnist/data/client.npz")["x"]).asDoubles()
        let client = ["x": S.doubles(Array(images.prefix(batch * 784)), [batch] + imageShape)]
        let owner = PlayerID(program.players.firstIndex(of: "model_owner")!)
        let user = PlayerID(program.players.firstIndex(of: "client")!)
        let model = try ProgramTests.arrays("programs/securenn-paper/data/network-\(name).npz")
        #expect(program.protocolKind.rawValue == comparing.rawValue, sourceLocation: sourceLocation)
        let run = try S.run(program, inputs: [owner: model, user: client], receiveTimeout: .seconds(900),
                            sourceLocation: sourceLocation)
        let logits = try #require(run[user].outputs["logits"])
        #expect(logits.shape == Shape([batch, 10]), sourceLocation: sourceLocation)
        let expected = S.root.appendingPathComponent("programs/securenn-paper/data/expected-logits-\(name).npy")
        let reference = Array(try NPY.read(contentsOf: expected).asDoubles().prefix(batch * 10))
        let values = logits.doubles
        let maxError = zip(values, reference).map { abs($0 - $1) }.max() ?? .infinity
        #expect(maxError <= 1e-2, "network \(name): max logit error \(maxError)", sourceLocation: sourceLocation)
        for image in 0..<batch {
            let row = Array(values[(image * 10)..<(image * 10 + 10)])
            let plain = Array(reference[(image * 10)..<(image * 10 + 10)])
            let sorted = plain.sorted(by: >)
            guard sorted[0] - sorted[1] > 2e-2 else { continue }
            #expect(row.firstIndex(of: row.max()!) == plain.firstIndex(of: sorted[0]),
                    "network \(name), image \(image): argmax differs", sourceLocation: sourceLocation)
        }
        // The weights are not all zero: the logits vary across classes.
        #expect((reference.max() ?? 0) - (reference.min() ?? 0) > 0.5, sourceLocation: sourceLocation)
    }

    @Test(arguments: Comparing.allCases) func networkA(_ comparing: Comparing) throws {
        try Self.check("a", batch: 2, under: comparing)
    }

    @Test(arguments: Comparing.allCases) func networkB(_ comparing: Comparing) throws {
        try Self.check("b", batch: 1, under: comparing)
    }

    @Test(arguments: Comparing.allCases) func networkC(_ comparing: Comparing) throws {
        try Self.check("c", batch: 1, under: comparing)
    }

    @Test(arguments: Comparing.allCases) func networkD(_ comparing: Comparing) throws {
        try Self.check("d", batch: 2, under: comparing)
    }
}
