// Import goldens: each model in Fixtures/ops becomes the program in its `.expected` file (`tfec import`), and
// each model in Fixtures/errors is refused with the stderr in its `.expected` file and exit 1. Regenerate with
// `TFE_UPDATE_GOLDEN=1 swift test --filter ImportGoldenTests`, then review the diff.

import Foundation
import Testing
import TFECommands
import TFETestSupport

@Suite struct ImportGoldenTests {
    @Test("imported program", arguments: ImportFixtures.models(in: "ops"))
    func program(_ name: String) throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = ImportFixtures.path("ops/\(name).onnx")
        let result = ImportFixtures.tfec(["import", model, "-o", "\(directory)/\(name).tfe"])
        #expect(result.exitCode == .success, "\(result.error)")
        let text = String(decoding: FileManager.default.contents(atPath: "\(directory)/\(name).tfe") ?? Data(),
                          as: UTF8.self)
        if let failure = Golden.check(text, against: ImportFixtures.path("ops/\(name).expected")) {
            Issue.record(Comment(rawValue: failure))
        }
        // The program compiles as written (with the weights' shapes it declares).
        let check = ImportFixtures.tfec(["check", "\(directory)/\(name).tfe"])
        #expect(check.exitCode == .success, "\(check.error)")
    }

    /// The protocol each error case is imported with (pond for the ReLU model; the default otherwise).
    static let errorArguments = ["pond-relu": ["--protocol", "pond"]]

    @Test("refused model", arguments: ImportFixtures.models(in: "errors"))
    func refused(_ name: String) {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = ImportFixtures.path("errors/\(name).onnx")
        let arguments = ["import", model, "-o", "\(directory)/p.tfe"] + (Self.errorArguments[name] ?? [])
        let result = ImportFixtures.tfec(arguments)
        #expect(result.exitCode == .failure)
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/p.tfe"), "nothing is written on an error")
        let stderr = result.error.replacingOccurrences(of: ImportFixtures.path("errors") + "/", with: "")
        if let failure = Golden.check(stderr, against: ImportFixtures.path("errors/\(name).expected")) {
            Issue.record(Comment(rawValue: failure))
        }
    }
}
