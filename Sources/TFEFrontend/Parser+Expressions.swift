import TFECore

extension Parser {
    // MARK: - Expressions

    mutating func parseExpression() throws(Failure) -> ExprID {
        try parseComparison()
    }

    mutating func parseComparison() throws(Failure) -> ExprID {
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

    mutating func parseArithmetic() throws(Failure) -> ExprID {
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

    mutating func parseTerm() throws(Failure) -> ExprID {
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

    mutating func parseFactor() throws(Failure) -> ExprID {
        let op: UnaryOperator
        switch peek.kind {
        case .minus: op = .negate
        case .plus: op = .plus
        default: return try parsePostfix()
        }
        let opRange = advance().range
        try enter(opRange)
        defer { depth -= 1 }
        let operand = try parseFactor()
        return try addExpr(.unary(op, operand), opRange.union(ast[operand].range), operatorRange: opRange)
    }

    /// A primary followed by subscripts: `x[0:2, :]`, `f(x)[1]`. The `[` touches the value: `f(a [1])` is a missing
    /// comma before a list, reported as such, not a subscript.
    mutating func parsePostfix() throws(Failure) -> ExprID {
        var base = try parsePrimary()
        while peek.kind == .leftBracket, peek.range.start == ast[base].range.end {
            base = try parseSubscript(base)
        }
        return base
    }

    mutating func parseSubscript(_ base: ExprID) throws(Failure) -> ExprID {
        let open = advance().range
        try enter(open)
        bracketDepth += 1
        defer {
            depth -= 1
            bracketDepth -= 1
        }
        var items: [SliceItem] = []
        repeat {
            items.append(try parseSliceItem())
            if peek.kind == .comma {
                advance()
                continue
            }
            if peek.kind != .rightBracket { try failUnclosed(open: open, "[", "]") }
        } while peek.kind != .rightBracket
        let close = advance().range
        return try addExpr(.subscript(base, items), ast[base].range.union(close))
    }

    /// `k`, `a:b`, `:`, `a:`, `:b`, `a:b:s`, `::s`.
    mutating func parseSliceItem() throws(Failure) -> SliceItem {
        let first = peek.range
        let start = try sliceBound()
        var last = start.map { ast[$0].range } ?? first
        guard peek.kind == .colon else {
            guard let start else {
                report(.expectedExpression(found: describe(peek)), at: peek.range)
                throw Failure()
            }
            return SliceItem(start: start, end: nil, step: nil, isRange: false, range: ast[start].range)
        }
        last = advance().range
        let end = try sliceBound()
        if let end { last = ast[end].range }
        var step: ExprID?
        if peek.kind == .colon {
            last = advance().range
            step = try sliceBound()
            if let step { last = ast[step].range }
        }
        return SliceItem(start: start, end: end, step: step, isRange: true, range: first.union(last))
    }

    /// A slice bound, or nil where it is left out (before ':', ',' or ']').
    private mutating func sliceBound() throws(Failure) -> ExprID? {
        let kind = peek.kind
        if kind == .colon || kind == .comma || kind == .rightBracket { return nil }
        return try parseExpression()
    }

    mutating func parsePrimary() throws(Failure) -> ExprID {
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

    mutating func parseCall() throws(Failure) -> ExprID {
        let nameToken = advance()
        let open = advance().range
        try enter(open)
        defer { depth -= 1 }
        let (arguments, close) = try parseArgumentList(open: open)
        let callee = Name(symbol: intern(nameToken.range), range: nameToken.range)
        return try addExpr(.call(callee, arguments), nameToken.range.union(close))
    }

    /// Arguments after an opening parenthesis, through the closing one (whose range is returned).
    mutating func parseArgumentList(open: SourceRange) throws(Failure) -> ([Argument], SourceRange) {
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

    mutating func parseArgument() throws(Failure) -> Argument {
        // A label may be spelt like a keyword (`player: alice`): before ':' it cannot be one.
        if peek.kind == .identifier || peek.kind.isKeyword, peekKind(1) == .colon {
            let label = Name(symbol: intern(peek.range), range: peek.range)
            advance()
            advance()
            return Argument(label: label, value: try parseExpression())
        }
        return Argument(label: nil, value: try parseExpression())
    }

    mutating func parseList() throws(Failure) -> ExprID {
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
}
