import TFECore

/// Builds the `AST` by recursive descent. Each `parseX()` follows the grammar rule `X` of
/// `Grammar/tfe.ebnf` (a test keeps the two in step). A syntax error is reported once, and the parser
/// resumes at the next statement boundary, so independent errors are all reported.
public struct Parser {
    var tokens: [Token]
    var position = 0
    var ast: AST
    var diagnostics: Diagnostics
    var symbols = SymbolTable()
    var depth = 0
    /// Inside parentheses or brackets, new lines do not separate statements: `peek` looks past them.
    var bracketDepth = 0
    /// The height of each expression's tree, parallel to `ast.exprs`.
    var exprHeights: [Int32] = []

    /// Brackets and blocks nested deeper than this are rejected rather than risking the stack.
    static let maximumDepth = 256
    /// Expression trees deeper than this (a chain of 1,000 `+` is 1,000 deep) are rejected: later passes
    /// walk them recursively.
    static let maximumExpressionDepth = 1_000

    /// Where a statement sits, which decides what it may be.
    enum Context { case topLevel, function, loop }

    /// Unwinds a statement after its syntax error was reported.
    struct Failure: Error {}

    /// Lexes and parses a whole file; diagnostics are appended to `diagnostics`.
    public static func parse(_ source: SourceFile, into diagnostics: inout Diagnostics) -> AST {
        let tokens = Lexer.tokenize(source, into: &diagnostics)
        var parser = Parser(tokens: tokens, ast: AST(source: source), diagnostics: diagnostics)
        parser.parseProgram()
        parser.ast.names = parser.symbols.names
        diagnostics = parser.diagnostics
        return parser.ast
    }

    init(tokens: [Token], ast: AST, diagnostics: Diagnostics) {
        self.tokens = tokens
        self.ast = ast
        self.diagnostics = diagnostics
        self.ast.exprs.reserveCapacity(tokens.count)
        self.ast.stmts.reserveCapacity(tokens.count / 4 + 1)
        // Distinct names are far fewer than tokens, and those of unrolled programs (`c12`) mostly end in numbers,
        // which the symbol table keeps apart: start its hash table small rather than zero megabytes for it.
        self.symbols = SymbolTable(capacity: tokens.count / 32)
    }

    // MARK: - Statements

    mutating func parseProgram() {
        ast.topLevel = statementList(in: .topLevel, until: .endOfFile)
    }

    /// Statements separated by new lines or `;`, up to `end` (not consumed). In a function body it also
    /// stops at `return`, which `parseBlock` handles.
    mutating func statementList(in context: Context, until end: Token.Kind) -> [StmtID] {
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

    mutating func parseStatement(in context: Context) throws(Failure) -> StmtID {
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

    mutating func topLevelOnly(
        in context: Context, _ keyword: String, _ body: (inout Parser) throws(Failure) -> StmtID
    ) throws(Failure) -> StmtID {
        if context != .topLevel {
            report(.declarationNotAtTopLevel(keyword), at: peek.range)
            throw Failure()
        }
        return try body(&self)
    }

    mutating func parseProtocolDecl() throws(Failure) -> StmtID {
        let start = advance().range
        let name = try expectName("a protocol name")
        return addStmt(.protocol(name), start.union(name.range))
    }

    mutating func parseFixedpointDecl() throws(Failure) -> StmtID {
        let start = advance().range
        let open = try expect(.leftParen, "'('")
        let (arguments, close) = try parseArgumentList(open: open)
        return addStmt(.fixedpoint(arguments), start.union(close))
    }

    mutating func parsePlayerDecl() throws(Failure) -> StmtID {
        let start = advance().range
        var names = [try expectName("a player name")]
        while peek.kind == .comma {
            advance()
            names.append(try expectName("a player name"))
        }
        return addStmt(.player(names), start.union(names[names.count - 1].range))
    }

    mutating func parseParamDecl() throws(Failure) -> StmtID {
        let start = advance().range
        let name = try expectName("a parameter name")
        _ = try expect(.equal, "'='")
        let value = try parseExpression()
        return addStmt(.param(name, value), start.union(ast[value].range))
    }

    mutating func parseFunctionDecl() throws(Failure) -> StmtID {
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

    mutating func parseParameterList(open: SourceRange) throws(Failure) -> [Name] {
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
    mutating func parseBlock(in context: Context)
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

    mutating func parseForStatement(in context: Context) throws(Failure) -> StmtID {
        let start = advance().range
        let variable = try expectName("a loop variable")
        _ = try expect(.kwIn, "'in'")
        let lower = try parseArithmetic()
        _ = try expect(.dotDotLess, "'..<' (loops are written 'for i in 0..<N')")
        let upper = try parseArithmetic()
        let block = try parseBlock(in: .loop)
        return addStmt(.for(variable, lower: lower, upper: upper, body: block.statements), start.union(block.close))
    }

    mutating func parseSimpleStatement() throws(Failure) -> StmtID {
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
}
