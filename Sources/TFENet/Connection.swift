// One established connection to a peer (TLS, or plain TCP with --insecure): serialised writes, and a reader
// thread feeding the mailbox.

import Foundation
import TFEBytecode
import TFECore
import TFERuntime

/// The link to one peer after a successful handshake.
///
/// Frames travel exactly as `Frame.encoded()` writes them: the 16-byte header, then the payload. Two more
/// kinds of header exist only on the network, and never count towards a run's cost: phase byte `0xFF` marks
/// an *abort notice*, whose payload (at most `Connection.maxAbortBytes`, UTF-8) says why the run stops (`bob
/// failed: its inputs did not pass their checks`), sent when a party fails; phase byte `0xFE`, with no payload,
/// a *finished notice*, sent by a party whose run succeeded before it closes. A link that ends without either
/// (a process killed mid-run) raises the peer's stop signal at once. Phase byte `0xFD` marks a *state notice*
/// (`StateNotice`: its payload is a kind byte and a body of at most `Connection.maxStateNoticeBytes`), which
/// the servers exchange around cached models: before a run that loads, and after one that stores.
final class Connection: @unchecked Sendable {
    static let abortPhase: UInt8 = 0xFF
    static let finishedPhase: UInt8 = 0xFE
    static let stateNoticePhase: UInt8 = 0xFD
    static let maxAbortBytes = 4096
    static let maxStateNoticeBytes = 1 << 20

    let peer: PlayerID
    /// `127.0.0.1:4441`, for messages.
    let address: String
    let socket: any ByteStream
    /// Held while writing a frame, so frames from several threads never interleave, and while closing.
    private let writeLock = NSLock()
    private var isClosed = false
    private var reader: JoinableThread?

    init(peer: PlayerID, address: String, socket: any ByteStream) {
        self.peer = peer
        self.address = address
        self.socket = socket
    }

    // MARK: - Writing

    /// Writes the header and the payload, waiting for buffer space until `deadline`.
    func write(header: [UInt8], payload: [UInt8], until deadline: Deadline) throws(SocketError) {
        writeLock.lock()
        defer { writeLock.unlock() }
        guard !isClosed else { throw SocketError.closed }
        do {
            try socket.write(header, more: !payload.isEmpty, until: deadline)
            if !payload.isEmpty { try socket.write(payload, until: deadline) }
        } catch {
            // Half a frame may have gone out: nothing more can follow it on this stream.
            socket.shutdown()
            throw error
        }
    }

    /// Best effort: tells the peer why the run stops (`server1 failed: ...`).
    func writeAbort(from me: PlayerID, reason: String, until deadline: Deadline) {
        let payload = Array(reason.utf8.prefix(Self.maxAbortBytes))
        try? write(header: notice(Self.abortPhase, from: me, bytes: payload.count), payload: payload, until: deadline)
    }

    /// Best effort: tells the peer that this party's run succeeded, so that the link's end is no failure.
    func writeFinished(from me: PlayerID, until deadline: Deadline) {
        try? write(header: notice(Self.finishedPhase, from: me, bytes: 0), payload: [], until: deadline)
    }

    /// Sends a state notice: its kind, then its body.
    func writeStateNotice(from me: PlayerID, _ kind: StateNotice, body: [UInt8], until deadline: Deadline)
        throws(SocketError)
    {
        let payload = [kind.rawValue] + body
        let header = notice(Self.stateNoticePhase, from: me, bytes: payload.count)
        try write(header: header, payload: payload, until: deadline)
    }

    /// The header of a notice: a frame header with a phase byte no frame has.
    private func notice(_ phase: UInt8, from me: PlayerID, bytes: Int) -> [UInt8] {
        FrameHeader.layout(payloadLength: bytes, phaseCode: phase, round: 0, sender: me, receiver: peer)
    }

    // MARK: - Reading

    /// Starts the thread that reads frames until the connection ends.
    func startReading(me: PlayerID, mailbox: Mailbox, maxFrameBytes: Int) throws(NetworkError) {
        reader = try JoinableThread { [self] in
            self.readFrames(me: me, mailbox: mailbox, maxFrameBytes: maxFrameBytes)
        }
    }

