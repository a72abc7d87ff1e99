import TFECore

extension Checker {
    // MARK: - Built-ins

    mutating func checkBuiltin(_ builtin: Builtin, _ arguments: BoundArguments, range: SourceRange,
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
        case .elementwise(let function):
            return checkElementwise(function, arguments, range: range)
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
        case .pad:
            return checkPad(arguments, range: range)
        case .squeeze, .expandDims:
            return checkSqueeze(builtin, arguments, range: range)
        case .maximum, .minimum:
            return checkExtremum(builtin, arguments, range: range)
        case .print, .concat:
            return .error  // handled by checkPrint and checkConcat
        }
    }

    mutating func checkInput(_ builtin: Builtin, _ arguments: BoundArguments, range: SourceRange,
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

    mutating func checkOutput(_ arguments: BoundArguments, range: SourceRange) -> Evaluated {
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

    mutating func checkPrint(_ arguments: [Argument], range: SourceRange) -> Evaluated {
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
}
