import TFECore

/// The `resolve-names` pass: every name and callee in the program, including bodies of functions that are
/// never called and of loops that never run, must refer to something. The checker resolves names again
/// as it executes; this pass finds the mistakes execution never reaches. Identical reports are merged.
///
/// Name sets are arrays indexed by symbol, so the pass costs a few array reads per name.
struct NameResolver {
    let ast: AST
    var diagnostics: Diagnostics
    /// Names every scope can see: players, servers, params, functions, type names.
    var isGlobal: [Bool]
    var isFunction: [Bool]
    var isBuiltin: [Bool]
    /// Names assigned at the top level or in a top-level loop, in any order.
    var isTopLevelAssigned: [Bool]
    /// Top-level names assigned so far, in program order.
    var isVisible: [Bool]
    /// A function's parameters and locals: `localGeneration[s] == generation` while checking its body.
    var localGeneration: [Int]
    var generation = 0
    var inFunction = false

    static func run(_ ast: AST, into diagnostics: inout Diagnostics) {
        var resolver = NameResolver(ast: ast, diagnostics: diagnostics)
        resolver.resolveProgram()
        diagnostics = resolver.diagnostics
    }

    private init(ast: AST, diagnostics: Diagnostics) {
        self.ast = ast
        self.diagnostics = diagnostics
        let count = ast.names.count
        isGlobal = ast.predefined.map { name in
            switch name {
            case .server, .elementType: return true
            case .builtin, .none: return false
            }
        }
        isFunction = [Bool](repeating: false, count: count)
        isBuiltin = ast.predefined.map { $0.builtin != nil }
        isTopLevelAssigned = isFunction
        isVisible = isFunction
        localGeneration = [Int](repeating: -1, count: count)
    }

    private mutating func resolveProgram() {
        for id in ast.topLevel {
            switch ast[id].kind {
            case .player(let names): for name in names { isGlobal[index(name.symbol)] = true }
            case .function(let name, _, _, _): isFunction[index(name.symbol)] = true
            // A param read by an earlier param is "used before it is assigned", not unknown.
            case .param(let name, _): isTopLevelAssigned[index(name.symbol)] = true
            default: break
            }
        }
        collectAssigned(ast.topLevel)
        resolve(ast.topLevel)
    }

    private func index(_ symbol: Symbol) -> Int { Int(symbol.rawValue) }

    private mutating func collectAssigned(_ statements: [StmtID]) {
        for id in statements {
            switch ast[id].kind {
            case .assign(let name, _): isTopLevelAssigned[index(name.symbol)] = true
            case .for(_, _, _, let body): collectAssigned(body)
            default: break
            }
        }
    }

    private func isDefined(_ symbol: Symbol) -> Bool {
        let i = index(symbol)
        if isGlobal[i] || isFunction[i] { return true }
        if inFunction { return localGeneration[i] == generation || isTopLevelAssigned[i] }
        return isVisible[i]
    }

    private mutating func define(_ symbol: Symbol) {
        if inFunction { localGeneration[index(symbol)] = generation } else { isVisible[index(symbol)] = true }
    }

    /// Resolves statements in order; each assignment makes its name visible to what follows.
    private mutating func resolve(_ statements: [StmtID]) {
        for id in statements {
            switch ast[id].kind {
            case .param(let name, let value):
                resolve(value)
                isGlobal[index(name.symbol)] = true
            case .fixedpoint(let arguments):
                for argument in arguments { resolve(argument.value) }
            case .function(_, let parameters, let body, let result):
                generation += 1
                inFunction = true
                for parameter in parameters { define(parameter.symbol) }
                resolve(body)
                resolve(result)
                inFunction = false
            case .assign(let name, let value):
                resolve(value)
                define(name.symbol)
            case .for(let variable, let lower, let upper, let body):
                resolve(lower)
                resolve(upper)
                let wasDefined = isDefined(variable.symbol)
                define(variable.symbol)
                resolve(body)
                if !wasDefined, !inFunction { isVisible[index(variable.symbol)] = false }
            case .expression(let expression):
                resolve(expression)
            case .protocol, .player, .error:
                break
            }
        }
    }

    private mutating func resolve(_ id: ExprID) {
        let expression = ast[id]
        switch expression.kind {
        case .name(let symbol):
            if isDefined(symbol) { return }
            let name = ast.name(symbol)
            if isTopLevelAssigned[index(symbol)] {
                diagnostics.append(NameError.usedBeforeAssignment(name), at: expression.range)
            } else if ast.predefined(symbol).builtin != nil {
                diagnostics.append(NameError.notAValue(name, what: "a built-in function"), at: expression.range)
            } else {
                let candidates = ast.names.indices.filter {
                    (isGlobal[$0] || isDefined(Symbol(rawValue: Int32($0)))) && !["int", "fixed"].contains(ast.names[$0])
                }.map { ast.names[$0] }.sorted()
                diagnostics.append(NameError.unknownName(name), at: expression.range, notes: suggestion(name, candidates))
            }
        case .list(let elements):
            for element in elements { resolve(element) }
        case .unary(_, let operand):
            resolve(operand)
        case .subscript(let base, let items):
            resolve(base)
            for item in items {
                for bound in [item.start, item.end, item.step] { if let bound { resolve(bound) } }
            }
        case .binary(_, let lhs, let rhs):
            resolve(lhs)
            resolve(rhs)
        case .call(let callee, let arguments):
            if !isFunction[index(callee.symbol)], !isBuiltin[index(callee.symbol)] {
                let name = ast.name(callee.symbol)
                let functions = ast.names.indices.filter { isFunction[$0] }.map { ast.names[$0] }.sorted()
                diagnostics.append(NameError.unknownFunction(name), at: callee.range,
                                   notes: suggestion(name, functions + Builtin.allCases.map(\.rawValue)))
            }
            for argument in arguments {
                // `dtype: float32` names a choice, not a variable; the checker lists the choices.
                if let label = argument.label, ast.name(label.symbol) == "dtype", case .name = ast[argument.value].kind {
                    continue
                }
                resolve(argument.value)
            }
        case .integer, .decimal, .string, .error:
            break
        }
    }

    private func suggestion(_ name: String, _ candidates: [String]) -> [Diagnostic.Note] {
        Suggestion.closest(to: name, in: candidates).map { [Diagnostic.Note("did you mean '\($0)'?")] } ?? []
    }
}
