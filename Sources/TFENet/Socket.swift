// A thin layer over POSIX TCP sockets: every wait has a deadline, every failure an `strerror` reason.

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

// MARK: - Platform constants

enum SocketConstants {
    #if os(Linux)
    static let stream = Int32(SOCK_STREAM.rawValue)
    static let streamCloseOnExec = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    static let sendFlags = Int32(MSG_NOSIGNAL)
    static let sendMoreFlags = Int32(MSG_NOSIGNAL) | Int32(MSG_MORE)
    static let shutdownBoth = Int32(SHUT_RDWR)
    #else
    static let stream = SOCK_STREAM
    static let streamCloseOnExec = SOCK_STREAM
    static let sendFlags: Int32 = 0
    static let sendMoreFlags: Int32 = 0
    static let shutdownBoth = SHUT_RDWR
    #endif
    static let dontWait = Int32(MSG_DONTWAIT)
}

// MARK: - Addresses

/// One resolved socket address.
struct SocketAddress: Sendable {
    var storage: sockaddr_storage
    var length: socklen_t
    var family: Int32

    /// Every address `host:port` resolves to, in the resolver's order.
    static func resolve(host: String, port: UInt16) throws(SocketError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = SocketConstants.stream
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let words = status == 0 ? "no address" : String(cString: gai_strerror(status)).lowercased()
            throw SocketError(.system(status), "cannot resolve '\(host)': \(words)")
        }
        defer { freeaddrinfo(first) }
        var result: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let entry = node {
            if let address = entry.pointee.ai_addr {
                var storage = sockaddr_storage()
                let length = min(Int(entry.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: length))
                }
                result.append(
                    SocketAddress(storage: storage, length: socklen_t(length), family: entry.pointee.ai_family))
            }
            node = entry.pointee.ai_next
        }
        if result.isEmpty { throw SocketError(.system(0), "cannot resolve '\(host)': no address") }
        return result
    }

    /// `127.0.0.1:4440` or `[::1]:4440`.
    var description: String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        var storage = self.storage
        let status = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo(
                    $0, length, &host, socklen_t(host.count), &service, socklen_t(service.count),
                    NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard status == 0 else { return "an unknown address" }
        func text(_ characters: [CChar]) -> String {
            String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let hostText = text(host), serviceText = text(service)
        return family == AF_INET6 ? "[\(hostText)]:\(serviceText)" : "\(hostText):\(serviceText)"
    }
}

// MARK: - Sockets

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

    // MARK: Connecting and listening

    /// A connected socket to one of `addresses` (tried in order), each attempt bounded by `deadline`.
    static func connect(to addresses: [SocketAddress], deadline: Deadline) throws(SocketError) -> Socket {
        var lastError = SocketError.timedOut
        for address in addresses {
            do {
                return try connect(to: address, deadline: deadline)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func connect(to address: SocketAddress, deadline: Deadline) throws(SocketError) -> Socket {
        let socket = try make(family: address.family)
        let flags = fcntl(socket.descriptor, F_GETFL)
        _ = fcntl(socket.descriptor, F_SETFL, flags | O_NONBLOCK)
        var storage = address.storage
        let status = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(socket.descriptor, $0, address.length)
            }
        }
        if status != 0 {
            guard errno == EINPROGRESS else { throw .system() }
            try socket.wait(for: Int16(POLLOUT), until: deadline)
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(socket.descriptor, SOL_SOCKET, SO_ERROR, &code, &length)
            guard code == 0 else { throw .system(errno: code) }
        }
        _ = fcntl(socket.descriptor, F_SETFL, flags & ~O_NONBLOCK)
        socket.disableDelay()
        return socket
    }

    /// A listening socket bound to `address`. An address that is not one of this machine's own is refused
    /// (`EADDRNOTAVAIL`), rather than silently listening on every interface instead.
    static func listen(on address: SocketAddress) throws(SocketError) -> Socket {
        do {
            return try bindAndListen(address)
        } catch let error where error.kind == .system(EADDRNOTAVAIL) {
            throw SocketError(
                error.kind, "\(address.description) is not an address of this host: give this party an address of "
                    + "its own host in config.json (or 0.0.0.0 to listen on every interface)")
        }
    }

    private static func bindAndListen(_ address: SocketAddress) throws(SocketError) -> Socket {
        let socket = try make(family: address.family)
        socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
        var storage = address.storage
        let status = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket.descriptor, $0, address.length)
            }
        }
        guard status == 0 else { throw .system() }
        guard systemListen(socket.descriptor, 64) == 0 else { throw .system() }
        return socket
    }

    /// The address this socket is bound to (for a listener bound to port 0: the port it got).
    var localAddress: SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else { return nil }
        return SocketAddress(storage: storage, length: length, family: Int32(storage.ss_family))
    }

    /// The next connection on a listening socket, or nil when the deadline passes first.
    func accept(until deadline: Deadline) throws(SocketError) -> (Socket, SocketAddress)? {
        while true {
            do {
                try wait(for: Int16(POLLIN), until: deadline)
            } catch where error.kind == .timedOut {
                return nil
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let accepted = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    systemAccept(descriptor, $0, &length)
                }
            }
            if accepted < 0 {
                if [EINTR, EAGAIN, ECONNABORTED, EPROTO].contains(errno) { continue }
                throw .system("accept")
            }
            let socket = Socket(descriptor: accepted)
            #if canImport(Darwin)
            socket.setOption(SOL_SOCKET, SO_NOSIGPIPE, 1)
            #endif
            socket.disableDelay()
            return (socket, SocketAddress(storage: storage, length: length, family: Int32(storage.ss_family)))
        }
    }

    // MARK: Reading and writing

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

// MARK: - System calls whose Swift names clash with our methods

private func systemClose(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(descriptor)
    #elseif canImport(Musl)
    return Musl.close(descriptor)
    #else
    return Darwin.close(descriptor)
    #endif
}

private func systemShutdown(_ descriptor: Int32, _ how: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.shutdown(descriptor, how)
    #elseif canImport(Musl)
    return Musl.shutdown(descriptor, how)
    #else
    return Darwin.shutdown(descriptor, how)
    #endif
}

private func systemConnect(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.connect(descriptor, address, length)
    #elseif canImport(Musl)
    return Musl.connect(descriptor, address, length)
    #else
    return Darwin.connect(descriptor, address, length)
    #endif
}

private func systemListen(_ descriptor: Int32, _ backlog: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.listen(descriptor, backlog)
    #elseif canImport(Musl)
    return Musl.listen(descriptor, backlog)
    #else
    return Darwin.listen(descriptor, backlog)
    #endif
}

private func systemAccept(
    _ descriptor: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>
) -> Int32 {
    // `accept4` is not exported by Swift's Glibc module; FD_CLOEXEC follows at once instead.
    #if canImport(Glibc)
    let accepted = Glibc.accept(descriptor, address, length)
    #elseif canImport(Musl)
    let accepted = Musl.accept(descriptor, address, length)
    #else
    let accepted = Darwin.accept(descriptor, address, length)
    #endif
    if accepted >= 0 { _ = fcntl(accepted, F_SETFD, FD_CLOEXEC) }
    return accepted
}
