// Connecting a socket with a deadline, listening, and accepting connections.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Socket {
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
}
