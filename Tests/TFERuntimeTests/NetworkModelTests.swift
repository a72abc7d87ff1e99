// The simulated network: latency per frame, serialisation per link, independent links, and the lower bound.

import Dispatch
import Foundation
import TFEBytecode
import TFECore
import Testing

@testable import TFERuntime

@Suite struct NetworkModelTests {
    static let players = PlayerID.serverNames + ["alice"]

    static func frame(_ from: PlayerID, _ to: PlayerID, round: Int = 0, bytes: Int = 0) -> Frame {
        Frame(phase: .online, round: round, sender: from, receiver: to, payload: [UInt8](repeating: 7, count: bytes))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test func serializationAndLatency() {
        let model = NetworkModel(rtt: .milliseconds(40), bitsPerSecond: 100e6)
        #expect(model.latency == .milliseconds(20))
        #expect(model.serialization(bytes: 1_250_000) == .milliseconds(100))
        #expect(NetworkModel(rtt: .milliseconds(1)).serialization(bytes: 1 << 30) == .zero)
        #expect(model.description == "rtt 40 ms, 100 Mbit/s per link")
        #expect(NetworkModel.lan.description == "rtt 0.2 ms, 10 Gbit/s per link")
        #expect(NetworkModel(rtt: .microseconds(50)).description == "rtt 50 µs, unlimited bandwidth")
    }

    /// Both sides of an exchange send at once: each receives after one one-way latency, not a round trip.
    @Test func simultaneousExchangeCostsOneWayLatency() throws {
        // A 2 s round trip, so that the one-way bound (1 s) leaves a second for a loaded machine's delays.
        let network = LocalNetwork(players: Self.players, model: NetworkModel(rtt: .seconds(2)))
        let s0 = network.transport(for: .server0), s1 = network.transport(for: .server1)
        let start = ContinuousClock.now
        try s0.send(Self.frame(.server0, .server1), to: .server1)
        try s1.send(Self.frame(.server1, .server0), to: .server0)
        _ = try s0.receive(from: .server1, phase: .online, round: 0, timeout: .seconds(10))
        _ = try s1.receive(from: .server0, phase: .online, round: 0, timeout: .seconds(10))
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .seconds(1))
        #expect(elapsed < .seconds(2))
    }

    /// A reply that depends on a message costs the full round trip.
    @Test func replyCostsRoundTrip() throws {
        let network = LocalNetwork(players: Self.players, model: NetworkModel(rtt: .milliseconds(40)))
        let s0 = network.transport(for: .server0), s1 = network.transport(for: .server1)
        let start = ContinuousClock.now
        try s0.send(Self.frame(.server0, .server1), to: .server1)
        let replied = DispatchSemaphore(value: 0)
        Thread {
            _ = try? s1.receive(from: .server0, phase: .online, round: 0, timeout: .seconds(5))
            try? s1.send(Self.frame(.server1, .server0, round: 1), to: .server0)
            replied.signal()
        }.start()
        _ = try s0.receive(from: .server1, phase: .online, round: 1, timeout: .seconds(5))
        replied.wait()
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(40))  // no upper bound: a loaded machine can delay any thread
    }

    /// A frame of n bytes takes n / B on its link; frames on one link queue, frames on other links do not.
    @Test func bandwidthPerLink() throws {
        // 8 Mbit/s: 1 byte per microsecond, so 40,000 bytes (with the header) take 40 ms.
        let model = NetworkModel(rtt: .zero, bitsPerSecond: 8e6)
        let network = LocalNetwork(players: Self.players, model: model)
        let s0 = network.transport(for: .server0), s1 = network.transport(for: .server1)
        let s2 = network.transport(for: .server2)
        let payload = 40_000 - WireFormat.frameHeaderBytes
        let start = ContinuousClock.now
        try s2.send(Self.frame(.server2, .server0, round: 0, bytes: payload), to: .server0)
        try s2.send(Self.frame(.server2, .server0, round: 1, bytes: payload), to: .server0)
        try s2.send(Self.frame(.server2, .server1, round: 0, bytes: payload), to: .server1)
        _ = try s1.receive(from: .server2, phase: .online, round: 0, timeout: .seconds(5))
        let other = ContinuousClock.now - start
        _ = try s0.receive(from: .server2, phase: .online, round: 0, timeout: .seconds(5))
        let first = ContinuousClock.now - start
        _ = try s0.receive(from: .server2, phase: .online, round: 1, timeout: .seconds(5))
        let second = ContinuousClock.now - start
        // Lower bounds only: a loaded machine can delay any thread, so an upper bound could fail without a bug.
        #expect(other >= .milliseconds(40), "independent link: \(other)")
        #expect(first >= .milliseconds(40), "first frame: \(first)")
        #expect(second >= .milliseconds(80), "queued frame: \(second)")
    }

    /// A frame still in flight when the receive's deadline passes is a timeout, and closing wakes the wait.
    @Test func inFlightFramesTimeOutAndClose() throws {
        // A frame stays in flight for a minute: a receive must end by its own timeout or by the close, never by
        // the frame arriving (no wall-clock bound, which a loaded machine can miss).
        let network = LocalNetwork(players: Self.players, model: NetworkModel(rtt: .seconds(120)))
        let s0 = network.transport(for: .server0), s1 = network.transport(for: .server1)
        try s0.send(Self.frame(.server0, .server1), to: .server1)
        #expect(throws: TransportError.timedOut(peer: "server0", phase: .online, round: 0, seconds: 0.05)) {
            try s1.receive(from: .server0, phase: .online, round: 0, timeout: .milliseconds(50))
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) { network.close(reason: "stop") }
        // Closing wakes the receiver: it sees the close, not its 30-second timeout.
        #expect(throws: TransportError.closed(reason: "stop")) {
            try s1.receive(from: .server0, phase: .online, round: 0, timeout: .seconds(30))
        }
    }

    /// The lower bound replays the rounds: here an exchange between server0 and server1, then an output to
    /// alice that depends on it, beside server2's preprocessing.
    @Test func criticalPathReplaysRounds() {
        var program = Program(name: "t.tfe", protocolKind: .pond, fractionalBits: 16, players: Self.players)
        program.privateRegisters = [RegisterInfo(.fixed, Shape([1000]))]
        program.publicRegisters = [RegisterInfo(.fixed, Shape([1000]))]
        program.outputs = [IODeclaration(player: PlayerID(3), name: "y", element: .fixed, shape: Shape([1000]),
                                         disclosure: .private)]
        program.online = [
            Round([.open(dst: PublicRegister(0), src: PrivateRegister(0))]),
            Round([.output(player: PlayerID(3), name: "y", src: .private(PrivateRegister(0)))]),
        ]
        let frame = 8000 + WireFormat.frameHeaderBytes
        let latencyOnly = NetworkModel(rtt: .milliseconds(10))
        #expect(latencyOnly.criticalPath(of: program).duration == .milliseconds(10))
        let model = NetworkModel(rtt: .milliseconds(10), bitsPerSecond: 8e6)
        // Two dependent rounds, each one frame of `frame` bytes on its link then a one-way latency.
        let path = model.criticalPath(of: program)
        #expect(path.duration == (Duration.microseconds(frame) + .milliseconds(5)) * 2)
        #expect(path.latencies == 2)
        #expect(path.bytes == 2 * frame)
    }
}
