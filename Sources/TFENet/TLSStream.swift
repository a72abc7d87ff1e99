// TLS 1.3 over one connected socket: the handshake with both certificates checked, then records both ways.

import COpenSSL
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a TLS handshake failed, in the terms a message needs.
enum TLSFailure: Error, Hashable, Sendable {
    /// The socket failed, timed out or closed during the handshake.
    case socket(SocketError)
    /// This side refused the peer's certificate: OpenSSL's reason, and the name the certificate gave, if any.
    case rejectedPeer(presented: String?, reason: String)
    /// The peer refused this side's certificate: the alert it sent, in OpenSSL's words.
    case rejectedByPeer(reason: String)
    /// The peer does not speak TLS 1.3 as this side does, or broke the protocol.
    case protocolError(String)
}

/// One TLS connection over a `Socket`, made non-blocking so that no thread ever waits inside OpenSSL.
///
/// The reader thread and the writers take turns on the `SSL` object (OpenSSL does not allow two calls on one
/// connection at once): each call holds `lock` only while OpenSSL works, and waits for the socket with the
/// lock released. Records are encrypted and authenticated with the session's AEAD keys, so nothing a peer
/// did not send in this session is ever accepted.
final class TLSStream: ByteStream, @unchecked Sendable {
    let socket: Socket
    /// The party name in the peer's certificate (its common name; the subject alternative name says the same).
    let peerIdentity: String?
    private let ssl: OpaquePointer
    /// The peer's certificate (`X509 *`, one reference owned here).
    private let certificate: OpaquePointer
    private let lock = NSLock()
    private var isClosed = false
    private var isShutDown = false
    /// Bytes written with `more: true`, sent in the same record as the next write's first bytes (writers only).
    private var pending: [UInt8] = []

    /// The plaintext of one full record: what a write sends together with a pending header.
    static let recordBytes = 16_384

    private init(socket: Socket, ssl: OpaquePointer, certificate: OpaquePointer) {
        self.socket = socket
        self.ssl = ssl
        self.certificate = certificate
        self.peerIdentity = Certificate.commonName(certificate)
    }

    deinit {
        close()
    }

    // MARK: - Handshakes

