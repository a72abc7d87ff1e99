import Foundation
import TFECommands
import TFERuntime

/// The fixtures `Fixtures/make_fixtures.py` wrote, found from this file's path.
enum ImportFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    /// The base names of the `.onnx` (or other `suffix`) files in a fixture folder, sorted.
    static func models(in folder: String, suffix: String = ".onnx") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path(folder))) ?? []
        return names.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }.sorted()
    }

    static func bytes(_ relative: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: path(relative)) ?? Data())
    }

    /// A fresh temporary folder for one test.
    static func temporaryDirectory() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-import-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Runs `tfec` in-process.
    static func tfec(_ arguments: [String]) -> CommandOutput {
        CommandOutput.capture { Tfec.main(arguments, console: $0) }
    }

    /// Runs `tfe-vm` in-process.
    static func tfeVM(_ arguments: [String]) -> CommandOutput {
        CommandOutput.capture { TfeVM.main(arguments, console: $0) }
    }
}
