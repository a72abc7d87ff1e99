import Foundation
import Testing
import TFECommands
import TFECore
import TFEFrontend
import TFETestSupport

/// Compiler goldens (STYLE.md section 7). Regenerate with `TFE_UPDATE_GOLDEN=1 swift test --filter TFEGoldenTests`.
struct GoldenTests {
    static let astCases = Golden.cases(in: "Golden/ast", besides: #filePath)
    static let diagnosticCases = Golden.cases(in: "Golden/diagnostics", besides: #filePath)

    /// Runs `tfec` in-process; the case's folder is cut from paths in the output, so goldens hold bare
    /// file names wherever the checkout is.
    static func run(_ arguments: [String], in directory: String) -> CommandOutput {
        var result = CommandOutput.capture { Tfec.main(arguments, console: $0) }
        result.output = result.output.replacingOccurrences(of: directory + "/", with: "")
        result.error = result.error.replacingOccurrences(of: directory + "/", with: "")
        return result
    }

    @Test("checked program listing", arguments: astCases.map(CaseName.init))
    func ast(_ testCase: CaseName) {
        let result = Self.run(["compile", testCase.path, "--emit", "ast"], in: testCase.directory)
        #expect(result.exitCode == .success, "\(testCase.fileName) should compile:\n\(result.error)")
        if let failure = Golden.check(result.output + result.error, against: testCase.expectedPath) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test("diagnostics", arguments: diagnosticCases.map(CaseName.init))
    func diagnostics(_ testCase: CaseName) {
        let result = Self.run(["check", testCase.path], in: testCase.directory)
        #expect(result.exitCode == .failure, "\(testCase.fileName) should fail to check")
        if let failure = Golden.check(result.error, against: testCase.expectedPath) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test func thereAreEnoughCases() {
        #expect(Self.astCases.count >= 25)
        #expect(Self.diagnosticCases.count >= 60)
    }
}

/// A golden case, named after its file so `swift test --filter` can select it.
struct CaseName: CustomTestStringConvertible, Sendable {
    let path: String
    init(_ path: String) { self.path = path }
    var fileName: String { URL(fileURLWithPath: path).lastPathComponent }
    var directory: String { URL(fileURLWithPath: path).deletingLastPathComponent().path }
    var expectedPath: String { String(path.dropLast(4)) + ".expected" }
    var testDescription: String { fileName }
}
