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
        guard let bound = bind(arguments, to: builtin, callee: callee, range: range) else {
            // The arguments are still read, so the values they name do not look unused.
            for argument in arguments { _ = evaluate(argument.value) }
            return .error
        }
        return checkBuiltin(builtin, bound, range: range, target: target)
    }

    /// Inlines a user function: arguments are checked in the caller's scope, the body in a fresh one.
    private mutating func inline(_ function: StmtID, callee: Name, _ arguments: [Argument], range: SourceRange)
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
    private mutating func bind(_ arguments: [Argument], to builtin: Builtin, callee: Name, range: SourceRange)
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

    // MARK: - Built-ins

    private mutating func checkBuiltin(_ builtin: Builtin, _ arguments: BoundArguments, range: SourceRange,
                                       target: String?) -> Evaluated {
        switch builtin {
        case .privateInput, .publicInput, .input:
            return checkInput(builtin, arguments, range: range, target: target)
        case .load:
            let name = arguments["name"].flatMap { expectString($0, what: "the stored value's name") }
            let shape = arguments["shape"].flatMap { expectShape($0) }
            let element = arguments["dtype"].map { expectElementType($0) } ?? .fixed
            let nameRange = arguments["name"].map { ast[$0].range } ?? range
            guard let name, let shape, let element, checkStoredName(name, at: nameRange) else { return .error }
            if let stored = storeNames[name] {
                // Loading what this program stores is that value: the file is written after the run.
                let storedType = type(of: stored.value)
                guard storedType.element == element, storedType.shape == shape else {
                    report(ShapeError.loadMismatch(
                               name: name, stored: "\(storedType.element.rawValue) \(storedType.shape)",
                               loaded: "\(element.rawValue) \(shape)"),
                           at: range, notes: [.init("stored here", at: stored.range)])
                    return .error
                }
                return .value(stored.value)
            }
            return emit(.load(name: name), type: ValueType(element, shape, .private), at: range)
        case .store:
            let name = arguments["name"].flatMap { expectString($0, what: "the stored value's name") }
            guard let valueExpression = arguments["value"], let value = tensor(valueExpression), let name,
                checkStoredName(name, at: arguments["name"].map { ast[$0].range } ?? range)
            else {
                return .error
            }
            let placement = type(of: value).placement
            guard placement == .private else {
                report(PlacementError.storeNeedsPrivate(describe(placement)), at: ast[valueExpression].range)
                return .error
            }
            if let previous = storeNames[name] {
                report(NameError.duplicateStore(name), at: range,
                       notes: repeatNotes(previous: previous.range, range: range, first: "first stored here",
                                          move: "after"))
                return .error
            }
            storeNames[name] = (range, value)
            return emitEffect(.store(name: name, value), of: .store, at: range)
        case .output:
            return checkOutput(arguments, range: range)
        case .share:
            guard let expression = arguments["value"], let value = tensor(expression) else { return .error }
            let valueType = type(of: value)
            switch valueType.placement {
            case .public, .local:
                return emit(.share(value), type: ValueType(valueType.element, valueType.shape, .private), at: range)
            case .private:
                report(PlacementError.shareNeedsPlaintext(describe(valueType.placement)), at: ast[expression].range)
                return .error
            case .constant:
                report(PlacementError.shareNeedsPlaintext(describe(valueType.placement)), at: ast[expression].range,
                       notes: [.init("a constant needs no 'share': it combines with private values as it is")])
                return .error
            }
        case .reveal:
            guard let expression = arguments["value"], let value = tensor(expression) else { return .error }
            var player: PlayerID?
            if let playerExpression = arguments["player"] {
                guard let receiver = expectPlayer(playerExpression, role: "receive a revealed value") else {
                    return .error
                }
                player = receiver
            }
            let valueType = type(of: value)
            guard valueType.placement == .private else {
                report(PlacementError.revealNeedsPrivate(describe(valueType.placement)), at: ast[expression].range)
                return .error
            }
            let placement: Placement = player.map { .local($0) } ?? .public
            return emit(.reveal(value, to: player), type: ValueType(valueType.element, valueType.shape, placement),
                        at: range)
        case .matmul:
            guard let a = arguments["a"], let b = arguments["b"] else { return .error }
            let left = evaluate(a), right = evaluate(b)
            guard !left.isError, !right.isError else { return .error }
            if case .value = left {} else if case .value = right {} else {
                report(ShapeError.matmulRank(.scalar), at: ast[a].range)
                return .error
            }
            return binary(.matmul, left, right, operatorRange: range, lhs: a, rhs: b, range: range)
        case .square, .sigmoid, .relu, .reluApprox, .reluDeriv, .exp, .log:
            return checkElementwise(builtin, arguments, range: range)
        case .transpose, .reshape, .flatten:
            return checkLayout(builtin, arguments, range: range)
        case .sum, .mean, .softmax, .argmax:
            return checkReduction(builtin, arguments, range: range)
        case .conv2d:
            return checkConv2D(arguments, range: range)
        case .avgpool2d, .maxpool2d:
            return checkPool(builtin, arguments, range: range)
        case .maxpool2dGrad:
            return checkPoolGradient(arguments, range: range)
        case .where:
            return checkWhere(arguments, range: range)
        case .print:
            return .error  // handled by checkPrint
        }
    }

    private mutating func checkInput(_ builtin: Builtin, _ arguments: BoundArguments, range: SourceRange,
                                     target: String?) -> Evaluated {
        let player = arguments["player"].flatMap { expectPlayer($0, role: "provide inputs") }
        var name: String?
        if let nameExpression = arguments["name"] {
            name = expectString(nameExpression, what: "an input's name")
            if name == nil { return .error }
        } else if let target {
            name = target
        } else {
            report(NameError.inputNeedsName(builtin.rawValue), at: range)
            return .error
        }
        let shape = arguments["shape"].flatMap { expectShape($0) }
        let element = arguments["dtype"].map { expectElementType($0) } ?? .fixed
        guard let player, let name, let shape, let element else { return .error }
        if let previous = inputNames[player]?[name] {
            report(NameError.duplicateInput(player: playerName(player), name: name), at: range,
                   notes: repeatNotes(previous: previous, range: range, first: "first declared here", move: "before"))
            return .error
        }
        inputNames[player, default: [:]][name] = range
        let kind: InputKind
        let placement: Placement
        switch builtin {
        case .privateInput: (kind, placement) = (.private, .private)
        case .publicInput: (kind, placement) = (.public, .public)
        default: (kind, placement) = (.local, .local(player))
        }
        return emit(.input(kind, player: player, name: name), type: ValueType(element, shape, placement), at: range)
    }

    private mutating func checkOutput(_ arguments: BoundArguments, range: SourceRange) -> Evaluated {
        let player = arguments["player"].flatMap { expectPlayer($0, role: "receive outputs") }
        guard let valueExpression = arguments["value"] else { return .error }
        let evaluated = evaluate(valueExpression)
        switch evaluated {
        case .integer, .decimal:
            report(PlacementError.constantOutput, at: ast[valueExpression].range)
            return .error
        default:
            break
        }
        var name: String?
        if let nameExpression = arguments["name"] {
            name = expectString(nameExpression, what: "an output's name")
        } else if case .name(let symbol) = ast[valueExpression].kind {
            name = ast.name(symbol)
        } else {
            report(NameError.outputNeedsName, at: ast[valueExpression].range)
        }
        guard let value = tensorOperand(evaluated, at: ast[valueExpression].range), let player, let name else {
            return .error
        }
        if case .local(let owner) = type(of: value).placement, owner != player {
            report(PlacementError.outputLocalToOther(owner: playerName(owner), receiver: playerName(player)),
                   at: ast[valueExpression].range)
            return .error
        }
        if let previous = outputNames[player]?[name] {
            report(NameError.duplicateOutput(player: playerName(player), name: name), at: range,
                   notes: repeatNotes(previous: previous, range: range, first: "first sent here", move: "after"))
            return .error
        }
        outputNames[player, default: [:]][name] = range
        return emitEffect(.output(player: player, name: name, value), of: .output, at: range)
    }

    private mutating func checkPrint(_ arguments: [Argument], range: SourceRange) -> Evaluated {
        var items: [Operation.PrintItem] = []
        var failed = false
        var printed: (Placement, SourceRange)?
        for argument in arguments {
            if let label = argument.label {
                report(NameError.unknownArgumentLabel(label: ast.name(label.symbol), callee: "print"), at: label.range)
                failed = true
                continue
            }
            let evaluated = evaluate(argument.value)
            if case .string(let text) = evaluated {
                items.append(.text(text))
                continue
            }
            guard let value = tensorOperand(evaluated, at: ast[argument.value].range) else {
                failed = true
                continue
            }
            let placement = type(of: value).placement
            if placement == .private {
                report(ProtocolError.plaintextOnly(operation: "'print'"), at: ast[argument.value].range)
                failed = true
                continue
            }
            // One print runs in one place (a player, or the servers): every value must be known there.
            if placement != .constant {
                if let (earlier, earlierRange) = printed, earlier != placement {
                    report(PlacementError.printMixesPlacements(describeValue(earlier), describeValue(placement)),
                           at: ast[argument.value].range, related: [earlierRange])
                    failed = true
                    continue
                }
                if printed == nil { printed = (placement, ast[argument.value].range) }
            }
            items.append(.value(value))
        }
        return failed ? .error : emitEffect(.print(items), of: .print, at: range)
    }

    /// Notes for a name used twice: where it was first used, or, when the same statement ran again (in a loop,
    /// or a function called more than once), why it runs more than once.
    func repeatNotes(previous: SourceRange, range: SourceRange, first: String, move: String) -> [Diagnostic.Note] {
        guard previous == range else { return [.init(first, at: previous)] }
        if environment.isInLoop {
            return [.init("this runs on every iteration of the loop; move it \(move) the loop")]
        }
        return [.init("this runs on every call of the function, and each run needs its own name")]
    }

    /// "a value local to 'alice'", "a public value".
    func describeValue(_ placement: Placement) -> String {
        if case .local = placement { return "a value \(describe(placement))" }
        return "a \(describe(placement)) value"
    }

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

    private func isBound(_ symbol: Symbol) -> Bool {
        environment.lookup(symbol) != nil
    }

    /// Whether a stored value's name can be a file name on the servers; reports it when not.
    private mutating func checkStoredName(_ name: String, at range: SourceRange) -> Bool {
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
