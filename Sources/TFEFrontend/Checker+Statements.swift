import TFECore

extension Checker {
    // MARK: - Statements

    mutating func execute(_ id: StmtID) {
        guard spendWork(at: ast[id].range) else { return }
        let statement = ast[id]
        switch statement.kind {
        case .protocol, .fixedpoint, .player, .param, .function, .error:
            break
        case .assign(let name, let value):
            assign(name, evaluate(value, target: ast.name(name.symbol)), valueRange: ast[value].range, statement: id)
        case .for(let variable, let lower, let upper, let body):
            executeLoop(variable, lower: lower, upper: upper, body: body)
        case .expression(let expression):
            executeExpressionStatement(expression)
        }
    }

    mutating func executeExpressionStatement(_ id: ExprID) {
        let expression = ast[id]
        if case .call(let callee, _) = expression.kind,
            let builtin = builtins[Int(callee.symbol.rawValue)],
            builtin == .output || builtin == .store || builtin == .print
        {
            _ = evaluate(id)
            return
        }
        let result = evaluate(id)
        if !result.isError, !isUserFunctionCall(expression) || isValue(result) {
            report(CheckWarning.unusedExpression, at: expression.range)
        }
    }

    func isUserFunctionCall(_ expression: Expr) -> Bool {
        if case .call(let callee, _) = expression.kind { return functions[callee.symbol] != nil }
        return false
    }

    func isValue(_ evaluated: Evaluated) -> Bool {
        if case .value = evaluated { return true }
        return false
    }

    mutating func executeLoop(_ variable: Name, lower: ExprID, upper: ExprID, body: [StmtID]) {
        let bounds = [lower, upper].map { bound -> Int? in
            switch evaluate(bound) {
            case .integer(let value): return value
            case .error: return nil
            default:
                report(NameError.expectedConstantInteger(what: "a loop bound"), at: ast[bound].range)
                return nil
            }
        }
        guard let from = bounds[0], let to = bounds[1], from < to else { return }
        let name = ast.name(variable.symbol)
        if let what = reservedMeaning(of: variable.symbol) {
            report(NameError.cannotAssign(name, what: what), at: variable.range)
            return
        }
        // An empty body does nothing and spends no work, so running it could take unbounded time.
        if body.isEmpty { return }
        // Each iteration executes at least every statement of the body: when that alone passes the limit,
        // say so now rather than after minutes of unrolling.
        let (minimum, overflow) = (to - from).multipliedReportingOverflow(by: minimumWork(of: body))
        if overflow || minimum > options.workLimit - work {
            workLimitReported = true
            report(NameError.unrollLimit(options.workLimit), at: variable.range.union(ast[upper].range))
            return
        }
        for index in from..<to {
            environment.pushLoop(variable.symbol, Binding(value: .integer(index)))
            for statement in body {
                execute(statement)
                if workLimitReported { break }
            }
            environment.pop()
            if workLimitReported { return }
        }
    }

    /// Inlined calls nest at most this deep (each level is a stack frame of the checker).
    static let maximumCallDepth = 200

    /// A lower bound on the work of executing statements once: one per statement, times the iteration
    /// count of inner loops whose bounds are literals or params. Saturates instead of overflowing.
    func minimumWork(of statements: [StmtID]) -> Int {
        var total = 0
        for id in statements {
            var cost = 1
            if case .for(_, let lower, let upper, let body) = ast[id].kind,
                let from = staticInteger(lower), let to = staticInteger(upper), to > from
            {
                let (product, overflow) = (to - from).multipliedReportingOverflow(by: minimumWork(of: body))
                cost = overflow ? Int.max / 2 : max(1, product)
            }
            total = min(Int.max / 2, total + cost)
        }
        return total
    }

    /// The value of an integer literal or param, without reporting anything.
    func staticInteger(_ id: ExprID) -> Int? {
        switch ast[id].kind {
        case .integer(let value): return value
        case .name(let symbol): return params[symbol]
        default: return nil
        }
    }

