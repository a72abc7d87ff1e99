import TFECore

/// Problems found while reading the text of a program: lexical and syntactic.
public enum ParseError: DiagnosticKind, Hashable {
    case unexpectedCharacter(String)
    case invalidUTF8(UInt8)
    case unterminatedString
    case singleQuotedString
    case integerTooLarge(String)
    case malformedNumber(String)
    case expectedExpression(found: String)
    case expected(String, found: String)
    case unclosedBracket(open: String, close: String)
    case keywordAsName(String)
    case chainedComparison
    case invalidAssignmentTarget
    case expectedSeparator(found: String)
    case returnOutsideFunction
    case returnNotLast
    case missingReturn(function: String)
    case declarationNotAtTopLevel(String)
    case tooDeeplyNested

    public var message: String {
        switch self {
        case .unexpectedCharacter(let character):
            return "unexpected character '\(character)'"
        case .invalidUTF8(let byte):
            let hex = String(byte, radix: 16, uppercase: true)
            return "invalid UTF-8 byte 0x\(hex.count == 1 ? "0" + hex : hex); source files must be UTF-8"
        case .unterminatedString:
            return "unterminated string: a string must end with '\"' on the same line"
        case .singleQuotedString:
            return "strings are written in double quotes"
        case .integerTooLarge(let text):
            return "integer literal '\(text)' does not fit in 64 bits"
        case .malformedNumber(let text):
            return "malformed number '\(text)'"
        case .expectedExpression(let found):
            return "expected an expression, found \(found)"
        case .expected(let what, let found):
            return "expected \(what), found \(found)"
        case .unclosedBracket(let open, let close):
            return "expected '\(close)' to close '\(open)'"
        case .keywordAsName(let keyword):
            return "'\(keyword)' is a keyword and cannot be used as a name"
        case .chainedComparison:
            return "comparisons cannot be chained; combine two comparisons explicitly"
        case .invalidAssignmentTarget:
            return "only a name can be assigned to"
        case .expectedSeparator(let found):
            return "expected a new line or ';' after the statement, found \(found)"
        case .returnOutsideFunction:
            return "'return' is only allowed at the end of a function body"
        case .returnNotLast:
            return "'return' must be the last statement of a function body"
        case .missingReturn(let function):
            return "function '\(function)' does not end with 'return'"
        case .declarationNotAtTopLevel(let what):
            return "'\(what)' declarations are only allowed at the top level of a program"
        case .tooDeeplyNested:
            return "expression is nested too deeply"
        }
    }
}
