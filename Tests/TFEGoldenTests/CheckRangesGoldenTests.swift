import Foundation
import Testing
import TFECommands
import TFENumPy
import TFERuntime
import TFETestSupport

/// Runtime goldens: `Golden/check-ranges/` holds programs run with `tfe-vm run FILE --check-ranges --seed 1`;
/// the golden is standard error (the diagnostics of values out of range). The run exits 1 when it reports an
/// error, 0 otherwise. A program's inputs are comment lines `# input PLAYER:NAME = v1, v2, ...` (vectors, written
/// as float64 `.npy` files; an `int` input takes whole numbers). Regenerate as the compiler goldens.
struct CheckRangesGoldenTests {
    static let cases = Golden.cases(in: "Golden/check-ranges", besides: #filePath)

    @Test func thereAreEnoughCases() {
        #expect(Self.cases.count >= 4)
    }

    @Test("tfe-vm run --check-ranges", arguments: cases.map(CaseName.init))
    func checkRanges(_ testCase: CaseName) throws {
        let text = String(decoding: try #require(FileManager.default.contents(atPath: testCase.path)), as: UTF8.self)
        #expect(text.hasPrefix("# checks: "), "\(testCase.fileName) should start with '# checks: '")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-golden-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var arguments = ["run", testCase.path, "--check-ranges", "--seed", "1", "--timeout", "600"]
        for line in text.split(separator: "\n") where line.hasPrefix("# input ") {
            let parts = line.dropFirst("# input ".count).split(separator: "=", maxSplits: 1)
            let target = try #require(parts.first).trimmingCharacters(in: .whitespaces)
            let values = try parts.last.map { list in
                try list.split(separator: ",").map { try #require(Double($0.trimmingCharacters(in: .whitespaces))) }
            } ?? []
            let file = directory.appendingPathComponent(target.replacingOccurrences(of: ":", with: "-") + ".npy")
            try NPY.write(to: file, shape: [values.count], doubles: values)
            arguments += ["--input", "\(target)=\(file.path)"]
        }
        var result = CommandOutput.capture { TfeVM.main(arguments, console: $0) }
        result.error = result.error.replacingOccurrences(of: testCase.directory + "/", with: "")
        let failed = result.error.contains(": error: ")
        #expect(result.exitCode == (failed ? .failure : .success), "\(result.error)")
        if let failure = Golden.check(result.error, against: testCase.expectedPath) {
            Issue.record(Comment(rawValue: failure))
        }
    }
}
