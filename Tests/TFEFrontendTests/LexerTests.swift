import Testing
import TFECore
import TFEFrontend

// MARK: - Helpers

/// Lexes `bytes`: the tokens' kinds and texts without the final `endOfFile`, and the diagnostics' kinds.
private func lex(_ bytes: [UInt8]) -> (kinds: [Token.Kind], texts: [String], diagnostics: [String]) {
    let source = SourceFile(path: "t.tfe", bytes: bytes)
    var diagnostics = Diagnostics()
    let tokens = Lexer.tokenize(source, into: &diagnostics)
    #expect(tokens.last?.kind == .endOfFile)
    let body = tokens.dropLast()
    return (body.map(\.kind), body.map { source.text($0.range) }, diagnostics.all.map(\.kind))
}

private func lex(_ text: String) -> (kinds: [Token.Kind], texts: [String], diagnostics: [String]) {
    lex(Array(text.utf8))
}

private func expectTokens(_ text: String, _ kinds: [Token.Kind], sourceLocation: SourceLocation = #_sourceLocation) {
    let result = lex(text)
    #expect(result.kinds == kinds, "lexing \(text.debugDescription)", sourceLocation: sourceLocation)
    #expect(result.diagnostics.isEmpty, "lexing \(text.debugDescription)", sourceLocation: sourceLocation)
}

/// Lexing `bytes` reports exactly the listed diagnostic kinds and yields an `invalid` token for each.
private func expectLexError(_ bytes: [UInt8], _ kinds: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let result = lex(bytes)
    #expect(result.diagnostics == kinds, "lexing \(bytes)", sourceLocation: sourceLocation)
    #expect(result.kinds.count { $0 == .invalid } == kinds.count, "lexing \(bytes)", sourceLocation: sourceLocation)
}

// MARK: - Operators and punctuation

@Test(arguments: [
    ("+", Token.Kind.plus), ("-", .minus), ("*", .star), ("/", .slash), ("@", .at),
    ("<", .less), ("<=", .lessEqual), (">", .greater), (">=", .greaterEqual), ("==", .equalEqual), ("!=", .bangEqual),
    ("=", .equal), ("(", .leftParen), (")", .rightParen), ("[", .leftBracket), ("]", .rightBracket),
    ("{", .leftBrace), ("}", .rightBrace), (",", .comma), (":", .colon), (";", .semicolon), ("..<", .dotDotLess),
])
func operatorToken(text: String, kind: Token.Kind) {
    expectTokens(text, [kind])
    expectTokens("a\(text)b", [.identifier, kind, .identifier])
    expectTokens(" a \(text) b ", [.identifier, kind, .identifier])
}

@Test(arguments: [
    ("a<=b", [Token.Kind.identifier, .lessEqual, .identifier]),
    ("a<-b", [.identifier, .less, .minus, .identifier]),
    ("a===b", [.identifier, .equalEqual, .equal, .identifier]),
    ("a>=-1", [.identifier, .greaterEqual, .minus, .integer]),
    ("x@w+b", [.identifier, .at, .identifier, .plus, .identifier]),
    ("f(a: 1)", [.identifier, .leftParen, .identifier, .colon, .integer, .rightParen]),
    ("--a", [.minus, .minus, .identifier]),
])
func adjacentOperators(text: String, kinds: [Token.Kind]) {
    expectTokens(text, kinds)
}

// MARK: - Keywords and names

@Test(arguments: Token.Kind.keywords.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 })
func keyword(spelling: String, kind: Token.Kind) {
    expectTokens(spelling, [kind])
    #expect(kind.isKeyword)
    // A keyword is a whole word, in lower case: longer names and other cases are plain names.
    expectTokens(spelling + "s", [.identifier])
    expectTokens(spelling + "_1", [.identifier])
    expectTokens("_" + spelling, [.identifier])
    expectTokens(spelling.uppercased(), [.identifier])
}

