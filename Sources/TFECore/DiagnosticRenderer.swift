/// Renders diagnostics as `path:line:col: severity: message`, the source line, and a marker line
/// (STYLE.md section 5).
public struct DiagnosticRenderer: Sendable {
    public var source: SourceFile
    /// ANSI colours, for a terminal only.
    public var colored: Bool

    public init(source: SourceFile, colored: Bool = false) {
        self.source = source
        self.colored = colored
    }

    /// All diagnostics, each followed by its notes, as one string ending in a newline (empty when none).
    public func render(_ diagnostics: [Diagnostic]) -> String {
        var out = ""
        for diagnostic in diagnostics { render(diagnostic, into: &out) }
        return out
    }

    public func render(_ diagnostic: Diagnostic, into out: inout String) {
        header(diagnostic.severity, diagnostic.message, at: diagnostic.range.start, into: &out)
        snippet(primary: diagnostic.range, related: diagnostic.related, into: &out)
        for note in diagnostic.notes {
            header(.note, note.message, at: (note.range ?? diagnostic.range).start, into: &out)
            if let range = note.range { snippet(primary: range, related: [], into: &out) }
        }
    }

    private func header(_ severity: Diagnostic.Severity, _ message: String, at offset: Int, into out: inout String) {
        let (line, column) = source.location(of: offset)
        let label: String
        switch severity {
        case .error: label = paint("error:", "1;31")
        case .warning: label = paint("warning:", "1;35")
        case .note: label = paint("note:", "1;30")
        }
        out += paint("\(source.path):\(line):\(column):", "1") + " \(label) " + paint(message, "1") + "\n"
    }

    private func snippet(primary: SourceRange, related: [SourceRange], into out: inout String) {
        guard !source.bytes.isEmpty || primary.start == 0 else { return }
        let lineIndex = source.lineIndex(of: primary.start)
        let lineStart = source.lineStarts[lineIndex]
        let bytes = source.lineBytes(lineIndex)
        let lineEnd = lineStart + bytes.count
        out += String(decoding: bytes, as: UTF8.self) + "\n"

        // One marker cell per Unicode scalar of the line, plus one past the end for a caret at end of line.
        var cells: [Character] = []
        var cellOffsets: [Int] = []
        var index = lineStart
        while index < lineEnd {
            cellOffsets.append(index)
            cells.append(source.bytes[index] == UInt8(ascii: "\t") ? "\t" : " ")
            index += SourceFile.scalarLength(at: index, in: source.bytes)
        }
        cellOffsets.append(lineEnd)
        cells.append(" ")
        func mark(_ range: SourceRange, _ symbol: Character) {
            for (cell, offset) in cellOffsets.enumerated() where offset >= range.start && offset < range.end {
                cells[cell] = symbol
            }
        }
        for range in related { mark(range, "~") }
        mark(primary, "~")
        let caretCell = cellOffsets.firstIndex { $0 >= primary.start } ?? (cells.count - 1)
        cells[caretCell] = "^"
        var marker = String(cells)
        while marker.last == " " { marker.removeLast() }
        out += paint(marker, "1;32") + "\n"
    }

    private func paint(_ text: String, _ code: String) -> String {
        colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
