// Frame headers byte for byte, and the in-memory network: delivery, accounting, timeouts, closing.

import Dispatch
import Foundation
import TFEBytecode
import TFECore
import Testing

@testable import TFERuntime

@Suite struct TransportTests {
    static let players = PlayerID.serverNames + ["alice"]

    @Test func headerLayout() throws {
        let header = FrameHeader(
            payloadLength: 0x0102_0304, phase: .online, round: 0x0A0B_0C0D, sender: PlayerID(0x0203),
            receiver: PlayerID(1))
        let bytes = try header.encoded()
        #expect(bytes.count == WireFormat.frameHeaderBytes)
        #expect(bytes == [0x04, 0x03, 0x02, 0x01, 1, 0, 0, 0, 0x0D, 0x0C, 0x0B, 0x0A, 0x03, 0x02, 0x01, 0x00])
        #expect(try FrameHeader(decoding: bytes) == header)
        let offline = FrameHeader(payloadLength: 32, phase: .offline, round: 0, sender: .server2, receiver: .server0)
        #expect(try FrameHeader(decoding: offline.encoded()) == offline)
    }

    /// The network's notices (TFENet's `Connection`) use the same layout with a phase byte of their own, which
    /// `FrameHeader(decoding:)` refuses.
    @Test func noticeHeadersShareTheLayout() throws {
        let notice = FrameHeader.layout(
            payloadLength: 5, phaseCode: 0xFF, round: 0, sender: .server1, receiver: .server0)
        #expect(notice == [5, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0])
        #expect(FrameHeader.phaseCode(of: notice) == 0xFF && FrameHeader.payloadLength(of: notice) == 5)
        #expect(throws: TransportError.self) { try FrameHeader(decoding: notice) }
        let frame = FrameHeader(payloadLength: 70_000, phase: .online, round: 3, sender: .server0, receiver: .server2)
        let bytes = try frame.encoded()
        let laidOut = FrameHeader.layout(
            payloadLength: 70_000, phaseCode: 1, round: 3, sender: .server0, receiver: .server2)
        #expect(bytes == laidOut)
        #expect(FrameHeader.payloadLength(of: bytes) == 70_000)
    }

    @Test func malformedHeadersAreRejected() throws {
        let good = try FrameHeader(payloadLength: 8, phase: .online, round: 1, sender: .server0, receiver: .server1)
            .encoded()
        var badPhase = good
        badPhase[4] = 2
        var badReserved = good
        badReserved[6] = 1
        #expect(throws: TransportError.malformedHeader("unknown phase 2")) { try FrameHeader(decoding: badPhase) }
        #expect(throws: TransportError.malformedHeader("reserved bytes are not zero")) {
            try FrameHeader(decoding: badReserved)
        }
        #expect(throws: TransportError.self) { try FrameHeader(decoding: good.dropLast()) }
        let header = try FrameHeader(decoding: good)
        #expect(throws: TransportError.self) { try Frame(header: header, payload: [1, 2, 3]) }
        let tooFar = FrameHeader(payloadLength: 0, phase: .online, round: 1 << 32, sender: .server0, receiver: .server1)
        #expect(throws: TransportError.self) { try tooFar.encoded() }
    }

    @Test func deliversInOrderAndCountsBytes() throws {
        let network = LocalNetwork(players: Self.players)
        let alice = network.transport(for: PlayerID(3)), s0 = network.transport(for: .server0)
        try alice.send(
            Frame(phase: .online, round: 0, sender: PlayerID(3), receiver: .server0, payload: [1, 2]), to: .server0)
        try alice.send(
            Frame(phase: .online, round: 1, sender: PlayerID(3), receiver: .server0, payload: []), to: .server0)
        try s0.send(Frame(phase: .offline, round: 0, sender: .server0, receiver: .server0, payload: [9]), to: .server0)
        let first = try s0.receive(from: PlayerID(3), phase: .online, round: 0, timeout: .seconds(1))
        #expect(first.payload == [1, 2])
        #expect(try s0.receive(from: PlayerID(3), phase: .online, round: 1, timeout: .seconds(1)).payload == [])
        #expect(try s0.receive(from: .server0, phase: .offline, round: 0, timeout: .seconds(1)).payload == [9])
        var expected = Cost()
        expected.rounds = [.offline: 1, .online: 2]
        expected.bytes = [
            Cost.Link(from: PlayerID(3), to: .server0, phase: .online): 2 * WireFormat.frameHeaderBytes + 2,
            Cost.Link(from: .server0, to: .server0, phase: .offline): WireFormat.frameHeaderBytes + 1,
        ]
        #expect(network.measuredCost == expected)
    }

    @Test func wrongRoundIsAnError() throws {
        let network = LocalNetwork(players: Self.players)
        let s0 = network.transport(for: .server0), s1 = network.transport(for: .server1)
        try s0.send(Frame(phase: .online, round: 2, sender: .server0, receiver: .server1, payload: []), to: .server1)
        #expect(
            throws: TransportError.unexpectedFrame(
                peer: "server0", expectedPhase: .online, expectedRound: 1, phase: .online, round: 2)
        ) { try s1.receive(from: .server0, phase: .online, round: 1, timeout: .seconds(1)) }
        // A frame whose header disagrees with the link is refused.
        #expect(throws: TransportError.self) {
            try s0.send(
                Frame(phase: .online, round: 0, sender: .server1, receiver: .server0, payload: []), to: .server0)
        }
    }

    @Test func timeoutClosingAndLeaving() throws {
        let network = LocalNetwork(players: Self.players)
        let s1 = network.transport(for: .server1)
        #expect(throws: TransportError.timedOut(peer: "server2", phase: .offline, round: 0, seconds: 0.05)) {
            try s1.receive(from: .server2, phase: .offline, round: 0, timeout: .milliseconds(50))
        }
        network.leave(PlayerID(3))
        #expect(throws: TransportError.disconnected(peer: "alice")) {
            try s1.receive(from: PlayerID(3), phase: .online, round: 0, timeout: .seconds(30))
        }
        // A receiver blocked with a long timeout wakes up as soon as the network closes.
        let start = ContinuousClock.now
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) {
            network.close(reason: "alice failed")
        }
        #expect(throws: TransportError.closed(reason: "alice failed")) {
            try s1.receive(from: .server0, phase: .online, round: 0, timeout: .seconds(30))
        }
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(throws: TransportError.closed(reason: "alice failed")) {
            try s1.send(
                Frame(phase: .online, round: 0, sender: .server1, receiver: .server0, payload: []), to: .server0)
        }
        #expect(
            "\(TransportError.timedOut(peer: "server1", phase: .online, round: 3, seconds: 30))"
                == "timed out after 30 s waiting for server1 in online round 3")
        #expect("\(TransportError.disconnected(peer: "server1"))" == "server1 disconnected")
    }
}
