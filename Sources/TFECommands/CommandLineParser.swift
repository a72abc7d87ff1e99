import TFECore

/// Reads the words after a subcommand's name against its `CommandSpec`, left to right. The first problem
/// met while scanning stops it; leftover and missing arguments are checked once the scan is done.
struct CommandLineParser {
    let command: CommandSpec

    /// Whether `-h` or `--help` appears before any `--`.
    static func asksForHelp(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains { $0 == "-h" || $0 == "--help" }
    }

    /// Whether a word is an option (or `--`) rather than a positional argument or a value: it starts with
    /// a dash and is not `-` alone, which conventionally means standard input or output.
    static func looksLikeOption(_ word: String) -> Bool {
        word.hasPrefix("-") && word != "-"
    }

    func parse(_ arguments: [String]) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments(command: command)
        var positionals: [String] = []
        var index = arguments.startIndex
        var optionsEnded = false
        while index < arguments.endIndex {
            let word = arguments[index]
            index += 1
            if optionsEnded || !Self.looksLikeOption(word) {
                positionals.append(word)
                continue
            }
            if word == "--" {
                optionsEnded = true
                continue
            }
            let (option, attachedValue) = try match(word)
            if parsed.wasGiven(option) && !option.isRepeatable {
                throw .duplicateOption(option.name)
            }
            if option.isFlag {
                if let attachedValue {
                    throw .unexpectedValue(attachedValue, flag: option.name)
                }
                parsed.setFlag(option)
                continue
            }
            let value: String
            if let attachedValue {
                value = attachedValue
            } else if index < arguments.endIndex, !Self.looksLikeOption(arguments[index]) {
                value = arguments[index]
                index += 1
            } else {
                throw .missingValue(option: option.label)
            }
            try check(value, for: option)
            parsed.appendValue(value, for: option)
        }
        try assign(positionals, to: &parsed)
        if let missing = command.options.first(where: { $0.isRequired && !parsed.wasGiven($0) }) {
            throw .missingArgument(missing.label)
        }
        return parsed
    }

    // MARK: - Options

    /// The option a word names, and a value attached to it with `=` (or, for `-D`, directly).
    private func match(_ word: String) throws(UsageError) -> (OptionSpec, attachedValue: String?) {
        if let option = command.option(spelled: word) {
            return (option, nil)
        }
        if !word.hasPrefix("--") {
            let attaching = command.options.filter(\.takesAttachedValue).sorted { $0.name.count > $1.name.count }
            if let option = attaching.first(where: { word.hasPrefix($0.name) }) {
                return (option, String(word.dropFirst(option.name.count)))
            }
        }
        let name = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if name.count < word.count, let option = command.option(spelled: String(name)) {
            return (option, String(word.dropFirst(name.count + 1)))
        }
        throw .unknownOption(String(name), suggestion: suggestion(for: String(name)))
    }

    /// The closest spelling to a mistyped option. Visible spellings come first so they win ties.
    private func suggestion(for name: String) -> String? {
        let visible = command.options.filter { !$0.isHidden }.flatMap(\.spellings) + ["--help", "-h"]
        let hidden = command.options.filter(\.isHidden).flatMap(\.spellings)
        return Self.suggestion(for: name, among: visible + hidden)
    }

    /// The closest of `spellings` to a mistyped option, earliest first on ties. One-letter names get no
    /// suggestion, since every other one-letter name is as close.
    static func suggestion(for name: String, among spellings: [String]) -> String? {
        guard name.drop(while: { $0 == "-" }).count > 1 else { return nil }
        return Suggestion.closest(to: name, in: spellings)
    }

    private func check(_ value: String, for option: OptionSpec) throws(UsageError) {
        guard !option.allowedValues.isEmpty, !option.allowedValues.contains(value) else { return }
        let suggestion = Suggestion.closest(to: value, in: option.allowedValues)
        throw .invalidValue(value, option: option.label, allowed: option.allowedValues, suggestion: suggestion)
    }

    // MARK: - Positional arguments

    private func assign(_ words: [String], to parsed: inout ParsedArguments) throws(UsageError) {
        if words.count > command.arguments.count {
            throw .unexpectedArguments(Array(words[command.arguments.count...]))
        }
        for (argument, word) in zip(command.arguments, words) {
            parsed.setPositional(word, for: argument)
        }
        if let missing = command.arguments.dropFirst(words.count).first(where: { !$0.isOptional }) {
            throw .missingArgument(missing.label)
        }
    }
}
