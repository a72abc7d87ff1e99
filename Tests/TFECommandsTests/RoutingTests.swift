import Testing
import TFECommands

private func run(_ arguments: [String], exitCode: ExitCode = .success) -> CommandOutput {
    CommandOutput.capture { console in
        Fixtures.tfec.run(arguments, console: console) { parsed, console in
            console.write("compile \(parsed.argument("input") ?? "?") -D \(parsed.values("-D"))\n")
            return exitCode
        }
    }
}

private func usageFailure(_ lines: String...) -> CommandOutput {
    CommandOutput(exitCode: .usage, error: lines.joined(separator: "\n") + "\n")
}

private let compileUsage = "Usage: tfec compile <input> [--output <output>] [--emit <emit>] [-D <name=value> ...] "
    + "[-O0] [--stats]"
private let compileSee = "  See 'tfec compile --help' for more information."

// MARK: - Running

@Test func runsTheSubcommandWithItsArguments() {
    let expected = CommandOutput(exitCode: .success, output: "compile a.tfe -D [\"N=3\"]\n")
    #expect(run(["compile", "a.tfe", "-DN=3"]) == expected)
}

@Test func returnsTheSubcommandsExitCode() {
    #expect(run(["compile", "a.tfe"], exitCode: .failure).exitCode == .failure)
}

@Test func helpFlagAfterDoubleDashIsAnArgument() {
    #expect(run(["compile", "--", "-h"]).output == "compile -h -D []\n")
}

@Test func runsAsyncSubcommands() async {
    let recorder = ConsoleRecorder()
    let code = await Fixtures.tfec.run(["compile", "a.tfe"], console: recorder.console) { parsed, console async in
        await Task.yield()
        console.write(parsed.argument("input") ?? "")
        return .success
    }
    #expect(recorder.commandOutput(exitCode: code) == CommandOutput(exitCode: .success, output: "a.tfe"))
}

@Test func runsSyncSubcommandsFromAsyncCode() async {
    let code = Fixtures.tfec.run(["compile", "a.tfe"], console: ConsoleRecorder().console) { _, _ in .failure }
    #expect(code == .failure)
}

@Test func resolveNamesTheSubcommand() {
    guard case .run(let parsed) = Fixtures.vm.resolve(["dis", "p.tfeb"]) else {
        Issue.record("expected a run")
        return
    }
    #expect(parsed.command == Fixtures.dis)
}

// MARK: - Usage failures, rendered exactly

@Test(arguments: [
    (["compile", "a.tfe", "--emitt", "asm"], usageFailure(
        "Error: Unknown option '--emitt'. Did you mean '--emit'?", compileUsage, compileSee)),
    (["compile"], usageFailure("Error: Missing expected argument '<input>'", compileUsage, compileSee)),
    (["compile", "a.tfe", "b.tfe"], usageFailure("Error: Unexpected argument 'b.tfe'", compileUsage, compileSee)),
    (["compile", "a.tfe", "-o"], usageFailure(
        "Error: Missing value for '--output <output>'", compileUsage, compileSee)),
    (["compile", "a.tfe", "-o", "x", "-o", "y"], usageFailure(
        "Error: Option '--output' can only be given once", compileUsage, compileSee)),
    (["compile", "a.tfe", "--emit", "asmm"], usageFailure(
        "Error: The value 'asmm' is invalid for '--emit <emit>': expected 'bytecode', 'asm', 'ast' or 'tokens'. "
            + "Did you mean 'asm'?",
        compileUsage, compileSee)),
    (["compil", "a.tfe"], usageFailure(
        "Error: Unknown subcommand 'compil'. Did you mean 'compile'?",
        "Usage: tfec <subcommand>", "  See 'tfec --help' for more information.")),
    (["help", "run"], usageFailure(
        "Error: Unknown subcommand 'run'", "Usage: tfec <subcommand>", "  See 'tfec --help' for more information.")),
    (["--versoin"], usageFailure(
        "Error: Unknown option '--versoin'. Did you mean '--version'?",
        "Usage: tfec <subcommand>", "  See 'tfec --help' for more information.")),
    (["-x"], usageFailure(
        "Error: Unknown option '-x'", "Usage: tfec <subcommand>", "  See 'tfec --help' for more information.")),
    (["--version", "compile"], usageFailure(
        "Error: Unexpected argument 'compile'", "Usage: tfec <subcommand>",
        "  See 'tfec --help' for more information.")),
])
func renderedUsageFailure(arguments: [String], expected: CommandOutput) {
    #expect(run(arguments) == expected)
}

// MARK: - Messages of the other kinds

@Test(arguments: [
    (UsageError.unexpectedArguments(["b", "c"]), "2 unexpected arguments: 'b', 'c'"),
    (.missingArgument("--config <config>"), "Missing expected argument '--config <config>'"),
    (.unexpectedValue("yes", flag: "--stats"), "Flag '--stats' does not take a value, but was given 'yes'"),
    (.unknownOption("-x", suggestion: nil), "Unknown option '-x'"),
    (.invalidValue("x", option: "--p <p>", allowed: ["a"], suggestion: nil),
     "The value 'x' is invalid for '--p <p>': expected 'a'"),
    (.invalidValue("x", option: "--p <p>", allowed: ["a", "b"], suggestion: nil),
     "The value 'x' is invalid for '--p <p>': expected 'a' or 'b'"),
    (.malformedValue("N", option: "-D <name=value>", expected: "NAME=VALUE"),
     "The value 'N' is invalid for '-D <name=value>': expected NAME=VALUE"),
    (.conflictingOptions("--config", "--party", reason: "why"),
     "Options '--config' and '--party' cannot be used together: why"),
    (.missingChoice(["--certs <dir>", "--insecure"], reason: "why"), "Missing '--certs <dir>' or '--insecure': why"),
    (.requiresOption("--seed", required: "--insecure", reason: "why"),
     "Option '--seed' requires '--insecure' here: why"),
])
func message(error: UsageError, text: String) {
    #expect(error.message == text)
}

@Test func commandsReportTheirOwnUsageFailures() {
    let failure = Fixtures.compile.failure(.malformedValue("N", option: "-D <name=value>", expected: "NAME=VALUE"))
    #expect(failure.rendered == """
        Error: The value 'N' is invalid for '-D <name=value>': expected NAME=VALUE
        \(compileUsage)
        \(compileSee)

        """)
}
