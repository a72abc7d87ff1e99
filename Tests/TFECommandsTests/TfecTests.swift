import Foundation
import Testing
import TFECommands
import TFERuntime

// MARK: - Helpers

/// Runs `tfec` in-process.
private func tfec(_ arguments: [String], colored: Bool = false) -> CommandOutput {
    CommandOutput.capture(isColorEnabled: colored) { Tfec.main(arguments, console: $0) }
}

/// A fresh directory for one test, removed afterwards.
private func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("tfec-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// Writes `text` to `name` in `directory` and returns its path.
private func write(_ text: String, _ name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

private let valid = """
    protocol pond
    player model_owner, client
    param batch = 4
    w = private_input(model_owner, [3, 2])
    x = private_input(client, [batch, 3])
    output(client, "y", relu_approx(x @ w))

    """

/// The error is on line 4, column 9: the second operand of '@'.
private let invalid = """
    player alice
    x = private_input(alice, [2, 3])
    # the inner dimensions differ
    y = x @ x
    output(alice, y)

    """

private let checkUsage = "Usage: tfec check <input> [-D <name=value> ...]"

// MARK: - Version and help

@Test func tfecVersion() {
    #expect(tfec(["--version"]) == CommandOutput(exitCode: .success, output: "\(Tfec.version)\n"))
    #expect(Tfec.version.split(separator: ".").count == 3)
}

@Test(arguments: [[], ["--help"], ["-h"], ["help"]])
func rootHelp(arguments: [String]) {
    let result = tfec(arguments)
    #expect(result.exitCode == .success)
    #expect(result.error.isEmpty)
    #expect(result.output == Tfec.tool.helpText)
    #expect(result.output.hasPrefix("OVERVIEW: "))
    for section in ["USAGE: tfec <subcommand>", "OPTIONS:", "--version", "SUBCOMMANDS:", "  check", "  compile"] {
        #expect(result.output.contains(section), "root help lacks \(section)")
    }
}

@Test(arguments: ["check", "compile"])
func subcommandHelpIsReachableThreeWays(name: String) {
    let viaHelp = tfec(["help", name])
    #expect(viaHelp.exitCode == .success)
    #expect(viaHelp.error.isEmpty)
    #expect(viaHelp.output.hasPrefix("OVERVIEW: "))
    #expect(viaHelp.output.contains("USAGE: tfec \(name) <input>"))
    #expect(viaHelp.output.contains("-D <name=value>"))
    #expect(tfec([name, "-h"]) == viaHelp)
    #expect(tfec([name, "--help"]) == viaHelp)
    #expect(tfec([name, "file.tfe", "-h"]) == viaHelp)
}

@Test func compileHelpListsItsOptions() {
    let help = tfec(["help", "compile"]).output
    for option in ["-o, --output <output>", "--emit <emit>", "-h, --help"] {
        #expect(help.contains(option), "compile help lacks \(option)")
    }
}

// MARK: - Usage errors (exit 64)

@Test(arguments: [
    (["compile", "a.tfe", "--emitt", "ast"], "Error: Unknown option '--emitt'. Did you mean '--emit'?"),
    (["compile", "a.tfe", "--ouptut", "x"], "Error: Unknown option '--ouptut'. Did you mean '--output'?"),
    (["--verison"], "Error: Unknown option '--verison'. Did you mean '--version'?"),
    (["chek", "a.tfe"], "Error: Unknown subcommand 'chek'. Did you mean 'check'?"),
    (["check", "a.tfe", "--zzzzzz"], "Error: Unknown option '--zzzzzz'"),
    (["check"], "Error: Missing expected argument '<input>'"),
    (["check", "a.tfe", "b.tfe"], "Error: Unexpected argument 'b.tfe'"),
    (["compile", "a.tfe", "--emit"], "Error: Missing value for '--emit <emit>'"),
    (["compile", "a.tfe", "--emit", "asmm"],
     "Error: The value 'asmm' is invalid for '--emit <emit>': expected 'bytecode', 'asm', 'ast' or 'tokens'. "
        + "Did you mean 'asm'?"),
])
func usageError(arguments: [String], firstLine: String) {
    let result = tfec(arguments)
    #expect(result.exitCode == .usage)
    #expect(result.output.isEmpty)
    let lines = result.error.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.first.map(String.init) == firstLine)
    #expect(lines.count == 4, "three lines and a final newline: \(result.error)")
    #expect(lines.dropFirst().first?.hasPrefix("Usage: tfec ") == true)
}

@Test(arguments: [
    ["-D", "batch"], ["-D", "batch=abc"], ["-D", "=3"], ["-Dbatch"], ["-D", "batch=1.5"], ["-D", "batch="],
])
func malformedDefine(define: [String]) throws {
    try withTemporaryDirectory { directory in
        let path = try write(valid, "valid.tfe", in: directory)
        let result = tfec(["check", path] + define)
        #expect(result.exitCode == .usage)
        #expect(result.output.isEmpty)
        #expect(result.error.hasPrefix("Error: The value '"), "\(result.error)")
        #expect(result.error.contains(checkUsage))
    }
}

@Test func defineMustNameAParam() throws {
    try withTemporaryDirectory { directory in
        let path = try write(valid, "valid.tfe", in: directory)
        let misspelt = tfec(["check", path, "-D", "bach=10"])
        #expect(misspelt.exitCode == .usage)
        #expect(misspelt.output.isEmpty)
        #expect(misspelt.error.hasPrefix("Error: The value 'bach=10' is invalid for '-D <name=value>'"))
        #expect(misspelt.error.contains("Did you mean 'batch'?"), "\(misspelt.error)")
        let unrelated = tfec(["check", path, "-D", "zzzzzz=10"])
        #expect(unrelated.exitCode == .usage)
        #expect(!unrelated.error.contains("Did you mean"))
        // `compile` keeps the syntax tree for the suggestion when `-D` is given.
        let target = directory.appendingPathComponent("valid.tfeb").path
        let compiled = tfec(["compile", path, "-D", "bach=10", "-o", target])
        #expect(compiled.exitCode == .usage)
        #expect(compiled.error.contains("Did you mean 'batch'?"), "\(compiled.error)")
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}

@Test func defineOverridesAParam() throws {
    try withTemporaryDirectory { directory in
        let path = try write(valid, "valid.tfe", in: directory)
        #expect(tfec(["check", path, "-D", "batch=10"]) == CommandOutput(exitCode: .success))
        #expect(tfec(["check", path, "-Dbatch=10"]) == CommandOutput(exitCode: .success))
        let listing = tfec(["compile", path, "--emit", "ast", "-D", "batch=7"])
        #expect(listing.exitCode == .success)
        #expect(listing.output.contains("fixed[7, 3]"), "\(listing.output)")
        // An override is checked like the value it replaces.
        let zero = tfec(["check", path, "-D", "batch=0"])
        #expect(zero.exitCode == .failure)
        #expect(zero.error.contains(": error: "))
    }
}

// MARK: - Checking files

@Test func missingFile() throws {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("absent.tfe").path
        let result = tfec(["check", path])
        #expect(result.exitCode == .failure)
        #expect(result.output.isEmpty)
        #expect(result.error.hasPrefix("tfec: error: cannot read '\(path)'"), "\(result.error)")
        #expect(result.error.filter { $0 == "\n" }.count == 1 && result.error.hasSuffix("\n"),
                "one line: \(result.error)")
        let directoryResult = tfec(["check", directory.path])
        #expect(directoryResult.exitCode == .failure)
        #expect(directoryResult.error.hasPrefix("tfec: error: cannot read '\(directory.path)'"))
    }
}

