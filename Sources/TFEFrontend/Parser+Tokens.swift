import TFECore

extension Parser {
    // MARK: - Helpers

    // The token helpers are inlined: called as non-mutating members from the parser's mutating methods, each
    // call would otherwise copy the whole parser (a memcpy per token, the largest cost of parsing).

    /// The index of the next token that matters: inside brackets, past any new lines.
    @inline(__always)
    var peekIndex: Int {
        var index = position
        if bracketDepth > 0 { while tokens[index].kind == .newline { index += 1 } }
        return index
    }

    @inline(__always)
    var peek: Token { tokens[peekIndex] }

    @inline(__always)
    func peekKind(_ offset: Int) -> Token.Kind {
        let index = peekIndex + offset
        return index < tokens.count ? tokens[index].kind : .endOfFile
    }

    @discardableResult @inline(__always)
    mutating func advance() -> Token {
        let index = peekIndex
        let token = tokens[index]
        if token.kind != .endOfFile { position = index + 1 }
        return token
    }

    mutating func skipSeparators() {
        while tokens[position].kind == .newline || tokens[position].kind == .semicolon { position += 1 }
    }

    /// A bracket left open. When a new line came first, the error goes at that line's end and parsing
    /// resumes there, so the next line is not swallowed.
    mutating func failUnclosed(open: SourceRange, _ opener: String, _ closer: String) throws(Failure) -> Never {
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
    func separatorHints(_ statement: StmtID) -> [Diagnostic.Note] {
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

    mutating func expect(_ kind: Token.Kind, _ what: String) throws(Failure) -> SourceRange {
        guard peek.kind == kind else {
            if peek.kind != .invalid { report(.expected(what, found: describe(peek)), at: peek.range) }
            throw Failure()
        }
        return advance().range
    }

    mutating func expectName(_ what: String) throws(Failure) -> Name {
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

    mutating func enter(_ range: SourceRange) throws(Failure) {
        depth += 1
        if depth > Parser.maximumDepth {
            report(.tooDeeplyNested, at: range)
            throw Failure()
        }
    }

    /// Skips to the `}` that closes the current block (left for the block to consume).
    mutating func skipToClosingBrace() {
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
    mutating func synchronize() {
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
    func integerValue(_ range: SourceRange) -> Int {
        var value = 0
        for index in range.start..<range.end where ast.source.bytes[index] != UInt8(ascii: "_") {
            value = value &* 10 &+ Int(ast.source.bytes[index] &- UInt8(ascii: "0"))
        }
        return value
    }

    func comparisonOperator(_ kind: Token.Kind) -> BinaryOperator? {
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

    func text(_ range: SourceRange) -> String {
        String(decoding: ast.source.bytes[range.start..<range.end], as: UTF8.self)
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case .identifier, .integer, .decimal: return "'\(text(token.range))'"
        default: return token.kind.spelling
        }
    }

    func unquote(_ range: SourceRange) -> String {
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

    mutating func intern(_ range: SourceRange) -> Symbol {
        symbols.intern(ast.source.bytes, range.start, range.end)
    }

    mutating func addExpr(_ kind: Expr.Kind, _ range: SourceRange, operatorRange: SourceRange? = nil)
        throws(Failure) -> ExprID
    {
        var height: Int32 = 1
        switch kind {
        case .unary(_, let operand): height = exprHeights[operand.rawValue] + 1
        case .binary(_, let lhs, let rhs): height = max(exprHeights[lhs.rawValue], exprHeights[rhs.rawValue]) + 1
        case .list(let elements): height = (elements.map { exprHeights[$0.rawValue] }.max() ?? 0) + 1
        case .call(_, let arguments): height = (arguments.map { exprHeights[$0.value.rawValue] }.max() ?? 0) + 1
        case .subscript(let base, let items):
            let bounds = items.flatMap { [$0.start, $0.end, $0.step].compactMap { $0 } }
            height = (([base] + bounds).map { exprHeights[$0.rawValue] }.max() ?? 0) + 1
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

    mutating func addStmt(_ kind: Stmt.Kind, _ range: SourceRange) -> StmtID {
        ast.stmts.append(Stmt(kind: kind, range: range))
        return StmtID(ast.stmts.count - 1)
    }

    mutating func report(_ error: ParseError, at range: SourceRange, notes: [Diagnostic.Note] = []) {
        diagnostics.append(error, at: range, notes: notes)
    }
}
