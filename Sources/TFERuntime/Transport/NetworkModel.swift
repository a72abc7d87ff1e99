// A simulated network for local runs: latency and bandwidth per directed link.

import Foundation
import TFEBytecode
import TFECore

/// What a local run's frames would cost on a real network (`tfe-vm run --simulate-rtt 40ms
/// --simulate-bandwidth 100mbit`).
///
/// The model: every directed link (sender → receiver) is independent and full duplex, a queue with its own
/// bandwidth `B` and a one-way latency of `rtt / 2`. A frame of `n` bytes (its 16-byte header included)
/// handed to a link at time `t` starts leaving once the link is free, takes `n / B` to serialise, then
/// `rtt / 2` to travel:
///
///     start   = max(t, link free time)
///     arrival = start + n / B + rtt / 2,        link free time = start + n / B
///
/// Sending never blocks (as on TCP with large enough buffers); a receive waits until the frame's arrival.
/// A party's frames to different peers do not share bandwidth, as if each pair of hosts had its own
/// wire; a frame to oneself costs nothing.
///
/// A round of the machine is a send followed by a receive: every party sends its frames of round r as
/// soon as it has received all its frames of round r − 1, so when both sides of an exchange (server0 and
/// server1 opening a value) send at once, the round costs one one-way latency, `rtt / 2`, not a full
/// `rtt`. A request and a reply that depends on it are two rounds, and cost `rtt`. `criticalPath(of:)`
/// gives the exact time a program takes on this network when computing is free: the lower bound of a run.
public struct NetworkModel: Hashable, Sendable, CustomStringConvertible {
    /// The round-trip time; a frame travels for half of it.
    public var rtt: Duration
    /// Bits per second on each directed link; nil for unlimited.
    public var bitsPerSecond: Double?

    public init(rtt: Duration = .zero, bitsPerSecond: Double? = nil) {
        self.rtt = rtt
        self.bitsPerSecond = bitsPerSecond
    }

    /// The LAN setting of `tfe-bench net`: 0.2 ms, 10 Gbit/s.
    public static let lan = NetworkModel(rtt: .microseconds(200), bitsPerSecond: 10e9)
    /// The WAN setting of `tfe-bench net`: 40 ms, 100 Mbit/s.
    public static let wan = NetworkModel(rtt: .milliseconds(40), bitsPerSecond: 100e6)

    /// The one-way latency, `rtt / 2`.
    public var latency: Duration { rtt / 2 }

    /// How long `bytes` take to leave on one link: `bytes · 8 / B`.
    public func serialization(bytes: Int) -> Duration {
        guard let bitsPerSecond, bitsPerSecond > 0 else { return .zero }
        return .nanoseconds(Int64((Double(bytes) * 8e9 / bitsPerSecond).rounded()))
    }

    /// `rtt 40 ms, 100 Mbit/s per link`.
    public var description: String {
        let bandwidth = bitsPerSecond.map { Self.format(bitsPerSecond: $0) + " per link" } ?? "unlimited bandwidth"
        return "rtt \(Self.format(rtt)), \(bandwidth)"
    }

    // MARK: - The lower bound

    /// The longest chain of frames through a run: how long it takes, and what it is made of.
    public struct CriticalPath: Hashable, Sendable {
        /// The wall time of the run if computing took no time.
        public var duration: Duration = .zero
        /// Frames on the chain, each paying one one-way latency.
        public var latencies = 0
        /// Bytes the chain serialises: its frames, and the frames queued before them on their links.
        public var bytes = 0
    }

    /// The wall time of `program` on this network if computing took no time: each party's rounds replayed
    /// with the bytes the cost model gives per link, exactly as `LocalNetwork` delays them. A run cannot be
    /// faster, so this is the tight lower bound for the model; on a slow network, where computing is small
    /// against latency and bandwidth, a run should come close to it. Its `duration` is
    /// `latencies · rtt / 2 + bytes / B` for the chain that ends last.
    public func criticalPath(of program: Program) -> CriticalPath {
        let count = program.players.count
        var ready = [CriticalPath](repeating: CriticalPath(), count: count)
        var linkFree: [Int: CriticalPath] = [:]
        for (phase, rounds) in [(Phase.offline, program.offline), (Phase.online, program.online)] {
            for (number, round) in rounds.enumerated() {
                let frames = CostModel.frameBytes(of: round, phase: phase, number: number, in: program)
                var next = ready
                for (link, bytes) in frames.sorted(by: { $0.key < $1.key }) where link.from != link.to {
                    let key = link.from.rawValue * count + link.to.rawValue
                    // The frame leaves when its sender has sent it and the link has sent what was before it.
                    var path = ready[link.from.rawValue]
                    if let busy = linkFree[key], busy.duration > path.duration { path = busy }
                    path.duration += serialization(bytes: bytes)
                    path.bytes += bytes
                    linkFree[key] = path
                    path.duration += latency
                    path.latencies += 1
                    if path.duration > next[link.to.rawValue].duration { next[link.to.rawValue] = path }
                }
                ready = next
            }
        }
        return ready.max { $0.duration < $1.duration } ?? CriticalPath()
    }

    // MARK: - Formatting

    /// `40 ms`, `0.2 ms`, `1.5 s`, `500 µs`.
    public static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        if seconds >= 1 { return trimmed(seconds) + " s" }
        if seconds >= 1e-4 || seconds == 0 { return trimmed(seconds * 1e3) + " ms" }
        return trimmed(seconds * 1e6) + " µs"
    }

    /// `100 Mbit/s`, `10 Gbit/s`, `512 kbit/s`.
    public static func format(bitsPerSecond: Double) -> String {
        if bitsPerSecond >= 1e9 { return trimmed(bitsPerSecond / 1e9) + " Gbit/s" }
        if bitsPerSecond >= 1e6 { return trimmed(bitsPerSecond / 1e6) + " Mbit/s" }
        if bitsPerSecond >= 1e3 { return trimmed(bitsPerSecond / 1e3) + " kbit/s" }
        return trimmed(bitsPerSecond) + " bit/s"
    }

    /// A number with at most three decimals and no trailing zeros: `0.2`, `40`, `1.5`.
    private static func trimmed(_ value: Double) -> String {
        let text = String(format: "%.3f", value)
        return String(text.reversed().drop { $0 == "0" }.drop { $0 == "." }.reversed())
    }
}
