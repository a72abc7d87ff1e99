/// One step of a pipeline over a compilation state `State`: the compiler walks a table of these in order
/// (STYLE.md section 3). Names are kebab-case and identical in code, `--dump-after` and internal errors.
public struct Pass<State>: Sendable {
    /// `batch-rounds`, as `--dump-after` and internal errors spell it.
    public var name: String
    /// Runs even with `-O0`; `-O0` skips every pass that is not required.
    public var required: Bool
    /// The pipeline stops after this pass when an error has been reported by then. `resolve-names` does not
    /// stop it: the checker still runs, so one compile reports every independent error.
    public var stopsOnError: Bool
    /// Transforms the state in place, appending problems to its diagnostics.
    public var run: @Sendable (inout State) -> Void

    public init(_ name: String, required: Bool, stopsOnError: Bool = true,
                run: @escaping @Sendable (inout State) -> Void) {
        self.name = name
        self.required = required
        self.stopsOnError = stopsOnError
        self.run = run
    }

    /// Whether the pass runs when optimisation is `optimize` (false under `-O0`).
    public func runs(optimize: Bool) -> Bool { required || optimize }
}
