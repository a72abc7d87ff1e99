// Frames that arrived and wait for `receive`, per peer and (phase, round); the state every thread shares.

import Foundation
import TFEBytecode
import TFECore
import TFERuntime

/// A frame's place in a sender's stream: offline rounds first, then online rounds, each in order.
struct FrameKey: Hashable, Comparable, Sendable {
    let phase: Phase
    let round: Int

    static func < (a: FrameKey, b: FrameKey) -> Bool {
        (a.phase == .offline ? 0 : 1, a.round) < (b.phase == .offline ? 0 : 1, b.round)
    }
}

/// What the reader threads deliver and `receive` takes: buffered frames, each peer's failure, whether the
/// transport was closed, and the traffic counters. One condition guards it all.
final class Mailbox: @unchecked Sendable {
    let players: [String]
    private let condition = NSCondition()
    private var frames: [PlayerID: [FrameKey: [Frame]]] = [:]
    /// Why a peer's link is gone (disconnected, malformed frame); frames buffered before still count.
    private var failures: [PlayerID: TransportError] = [:]
    /// State notices that arrived, by sender and kind (one of each kind per run).
    private var notices: [PlayerID: [StateNotice: [UInt8]]] = [:]
    private var closedBecause: String?
    private var traffic = Traffic()
    /// Raised with the first failure that dooms the run: the transport closing, or a peer's link ending before
    /// the peer said it had finished.
    let stopSignal = StopSignal()

    init(players: [String]) {
        self.players = players
    }

    func name(_ player: PlayerID) -> String {
        players.indices.contains(player.rawValue) ? players[player.rawValue] : "player \(player.rawValue)"
    }

    /// Why the transport was closed, if it was.
    var closedReason: String? {
        condition.lock()
        defer { condition.unlock() }
        return closedBecause
    }

    var measured: Traffic {
        condition.lock()
        defer { condition.unlock() }
        return traffic
    }

    // MARK: - Reader side

    func deliver(_ frame: Frame) {
        condition.lock()
        defer { condition.unlock() }
        frames[frame.sender, default: [:]][FrameKey(phase: frame.phase, round: frame.round), default: []]
            .append(frame)
        traffic.received[Cost.Link(from: frame.sender, to: frame.receiver, phase: frame.phase), default: 0] +=
            frame.wireByteCount
        condition.broadcast()
    }

    func deliver(_ notice: StateNotice, from peer: PlayerID, body: [UInt8]) {
        condition.lock()
        defer { condition.unlock() }
        notices[peer, default: [:]][notice] = body
        condition.broadcast()
    }

    /// The link from `peer` is gone; receives that still need a frame from it fail with `error`. The
    /// first failure of a link is the one reported. `stopping` (the peer did not finish its run) also raises
    /// the stop signal, so that the machine stops before its next receive.
    func fail(_ peer: PlayerID, _ error: TransportError, stopping: Bool = true) {
        if stopping { stopSignal.raise(error) }
        condition.lock()
        defer { condition.unlock() }
        if failures[peer] == nil { failures[peer] = error }
        condition.broadcast()
    }

    /// Every pending and later receive and send fails with `.closed(reason:)`; the first reason stays.
    func close(reason: String) {
        stopSignal.raise(.closed(reason: reason))
        condition.lock()
        defer { condition.unlock() }
        if closedBecause == nil { closedBecause = reason }
        condition.broadcast()
    }

    // MARK: - Transport side

    /// Throws if the transport is closed or the link to `peer` has failed.
    func checkOpen(to peer: PlayerID) throws(TransportError) {
        condition.lock()
        defer { condition.unlock() }
        if let closedBecause { throw .closed(reason: closedBecause) }
        if let failure = failures[peer] { throw failure }
    }

    func recordSent(_ frame: Frame) {
        condition.lock()
        defer { condition.unlock() }
        traffic.sent[Cost.Link(from: frame.sender, to: frame.receiver, phase: frame.phase), default: 0] +=
            frame.wireByteCount
        traffic.roundsSent[frame.phase, default: []].insert(frame.round)
    }

    /// The body of the state notice of this kind from `sender`: arrived already, or the next to arrive. Fails
    /// as `receive` does: the transport closed (a peer's abort notice says why), the link gone, or the timeout.
    func receive(_ notice: StateNotice, from sender: PlayerID, timeout: Duration) throws(TransportError) -> [UInt8] {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let body = notices[sender]?[notice] { return body }
            if let closedBecause { throw .closed(reason: closedBecause) }
            if let failure = failures[sender] { throw failure }
            if Date() >= deadline {
                throw .timedOutWaiting(peer: name(sender), for: notice.description, seconds: seconds)
            }
            _ = condition.wait(until: deadline)
        }
    }

    /// The frame `sender` sent for `phase` and `round`: buffered already, or the next to arrive.
    ///
    /// A sender sends its frames in stream order (`FrameKey`), and TCP keeps that order, so when a later
    /// frame is buffered and the wanted one is not, it will never come: the sender runs another program.
    func receive(from sender: PlayerID, phase: Phase, round: Int, timeout: Duration) throws(TransportError) -> Frame {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let deadline = Date(timeIntervalSinceNow: seconds)
        let key = FrameKey(phase: phase, round: round)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if var queue = frames[sender]?[key], !queue.isEmpty {
                let frame = queue.removeFirst()
                frames[sender]![key] = queue.isEmpty ? nil : queue
                return frame
            }
            if let closedBecause { throw .closed(reason: closedBecause) }
            if let later = frames[sender]?.keys.filter({ $0 > key }).min() {
                throw .unexpectedFrame(
                    peer: name(sender), expectedPhase: phase, expectedRound: round, phase: later.phase,
                    round: later.round)
            }
            if let failure = failures[sender] { throw failure }
            if Date() >= deadline {
                throw .timedOut(peer: name(sender), phase: phase, round: round, seconds: seconds)
            }
            _ = condition.wait(until: deadline)
        }
    }
}
