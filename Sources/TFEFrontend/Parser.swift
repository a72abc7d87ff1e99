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

    /// Expressions nested deeper than this are rejected rather than risking the stack.
    static let maximumDepth = 256

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
                    report(.expectedSeparator(found: describe(peek)), at: peek.range)
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
            position += 1
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
            position += 1
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
        var names: [Name] = []
        skipNewlines()
        while peek.kind != .rightParen {
            names.append(try expectName("a parameter name"))
            let skipped = skipNewlines()
            if peek.kind == .comma {
                position += 1
                skipNewlines()
                continue
            }
            if peek.kind != .rightParen { try failUnclosed(open: open, "(", ")", skippedNewline: skipped) }
        }
        position += 1
        return names
    }

    /// `{ statements }`. A function body ends with `return EXPR`, whose expression is `result`
    /// (an error node if it failed to parse; nil if there was no `return`).
    private mutating func parseBlock(in context: Context)
        throws(Failure) -> (statements: [StmtID], result: ExprID?, close: SourceRange)
    {
        let open = try expect(.leftBrace, "'{'")
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
                result = addExpr(.error, keyword)
                skipToClosingBrace()
            }
        }
        guard peek.kind == .rightBrace else {
            report(.unclosedBracket(open: "{", close: "}"), at: peek.range, notes: [.init("'{' opened here", at: open)])
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
        position += 1
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
        return addExpr(.binary(op, lhs, rhs), ast[lhs].range.union(ast[rhs].range), operatorRange: opRange)
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
            lhs = addExpr(.binary(op, lhs, rhs), ast[lhs].range.union(ast[rhs].range), operatorRange: opRange)
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
            lhs = addExpr(.binary(op, lhs, rhs), ast[lhs].range.union(ast[rhs].range), operatorRange: opRange)
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
        return addExpr(.unary(op, operand), opRange.union(ast[operand].range), operatorRange: opRange)
    }

    private mutating func parsePrimary() throws(Failure) -> ExprID {
        let token = peek
        switch token.kind {
        case .integer:
            position += 1
            let value = integerValue(token.range)
            return addExpr(.integer(value), token.range)
        case .decimal:
            position += 1
            let value = Double(text(token.range).replacingUnderscores()) ?? .nan
            return addExpr(.decimal(value), token.range)
        case .string:
            position += 1
            return addExpr(.string(unquote(token.range)), token.range)
        case .identifier:
            if peekKind(1) == .leftParen { return try parseCall() }
            position += 1
            return addExpr(.name(intern(token.range)), token.range)
        case .leftParen:
            position += 1
            try enter(token.range)
            defer { depth -= 1 }
            skipNewlines()
            let inner = try parseExpression()
            let skipped = skipNewlines()
            guard peek.kind == .rightParen else {
                try failUnclosed(open: token.range, "(", ")", skippedNewline: skipped)
            }
            let close = advance().range
            var expr = ast[inner]
            expr.range = token.range.union(close)
            return addExpr(expr.kind, expr.range, operatorRange: expr.operatorRange)
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
        return addExpr(.call(callee, arguments), nameToken.range.union(close))
    }

    /// Arguments after an opening parenthesis, through the closing one (whose range is returned).
    private mutating func parseArgumentList(open: SourceRange) throws(Failure) -> ([Argument], SourceRange) {
        var arguments: [Argument] = []
        skipNewlines()
        while peek.kind != .rightParen {
            arguments.append(try parseArgument())
            let skipped = skipNewlines()
            if peek.kind == .comma {
                position += 1
                skipNewlines()
                continue
            }
            if peek.kind != .rightParen { try failUnclosed(open: open, "(", ")", skippedNewline: skipped) }
        }
        return (arguments, advance().range)
    }

    private mutating func parseArgument() throws(Failure) -> Argument {
        if peek.kind == .identifier, peekKind(1) == .colon {
            let label = Name(symbol: intern(peek.range), range: peek.range)
            position += 2
            skipNewlines()
            return Argument(label: label, value: try parseExpression())
        }
        return Argument(label: nil, value: try parseExpression())
    }

    private mutating func parseList() throws(Failure) -> ExprID {
        let open = advance().range
        try enter(open)
        defer { depth -= 1 }
        var elements: [ExprID] = []
        skipNewlines()
        while peek.kind != .rightBracket {
            elements.append(try parseExpression())
            let skipped = skipNewlines()
            if peek.kind == .comma {
                position += 1
                skipNewlines()
                continue
            }
            if peek.kind != .rightBracket { try failUnclosed(open: open, "[", "]", skippedNewline: skipped) }
        }
        let close = advance().range
        return addExpr(.list(elements), open.union(close))
    }

    // MARK: - Helpers

    private var peek: Token { tokens[position] }

    private func peekKind(_ offset: Int) -> Token.Kind {
        let index = position + offset
        return index < tokens.count ? tokens[index].kind : .endOfFile
    }

    @discardableResult
    private mutating func advance() -> Token {
        let token = tokens[position]
        if token.kind != .endOfFile { position += 1 }
        return token
    }

    private mutating func skipSeparators() {
        while peek.kind == .newline || peek.kind == .semicolon { position += 1 }
    }

    /// Inside brackets a new line does not end the statement. Returns whether one was skipped.
    @discardableResult
    private mutating func skipNewlines() -> Bool {
        var skipped = false
        while peek.kind == .newline {
            position += 1
            skipped = true
        }
        return skipped
    }

    /// A bracket left open. When a new line came first, the error goes at that line's end and
    /// parsing resumes there, so the next line is not swallowed.
    private mutating func failUnclosed(open: SourceRange, _ opener: String, _ closer: String, skippedNewline: Bool)
        throws(Failure) -> Never
    {
        if skippedNewline || peek.kind == .endOfFile {
            var index = position - 1
            while index > 0, tokens[index].kind == .newline { index -= 1 }
            if skippedNewline { position = index + 1 }  // resume at the new line
            let end = tokens[index].range.end
            report(.unclosedBracket(open: opener, close: closer), at: SourceRange(start: end, end: end),
                   notes: [.init("'\(opener)' opened here", at: open)])
        } else {
            report(.expected("',' or '\(closer)'", found: describe(peek)), at: peek.range)
        }
        throw Failure()
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
            position += 1
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

    private mutating func addExpr(_ kind: Expr.Kind, _ range: SourceRange, operatorRange: SourceRange? = nil) -> ExprID {
        ast.exprs.append(Expr(kind: kind, range: range, operatorRange: operatorRange))
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
