// Frames on an established connection: buffering by (phase, round), malformed and oversized headers, a peer
// that goes away, abort notices, byte counting, and closing. The peer is a raw socket of a socket pair.

import Foundation
import TFEBytecode
import TFECore
import TFERuntime
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import TFENet

@Suite struct FramingTests {
    /// server0's transport connected to a raw socket playing server1.
    func pair(maxFrameBytes: Int = 1 << 20) throws -> (TCPTransport, Socket) {
        var descriptors: [Int32] = [0, 0]
        #if os(Linux)
        let kind = Int32(SOCK_STREAM.rawValue)
        #else
        let kind = SOCK_STREAM
        #endif
        try #require(socketpair(AF_UNIX, kind, 0, &descriptors) == 0)
        let connection = Connection(peer: .server1, address: "pair", socket: Socket(descriptor: descriptors[0]))
        let transport = try TCPTransport(
            player: .server0, players: PlayerID.serverNames, runID: Handshake.noRunID,
            options: .test(maxFrameBytes: maxFrameBytes), connections: [.server1: connection],
            ignoredConnections: [])
        return (transport, Socket(descriptor: descriptors[1]))
    }

    func frame(_ phase: Phase, _ round: Int, _ payload: [UInt8] = [1, 2, 3], from sender: PlayerID = .server1)
        -> Frame
    {
        Frame(phase: phase, round: round, sender: sender, receiver: .server0, payload: payload)
    }

    func receive(_ transport: TCPTransport, _ phase: Phase, _ round: Int, timeout: Duration = .seconds(5))
        throws(TransportError) -> Frame
    {
        try transport.receive(from: .server1, phase: phase, round: round, timeout: timeout)
    }

    @Test func framesAreBufferedByPhaseAndRound() throws {
        let (transport, peer) = try pair()
        defer { transport.close() }
        let frames = [frame(.offline, 0, [9]), frame(.online, 1, []), frame(.online, 2, Array(0..<200))]
        for frame in frames { try peer.write(frame.encoded(), until: .now + .seconds(5)) }
        // Asked for last first: the earlier ones arrived before it and wait in the buffer.
        #expect(try receive(transport, .online, 2) == frames[2])
        #expect(try receive(transport, .offline, 0) == frames[0])
        #expect(try receive(transport, .online, 1) == frames[1])
        let received = transport.traffic.received
        #expect(received[Cost.Link(from: .server1, to: .server0, phase: .online)] == 2 * 16 + 200)
        #expect(received[Cost.Link(from: .server1, to: .server0, phase: .offline)] == 16 + 1)
    }

