import Foundation

/// A `Console` that keeps what is written to it, so a test can run a command in-process
/// (synchronously or not) and then read both streams.
public final class ConsoleRecorder: @unchecked Sendable {  // `lock` guards both buffers
    private let lock = NSLock()
    private var outputText = ""
    private var errorText = ""
    private let isColorEnabled: Bool
    private let showsProgress: Bool

    /// An empty recorder; its console reports `isColorEnabled` and `showsProgress` as given.
    public init(isColorEnabled: Bool = false, showsProgress: Bool = false) {
        self.isColorEnabled = isColorEnabled
        self.showsProgress = showsProgress
    }

    /// The console to hand to the command under test.
    public var console: Console {
        Console(
            isColorEnabled: isColorEnabled,
            showsProgress: showsProgress,
            output: { text in self.append(text, toError: false) },
            error: { text in self.append(text, toError: true) }
        )
    }

    /// Everything written to standard output so far.
    public var output: String {
        lock.withLock { outputText }
    }

    /// Everything written to standard error so far.
    public var error: String {
        lock.withLock { errorText }
    }

    /// What has been recorded so far, with the exit code the command returned.
    public func commandOutput(exitCode: ExitCode) -> CommandOutput {
        lock.withLock { CommandOutput(exitCode: exitCode, output: outputText, error: errorText) }
    }

    private func append(_ text: String, toError: Bool) {
        lock.withLock {
            if toError {
                errorText += text
            } else {
                outputText += text
            }
        }
    }
}
