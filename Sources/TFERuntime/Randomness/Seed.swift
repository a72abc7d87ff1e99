// PRG seeds and where fresh ones come from.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The 32-byte secret a `PRG` expands: its first 16 bytes are the AES-128 key of the generator's keystream.
///
/// The other 16 bytes are drawn and sent with the key but do not enter the keystream: 128 bits of key are the
/// security level the design asks of the PRG, and AES-128 runs 1.3 times as fast as AES-256 here (7.9 against
/// 6.1 GB/s through OpenSSL, `tfe-bench prg`). Keeping 32 bytes keeps every seed frame and the cost model as
/// they were.
///
/// Players agree on seeds (server2 shares one with each server) instead of sending the randomness itself.
/// `description` never shows the bytes, so a seed printed by accident in a log or error leaks nothing.
public struct Seed: Sendable, Hashable, CustomStringConvertible {
    /// Bytes in a seed.
    public static let byteCount = 32

    /// The bytes as little-endian words.
    let words: SIMD8<UInt32>

    /// The AES-128 key of the seed's keystream: its first 16 bytes.
    var aesKey: [UInt8] {
        Array(bytes[0..<AESCTRKeystream.keyByteCount])
    }

    init(words: SIMD8<UInt32>) {
        self.words = words
    }

    /// The seed with these bytes, or nil unless there are exactly 32 of them.
    public init?<Bytes: Collection<UInt8>>(bytes: Bytes) {
        guard bytes.count == Self.byteCount else { return nil }
        var words = SIMD8<UInt32>()
        for (index, byte) in bytes.enumerated() {
            words[index / 4] |= UInt32(byte) << (8 * (index % 4))
        }
        self.words = words
    }

    /// A reproducible, public seed for tests and deterministic runs: `value` little-endian, then zeros.
    ///
    /// Anyone who knows `value` can recompute the whole stream, so never use it for real secrets.
    public init(fixed value: UInt64) {
        let low = UInt32(truncatingIfNeeded: value)
        let high = UInt32(truncatingIfNeeded: value >> 32)
        self.words = SIMD8(low, high, 0, 0, 0, 0, 0, 0)
    }

    /// The 32 bytes of the seed, for sending it to the player that shares it.
    public var bytes: [UInt8] {
        (0..<Self.byteCount).map { UInt8(truncatingIfNeeded: words[$0 / 4] >> (8 * ($0 % 4))) }
    }

    /// A placeholder: seeds are secret, and descriptions end up in logs.
    public var description: String {
        "Seed(<secret>)"
    }

    /// A fresh seed from the operating system's CSPRNG.
    ///
    /// Uses `getentropy(3)` (glibc's wrapper around `getrandom(2)`: Glibc's module map does not export
    /// `<sys/random.h>`), and falls back to reading `/dev/urandom` where that call is missing.
    public static func random() throws(RandomSourceError) -> Seed {
        let bytes = try systemRandomBytes(count: byteCount)
        return Seed(bytes: bytes)!
    }
}

// MARK: - Operating system randomness

/// The operating system could not supply random bytes; nothing secure can be done without them.
public struct RandomSourceError: Error, CustomStringConvertible, Sendable {
    /// Why each source failed, as `strerror` words.
    public let reasons: [String]

    /// The message, in compiler style.
    public var description: String {
        "cannot read random bytes from the operating system: " + reasons.joined(separator: "; ")
    }
}

extension Seed {
    /// `count` bytes from `getentropy(3)`, or from the file at `fallbackPath` if that fails.
    ///
    /// `useGetEntropy` and `fallbackPath` exist so that tests can exercise the fallback and the error.
    static func systemRandomBytes(
        count: Int, useGetEntropy: Bool = true, fallbackPath: String = "/dev/urandom"
    ) throws(RandomSourceError) -> [UInt8] {
        precondition(count <= 256, "getentropy returns at most 256 bytes per call")
        var bytes = [UInt8](repeating: 0, count: count)
        var reasons: [String] = []
        if useGetEntropy {
            let status = bytes.withUnsafeMutableBytes { getentropy($0.baseAddress, $0.count) }
            if status == 0 {
                return bytes
            }
            reasons.append("getentropy failed: \(errorText(errno))")
        }
        if let failure = readFully(path: fallbackPath, into: &bytes) {
            reasons.append("\(fallbackPath): \(failure)")
            throw RandomSourceError(reasons: reasons)
        }
        return bytes
    }

    /// Fills `bytes` from the file at `path`; returns why it could not, or nil on success.
    private static func readFully(path: String, into bytes: inout [UInt8]) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return errorText(errno) }
        defer { close(descriptor) }
        var filled = 0
        while filled < bytes.count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if result > 0 {
                filled += result
            } else if result == 0 {
                return "unexpected end of file"
            } else if errno != EINTR {
                return errorText(errno)
            }
        }
        return nil
    }

    private static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
