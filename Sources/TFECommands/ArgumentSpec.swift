/// A positional argument of a subcommand, shown as `<name>` in usage and help.
public struct ArgumentSpec: Hashable, Sendable {
    /// The name without brackets: `input` shows as `<input>` and keys the value in `ParsedArguments`.
    public let name: String
    /// One line of help; may be empty.
    public let help: String
    /// Whether the argument may be left out; optional arguments come after every required one.
    public let isOptional: Bool

    /// A positional argument called `name`.
    public init(_ name: String, help: String, isOptional: Bool = false) {
        precondition(!name.isEmpty && !name.hasPrefix("-"), "argument name '\(name)' must be a bare word")
        self.name = name
        self.help = help
        self.isOptional = isOptional
    }

    /// `<input>`: how help and error messages name the argument.
    public var label: String {
        "<\(name)>"
    }

    /// `<input>`, or `[<input>]` when optional: the argument's part of the usage line.
    var usageElement: String {
        isOptional ? "[\(label)]" : label
    }
}
