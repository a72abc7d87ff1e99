import Testing
import TFECommands

// MARK: - Helpers

private func parse(_ arguments: [String], _ spec: CommandSpec = Fixtures.compile) -> ParsedArguments? {
    try? spec.parse(arguments)
}

private func parseError(_ arguments: [String], _ spec: CommandSpec = Fixtures.compile) -> UsageError? {
    do {
        _ = try spec.parse(arguments)
        return nil
    } catch {
        return error.error
    }
}

// MARK: - Accepted forms

@Test(arguments: [
    (["a.tfe"], "--output", [String]()),
    (["a.tfe", "--output", "b"], "--output", ["b"]),
    (["a.tfe", "--output=b"], "--output", ["b"]),
    (["a.tfe", "--output=x=y"], "--output", ["x=y"]),
    (["a.tfe", "--output="], "--output", [""]),
    (["a.tfe", "-o", "b"], "--output", ["b"]),
    (["a.tfe", "-o=b"], "--output", ["b"]),
    (["a.tfe", "-o", "-"], "--output", ["-"]),
    (["-o", "b", "a.tfe"], "--output", ["b"]),
    (["a.tfe", "--emit", "asm"], "--emit", ["asm"]),
    (["a.tfe", "--emit=tokens"], "--emit", ["tokens"]),
    (["a.tfe", "-D", "N=3"], "-D", ["N=3"]),
    (["a.tfe", "-DN=3"], "-D", ["N=3"]),
    (["a.tfe", "-D", "N=3", "-DM=4", "-D", "K=5"], "-D", ["N=3", "M=4", "K=5"]),
    (["-DN=3", "a.tfe", "-D", "batch=1"], "-D", ["N=3", "batch=1"]),
    (["a.tfe", "--dump-after", "lower", "--dump-after=batch-rounds"], "--dump-after", ["lower", "batch-rounds"]),
])
func optionValues(arguments: [String], option: String, values: [String]) {
    #expect(parse(arguments)?.values(option) == values)
}

@Test(arguments: [
    (["a.tfe", "-O0"], "-O0", true),
    (["a.tfe", "-O0"], "--stats", false),
    (["a.tfe", "--stats"], "--stats", true),
    (["--stats", "-O0", "a.tfe"], "-O0", true),
    (["a.tfe"], "-O0", false),
    (["--", "--stats"], "--stats", false),
])
func flags(arguments: [String], flag: String, isSet: Bool) {
    #expect(parse(arguments)?.isSet(flag) == isSet)
}

@Test(arguments: [
    (["a.tfe"], "a.tfe"),
    (["-"], "-"),
    (["--", "-weird.tfe"], "-weird.tfe"),
    (["--stats", "--", "--stats"], "--stats"),
    (["-o", "b", "--", "-h"], "-h"),
])
func positionalArgument(arguments: [String], input: String) {
    #expect(parse(arguments)?.argument("input") == input)
}

@Test func lastValueWinsForRepeatedOption() {
    #expect(parse(["a.tfe", "-DN=1", "-DN=2"])?.value("-D") == "N=2")
}

@Test func shortAndLongSpellingsReadTheSameValue() {
    #expect(parse(["a.tfe", "-o", "b"])?.value("-o") == "b")
}

@Test func absentOptionalArgumentIsNil() {
    #expect(parse(["p.tfeb"], Fixtures.dis)?.argument("output") == nil)
    #expect(parse(["p.tfeb", "p.asm"], Fixtures.dis)?.argument("output") == "p.asm")
}

@Test func requiredOptionGiven() {
    #expect(parse(["client", "--config", "c.json"], Fixtures.player)?.value("--config") == "c.json")
}

// MARK: - Usage errors

private let emit = "--emit <emit>"
private let emitChoices = ["bytecode", "asm", "ast", "tokens"]

@Test(arguments: [
    (["a.tfe", "--emitt", "asm"], UsageError.unknownOption("--emitt", suggestion: "--emit")),
    (["a.tfe", "--emitt=asm"], .unknownOption("--emitt", suggestion: "--emit")),
    (["a.tfe", "-output", "b"], .unknownOption("-output", suggestion: "--output")),
    (["a.tfe", "--frobnicate"], .unknownOption("--frobnicate", suggestion: nil)),
    (["a.tfe", "-O1"], .unknownOption("-O1", suggestion: "-O0")),
    (["a.tfe", "-x"], .unknownOption("-x", suggestion: nil)),
    (["a.tfe", "-x=1"], .unknownOption("-x", suggestion: nil)),
    (["a.tfe", "--dump-aftr", "lower"], .unknownOption("--dump-aftr", suggestion: "--dump-after")),
    ([], .missingArgument("<input>")),
    (["--stats"], .missingArgument("<input>")),
    (["a.tfe", "b.tfe"], .unexpectedArguments(["b.tfe"])),
    (["a.tfe", "b", "--", "c"], .unexpectedArguments(["b", "c"])),
    (["a.tfe", "--output"], .missingValue(option: "--output <output>")),
    (["a.tfe", "-o", "--stats"], .missingValue(option: "--output <output>")),
    (["a.tfe", "-D"], .missingValue(option: "-D <name=value>")),
    (["a.tfe", "-D", "--", "N=3"], .missingValue(option: "-D <name=value>")),
    (["a.tfe", "-o", "x", "--output", "y"], .duplicateOption("--output")),
    (["a.tfe", "--emit=asm", "--emit", "asm"], .duplicateOption("--emit")),
    (["a.tfe", "--stats", "--stats"], .duplicateOption("--stats")),
    (["a.tfe", "--stats=yes"], .unexpectedValue("yes", flag: "--stats")),
    (["a.tfe", "--emit", "asmm"], .invalidValue("asmm", option: emit, allowed: emitChoices, suggestion: "asm")),
    (["a.tfe", "--emit=pdf"], .invalidValue("pdf", option: emit, allowed: emitChoices, suggestion: nil)),
])
func compileUsageError(arguments: [String], error: UsageError) {
    #expect(parseError(arguments) == error)
}

@Test(arguments: [
    (["client"], UsageError.missingArgument("--config <config>")),
    ([], .missingArgument("<name>")),
])
func playerUsageError(arguments: [String], error: UsageError) {
    #expect(parseError(arguments, Fixtures.player) == error)
}

@Test(arguments: [
    ([], UsageError.missingArgument("<program>")),
    (["a", "b", "c"], .unexpectedArguments(["c"])),
])
func disUsageError(arguments: [String], error: UsageError) {
    #expect(parseError(arguments, Fixtures.dis) == error)
}

@Test func failureCarriesTheCommandsUsage() {
    #expect(throws: Fixtures.compile.failure(.missingArgument("<input>"))) { try Fixtures.compile.parse([]) }
}

// MARK: - Programming errors trap

@Test func readingAnUndeclaredOptionTraps() async {
    await #expect(processExitsWith: .failure) {
        _ = try? Fixtures.compile.parse(["a.tfe"]).value("--outptu")
    }
}

@Test func declaringHelpTraps() async {
    await #expect(processExitsWith: .failure) {
        _ = CommandSpec(tool: "t", name: "c", overview: "", options: [.flag("--help", help: "")])
    }
}
