// The ChaCha20 stream cipher of RFC 8439, the keystream behind `PRG`.

/// The ChaCha20 stream cipher (RFC 8439): a 256-bit key, a 96-bit nonce and a 32-bit block counter.
///
/// The value is a keystream generator positioned at a byte of the stream; `keystream(byteCount:)` and
/// `encrypt(_:)` advance it, so consecutive calls continue where the last one stopped. The stream has
/// 2^32 blocks (256 GiB); running past the last block is a programming error and traps, as reusing
/// keystream would silently break confidentiality. `PRG` extends the counter into the nonce instead.
public struct ChaCha20: Sendable {
    /// Bytes in a key.
    public static let keyByteCount = 32
    /// Bytes in a nonce.
    public static let nonceByteCount = 12
    /// Bytes in one keystream block.
    public static let blockByteCount = 64

    private let key: SIMD8<UInt32>
    private let nonce: SIMD4<UInt32>
    /// The counter of the next block to generate.
    public private(set) var counter: UInt32
    /// Set once the block with counter 2^32 - 1 has been generated.
    private var isExhausted = false
    /// Keystream bytes of the last block not yet handed out.
    private var pending: [UInt8] = []

    /// A generator at the start of block `counter` of the stream for `key` and `nonce`.
    ///
    /// - Precondition: `key` has 32 bytes and `nonce` 12; other lengths are programming errors.
    public init(key: [UInt8], nonce: [UInt8], counter: UInt32 = 0) {
        precondition(key.count == Self.keyByteCount, "ChaCha20 key must have 32 bytes")
        precondition(nonce.count == Self.nonceByteCount, "ChaCha20 nonce must have 12 bytes")
        self.key = Self.words(key)
        let nonceWords: SIMD8<UInt32> = Self.words(nonce + [UInt8](repeating: 0, count: 20))
        self.nonce = SIMD4(nonceWords[0], nonceWords[1], nonceWords[2], 0)
        self.counter = counter
    }

    /// The 64-byte serialized output of the ChaCha20 block function (RFC 8439, section 2.3).
    ///
    /// - Precondition: `key` has 32 bytes and `nonce` 12.
    public static func block(key: [UInt8], counter: UInt32, nonce: [UInt8]) -> [UInt8] {
        var generator = ChaCha20(key: key, nonce: nonce, counter: counter)
        return generator.keystream(byteCount: blockByteCount)
    }

    /// The next `byteCount` bytes of keystream.
    public mutating func keystream(byteCount: Int) -> [UInt8] {
        precondition(byteCount >= 0, "keystream length must not be negative")
        var result = [UInt8]()
        result.reserveCapacity(byteCount)
        while result.count < byteCount {
            if pending.isEmpty {
                pending = nextBlock()
            }
            let take = min(pending.count, byteCount - result.count)
            result += pending[..<take]
            pending.removeFirst(take)
        }
        return result
    }

    /// `bytes` XORed with the next `bytes.count` bytes of keystream (RFC 8439, section 2.4).
    ///
    /// Encryption and decryption are the same operation.
    public mutating func encrypt(_ bytes: [UInt8]) -> [UInt8] {
        let stream = keystream(byteCount: bytes.count)
        return zip(bytes, stream).map { $0 ^ $1 }
    }

    private mutating func nextBlock() -> [UInt8] {
        precondition(!isExhausted, "ChaCha20 keystream exhausted: the 32-bit block counter would wrap")
        var block = [UInt8](repeating: 0, count: Self.blockByteCount)
        block.withUnsafeMutableBytes { out in
            Self.block(key: key, counter: counter, nonce: nonce, into: out.baseAddress!)
        }
        if counter == .max {
            isExhausted = true
        } else {
            counter += 1
        }
        return block
    }

    /// Little-endian words of `bytes` (32 of them).
    private static func words(_ bytes: [UInt8]) -> SIMD8<UInt32> {
        var result = SIMD8<UInt32>()
        for i in 0..<8 {
            var word: UInt32 = 0
            for j in 0..<4 {
                word |= UInt32(bytes[4 * i + j]) << (8 * j)
            }
            result[i] = word
        }
        return result
    }
}

// MARK: - Block function

