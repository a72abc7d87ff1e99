import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command writes: results and help to standard output, diagnostics and usage errors to standard
/// error. Commands write through a `Console` instead of printing, so tests can run them in-process and
/// capture both streams (see `CommandOutput.capture(isColorEnabled:_:)`).
public struct Console: Sendable {
    /// Whether text written to standard error may use ANSI colour.
    public let isColorEnabled: Bool
    /// Whether a long run may show progress lines on standard error, redrawn in place: only on a terminal.
    public let showsProgress: Bool
    private let output: @Sendable (String) -> Void
    private let error: @Sendable (String) -> Void

    /// A console that hands each piece of text, newlines included, to `output` or `error`.
    public init(
        isColorEnabled: Bool = false,
        showsProgress: Bool = false,
        output: @escaping @Sendable (String) -> Void,
        error: @escaping @Sendable (String) -> Void
    ) {
        self.isColorEnabled = isColorEnabled
        self.showsProgress = showsProgress
        self.output = output
        self.error = error
    }

    /// Writes `text` to standard output as is; the caller supplies any final newline.
    public func write(_ text: String) {
        output(text)
    }

    /// Writes `text` to standard error as is; the caller supplies any final newline.
    public func writeError(_ text: String) {
        error(text)
    }

    /// The process's own standard output and standard error, with colour decided by
    /// `isColorEnabled(environment:isTerminal:)` and progress by `showsProgress(environment:isTerminal:)`.
    public static var standard: Console {
        let environment = ProcessInfo.processInfo.environment, isTerminal = isatty(STDERR_FILENO) != 0
        return Console(
            isColorEnabled: isColorEnabled(environment: environment, isTerminal: isTerminal),
            showsProgress: showsProgress(environment: environment, isTerminal: isTerminal),
            output: { FileHandle.standardOutput.write(Data($0.utf8)) },
            error: { FileHandle.standardError.write(Data($0.utf8)) }
        )
    }

    /// Whether diagnostics on standard error may be coloured: only when it is a terminal, `NO_COLOR` is unset
    /// or empty (https://no-color.org), and `TERM` is not `dumb`.
    public static func isColorEnabled(environment: [String: String], isTerminal: Bool) -> Bool {
        guard isTerminal else { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    /// Whether a run may draw progress lines on standard error: only when it is a terminal that can move the
    /// cursor (`TERM` is not `dumb`). Anywhere else (a file, a pipe, a test) a run writes what it always did.
    public static func showsProgress(environment: [String: String], isTerminal: Bool) -> Bool {
        isTerminal && environment["TERM"] != "dumb"
    }
}