@Test(arguments: ["check", "compile"])
func validFile(subcommand: String) throws {
    try withTemporaryDirectory { directory in
        let path = try write(valid, "valid.tfe", in: directory)
        let result = tfec([subcommand, path])
        #expect(result.exitCode == .success)
        #expect(result.error.isEmpty)
        #expect(result.output.isEmpty)
        // `compile` writes bytecode next to the source by default.
        let bytecode = directory.appendingPathComponent("valid.tfeb").path
        #expect(FileManager.default.fileExists(atPath: bytecode) == (subcommand == "compile"))
    }
}

@Test(arguments: ["check", "compile"])
func fileWithAnError(subcommand: String) throws {
    try withTemporaryDirectory { directory in
        let path = try write(invalid, "invalid.tfe", in: directory)
        let result = tfec([subcommand, path])
        #expect(result.exitCode == .failure)
        #expect(result.output.isEmpty)
        #expect(result.error.hasPrefix("\(path):4:9: error: "), "\(result.error)")
        // The header, the source line and the marker line; the note points at x's declaration.
        let lines = result.error.split(separator: "\n").map(String.init)
        #expect(lines.dropFirst().first == "y = x @ x")
        #expect(lines.dropFirst(2).first == "    ~   ^")
        #expect(lines.contains { $0.hasPrefix("\(path):2:1: note: ") })
    }
}

@Test func warningsAloneSucceed() throws {
    try withTemporaryDirectory { directory in
        let path = try write("player alice\nx = private_input(alice, [2])\n", "unused.tfe", in: directory)
        let result = tfec(["check", path])
        #expect(result.exitCode == .success)
        #expect(result.error.hasPrefix("\(path):2:1: warning: "), "\(result.error)")
    }
}

