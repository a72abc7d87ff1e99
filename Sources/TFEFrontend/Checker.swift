import TFECore

/// Options that change what the checker accepts.
public struct CheckOptions: Sendable {
    /// `-D NAME=VALUE`: overrides of `param` declarations.
    public var overrides: [String: Int]
    /// Upper bound on unrolled work (operations plus executed statements), so no program can make the
    /// compiler run away.
    public var workLimit: Int

    public init(overrides: [String: Int] = [:], workLimit: Int = 10_000_000) {
        self.overrides = overrides
        self.workLimit = workLimit
    }
}

/// Checks a parsed program by executing it abstractly: declarations are collected, functions inlined,
/// loops unrolled, and every value gets an element type, a shape and a placement. Every rule of
/// DESIGN.md section 2 is enforced here; each violation is reported at the offending expression and the
/// failed value becomes an error value, which silences follow-on messages.
public struct Checker {
    let ast: AST
    let options: CheckOptions
    var diagnostics: Diagnostics
    var program: CheckedProgram

    // MARK: Declarations
    var players: SymbolMap<PlayerID>
    var playerRanges: [PlayerID: SourceRange] = [:]
    var functions: SymbolMap<StmtID>
    /// Functions whose definition was reported as wrong: their calls are silently errors.
    var failedFunctions = Set<Symbol>()
    /// What each player, param and function name was first declared as, to catch one name declared as two.
    var globalNames: [Symbol: (what: String, range: SourceRange)] = [:]
    /// Names declared as two different things (already reported): their uses are silently errors.
    var conflictingNames = Set<Symbol>()
    var params: SymbolMap<Int>
    /// Params whose value was wrong (already reported): their uses are silently errors.
    var failedParams = Set<Symbol>()
    var protocolDeclared = false
    var fixedpointDeclared = false
    /// Overrides that named a declared param.
    public private(set) var usedOverrides = Set<String>()

    // MARK: Execution state
    var environment: Environment
    /// The built-in each symbol names, if any.
    let builtins: [Builtin?]
    var callStack: [(symbol: Symbol, callSite: SourceRange)] = []
    var work = 0
    var workLimitReported = false
    /// Every assignment executed, for unused-value warnings.
    var assignments: [Assignment] = []
    var inputNames: [PlayerID: [String: SourceRange]] = [:]
    var outputNames: [PlayerID: [String: SourceRange]] = [:]
    /// Values stored so far, by name: where, and which value (a later `load` of the name is that value).
    var storeNames: [String: (range: SourceRange, value: ValueID)] = [:]
    /// Names assigned anywhere at the top level, to tell "used before assigned" from "unknown".
    var isTopLevelName: [Bool]
    /// Names read before their assignment (already reported): their assignments are not also "unused".
    var usedBeforeAssignment = Set<String>()

    struct Binding {
        var value: Evaluated
        /// Index into `assignments`, for usage tracking; nil for loop variables and parameters.
        var assignment: Int?
    }

    struct Assignment {
        /// The assignment statement: every execution of one statement shares its usage verdict.
        var statement: StmtID
        var name: String
        var range: SourceRange
        var value: Evaluated
        var used = false
    }

    /// A checked expression: a program value, or something only the compiler sees.
    enum Evaluated {
        case value(ValueID)
        case integer(Int)
        case decimal(Double)
        case string(String)
        case list([Int])
        case player(PlayerID)
        case function(Symbol)
        /// `int` or `fixed`, for `dtype:` arguments.
        case elementType(ElementType)
        /// The result of `output`, `store` or `print`: done, but no value.
        case effect(Builtin)
        /// Already reported; anything built from it is silently an error too.
        case error

        var isError: Bool {
            if case .error = self { return true }
            return false
        }
    }

    /// Checks `ast`; the program is meaningful only when no error was reported.
    public static func check(_ ast: AST, options: CheckOptions = CheckOptions(), into diagnostics: inout Diagnostics)
        -> (program: CheckedProgram, usedOverrides: Set<String>)
    {
        var checker = Checker(ast: ast, options: options, diagnostics: diagnostics)
        checker.run()
        diagnostics = checker.diagnostics
        return (checker.program, checker.usedOverrides)
    }

    init(ast: AST, options: CheckOptions, diagnostics: Diagnostics) {
        self.ast = ast
        self.options = options
        self.diagnostics = diagnostics
        self.program = CheckedProgram(source: ast.source)
        self.environment = Environment(symbolCount: ast.names.count)
        self.players = SymbolMap(symbolCount: ast.names.count)
        self.functions = SymbolMap(symbolCount: ast.names.count)
        self.params = SymbolMap(symbolCount: ast.names.count)
        self.builtins = ast.names.map { Builtin(rawValue: $0) }
        self.isTopLevelName = [Bool](repeating: false, count: ast.names.count)
        // One operation per expression is the usual size: reserving it spares copying a growing array.
        self.program.operations.reserveCapacity(ast.exprs.count)
        self.assignments.reserveCapacity(ast.stmts.count)
    }