    /// Reads frames into the mailbox until the peer closes, the connection breaks, or a frame is malformed
    /// (then the connection is shut down: nothing after a bad header can be trusted).
    private func readFrames(me: PlayerID, mailbox: Mailbox, maxFrameBytes: Int) {
        let peerName = mailbox.name(peer)
        var finished = false
        while true {
            let headerBytes: [UInt8]
            do {
                headerBytes = try socket.read(exactly: WireFormat.frameHeaderBytes, until: nil)
            } catch {
                mailbox.fail(peer, .disconnected(peer: peerName), stopping: !finished)
                return
            }
            let phaseCode = FrameHeader.phaseCode(of: headerBytes)
            if phaseCode == Self.finishedPhase, FrameHeader.payloadLength(of: headerBytes) == 0 {
                finished = true
                continue
            }
            if phaseCode == Self.stateNoticePhase {
                guard readStateNotice(headerBytes, mailbox: mailbox, peerName: peerName) else {
                    socket.shutdown()
                    return
                }
                continue
            }
            if phaseCode == Self.abortPhase {
                guard readAbort(headerBytes, mailbox: mailbox, peerName: peerName) else {
                    socket.shutdown()
                    return
                }
                continue
            }
            let frame: Frame
            do {
                let header = try FrameHeader(decoding: headerBytes)
                guard header.sender == peer, header.receiver == me else {
                    throw TransportError.malformedHeader(
                        "a frame from \(mailbox.name(header.sender)) to \(mailbox.name(header.receiver)) "
                            + "on the connection from \(peerName)")
                }
                guard header.payloadLength <= maxFrameBytes else {
                    throw TransportError.frameTooLarge(bytes: header.payloadLength, limit: maxFrameBytes)
                }
                var payload = [UInt8](repeating: 0, count: header.payloadLength)
                do {
                    try socket.read(into: &payload, from: 0, until: nil)
                } catch {
                    mailbox.fail(peer, .disconnected(peer: peerName))
                    return
                }
                frame = try Frame(header: header, payload: payload)
            } catch let error as TransportError {
                mailbox.fail(peer, error)
                socket.shutdown()
                return
            } catch {
                mailbox.fail(peer, .malformedHeader("\(error)"))
                socket.shutdown()
                return
            }
            mailbox.deliver(frame)
        }
    }

    /// Reads an abort notice and closes the mailbox with its reason; false when the rest of the stream
    /// cannot be read (an oversized or truncated notice).
    private func readAbort(_ header: [UInt8], mailbox: Mailbox, peerName: String) -> Bool {
        let length = FrameHeader.payloadLength(of: header)
        var reason = "\(peerName) stopped"
        var readable = false
        if length <= Self.maxAbortBytes, let bytes = try? socket.read(exactly: length, until: nil) {
            reason = String(decoding: bytes, as: UTF8.self)
            readable = true
        }
        mailbox.close(reason: reason)
        mailbox.fail(peer, .disconnected(peer: peerName))
        return readable
    }

    /// Reads a state notice into the mailbox; false, after failing the link, when it is malformed or cut short.
    private func readStateNotice(_ header: [UInt8], mailbox: Mailbox, peerName: String) -> Bool {
        let length = FrameHeader.payloadLength(of: header)
        guard length >= 1, length <= Self.maxStateNoticeBytes else {
            mailbox.fail(peer, .malformedHeader("a state notice of \(length) bytes from \(peerName)"))
            return false
        }
        guard let bytes = try? socket.read(exactly: length, until: nil) else {
            mailbox.fail(peer, .disconnected(peer: peerName))
            return false
        }
        guard let kind = StateNotice(rawValue: bytes[0]) else {
            mailbox.fail(peer, .malformedHeader("a state notice of unknown kind \(bytes[0]) from \(peerName)"))
            return false
        }
        mailbox.deliver(kind, from: peer, body: Array(bytes[1...]))
        return true
    }

    // MARK: - Closing

    /// Wakes the reader (and any blocked writer) and sends the peer a FIN; safe from any thread.
    func shutdown() {
        socket.shutdown()
    }

    /// After `shutdown()`: waits for the reader thread to end, then releases the descriptor.
    func finish() {
        reader?.join()
        writeLock.lock()
        defer { writeLock.unlock() }
        isClosed = true
        socket.close()
    }
}