    @Test func aFrameThatCanNeverComeIsReportedAtOnce() throws {
        let (transport, peer) = try pair()
        defer { transport.close() }
        try peer.write(frame(.online, 3).encoded(), until: .now + .seconds(5))
        #expect(throws: TransportError.unexpectedFrame(
            peer: "server1", expectedPhase: .online, expectedRound: 1, phase: .online, round: 3)) {
            try receive(transport, .online, 1)
        }
    }

    @Test(arguments: [
        ([0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0] as [UInt8],
         TransportError.malformedHeader("unknown phase 5")),
        ([0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0], .malformedHeader("reserved bytes are not zero")),
        ([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0],
         .malformedHeader("a frame from server2 to server0 on the connection from server1")),
        ([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0],
         .malformedHeader("a frame from server1 to server2 on the connection from server1")),
        ([0, 8, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], .frameTooLarge(bytes: 2048, limit: 1024)),
    ])
    func badHeadersAreRejected(header: [UInt8], expected: TransportError) throws {
        let (transport, peer) = try pair(maxFrameBytes: 1024)
        defer { transport.close() }
        try peer.write(header, until: .now + .seconds(5))
        #expect(throws: expected) { try receive(transport, .online, 0) }
        // The connection is shut down: the peer sees it end.
        #expect(throws: SocketError.closed) { try peer.read(exactly: 1, until: .now + .seconds(5)) }
    }

    @Test func peerThatLeavesIsReportedAtOnceAfterItsFrames() throws {
        let (transport, peer) = try pair()
        defer { transport.close() }
        try peer.write(frame(.online, 0).encoded(), until: .now + .seconds(5))
        try peer.write(Array(frame(.online, 1).encoded().prefix(10)), until: .now + .seconds(5))  // half a header
        peer.close()
        let start = ContinuousClock.now
        #expect(try receive(transport, .online, 0) == frame(.online, 0))
        #expect(throws: TransportError.disconnected(peer: "server1")) { try receive(transport, .online, 1) }
        #expect(ContinuousClock.now - start < .seconds(60))  // no waiting for a timeout: a hang guard only
    }

    @Test func receiveTimesOut() throws {
        let (transport, peer) = try pair()
        defer { transport.close() }
        defer { peer.close() }
        let start = ContinuousClock.now
        #expect(throws: TransportError.timedOut(peer: "server1", phase: .offline, round: 4, seconds: 0.2)) {
            try receive(transport, .offline, 4, timeout: .milliseconds(200))
        }
        // It waited rather than failing at once (the mailbox's timed wait runs on another clock than
        // ContinuousClock, so the bound allows for their drift: it measured 199.76 ms once).
        #expect(ContinuousClock.now - start >= .milliseconds(150))
    }

    @Test func abortNoticeClosesWithItsReason() throws {
        let (transport, peer) = try pair()
        defer { transport.close() }
        let reason = Array("server1 failed: out of memory".utf8)
        var header: [UInt8] = []
        Handshake.appendLittleEndian(UInt64(reason.count), width: 4, to: &header)
        header += [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
        try peer.write(header + reason, until: .now + .seconds(5))
        #expect(throws: TransportError.closed(reason: "server1 failed: out of memory")) {
            try receive(transport, .online, 0)
        }
        #expect(throws: TransportError.closed(reason: "server1 failed: out of memory")) {
            try transport.send(Frame(phase: .online, round: 0, sender: .server0, receiver: .server1, payload: []),
                               to: .server1)
        }
    }

    @Test func sentFramesAreExactlyEncodedAndCounted() throws {
        let (transport, peer) = try pair()
        defer { transport.close() }
        let out = Frame(
            phase: .online, round: 5, sender: .server0, receiver: .server1, payload: Array(repeating: 7, count: 40))
        try transport.send(out, to: .server1)
        #expect(try peer.read(exactly: 56, until: .now + .seconds(5)) == out.encoded())
        let mine = Frame(phase: .offline, round: 0, sender: .server0, receiver: .server0, payload: [1])
        try transport.send(mine, to: .server0)
        #expect(try transport.receive(from: .server0, phase: .offline, round: 0, timeout: .seconds(1)) == mine)
        let traffic = transport.traffic
        #expect(traffic.sent == [
            Cost.Link(from: .server0, to: .server1, phase: .online): 56,
            Cost.Link(from: .server0, to: .server0, phase: .offline): 17,
        ])
        #expect(traffic.roundsSent == [.online: [5], .offline: [0]])
        #expect(traffic.cost.rounds == [.online: 1, .offline: 1])
        // Frames that do not fit are refused before anything is written.
        #expect(throws: TransportError.frameTooLarge(bytes: 2 << 20, limit: 1 << 20)) {
            try transport.send(Frame(phase: .online, round: 6, sender: .server0, receiver: .server1,
                                     payload: Array(repeating: 0, count: 2 << 20)), to: .server1)
        }
        #expect(throws: TransportError.self) {
            try transport.send(Frame(phase: .online, round: 6, sender: .server1, receiver: .server0, payload: []),
                               to: .server0)
        }
    }

    @Test func closeWakesAWaitingReceiveAndEndsTheConnection() throws {
        let (transport, peer) = try pair()
        let outcome = Locked<TransportError?>(nil)
        let waiter = try JoinableThread {
            do throws(TransportError) {
                _ = try transport.receive(from: .server1, phase: .online, round: 0, timeout: .seconds(30))
            } catch {
                outcome.update { $0 = error }
            }
        }
        // The waiter may start before or after close(): either way it fails with the close, not its 30 s timeout.
        transport.close()
        waiter.join()
        #expect(outcome.current == .closed(reason: "server0 closed its connections"))
        #expect(throws: SocketError.closed) { try peer.read(exactly: 1, until: .now + .seconds(5)) }
        transport.close()  // a second close does nothing
    }
}
