import TFECore

/// The front end's two doors: `check` always returns what it could build with every diagnostic (for tests
/// and tools); `compile` serves callers who want a valid program or nothing.
public enum Frontend {
    /// The result of checking a source file.
    public struct Result: Sendable {
        public var ast: AST
        public var program: CheckedProgram
        public var diagnostics: Diagnostics
        /// `-D` overrides that named a declared `param`.
        public var usedOverrides: Set<String>
    }

    public static func check(_ source: SourceFile, options: CheckOptions = CheckOptions()) -> Result {
        var diagnostics = Diagnostics()
        let ast = Parser.parse(source, into: &diagnostics)
        // A program that does not parse is not checked further: its statements are incomplete, and
        // checking them would only echo the syntax errors.
        guard !diagnostics.hasErrors else {
            return Result(ast: ast, program: CheckedProgram(source: source), diagnostics: diagnostics, usedOverrides: [])
        }
        NameResolver.run(ast, into: &diagnostics)
        let (program, used) = Checker.check(ast, options: options, into: &diagnostics)
        return Result(ast: ast, program: program, diagnostics: diagnostics, usedOverrides: used)
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
