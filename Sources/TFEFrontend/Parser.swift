import TFECore

/// Builds the `AST` by recursive descent. Each `parseX()` follows the grammar rule `X` of
/// `Grammar/tfe.ebnf` (a test keeps the two in step). A syntax error is reported once, and the parser
/// resumes at the next statement boundary, so independent errors are all reported.
public struct Parser {
    private var tokens: [Token]
    private var position = 0
    private var ast: AST
    private var diagnostics: Diagnostics
    private var symbols = SymbolTable()
    private var depth = 0
    /// Inside parentheses or brackets, new lines do not separate statements: `peek` looks past them.
    private var bracketDepth = 0
    /// The height of each expression's tree, parallel to `ast.exprs`.
    private var exprHeights: [Int32] = []

    /// Brackets and blocks nested deeper than this are rejected rather than risking the stack.
    static let maximumDepth = 256
    /// Expression trees deeper than this (a chain of 1,000 `+` is 1,000 deep) are rejected: later passes
    /// walk them recursively.
    static let maximumExpressionDepth = 1_000

    /// Where a statement sits, which decides what it may be.
    private enum Context { case topLevel, function, loop }

    /// Unwinds a statement after its syntax error was reported.
    private struct Failure: Error {}

    /// Lexes and parses a whole file; diagnostics are appended to `diagnostics`.
    public static func parse(_ source: SourceFile, into diagnostics: inout Diagnostics) -> AST {
        let tokens = Lexer.tokenize(source, into: &diagnostics)
        var parser = Parser(tokens: tokens, ast: AST(source: source), diagnostics: diagnostics)
        parser.parseProgram()
        parser.ast.names = parser.symbols.names
        diagnostics = parser.diagnostics
        return parser.ast
    }

    private init(tokens: [Token], ast: AST, diagnostics: Diagnostics) {
        self.tokens = tokens
        self.ast = ast
        self.diagnostics = diagnostics
        self.ast.exprs.reserveCapacity(tokens.count)
        self.ast.stmts.reserveCapacity(tokens.count / 4 + 1)
    }

    // MARK: - Statements

    private mutating func parseProgram() {
        ast.topLevel = statementList(in: .topLevel, until: .endOfFile)
    }

    /// Statements separated by new lines or `;`, up to `end` (not consumed). In a function body it also
    /// stops at `return`, which `parseBlock` handles.
    private mutating func statementList(in context: Context, until end: Token.Kind) -> [StmtID] {
        var statements: [StmtID] = []
        while true {
            skipSeparators()
            let kind = peek.kind
            if kind == end || kind == .endOfFile || (kind == .kwReturn && context == .function) { return statements }
            if kind == .rightBrace {
                report(.expected("a statement", found: "'}' without a matching '{'"), at: peek.range)
                position += 1
                continue
            }
            do throws(Failure) {
                let statement = try parseStatement(in: context)
                let next = peek.kind
                if next != .newline && next != .semicolon && next != .endOfFile && next != end {
                    // An invalid token was already reported by the lexer.
                    if next != .invalid {
                        report(.expectedSeparator(found: describe(peek)), at: peek.range, notes: separatorHints(statement))
                    }
                    throw Failure()
                }
                statements.append(statement)
            } catch {
                synchronize()
            }
        }
    }

    private mutating func parseStatement(in context: Context) throws(Failure) -> StmtID {
        switch peek.kind {
        case .kwProtocol: return try topLevelOnly(in: context, "protocol") { p throws(Failure) in try p.parseProtocolDecl() }
        case .kwFixedpoint:
            return try topLevelOnly(in: context, "fixedpoint") { p throws(Failure) in try p.parseFixedpointDecl() }
        case .kwPlayer: return try topLevelOnly(in: context, "player") { p throws(Failure) in try p.parsePlayerDecl() }
        case .kwParam: return try topLevelOnly(in: context, "param") { p throws(Failure) in try p.parseParamDecl() }
        case .kwDef: return try topLevelOnly(in: context, "def") { p throws(Failure) in try p.parseFunctionDecl() }
        case .kwFor: return try parseForStatement(in: context)
        case .kwReturn:
            report(.returnOutsideFunction, at: peek.range)
            throw Failure()
        default: return try parseSimpleStatement()
        }
    }

    private mutating func topLevelOnly(
        in context: Context, _ keyword: String, _ body: (inout Parser) throws(Failure) -> StmtID
    ) throws(Failure) -> StmtID {
        if context != .topLevel {
            report(.declarationNotAtTopLevel(keyword), at: peek.range)
            throw Failure()
        }
        return try body(&self)
    }

