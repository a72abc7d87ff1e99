// An in-memory network for running every player of a program in one process, one thread each.

import Foundation
import TFEBytecode
import TFECore

/// The wires between all players of a local run: one first-in-first-out mailbox per directed link, and one
/// condition per receiver, so that a frame wakes only the player it is for.
///
/// Sending never blocks. Every frame is encoded (header bytes and payload) and counted per link and phase as
/// it is sent, header included, so a local run reports the traffic it really produced. Closing the network
/// (when one party fails) wakes every waiting receiver with an error, so nobody waits for a party that is
/// gone; a party that has left (finished) makes receives from it fail at once instead of timing out.
///
/// With a `NetworkModel`, every frame also gets the time it would arrive on that network (see the model
/// for the formula), and a receive waits until then: a local run then takes as long as a deployment on
/// that network would, computing included.
public final class LocalNetwork: @unchecked Sendable {
    /// Player names by `PlayerID`, for messages.
    public let players: [String]
    /// The simulated network; nil delivers frames at once.
    public let model: NetworkModel?
    private let clock = ContinuousClock()

    /// One frame on a link: its encoded header, its payload and when it arrives.
    private typealias Entry = (header: [UInt8], payload: [UInt8], arrival: ContinuousClock.Instant)

    /// What one player receives: a first-in-first-out queue per sender, and the condition that player's receives
    /// wait on. A send wakes only its receiver's condition.
    private final class Inbox {
        // Everything here is guarded by `condition`.
        let condition = NSCondition()
        /// Frames waiting, by sender: `queues[sender][heads[sender]...]`.
        var queues: [[Entry]]
        var heads: [Int]
        /// With a model: when each link into this player has finished serialising the frames handed to it so far.
        var linkFree: [ContinuousClock.Instant?]

        init(senders: Int) {
            queues = Array(repeating: [], count: senders)
            heads = Array(repeating: 0, count: senders)
            linkFree = Array(repeating: nil, count: senders)
        }

        /// The oldest frame from `sender`, if any.
        func first(from sender: Int) -> Entry? {
            heads[sender] < queues[sender].count ? queues[sender][heads[sender]] : nil
        }

        func removeFirst(from sender: Int) -> Entry {
            let entry = queues[sender][heads[sender]]
            heads[sender] += 1
            if heads[sender] == queues[sender].count {
                queues[sender].removeAll(keepingCapacity: true)
                heads[sender] = 0
            }
            return entry
        }
    }

    /// Indexed by the receiver's `PlayerID`.
    private let inboxes: [Inbox]

    // Everything below is guarded by `lock`. A receive holds its inbox's condition and then takes `lock` to look
    // at `closedReason` and `departed`; `close` and `leave` take `lock` first and release it before waking each
    // inbox, so a receive that found the network open is waiting by the time it is woken.
    private let lock = NSLock()
    private var closedReason: String?
    private var departed: Set<PlayerID> = []
    private var traffic: [Cost.Link: Int] = [:]
    private var roundsWithTraffic: [Phase: Set<Int>] = [.offline: [], .online: []]

    public init(players: [String], model: NetworkModel? = nil) {
        self.players = players
        self.model = model
        self.inboxes = players.map { _ in Inbox(senders: players.count) }
    }

    /// The endpoint of one player.
    public func transport(for player: PlayerID) -> LocalTransport {
        LocalTransport(network: self, player: player)
    }

    /// Shuts the network down: every pending and future receive or send fails with `TransportError.closed`.
    public func close(reason: String) {
        lock.lock()
        if closedReason == nil { closedReason = reason }
        lock.unlock()
        wakeEveryReceiver()
    }

    /// Marks a player as gone: receives waiting on a frame it never sent fail with `.disconnected`.
    public func leave(_ player: PlayerID) {
        lock.lock()
        departed.insert(player)
        lock.unlock()
        wakeEveryReceiver()
    }

    private func wakeEveryReceiver() {
        for inbox in inboxes {
            inbox.condition.lock()
            inbox.condition.broadcast()
            inbox.condition.unlock()
        }
    }

    /// Rounds (per phase, counting rounds in which any frame was sent) and bytes per link, as measured.
    public var measuredCost: Cost {
        lock.lock()
        defer { lock.unlock() }
        var cost = Cost()
        cost.bytes = traffic
        for phase in Phase.allCases { cost.rounds[phase] = roundsWithTraffic[phase]?.count ?? 0 }
        return cost
    }

    // MARK: - Endpoint operations

