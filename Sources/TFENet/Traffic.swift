// What one party's transport measured: bytes per link and phase, and the rounds it sent in.

import TFEBytecode
import TFECore

/// The traffic one party's `TCPTransport` carried, counted exactly as `LocalNetwork` counts it: every
/// frame's 16 header bytes and its payload, per directed link and phase, when it is sent.
public struct Traffic: Hashable, Sendable {
    /// Bytes of the frames this party sent, per link (this party to a peer) and phase.
    public var sent: [Cost.Link: Int] = [:]
    /// Bytes of the frames this party received, per link (a peer to this party) and phase.
    public var received: [Cost.Link: Int] = [:]
    /// The rounds, per phase, in which this party sent at least one frame.
    public var roundsSent: [Phase: Set<Int>] = [.offline: [], .online: []]

    public init() {}

    /// This party's share of the run's cost: its outgoing links, and the rounds in which it sent.
    public var cost: Cost {
        Traffic.combined([self])
    }

    public var totalSent: Int { sent.values.reduce(0, +) }
    public var totalReceived: Int { received.values.reduce(0, +) }

    /// The whole run's cost from every party's traffic: each link is counted by its sender, and a round
    /// counts when any party sent in it. Equal to `CostModel.cost(of:)` for a correct run.
    public static func combined(_ parts: [Traffic]) -> Cost {
        var cost = Cost()
        var rounds: [Phase: Set<Int>] = [.offline: [], .online: []]
        for part in parts {
            for (link, bytes) in part.sent { cost.bytes[link, default: 0] += bytes }
            for (phase, numbers) in part.roundsSent { rounds[phase, default: []].formUnion(numbers) }
        }
        for phase in Phase.allCases { cost.rounds[phase] = rounds[phase]?.count ?? 0 }
        return cost
    }
}