@Test func relativePathIsPrintedAsTyped() throws {
    try withTemporaryDirectory { directory in
        let path = try write(invalid, "invalid.tfe", in: directory)
        // The same file, relative to the working directory (changing that would disturb other tests).
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + path.drop { $0 == "/" }
        let result = tfec(["check", relative])
        #expect(result.error.hasPrefix("\(relative):4:9: error: "), "\(result.error)")
    }
}

// MARK: - Listings

@Test func emitTokens() throws {
    try withTemporaryDirectory { directory in
        let path = try write("x = 1\n", "tokens.tfe", in: directory)
        let expected = """
            1:1 identifier "x"
            1:3 equal "="
            1:5 integer "1"
            1:6 newline "\\n"
            2:1 endOfFile ""

            """
        #expect(tfec(["compile", path, "--emit", "tokens"]) == CommandOutput(exitCode: .success, output: expected))
        // Tokens are listed even when the program would not check.
        let unchecked = try write("y = undefined_name @ 2\n", "unchecked.tfe", in: directory)
        #expect(tfec(["compile", unchecked, "--emit", "tokens"]).exitCode == .success)
        let bad = try write("x = $\n", "bad.tfe", in: directory)
        let failed = tfec(["compile", bad, "--emit", "tokens"])
        #expect(failed.exitCode == .failure)
        #expect(failed.output.isEmpty)
        #expect(failed.error.hasPrefix("\(bad):1:5: error: "))
    }
}

@Test(arguments: [["--emit", "ast"], ["--emit", "asm"], ["--emit", "tokens"]])
func outputFileGetsTheListing(emit: [String]) throws {
    try withTemporaryDirectory { directory in
        let path = try write(valid, "valid.tfe", in: directory)
        let toStandardOutput = tfec(["compile", path] + emit)
        #expect(toStandardOutput.exitCode == .success)
        #expect(!toStandardOutput.output.isEmpty)
        for flag in ["-o", "--output"] {
            let target = directory.appendingPathComponent("listing\(flag).txt").path
            let result = tfec(["compile", path, flag, target] + emit)
            #expect(result == CommandOutput(exitCode: .success))
            let written = FileManager.default.contents(atPath: target).map { String(decoding: $0, as: UTF8.self) }
            #expect(written == toStandardOutput.output)
        }
    }
}

