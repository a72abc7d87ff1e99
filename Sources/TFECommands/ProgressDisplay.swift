import Foundation
import TFERuntime

/// The progress lines of a long run on a terminal: one line per party this process runs
/// (`server0: online round 12 of 17, 3.2 MB sent`), drawn once the run has lasted `delay` and redrawn in place
/// every `interval` from a thread of its own, which reads each machine's `MachineProgress`. `finish()` erases
/// them before the run's own messages. Off a terminal (`Console.showsProgress` false) there is no display at
/// all: no thread, no machine progress, not a byte of output.
final class ProgressDisplay: @unchecked Sendable {  // `condition` guards the `var`s
    /// The parties' names and progress, in display order.
    let parties: [(name: String, progress: MachineProgress)]
    private let console: Console
    private let delay: Duration
    private let interval: Duration
    private let condition = NSCondition()
    private var finished = false
    /// Whether the drawing thread is running.
    private var running = false
    /// How many lines are on the terminal now (0 before the first drawing and after `finish()`).
    private var drawnLines = 0

    /// A display for the parties `names`, drawing after `delay` and every `interval`; nil when the console
    /// shows no progress. `start()` starts drawing.
    init?(console: Console, names: [String], delay: Duration = .seconds(2), interval: Duration = .milliseconds(200)) {
        guard console.showsProgress, !names.isEmpty else { return nil }
        self.console = console
        self.parties = names.map { ($0, MachineProgress()) }
        self.delay = delay
        self.interval = interval
    }

    /// The progress each machine reports to, in the order of the names.
    var machines: [MachineProgress] { parties.map(\.progress) }

    /// Starts the thread that draws the lines.
    func start() {
        condition.withLock { running = true }
        let thread = Thread { [self] in
            var next = Date(timeIntervalSinceNow: delay.inSeconds)
            condition.lock()
            while !finished {
                // Woken before the time (by `finish()`, or spuriously): look at `finished` and wait on.
                if condition.wait(until: next) { continue }
                drawLocked()
                next = Date(timeIntervalSinceNow: interval.inSeconds)
            }
            running = false
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "tfe progress"
        thread.start()
    }

    /// Stops drawing and erases the lines, so what follows starts on a clean line; waits for the thread.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        while running { condition.wait() }
        if drawnLines > 0 { console.writeError(Self.erase(drawnLines)) }
        drawnLines = 0
        condition.unlock()
    }

    /// Draws (or redraws) every party's line now.
    func draw() {
        condition.lock()
        drawLocked()
        condition.unlock()
    }

    private func drawLocked() {
        let lines = parties.map { Self.line(name: $0.name, $0.progress.snapshot) }
        console.writeError(Self.redraw(lines, over: drawnLines))
        drawnLines = lines.count
    }

    // MARK: - Text

    /// The longest line drawn: longer ones are cut, since a line that wraps breaks redrawing in place.
    static let width = 79

    /// `server0: online round 12 of 17, 3.2 MB sent`, or `server0: starting` before the first round.
    static func line(name: String, _ snapshot: MachineProgress.Snapshot) -> String {
        guard let phase = snapshot.phase else { return String("\(name): starting".prefix(width)) }
        let text = "\(name): \(phase.rawValue) round \(snapshot.round) of \(snapshot.rounds), "
            + "\(amount(snapshot.bytesSent)) sent"
        return String(text.prefix(width))
    }

    /// `960 bytes`, `12.3 kB`, `3.2 MB`, `1.5 GB` (decimal units, as the summary's megabytes).
    static func amount(_ bytes: Int) -> String {
        switch bytes {
        case ..<1_000: return "\(bytes) bytes"
        case ..<1_000_000: return String(format: "%.1f kB", Double(bytes) / 1e3)
        case ..<1_000_000_000: return String(format: "%.1f MB", Double(bytes) / 1e6)
        default: return String(format: "%.1f GB", Double(bytes) / 1e9)
        }
    }

    /// The text that replaces the `previous` lines drawn (0 the first time) with `lines`, leaving the cursor at
    /// the end of the last: back to the start of the first line, then each line followed by erase-to-end.
    static func redraw(_ lines: [String], over previous: Int) -> String {
        moveToFirstLine(previous) + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\n")
    }

    /// The text that erases the `count` lines drawn and leaves the cursor at the start of the first.
    static func erase(_ count: Int) -> String {
        moveToFirstLine(count) + "\u{1B}[J"
    }

    private static func moveToFirstLine(_ drawn: Int) -> String {
        drawn == 0 ? "" : "\r" + (drawn > 1 ? "\u{1B}[\(drawn - 1)A" : "")
    }
}
