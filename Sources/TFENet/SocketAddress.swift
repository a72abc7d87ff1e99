// Resolved socket addresses, and the platform constants the socket calls need.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
