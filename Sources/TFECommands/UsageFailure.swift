/// A wrong command line, ready to show: what is wrong, the usage line of the command that was being parsed,
/// and the command that shows its help. Rendered on standard error; the tool exits with `ExitCode.usage`.
public struct UsageFailure: Error, Hashable, Sendable {
    /// What is wrong.
    public let error: UsageError
    /// The usage line without `Usage: `, such as `tfec compile <input> [--output <output>] …`.
    public let usage: String
    /// The command that shows help, such as `tfec compile --help`.
    public let helpCommand: String

    /// A failure of the command whose usage line and help command are given.
    public init(_ error: UsageError, usage: String, helpCommand: String) {
        self.error = error
        self.usage = usage
        self.helpCommand = helpCommand
    }

    /// The three lines of STYLE.md section 6, each ending in a newline:
    ///
    ///     Error: Unknown option '--emitt'. Did you mean '--emit'?
    ///     Usage: tfec compile <input> [--output <output>] [--emit <emit>] [-D <name=value> ...] [-O0] [--stats]
    ///       See 'tfec compile --help' for more information.
    public var rendered: String {
        """
        Error: \(error.message)
        Usage: \(usage)
          See '\(helpCommand)' for more information.

        """
    }
}
