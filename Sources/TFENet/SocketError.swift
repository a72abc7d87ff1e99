// Why a socket operation failed, and the deadlines every socket wait has.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a socket operation failed, in words for a message: "connection refused", "timed out".
struct SocketError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        /// The operating system refused, with `errno`.
        case system(Int32)
        /// The deadline passed.
        case timedOut
        /// The peer closed its end before the bytes we needed arrived.
        case closed
        /// TLS failed (a bad record, an alert from the peer); the reason is OpenSSL's.
        case tls
        /// The peer refused this side's certificate after the TLS handshake seemed done (in TLS 1.3 the dialer
        /// learns it at its first read); the reason is the peer's alert in OpenSSL's words.
        case certificateRefused
    }

    let kind: Kind
    let reason: String

    init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// The current `errno`, as `strerror` words in lowercase.
    static func system(_ operation: String? = nil, errno code: Int32 = errno) -> SocketError {
        let words = String(cString: strerror(code)).lowercased()
        return SocketError(.system(code), operation.map { "\($0): \(words)" } ?? words)
    }

    static let timedOut = SocketError(.timedOut, "timed out")
    static let closed = SocketError(.closed, "connection closed")

    var description: String { reason }

    /// Whether a connection attempt that failed like this may succeed later (the peer is not up yet).
    var isTransient: Bool {
        switch kind {
        case .timedOut, .closed: return true
        case .tls, .certificateRefused: return false
        case .system(let code):
            return [ECONNREFUSED, ECONNRESET, ECONNABORTED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EAGAIN, EINTR]
                .contains(code)
        }
    }
}

/// A point in time for socket deadlines.
typealias Deadline = ContinuousClock.Instant

extension ContinuousClock.Instant {
    /// Milliseconds left until this deadline, for `poll`: at least 0, at most a day.
    var pollMilliseconds: Int32 {
        let left = self - ContinuousClock.now
        if left <= .zero { return 0 }
        let (seconds, attoseconds) = left.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
        return Int32(min(milliseconds, 86_400_000))
    }
}
