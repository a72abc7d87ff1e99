/// The column layout shared by command and tool help, as swift-argument-parser prints it: labels indented
/// two spaces, help text from column 27 (26 characters in), wrapped to 80 columns.
enum HelpLayout {
    static let indent = 2
    static let helpColumn = 26
    static let width = 80

    /// `OPTIONS:` followed by one row per label and help text, or nothing when there are no rows.
    static func section(_ title: String, _ rows: [(label: String, help: String)]) -> [String] {
        guard !rows.isEmpty else { return [] }
        return [title + ":"] + rows.flatMap { row(label: $0.label, help: $0.help) }
    }

    /// One entry: the help text starts on the label's line when the label leaves room, else on the next.
    static func row(label: String, help: String) -> [String] {
        let paddedLabel = String(repeating: " ", count: indent) + label
        let helpLines = wrap(help, width: width - helpColumn)
        guard let firstLine = helpLines.first else { return [paddedLabel] }
        let margin = String(repeating: " ", count: helpColumn)
        let rest = helpLines.dropFirst().map { margin + $0 }
        if paddedLabel.count < helpColumn {
            let gap = String(repeating: " ", count: helpColumn - paddedLabel.count)
            return [paddedLabel + gap + firstLine] + rest
        }
        return [paddedLabel, margin + firstLine] + rest
    }

    /// Greedy word wrap; a word longer than `width` gets a line of its own.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty {
            lines.append(line)
        }
        return lines
    }
}