    /// The dialer's side: the peer must present a certificate of the CA that names `peer`. The check is made
    /// once the handshake is done, before any byte is sent: so the listener sees this party's certificate too
    /// (and can name it in its own refusal) even when this party refuses the listener's.
    static func connect(_ socket: Socket, context: TLSContext, peer: String, until deadline: Deadline)
        throws(TLSFailure) -> TLSStream
    {
        let stream = try handshake(socket, context: context, until: deadline) { ssl in
            guard SSL_set1_host(ssl, peer) == 1 else { return false }
            X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(ssl), UInt32(X509_CHECK_FLAG_NO_WILDCARDS))
            tfe_SSL_defer_verification(ssl)
            SSL_set_connect_state(ssl)
            return true
        }
        let verification = Int32(SSL_get_verify_result(stream.ssl))
        var refusal: (presented: String?, reason: String)?
        if let rejected = tfe_SSL_take_rejected_certificate(stream.ssl) {
            refusal = (Certificate.commonName(rejected), rejection(verification, rejected))
            X509_free(rejected)
        } else if verification != X509_V_OK {
            refusal = (stream.peerIdentity, Certificate.verificationText(verification))
        }
        guard let refusal else { return stream }
        // The listener accepted this party's certificate and waits for a hello: tell it why none comes (a refusal
        // before any hello is only ever about its certificate), and nothing else.
        try? stream.write(Handshake.encode(.refuse(reason: refusal.reason)), until: deadline)
        stream.shutdown()
        stream.close()
        throw .rejectedPeer(presented: refusal.presented, reason: refusal.reason)
    }

    /// The listener's side: the peer must present a certificate of the CA; which party it names is checked
    /// against the peer's hello (`certifies(_:)`).
    static func accept(_ socket: Socket, context: TLSContext, until deadline: Deadline)
        throws(TLSFailure) -> TLSStream
    {
        try handshake(socket, context: context, until: deadline) { ssl in
            SSL_set_accept_state(ssl)
            return true
        }
    }

    private static func handshake(
        _ socket: Socket, context: TLSContext, until deadline: Deadline, prepare: (OpaquePointer) -> Bool
    ) throws(TLSFailure) -> TLSStream {
        ERR_clear_error()
        guard let ssl = SSL_new(context.pointer) else { throw .protocolError(OpenSSLError.text()) }
        var handedOver = false
        defer { if !handedOver { discardRejected(ssl); SSL_free(ssl) } }
        socket.setNonBlocking()
        guard SSL_set_fd(ssl, socket.descriptor) == 1, prepare(ssl) else {
            throw .protocolError(OpenSSLError.text())
        }
        while true {
            ERR_clear_error()
            let status = SSL_do_handshake(ssl)
            if status == 1 { break }
            let code = SSL_get_error(ssl, status)
            let systemError = errno
            do {
                switch code {
                case SSL_ERROR_WANT_READ: try socket.wait(for: Int16(POLLIN), until: deadline)
                case SSL_ERROR_WANT_WRITE: try socket.wait(for: Int16(POLLOUT), until: deadline)
                default: throw failure(ssl, code: code, errno: systemError)
                }
            } catch let error as SocketError {
                throw .socket(error)
            } catch let error as TLSFailure {
                throw error
            } catch {
                throw .protocolError("\(error)")
            }
        }
        guard let certificate = SSL_get1_peer_certificate(ssl) else {
            throw .rejectedPeer(presented: nil, reason: "no certificate")
        }
        handedOver = true
        return TLSStream(socket: socket, ssl: ssl, certificate: certificate)
    }

    /// What a failed handshake step means: a certificate this side refused, one the peer refused, the socket.
    private static func failure(_ ssl: OpaquePointer, code: Int32, errno systemError: Int32) -> TLSFailure {
        if let rejected = tfe_SSL_take_rejected_certificate(ssl) {
            defer { X509_free(rejected) }
            let verification = Int32(SSL_get_verify_result(ssl))
            ERR_clear_error()
            return .rejectedPeer(
                presented: Certificate.commonName(rejected), reason: rejection(verification, rejected))
        }
        switch code {
        case SSL_ERROR_ZERO_RETURN:
            return .socket(.closed)
        case SSL_ERROR_SYSCALL:
            ERR_clear_error()
            return .socket(systemError == 0 ? .closed : .system(errno: systemError))
        default:
            let error = ERR_peek_last_error()
            let text = OpenSSLError.text()
            if isEndOfFile(error) { return .socket(.closed) }
            if isCertificateAlert(error) { return .rejectedByPeer(reason: text) }
            if ERR_GET_REASON(error) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE {
                return .rejectedPeer(presented: nil, reason: "it presented no certificate")
            }
            return .protocolError(text)
        }
    }

    /// Why this side refused a certificate, in words: which rule it broke, then OpenSSL's own words.
    private static func rejection(_ code: Int32, _ certificate: OpaquePointer) -> String {
        let words = Certificate.verificationText(code)
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return "it expired on \(Certificate.notAfter(certificate))"
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return "it is not valid before \(Certificate.notBefore(certificate)) (is either host's clock wrong?)"
        case X509_V_ERR_HOSTNAME_MISMATCH:
            return "it does not name the party this one dialed"
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_SIGNATURE_FAILURE:
            return "this deployment's CA did not sign it (\(words))"
        default:
            return words
        }
    }

    private static func discardRejected(_ ssl: OpaquePointer) {
        if let rejected = tfe_SSL_take_rejected_certificate(ssl) { X509_free(rejected) }
    }

    /// An alert about this side's certificate: unknown CA, expired, bad, revoked, unsupported, missing, denied.
    static func isCertificateAlert(_ error: UInt) -> Bool {
        let alert = Int(ERR_GET_REASON(error)) - Int(SSL_AD_REASON_OFFSET)
        return [42, 43, 44, 45, 46, 48, 49, 116].contains(alert)
    }

    private static func isEndOfFile(_ error: UInt) -> Bool {
        ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING
    }

    /// Whether OpenSSL resumed an earlier session (never: `TLSContext` turns resumption off).
    var wasResumed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !isClosed && SSL_session_reused(ssl) == 1
    }

    /// 32 bytes both ends derive from this session's secrets (RFC 8446 §7.5): equal on both ends of one
    /// connection, unrelated between connections.
    func exportedKey(label: String = "EXPORTER-tfe-channel") -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        var key = [UInt8](repeating: 0, count: 32)
        guard !isClosed,
            SSL_export_keying_material(ssl, &key, key.count, label, label.utf8.count, nil, 0, 0) == 1
        else { return [] }
        return key
    }

    // MARK: - ByteStream

    /// The certificate's DNS name must match `name` as TLS checks host names, and its common name must be
    /// `name` exactly (host names ignore case; player names do not).
    func certifies(_ name: String) -> Bool {
        peerIdentity == name
            && X509_check_host(certificate, name, 0, UInt32(X509_CHECK_FLAG_NO_WILDCARDS), nil) == 1
    }

    func read(into bytes: inout [UInt8], from start: Int, until deadline: Deadline?) throws(SocketError) {
        try transfer(from: start, to: bytes.count, until: deadline) { offset in
            bytes.withUnsafeMutableBytes { buffer in
                call { SSL_read(ssl, buffer.baseAddress! + offset, Int32(min(buffer.count - offset, 1 << 30))) }
            }
        }
    }

    func write(_ bytes: [UInt8], more: Bool, until deadline: Deadline) throws(SocketError) {
        if more && bytes.count < Self.recordBytes {
            pending += bytes
            return
        }
        var start = 0
        if !pending.isEmpty {
            // The header rides in the payload's first record: one record and one packet fewer per frame.
            let first = min(bytes.count, max(0, Self.recordBytes - pending.count))
            let joined = pending + bytes[0..<first]
            pending = []
            try writeAll(joined, until: deadline)
            start = first
        }
        if start < bytes.count { try writeAll(bytes, from: start, until: deadline) }
    }

    private func writeAll(_ bytes: [UInt8], from start: Int = 0, until deadline: Deadline) throws(SocketError) {
        try transfer(from: start, to: bytes.count, until: deadline) { offset in
            bytes.withUnsafeBytes { buffer in
                call { SSL_write(ssl, buffer.baseAddress! + offset, Int32(min(buffer.count - offset, 1 << 30))) }
            }
        }
    }

    /// Repeats `step` (an `SSL_read` or `SSL_write` at an offset, through `call`) from `start` until `end`,
    /// waiting for the socket whenever OpenSSL wants it.
    private func transfer(
        from start: Int, to end: Int, until deadline: Deadline?, _ step: (Int) -> (Int32, Int32, Int32)
    ) throws(SocketError) {
        var done = start
        while done < end {
            let (count, code, systemError) = step(done)
            if count > 0 {
                done += Int(count)
            } else {
                try waitOrFail(code, errno: systemError, until: deadline)
            }
        }
    }

    /// One OpenSSL call under the lock: its result, `SSL_get_error`'s verdict and `errno`, taken at once.
    private func call(_ body: () -> Int32) -> (Int32, Int32, Int32) {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { return (-1, SSL_ERROR_ZERO_RETURN, 0) }
        ERR_clear_error()
        let result = body()
        if result > 0 { return (result, SSL_ERROR_NONE, 0) }
        let systemError = errno
        return (result, SSL_get_error(ssl, result), systemError)
    }

    /// Waits for the socket when OpenSSL wants it; otherwise the error the call ended with.
    private func waitOrFail(_ code: Int32, errno systemError: Int32, until deadline: Deadline?) throws(SocketError) {
        switch code {
        case SSL_ERROR_WANT_READ:
            try socket.wait(for: Int16(POLLIN), until: deadline)
        case SSL_ERROR_WANT_WRITE:
            try socket.wait(for: Int16(POLLOUT), until: deadline)
        case SSL_ERROR_ZERO_RETURN:
            throw .closed
        case SSL_ERROR_SYSCALL:
            ERR_clear_error()
            if systemError == 0 || systemError == EPIPE { throw .closed }
            throw .system(errno: systemError)
        default:
            let error = ERR_peek_last_error()
            let text = OpenSSLError.text()
            if Self.isEndOfFile(error) { throw .closed }
            if Self.isCertificateAlert(error) { throw SocketError(.certificateRefused, text) }
            throw SocketError(.tls, "tls: \(text)")
        }
    }

    /// Sends the peer a close notice (best effort) and shuts the socket down, waking the reader and writers.
    func shutdown() {
        lock.lock()
        if !isClosed && !isShutDown {
            isShutDown = true
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            ERR_clear_error()
        }
        lock.unlock()
        socket.shutdown()
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { return }
        isClosed = true
        SSL_free(ssl)
        X509_free(certificate)
        socket.close()
    }
}
