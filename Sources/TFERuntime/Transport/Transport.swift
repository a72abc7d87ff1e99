// What players send each other: frames with a fixed 16-byte header, over a `Transport`.

import TFEBytecode
import TFECore

/// The fixed header in front of every frame's payload, exactly as it travels (`WireFormat.frameHeaderBytes`).
///
/// Layout, all little-endian: payload length (UInt32), phase (UInt8: 0 offline, 1 online), three reserved
/// zero bytes, round (UInt32), sender (UInt16), receiver (UInt16).
public struct FrameHeader: Hashable, Sendable {
    public var payloadLength: Int
    public var phase: Phase
    public var round: Int
    public var sender: PlayerID
    public var receiver: PlayerID

    public init(payloadLength: Int, phase: Phase, round: Int, sender: PlayerID, receiver: PlayerID) {
        self.payloadLength = payloadLength
        self.phase = phase
        self.round = round
        self.sender = sender
        self.receiver = receiver
    }

    /// The largest payload a frame can describe.
    public static let maxPayloadLength = Int(UInt32.max)

    /// The 16 header bytes; throws when a field does not fit its slot.
    public func encoded() throws(TransportError) -> [UInt8] {
        guard payloadLength >= 0, payloadLength <= Self.maxPayloadLength else {
            throw .frameTooLarge(bytes: payloadLength, limit: Self.maxPayloadLength)
        }
        guard round >= 0, round <= Int(UInt32.max) else { throw .malformedHeader("round \(round) does not fit") }
        guard sender.rawValue >= 0, sender.rawValue <= Int(UInt16.max), receiver.rawValue >= 0,
            receiver.rawValue <= Int(UInt16.max)
        else { throw .malformedHeader("player number does not fit") }
        let phaseCode: UInt8
        switch phase {
        case .offline: phaseCode = 0
        case .online: phaseCode = 1
        }
        return Self.layout(
            payloadLength: payloadLength, phaseCode: phaseCode, round: round, sender: sender, receiver: receiver)
    }

    /// The header layout, the one place it is written: payload length (4 bytes), a phase byte (frames use 0
    /// and 1; the network's notices have codes of their own), three reserved zero bytes, round (4), sender (2),
    /// receiver (2), little-endian. Fields are truncated to their widths: `encoded()` checks them first.
    public static func layout(
        payloadLength: Int, phaseCode: UInt8, round: Int, sender: PlayerID, receiver: PlayerID
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(WireFormat.frameHeaderBytes)
        func append(_ value: UInt64, width: Int) {
            for k in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
        }
        append(UInt64(payloadLength), width: 4)
        append(UInt64(phaseCode), width: 1)
        append(0, width: 3)
        append(UInt64(round), width: 4)
        append(UInt64(sender.rawValue), width: 2)
        append(UInt64(receiver.rawValue), width: 2)
        return bytes
    }

    /// The phase byte of header bytes laid out by `layout`.
    public static func phaseCode(of bytes: [UInt8]) -> UInt8 { bytes[4] }

    /// The payload length field of header bytes laid out by `layout`.
    public static func payloadLength(of bytes: [UInt8]) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    }

    /// Reads a header from exactly `WireFormat.frameHeaderBytes` bytes, rejecting unknown phases and
    /// non-zero reserved bytes.
    public init(decoding bytes: some Collection<UInt8>) throws(TransportError) {
        let bytes = Array(bytes)
        guard bytes.count == WireFormat.frameHeaderBytes else {
            throw .malformedHeader("expected \(WireFormat.frameHeaderBytes) header bytes, found \(bytes.count)")
        }
        func read(_ offset: Int, width: Int) -> Int {
            var value = 0
            for k in 0..<width { value |= Int(bytes[offset + k]) << (8 * k) }
            return value
        }
        switch Self.phaseCode(of: bytes) {
        case 0: phase = .offline
        case 1: phase = .online
        case let other: throw .malformedHeader("unknown phase \(other)")
        }
        guard bytes[5] == 0, bytes[6] == 0, bytes[7] == 0 else { throw .malformedHeader("reserved bytes are not zero") }
        payloadLength = Self.payloadLength(of: bytes)
        round = read(8, width: 4)
        sender = PlayerID(read(12, width: 2))
        receiver = PlayerID(read(14, width: 2))
    }
}

