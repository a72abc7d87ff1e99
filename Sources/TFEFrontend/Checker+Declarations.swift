import TFECore

extension Checker {
    // MARK: - Declarations

    /// Collects protocol, fixed-point settings, players, params and functions before execution, so their
    /// order in the file does not matter (params are evaluated in order, as each may use earlier ones).
    mutating func declare() {
        // A param read by an earlier param is "used before it is assigned", not unknown.
        for id in ast.topLevel {
            if case .param(let name, _) = ast[id].kind { isTopLevelName[Int(name.symbol.rawValue)] = true }
        }
        for id in ast.topLevel {
            let statement = ast[id]
            switch statement.kind {
            case .protocol(let name):
                if protocolDeclared {
                    report(NameError.duplicateDeclaration("protocol"), at: statement.range)
                    continue
                }
                protocolDeclared = true
                let text = ast.name(name.symbol)
                if let kind = ProtocolKind(rawValue: text) {
                    program.protocolKind = kind
                } else {
                    report(NameError.unknownProtocol(text), at: name.range,
                           notes: suggestion(for: text, among: ProtocolKind.allCases.map(\.rawValue)))
                }
            case .fixedpoint(let arguments):
                if fixedpointDeclared {
                    report(NameError.duplicateDeclaration("fixedpoint"), at: statement.range)
                    continue
                }
                fixedpointDeclared = true
                declareFixedpoint(arguments, range: statement.range)
            case .player(let names):
                for name in names { declarePlayer(name) }
            case .param(let name, let value):
                declareParam(name, value)
            case .function(let name, let parameters, _, _):
                let text = ast.name(name.symbol)
                guard claimGlobalName(name, as: "a function") else { continue }
                var seen: [Symbol: SourceRange] = [:]
                for parameter in parameters {
                    if let first = seen[parameter.symbol] {
                        report(NameError.duplicateParameter(ast.name(parameter.symbol), function: text),
                               at: parameter.range, notes: [.init("first declared here", at: first)])
                        failedFunctions.insert(name.symbol)
                    } else {
                        seen[parameter.symbol] = parameter.range
                    }
                }
                if Builtin(rawValue: text) != nil {
                    report(NameError.functionShadowsBuiltin(text), at: name.range)
                } else if let previous = functions[name.symbol] {
                    report(NameError.duplicateFunction(text), at: name.range,
                           notes: [.init("'\(text)' first defined here", at: functionNameRange(previous))])
                } else {
                    functions[name.symbol] = id
                }
            case .assign(let name, _):
                isTopLevelName[Int(name.symbol.rawValue)] = true
            case .for(_, _, _, let body):
                collectAssignedNames(body)
            case .expression, .error:
                break
            }
        }
    }

    mutating func collectAssignedNames(_ body: [StmtID]) {
        for id in body {
            switch ast[id].kind {
            case .assign(let name, _): isTopLevelName[Int(name.symbol.rawValue)] = true
            case .for(_, _, _, let inner): collectAssignedNames(inner)
            default: break
            }
        }
    }

    mutating func declareFixedpoint(_ arguments: [Argument], range: SourceRange) {
        var given = Set<String>()
        for argument in arguments {
            guard let label = argument.label else {
                let range = ast[argument.value].range
                report(NameError.unknownSetting(ast.source.text(range)), at: range,
                       notes: [.init("settings are written as 'fixedpoint(frac: 16)'")])
                continue
            }
            let text = ast.name(label.symbol)
            guard text == "frac" else {
                report(NameError.unknownSetting(text), at: label.range, notes: suggestion(for: text, among: ["frac"]))
                continue
            }
            guard given.insert(text).inserted else {
                report(NameError.duplicateArgument(label: text, callee: "fixedpoint"), at: label.range)
                continue
            }
            switch evaluate(argument.value) {
            case .integer(let bits) where FractionalBits.range.contains(bits):
                program.fractionalBits = bits
            case .integer(let bits):
                report(NameError.fractionalBitsOutOfRange(bits), at: ast[argument.value].range)
            case .error:
                break
            default:
                report(NameError.expectedConstantInteger(what: "'frac'"), at: ast[argument.value].range)
            }
        }
    }

    /// Records that `name` is declared as `what`; reports it and returns false if it already names something else.
    mutating func claimGlobalName(_ name: Name, as what: String) -> Bool {
        guard let previous = globalNames[name.symbol] else {
            globalNames[name.symbol] = (what, name.range)
            return true
        }
        if previous.what == what { return true }  // the kind's own "declared twice" check reports it
        let text = ast.name(name.symbol)
        report(NameError.duplicateDeclaration(text), at: name.range,
               notes: [.init("'\(text)' first declared here as \(previous.what)", at: previous.range)])
        conflictingNames.insert(name.symbol)
        return false
    }

    mutating func declarePlayer(_ name: Name) {
        let text = ast.name(name.symbol)
        if PlayerID.serverNames.contains(text) {
            report(NameError.reservedPlayerName(text), at: name.range)
        } else if !claimGlobalName(name, as: "a player") {
            return
        } else if let previous = players[name.symbol] {
            report(NameError.duplicatePlayer(text), at: name.range,
                   notes: [.init("'\(text)' first declared here", at: playerRanges[previous])])
        } else {
            let id = PlayerID(program.players.count)
            program.players.append(text)
            players[name.symbol] = id
            playerRanges[id] = name.range
        }
    }

    mutating func declareParam(_ name: Name, _ value: ExprID) {
        let text = ast.name(name.symbol)
        guard claimGlobalName(name, as: "a param") else { return }
        if params[name.symbol] != nil {
            report(NameError.duplicateParam(text), at: name.range)
            return
        }
        if let override = options.overrides[text] {
            usedOverrides.insert(text)
            params[name.symbol] = override
            return
        }
        switch evaluate(value) {
        case .integer(let integer):
            params[name.symbol] = integer
        case .error:
            failedParams.insert(name.symbol)
        case .decimal:
            failedParams.insert(name.symbol)
            let note: String
            if case .binary(.divide, _, _) = ast[value].kind {
                note = "'/' gives a decimal, even between integers"
            } else {
                let example = "\(text) = \(ast.source.text(ast[value].range))"
                note = "params are integers; a decimal constant can be an ordinary variable: '\(example)'"
            }
            report(NameError.expectedConstantInteger(what: "a param's value"), at: ast[value].range,
                   notes: [.init(note)])
        default:
            failedParams.insert(name.symbol)
            report(NameError.expectedConstantInteger(what: "a param's value"), at: ast[value].range)
        }
    }

    func functionNameRange(_ id: StmtID) -> SourceRange? {
        if case .function(let name, _, _, _) = ast[id].kind { return name.range }
        return nil
    }
}
