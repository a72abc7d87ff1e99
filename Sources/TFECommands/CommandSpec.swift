/// The declaration of one subcommand (`tfec compile`): what help shows, and what `parse(_:)` accepts.
///
///     let compile = CommandSpec(
///         tool: "tfec", name: "compile", overview: "Compile a .tfe program to tfe bytecode.",
///         arguments: [ArgumentSpec("input", help: "The .tfe source file.")],
///         options: [.option("--output", short: "o", value: "output", help: "Where to write bytecode.")]
///     )
///
/// `-h` and `--help` belong to every command and must not be declared; `resolve(_:)` answers them.
public struct CommandSpec: Hashable, Sendable {
    /// The tool's name, as the user types it: `tfec`.
    public let toolName: String
    /// The subcommand's name: `compile`.
    public let name: String
    /// One sentence, shown after `OVERVIEW:` and in the tool's list of subcommands.
    public let overview: String
    /// Positional arguments in order; optional ones last.
    public let arguments: [ArgumentSpec]
    /// Options in the order help lists them.
    public let options: [OptionSpec]

    /// A subcommand spec. Traps on a malformed declaration (duplicate names, a declared `--help`, a required
    /// argument after an optional one), which is a programming error.
    public init(
        tool: String,
        name: String,
        overview: String,
        arguments: [ArgumentSpec] = [],
        options: [OptionSpec] = []
    ) {
        var seen: Set<String> = ["-h", "--help"]
        for spelling in options.flatMap(\.spellings) {
            precondition(seen.insert(spelling).inserted, "option '\(spelling)' is declared twice or reserved")
        }
        precondition(Set(arguments.map(\.name)).count == arguments.count, "argument names must be unique")
        let firstOptional = arguments.firstIndex { $0.isOptional } ?? arguments.endIndex
        precondition(arguments[firstOptional...].allSatisfy(\.isOptional), "required argument after optional one")
        self.toolName = tool
        self.name = name
        self.overview = overview
        self.arguments = arguments
        self.options = options
    }

    /// `tfec compile`: how the user invokes this subcommand.
    public var commandName: String {
        "\(toolName) \(name)"
    }

    /// The option with this spelling (`--output` or `-o`), if the spec declares one.
    public func option(spelled spelling: String) -> OptionSpec? {
        options.first { $0.spellings.contains(spelling) }
    }

    /// The usage line without `USAGE: `: the command, its positional arguments, then its visible options.
    public var usage: String {
        let elements = arguments.map(\.usageElement) + options.filter { !$0.isHidden }.map(\.usageElement)
        return ([commandName] + elements).joined(separator: " ")
    }

    /// A usage failure of this command, for a problem a command finds after parsing (such as `-D N`
    /// without `=`), so it renders like the parser's own.
    public func failure(_ error: UsageError) -> UsageFailure {
        UsageFailure(error, usage: usage, helpCommand: "\(commandName) --help")
    }

    // MARK: - Parsing

    /// Parses the words after the subcommand's name. Help flags are not options here: call `resolve(_:)`
    /// (or `ToolSpec.resolve(_:)`), which answers `-h` and `--help` before parsing.
    public func parse(_ arguments: [String]) throws(UsageFailure) -> ParsedArguments {
        do {
            return try CommandLineParser(command: self).parse(arguments)
        } catch {
            throw failure(error)
        }
    }

    /// What to do with the words after the subcommand's name: show help if `-h` or `--help` appears before
    /// any `--`, otherwise run with the parsed arguments, or report a usage failure.
    public func resolve(_ arguments: [String]) -> Invocation {
        if CommandLineParser.asksForHelp(arguments) {
            return .help(helpText)
        }
        do {
            return .run(try parse(arguments))
        } catch {
            return .usageError(error)
        }
    }
}
