import TFECore

extension Checker {
    // MARK: - Argument kinds

    /// A tensor argument (constants become constant values).
    mutating func tensor(_ expression: ExprID) -> ValueID? {
        tensorOperand(evaluate(expression), at: ast[expression].range)
    }

    mutating func expectPlayer(_ expression: ExprID, role: String) -> PlayerID? {
        let text = ast.source.text(ast[expression].range)
        if case .name(let symbol) = ast[expression].kind, players[symbol] == nil,
            !PlayerID.serverNames.contains(text), reservedMeaning(of: symbol) == nil, !isBound(symbol)
        {
            report(NameError.unknownName(text), at: ast[expression].range,
                   notes: suggestion(for: text, among: Array(program.players.dropFirst(3))))
            return nil
        }
        switch evaluate(expression) {
        case .player(let player):
            if player.rawValue < 3 {
                report(NameError.serverAsPlayer(text, role: role), at: ast[expression].range)
                return nil
            }
            return player
        case .error:
            return nil
        default:
            report(NameError.notAPlayer(text), at: ast[expression].range,
                   notes: suggestion(for: text, among: Array(program.players.dropFirst(3))))
            return nil
        }
    }

    func isBound(_ symbol: Symbol) -> Bool {
        environment.lookup(symbol) != nil
    }

    /// Whether a stored value's name can be a file name on the servers; reports it when not.
    mutating func checkStoredName(_ name: String, at range: SourceRange) -> Bool {
        guard StoredName.isValid(name) else {
            report(NameError.invalidStoredName(name), at: range)
            return false
        }
        return true
    }

    mutating func expectString(_ expression: ExprID, what: String) -> String? {
        switch evaluate(expression) {
        case .string(let text): return text
        case .error: return nil
        default:
            report(NameError.expectedString(what: what), at: ast[expression].range)
            return nil
        }
    }

    mutating func expectInteger(_ expression: ExprID, what: String) -> Int? {
        switch evaluate(expression) {
        case .integer(let value): return value
        case .error: return nil
        default:
            report(NameError.expectedConstantInteger(what: what), at: ast[expression].range)
            return nil
        }
    }

    /// A shape list whose dimensions are positive and whose element count is bounded.
    mutating func expectShape(_ expression: ExprID, allowInferred: Bool = false) -> Shape? {
        switch evaluate(expression) {
        case .list(let dimensions):
            for dimension in dimensions where dimension < 1 && !(allowInferred && dimension == -1) {
                report(ShapeError.invalidDimension(dimension), at: ast[expression].range)
                return nil
            }
            let shape = Shape(dimensions)
            if !allowInferred, shape.elementCount == nil {
                report(ShapeError.shapeTooLarge(shape), at: ast[expression].range)
                return nil
            }
            return shape
        case .error:
            return nil
        case .integer:
            report(NameError.expectedShape(found: "an integer"), at: ast[expression].range)
        case .decimal:
            report(NameError.expectedShape(found: "a number"), at: ast[expression].range)
        case .string:
            report(NameError.expectedShape(found: "a string"), at: ast[expression].range)
        case .value:
            report(NameError.expectedShape(found: "a tensor value"), at: ast[expression].range)
        case .player, .function, .elementType, .effect:
            report(NameError.expectedShape(found: "'\(ast.source.text(ast[expression].range))'"),
                   at: ast[expression].range)
        }
        return nil
    }

    /// `dtype: int` or `dtype: fixed` (a bare word, or a string).
    mutating func expectElementType(_ expression: ExprID) -> ElementType? {
        // A bare word that names nothing (`dtype: float32`) is a wrong choice, not an unknown variable.
        if case .name(let symbol) = ast[expression].kind, ElementType(rawValue: ast.name(symbol)) == nil,
            reservedMeaning(of: symbol) == nil, !isBound(symbol), !isTopLevelName[Int(symbol.rawValue)]
        {
            report(NameError.invalidOption(what: "dtype", value: ast.name(symbol), choices: "'fixed' or 'int'"),
                   at: ast[expression].range)
            return nil
        }
        let evaluated = evaluate(expression)
        switch evaluated {
        case .elementType(let element): return element
        case .string(let text) where ElementType(rawValue: text) != nil: return ElementType(rawValue: text)
        case .error: return nil
        default:
            let text = ast.source.text(ast[expression].range)
            report(NameError.invalidOption(what: "dtype", value: text, choices: "'fixed' or 'int'"),
                   at: ast[expression].range)
            return nil
        }
    }

    mutating func expectPadding(_ expression: ExprID?) -> Padding? {
        guard let expression else { return .valid }
        guard let text = expectString(expression, what: "padding") else { return nil }
        if let padding = Padding(rawValue: text.uppercased()) { return padding }
        report(NameError.invalidOption(what: "padding", value: text, choices: "\"SAME\" or \"VALID\""),
               at: ast[expression].range)
        return nil
    }
}