    private mutating func parseProtocolDecl() throws(Failure) -> StmtID {
        let start = advance().range
        let name = try expectName("a protocol name")
        return addStmt(.protocol(name), start.union(name.range))
    }

    private mutating func parseFixedpointDecl() throws(Failure) -> StmtID {
        let start = advance().range
        let open = try expect(.leftParen, "'('")
        let (arguments, close) = try parseArgumentList(open: open)
        return addStmt(.fixedpoint(arguments), start.union(close))
    }

    private mutating func parsePlayerDecl() throws(Failure) -> StmtID {
        let start = advance().range
        var names = [try expectName("a player name")]
        while peek.kind == .comma {
            advance()
            names.append(try expectName("a player name"))
        }
        return addStmt(.player(names), start.union(names[names.count - 1].range))
    }

    private mutating func parseParamDecl() throws(Failure) -> StmtID {
        let start = advance().range
        let name = try expectName("a parameter name")
        _ = try expect(.equal, "'='")
        let value = try parseExpression()
        return addStmt(.param(name, value), start.union(ast[value].range))
    }

    private mutating func parseFunctionDecl() throws(Failure) -> StmtID {
        let start = advance().range
        let name = try expectName("a function name")
        let open = try expect(.leftParen, "'('")
        let parameters = try parseParameterList(open: open)
        if peek.kind == .equal {
            advance()
            let result = try parseExpression()
            return addStmt(.function(name, parameters: parameters, body: [], result: result), start.union(ast[result].range))
        }
        guard peek.kind == .leftBrace else {
            report(.expected("'=' or '{' after the parameters of '\(symbols.names[Int(name.symbol.rawValue)])'", found: describe(peek)), at: peek.range)
            throw Failure()
        }
        let block = try parseBlock(in: .function)
        guard let result = block.result else {
            report(.missingReturn(function: symbols.names[Int(name.symbol.rawValue)]), at: block.close)
            throw Failure()
        }
        return addStmt(.function(name, parameters: parameters, body: block.statements, result: result),
                       start.union(block.close))
    }

    private mutating func parseParameterList(open: SourceRange) throws(Failure) -> [Name] {
        bracketDepth += 1
        defer { bracketDepth -= 1 }
        var names: [Name] = []
        while peek.kind != .rightParen {
            names.append(try expectName("a parameter name"))
            if peek.kind == .comma {
                advance()
                continue
            }
            if peek.kind != .rightParen { try failUnclosed(open: open, "(", ")") }
        }
        advance()
        return names
    }

    /// `{ statements }`. A function body ends with `return EXPR`, whose expression is `result`
    /// (an error node if it failed to parse; nil if there was no `return`).
    private mutating func parseBlock(in context: Context)
        throws(Failure) -> (statements: [StmtID], result: ExprID?, close: SourceRange)
    {
        let open = try expect(.leftBrace, "'{'")
        try enter(open)
        defer { depth -= 1 }
        let statements = statementList(in: context, until: .rightBrace)
        var result: ExprID?
        if peek.kind == .kwReturn {
            let keyword = advance().range
            do throws(Failure) {
                result = try parseExpression()
                skipSeparators()
                if peek.kind != .rightBrace && peek.kind != .endOfFile {
                    report(.returnNotLast, at: keyword)
                    skipToClosingBrace()
                }
            } catch {
                result = try addExpr(.error, keyword)
                skipToClosingBrace()
            }
        }
        guard peek.kind == .rightBrace else {
            // At the end of the file: point at the end of the last line that has something on it.
            var last = position - 1
            while last > 0, tokens[last].kind == .newline { last -= 1 }
            let end = last >= 0 ? tokens[last].range.end : 0
            report(.unclosedBracket(open: "{", close: "}"), at: SourceRange(start: end, end: end),
                   notes: [.init("'{' opened here", at: open)])
            throw Failure()
        }
        return (statements, result, advance().range)
    }

    private mutating func parseForStatement(in context: Context) throws(Failure) -> StmtID {
        let start = advance().range
        let variable = try expectName("a loop variable")
        _ = try expect(.kwIn, "'in'")
        let lower = try parseArithmetic()
        _ = try expect(.dotDotLess, "'..<' (loops are written 'for i in 0..<N')")
        let upper = try parseArithmetic()
        let block = try parseBlock(in: .loop)
        return addStmt(.for(variable, lower: lower, upper: upper, body: block.statements), start.union(block.close))
    }

