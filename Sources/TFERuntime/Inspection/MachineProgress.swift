// How far a running machine has got, for a progress display on another thread.

import Foundation
import TFEBytecode

/// How far one party's machine has got: the machine updates it when a round begins and after each frame it
/// sends (a lock taken a few times per round, nothing per instruction); a display reads `snapshot` from
/// another thread whenever it likes.
public final class MachineProgress: @unchecked Sendable {  // `lock` guards `current`
    /// Where a machine is.
    public struct Snapshot: Hashable, Sendable {
        /// The phase of the round under way; nil before the first round.
        public var phase: Phase?
        /// The round under way, counted from 1 within its phase (0 before the first).
        public var round: Int
        /// How many rounds the program has in that phase.
        public var rounds: Int
        /// Bytes this party has sent so far, frame headers included (as the measured cost counts them).
        public var bytesSent: Int

        public init(phase: Phase? = nil, round: Int = 0, rounds: Int = 0, bytesSent: Int = 0) {
            self.phase = phase
            self.round = round
            self.rounds = rounds
            self.bytesSent = bytesSent
        }
    }

    private let lock = NSLock()
    private var current = Snapshot()

    public init() {}

    /// The machine's position now.
    public var snapshot: Snapshot {
        lock.withLock { current }
    }

    /// Round `number` (from 0) of the `count` rounds of `phase` begins.
    func begin(_ phase: Phase, round number: Int, of count: Int) {
        lock.withLock {
            current.phase = phase
            current.round = number + 1
            current.rounds = count
        }
    }

    /// The machine handed a frame of `bytes` bytes, header included, to its transport.
    func sent(_ bytes: Int) {
        lock.withLock { current.bytesSent += bytes }
    }
}
