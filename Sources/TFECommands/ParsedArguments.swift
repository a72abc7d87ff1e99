/// What a command line said, checked against its `CommandSpec`: positional arguments by name, the values of
/// options in command-line order, and the flags that were set.
///
/// Look options up by any of their spellings (`"--output"` or `"-o"`). Asking for a name the spec does not
/// declare, or a flag as a value, is a programming error and traps, so a typo in a command cannot silently
/// read "absent".
public struct ParsedArguments: Hashable, Sendable {
    /// The spec the command line was parsed against.
    public let command: CommandSpec
    /// Positional arguments by `ArgumentSpec.name`; an absent optional argument has no entry.
    public private(set) var positionals: [String: String] = [:]
    /// Values of options by `OptionSpec.name`, in command-line order; an absent option has no entry.
    public private(set) var optionValues: [String: [String]] = [:]
    /// The `OptionSpec.name` of every flag that was given.
    public private(set) var flags: Set<String> = []

    /// Nothing given yet; the parser fills it in.
    init(command: CommandSpec) {
        self.command = command
    }

    // MARK: - Reading

    /// The positional argument called `name` (`"input"`), or nil if an optional one was left out.
    public func argument(_ name: String) -> String? {
        let isDeclared = command.arguments.contains { $0.name == name }
        precondition(isDeclared, "\(command.commandName) has no argument <\(name)>")
        return positionals[name]
    }

    /// The value of an option that takes one, or nil if it was not given. For a repeatable option, the last one.
    public func value(_ option: String) -> String? {
        values(option).last
    }

    /// Every value given for an option, in command-line order.
    public func values(_ option: String) -> [String] {
        let spec = declared(option)
        precondition(!spec.isFlag, "'\(option)' is a flag; use isSet(_:)")
        return optionValues[spec.name] ?? []
    }

    /// Whether a flag was given.
    public func isSet(_ flag: String) -> Bool {
        let spec = declared(flag)
        precondition(spec.isFlag, "'\(flag)' takes a value; use value(_:)")
        return flags.contains(spec.name)
    }

    private func declared(_ spelling: String) -> OptionSpec {
        guard let spec = command.option(spelled: spelling) else {
            preconditionFailure("\(command.commandName) has no option '\(spelling)'")
        }
        return spec
    }

    // MARK: - Recording (for the parser)

    mutating func setPositional(_ value: String, for argument: ArgumentSpec) {
        positionals[argument.name] = value
    }

    mutating func appendValue(_ value: String, for option: OptionSpec) {
        optionValues[option.name, default: []].append(value)
    }

    mutating func setFlag(_ option: OptionSpec) {
        flags.insert(option.name)
    }

    func wasGiven(_ option: OptionSpec) -> Bool {
        option.isFlag ? flags.contains(option.name) : optionValues[option.name] != nil
    }
}