@Test func outputFileIsNotWrittenOnError() throws {
    try withTemporaryDirectory { directory in
        let path = try write(invalid, "invalid.tfe", in: directory)
        let target = directory.appendingPathComponent("listing.txt").path
        #expect(tfec(["compile", path, "-o", target]).exitCode == .failure)
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}

@Test func unwritableOutputFile() throws {
    try withTemporaryDirectory { directory in
        let path = try write(valid, "valid.tfe", in: directory)
        let target = directory.appendingPathComponent("missing/listing.txt").path
        let result = tfec(["compile", path, "--emit", "ast", "-o", target])
        #expect(result.exitCode == .failure)
        #expect(result.error == "tfec: error: cannot write '\(target)': no such file or directory\n")
    }
}

// MARK: - Colour

@Test func noColorDisablesColour() {
    #expect(Console.isColorEnabled(environment: ["NO_COLOR": "1"], isTerminal: true) == false)
    #expect(Console.isColorEnabled(environment: ["NO_COLOR": ""], isTerminal: true) == true)
    #expect(Console.isColorEnabled(environment: [:], isTerminal: true) == true)
    #expect(Console.isColorEnabled(environment: [:], isTerminal: false) == false)
}

@Test func diagnosticsAreColouredOnlyWhenEnabled() throws {
    try withTemporaryDirectory { directory in
        let path = try write(invalid, "invalid.tfe", in: directory)
        let plain = tfec(["check", path])
        let colored = tfec(["check", path], colored: true)
        #expect(!plain.error.contains("\u{1B}["))
        #expect(colored.error.contains("\u{1B}["))
        #expect(colored.exitCode == plain.exitCode)
        // Without the escapes, the text is the same.
        let stripped = colored.error.replacingOccurrences(
            of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(stripped == plain.error)
    }
}

// MARK: - The built tool (smoke tests in a child process)

/// The `tfec` executable next to the test bundle, if it was built.
private let tfecExecutable = builtExecutable("tfec")
/// The `tfe-vm` executable next to the test bundle, if it was built.
private let tfeVMExecutable = builtExecutable("tfe-vm")

/// The executable `name` next to the test bundle, if it was built.
private func builtExecutable(_ name: String) -> URL? {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        .map { URL(fileURLWithPath: $0) } ?? Bundle.main.executableURL
    guard let directory = executable?.deletingLastPathComponent() else { return nil }
    for candidate in [directory, directory.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return nil
}

/// Runs the built `tfec` (or `executable`) with a time limit, adding `environment` to this process's; nil status
/// means it was killed by a signal or timed out.
private func runBuiltTool(
    _ arguments: [String], executable: URL? = tfecExecutable, environment extra: [String: String] = [:],
    timeout: Duration = .seconds(60)
) throws -> (status: Int32?, error: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    environment["SWIFT_BACKTRACE"] = "enable=no"  // a crash should end fast, without a long report
    process.environment = environment
    // A file rather than a pipe, so a child that writes much cannot block on a full pipe.
    let errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("tfec-stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorURL) }
    let errorHandle = try FileHandle(forWritingTo: errorURL)
    defer { try? errorHandle.close() }
    process.standardError = errorHandle
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while process.isRunning && clock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        return (nil, "timed out")
    }
    let error = String(decoding: FileManager.default.contents(atPath: errorURL.path) ?? Data(), as: UTF8.self)
    return (process.terminationReason == .exit ? process.terminationStatus : nil, error)
}

@Test(.enabled(if: tfecExecutable != nil, "the tfec executable was not built"))
func builtToolRuns() throws {
    #expect(try runBuiltTool(["--version"]).status == 0)
    try withTemporaryDirectory { directory in
        #expect(try runBuiltTool(["check", try write(valid, "valid.tfe", in: directory)]).status == 0)
        let failed = try runBuiltTool(["check", try write(invalid, "invalid.tfe", in: directory)])
        #expect(failed.status == 1)
        #expect(failed.error.contains(": error: "))
        #expect(try runBuiltTool(["chek"]).status == 64)
    }
}

@Test(.enabled(if: tfeVMExecutable != nil, "the tfe-vm executable was not built"))
func builtVMRefusesAMatmulKernelItCannotHonour() throws {
    try withTemporaryDirectory { directory in
        let program = try write(valid, "valid.tfe", in: directory)
        let unknown = try runBuiltTool(["run", program], executable: tfeVMExecutable,
                                       environment: ["TFE_MATMUL_KERNEL": "sse9"])
        #expect(unknown.status == 1)
        #expect(unknown.error == "tfe-vm: error: TFE_MATMUL_KERNEL is 'sse9'; expected 'portable', 'avx512' or "
                + "'auto'\n")
        if !MatmulKernel.avx512.isSupported {
            let forced = try runBuiltTool(["run", program], executable: tfeVMExecutable,
                                          environment: ["TFE_MATMUL_KERNEL": "avx512"])
            #expect(forced.status == 1)
            #expect(forced.error.contains("does not support AVX-512"))
        }
    }
}

/// An input that crashes `tfec check` today, named by its description in test output.
struct CrashCase: Sendable, CustomTestStringConvertible {
    let description: String
    let source: String
    var testDescription: String { description }
}

/// Inputs that once crashed `tfec check` (run in a child process, since a trap would end the test process).
/// Each must exit with 0 or 1.
private let formerCrashes = [
    CrashCase(
        description: "a one-parameter built-in given two positional arguments traps with 'Index out of range' "
            + "in Checker.bind",
        source: "player alice\np = private_input(alice, [2])\ny = relu(p, p)\noutput(alice, y)\n"),
    CrashCase(
        description: "flatten of a broadcast shape with more than 2^63 elements traps on overflow "
            + "in Checker.checkLayout",
        source: """
            protocol securenn
            player alice
            a = private_input(alice, [1048576, 1, 1, 1, 1])
            b = private_input(alice, [1, 1048576, 1048576, 1, 1])
            c = private_input(alice, [1, 1, 1, 1048576, 1048576])
            output(alice, "z", flatten(a + b + c))

            """),
    CrashCase(
        description: "a sum of 20,000 terms overflows the stack in NameResolver.resolve and Checker.evaluate, "
            + "which recurse once per operator",
        source: "param n = 1" + String(repeating: " + 1", count: 20_000) + "\n"),
    CrashCase(
        description: "5,000 nested loops overflow the stack: blocks have no nesting limit",
        source: (0..<5_000).map { "for i\($0) in 0..<1 {\n" }.joined() + String(repeating: "}\n", count: 5_000)),
]

@Test(.enabled(if: tfecExecutable != nil, "the tfec executable was not built"), arguments: formerCrashes)
func formerCrash(_ crash: CrashCase) throws {
    try withTemporaryDirectory { directory in
        let result = try runBuiltTool(["check", try write(crash.source, "crash.tfe", in: directory)])
        #expect(result.status == 0 || result.status == 1, "tfec check did not exit normally: \(result.error)")
    }
}
