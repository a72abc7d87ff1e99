/// A source text with its line-start table, so byte offsets can be turned into lines and columns
/// only when a diagnostic is rendered.
public struct SourceFile: Sendable {
    /// The path as the user typed it; diagnostics print it unchanged.
    public let path: String
    /// The raw bytes. Invalid UTF-8 is kept as is: the lexer reports it.
    public let bytes: [UInt8]
    /// Byte offset of the first byte of every line.
    public let lineStarts: [Int]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            starts.append(offset + 1)
        }
        self.lineStarts = starts
    }

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The 0-based index of the line holding `offset`.
    public func lineIndex(of offset: Int) -> Int {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// 1-based line and column of a byte offset; the column counts Unicode scalars.
    public func location(of offset: Int) -> (line: Int, column: Int) {
        location(of: offset, onLine: lineIndex(of: offset))
    }

    /// `location(of:)` for offsets that mostly come in increasing order (a compiler's operations): the line
    /// `hint` (the 0-based line of the previous offset) and the one after it are tried before the whole table
    /// is searched, and `hint` becomes the line of `offset`.
    public func location(of offset: Int, lineHint hint: inout Int) -> (line: Int, column: Int) {
        func holds(_ line: Int) -> Bool {
            line >= 0 && line < lineStarts.count && lineStarts[line] <= offset
                && (line + 1 == lineStarts.count || offset < lineStarts[line + 1])
        }
        hint = holds(hint) ? hint : holds(hint + 1) ? hint + 1 : lineIndex(of: offset)
        return location(of: offset, onLine: hint)
    }

    private func location(of offset: Int, onLine line: Int) -> (line: Int, column: Int) {
        let start = lineStarts[line]
        var column = 1
        var index = start
        // A UTF-8 byte-order mark at the start of the file is not a column.
        if start == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        let end = min(offset, bytes.count)
        while index < end {
            index += Self.scalarLength(at: index, in: bytes)
            column += 1
        }
        return (line + 1, column)
    }

    /// The byte offset of a 1-based line and column, the inverse of `location(of:)` (a column counts Unicode
    /// scalars); a column past the end of the line gives the line's end. Nil when the file has no such line.
    /// The machine knows only lines and columns (`Program.locations`); this turns them back into a range.
    public func offset(line: Int, column: Int) -> Int? {
        guard line >= 1, line <= lineStarts.count, column >= 1 else { return nil }
        let start = lineStarts[line - 1]
        let end = start + lineBytes(line - 1).count
        var index = start
        if start == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        var remaining = column - 1
        while remaining > 0, index < end {
            index += Self.scalarLength(at: index, in: bytes)
            remaining -= 1
        }
        return min(index, end)
    }

    /// The bytes of the 0-based line `index`, without its line terminator.
    public func lineBytes(_ index: Int) -> ArraySlice<UInt8> {
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return bytes[start..<max(start, end)]
    }

    /// The text of a range, decoded leniently (invalid UTF-8 becomes U+FFFD).
    public func text(_ range: SourceRange) -> String {
        let lower = min(range.start, bytes.count), upper = min(max(range.end, lower), bytes.count)
        return String(decoding: bytes[lower..<upper], as: UTF8.self)
    }

    /// Length in bytes of the UTF-8 scalar starting at `index` (1 for a stray or invalid byte).
    public static func scalarLength(at index: Int, in bytes: [UInt8]) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 1
        }
        guard index + length <= bytes.count else { return 1 }
        for k in 1..<length where bytes[index + k] & 0xC0 != 0x80 { return 1 }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
        let second = bytes[index + 1]
        if (lead == 0xE0 && second < 0xA0) || (lead == 0xED && second >= 0xA0) || (lead == 0xF0 && second < 0x90)
            || (lead == 0xF4 && second >= 0x90)
        {
            return 1
        }
        return length
    }
}

/// A half-open range of byte offsets into a `SourceFile`.
///
/// Offsets are stored in 32 bits (8 bytes a range), which keeps tokens and syntax nodes small; the tools
/// refuse source files of 4 GiB or more, so offsets always fit.
public struct SourceRange: Hashable, Sendable, Comparable {
    private var storedStart: UInt32
    private var storedEnd: UInt32

    public var start: Int {
        get { Int(storedStart) }
        set { storedStart = UInt32(clamping: newValue) }
    }

    public var end: Int {
        get { Int(storedEnd) }
        set { storedEnd = UInt32(clamping: newValue) }
    }

    /// The largest source file, in bytes, whose offsets fit.
    public static let maximumFileSize = Int(UInt32.max) - 1

    public init(start: Int, end: Int) {
        storedStart = UInt32(clamping: start)
        storedEnd = UInt32(clamping: max(start, end))
    }

    /// A range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(start: min(start, other.start), end: max(end, other.end))
    }

    public static func < (lhs: SourceRange, rhs: SourceRange) -> Bool {
        (lhs.start, lhs.end) < (rhs.start, rhs.end)
    }
}
