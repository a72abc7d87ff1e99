// The handshake on every new connection: who is talking, which program, which run.

import TFEBytecode
import TFECore

/// The messages two parties exchange on a new connection, before any frame.
///
/// Each message is the magic `TFEN`, a kind byte, a body length (UInt16, little-endian, at most
/// `Handshake.maxBodyBytes`; for kind 5 a UInt32, at most `Handshake.maxProgramBytes`) and the body:
///
///     kind 1, hello:    handshake version (UInt16), bytecode format version (UInt16),
///                       program content hash (32 bytes, SHA-256), run id (16 bytes),
///                       sender's name and the name of the party it believes it reached
///                       (each a UInt8 byte count and UTF-8)
///     kind 2, accept:   empty
///     kind 3, refuse:   the reason, UTF-8
///     kind 4, program request:  serving protocol version (UInt16), the program hash wanted (32 bytes)
///     kind 5, program:  serving protocol version (UInt16), the bytecode file (`Program.encoded()`)
///
/// The dialer sends its hello; the listener answers with its own hello and its verdict (accept, or refuse
/// with the reason); the dialer answers with its verdict. Each side checks the other's hello (versions,
/// then hash, then names and run id), so a mismatch is reported on both ends, each in its own words. Over
/// TLS, a dialer that refuses the listener's certificate sends a refusal in place of its hello, with the
/// reason, and closes: a refusal before any hello is only ever about the listener's certificate.
///
/// Kinds 4 and 5 serve long-running players (`tfe-vm player`), which learn the program from the parties
/// that dial them: a serving player that does not know the program of a hello answers it with a program
/// request instead of its hello; the dialer sends the program and then reads the hello and verdict as
/// usual, or a refusal (the program is not allowed there, or does not verify). The hello itself is
/// unchanged by them, so parties that never meet a serving player behave as before, and a
/// dialer too old to know kind 4 fails with "unknown handshake message kind 4". The serving protocol has
/// its own version, `Handshake.servingVersion`, in both new messages.
enum HandshakeMessage: Hashable, Sendable {
    case hello(Hello)
    case accept
    case refuse(reason: String)
    case programRequest(version: UInt16, hash: [UInt8])
    case program(version: UInt16, bytes: [UInt8])
}

/// What a party says about itself when it connects.
struct Hello: Hashable, Sendable {
    var handshakeVersion: UInt16 = Handshake.version
    var formatVersion: UInt16
    /// SHA-256 of the program's content: `Program.contentHash` as bytes.
    var programHash: [UInt8]
    /// Chosen at random by server0 for each run; all zeros from a party that has not learned it yet.
    var runID: [UInt8]
    var sender: String
    /// The party the sender meant to reach (from its host map).
    var receiver: String
}

/// Reading a handshake message failed: at the socket, or the bytes are not a tfe handshake at all.
enum HandshakeReadError: Error {
    case socket(SocketError)
    case notHandshake(String)
}

enum Handshake {
    static let magic: [UInt8] = Array("TFEN".utf8)
    /// Bumped whenever the handshake changes, and whenever parties compute differently from the same bytecode
    /// (which randomness a step draws, in what order), so that parties of different builds refuse each other
    /// rather than compute garbage together. 2: masks expanded from keys of their own (`store`), and
    /// PrivateCompare's shuffle applied in place. 3: TLS, and a party whose run succeeded sends a finished
    /// notice before it closes (a link that ends without one stops the peer at once). 4: state notices (the
    /// servers' stored-state summaries before a run that loads, their store votes after one that stores).
    /// 5: an `input` or `share` into a private register sends server1 a seed of its share, not the share; the
    /// Z_67 bit shares server2 deals (ShareConvert, the MSB pairs) are drawn from 16-bit candidates.
    /// 6: PrivateCompare's common randomness and those Z_67 shares take four draws from each 32-bit candidate
    /// (Lemire's batched method, `KeystreamCandidates.fillBatch`): the same distributions, other values.
    /// 7: the PRG's keystream is AES-128-CTR, not ChaCha20 (`PRG`): every seed expands to other words.
    static let version: UInt16 = 7
    static let runIDBytes = 16
    static let maxBodyBytes = 4096
    /// The version of program requests and programs (kinds 4 and 5).
    static let servingVersion: UInt16 = 1
    /// The largest bytecode file a serving player accepts.
    static let maxProgramBytes = 64 << 20
    static let noRunID = [UInt8](repeating: 0, count: runIDBytes)
    /// The first byte of a TLS connection (a handshake record): how a party without TLS recognises one with it.
    static let tlsHandshakeRecord: UInt8 = 0x16

    // MARK: - Encoding

