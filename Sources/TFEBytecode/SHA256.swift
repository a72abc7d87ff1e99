import COpenSSL

/// SHA-256 (FIPS 180-4), for the bytecode's content hash. Incremental: `update` any number of times, then
/// `finalize`. The one-shot `hash` is libcrypto's (SHA-NI where the CPU has it: about 2 GB/s here against
/// 300 MB/s for the rounds below, which hashed a tenth of a large compile); the test compares the two and
/// both against the NIST example vectors.
public struct SHA256: Sendable {
    /// The digest size in bytes.
    public static let digestSize = 32

    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    private var state: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    /// Bytes not yet compressed (fewer than 64).
    private var pending: [UInt8] = []
    private var messageLength: UInt64 = 0

    public init() {
        pending.reserveCapacity(64)
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        hash(bytes[...])
    }

    /// The digest of `bytes` in one call, by libcrypto.
    public static func hash(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: digestSize)
        let succeeded = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, nil, EVP_sha256(), nil) == 1
            }
        }
        guard succeeded else {
            // Only an allocation failure inside libcrypto gets here; the rounds below give the same digest.
            var hasher = SHA256()
            hasher.update(bytes)
            return hasher.finalize()
        }
        return digest
    }

    /// Lowercase hex, as players print and compare digests.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(digest.count * 2)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public mutating func update(_ bytes: [UInt8]) {
        update(bytes[...])
    }

    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        messageLength &+= UInt64(bytes.count)
        var index = bytes.startIndex
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[index..<index + take])
            index += take
            guard pending.count == 64 else { return }
            let block = pending
            compress(block[...])
            pending.removeAll(keepingCapacity: true)
        }
        let whole = (bytes.endIndex - index) / 64 * 64
        if whole > 0 {
            compress(bytes[index..<index + whole])
            index += whole
        }
        pending.append(contentsOf: bytes[index...])
    }

    /// Pads, compresses the last blocks and returns the 32-byte digest.
    public mutating func finalize() -> [UInt8] {
        let bitLength = messageLength &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> shift))
        }
        compress(tail[...])
        pending.removeAll()
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in state {
            for shift in stride(from: 24, through: 0, by: -8) {
                digest.append(UInt8(truncatingIfNeeded: word >> shift))
            }
        }
        return digest
    }

    /// Compresses whole 64-byte blocks. Works on raw buffers: hashing a program must stay fast in debug
    /// builds too, where the fuzz tests hash thousands of files. The rounds go eight at a time with the
    /// working variables passed in rotated order (FIPS 180-4's usual unrolling), so no round shuffles all
    /// eight of them: hashing was a third of writing a large program.
    private mutating func compress(_ blocks: ArraySlice<UInt8>) {
        var h = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
        SHA256.roundConstants.withUnsafeBufferPointer { k in
            blocks.withUnsafeBytes { input in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                    var offset = 0
                    while offset + 64 <= input.count {
                        for t in 0..<16 {
                            let word = input.loadUnaligned(fromByteOffset: offset + 4 * t, as: UInt32.self)
                            w[t] = UInt32(bigEndian: word)
                        }
                        for t in 16..<64 {
                            let w15 = w[t - 15]
                            let w2 = w[t - 2]
                            let s0 = rotate(w15, 7) ^ rotate(w15, 18) ^ (w15 >> 3)
                            let s1 = rotate(w2, 17) ^ rotate(w2, 19) ^ (w2 >> 10)
                            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                        }
                        var (a, b, c, d, e, f, g, hh) = h
                        for t in stride(from: 0, to: 64, by: 8) {
                            compressionRound(a, b, c, &d, e, f, g, &hh, k[t] &+ w[t])
                            compressionRound(hh, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
                            compressionRound(g, hh, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
                            compressionRound(f, g, hh, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
                            compressionRound(e, f, g, &hh, a, b, c, &d, k[t + 4] &+ w[t + 4])
                            compressionRound(d, e, f, &g, hh, a, b, &c, k[t + 5] &+ w[t + 5])
                            compressionRound(c, d, e, &f, g, hh, a, &b, k[t + 6] &+ w[t + 6])
                            compressionRound(b, c, d, &e, f, g, hh, &a, k[t + 7] &+ w[t + 7])
                        }
                        h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
                        offset += 64
                    }
                }
            }
        }
        state = [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7]
    }
}

@inline(__always) private func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 {
    x >> n | x << (32 - n)
}

/// One round: `d` gains T1 and `h` becomes T1 + T2; the caller rotates the roles of the eight variables.
@inline(__always) private func compressionRound(
    _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32,
    _ h: inout UInt32, _ constantPlusWord: UInt32
) {
    let t1 = h &+ (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) &+ ((e & f) ^ (~e & g)) &+ constantPlusWord
    let t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
    d = d &+ t1
    h = t1 &+ t2
}