    /// Charges one unit of work; past the limit, reports once and stops execution.
    mutating func spendWork(at range: SourceRange) -> Bool {
        work += 1
        if work <= options.workLimit { return true }
        if !workLimitReported {
            workLimitReported = true
            report(NameError.unrollLimit(options.workLimit), at: range)
        }
        return false
    }

    // MARK: - Names

    /// What a name means if it cannot be a variable: "a player", "a param", "a function".
    func reservedMeaning(of symbol: Symbol) -> String? {
        let predefined = ast.predefined(symbol)
        if players[symbol] != nil { return "a player" }
        if case .server = predefined { return "a player" }
        if params[symbol] != nil { return "a param" }
        if functions[symbol] != nil { return "a function" }
        if case .elementType = predefined { return "an element type" }
        return nil
    }

    mutating func assign(_ name: Name, _ value: Evaluated, valueRange: SourceRange, statement: StmtID) {
        let text = ast.name(name.symbol)
        if let what = reservedMeaning(of: name.symbol) {
            report(NameError.cannotAssign(text, what: what), at: name.range)
            return
        }
        var value = value
        // Players, functions and element types are names, not values: `h = dense` is a mistake at `dense`.
        let notAValue: String?
        switch value {
        case .player: notAValue = "a player"
        case .function: notAValue = "a function"
        case .elementType: notAValue = "an element type"
        default: notAValue = nil
        }
        if let what = notAValue {
            report(NameError.notAValue(ast.source.text(valueRange), what: what), at: valueRange)
            value = .error
        }
        if case .effect(let builtin) = value {
            report(NameError.expectedTensor(found: "the result of '\(builtin.rawValue)', which has none"),
                   at: valueRange)
            value = .error
        }
        // A loop variable is a constant of its loop.
        if environment.isLoopVariable(name.symbol) {
            report(NameError.cannotAssign(text, what: "a loop variable"), at: name.range)
            return
        }
        if case .value(let id) = value, program.operations[id.rawValue].name == nil {
            program.operations[id.rawValue].name = text
        }
        assignments.append(Assignment(statement: statement, name: text, range: name.range, value: value))
        environment.assign(name.symbol, Binding(value: value, assignment: assignments.count - 1))
    }

    /// Resolves a name used as a value.
    mutating func lookup(_ symbol: Symbol, at range: SourceRange) -> Evaluated {
        if let binding = environment.lookup(symbol) {
            if let assignment = binding.assignment { assignments[assignment].used = true }
            return binding.value
        }
        if conflictingNames.contains(symbol) { return .error }
        if let value = params[symbol] { return .integer(value) }
        if let player = players[symbol] { return .player(player) }
        let text = ast.name(symbol)
        let predefined = ast.predefined(symbol)
        if case .server(let server) = predefined { return .player(server) }
        if functions[symbol] != nil { return .function(symbol) }
        if case .elementType(let element) = predefined { return .elementType(element) }
        if failedParams.contains(symbol) { return .error }
        if isTopLevelName[Int(symbol.rawValue)] {
            usedBeforeAssignment.insert(text)
            report(NameError.usedBeforeAssignment(text), at: range)
        } else if Builtin(rawValue: text) != nil {
            report(NameError.notAValue(text, what: "a built-in function"), at: range)
        } else {
            report(NameError.unknownName(text), at: range, notes: suggestion(for: text, among: visibleNames()))
        }
        return .error
    }

    /// Names a misspelling could have meant: variables in scope, params and players.
    func visibleNames() -> [String] {
        var names: [String] = []
        names += environment.boundSymbols.map { ast.name($0) }
        names += params.keys.map { ast.name($0) }
        names += program.players
        return names.sorted()
    }

    func suggestion(for name: String, among candidates: [String]) -> [Diagnostic.Note] {
        guard let match = Suggestion.closest(to: name, in: candidates) else { return [] }
        return [.init("did you mean '\(match)'?")]
    }
}