    static func encode(_ message: HandshakeMessage) -> [UInt8] {
        var body: [UInt8] = []
        let kind: UInt8
        switch message {
        case .hello(let hello):
            kind = 1
            appendLittleEndian(UInt64(hello.handshakeVersion), width: 2, to: &body)
            appendLittleEndian(UInt64(hello.formatVersion), width: 2, to: &body)
            body += hello.programHash
            body += hello.runID
            for name in [hello.sender, hello.receiver] {
                let bytes = Array(name.utf8.prefix(255))
                body.append(UInt8(bytes.count))
                body += bytes
            }
        case .accept:
            kind = 2
        case .refuse(let reason):
            kind = 3
            body = Array(reason.utf8.prefix(maxBodyBytes))
        case .programRequest(let version, let hash):
            kind = 4
            appendLittleEndian(UInt64(version), width: 2, to: &body)
            body += hash
        case .program(let version, let program):
            kind = 5
            appendLittleEndian(UInt64(version), width: 2, to: &body)
            body += program
        }
        var bytes = magic
        bytes.append(kind)
        appendLittleEndian(UInt64(body.count), width: kind == 5 ? 4 : 2, to: &bytes)
        return bytes + body
    }

    // MARK: - Decoding

    /// Reads one message, waiting at most until `deadline`. A program (kind 5, up to `maxProgramBytes`) is
    /// read only when `program` says one may come: it is refused unread everywhere else.
    static func read(from socket: any ByteStream, until deadline: Deadline, program: Bool = false)
        throws(HandshakeReadError) -> HandshakeMessage
    {
        let head: [UInt8]
        do {
            let first = try socket.read(exactly: magic.count, until: deadline)
            guard first == magic else {
                if first[0] == tlsHandshakeRecord {
                    throw HandshakeReadError.notHandshake(
                        "it speaks TLS, and this party runs with --insecure: run every party with --certs, "
                            + "or every party with --insecure")
                }
                throw HandshakeReadError.notHandshake("not a tfe party (bad magic)")
            }
            let kind = try socket.read(exactly: 1, until: deadline)
            if kind[0] == 5 && !program { throw HandshakeReadError.notHandshake("a program that nobody asked for") }
            head = kind + (try socket.read(exactly: kind[0] == 5 ? 4 : 2, until: deadline))
        } catch let error as SocketError {
            throw .socket(error)
        } catch let error as HandshakeReadError {
            throw error
        } catch {
            throw .notHandshake("\(error)")
        }
        var length = 0
        for k in 1..<head.count { length |= Int(head[k]) << (8 * (k - 1)) }
        let limit = head[0] == 5 ? maxProgramBytes : maxBodyBytes
        guard length <= limit else { throw .notHandshake("handshake message of \(length) bytes") }
        let body: [UInt8]
        do {
            body = try socket.read(exactly: length, until: deadline)
        } catch {
            throw .socket(error)
        }
        return try decode(kind: head[0], body: body)
    }

    static func decode(kind: UInt8, body: [UInt8]) throws(HandshakeReadError) -> HandshakeMessage {
        switch kind {
        case 1:
            guard body.count >= 4 else { throw .notHandshake("truncated hello") }
            let handshakeVersion = UInt16(body[0]) | UInt16(body[1]) << 8
            let formatVersion = UInt16(body[2]) | UInt16(body[3]) << 8
            guard handshakeVersion == version else {
                // Another version may lay out the rest differently: keep only what every version shares.
                return .hello(
                    Hello(handshakeVersion: handshakeVersion, formatVersion: formatVersion, programHash: [],
                          runID: [], sender: "", receiver: ""))
            }
            var position = 4
            func take(_ count: Int) throws(HandshakeReadError) -> [UInt8] {
                guard position + count <= body.count else { throw .notHandshake("truncated hello") }
                defer { position += count }
                return Array(body[position..<position + count])
            }
            func name() throws(HandshakeReadError) -> String {
                let count = Int(try take(1)[0])
                guard let text = String(validating: try take(count), as: UTF8.self) else {
                    throw .notHandshake("a party name is not UTF-8")
                }
                return text
            }
            let hash = try take(SHA256.digestSize)
            let runID = try take(runIDBytes)
            let sender = try name(), receiver = try name()
            guard position == body.count else { throw .notHandshake("\(body.count - position) bytes after a hello") }
            return .hello(
                Hello(
                    formatVersion: formatVersion, programHash: hash, runID: runID, sender: sender, receiver: receiver))
        case 2:
            guard body.isEmpty else { throw .notHandshake("an accept with a body") }
            return .accept
        case 3:
            return .refuse(reason: String(decoding: body, as: UTF8.self))
        case 4, 5:
            guard body.count >= 2 else { throw .notHandshake("truncated \(kind == 4 ? "program request" : "program")") }
            let version = UInt16(body[0]) | UInt16(body[1]) << 8
            let rest = Array(body[2...])
            if kind == 5 { return .program(version: version, bytes: rest) }
            guard version != servingVersion || rest.count == SHA256.digestSize else {
                throw .notHandshake("a program request of \(body.count) bytes")
            }
            return .programRequest(version: version, hash: rest)
        default:
            throw .notHandshake("unknown handshake message kind \(kind)")
        }
    }

    // MARK: - Helpers

    static func appendLittleEndian(_ value: UInt64, width: Int, to bytes: inout [UInt8]) {
        for k in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    /// The 32 bytes of a 64-digit lowercase hex hash.
    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        func value(_ digit: UInt8) -> UInt8 {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
            default: return 0
            }
        }
        return stride(from: 0, to: digits.count - 1, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
    }
}
