import TFECore

/// Turns source bytes into tokens. Comments vanish; a run of line breaks becomes one `newline` token.
/// Every lexical problem is reported and produces an `invalid` token, so the parser can go on.
public struct Lexer {
    private let bytes: [UInt8]
    private var index = 0
    private var diagnostics: Diagnostics

    public init(source: SourceFile, diagnostics: Diagnostics = Diagnostics()) {
        self.bytes = source.bytes
        self.diagnostics = diagnostics
    }

    /// Lexes the whole file; the last token is always `endOfFile`.
    public static func tokenize(_ source: SourceFile, into diagnostics: inout Diagnostics) -> [Token] {
        var lexer = Lexer(source: source, diagnostics: diagnostics)
        let tokens = lexer.tokenize()
        diagnostics = lexer.diagnostics
        return tokens
    }

    public mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        // Unrolled code runs to one token per 2.6 bytes (`c12 = x * y + 12`): reserving less would copy the
        // array as it grows, and the untouched tail of a generous reservation costs no memory.
        tokens.reserveCapacity(bytes.count / 2 + 2)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // a UTF-8 byte-order mark
        while true {
            let token = nextToken()
            if token.kind == .newline, let last = tokens.last, last.kind == .newline { continue }
            tokens.append(token)
            if token.kind == .endOfFile { return tokens }
        }
    }

    private mutating func nextToken() -> Token {
        skipSpaceAndComments()
        let start = index
        guard index < bytes.count else { return Token(kind: .endOfFile, range: SourceRange(start: start, end: start)) }
        let byte = bytes[index]
        index += 1
        func make(_ kind: Token.Kind) -> Token { Token(kind: kind, range: SourceRange(start: start, end: index)) }
        func makeIf(_ next: UInt8, _ long: Token.Kind, else short: Token.Kind) -> Token {
            if index < bytes.count, bytes[index] == next {
                index += 1
                return make(long)
            }
            return make(short)
        }
        switch byte {
        case UInt8(ascii: "\n"): return make(.newline)
        case UInt8(ascii: ";"): return make(.semicolon)
        case UInt8(ascii: "("): return make(.leftParen)
        case UInt8(ascii: ")"): return make(.rightParen)
        case UInt8(ascii: "["): return make(.leftBracket)
        case UInt8(ascii: "]"): return make(.rightBracket)
        case UInt8(ascii: "{"): return make(.leftBrace)
        case UInt8(ascii: "}"): return make(.rightBrace)
        case UInt8(ascii: ","): return make(.comma)
        case UInt8(ascii: ":"): return make(.colon)
        case UInt8(ascii: "+"): return make(.plus)
        case UInt8(ascii: "-"): return make(.minus)
        case UInt8(ascii: "*"): return make(.star)
        case UInt8(ascii: "/"): return make(.slash)
        case UInt8(ascii: "@"): return make(.at)
        case UInt8(ascii: "="): return makeIf(UInt8(ascii: "="), .equalEqual, else: .equal)
        case UInt8(ascii: "<"): return makeIf(UInt8(ascii: "="), .lessEqual, else: .less)
        case UInt8(ascii: ">"): return makeIf(UInt8(ascii: "="), .greaterEqual, else: .greater)
        case UInt8(ascii: "!"):
            if index < bytes.count, bytes[index] == UInt8(ascii: "=") {
                index += 1
                return make(.bangEqual)
            }
            return invalid(.unexpectedCharacter("!"), from: start)
        case UInt8(ascii: "."):
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "."), bytes[index + 1] == UInt8(ascii: "<") {
                index += 2
                return make(.dotDotLess)
            }
            if index < bytes.count, isDigit(bytes[index]) { return lexNumber(from: start) }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                // `0..3` or `0...3`: other languages' ranges.
                while index < bytes.count, bytes[index] == UInt8(ascii: ".") { index += 1 }
                let written = String(repeating: ".", count: index - start)
                return invalid(.expected("'..<' (ranges are written 0..<N)", found: "'\(written)'"), from: start)
            }
            return invalid(.unexpectedCharacter("."), from: start)
        case UInt8(ascii: "\""): return lexString(from: start)
        case UInt8(ascii: "'"):
            _ = lexString(from: start, quote: UInt8(ascii: "'"), reportUnterminated: false)
            return invalid(.singleQuotedString, from: start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return lexNumber(from: start)
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            while index < bytes.count, isIdentifierByte(bytes[index]) { index += 1 }
            let kind = keywordKind(start, index) ?? .identifier
            return make(kind)
        default:
            index = start
            let length = SourceFile.scalarLength(at: start, in: bytes)
            if length == 1 && byte >= 0x80 {
                // A complete sequence that encodes something UTF-8 forbids (a surrogate, an overlong form)
                // is one problem; a stray or truncated byte is one problem each.
                let expected = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 1
                let complete = start + expected <= bytes.count
                    && (1..<expected).allSatisfy { bytes[start + $0] & 0xC0 == 0x80 }
                index = start + (complete ? expected : 1)
                return invalid(.invalidUTF8(byte), from: start)
            }
            index = start + length
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            let shown = byte < 0x20 || byte == 0x7F ? "\\u{\(String(byte, radix: 16))}" : text
            return invalid(.unexpectedCharacter(shown), from: start)
        }
    }

    private mutating func invalid(_ error: ParseError, from start: Int) -> Token {
        let range = SourceRange(start: start, end: index)
        diagnostics.append(error, at: range)
        return Token(kind: .invalid, range: range)
    }

    private mutating func skipSpaceAndComments() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "\\") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n"):
                index += 2  // an explicit line continuation, as in Python
            case UInt8(ascii: "\\") where index + 2 < bytes.count && bytes[index + 1] == UInt8(ascii: "\r")
                && bytes[index + 2] == UInt8(ascii: "\n"):
                index += 3
            case UInt8(ascii: "#"):
                // Comments are skipped, but must still be UTF-8.
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") {
                    let length = SourceFile.scalarLength(at: index, in: bytes)
                    if length == 1, bytes[index] >= 0x80 {
                        diagnostics.append(ParseError.invalidUTF8(bytes[index]),
                                           at: SourceRange(start: index, end: index + 1))
                    }
                    index += length
                }
            default:
                return
            }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    private static let keywordBytes: [(bytes: [UInt8], kind: Token.Kind)] =
        Token.Kind.keywords.map { (Array($0.key.utf8), $0.value) }

    /// For each first byte, the lengths of the keywords that start with it (bit n: length n), so most names are
    /// told from keywords by one lookup.
    private let keywordLengths: [UInt16] = {
        var masks = [UInt16](repeating: 0, count: 256)
        for (keyword, _) in Lexer.keywordBytes { masks[Int(keyword[0])] |= 1 << keyword.count }
        return masks
    }()

    private func keywordKind(_ start: Int, _ end: Int) -> Token.Kind? {
        let length = end - start
        guard length < 16, keywordLengths[Int(bytes[start])] & (1 << length) != 0 else { return nil }
        for (keyword, kind) in Lexer.keywordBytes where keyword.count == length && keyword[0] == bytes[start] {
            if bytes[start..<end].elementsEqual(keyword) { return kind }
        }
        return nil
    }

    /// Integers (`784`, `1_000`) and decimals (`0.5`, `.5`, `1e-3`, `2.5E+4`). `0..<N` lexes as `0`, `..<`, `N`.
    private mutating func lexNumber(from start: Int) -> Token {
        var isDecimal = false
        func digits() { while index < bytes.count, isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_") { index += 1 } }
        index = start
        digits()
        if index < bytes.count, bytes[index] == UInt8(ascii: "."),
            !(index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "."))
        {
            isDecimal = true
            index += 1
            digits()
        }
        var malformed = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isDecimal = true
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponentStart = index
            digits()
            if index == exponentStart { malformed = true }
        }
        // A number running into letters (`12abc`) is one malformed token, not a number and a name.
        while index < bytes.count, isIdentifierByte(bytes[index]) {
            malformed = true
            index += 1
        }
        // Underscores only between digits.
        for k in start..<index where bytes[k] == UInt8(ascii: "_") {
            if k + 1 >= index || !isDigit(bytes[k + 1]) || k == start || !isDigit(bytes[k - 1]) { malformed = true }
        }
        if malformed {
            return invalid(.malformedNumber(String(decoding: bytes[start..<index], as: UTF8.self)), from: start)
        }
        if !isDecimal && !fitsInInt(start, index) {
            return invalid(.integerTooLarge(String(decoding: bytes[start..<index], as: UTF8.self)), from: start)
        }
        return Token(kind: isDecimal ? .decimal : .integer, range: SourceRange(start: start, end: index))
    }

    private func fitsInInt(_ start: Int, _ end: Int) -> Bool {
        var value = 0
        for k in start..<end where bytes[k] != UInt8(ascii: "_") {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(bytes[k] - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return false }
            value = sum
        }
        return true
    }

    private mutating func lexString(from start: Int, quote: UInt8 = UInt8(ascii: "\""), reportUnterminated: Bool = true)
        -> Token
    {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote {
                index += 1
                return Token(kind: .string, range: SourceRange(start: start, end: index))
            }
            if byte == UInt8(ascii: "\n") { break }
            index += byte == UInt8(ascii: "\\") && index + 1 < bytes.count && bytes[index + 1] != UInt8(ascii: "\n") ? 2 : 1
        }
        if reportUnterminated { return invalid(.unterminatedString, from: start) }
        return Token(kind: .invalid, range: SourceRange(start: start, end: index))
    }
}

extension String {
    func replacingUnderscores() -> String { String(unicodeScalars.filter { $0 != "_" }) }
}