@Test(arguments: ["x", "_", "w0", "private_input", "relu", "server0", "model_owner", "Batch_Size_2", "int", "fixed"])
func identifier(text: String) {
    expectTokens(text, [.identifier])
}

@Test func everyKeywordKindIsInTheTable() {
    #expect(Set(Token.Kind.keywords.values) == Set(Token.Kind.allCases.filter(\.isKeyword)))
}

// MARK: - Numbers

@Test(arguments: [
    ("784", Token.Kind.integer), ("0", .integer), ("1_000", .integer), ("9223372036854775807", .integer),
    ("0.5", .decimal), (".5", .decimal), ("1e-3", .decimal), ("2.5E+4", .decimal), ("1e3", .decimal),
    ("1.", .decimal), ("1_000.25", .decimal), ("1e999", .decimal),
])
func number(text: String, kind: Token.Kind) {
    expectTokens(text, [kind])
    #expect(lex(text).texts == [text])
}

@Test(arguments: [
    ("0..<N", [Token.Kind.integer, .dotDotLess, .identifier]),
    ("0..<10", [.integer, .dotDotLess, .integer]),
    ("1..<n+1", [.integer, .dotDotLess, .identifier, .plus, .integer]),
    ("a..<b", [.identifier, .dotDotLess, .identifier]),
    ("x.5", [.identifier, .decimal]),
])
func rangeLexing(text: String, kinds: [Token.Kind]) {
    expectTokens(text, kinds)
}

@Test func rangeTokensCoverTheirText() {
    #expect(lex("0..<N").texts == ["0", "..<", "N"])
}

// MARK: - Strings

@Test(arguments: [
    #""x""#, #""""#, #""a\"b""#, #""a\\""#, #""tab\there""#, #""new\nline""#, ##""# not a comment""##,
    "\"caf\u{E9}\"",
])
func string(text: String) {
    expectTokens(text, [.string])
    expectTokens("f(\(text), 1)", [.identifier, .leftParen, .string, .comma, .integer, .rightParen])
}

