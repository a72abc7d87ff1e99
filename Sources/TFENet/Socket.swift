// A thin layer over POSIX TCP sockets: every wait has a deadline, every failure an `strerror` reason.
// This file holds the descriptor's life; connecting, listening and accepting are in `Socket+Connecting.swift`,
// reading and writing in `Socket+Streaming.swift`, the system calls in `Socket+SystemCalls.swift`.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open socket descriptor. Not thread-safe by itself: `Connection` serialises writers, and only its
/// reader thread reads; `shutdown()` is the one call meant to come from another thread (to wake them).
final class Socket: ByteStream, @unchecked Sendable {
    private(set) var descriptor: Int32

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close()
    }

    /// Closes the descriptor; later calls do nothing.
    func close() {
        if descriptor >= 0 {
            _ = systemClose(descriptor)
            descriptor = -1
        }
    }

    /// Wakes any thread blocked on this socket and tells the peer we are gone (FIN), without releasing
    /// the descriptor, so no other thread can see it reused.
    func shutdown() {
        if descriptor >= 0 { _ = systemShutdown(descriptor, SocketConstants.shutdownBoth) }
    }

    static func make(family: Int32) throws(SocketError) -> Socket {
        let descriptor = socket(family, SocketConstants.streamCloseOnExec, 0)
        guard descriptor >= 0 else { throw .system("socket") }
        #if !os(Linux)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        return Socket(descriptor: descriptor)
    }

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) {
        var value = value
        _ = setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Turns off Nagle's algorithm: a round's frame should leave at once.
    func disableDelay() {
        setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }
}
