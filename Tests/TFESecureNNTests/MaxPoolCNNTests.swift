// The max-pooling CNN (programs/cnn/cnn-maxpool.tfe), under securenn and aby3, on its first two held-back MNIST
// images, against the plaintext float64 logits of programs/cnn/data/expected-logits-maxpool.npy.

import Testing

@Suite struct MaxPoolCNNTests {
    @Test(arguments: Comparing.allCases)
    func maxPoolConvolutionalNetworkAgreesWithPlaintext(_ comparing: Comparing) throws {
        // `check` compiles with `batch` overridden to 2, runs on the first two images, requires argmax
        // agreement and every logit within 1e-2, and (through `SecureNNSupport.run`) that the measured
        // cost equals `CostModel.cost(of:)`.
        try ProgramTests.check(
            "programs/cnn/cnn-maxpool.tfe", model: "programs/cnn/data/model-maxpool.npz",
            expected: "programs/cnn/data/expected-logits-maxpool.npy", batch: 2, imageShape: [28, 28, 1],
            under: comparing)
    }
}
