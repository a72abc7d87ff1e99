/// One option of a subcommand: a flag (`--stats`, `-O0`) or an option that takes a value
/// (`--output <output>`, `-D <name=value>`). Build one with `OptionSpec.option(…)` or `OptionSpec.flag(…)`.
///
/// A value follows as the next word (`--output a.tfeb`, `-o a.tfeb`) or after `=` (`--output=a.tfeb`,
/// `-o=a.tfeb`). A value option whose main name has a single dash (`-D`) also takes it attached:
/// `-DN=3` is `-D N=3`. A word that starts with `-` (other than `-` alone) is never taken as a value.
public struct OptionSpec: Hashable, Sendable {
    /// The main spelling, dashes included: `--output`, or a single-dash name such as `-D` or `-O0`.
    public let name: String
    /// A one-letter alias written `-o`, shown before the main spelling in help.
    public let shortName: Character?
    /// The value's placeholder without brackets (`output` shows as `<output>`), or nil for a flag.
    public let valueName: String?
    /// One line of help; may be empty.
    public let help: String
    /// What help shows as `(default: …)`. Display text only: an absent option has no value in `ParsedArguments`.
    public let defaultText: String?
    /// The only values accepted, in the order error messages list them; empty accepts any value.
    public let allowedValues: [String]
    /// Whether the option may be given more than once; `ParsedArguments` keeps its values in order.
    public let isRepeatable: Bool
    /// Whether parsing fails when the option is absent.
    public let isRequired: Bool
    /// A developer option (`--dump-after`): accepted, but left out of help and the usage line.
    public let isHidden: Bool

    private init(
        name: String, shortName: Character?, valueName: String?, help: String, defaultText: String?,
        allowedValues: [String], isRepeatable: Bool, isRequired: Bool, isHidden: Bool
    ) {
        precondition(name.count >= 2 && name.hasPrefix("-") && !name.hasPrefix("---"), "bad option name '\(name)'")
        precondition(!name.contains("=") && !name.contains(" "), "option name '\(name)' has '=' or a space")
        precondition(shortName.map { $0 != "-" && $0 != "=" && !$0.isWhitespace } ?? true, "bad short name")
        precondition(valueName.map { !$0.isEmpty } ?? true, "option '\(name)' has an empty value name")
        self.name = name
        self.shortName = shortName
        self.valueName = valueName
        self.help = help
        self.defaultText = defaultText
        self.allowedValues = allowedValues
        self.isRepeatable = isRepeatable
        self.isRequired = isRequired
        self.isHidden = isHidden
    }

    /// An option that takes a value, shown as `name <value>`.
    public static func option(
        _ name: String,
        short: Character? = nil,
        value: String,
        help: String,
        defaultText: String? = nil,
        allowedValues: [String] = [],
        repeatable: Bool = false,
        required: Bool = false,
        hidden: Bool = false
    ) -> OptionSpec {
        OptionSpec(
            name: name, shortName: short, valueName: value, help: help, defaultText: defaultText,
            allowedValues: allowedValues, isRepeatable: repeatable, isRequired: required, isHidden: hidden
        )
    }

    /// A flag: present or absent, never with a value.
    public static func flag(
        _ name: String,
        short: Character? = nil,
        help: String,
        repeatable: Bool = false,
        hidden: Bool = false
    ) -> OptionSpec {
        OptionSpec(
            name: name, shortName: short, valueName: nil, help: help, defaultText: nil,
            allowedValues: [], isRepeatable: repeatable, isRequired: false, isHidden: hidden
        )
    }

    // MARK: - Spellings and labels

    /// Whether the option is a flag rather than an option with a value.
    public var isFlag: Bool {
        valueName == nil
    }

    /// Every way to write the option's name: the main spelling, then the short alias.
    public var spellings: [String] {
        [name] + (shortName.map { ["-\($0)"] } ?? [])
    }

    /// `--output <output>` or `--stats`: how usage lines and error messages name the option.
    public var label: String {
        valueName.map { "\(name) <\($0)>" } ?? name
    }

    /// Whether a value may be attached to the name, as in `-DN=3`.
    var takesAttachedValue: Bool {
        !isFlag && !name.hasPrefix("--")
    }

    /// `-o, --output <output>`: the left column of help.
    var helpLabel: String {
        shortName.map { "-\($0), \(label)" } ?? label
    }

    /// `[--output <output>]` or `[-D <name=value> ...]`: the option's part of the usage line.
    var usageElement: String {
        let element = isRepeatable ? "\(label) ..." : label
        return isRequired ? element : "[\(element)]"
    }

    /// The help text followed by `(default: …)`, as help shows it.
    var helpWithDefault: String {
        guard let defaultText else { return help }
        return help.isEmpty ? "(default: \(defaultText))" : "\(help) (default: \(defaultText))"
    }
}
