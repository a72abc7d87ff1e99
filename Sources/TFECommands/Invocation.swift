/// What a command line asks for, once routed and parsed: run a subcommand, or show help, the version,
/// or a usage failure.
public enum Invocation: Hashable, Sendable {
    /// Run the subcommand `ParsedArguments.command` with these arguments.
    case run(ParsedArguments)
    /// Print this help text (ending in a newline) to standard output and exit 0.
    case help(String)
    /// Print this version string and a newline to standard output and exit 0.
    case version(String)
    /// Print the rendered failure to standard error and exit 64.
    case usageError(UsageFailure)

    /// Writes help, the version, or a usage failure to `console` and returns the exit code to end with;
    /// returns nil, writing nothing, for `run`, which is the caller's to do.
    public func report(to console: Console) -> ExitCode? {
        switch self {
        case .run:
            return nil
        case .help(let text):
            console.write(text)
            return .success
        case .version(let version):
            console.write(version + "\n")
            return .success
        case .usageError(let failure):
            console.writeError(failure.rendered)
            return .usage
        }
    }
}