@Test(arguments: [
    (#""a\"b""#, "a\"b"), (#""a\\""#, "a\\"), (#""t\tu""#, "t\tu"), (#""n\nm""#, "n\nm"), (#""x""#, "x"),
    (#""""#, ""),
])
func stringEscapes(text: String, value: String) {
    var diagnostics = Diagnostics()
    let ast = Parser.parse(SourceFile(path: "t.tfe", text: "f(\(text))"), into: &diagnostics)
    #expect(diagnostics.all.isEmpty)
    guard let statement = ast.topLevel.first, case .expression(let id) = ast[statement].kind,
        case .call(_, let arguments) = ast[id].kind, case .string(let parsed) = ast[arguments[0].value].kind
    else {
        Issue.record("expected a call with a string argument")
        return
    }
    #expect(parsed == value)
}

// MARK: - Comments, new lines, continuations

@Test(arguments: [
    ("a # comment", [Token.Kind.identifier]),
    ("# only a comment", []),
    ("a # c\nb", [.identifier, .newline, .identifier]),
    ("a\n\n\nb", [.identifier, .newline, .identifier]),
    ("a\n# c\n\n  # d\nb", [.identifier, .newline, .identifier]),
    ("a\r\nb", [.identifier, .newline, .identifier]),
    ("a\r\n\r\n\r\nb", [.identifier, .newline, .identifier]),
    ("a\n", [.identifier, .newline]),
    ("\n\na", [.newline, .identifier]),
    ("a;b", [.identifier, .semicolon, .identifier]),
    ("a;\nb", [.identifier, .semicolon, .newline, .identifier]),
    ("a +\\\nb", [.identifier, .plus, .identifier]),
    ("a + \\\n  \\\n b", [.identifier, .plus, .identifier]),
    ("a\t=\t1", [.identifier, .equal, .integer]),
    ("\u{FEFF}a", [.identifier]),
    ("", []),
])
func layout(text: String, kinds: [Token.Kind]) {
    expectTokens(text, kinds)
}

@Test func lineContinuationWithWindowsLineEnding() {
    expectTokens("x = 1 + \\\r\n2", [.identifier, .equal, .integer, .plus, .integer])
}

@Test func tokenRangesCoverTheirText() {
    let result = lex("w0 = private_input(model_owner, [784, 512])  # weights")
    #expect(result.texts == ["w0", "=", "private_input", "(", "model_owner", ",", "[", "784", ",", "512", "]", ")"])
}

// MARK: - Lexical errors

@Test(arguments: [
    (#""abc"#, "unterminatedString"),
    ("\"abc\nx = 1", "unterminatedString"),
    ("\"abc\\", "unterminatedString"),
    ("'abc'", "singleQuotedString"),
    ("'abc", "singleQuotedString"),
    ("12abc", "malformedNumber"),
    ("1e", "malformedNumber"),
    ("1e+", "malformedNumber"),
    ("2.5Ex", "malformedNumber"),
    ("1__0", "malformedNumber"),
    ("1_", "malformedNumber"),
    ("1_.5", "malformedNumber"),
    ("0x10", "malformedNumber"),
    ("99999999999999999999", "integerTooLarge"),
    ("9223372036854775808", "integerTooLarge"),
    ("$", "unexpectedCharacter"),
    ("!", "unexpectedCharacter"),
    ("a ! b", "unexpectedCharacter"),
    ("?", "unexpectedCharacter"),
    ("`", "unexpectedCharacter"),
    ("\\", "unexpectedCharacter"),
    ("\\ a", "unexpectedCharacter"),
    ("x.y", "unexpectedCharacter"),
    ("\u{E9}", "unexpectedCharacter"),
    ("\u{1F600}", "unexpectedCharacter"),
    ("\u{0}", "unexpectedCharacter"),
    ("\u{7F}", "unexpectedCharacter"),
])
func lexicalError(text: String, kind: String) {
    expectLexError(Array(text.utf8), [kind])
}

@Test(arguments: [[UInt8(0xFF)], [0x80], [0xC3], [0x61, 0xC3], [0xF5], [0xFE, 0x20]])
func invalidUTF8(bytes: [UInt8]) {
    expectLexError(bytes, ["invalidUTF8"])
}

@Test func invalidUTF8ByteInsideALine() {
    let bytes = Array("x = ".utf8) + [0xFF] + Array(" + 1".utf8)
    expectLexError(bytes, ["invalidUTF8"])
    #expect(lex(bytes).kinds == [.identifier, .equal, .invalid, .plus, .integer])
}

@Test(arguments: [[UInt8(0xE2), 0x82], [0xC0, 0x80]])
func malformedSequenceReportsEachByte(bytes: [UInt8]) {
    expectLexError(bytes, ["invalidUTF8", "invalidUTF8"])
}

@Test func encodedSurrogateIsInvalidUTF8() {
    // ED A0 80 would be U+D800, a surrogate, which UTF-8 forbids.
    expectLexError([0xED, 0xA0, 0x80], ["invalidUTF8"])
}

@Test(arguments: ["a = $ + 1", "a = 1 ! 2", "a = 'x' + 1", "a = 12abc + 1"])
func lexerKeepsGoingAfterAnError(text: String) {
    let result = lex(text)
    #expect(result.diagnostics.count == 1)
    #expect(result.kinds.first == .identifier)
    #expect(result.kinds.last == .integer)
}

@Test func everyErrorIsReported() {
    let result = lex("a = $\nb = 'c'\nd = 1e\ne = 99999999999999999999\n\"open")
    #expect(result.diagnostics
        == ["unexpectedCharacter", "singleQuotedString", "malformedNumber", "integerTooLarge", "unterminatedString"])
}
