/// The ways a command line can be wrong. All wording lives in `message`; `UsageFailure` adds the usage
/// line and the pointer to `--help`.
public enum UsageError: Error, Hashable, Sendable {
    /// `--emitt`: no option is spelled like this; `suggestion` is the closest spelling, if any is close.
    case unknownOption(String, suggestion: String?)
    /// `tfec compil`: no subcommand has this name.
    case unknownSubcommand(String, suggestion: String?)
    /// A required argument or option is absent; the label is `<input>` or `--config <config>`.
    case missingArgument(String)
    /// Words left over after every positional argument was filled, in command-line order.
    case unexpectedArguments([String])
    /// An option that takes a value came last, or before another option; the label is `--output <output>`.
    case missingValue(option: String)
    /// An option that is not repeatable was given again; names its main spelling.
    case duplicateOption(String)
    /// A flag was given a value with `=`, as in `--stats=yes`.
    case unexpectedValue(String, flag: String)
    /// A value outside an option's fixed set; `suggestion` is the closest allowed value, if any is close.
    case invalidValue(String, option: String, allowed: [String], suggestion: String?)
    /// A value a command rejected after parsing, such as `-D N` without `=`; `expected` describes the form.
    case malformedValue(String, option: String, expected: String)
    /// Two options that exclude each other were both given, as `--config` and `--party` of `tfe-vm certs`.
    case conflictingOptions(String, String)

    /// The sentence after `Error: `, in swift-argument-parser's wording where it has one.
    public var message: String {
        switch self {
        case let .unknownOption(name, suggestion):
            return "Unknown option '\(name)'" + Self.didYouMean(suggestion)
        case let .unknownSubcommand(name, suggestion):
            return "Unknown subcommand '\(name)'" + Self.didYouMean(suggestion)
        case let .missingArgument(label):
            return "Missing expected argument '\(label)'"
        case let .unexpectedArguments(words):
            let quoted = words.map { "'\($0)'" }
            return words.count == 1
                ? "Unexpected argument \(quoted[0])"
                : "\(words.count) unexpected arguments: \(quoted.joined(separator: ", "))"
        case let .missingValue(option):
            return "Missing value for '\(option)'"
        case let .duplicateOption(name):
            return "Option '\(name)' can only be given once"
        case let .unexpectedValue(value, flag):
            return "Flag '\(flag)' does not take a value, but was given '\(value)'"
        case let .invalidValue(value, option, allowed, suggestion):
            return "The value '\(value)' is invalid for '\(option)': expected \(Self.list(allowed))"
                + Self.didYouMean(suggestion)
        case let .malformedValue(value, option, expected):
            return "The value '\(value)' is invalid for '\(option)': expected \(expected)"
        case let .conflictingOptions(first, second):
            return "Options '\(first)' and '\(second)' cannot be given together"
        }
    }

    private static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { ". Did you mean '\($0)'?" } ?? ""
    }

    /// `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`.
    private static func list(_ values: [String]) -> String {
        let quoted = values.map { "'\($0)'" }
        guard let last = quoted.last, quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + last
    }
}
