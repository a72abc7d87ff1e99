// The seed's SecureNN MNIST program (Dense(512) -> ReLU -> Dense(10)) on its held-back images, against the
// plaintext float64 logits.

import Foundation
import TFEBytecode
import TFECore
import TFERuntime
import Testing

@Suite struct MNISTTests {
    typealias S = SecureNNSupport

    static func arrays(_ path: String) throws -> [String: NPYArray] {
        let url = S.root.appendingPathComponent(path)
        return Dictionary(uniqueKeysWithValues: try NPZ.read(contentsOf: url).map { ($0.name, $0.array) })
    }

    @Test func privatePredictionAgreesWithPlaintext() throws {
        let source = try String(
            contentsOf: S.root.appendingPathComponent("programs/mnist/mnist-securenn.tfe"), encoding: .utf8)
        let program = try #require(S.compile(source))
        let model = try Self.arrays("programs/mnist/data/model-securenn.npz")
        let client = try Self.arrays("programs/mnist/data/client.npz")
        let expected = try NPY.read(
            contentsOf: S.root.appendingPathComponent("programs/mnist/data/expected-logits-securenn.npy"))
        let owner = PlayerID(program.players.firstIndex(of: "model_owner")!)
        let user = PlayerID(program.players.firstIndex(of: "client")!)
        // Debug builds take tens of seconds for the 51,200 ReLUs: the client waits that long for its logits.
        let run = try S.run(program, inputs: [owner: model, user: client], receiveTimeout: .seconds(600))
        let logits = try #require(run[user].outputs["logits"])
        #expect(logits.shape == Shape([100, 10]))
        let reference = expected.asDoubles()
        let values = logits.doubles
        let maxError = zip(values, reference).map { abs($0 - $1) }.max() ?? .infinity
        var agreements = 0
        for image in 0..<100 {
            let row = values[(image * 10)..<(image * 10 + 10)], plain = reference[(image * 10)..<(image * 10 + 10)]
            if row.firstIndex(of: row.max()!) == plain.firstIndex(of: plain.max()!) { agreements += 1 }
        }
        #expect(Double(agreements) / 100 >= 0.995, "argmax agreement \(agreements)/100")
        #expect(maxError <= 1e-2, "max logit error \(maxError)")
        // Online rounds: inputs, the first layer's product and truncation, ReLU (DReLU's eight rounds and
        // the product with its result), the second layer's product and truncation, the output.
        #expect(run.cost.rounds[.online] == 1 + 2 + 9 + 2 + 1)
    }
}
