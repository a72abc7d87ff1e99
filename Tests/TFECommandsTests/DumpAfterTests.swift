import Foundation
import Testing
import TFECommands

/// `tfec compile --dump-after PASS`: a developer option, hidden from help, that prints the program after any
/// pass of the compiler's table.
struct DumpAfterTests {
    static func tfec(_ arguments: [String]) -> CommandOutput {
        CommandOutput.capture(isColorEnabled: false) { Tfec.main(arguments, console: $0) }
    }

    /// The pass names, as the option accepts them (from `Compiler.passes`).
    static let passNames = CompileCommand.compileSpec.options.first { $0.name == "--dump-after" }?.allowedValues ?? []

    static let program = """
        protocol pond
        player alice, bob
        x = private_input(alice, [2, 2])
        y = private_input(bob, [2, 2])
        output(alice, "z", x * y + x * x)

        """

    static func withSource<T>(_ body: (String, URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tfec-dump-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("dump.tfe").path
        try Data(program.utf8).write(to: URL(fileURLWithPath: path))
        return try body(path, directory)
    }

    @Test func everyPassOfTheTableIsAccepted() {
        #expect(Self.passNames == ["parse", "resolve-names", "check", "lower", "batch-rounds"])
    }

    @Test(arguments: passNames)
    func dumpAfterPrintsTheProgramAfterThePass(pass: String) throws {
        try Self.withSource { path, directory in
            let output = directory.appendingPathComponent("out.tfeb").path
            let result = Self.tfec(["compile", path, "-o", output, "--dump-after", pass])
            #expect(result.exitCode == .success, "\(result.error)")
            #expect(result.error.isEmpty)
            let header = "; after pass '\(pass)'\n"
            #expect(result.output.hasPrefix(header))
            let body = String(result.output.dropFirst(header.count))
            switch pass {
            case "parse", "resolve-names":
                #expect(body.hasPrefix("; tfe syntax tree (dump.tfe)\n"))
                #expect(body.contains("output(alice, \"z\", ((x * y) + (x * x)))"))
            case "check":
                #expect(body == Self.tfec(["compile", path, "--emit", "ast"]).output)
            case "lower":
                #expect(body == Self.tfec(["compile", path, "--emit", "asm", "-O0"]).output)
            default:
                #expect(body == Self.tfec(["compile", path, "--emit", "asm"]).output)
            }
            #expect(FileManager.default.fileExists(atPath: output), "the compile itself goes on")
        }
    }

    @Test func severalPassesPrintInPipelineOrder() throws {
        try Self.withSource { path, directory in
            let output = directory.appendingPathComponent("out.tfeb").path
            let result = Self.tfec(
                ["compile", path, "-o", output, "--dump-after", "batch-rounds", "--dump-after", "parse"])
            #expect(result.exitCode == .success)
            let headers = result.output.split(separator: "\n").filter { $0.hasPrefix("; after pass") }
            #expect(headers == ["; after pass 'parse'", "; after pass 'batch-rounds'"])
        }
    }

    @Test func aPassSkippedByOptimisationOffSaysSo() throws {
        try Self.withSource { path, _ in
            let result = Self.tfec(["compile", path, "--emit", "asm", "-O0", "--dump-after", "batch-rounds"])
            #expect(result.exitCode == .success)
            #expect(result.error
                    == "tfec: note: pass 'batch-rounds' does not run with -O0; there is nothing to print after it\n")
            #expect(result.output == Self.tfec(["compile", path, "--emit", "asm", "-O0"]).output)
        }
    }

    @Test func emitAstRunsTheFrontEndsPassesOnly() throws {
        try Self.withSource { path, _ in
            let plain = Self.tfec(["compile", path, "--emit", "ast"]).output
            let result = Self.tfec(
                ["compile", path, "--emit", "ast", "--dump-after", "parse", "--dump-after", "lower"])
            #expect(result.exitCode == .success)
            #expect(result.error
                    == "tfec: note: pass 'lower' does not run with --emit ast; there is nothing to print after it\n")
            #expect(result.output.hasPrefix("; after pass 'parse'\n; tfe syntax tree (dump.tfe)\n"))
            #expect(result.output.hasSuffix(plain))
            let tokens = Self.tfec(["compile", path, "--emit", "tokens", "--dump-after", "parse"])
            #expect(tokens.exitCode == .success)
            #expect(tokens.error.hasPrefix("tfec: note: pass 'parse' does not run with --emit tokens"))
        }
    }

    @Test func anUnknownPassIsAUsageErrorListingThePasses() {
        let result = Self.tfec(["compile", "a.tfe", "--dump-after", "lowr"])
        #expect(result.exitCode == .usage)
        let first = result.error.split(separator: "\n").first.map(String.init)
        #expect(first == "Error: The value 'lowr' is invalid for '--dump-after <pass>': expected 'parse', "
                + "'resolve-names', 'check', 'lower' or 'batch-rounds'. Did you mean 'lower'?")
    }

    @Test func theOptionIsHiddenFromHelp() {
        let help = Self.tfec(["compile", "--help"])
        #expect(help.exitCode == .success)
        #expect(!help.output.contains("dump-after"))
    }

    @Test func statsPrintBothColumnsFromOneCompile() throws {
        try Self.withSource { path, _ in
            let result = Self.tfec(["compile", path, "--emit", "asm", "--stats"])
            #expect(result.exitCode == .success)
            let rounds = result.output.split(separator: "\n").first { $0.hasPrefix("online rounds") }
            let cells = rounds?.split(separator: " ").map(String.init) ?? []
            // Unbatched: two inputs, the products' opens, two truncations, the output; batched fewer.
            #expect(cells.count == 4)
            if cells.count == 4, let before = Int(cells[2]), let after = Int(cells[3]) { #expect(after < before) }
        }
    }
}
