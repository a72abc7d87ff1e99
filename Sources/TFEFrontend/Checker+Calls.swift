import TFECore

extension Checker {
    // MARK: - Calls

    mutating func call(_ callee: Name, _ arguments: [Argument], range: SourceRange, target: String?) -> Evaluated {
        let name = ast.name(callee.symbol)
        if failedFunctions.contains(callee.symbol) || conflictingNames.contains(callee.symbol) {
            for argument in arguments { _ = evaluate(argument.value) }
            return .error
        }
        if let function = functions[callee.symbol] {
            return inline(function, callee: callee, arguments, range: range)
        }
        guard let builtin = builtins[Int(callee.symbol.rawValue)] else {
            let candidates = functions.keys.map { ast.name($0) }.sorted() + Builtin.allCases.map(\.rawValue)
            report(NameError.unknownFunction(name), at: callee.range, notes: suggestion(for: name, among: candidates))
            for argument in arguments { _ = evaluate(argument.value) }
            return .error
        }
        if builtin == .print { return checkPrint(arguments, range: range) }
        if builtin == .concat { return checkConcat(arguments, range: range) }
        guard let bound = bind(arguments, to: builtin, callee: callee, range: range) else {
            // The arguments are still read, so the values they name do not look unused.
            for argument in arguments { _ = evaluate(argument.value) }
            return .error
        }
        return checkBuiltin(builtin, bound, range: range, target: target)
    }

    /// Inlines a user function: arguments are checked in the caller's scope, the body in a fresh one.
    mutating func inline(_ function: StmtID, callee: Name, _ arguments: [Argument], range: SourceRange)
        -> Evaluated
    {
        guard case .function(let name, let parameters, let body, let result) = ast[function].kind else { return .error }
        let text = ast.name(name.symbol)
        if callStack.contains(where: { $0.symbol == callee.symbol }) {
            report(NameError.recursiveCall(text), at: callee.range, notes: [.init("'\(text)' defined here", at: name.range)])
            return .error
        }
        var values = [Evaluated?](repeating: nil, count: parameters.count)
        var failed = false
        for (index, argument) in arguments.enumerated() {
            let value = evaluate(argument.value)
            var slot = index
            if let label = argument.label {
                guard let position = parameters.firstIndex(where: { $0.symbol == label.symbol }) else {
                    let labelText = ast.name(label.symbol)
                    report(NameError.unknownArgumentLabel(label: labelText, callee: text), at: label.range,
                           notes: suggestion(for: labelText, among: parameters.map { ast.name($0.symbol) }))
                    failed = true
                    continue
                }
                slot = position
            }
            guard slot < parameters.count, values[slot] == nil else {
                if slot < parameters.count, let label = argument.label {
                    report(NameError.duplicateArgument(label: ast.name(label.symbol), callee: text), at: label.range)
                    failed = true
                }
                continue
            }
            values[slot] = value
        }
        if failed { return .error }
        if arguments.count != parameters.count {
            let expected = parameters.count == 1 ? "1 argument" : "\(parameters.count) arguments"
            report(NameError.wrongArgumentCount(callee: text, expected: expected, found: arguments.count), at: range,
                   notes: [.init("'\(text)' defined here", at: name.range)])
            return .error
        }
        if values.contains(where: { $0 == nil || $0!.isError }) { return .error }
        if callStack.count >= Checker.maximumCallDepth {
            report(NameError.callsTooDeep(Checker.maximumCallDepth), at: callee.range)
            return .error
        }
        guard spendWork(at: range) else { return .error }
        environment.pushFunction(parameters.map(\.symbol), values.map { Binding(value: $0!) })
        callStack.append((callee.symbol, range))
        for statement in body {
            execute(statement)
            if workLimitReported { break }
        }
        let value = workLimitReported ? .error : evaluate(result)
        callStack.removeLast()
        environment.pop()
        return value
    }

    /// Matches arguments to a built-in's parameters by position and label.
    mutating func bind(_ arguments: [Argument], to builtin: Builtin, callee: Name, range: SourceRange)
        -> BoundArguments?
    {
        let signature = builtin.signature
        var bound = BoundArguments(names: signature.names)
        // `private_input(P, SHAPE)` and `output(P, v)` leave out the optional name in the middle.
        var skipsName = false
        if signature.names.count > 2, signature.names[1] == "name", arguments.count >= 2,
            arguments[0].label == nil, arguments[1].label == nil, arguments.count == 2 || arguments[2].label != nil
        {
            skipsName = true
        }
        var failed = false
        for (position, argument) in arguments.enumerated() {
            let slot: Int
            if let label = argument.label {
                guard let index = signature.names.firstIndex(of: ast.name(label.symbol)) else {
                    let text = ast.name(label.symbol)
                    report(NameError.unknownArgumentLabel(label: text, callee: builtin.rawValue), at: label.range,
                           notes: suggestion(for: text, among: signature.names))
                    failed = true
                    continue
                }
                slot = index
            } else {
                slot = skipsName && position >= 1 ? position + 1 : position
                guard slot < signature.names.count else {
                    report(NameError.wrongArgumentCount(callee: builtin.rawValue, expected: builtin.arityDescription,
                                                        found: arguments.count), at: range)
                    return nil
                }
            }
            if bound.values[slot] != nil {
                report(NameError.duplicateArgument(label: signature.names[slot], callee: builtin.rawValue),
                       at: argument.label?.range ?? ast[argument.value].range)
                failed = true
                continue
            }
            bound.values[slot] = argument.value
        }
        if failed { return nil }
        for (slot, isOptional) in signature.optional.enumerated() where !isOptional && bound.values[slot] == nil {
            report(NameError.wrongArgumentCount(callee: builtin.rawValue, expected: builtin.arityDescription,
                                                found: arguments.count), at: range)
            return nil
        }
        return bound
    }
}
