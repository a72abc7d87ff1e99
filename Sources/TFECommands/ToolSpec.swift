import TFECore

/// A tool and its subcommands (`tfec`: `compile`; `tfe-vm`: `run`, `player`, `dis`), and the routing of its
/// command line: `--version`, root help (`tool`, `tool -h`, `tool --help`, `tool help`), a subcommand's help
/// (`tool help name`, `tool name -h`, `tool name --help`), and subcommands.
///
///     let tfec = ToolSpec(name: "tfec", overview: "The tfe compiler.", version: "0.1.0", subcommands: [compile])
///     let code = tfec.run(Array(CommandLine.arguments.dropFirst()), console: .standard) { parsed, console in
///         CompileCommand(parsed).run(console: console)
///     }
///     exit(code.rawValue)
public struct ToolSpec: Hashable, Sendable {
    /// The tool's name, as the user types it: `tfec`.
    public let name: String
    /// One sentence, shown after `OVERVIEW:` in root help.
    public let overview: String
    /// What `--version` prints.
    public let version: String
    /// The subcommands, in the order root help lists them.
    public let subcommands: [CommandSpec]

    /// A tool spec. Traps if a subcommand belongs to another tool, is called `help`, or is declared twice.
    public init(name: String, overview: String, version: String, subcommands: [CommandSpec]) {
        var seen: Set<String> = ["help"]
        for subcommand in subcommands {
            precondition(subcommand.toolName == name, "'\(subcommand.commandName)' is not a subcommand of \(name)")
            let isNew = seen.insert(subcommand.name).inserted
            precondition(isNew, "subcommand '\(subcommand.name)' is reserved or declared twice")
        }
        self.name = name
        self.overview = overview
        self.version = version
        self.subcommands = subcommands
    }

    /// The subcommand with this name, if any.
    public func subcommand(named name: String) -> CommandSpec? {
        subcommands.first { $0.name == name }
    }

    /// `tfec <subcommand>`: the root usage line without `USAGE: `.
    public var usage: String {
        "\(name) <subcommand>"
    }

    /// Root help, ending in a newline: overview, usage, the root options, the subcommands, and how to get
    /// help on one, as swift-argument-parser lays it out.
    public var helpText: String {
        let optionRows = [
            (label: "--version", help: "Show the version."),
            (label: "-h, --help", help: "Show help information."),
        ]
        let sections = [
            ["OVERVIEW: \(overview)"],
            ["USAGE: \(usage)"],
            HelpLayout.section("OPTIONS", optionRows),
            HelpLayout.section("SUBCOMMANDS", subcommands.map { (label: $0.name, help: $0.overview) }),
            ["  See '\(name) help <subcommand>' for detailed help."],
        ]
        return sections.filter { !$0.isEmpty }.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }

    // MARK: - Routing

    /// What a command line asks for. `arguments` are the words after the tool's name
    /// (`CommandLine.arguments.dropFirst()`). With no words at all, root help, as swift-argument-parser does.
    public func resolve(_ arguments: [String]) -> Invocation {
        guard let first = arguments.first else { return .help(helpText) }
        let rest = Array(arguments.dropFirst())
        switch first {
        case "help", "-h", "--help":
            guard let name = rest.first else { return .help(helpText) }
            guard let subcommand = subcommand(named: name) else { return .usageError(unknownSubcommand(name)) }
            guard rest.count == 1 else { return .usageError(failure(.unexpectedArguments(Array(rest.dropFirst())))) }
            return .help(subcommand.helpText)
        case "--version":
            guard rest.isEmpty else { return .usageError(failure(.unexpectedArguments(rest))) }
            return .version(version)
        default:
            if CommandLineParser.looksLikeOption(first) {
                let suggestion = CommandLineParser.suggestion(for: first, among: ["--version", "--help", "-h"])
                return .usageError(failure(.unknownOption(first, suggestion: suggestion)))
            }
            guard let subcommand = subcommand(named: first) else { return .usageError(unknownSubcommand(first)) }
            return subcommand.resolve(rest)
        }
    }

    /// Routes `arguments`, reports help, the version or a usage failure on `console`, and otherwise runs
    /// `command` with the parsed arguments of the chosen subcommand. Returns the exit code to end with.
    public func run(
        _ arguments: [String],
        console: Console,
        command: (ParsedArguments, Console) -> ExitCode
    ) -> ExitCode {
        let invocation = resolve(arguments)
        if case .run(let parsed) = invocation {
            return command(parsed, console)
        }
        return invocation.report(to: console) ?? .internal
    }

    /// `run(_:console:command:)` for subcommands that are `async`.
    public func run(
        _ arguments: [String],
        console: Console,
        command: (ParsedArguments, Console) async -> ExitCode
    ) async -> ExitCode {
        let invocation = resolve(arguments)
        if case .run(let parsed) = invocation {
            return await command(parsed, console)
        }
        return invocation.report(to: console) ?? .internal
    }

    /// A usage failure at the root, pointing at root help.
    public func failure(_ error: UsageError) -> UsageFailure {
        UsageFailure(error, usage: usage, helpCommand: "\(name) --help")
    }

    private func unknownSubcommand(_ name: String) -> UsageFailure {
        failure(.unknownSubcommand(name, suggestion: Suggestion.closest(to: name, in: subcommands.map(\.name))))
    }
}
