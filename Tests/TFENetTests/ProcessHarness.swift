// The built `tfe-vm` as child processes: finding it, starting it with its standard error in a file, and
// waiting for it with a deadline.

import Foundation

/// The `tfe-vm` executable next to the test bundle, if it was built.
let tfeVMExecutable: URL? = {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        .map { URL(fileURLWithPath: $0) } ?? Bundle.main.executableURL
    guard let directory = executable?.deletingLastPathComponent() else { return nil }
    for candidate in [directory, directory.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("tfe-vm")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return nil
}()

/// A `tfe-vm` child process and the file its standard error goes to.
struct TfeVMProcess {
    let process: Process
    let errorLog: URL

    /// Starts `tfe-vm arguments...` with its standard error in `errorLog` and its standard output in
    /// `outputLog` (discarded when nil), without Swift's backtraces (a crash shows as a signal instead).
    init(_ arguments: [String], errorLog: URL, outputLog: URL? = nil) throws {
        process = Process()
        process.executableURL = tfeVMExecutable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        self.errorLog = errorLog
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorLog)
        if let outputLog {
            _ = FileManager.default.createFile(atPath: outputLog.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: outputLog)
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        try process.run()
    }

    /// What the process wrote to its standard error so far.
    var errorText: String { (try? String(contentsOf: errorLog, encoding: .utf8)) ?? "" }

    /// Waits until the process exits or `deadline` passes (then terminates it). The exit status, nil when it
    /// was still running or a signal ended it.
    func wait(until deadline: ContinuousClock.Instant) -> Int32? {
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }
}
