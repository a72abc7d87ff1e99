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

/// One step of the pipeline. `required` passes run even with `-O0`.
public struct Pass: Sendable {
    public var name: String
    public var required: Bool

    public init(_ name: String, required: Bool) {
        self.name = name
        self.required = required
    }
}

/// The whole compiler: source in, program and diagnostics out.
public enum Compiler {
    /// The pipeline, as data (STYLE.md section 3).
    public static let passes: [Pass] = [
        Pass("parse", required: true),
        Pass("resolve-names", required: true),
        Pass("check", required: true),
        Pass("lower", required: true),
        Pass("batch-rounds", required: false),
    ]

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
    }

    public static func compile(_ source: SourceFile, options: CompilerOptions = CompilerOptions()) -> Result {
        let frontend = Frontend.check(source, options: options.check)
        var diagnostics = frontend.diagnostics
        guard !diagnostics.hasErrors else { return Result(frontend: frontend, program: nil, diagnostics: diagnostics) }
        var (program, lowering) = Lowerer.lower(frontend.program)
        for diagnostic in lowering.all { diagnostics.append(diagnostic) }
        guard !diagnostics.hasErrors else { return Result(frontend: frontend, program: nil, diagnostics: diagnostics) }
        if options.optimize { program = RoundBatcher.run(program) }
        return Result(frontend: frontend, program: program, diagnostics: diagnostics)
    }
}
