// End to end: each fixture model is imported with `tfec import`, run with `tfe-vm run` on the stored input,
// and its output compared with onnxruntime's (stored by make_fixtures.py) within 1e-2, with the same argmax.

import Foundation
import Testing
import TFECommands
import TFENumPy
import TFERuntime

@Suite struct ImportEndToEndTests {
    /// The largest |tfe − onnxruntime| the design allows.
    static let tolerance = 1e-2

    @Test("agrees with onnxruntime", arguments: ImportFixtures.models(in: "ops"))
    func agreesWithONNXRuntime(_ name: String) throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = "\(directory)/\(name).tfe"
        let imported = ImportFixtures.tfec(["import", ImportFixtures.path("ops/\(name).onnx"), "-o", program])
        try #require(imported.exitCode == .success, "\(imported.error)")
        let run = ImportFixtures.tfeVM([
            "run", program, "-D", "batch=2", "--input", "model_owner=\(directory)/\(name).npz",
            "--input", "client:x=\(ImportFixtures.path("ops/\(name).x.npy"))", "--out", "\(directory)/out",
            "--timeout", "600",
        ])
        try #require(run.exitCode == .success, "\(run.error)")
        let actual = try NPY.read(contentsOf: URL(fileURLWithPath: "\(directory)/out/client/y.npy"))
        let expected = try NPY.read(contentsOf: URL(fileURLWithPath: ImportFixtures.path("ops/\(name).y.npy")))
        #expect(actual.shape == expected.shape)
        try Self.expectClose(actual.asDoubles(), expected.asDoubles(), rowLength: expected.shape.last ?? 1, name)
    }

    /// The fixtures pond computes, imported with `--protocol aby3`.
    static let pondModels = ImportFixtures.models(in: "ops").filter { name in
        let expected = FileManager.default.contents(atPath: ImportFixtures.path("ops/\(name).expected")) ?? Data()
        return String(decoding: expected, as: UTF8.self).contains("\nprotocol pond\n")
    }

    @Test func thereArePondModels() {
        #expect(Self.pondModels.count >= 3)
    }

    @Test("agrees with onnxruntime under aby3", arguments: pondModels)
    func agreesWithONNXRuntimeUnderABY3(_ name: String) throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = "\(directory)/\(name).tfe"
        let imported = ImportFixtures.tfec([
            "import", ImportFixtures.path("ops/\(name).onnx"), "-o", program, "--protocol", "aby3",
        ])
        try #require(imported.exitCode == .success, "\(imported.error)")
        let run = ImportFixtures.tfeVM([
            "run", program, "-D", "batch=2", "--input", "model_owner=\(directory)/\(name).npz",
            "--input", "client:x=\(ImportFixtures.path("ops/\(name).x.npy"))", "--out", "\(directory)/out",
            "--timeout", "600", "--stats",
        ])
        try #require(run.exitCode == .success, "\(run.error)")
        #expect(run.output.contains("(aby3)") || run.error.contains("(aby3)"), "\(run.error)")
        #expect(run.output.contains("equal to the compiler's prediction"), "\(run.output)")
        let actual = try NPY.read(contentsOf: URL(fileURLWithPath: "\(directory)/out/client/y.npy"))
        let expected = try NPY.read(contentsOf: URL(fileURLWithPath: ImportFixtures.path("ops/\(name).y.npy")))
        #expect(actual.shape == expected.shape)
        try Self.expectClose(actual.asDoubles(), expected.asDoubles(), rowLength: expected.shape.last ?? 1, name)
    }

    /// `tfe-vm run MODEL.onnx` imports, compiles and runs in one step, with the weights from the model.
    @Test func oneStepRunOfTheMNISTModel() throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Debug builds run SecureNN's max-pooling slowly: 4 images here, 1,000 in Fixtures/check_mnist.sh.
        let count = 4
        try ImportFixtures.writeHeldoutImages(count: count, shape: [count, 1, 28, 28], to: "\(directory)/x.npy")
        let run = ImportFixtures.tfeVM([
            "run", ImportFixtures.path("mnist/mnist-cnn.onnx"), "-D", "batch=\(count)",
            "--input", "client:input=\(directory)/x.npy", "--out", "\(directory)/out", "--timeout", "600",
        ])
        try #require(run.exitCode == .success, "\(run.error)")
        let logits = try NPY.read(contentsOf: URL(fileURLWithPath: "\(directory)/out/client/logits.npy")).asDoubles()
        let expected = try NPY.read(contentsOf: URL(fileURLWithPath: ImportFixtures.path("mnist/heldout-logits.npy")))
            .asDoubles()
        try Self.expectClose(logits, Array(expected.prefix(count * 10)), rowLength: 10, "mnist-cnn")
    }

    /// The Keras CNN (mnist-cnn.pb) converted by tf2onnx (make_tf2onnx_fixture.py): NHWC input 'x:0', the
    /// flatten's shape computed by Shape, Gather, Cast, Slice and Concat, which the importer folds, and MatMul + Add.
    /// Imported, then run in one step on held-out images against onnxruntime's logits.
    @Test func tf2onnxMNISTModel() throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = ImportFixtures.path("mnist/mnist-cnn-tf2onnx.onnx")
        let imported = ImportFixtures.tfec(["import", model, "-o", "\(directory)/P.tfe"])
        try #require(imported.exitCode == .success, "\(imported.error)")
        let program = try String(contentsOfFile: "\(directory)/P.tfe", encoding: .utf8)
        #expect(program.contains("x_0 = private_input(client, \"x_0\", [batch, 28, 28, 1])"))
        #expect(program.contains("reshape(sequential_2_1_max_pooling2d_1_1_MaxPool2d_0, [batch, 1152])"))
        #expect(program.contains("output(client, \"Identity_0\", Identity_0)"))
        let count = 4
        try ImportFixtures.writeHeldoutImages(count: count, shape: [count, 28, 28, 1], to: "\(directory)/x.npy")
        let run = ImportFixtures.tfeVM([
            "run", model, "-D", "batch=\(count)",
            "--input", "client:x_0=\(directory)/x.npy", "--out", "\(directory)/out", "--timeout", "600",
        ])
        try #require(run.exitCode == .success, "\(run.error)")
        let logits = try NPY.read(contentsOf: URL(fileURLWithPath: "\(directory)/out/client/Identity_0.npy"))
            .asDoubles()
        let expected = try NPY.read(contentsOf: URL(fileURLWithPath: ImportFixtures.path(
            "mnist/heldout-logits-tf2onnx.npy"))).asDoubles()
        try Self.expectClose(logits, Array(expected.prefix(count * 10)), rowLength: 10, "mnist-cnn-tf2onnx")
    }

    /// Within `tolerance` everywhere, and the same argmax in every row (for float outputs).
    static func expectClose(_ actual: [Double], _ expected: [Double], rowLength: Int, _ name: String) throws {
        try #require(actual.count == expected.count, "\(name): \(actual.count) values, expected \(expected.count)")
        let error = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(error <= tolerance, "\(name): largest difference \(error)")
        guard rowLength > 1 else { return }
        for row in 0..<(actual.count / rowLength) {
            let range = row * rowLength..<(row + 1) * rowLength
            let a = range.max { actual[$0] < actual[$1] }, b = range.max { expected[$0] < expected[$1] }
            #expect(a == b, "\(name): row \(row) argmax \(a ?? -1), onnxruntime \(b ?? -1)")
        }
    }
}