    private mutating func parseSimpleStatement() throws(Failure) -> StmtID {
        let target = try parseExpression()
        guard peek.kind == .equal else {
            return addStmt(.expression(target), ast[target].range)
        }
        advance()
        let value = try parseExpression()
        guard case .name(let symbol) = ast[target].kind else {
            if ast[target].kind != .error { report(.invalidAssignmentTarget, at: ast[target].range) }
            throw Failure()
        }
        return addStmt(.assign(Name(symbol: symbol, range: ast[target].range), value), ast[target].range.union(ast[value].range))
    }

    // MARK: - Expressions

    private mutating func parseExpression() throws(Failure) -> ExprID {
        try parseComparison()
    }

    private mutating func parseComparison() throws(Failure) -> ExprID {
        let lhs = try parseArithmetic()
        guard let op = comparisonOperator(peek.kind) else { return lhs }
        let opRange = advance().range
        let rhs = try parseArithmetic()
        if comparisonOperator(peek.kind) != nil {
            report(.chainedComparison, at: peek.range)
            throw Failure()
        }
        return try addExpr(.binary(op, lhs, rhs), ast[lhs].range.union(ast[rhs].range), operatorRange: opRange)
    }

    private mutating func parseArithmetic() throws(Failure) -> ExprID {
        var lhs = try parseTerm()
        while true {
            let op: BinaryOperator
            switch peek.kind {
            case .plus: op = .add
            case .minus: op = .subtract
            default: return lhs
            }
            let opRange = advance().range
            let rhs = try parseTerm()
            lhs = try addExpr(.binary(op, lhs, rhs), ast[lhs].range.union(ast[rhs].range), operatorRange: opRange)
        }
    }

    private mutating func parseTerm() throws(Failure) -> ExprID {
        var lhs = try parseFactor()
        while true {
            let op: BinaryOperator
            switch peek.kind {
            case .star: op = .multiply
            case .slash: op = .divide
            case .at: op = .matmul
            default: return lhs
            }
            let opRange = advance().range
            let rhs = try parseFactor()
            lhs = try addExpr(.binary(op, lhs, rhs), ast[lhs].range.union(ast[rhs].range), operatorRange: opRange)
        }
    }

    private mutating func parseFactor() throws(Failure) -> ExprID {
        let op: UnaryOperator
        switch peek.kind {
        case .minus: op = .negate
        case .plus: op = .plus
        default: return try parsePrimary()
        }
        let opRange = advance().range
        try enter(opRange)
        defer { depth -= 1 }
        let operand = try parseFactor()
        return try addExpr(.unary(op, operand), opRange.union(ast[operand].range), operatorRange: opRange)
    }

    private mutating func parsePrimary() throws(Failure) -> ExprID {
        let token = peek
        switch token.kind {
        case .integer:
            advance()
            let value = integerValue(token.range)
            return try addExpr(.integer(value), token.range)
        case .decimal:
            advance()
            let value = Double(text(token.range).replacingUnderscores()) ?? .nan
            return try addExpr(.decimal(value), token.range)
        case .string:
            advance()
            return try addExpr(.string(unquote(token.range)), token.range)
        case .identifier:
            if peekKind(1) == .leftParen { return try parseCall() }
            advance()
            return try addExpr(.name(intern(token.range)), token.range)
        case .leftParen:
            advance()
            try enter(token.range)
            bracketDepth += 1
            defer {
                depth -= 1
                bracketDepth -= 1
            }
            let inner = try parseExpression()
            guard peek.kind == .rightParen else { try failUnclosed(open: token.range, "(", ")") }
            let close = advance().range
            var expr = ast[inner]
            expr.range = token.range.union(close)
            return try addExpr(expr.kind, expr.range, operatorRange: expr.operatorRange)
        case .leftBracket:
            return try parseList()
        case .invalid:
            throw Failure()  // the lexer reported it
        default:
            if token.kind.isKeyword {
                report(.keywordAsName(text(token.range)), at: token.range)
            } else {
                report(.expectedExpression(found: describe(token)), at: token.range)
            }
            throw Failure()
        }
    }

    private mutating func parseCall() throws(Failure) -> ExprID {
        let nameToken = advance()
        let open = advance().range
        try enter(open)
        defer { depth -= 1 }
        let (arguments, close) = try parseArgumentList(open: open)
        let callee = Name(symbol: intern(nameToken.range), range: nameToken.range)
        return try addExpr(.call(callee, arguments), nameToken.range.union(close))
    }

