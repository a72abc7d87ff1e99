import TFECore

/// A lexical token: its kind and the bytes it covers. Its text is read back from the source on demand.
public struct Token: Hashable, Sendable {
    public var kind: Kind
    public var range: SourceRange

    /// The kinds of token. Keywords are their own kinds so the parser switches on them directly.
    public enum Kind: UInt8, Hashable, Sendable, CaseIterable {
        case identifier, integer, decimal, string
        case newline, semicolon, endOfFile
        // Keywords.
        case kwProtocol, kwFixedpoint, kwPlayer, kwParam, kwDef, kwFor, kwIn, kwReturn
        // Punctuation.
        case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
        case comma, colon, equal, dotDotLess
        case plus, minus, star, slash, at
        case less, lessEqual, greater, greaterEqual, equalEqual, bangEqual
        /// A byte sequence that is not a token; the lexer has reported it.
        case invalid
    }
}

extension Token.Kind {
    /// Keyword spellings, the lexer's single table (the grammar test compares it with `Grammar/tfe.ebnf`).
    public static let keywords: [String: Token.Kind] = [
        "protocol": .kwProtocol, "fixedpoint": .kwFixedpoint, "player": .kwPlayer, "param": .kwParam,
        "def": .kwDef, "for": .kwFor, "in": .kwIn, "return": .kwReturn,
    ]

    /// How the token is written in messages: `')'`, `'for'`, `a name`.
    public var spelling: String {
        switch self {
        case .identifier: return "a name"
        case .integer, .decimal: return "a number"
        case .string: return "a string"
        case .newline: return "end of line"
        case .semicolon: return "';'"
        case .endOfFile: return "end of file"
        case .kwProtocol: return "'protocol'"
        case .kwFixedpoint: return "'fixedpoint'"
        case .kwPlayer: return "'player'"
        case .kwParam: return "'param'"
        case .kwDef: return "'def'"
        case .kwFor: return "'for'"
        case .kwIn: return "'in'"
        case .kwReturn: return "'return'"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .leftBracket: return "'['"
        case .rightBracket: return "']'"
        case .leftBrace: return "'{'"
        case .rightBrace: return "'}'"
        case .comma: return "','"
        case .colon: return "':'"
        case .equal: return "'='"
        case .dotDotLess: return "'..<'"
        case .plus: return "'+'"
        case .minus: return "'-'"
        case .star: return "'*'"
        case .slash: return "'/'"
        case .at: return "'@'"
        case .less: return "'<'"
        case .lessEqual: return "'<='"
        case .greater: return "'>'"
        case .greaterEqual: return "'>='"
        case .equalEqual: return "'=='"
        case .bangEqual: return "'!='"
        case .invalid: return "an invalid character"
        }
    }

    public var isKeyword: Bool {
        switch self {
        case .kwProtocol, .kwFixedpoint, .kwPlayer, .kwParam, .kwDef, .kwFor, .kwIn, .kwReturn: return true
        default: return false
        }
    }
}
