// Reading and writing a connected socket, each wait bounded by a deadline.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Socket {
    /// Waits until the socket is ready for `events` (or has an error or hang-up to report); nil waits as long
    /// as it takes (until the socket is shut down).
    func wait(for events: Int16, until deadline: Deadline?) throws(SocketError) {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        while true {
            let ready = poll(&entry, 1, deadline?.pollMilliseconds ?? -1)
            if ready > 0 { return }
            if ready == 0 {
                if let deadline, ContinuousClock.now >= deadline { throw .timedOut }
                continue
            }
            if errno != EINTR { throw .system("poll") }
        }
    }

    /// Makes reads and writes return at once when they would block (TLS drives the socket that way).
    func setNonBlocking() {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
    }

    /// The first `count` bytes waiting on the socket, left there for the next read; fewer when the peer sent
    /// fewer and closed.
    func peek(count: Int, until deadline: Deadline) throws(SocketError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        while true {
            try wait(for: Int16(POLLIN), until: deadline)
            let received = bytes.withUnsafeMutableBytes { buffer in
                recv(descriptor, buffer.baseAddress!, count, Int32(MSG_PEEK) | SocketConstants.dontWait)
            }
            if received == count || received == 0 { return Array(bytes.prefix(max(received, 0))) }
            if received > 0 {
                // Part of it arrived: wait a little for the rest, as a handshake's first bytes come together.
                if ContinuousClock.now >= deadline { return Array(bytes.prefix(received)) }
                Thread.sleep(forTimeInterval: 0.001)
                continue
            }
            if errno != EINTR && errno != EAGAIN { throw .system() }
        }
    }

    /// Closes after a refusal so that the peer reads it: stops sending (FIN, not the reset a close with unread
    /// bytes would send, which can overtake the last message), and reads what the peer still sends for up to
    /// `seconds` or until it closes.
    func closeAfterRefusal(seconds: Double = 1) {
        #if os(Linux)
        _ = systemShutdown(descriptor, Int32(SHUT_WR))
        #else
        _ = systemShutdown(descriptor, SHUT_WR)
        #endif
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var scratch = [UInt8](repeating: 0, count: 4096)
        while (try? wait(for: Int16(POLLIN), until: deadline)) != nil {
            let count = scratch.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
        }
        close()
    }

    /// A plain TCP connection authenticates nobody.
    var peerIdentity: String? { nil }

    func certifies(_ name: String) -> Bool { false }

    /// Fills `bytes[start...]` from the socket.
    func read(into bytes: inout [UInt8], from start: Int, until deadline: Deadline?) throws(SocketError) {
        var filled = start
        while filled < bytes.count {
            if let deadline { try wait(for: Int16(POLLIN), until: deadline) }
            let received = bytes.withUnsafeMutableBytes { buffer in
                recv(descriptor, buffer.baseAddress! + filled, buffer.count - filled, 0)
            }
            if received > 0 {
                filled += received
            } else if received == 0 {
                throw .closed
            } else if errno != EINTR && errno != EAGAIN {
                throw .system()
            }
        }
    }

    /// Writes all of `bytes`, waiting for buffer space at most until `deadline`. `more` tells the kernel
    /// that another write follows at once (Linux's `MSG_MORE`), so a header and its payload share a packet.
    func write(_ bytes: [UInt8], more: Bool, until deadline: Deadline) throws(SocketError) {
        var written = 0
        let flags = (more ? SocketConstants.sendMoreFlags : SocketConstants.sendFlags) | SocketConstants.dontWait
        while written < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer in
                send(descriptor, buffer.baseAddress! + written, buffer.count - written, flags)
            }
            if sent > 0 {
                written += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(for: Int16(POLLOUT), until: deadline)
            } else if sent < 0 && errno == EINTR {
                continue
            } else {
                throw .system()
            }
        }
    }
}
