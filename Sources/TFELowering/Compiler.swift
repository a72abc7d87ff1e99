import TFEBytecode
import TFECore
import TFEFrontend

/// Options of one compilation, passed as a value (never a global).
public struct CompilerOptions: Sendable {
    public var check: CheckOptions
    /// `-O0`: skip every pass that is not required.
    public var optimize: Bool

    public init(check: CheckOptions = CheckOptions(), optimize: Bool = true) {
        self.check = check
        self.optimize = optimize
    }
}

/// What the compiler's passes read and write: the front end's state, then the machine program.
public struct Compilation: Sendable {
    public var frontend: Frontend.State
    /// The machine program, in the form the last pass that set it gave it.
    private var machine: MachineForm?

    private enum MachineForm: Sendable {
        case flat(FlatProgram)
        case rounds(Program)
    }

    /// Present once `lower` has run. While the program's rounds are stored flat (from `lower` to `batch-rounds`),
    /// reading this builds their arrays, each time.
    public var program: Program? {
        get {
            switch machine {
            case .flat(let flat): return flat.program
            case .rounds(let program): return program
            case nil: return nil
            }
        }
        set { machine = newValue.map(MachineForm.rounds) }
    }

    /// The same program with its rounds stored flat, as `lower` leaves it and `batch-rounds` reads it.
    public var flatProgram: FlatProgram? {
        get {
            switch machine {
            case .flat(let flat): return flat
            case .rounds(let program): return FlatProgram(program)
            case nil: return nil
            }
        }
        set { machine = newValue.map(MachineForm.flat) }
    }

    /// Whether `lower` has run (without building anything, unlike `program != nil`).
    public var hasProgram: Bool { machine != nil }

    public init(source: SourceFile, options: CompilerOptions) {
        frontend = Frontend.State(source: source, options: options.check)
    }

    /// The compilation as the front end left it, before lowering.
    public init(frontend: Frontend.State) {
        self.frontend = frontend
    }

    public var diagnostics: Diagnostics {
        get { frontend.diagnostics }
        set { frontend.diagnostics = newValue }
    }
}

/// The whole compiler: source in, program and diagnostics out.
public enum Compiler {
    /// The pipeline, as data (STYLE.md section 3): `compile` walks it in order, `-O0` skips the passes that
    /// are not required, and `tfec compile --dump-after NAME` prints the program after any of them.
    public static let passes: [Pass<Compilation>] = Frontend.passes.map { pass in
        Pass(pass.name, required: pass.required, stopsOnError: pass.stopsOnError) { pass.run(&$0.frontend) }
    } + [
        /// Once it has run: `program` holds machine instructions, one round per communicating step in
        /// program order, and every private operation the protocol cannot run is reported.
        Pass("lower", required: true) { state in
            guard let checked = state.frontend.program else { return }
            let (program, diagnostics) = Lowerer.lower(checked)
            for diagnostic in diagnostics.all { state.diagnostics.append(diagnostic) }
            state.flatProgram = program
        },
        /// Once it has run: see `RoundBatcher`.
        Pass("batch-rounds", required: false) { state in
            guard let program = state.flatProgram else { return }
            state.program = RoundBatcher.run(program)
        },
    ]

    /// The names of `passes`, in order, as `--dump-after` accepts them.
    public static var passNames: [String] { passes.map(\.name) }

    /// Ordering assumptions between passes, each with its reason; a test checks them against `passes`.
    public static let orderings: [(first: String, before: String, reason: String)] = [
        ("parse", "resolve-names", "names are resolved on the syntax tree"),
        ("resolve-names", "check", "the checker relies on every name having been looked up once"),
        ("check", "lower", "lowering trusts the types, shapes and placements the checker computed"),
        ("lower", "batch-rounds", "rounds are scheduled over machine instructions"),
    ]

    /// The result of compiling a source file.
    public struct Result: Sendable {
        public var frontend: Frontend.Result
        /// Present when the program checked and lowered without errors.
        public var program: Program?
        /// Front end and lowering diagnostics together.
        public var diagnostics: Diagnostics
        /// With `keepUnoptimized`, the program `-O0` would have produced: the state before the first optional
        /// pass, taken on through the required passes after it. Nil when no optional pass ran.
        public var unoptimized: Program?
    }

    /// Walks `passes` over `source`. `afterPass` sees the state after each pass that ran (tests verify the
    /// program there; `--dump-after` prints it). With `keepUnoptimized`, the walk also keeps what `-O0` would
    /// have produced (for `--stats`) without parsing, checking and lowering the source twice. With `keepFrontEnd`
    /// false, the syntax tree and the checked program are let go once the program is lowered, so that the passes
    /// after reuse their memory (a fifth of `tfec compile`'s peak on a huge unrolled program), and the result's
    /// `frontend` holds empty ones (its diagnostics and used overrides stay). Tests pass their own `passes` (the
    /// table with a deliberately broken pass) to check how failures are attributed.
    public static func compile(_ source: SourceFile, options: CompilerOptions = CompilerOptions(),
                               keepUnoptimized: Bool = false, keepFrontEnd: Bool = true,
                               passes: [Pass<Compilation>] = Compiler.passes,
                               afterPass: ((Pass<Compilation>, Compilation) -> Void)? = nil) -> Result {
        var state = Compilation(source: source, options: options)
        var unoptimized: Compilation?
        for pass in passes {
            if !pass.runs(optimize: options.optimize) { continue }
            if !pass.required, keepUnoptimized, unoptimized == nil { unoptimized = state }
            if pass.required, unoptimized != nil { pass.run(&unoptimized!) }
            pass.run(&state)
            afterPass?(pass, state)
            if pass.stopsOnError, state.diagnostics.hasErrors { break }
            if !keepFrontEnd, state.hasProgram, state.frontend.program != nil {
                state.frontend.ast = nil
                state.frontend.program = nil
            }
        }
        let failed = state.diagnostics.hasErrors
        return Result(frontend: Frontend.Result(state.frontend), program: failed ? nil : state.program,
                      diagnostics: state.diagnostics, unoptimized: failed ? nil : unoptimized?.program)
    }

    /// The first pass after which `Verifier` finds a problem in the program, with the problem: the pass an
    /// internal error is in. Runs the pipeline again with the verifier after every pass, so callers use it
    /// only once the final program was found wrong.
    public static func firstFailingPass(_ source: SourceFile, options: CompilerOptions = CompilerOptions(),
                                        passes: [Pass<Compilation>] = Compiler.passes)
        -> (pass: String, problem: BytecodeError)?
    {
        var failure: (pass: String, problem: BytecodeError)?
        _ = compile(source, options: options, passes: passes) { pass, state in
            guard failure == nil, let program = state.program,
                let problem = Verifier.problems(in: program).first
            else { return }
            failure = (pass.name, problem)
        }
        return failure
    }
}
