// The POSIX calls whose Swift names clash with `Socket`'s own methods, under names of their own.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

func systemClose(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(descriptor)
    #elseif canImport(Musl)
    return Musl.close(descriptor)
    #else
    return Darwin.close(descriptor)
    #endif
}

func systemShutdown(_ descriptor: Int32, _ how: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.shutdown(descriptor, how)
    #elseif canImport(Musl)
    return Musl.shutdown(descriptor, how)
    #else
    return Darwin.shutdown(descriptor, how)
    #endif
}

func systemConnect(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.connect(descriptor, address, length)
    #elseif canImport(Musl)
    return Musl.connect(descriptor, address, length)
    #else
    return Darwin.connect(descriptor, address, length)
    #endif
}

func systemListen(_ descriptor: Int32, _ backlog: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.listen(descriptor, backlog)
    #elseif canImport(Musl)
    return Musl.listen(descriptor, backlog)
    #else
    return Darwin.listen(descriptor, backlog)
    #endif
}

func systemAccept(
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
