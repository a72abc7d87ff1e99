import Foundation
import Testing
import TFECommands
import TFECore
import TFEFrontend
import TFETestSupport

/// Compiler goldens (STYLE.md section 7). Regenerate with `TFE_UPDATE_GOLDEN=1 swift test --filter TFEGoldenTests`.
///
/// - `Golden/ast/`: valid programs; the checked-program listing (`tfec compile --emit ast`), exit 0.
/// - `Golden/diagnostics/`: programs with at least one error; `tfec check`'s stderr, exit 1.
/// - `Golden/warnings/`: programs with warnings only; `tfec check`'s stderr, exit 0.
/// - `Golden/asm/`: programs that lower under Pond (a copy of every such `ast` case, plus cases pinning round
///   batching); the bytecode listing `tfec compile --emit asm`, exit 0.
/// - `Golden/unoptimized/`: the same programs; `tfec compile --emit asm -O0`, one round per communication.
struct GoldenTests {
    static let astCases = Golden.cases(in: "Golden/ast", besides: #filePath)
    static let diagnosticCases = Golden.cases(in: "Golden/diagnostics", besides: #filePath)
    static let warningCases = Golden.cases(in: "Golden/warnings", besides: #filePath)
    static let asmCases = Golden.cases(in: "Golden/asm", besides: #filePath)
    static let unoptimizedCases = Golden.cases(in: "Golden/unoptimized", besides: #filePath)

    /// The repository's root, two folders above this file.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Every `programs/**/*.tfe`, sorted.
    static let programs: [String] = {
        let root = repositoryRoot.appendingPathComponent("programs").path
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".tfe") }.sorted().map { root + "/" + $0 }
    }()

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

    @Test("warnings", arguments: warningCases.map(CaseName.init))
    func warnings(_ testCase: CaseName) {
        let result = Self.run(["check", testCase.path], in: testCase.directory)
        #expect(result.exitCode == .success, "\(testCase.fileName) has only warnings, so it should check")
        #expect(result.error.contains("warning:"), "\(testCase.fileName) should produce a warning")
        if let failure = Golden.check(result.error, against: testCase.expectedPath) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test("bytecode listing", arguments: asmCases.map(CaseName.init))
    func asm(_ testCase: CaseName) {
        let result = Self.run(["compile", testCase.path, "--emit", "asm"], in: testCase.directory)
        #expect(result.exitCode == .success, "\(testCase.fileName) should compile:\n\(result.error)")
        if let failure = Golden.check(result.output + result.error, against: testCase.expectedPath) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test("bytecode listing without optimisation", arguments: unoptimizedCases.map(CaseName.init))
    func unoptimized(_ testCase: CaseName) {
        let result = Self.run(["compile", testCase.path, "--emit", "asm", "-O0"], in: testCase.directory)
        #expect(result.exitCode == .success, "\(testCase.fileName) should compile:\n\(result.error)")
        if let failure = Golden.check(result.output + result.error, against: testCase.expectedPath) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test func thereAreEnoughCases() {
        #expect(Self.astCases.count >= 28)
        #expect(Self.diagnosticCases.count >= 70)
        #expect(Self.warningCases.count >= 3)
        #expect(Self.asmCases.count >= 36)
        #expect(Self.unoptimizedCases.count >= 36)
    }

    /// `asm/` and `unoptimized/` hold the same programs, and a copy of every `ast/` program that lowers, so the
    /// three listings of a program stay side by side.
    @Test func asmFoldersHoldTheLoweringPrograms() throws {
        func contents(_ paths: [String]) throws -> [String: String] {
            var result: [String: String] = [:]
            for path in paths {
                let data = try #require(FileManager.default.contents(atPath: path))
                result[CaseName(path).fileName] = String(decoding: data, as: UTF8.self)
            }
            return result
        }
        let asm = try contents(Self.asmCases), unoptimized = try contents(Self.unoptimizedCases)
        #expect(asm == unoptimized, "Golden/asm and Golden/unoptimized should hold identical .tfe files")
        for (name, text) in try contents(Self.astCases) {
            let lowers = Self.run(["compile", Self.astCases.first { $0.hasSuffix("/" + name) }!, "--emit", "asm"],
                                  in: "").exitCode == .success
            if lowers {
                #expect(asm[name] == text, "Golden/asm should hold a copy of ast/\(name), which lowers under Pond")
            } else {
                #expect(asm[name] == nil, "ast/\(name) does not lower, so Golden/asm should not hold it")
            }
        }
    }

    /// Each golden's first line says what it pins down.
    @Test func everyCaseSaysWhatItChecks() throws {
        for path in Self.astCases + Self.diagnosticCases + Self.warningCases + Self.asmCases + Self.unoptimizedCases {
            let data = try #require(FileManager.default.contents(atPath: path))
            let firstLine = String(decoding: data, as: UTF8.self).prefix { $0 != "\n" }
            #expect(firstLine.hasPrefix("# checks: "), "\(CaseName(path).fileName) should start with '# checks: '")
        }
    }

    // MARK: - Coverage of diagnostic kinds

    /// The sources that declare the diagnostic kind enums.
    static let kindSources = ["Sources/TFEFrontend/ParseError.swift", "Sources/TFEFrontend/CheckErrors.swift"]

    /// Every `case` declared in an enum conforming to `DiagnosticKind` in `kindSources`, by enum.
    static func declaredKinds() throws -> [(enumName: String, kind: String)] {
        var kinds: [(String, String)] = []
        for relative in kindSources {
            let path = repositoryRoot.appendingPathComponent(relative).path
            let data = try #require(FileManager.default.contents(atPath: path), "cannot read \(relative)")
            var currentEnum: String?
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let trimmed = line.drop { $0 == " " }
                if trimmed.hasPrefix("public enum ") || trimmed.hasPrefix("enum ") {
                    let header = trimmed.split(separator: " ").drop { $0 != "enum" }.dropFirst()
                    let name = header.first.map { String($0.prefix { $0.isLetter || $0.isNumber || $0 == "_" }) }
                    currentEnum = line.contains("DiagnosticKind") ? name : nil
                    continue
                }
                guard let enumName = currentEnum, trimmed.hasPrefix("case "), !trimmed.hasPrefix("case .") else {
                    continue
                }
                for name in caseNames(in: trimmed.dropFirst("case ".count)) { kinds.append((enumName, name)) }
            }
        }
        return kinds
    }

    /// `a, b(x: Int, y: Int), c` gives `a`, `b`, `c`: the names of the cases declared on one line.
    static func caseNames(in declaration: Substring) -> [String] {
        var names: [String] = []
        var depth = 0
        var current = ""
        var inName = true
        for character in declaration {
            switch character {
            case "(": depth += 1; inName = false
            case ")": depth -= 1
            case "," where depth == 0:
                if !current.isEmpty { names.append(current) }
                current = ""
                inName = true
            case "=" where depth == 0: inName = false
            default:
                if inName && depth == 0 {
                    if character.isLetter || character.isNumber || character == "_" || character == "`" {
                        if character != "`" { current.append(character) }
                    } else if !current.isEmpty {
                        inName = false
                    }
                }
            }
        }
        if !current.isEmpty { names.append(current) }
        return names
    }

    /// Fails naming every diagnostic kind that no golden case produces, so a new kind needs a golden.
    @Test func everyDiagnosticKindHasAGolden() throws {
        let declared = try Self.declaredKinds()
        #expect(declared.count >= 60, "expected to find the diagnostic kinds in \(Self.kindSources)")
        // `Diagnostic.kind` is the case name alone, so case names must be unique across the enums.
        let duplicates = Dictionary(grouping: declared, by: \.kind).filter { $0.value.count > 1 }.keys.sorted()
        #expect(duplicates.isEmpty, "case names declared in more than one kind enum: \(duplicates)")

        var produced = Set<String>()
        for path in Self.astCases + Self.diagnosticCases + Self.warningCases {
            let data = try #require(FileManager.default.contents(atPath: path))
            let result = Frontend.check(SourceFile(path: path, bytes: [UInt8](data)))
            for diagnostic in result.diagnostics.all { produced.insert(diagnostic.kind) }
        }
        let missing = declared.filter { !produced.contains($0.kind) }.map { "\($0.enumName).\($0.kind)" }
        let listed = missing.joined(separator: ", ")
        #expect(missing.isEmpty, "no golden produces these kinds (add a case to Golden/diagnostics): \(listed)")
    }

    // MARK: - Example programs

    @Test("programs check without diagnostics", arguments: programs.map(CaseName.init))
    func programChecksCleanly(_ program: CaseName) {
        let result = Self.run(["check", program.path], in: program.directory)
        #expect(result.exitCode == .success, "\(program.fileName) should check")
        #expect(result.error.isEmpty, "\(program.fileName) should have no diagnostics:\n\(result.error)")
    }

    @Test func thereAreExamplePrograms() {
        #expect(Self.programs.count >= 6)
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