    mutating func run() {
        declare()
        for statement in ast.topLevel {
            execute(statement)
            if workLimitReported { return }
        }
        reportUnused()
    }

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

    private mutating func collectAssignedNames(_ body: [StmtID]) {
        for id in body {
            switch ast[id].kind {
            case .assign(let name, _): isTopLevelName[Int(name.symbol.rawValue)] = true
            case .for(_, _, _, let inner): collectAssignedNames(inner)
            default: break
            }
        }
    }

    private mutating func declareFixedpoint(_ arguments: [Argument], range: SourceRange) {
        var given = Set<String>()
        for argument in arguments {
            guard let label = argument.label else {
                report(NameError.unknownSetting(ast.source.text(ast[argument.value].range)), at: ast[argument.value].range,
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
    private mutating func claimGlobalName(_ name: Name, as what: String) -> Bool {
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

    private mutating func declarePlayer(_ name: Name) {
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

    private mutating func declareParam(_ name: Name, _ value: ExprID) {
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
            report(NameError.expectedConstantInteger(what: "a param's value"), at: ast[value].range, notes: [.init(note)])
        default:
            failedParams.insert(name.symbol)
            report(NameError.expectedConstantInteger(what: "a param's value"), at: ast[value].range)
        }
    }

    func functionNameRange(_ id: StmtID) -> SourceRange? {
        if case .function(let name, _, _, _) = ast[id].kind { return name.range }
        return nil
    }

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

    private mutating func executeExpressionStatement(_ id: ExprID) {
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

    private func isUserFunctionCall(_ expression: Expr) -> Bool {
        if case .call(let callee, _) = expression.kind { return functions[callee.symbol] != nil }
        return false
    }

    private func isValue(_ evaluated: Evaluated) -> Bool {
        if case .value = evaluated { return true }
        return false
    }

    private mutating func executeLoop(_ variable: Name, lower: ExprID, upper: ExprID, body: [StmtID]) {
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
        if players[symbol] != nil || PlayerID.serverNames.contains(ast.name(symbol)) { return "a player" }
        if params[symbol] != nil { return "a param" }
        if functions[symbol] != nil { return "a function" }
        if ElementType(rawValue: ast.name(symbol)) != nil { return "an element type" }
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
            report(NameError.expectedTensor(found: "the result of '\(builtin.rawValue)', which has none"), at: valueRange)
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
        if let server = PlayerID.serverNames.firstIndex(of: text) { return .player(PlayerID(server)) }
        if functions[symbol] != nil { return .function(symbol) }
        if let element = ElementType(rawValue: text) { return .elementType(element) }
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

    // MARK: - Reporting

    /// Reports a problem; inside an inlined function, notes show the chain of calls.
    mutating func report(_ kind: some DiagnosticKind, at range: SourceRange, related: [SourceRange] = [],
                         notes: [Diagnostic.Note] = []) {
        var notes = notes
        // The innermost calls, then the outermost one; a long chain in between is summarized.
        let frames = Array(callStack.reversed())
        for (index, frame) in frames.enumerated() where index < 3 || index == frames.count - 1 {
            if index == frames.count - 1, frames.count > 4 {
                notes.append(.init("… \(frames.count - 4) more nested calls"))
            }
            notes.append(.init("in the call to '\(ast.name(frame.symbol))' here", at: frame.callSite))
        }
        diagnostics.append(kind, at: range, related: related, notes: notes)
    }

    /// Warns once per assignment statement none of whose executions was ever read.
    mutating func reportUnused() {
        var used = [Bool](repeating: false, count: ast.stmts.count)
        for assignment in assignments where assignment.used { used[assignment.statement.rawValue] = true }
        var reported = used
        for assignment in assignments where !reported[assignment.statement.rawValue] {
            reported[assignment.statement.rawValue] = true
            if usedBeforeAssignment.contains(assignment.name) { continue }
            if case .value(let id) = assignment.value, case .input(_, let player, let name) = program[id].kind,
                program[id].name == assignment.name
            {
                diagnostics.append(CheckWarning.unusedInput(player: program.players[player.rawValue], name: name),
                                   at: assignment.range)
            } else if !assignment.value.isError {
                diagnostics.append(CheckWarning.unusedValue(assignment.name), at: assignment.range)
            }
        }
    }
}
