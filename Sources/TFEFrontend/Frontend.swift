import TFECore

/// The front end's two doors: `check` always returns what it could build with every diagnostic (for tests
/// and tools); `compile` serves callers who want a valid program or nothing. Both walk `passes`.
public enum Frontend {
    /// What the front end's passes read and write: the source, then the syntax tree, then the checked
    /// program, and every diagnostic so far.
    public struct State: Sendable {
        public var source: SourceFile
        public var options: CheckOptions
        public var diagnostics = Diagnostics()
        /// Present once `parse` has run.
        public var ast: AST?
        /// Present once `check` has run.
        public var program: CheckedProgram?
        /// `-D` overrides that named a declared `param`.
        public var usedOverrides: Set<String> = []

        public init(source: SourceFile, options: CheckOptions) {
            self.source = source
            self.options = options
        }
    }

    /// The front end's part of the pipeline (`Compiler.passes` continues it). A program that does not parse
    /// is not checked further: its statements are incomplete, and checking them would only echo the syntax
    /// errors. Name errors do not stop the checker, which finds the independent type and shape errors.
    public static let passes: [Pass<State>] = [
        /// Once it has run: `ast` holds every statement, syntax errors are reported, and the parser has
        /// resumed after each at the next statement boundary.
        Pass("parse", required: true) { state in
            state.ast = Parser.parse(state.source, into: &state.diagnostics)
        },
        /// Once it has run: every name, including in functions never called and loops never run, refers to
        /// something, or is reported.
        Pass("resolve-names", required: true, stopsOnError: false) { state in
            guard let ast = state.ast else { return }
            NameResolver.run(ast, into: &state.diagnostics)
        },
        /// Once it has run: functions are inlined, loops unrolled, and every value of `program` has an element
        /// type, a shape and a placement the protocol can compute.
        Pass("check", required: true) { state in
            guard let ast = state.ast else { return }
            let (program, used) = Checker.check(ast, options: state.options, into: &state.diagnostics)
            state.program = program
            state.usedOverrides = used
        },
    ]

    /// The result of checking a source file.
    public struct Result: Sendable {
        public var ast: AST
        public var program: CheckedProgram
        public var diagnostics: Diagnostics
        /// `-D` overrides that named a declared `param`.
        public var usedOverrides: Set<String>

        /// What the front end's passes built; an empty program where they stopped before `check`.
        public init(_ state: State) {
            ast = state.ast ?? AST(source: state.source)
            program = state.program ?? CheckedProgram(source: state.source)
            diagnostics = state.diagnostics
            usedOverrides = state.usedOverrides
        }
    }

    /// Walks `passes` over `source`; `afterPass` sees the state after each pass that ran.
    public static func check(_ source: SourceFile, options: CheckOptions = CheckOptions(),
                             afterPass: ((Pass<State>, State) -> Void)? = nil) -> Result {
        var state = State(source: source, options: options)
        for pass in passes {
            pass.run(&state)
            afterPass?(pass, state)
            if pass.stopsOnError, state.diagnostics.hasErrors { break }
        }
        return Result(state)
    }

    public static func compile(_ source: SourceFile, options: CheckOptions = CheckOptions())
        throws(CompileFailure) -> CheckedProgram
    {
        let result = check(source, options: options)
        guard !result.diagnostics.hasErrors else { throw CompileFailure(diagnostics: result.diagnostics) }
        return result.program
    }
}

/// A program with at least one error.
public struct CompileFailure: Error, Sendable {
    public var diagnostics: Diagnostics
}