    /// Arguments after an opening parenthesis, through the closing one (whose range is returned).
    private mutating func parseArgumentList(open: SourceRange) throws(Failure) -> ([Argument], SourceRange) {
        bracketDepth += 1
        defer { bracketDepth -= 1 }
        var arguments: [Argument] = []
        while peek.kind != .rightParen {
            arguments.append(try parseArgument())
            if peek.kind == .comma {
                advance()
                continue
            }
            if peek.kind != .rightParen { try failUnclosed(open: open, "(", ")") }
        }
        return (arguments, advance().range)
    }

    private mutating func parseArgument() throws(Failure) -> Argument {
        // A label may be spelt like a keyword (`player: alice`): before ':' it cannot be one.
        if peek.kind == .identifier || peek.kind.isKeyword, peekKind(1) == .colon {
            let label = Name(symbol: intern(peek.range), range: peek.range)
            advance()
            advance()
            return Argument(label: label, value: try parseExpression())
        }
        return Argument(label: nil, value: try parseExpression())
    }

    private mutating func parseList() throws(Failure) -> ExprID {
        let open = advance().range
        try enter(open)
        bracketDepth += 1
        defer {
            depth -= 1
            bracketDepth -= 1
        }
        var elements: [ExprID] = []
        while peek.kind != .rightBracket {
            elements.append(try parseExpression())
            if peek.kind == .comma {
                advance()
                continue
            }
            if peek.kind != .rightBracket { try failUnclosed(open: open, "[", "]") }
        }
        let close = advance().range
        return try addExpr(.list(elements), open.union(close))
    }

    // MARK: - Helpers

    /// The index of the next token that matters: inside brackets, past any new lines.
    private var peekIndex: Int {
        var index = position
        if bracketDepth > 0 { while tokens[index].kind == .newline { index += 1 } }
        return index
    }

    private var peek: Token { tokens[peekIndex] }

    private func peekKind(_ offset: Int) -> Token.Kind {
        let index = peekIndex + offset
        return index < tokens.count ? tokens[index].kind : .endOfFile
    }

    @discardableResult
    private mutating func advance() -> Token {
        let index = peekIndex
        let token = tokens[index]
        if token.kind != .endOfFile { position = index + 1 }
        return token
    }

    private mutating func skipSeparators() {
        while tokens[position].kind == .newline || tokens[position].kind == .semicolon { position += 1 }
    }

    /// A bracket left open. When a new line came first, the error goes at that line's end and parsing
    /// resumes there, so the next line is not swallowed.
    private mutating func failUnclosed(open: SourceRange, _ opener: String, _ closer: String) throws(Failure) -> Never {
        if peek.kind == .invalid { throw Failure() }  // the lexer reported it
        if tokens[position].kind == .newline || peek.kind == .endOfFile {
            let end = position > 0 ? tokens[position - 1].range.end : 0
            report(.unclosedBracket(open: opener, close: closer), at: SourceRange(start: end, end: end),
                   notes: [.init("'\(opener)' opened here", at: open)])
        } else {
            var notes: [Diagnostic.Note] = []
            if peek.kind == .equal, closer == ")" {
                notes.append(.init("arguments are labelled with ':', as in 'shape: [3]'"))
            }
            report(.expected("',' or '\(closer)'", found: describe(peek)), at: peek.range, notes: notes)
        }
        throw Failure()
    }

    /// Hints for a statement followed by something that cannot continue it.
    private func separatorHints(_ statement: StmtID) -> [Diagnostic.Note] {
        if peek.kind == .leftBracket {
            return [.init("values cannot be indexed; programs compute on whole tensors (see reshape, transpose, sum)")]
        }
        guard case .expression(let expression) = ast[statement].kind, case .name(let symbol) = ast[expression].kind
        else { return [] }
        switch symbols.names[Int(symbol.rawValue)] {
        case "if", "else", "elif", "while":
            return [.init("there are no conditionals; choose values element-wise with 'where(c, a, b)'")]
        case "import", "from":
            return [.init("programs are single files; there is nothing to import")]
        default:
            return []
        }
    }

    private mutating func expect(_ kind: Token.Kind, _ what: String) throws(Failure) -> SourceRange {
        guard peek.kind == kind else {
            if peek.kind != .invalid { report(.expected(what, found: describe(peek)), at: peek.range) }
            throw Failure()
        }
        return advance().range
    }

