/// Everything a command run in-process produced: its exit code and what it wrote to each stream.
/// CLI tests compare whole values of this type.
public struct CommandOutput: Hashable, Sendable {
    /// How the run ended.
    public var exitCode: ExitCode
    /// Everything written to standard output.
    public var output: String
    /// Everything written to standard error.
    public var error: String

    /// A result with the given exit code and stream contents.
    public init(exitCode: ExitCode, output: String = "", error: String = "") {
        self.exitCode = exitCode
        self.output = output
        self.error = error
    }

    /// Runs `body` with a console that records both streams, and returns what it wrote and the exit code it
    /// returned. For an `async` command, use a `ConsoleRecorder` directly.
    public static func capture(
        isColorEnabled: Bool = false,
        _ body: (Console) throws -> ExitCode
    ) rethrows -> CommandOutput {
        let recorder = ConsoleRecorder(isColorEnabled: isColorEnabled)
        let exitCode = try body(recorder.console)
        return recorder.commandOutput(exitCode: exitCode)
    }
}
