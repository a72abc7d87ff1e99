import Foundation
import Testing
import TFEBytecode

@testable import TFECommands
@testable import TFERuntime

/// The progress lines of a long run: their text, how they are redrawn and erased, and that off a terminal
/// there is no display at all. (Drawing on a real terminal after two seconds is left to people.)
struct ProgressDisplayTests {
    @Test(arguments: [
        ([String: String](), true, true),
        ([:], false, false),
        (["NO_COLOR": "1"], true, true),
        (["TERM": "dumb"], true, false),
        (["TERM": "xterm-256color"], false, false),
    ])
    func shownOnlyOnATerminal(environment: [String: String], isTerminal: Bool, expected: Bool) {
        #expect(Console.showsProgress(environment: environment, isTerminal: isTerminal) == expected)
    }

    @Test(arguments: [
        (MachineProgress.Snapshot(), "server0: starting"),
        (.init(phase: .offline, round: 1, rounds: 3, bytesSent: 32), "server0: offline round 1 of 3, 32 bytes sent"),
        (.init(phase: .online, round: 12, rounds: 17, bytesSent: 3_240_000),
         "server0: online round 12 of 17, 3.2 MB sent"),
        (.init(phase: .online, round: 2, rounds: 9, bytesSent: 999), "server0: online round 2 of 9, 999 bytes sent"),
        (.init(phase: .online, round: 2, rounds: 9, bytesSent: 12_345), "server0: online round 2 of 9, 12.3 kB sent"),
        (.init(phase: .online, round: 2, rounds: 9, bytesSent: 1_500_000_000),
         "server0: online round 2 of 9, 1.5 GB sent"),
    ])
    func line(_ snapshot: MachineProgress.Snapshot, _ expected: String) {
        #expect(ProgressDisplay.line(name: "server0", snapshot) == expected)
    }

    @Test func aLineNeverWraps() {
        let name = String(repeating: "p", count: 100)
        #expect(ProgressDisplay.line(name: name, MachineProgress.Snapshot()).count == ProgressDisplay.width)
    }

    /// The first drawing writes the lines; the next go back to the first line and overwrite each one; the
    /// last erases them all and leaves the cursor where the first began.
    @Test(arguments: [
        (["a", "b"], 0, "a\u{1B}[K\nb\u{1B}[K"),
        (["a", "b"], 2, "\r\u{1B}[1Aa\u{1B}[K\nb\u{1B}[K"),
        (["a"], 1, "\ra\u{1B}[K"),
        (["a", "b", "c"], 3, "\r\u{1B}[2Aa\u{1B}[K\nb\u{1B}[K\nc\u{1B}[K"),
    ])
    func redraw(_ lines: [String], over previous: Int, _ expected: String) {
        #expect(ProgressDisplay.redraw(lines, over: previous) == expected)
    }

    @Test(arguments: [(1, "\r\u{1B}[J"), (3, "\r\u{1B}[2A\u{1B}[J")])
    func erase(_ count: Int, _ expected: String) {
        #expect(ProgressDisplay.erase(count) == expected)
    }

    /// Off a terminal there is no display, so a run writes nothing it did not write before.
    @Test func noDisplayOffATerminal() {
        let recorder = ConsoleRecorder(showsProgress: false)
        #expect(ProgressDisplay(console: recorder.console, names: ["server0"]) == nil)
    }

    /// On a terminal: drawn twice, then erased by `finish()`, which also stops the thread before it draws.
    @Test func drawnAndErased() throws {
        let recorder = ConsoleRecorder(showsProgress: true)
        let display = try #require(
            ProgressDisplay(console: recorder.console, names: ["alice", "bob"], delay: .seconds(3600)))
        display.start()
        display.draw()
        display.machines[1].begin(.online, round: 0, of: 4)
        display.machines[1].sent(2_000)
        display.draw()
        display.finish()
        let first = ["alice: starting", "bob: starting"]
        let second = ["alice: starting", "bob: online round 1 of 4, 2.0 kB sent"]
        #expect(recorder.error == ProgressDisplay.redraw(first, over: 0) + ProgressDisplay.redraw(second, over: 2)
            + ProgressDisplay.erase(2))
        #expect(recorder.output.isEmpty)
    }
}
