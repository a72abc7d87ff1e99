import TFECore

/// The `resolve-names` pass: every name and callee in the program, including bodies of functions that are
/// never called and of loops that never run, must refer to something. The checker resolves names again
/// as it executes; this pass finds the mistakes execution never reaches. Identical reports are merged.
struct NameResolver {
    let ast: AST
    var diagnostics: Diagnostics
    /// Names every scope can see: players, servers, params, functions, type names.
    var globals = Set<String>()
    var functions = Set<String>()
    /// Every name assigned at the top level or in a top-level loop, in any order.
    var topLevelAssigned = Set<String>()

    static func run(_ ast: AST, into diagnostics: inout Diagnostics) {
        var resolver = NameResolver(ast: ast, diagnostics: diagnostics)
        resolver.resolveProgram()
        diagnostics = resolver.diagnostics
    }

    private mutating func resolveProgram() {
        globals = Set(PlayerID.serverNames + ["int", "fixed"])
        for id in ast.topLevel {
            switch ast[id].kind {
            case .player(let names): globals.formUnion(names.map { ast.name($0.symbol) })
            case .function(let name, _, _, _): functions.insert(ast.name(name.symbol))
            // A param read by an earlier param is "used before it is assigned", not unknown.
            case .param(let name, _): topLevelAssigned.insert(ast.name(name.symbol))
            default: break
            }
        }
        collectAssigned(ast.topLevel)
        var visible = Set<String>()
        resolve(ast.topLevel, visible: &visible, inFunction: false)
    }

    private mutating func collectAssigned(_ statements: [StmtID]) {
        for id in statements {
            switch ast[id].kind {
            case .assign(let name, _): topLevelAssigned.insert(ast.name(name.symbol))
            case .for(_, _, _, let body): collectAssigned(body)
            default: break
            }
        }
    }

    /// Resolves statements in order; `visible` grows with each assignment.
    private mutating func resolve(_ statements: [StmtID], visible: inout Set<String>, inFunction: Bool) {
        for id in statements {
            switch ast[id].kind {
            case .param(let name, let value):
                resolve(value, visible: visible, inFunction: inFunction)
                globals.insert(ast.name(name.symbol))
            case .fixedpoint(let arguments):
                for argument in arguments { resolve(argument.value, visible: visible, inFunction: inFunction) }
            case .function(_, let parameters, let body, let result):
                var locals = Set(parameters.map { ast.name($0.symbol) })
                resolve(body, visible: &locals, inFunction: true)
                resolve(result, visible: locals, inFunction: true)
            case .assign(let name, let value):
                resolve(value, visible: visible, inFunction: inFunction)
                visible.insert(ast.name(name.symbol))
            case .for(let variable, let lower, let upper, let body):
                resolve(lower, visible: visible, inFunction: inFunction)
                resolve(upper, visible: visible, inFunction: inFunction)
                let name = ast.name(variable.symbol)
                let shadowed = visible.contains(name)
                visible.insert(name)
                resolve(body, visible: &visible, inFunction: inFunction)
                if !shadowed { visible.remove(name) }
            case .expression(let expression):
                resolve(expression, visible: visible, inFunction: inFunction)
            case .protocol, .player, .error:
                break
            }
        }
    }

    private mutating func resolve(_ id: ExprID, visible: Set<String>, inFunction: Bool) {
        let expression = ast[id]
        switch expression.kind {
        case .name(let symbol):
            let name = ast.name(symbol)
            if visible.contains(name) || globals.contains(name) || functions.contains(name) { return }
            if inFunction && topLevelAssigned.contains(name) { return }
            if topLevelAssigned.contains(name) {
                diagnostics.append(NameError.usedBeforeAssignment(name), at: expression.range)
            } else if Builtin(rawValue: name) != nil {
                diagnostics.append(NameError.notAValue(name, what: "a built-in function"), at: expression.range)
            } else {
                let candidates = (visible.union(globals).subtracting(["int", "fixed"])).sorted()
                let notes = Suggestion.closest(to: name, in: candidates).map { [Diagnostic.Note("did you mean '\($0)'?")] }
                diagnostics.append(NameError.unknownName(name), at: expression.range, notes: notes ?? [])
            }
        case .list(let elements):
            for element in elements { resolve(element, visible: visible, inFunction: inFunction) }
        case .unary(_, let operand):
            resolve(operand, visible: visible, inFunction: inFunction)
        case .binary(_, let lhs, let rhs):
            resolve(lhs, visible: visible, inFunction: inFunction)
            resolve(rhs, visible: visible, inFunction: inFunction)
        case .call(let callee, let arguments):
            let name = ast.name(callee.symbol)
            if !functions.contains(name), Builtin(rawValue: name) == nil {
                let candidates = functions.sorted() + Builtin.allCases.map(\.rawValue)
                let notes = Suggestion.closest(to: name, in: candidates).map { [Diagnostic.Note("did you mean '\($0)'?")] }
                diagnostics.append(NameError.unknownFunction(name), at: callee.range, notes: notes ?? [])
            }
            for argument in arguments {
                // `dtype: float32` names a choice, not a variable; the checker lists the choices.
                if let label = argument.label, ast.name(label.symbol) == "dtype", case .name = ast[argument.value].kind {
                    continue
                }
                resolve(argument.value, visible: visible, inFunction: inFunction)
            }
        case .integer, .decimal, .string, .error:
            break
        }
    }
}
