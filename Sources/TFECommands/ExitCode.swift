/// How a run of `tfec` or `tfe-vm` ended. `main.swift` passes the raw value to `exit`;
/// STYLE.md section 6 fixes the numbers.
public enum ExitCode: Int32, Hashable, Sendable {
    /// The command did what was asked, including `--help` and `--version`.
    case success = 0
    /// The program is wrong or its run failed: diagnostics, a runtime or peer error, an unreadable file.
    case failure = 1
    /// The command line was wrong (`EX_USAGE` in sysexits.h).
    case usage = 64
    /// A bug in the tools (`EX_SOFTWARE` in sysexits.h).
    case `internal` = 70
}
