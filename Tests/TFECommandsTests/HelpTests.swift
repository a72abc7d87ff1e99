import Testing
import TFECommands

// MARK: - Expected help (compile's is STYLE.md section 6, character for character)

private let compileHelp = """
    OVERVIEW: Compile a .tfe program to tfe bytecode.

    USAGE: tfec compile <input> [--output <output>] [--emit <emit>] [-D <name=value> ...] [-O0] [--stats]

    ARGUMENTS:
      <input>                 The .tfe source file.

    OPTIONS:
      -o, --output <output>   Where to write bytecode. (default: <input>.tfeb)
      --emit <emit>           bytecode, asm, ast or tokens. (default: bytecode)
      -D <name=value>         Override a 'param'.
      -O0                     Skip optional passes such as round batching.
      --stats                 Print rounds and bytes before and after optimisation.
      -h, --help              Show help information.

    """

private let playerHelp = """
    OVERVIEW: Serve the runs other parties start, as one long-running player.

    USAGE: tfe-vm player <name> --config <config> [--simulate-bandwidth <bytes-per-second>]

    ARGUMENTS:
      <name>                  The player to act as.

    OPTIONS:
      --config <config>       The host map.
      --simulate-bandwidth <bytes-per-second>
                              Delay each message as a link of this bandwidth would,
                              so that a local run costs what a deployment would.
      -h, --help              Show help information.

    """

private let disHelp = """
    OVERVIEW: Print a bytecode file as asm.

    USAGE: tfe-vm dis <program> [<output>]

    ARGUMENTS:
      <program>               The .tfeb file.
      <output>                Where to write the asm.

    OPTIONS:
      -h, --help              Show help information.

    """

private let tfecHelp = """
    OVERVIEW: The tfe compiler: .tfe source to tfe bytecode.

    USAGE: tfec <subcommand>

    OPTIONS:
      --version               Show the version.
      -h, --help              Show help information.

    SUBCOMMANDS:
      compile                 Compile a .tfe program to tfe bytecode.

      See 'tfec help <subcommand>' for detailed help.

    """

private let column = String(repeating: " ", count: 26)

private func run(_ arguments: [String], _ tool: ToolSpec = Fixtures.tfec) -> CommandOutput {
    CommandOutput.capture { console in
        tool.run(arguments, console: console) { _, _ in
            Issue.record("ran a command instead of showing help")
            return .internal
        }
    }
}

// MARK: - Rendering

@Test(arguments: [
    (Fixtures.compile, compileHelp),
    (Fixtures.player, playerHelp),
    (Fixtures.dis, disHelp),
])
func commandHelp(spec: CommandSpec, expected: String) {
    #expect(spec.helpText == expected)
}

@Test func toolHelp() {
    #expect(Fixtures.tfec.helpText == tfecHelp)
}

@Test func hiddenOptionIsLeftOutOfHelpAndUsage() {
    #expect(!Fixtures.compile.helpText.contains("dump-after"))
    #expect(!Fixtures.compile.usage.contains("dump-after"))
}

@Test(arguments: [
    (OptionSpec.option("--output", short: "o", value: "output", help: "Where."), ["  -o, --output <output>   Where."]),
    (.option("--x", value: "abcdefghijklmnopq", help: "Fits."), ["  --x <abcdefghijklmnopq> Fits."]),
    (.option("--x", value: "abcdefghijklmnopqr", help: "Wraps."), ["  --x <abcdefghijklmnopqr>", column + "Wraps."]),
    (.flag("--quiet", help: ""), ["  --quiet"]),
    (.flag("--quiet", help: "", hidden: true), []),
    (.flag("-q", help: String(repeating: "word ", count: 12)), [
        "  -q                      word word word word word word word word word word word",
        column + "word",
    ]),
])
func helpRow(option: OptionSpec, lines: [String]) {
    let help = CommandSpec(tool: "t", name: "c", overview: "", options: [option]).helpText
    let rows = help.split(separator: "\n").map(String.init).drop { $0 != "OPTIONS:" }.dropFirst().dropLast()
    #expect(Array(rows) == lines)
}

// MARK: - Reaching help

@Test(arguments: [
    ["help", "compile"],
    ["compile", "-h"],
    ["compile", "--help"],
    ["--help", "compile"],
    ["compile", "a.tfe", "--emitt", "--help"],
])
func compileHelpIsReachable(arguments: [String]) {
    #expect(run(arguments) == CommandOutput(exitCode: .success, output: compileHelp))
}

@Test(arguments: [[], ["help"], ["--help"], ["-h"]])
func rootHelpIsReachable(arguments: [String]) {
    #expect(run(arguments) == CommandOutput(exitCode: .success, output: tfecHelp))
}

@Test func version() {
    #expect(run(["--version"]) == CommandOutput(exitCode: .success, output: "0.1.0\n"))
}
