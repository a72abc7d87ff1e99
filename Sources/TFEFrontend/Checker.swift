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
    public internal(set) var usedOverrides = Set<String>()

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
        self.builtins = ast.predefined.map(\.builtin)
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