    private func name(_ player: PlayerID) -> String {
        players.indices.contains(player.rawValue) ? players[player.rawValue] : "player \(player.rawValue)"
    }

    fileprivate func send(_ frame: Frame, from sender: PlayerID, to receiver: PlayerID) throws(TransportError) {
        guard players.indices.contains(receiver.rawValue) else { throw .unknownPlayer(receiver.rawValue) }
        guard frame.sender == sender, frame.receiver == receiver else {
            throw .malformedHeader(
                "frame from \(name(frame.sender)) to \(name(frame.receiver)) "
                    + "sent by \(name(sender)) to \(name(receiver))")
        }
        let header = try frame.header.encoded()
        lock.lock()
        if let closedReason {
            lock.unlock()
            throw .closed(reason: closedReason)
        }
        if departed.contains(receiver) {
            lock.unlock()
            throw .disconnected(peer: name(receiver))
        }
        traffic[Cost.Link(from: sender, to: receiver, phase: frame.phase), default: 0] +=
            header.count + frame.payload.count
        roundsWithTraffic[frame.phase, default: []].insert(frame.round)
        lock.unlock()

        let inbox = inboxes[receiver.rawValue]
        inbox.condition.lock()
        defer { inbox.condition.unlock() }
        var arrival = clock.now
        if let model, sender != receiver {
            // The model's formula: serialisation behind the frames already on the link, then the latency.
            let start = max(arrival, inbox.linkFree[sender.rawValue] ?? arrival)
            let sent = start + model.serialization(bytes: header.count + frame.payload.count)
            inbox.linkFree[sender.rawValue] = sent
            arrival = sent + model.latency
        }
        inbox.queues[sender.rawValue].append((header, frame.payload, arrival))
        inbox.condition.broadcast()
    }

    /// Why receives fail now, if they do: the network closed, or (`.disconnected`) `sender` left.
    private func failure(waitingOn sender: PlayerID) -> (closed: String?, departed: Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (closedReason, departed.contains(sender))
    }

    fileprivate func receive(
        by receiver: PlayerID, from sender: PlayerID, phase: Phase, round: Int, timeout: Duration
    ) throws(TransportError) -> Frame {
        guard players.indices.contains(sender.rawValue) else { throw .unknownPlayer(sender.rawValue) }
        guard players.indices.contains(receiver.rawValue) else { throw .unknownPlayer(receiver.rawValue) }
        let seconds = timeout.inSeconds
        let deadline = Date(timeIntervalSinceNow: seconds)
        let inbox = inboxes[receiver.rawValue]
        inbox.condition.lock()
        defer { inbox.condition.unlock() }
        while true {
            let (closedReason, senderLeft) = failure(waitingOn: sender)
            if let closedReason { throw .closed(reason: closedReason) }
            if let arrival = inbox.first(from: sender.rawValue)?.arrival, arrival > clock.now {
                // In flight on the simulated network: wait for its arrival (or the deadline, or a close).
                if Date() >= deadline {
                    throw .timedOut(peer: name(sender), phase: phase, round: round, seconds: seconds)
                }
                let wait = (arrival - clock.now).inSeconds
                _ = inbox.condition.wait(until: min(deadline, Date(timeIntervalSinceNow: max(wait, 0))))
                continue
            }
            if inbox.first(from: sender.rawValue) != nil {
                let (headerBytes, payload, _) = inbox.removeFirst(from: sender.rawValue)
                let frame = try Frame(header: FrameHeader(decoding: headerBytes), payload: payload)
                guard frame.phase == phase, frame.round == round else {
                    throw .unexpectedFrame(
                        peer: name(sender), expectedPhase: phase, expectedRound: round, phase: frame.phase,
                        round: frame.round)
                }
                return frame
            }
            if senderLeft { throw .disconnected(peer: name(sender)) }
            if Date() >= deadline {
                throw .timedOut(peer: name(sender), phase: phase, round: round, seconds: seconds)
            }
            _ = inbox.condition.wait(until: deadline)
        }
    }
}

/// One player's endpoint on a `LocalNetwork`.
public struct LocalTransport: Transport {
    let network: LocalNetwork
    public let player: PlayerID

    public func send(_ frame: Frame, to receiver: PlayerID) throws(TransportError) {
        try network.send(frame, from: player, to: receiver)
    }

    public func receive(
        from sender: PlayerID, phase: Phase, round: Int, timeout: Duration
    ) throws(TransportError) -> Frame {
        try network.receive(by: player, from: sender, phase: phase, round: round, timeout: timeout)
    }
}