/// Everything one player sends another in one round of one phase: one frame per directed link and round.
public struct Frame: Hashable, Sendable {
    public var phase: Phase
    public var round: Int
    public var sender: PlayerID
    public var receiver: PlayerID
    /// Ring elements as little-endian bytes (and, in the first preprocessing round, a seed in front).
    public var payload: [UInt8]

    public init(phase: Phase, round: Int, sender: PlayerID, receiver: PlayerID, payload: [UInt8]) {
        self.phase = phase
        self.round = round
        self.sender = sender
        self.receiver = receiver
        self.payload = payload
    }

    public var header: FrameHeader {
        FrameHeader(payloadLength: payload.count, phase: phase, round: round, sender: sender, receiver: receiver)
    }

    /// Bytes on the wire: header and payload.
    public var wireByteCount: Int { WireFormat.frameHeaderBytes + payload.count }

    /// The frame as it travels: the encoded header, then the payload.
    public func encoded() throws(TransportError) -> [UInt8] {
        try header.encoded() + payload
    }

    /// A frame from its header and payload bytes, checking that the payload has the announced length.
    public init(header: FrameHeader, payload: [UInt8]) throws(TransportError) {
        guard header.payloadLength == payload.count else {
            throw .malformedHeader("header announces \(header.payloadLength) payload bytes, found \(payload.count)")
        }
        self.init(
            phase: header.phase, round: header.round, sender: header.sender, receiver: header.receiver,
            payload: payload)
    }
}

/// One player's connection to the others. Local and networked runs differ only below this protocol.
///
/// `send` must not wait for the receiver: every party sends all of a round's frames before receiving any.
/// `receive` returns the next frame on the link from `sender`, which must be for `phase` and `round`, and
/// fails after `timeout` rather than waiting forever.
public protocol Transport: Sendable {
    /// The player this endpoint belongs to.
    var player: PlayerID { get }

    func send(_ frame: Frame, to receiver: PlayerID) throws(TransportError)

    func receive(from sender: PlayerID, phase: Phase, round: Int, timeout: Duration) throws(TransportError) -> Frame

    /// Raised when the run can no longer succeed, before a receive would say so (nil: the transport never knows
    /// earlier than its receives).
    var stopSignal: StopSignal? { get }
}

extension Transport {
    public var stopSignal: StopSignal? { nil }
}

/// Why a transport could not deliver or receive a frame. Peers are named as in the program's player table.
public enum TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Nothing arrived from `peer` in time.
    case timedOut(peer: String, phase: Phase, round: Int, seconds: Double)
    /// Nothing arrived from `peer` in time outside the program's rounds (`what`: a networked notice).
    case timedOutWaiting(peer: String, for: String, seconds: Double)
    /// The peer went away (its process ended, or its connection closed) with the frame still owed.
    case disconnected(peer: String)
    /// The network was shut down, because another party failed (`reason` says which).
    case closed(reason: String)
    /// A frame arrived out of order: the peer is running a different program or is broken.
    case unexpectedFrame(peer: String, expectedPhase: Phase, expectedRound: Int, phase: Phase, round: Int)
    case malformedHeader(String)
    case frameTooLarge(bytes: Int, limit: Int)
    /// A player number outside the network.
    case unknownPlayer(Int)

    public var description: String {
        switch self {
        case .timedOut(let peer, let phase, let round, let seconds):
            return "timed out after \(Self.formatSeconds(seconds)) s waiting for \(peer) "
                + "in \(phase.rawValue) round \(round)"
        case .timedOutWaiting(let peer, let what, let seconds):
            return "timed out after \(Self.formatSeconds(seconds)) s waiting for \(peer)'s \(what)"
        case .disconnected(let peer):
            return "\(peer) disconnected"
        case .closed(let reason):
            return "the network was closed: \(reason)"
        case .unexpectedFrame(let peer, let expectedPhase, let expectedRound, let phase, let round):
            return "expected a frame for \(expectedPhase.rawValue) round \(expectedRound) from \(peer), "
                + "received one for \(phase.rawValue) round \(round)"
        case .malformedHeader(let reason):
            return "malformed frame header: \(reason)"
        case .frameTooLarge(let bytes, let limit):
            return "frame of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .unknownPlayer(let number):
            return "no player number \(number) in this network"
        }
    }
}

extension TransportError {
    /// `30` for whole seconds, `0.25` otherwise.
    static func formatSeconds(_ seconds: Double) -> String {
        if seconds == seconds.rounded(), abs(seconds) < 1e15 { return String(Int(seconds)) }
        return String(seconds)
    }
}
