// An in-memory network for running every player of a program in one process, one thread each.

import Foundation
import TFEBytecode
import TFECore

/// The wires between all players of a local run: one first-in-first-out mailbox per directed link.
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

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    /// Encoded frames (header bytes, payload, arrival time) waiting on each link, keyed by `from * count + to`.
    private var mailboxes: [Int: [(header: [UInt8], payload: [UInt8], arrival: ContinuousClock.Instant)]] = [:]
    /// With a model: when each link has finished serialising the frames handed to it so far.
    private var linkFree: [Int: ContinuousClock.Instant] = [:]
    private var closedReason: String?
    private var departed: Set<PlayerID> = []
    private var traffic: [Cost.Link: Int] = [:]
    private var roundsWithTraffic: [Phase: Set<Int>] = [.offline: [], .online: []]

    public init(players: [String], model: NetworkModel? = nil) {
        self.players = players
        self.model = model
    }

    /// The endpoint of one player.
    public func transport(for player: PlayerID) -> LocalTransport {
        LocalTransport(network: self, player: player)
    }

    /// Shuts the network down: every pending and future receive or send fails with `TransportError.closed`.
    public func close(reason: String) {
        condition.lock()
        defer { condition.unlock() }
        if closedReason == nil { closedReason = reason }
        condition.broadcast()
    }

    /// Marks a player as gone: receives waiting on a frame it never sent fail with `.disconnected`.
    public func leave(_ player: PlayerID) {
        condition.lock()
        defer { condition.unlock() }
        departed.insert(player)
        condition.broadcast()
    }

    /// Rounds (per phase, counting rounds in which any frame was sent) and bytes per link, as measured.
    public var measuredCost: Cost {
        condition.lock()
        defer { condition.unlock() }
        var cost = Cost()
        cost.bytes = traffic
        for phase in Phase.allCases { cost.rounds[phase] = roundsWithTraffic[phase]?.count ?? 0 }
        return cost
    }

    // MARK: - Endpoint operations

    private func name(_ player: PlayerID) -> String {
        players.indices.contains(player.rawValue) ? players[player.rawValue] : "player \(player.rawValue)"
    }

    private func key(from sender: PlayerID, to receiver: PlayerID) -> Int {
        sender.rawValue * players.count + receiver.rawValue
    }

    fileprivate func send(_ frame: Frame, from sender: PlayerID, to receiver: PlayerID) throws(TransportError) {
        guard players.indices.contains(receiver.rawValue) else { throw .unknownPlayer(receiver.rawValue) }
        guard frame.sender == sender, frame.receiver == receiver else {
            throw .malformedHeader(
                "frame from \(name(frame.sender)) to \(name(frame.receiver)) "
                    + "sent by \(name(sender)) to \(name(receiver))")
        }
        let header = try frame.header.encoded()
        condition.lock()
        defer { condition.unlock() }
        if let closedReason { throw .closed(reason: closedReason) }
        if departed.contains(receiver) { throw .disconnected(peer: name(receiver)) }
        let link = key(from: sender, to: receiver)
        var arrival = clock.now
        if let model, sender != receiver {
            // The model's formula: serialisation behind the frames already on the link, then the latency.
            let start = max(arrival, linkFree[link] ?? arrival)
            let sent = start + model.serialization(bytes: header.count + frame.payload.count)
            linkFree[link] = sent
            arrival = sent + model.latency
        }
        mailboxes[link, default: []].append((header, frame.payload, arrival))
        traffic[Cost.Link(from: sender, to: receiver, phase: frame.phase), default: 0] +=
            header.count + frame.payload.count
        roundsWithTraffic[frame.phase, default: []].insert(frame.round)
        condition.broadcast()
    }

    fileprivate func receive(
        by receiver: PlayerID, from sender: PlayerID, phase: Phase, round: Int, timeout: Duration
    ) throws(TransportError) -> Frame {
        guard players.indices.contains(sender.rawValue) else { throw .unknownPlayer(sender.rawValue) }
        let seconds = timeout.inSeconds
        let deadline = Date(timeIntervalSinceNow: seconds)
        let link = key(from: sender, to: receiver)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let closedReason { throw .closed(reason: closedReason) }
            if let arrival = mailboxes[link]?.first?.arrival, arrival > clock.now {
                // In flight on the simulated network: wait for its arrival (or the deadline, or a close).
                if Date() >= deadline {
                    throw .timedOut(peer: name(sender), phase: phase, round: round, seconds: seconds)
                }
                let wait = (arrival - clock.now).inSeconds
                _ = condition.wait(until: min(deadline, Date(timeIntervalSinceNow: max(wait, 0))))
                continue
            }
            if var queue = mailboxes[link], !queue.isEmpty {
                let (headerBytes, payload, _) = queue.removeFirst()
                mailboxes[link] = queue
                let frame = try Frame(header: FrameHeader(decoding: headerBytes), payload: payload)
                guard frame.phase == phase, frame.round == round else {
                    throw .unexpectedFrame(
                        peer: name(sender), expectedPhase: phase, expectedRound: round, phase: frame.phase,
                        round: frame.round)
                }
                return frame
            }
            if departed.contains(sender) { throw .disconnected(peer: name(sender)) }
            if Date() >= deadline {
                throw .timedOut(peer: name(sender), phase: phase, round: round, seconds: seconds)
            }
            _ = condition.wait(until: deadline)
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
