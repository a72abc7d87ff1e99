// TensorFlow frozen GraphDefs (Fixtures/graphdef-ops, written by make_graphdef_fixtures.py with TensorFlow): each
// imports to the program in its `.expected` file and runs end to end within 1e-2 of TensorFlow's stored output;
// each graph in Fixtures/graphdef-errors is refused with the stderr in its `.expected` file and exit 1.
// Regenerate the goldens with `TFE_UPDATE_GOLDEN=1 swift test --filter GraphDefImportTests`, then review the diff.

import Foundation
import Testing
import TFECommands
import TFENumPy
import TFETestSupport

@Suite struct GraphDefImportTests {
    static let models = ImportFixtures.models(in: "graphdef-ops", suffix: ".pb")
    static let refused = ImportFixtures.models(in: "graphdef-errors", suffix: ".pb")

    @Test("imported program", arguments: models)
    func program(_ name: String) throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = ImportFixtures.tfec(["import", ImportFixtures.path("graphdef-ops/\(name).pb"),
                                          "-o", "\(directory)/\(name).tfe"])
        #expect(result.exitCode == .success, "\(result.error)")
        let text = String(decoding: FileManager.default.contents(atPath: "\(directory)/\(name).tfe") ?? Data(),
                          as: UTF8.self)
        if let failure = Golden.check(text, against: ImportFixtures.path("graphdef-ops/\(name).expected")) {
            Issue.record(Comment(rawValue: failure))
        }
        let check = ImportFixtures.tfec(["check", "\(directory)/\(name).tfe"])
        #expect(check.exitCode == .success, "\(check.error)")
    }

    /// The protocol each error case is imported with (pond for the ReLU graph; the default otherwise).
    static let errorArguments = ["pond-relu": ["--protocol", "pond"]]

    @Test("refused graph", arguments: refused)
    func refusedGraph(_ name: String) {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["import", ImportFixtures.path("graphdef-errors/\(name).pb"), "-o", "\(directory)/p.tfe"]
            + (Self.errorArguments[name] ?? [])
        let result = ImportFixtures.tfec(arguments)
        #expect(result.exitCode == .failure)
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/p.tfe"), "nothing is written on an error")
        let stderr = result.error.replacingOccurrences(of: ImportFixtures.path("graphdef-errors") + "/", with: "")
        if let failure = Golden.check(stderr, against: ImportFixtures.path("graphdef-errors/\(name).expected")) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test("agrees with TensorFlow", arguments: models)
    func agreesWithTensorFlow(_ name: String) throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let program = "\(directory)/\(name).tfe"
        let imported = ImportFixtures.tfec(["import", ImportFixtures.path("graphdef-ops/\(name).pb"), "-o", program])
        try #require(imported.exitCode == .success, "\(imported.error)")
        let run = ImportFixtures.tfeVM([
            "run", program, "-D", "batch=2", "--input", "model_owner=\(directory)/\(name).npz",
            "--input", "client:x=\(ImportFixtures.path("graphdef-ops/\(name).x.npy"))", "--out", "\(directory)/out",
            "--timeout", "600",
        ])
        try #require(run.exitCode == .success, "\(run.error)")
        // TensorFlow 2 names a frozen function's output after the Identity node that returns it.
        let actual = try NPY.read(contentsOf: URL(fileURLWithPath: "\(directory)/out/client/Identity.npy"))
        let expected = try NPY.read(contentsOf: URL(
            fileURLWithPath: ImportFixtures.path("graphdef-ops/\(name).y.npy")))
        #expect(actual.shape == expected.shape)
        try ImportEndToEndTests.expectClose(actual.asDoubles(), expected.asDoubles(),
                                            rowLength: expected.shape.last ?? 1, name)
    }

    /// `tfe-vm run MODEL.pb` imports, compiles and runs in one step: the Keras MNIST CNN on held-out images,
    /// NHWC as the client feeds TensorFlow.
    @Test func oneStepRunOfTheKerasMNISTModel() throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Debug builds run SecureNN's max-pooling slowly: 4 images here; programs/import/agreement-1000.sh
        // runs the 1,000.
        let count = 4
        try ImportFixtures.writeHeldoutImages(count: count, shape: [count, 28, 28, 1], to: "\(directory)/x.npy")
        let run = ImportFixtures.tfeVM([
            "run", ImportFixtures.path("mnist/mnist-cnn.pb"), "-D", "batch=\(count)",
            "--input", "client:x=\(directory)/x.npy", "--out", "\(directory)/out", "--timeout", "600",
        ])
        try #require(run.exitCode == .success, "\(run.error)")
        let logits = try NPY.read(contentsOf: URL(fileURLWithPath: "\(directory)/out/client/Identity.npy"))
            .asDoubles()
        let expected = try NPY.read(contentsOf: URL(fileURLWithPath: ImportFixtures.path(
            "mnist/heldout-logits-tf.npy"))).asDoubles()
        try ImportEndToEndTests.expectClose(logits, Array(expected.prefix(count * 10)), rowLength: 10, "mnist-cnn.pb")
    }
}