    private mutating func expectName(_ what: String) throws(Failure) -> Name {
        let token = peek
        if token.kind == .identifier {
            advance()
            return Name(symbol: intern(token.range), range: token.range)
        }
        if token.kind.isKeyword {
            report(.keywordAsName(text(token.range)), at: token.range)
        } else if token.kind != .invalid {
            report(.expected(what, found: describe(token)), at: token.range)
        }
        throw Failure()
    }

    private mutating func enter(_ range: SourceRange) throws(Failure) {
        depth += 1
        if depth > Parser.maximumDepth {
            report(.tooDeeplyNested, at: range)
            throw Failure()
        }
    }

    /// Skips to the `}` that closes the current block (left for the block to consume).
    private mutating func skipToClosingBrace() {
        var braces = 0
        while peek.kind != .endOfFile {
            if peek.kind == .leftBrace { braces += 1 }
            if peek.kind == .rightBrace {
                if braces == 0 { return }
                braces -= 1
            }
            position += 1
        }
    }

    /// Skips to the end of the statement that failed: the next `;` or new line outside brackets, or the `}`
    /// closing the enclosing block (left for the block to consume).
    private mutating func synchronize() {
        var braces = 0
        while true {
            switch peek.kind {
            case .endOfFile: return
            case .newline, .semicolon:
                if braces == 0 { return }
            case .leftBrace: braces += 1
            case .rightBrace:
                if braces == 0 { return }
                braces -= 1
            default: break
            }
            position += 1
        }
    }

    /// The value of an integer token; the lexer checked that it fits.
    private func integerValue(_ range: SourceRange) -> Int {
        var value = 0
        for index in range.start..<range.end where ast.source.bytes[index] != UInt8(ascii: "_") {
            value = value &* 10 &+ Int(ast.source.bytes[index] &- UInt8(ascii: "0"))
        }
        return value
    }

    private func comparisonOperator(_ kind: Token.Kind) -> BinaryOperator? {
        switch kind {
        case .less: return .less
        case .lessEqual: return .lessEqual
        case .greater: return .greater
        case .greaterEqual: return .greaterEqual
        case .equalEqual: return .equal
        case .bangEqual: return .notEqual
        default: return nil
        }
    }

    private func text(_ range: SourceRange) -> String {
        String(decoding: ast.source.bytes[range.start..<range.end], as: UTF8.self)
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .identifier, .integer, .decimal: return "'\(text(token.range))'"
        default: return token.kind.spelling
        }
    }

    private func unquote(_ range: SourceRange) -> String {
        var scalars = String.UnicodeScalarView()
        var escaped = false
        for scalar in text(SourceRange(start: range.start + 1, end: range.end - 1)).unicodeScalars {
            if escaped {
                scalars.append(scalar == "n" ? "\n" : scalar == "t" ? "\t" : scalar)
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    private mutating func intern(_ range: SourceRange) -> Symbol {
        symbols.intern(ast.source.bytes, range.start, range.end)
    }

    private mutating func addExpr(_ kind: Expr.Kind, _ range: SourceRange, operatorRange: SourceRange? = nil)
        throws(Failure) -> ExprID
    {
        var height: Int32 = 1
        switch kind {
        case .unary(_, let operand): height = exprHeights[operand.rawValue] + 1
        case .binary(_, let lhs, let rhs): height = max(exprHeights[lhs.rawValue], exprHeights[rhs.rawValue]) + 1
        case .list(let elements): height = (elements.map { exprHeights[$0.rawValue] }.max() ?? 0) + 1
        case .call(_, let arguments): height = (arguments.map { exprHeights[$0.value.rawValue] }.max() ?? 0) + 1
        default: break
        }
        if height > Parser.maximumExpressionDepth {
            report(.tooDeeplyNested, at: range)
            throw Failure()
        }
        ast.exprs.append(Expr(kind: kind, range: range, operatorRange: operatorRange))
        exprHeights.append(height)
        return ExprID(ast.exprs.count - 1)
    }

    private mutating func addStmt(_ kind: Stmt.Kind, _ range: SourceRange) -> StmtID {
        ast.stmts.append(Stmt(kind: kind, range: range))
        return StmtID(ast.stmts.count - 1)
    }

    private mutating func report(_ error: ParseError, at range: SourceRange, notes: [Diagnostic.Note] = []) {
        diagnostics.append(error, at: range, notes: notes)
    }
}