extension ChaCha20 {
    /// "expand 32-byte k", the first row of every state.
    static let constants: SIMD4<UInt32> = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]

    /// Writes one 64-byte block to `out` (unaligned is fine). `nonce` lanes 0...2 hold the nonce words.
    ///
    /// The state lives in 16 local variables rather than an array so that it stays in registers.
    @inline(__always)
    static func block(key: SIMD8<UInt32>, counter: UInt32, nonce: SIMD4<UInt32>, into out: UnsafeMutableRawPointer) {
        var x0 = constants[0], x1 = constants[1], x2 = constants[2], x3 = constants[3]
        var x4 = key[0], x5 = key[1], x6 = key[2], x7 = key[3]
        var x8 = key[4], x9 = key[5], x10 = key[6], x11 = key[7]
        var x12 = counter, x13 = nonce[0], x14 = nonce[1], x15 = nonce[2]
        for _ in 0..<10 {
            quarterRound(&x0, &x4, &x8, &x12)
            quarterRound(&x1, &x5, &x9, &x13)
            quarterRound(&x2, &x6, &x10, &x14)
            quarterRound(&x3, &x7, &x11, &x15)
            quarterRound(&x0, &x5, &x10, &x15)
            quarterRound(&x1, &x6, &x11, &x12)
            quarterRound(&x2, &x7, &x8, &x13)
            quarterRound(&x3, &x4, &x9, &x14)
        }
        func put(_ mixed: UInt32, _ input: UInt32, word: Int) {
            out.storeBytes(of: (mixed &+ input).littleEndian, toByteOffset: 4 * word, as: UInt32.self)
        }
        put(x0, constants[0], word: 0); put(x1, constants[1], word: 1)
        put(x2, constants[2], word: 2); put(x3, constants[3], word: 3)
        put(x4, key[0], word: 4); put(x5, key[1], word: 5); put(x6, key[2], word: 6); put(x7, key[3], word: 7)
        put(x8, key[4], word: 8); put(x9, key[5], word: 9); put(x10, key[6], word: 10); put(x11, key[7], word: 11)
        put(x12, counter, word: 12); put(x13, nonce[0], word: 13)
        put(x14, nonce[1], word: 14); put(x15, nonce[2], word: 15)
    }

    /// Writes the 256 bytes of blocks `counter`, `counter &+ 1`, `counter &+ 2`, `counter &+ 3` to `out`.
    ///
    /// Each SIMD lane runs one block, so the four blocks' rounds execute side by side in vector registers;
    /// this is the PRG's hot loop. Callers must not let the counter wrap inside a group of four.
    @inline(__always)
    static func fourBlocks(
        key: SIMD8<UInt32>, counter: UInt32, nonce: SIMD4<UInt32>, into out: UnsafeMutableRawPointer
    ) {
        let k0 = SIMD4(repeating: key[0]), k1 = SIMD4(repeating: key[1])
        let k2 = SIMD4(repeating: key[2]), k3 = SIMD4(repeating: key[3])
        let k4 = SIMD4(repeating: key[4]), k5 = SIMD4(repeating: key[5])
        let k6 = SIMD4(repeating: key[6]), k7 = SIMD4(repeating: key[7])
        let c0 = SIMD4(repeating: constants[0]), c1 = SIMD4(repeating: constants[1])
        let c2 = SIMD4(repeating: constants[2]), c3 = SIMD4(repeating: constants[3])
        let n0 = SIMD4(repeating: nonce[0]), n1 = SIMD4(repeating: nonce[1]), n2 = SIMD4(repeating: nonce[2])
        let counters = SIMD4(repeating: counter) &+ SIMD4<UInt32>(0, 1, 2, 3)

        var x0 = c0, x1 = c1, x2 = c2, x3 = c3
        var x4 = k0, x5 = k1, x6 = k2, x7 = k3
        var x8 = k4, x9 = k5, x10 = k6, x11 = k7
        var x12 = counters, x13 = n0, x14 = n1, x15 = n2
        for _ in 0..<10 {
            quarterRound(&x0, &x4, &x8, &x12)
            quarterRound(&x1, &x5, &x9, &x13)
            quarterRound(&x2, &x6, &x10, &x14)
            quarterRound(&x3, &x7, &x11, &x15)
            quarterRound(&x0, &x5, &x10, &x15)
            quarterRound(&x1, &x6, &x11, &x12)
            quarterRound(&x2, &x7, &x8, &x13)
            quarterRound(&x3, &x4, &x9, &x14)
        }
        storeColumn(x0 &+ c0, word: 0, into: out)
        storeColumn(x1 &+ c1, word: 1, into: out)
        storeColumn(x2 &+ c2, word: 2, into: out)
        storeColumn(x3 &+ c3, word: 3, into: out)
        storeColumn(x4 &+ k0, word: 4, into: out)
        storeColumn(x5 &+ k1, word: 5, into: out)
        storeColumn(x6 &+ k2, word: 6, into: out)
        storeColumn(x7 &+ k3, word: 7, into: out)
        storeColumn(x8 &+ k4, word: 8, into: out)
        storeColumn(x9 &+ k5, word: 9, into: out)
        storeColumn(x10 &+ k6, word: 10, into: out)
        storeColumn(x11 &+ k7, word: 11, into: out)
        storeColumn(x12 &+ counters, word: 12, into: out)
        storeColumn(x13 &+ n0, word: 13, into: out)
        storeColumn(x14 &+ n1, word: 14, into: out)
        storeColumn(x15 &+ n2, word: 15, into: out)
    }

    /// Stores lane i of `value` as word `word` of block i.
    @inline(__always)
    private static func storeColumn(_ value: SIMD4<UInt32>, word: Int, into out: UnsafeMutableRawPointer) {
        out.storeBytes(of: value[0].littleEndian, toByteOffset: 4 * word, as: UInt32.self)
        out.storeBytes(of: value[1].littleEndian, toByteOffset: 64 + 4 * word, as: UInt32.self)
        out.storeBytes(of: value[2].littleEndian, toByteOffset: 128 + 4 * word, as: UInt32.self)
        out.storeBytes(of: value[3].littleEndian, toByteOffset: 192 + 4 * word, as: UInt32.self)
    }

    @inline(__always)
    private static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b; d ^= a; d = (d << 16) | (d >> 16)
        c &+= d; b ^= c; b = (b << 12) | (b >> 20)
        a &+= b; d ^= a; d = (d << 8) | (d >> 24)
        c &+= d; b ^= c; b = (b << 7) | (b >> 25)
    }

    @inline(__always)
    private static func quarterRound(
        _ a: inout SIMD4<UInt32>, _ b: inout SIMD4<UInt32>, _ c: inout SIMD4<UInt32>, _ d: inout SIMD4<UInt32>
    ) {
        a &+= b; d ^= a; d = rotateLeft16(d)
        c &+= d; b ^= c; b = rotateLeft(b, by: 12)
        a &+= b; d ^= a; d = rotateLeft(d, by: 8)
        c &+= d; b ^= c; b = rotateLeft(b, by: 7)
    }

    /// Lane-wise rotation. Written as `(x &<< n) | (x &>> (32 - n))`, LLVM turns each lane into a scalar
    /// `rol` (SSE2 has no vector rotate) and the block runs four times slower; joining the two shifted
    /// halves as 64-bit lanes hides the pattern and leaves two vector shifts and an OR.
    @inline(__always)
    private static func rotateLeft(_ x: SIMD4<UInt32>, by count: UInt32) -> SIMD4<UInt32> {
        let high = unsafeBitCast(x &<< count, to: SIMD2<UInt64>.self)
        let low = unsafeBitCast(x &>> (32 &- count), to: SIMD2<UInt64>.self)
        return unsafeBitCast(high | low, to: SIMD4<UInt32>.self)
    }

    /// Rotation by 16 swaps the 16-bit halves of each lane: two shuffles (`pshuflw`, `pshufhw`).
    @inline(__always)
    private static func rotateLeft16(_ x: SIMD4<UInt32>) -> SIMD4<UInt32> {
        let halves = unsafeBitCast(x, to: SIMD8<UInt16>.self)
        let swapped = SIMD8(halves[1], halves[0], halves[3], halves[2], halves[5], halves[4], halves[7], halves[6])
        return unsafeBitCast(swapped, to: SIMD4<UInt32>.self)
    }
}
