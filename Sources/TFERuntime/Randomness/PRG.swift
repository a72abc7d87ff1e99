// The pseudorandom generator that expands seeds into shares, masks and Beaver triples.

/// A deterministic pseudorandom generator: the AES-128-CTR keystream of a seed (`AESCTRKeystream`), read as
/// little-endian `UInt64`s, two to a block.
///
/// Two players holding the same seed and stream number draw identical values as long as they make the
/// same calls, which is how server2 hands out correlated randomness without sending it. Word draws
/// (`next()`, `fill(_:)`, `nextUInt64s(count:)`) are consecutive: splitting a draw in two gives the same
/// words. The AES key is the seed's first 16 bytes (`Seed`); the 128-bit counter block of word w of stream s is
/// s·2^64 + ⌊w/2⌋, big-endian (SP 800-38A's counter, its high half the stream number): the stream number selects
/// an independent keystream for one seed, and a stream has 2^64 blocks before it would run into the next.
public struct PRG: Sendable {
    /// Words generated per refill: 16 AES blocks (256 bytes, ~0.15 µs of OpenSSL's set-up and keystream).
    static let groupWordCount = 32
    /// Words in one AES block.
    static let blockWordCount = AESCTRKeystream.blockByteCount / 8
    /// AES blocks in a group.
    static let groupBlockCount = groupWordCount / blockWordCount

    /// The keyed cipher, copy-on-write: a copy of the generator clones it before its first draw (`keystream`).
    private var cipher: AESCTRKeystream
    /// The high half of the counter block: the stream number, plus carries from `counterLow` (never in practice).
    private var counterHigh: UInt64
    /// The low half of the next group's first counter block; it carries into `counterHigh` as OpenSSL's does.
    private var counterLow: UInt64
    /// Generated words not yet handed out: `buffer[position...]`.
    private var buffer = InlineArray<32, UInt64>(repeating: 0)
    private var position = PRG.groupWordCount

    /// The generator for stream `stream` of `seed`, positioned `offset` words into it.
    ///
    /// Different streams of one seed are independent. The offset lets several threads expand disjoint
    /// slices of one stream (a large triple, say) and get exactly the words a single pass would: the counter
    /// jumps to the offset's block, with no keystream generated before it.
    public init(seed: Seed, stream: UInt64, skippingWords offset: UInt64 = 0) {
        self.cipher = AESCTRKeystream(key: seed.aesKey)
        let group = offset / UInt64(Self.groupWordCount)
        self.counterHigh = stream
        self.counterLow = group * UInt64(Self.groupBlockCount)
        let within = Int(offset % UInt64(Self.groupWordCount))
        if within > 0 {
            refill()
            position = within
        }
    }

    /// The generator of `seed` whose next word is the first of counter block `high`·2^64 + `low`: for the
    /// standard's test vectors, whose counters no word offset of a stream reaches.
    init(seed: Seed, counterHigh high: UInt64, low: UInt64) {
        self.cipher = AESCTRKeystream(key: seed.aesKey)
        self.counterHigh = high
        self.counterLow = low
    }

    // MARK: - Uniform words

    /// The next uniformly random 64-bit word.
    public mutating func next() -> UInt64 {
        if position == Self.groupWordCount {
            refill()
        }
        let word = buffer[position]
        position += 1
        return word
    }

    /// The next `count` words.
    public mutating func nextUInt64s(count: Int) -> [UInt64] {
        precondition(count >= 0, "cannot draw a negative number of words")
        return [UInt64](unsafeUninitializedCapacity: count) { words, initialized in
            fill(UnsafeMutableBufferPointer(rebasing: words[0..<count]))
            initialized = count
        }
    }

    /// Adds the next `values.count` words to `values` (wrapping), drawing a chunk at a time, so summing two
    /// streams' shares costs no second array.
    public mutating func addWords(into values: inout [UInt64]) {
        let chunk = 2048
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: chunk) { buffer in
            values.withUnsafeMutableBufferPointer { values in
                var start = 0
                while start < values.count {
                    let words = UnsafeMutableBufferPointer(rebasing: buffer[0..<min(chunk, values.count - start)])
                    fill(words)
                    for i in words.indices { values[start + i] &+= words[i] }
                    start += words.count
                }
            }
        }
    }

    /// Overwrites `words` with the next `words.count` words.
    ///
    /// Whole groups are generated straight into `words` in one call to OpenSSL, so bulk draws (Beaver triples
    /// of millions of ring elements) cost the cipher and nothing else.
    public mutating func fill(_ words: UnsafeMutableBufferPointer<UInt64>) {
        guard var target = words.baseAddress else { return }
        var remaining = words.count
        while remaining > 0, position < Self.groupWordCount {
            target.pointee = buffer[position]
            position += 1
            target += 1
            remaining -= 1
        }
        let groups = remaining / Self.groupWordCount
        if groups > 0 {
            keystream(groups: groups, into: target)
            target += groups * Self.groupWordCount
            remaining -= groups * Self.groupWordCount
        }
        if remaining > 0 {
            refill()
            for index in 0..<remaining {
                target[index] = buffer[index]
            }
            position = remaining
        }
    }

    /// A seed drawn from this stream, for deriving further generators.
    public mutating func nextSeed() -> Seed {
        var words = SIMD8<UInt32>()
        for pair in 0..<4 {
            let word = next()
            words[2 * pair] = UInt32(truncatingIfNeeded: word)
            words[2 * pair + 1] = UInt32(truncatingIfNeeded: word >> 32)
        }
        return Seed(words: words)
    }

    // MARK: - Uniform integers below a bound

    /// A uniformly random integer in `0..<bound`, with no modulo bias.
    ///
    /// The same as the single element of `fill(_:below:)` with a one-element buffer.
    /// - Precondition: `bound > 0`.
    public mutating func nextBelow(_ bound: UInt64) -> UInt64 {
        var value: UInt64 = 0
        withUnsafeMutablePointer(to: &value) { fill(UnsafeMutableBufferPointer(start: $0, count: 1), below: bound) }
        return value
    }

    /// `count` uniformly random integers in `0..<bound`.
    /// - Precondition: `bound > 0`.
    public mutating func nextUInt64s(count: Int, below bound: UInt64) -> [UInt64] {
        precondition(count >= 0, "cannot draw a negative number of values")
        return [UInt64](unsafeUninitializedCapacity: count) { values, initialized in
            fill(UnsafeMutableBufferPointer(rebasing: values[0..<count]), below: bound)
            initialized = count
        }
    }

    /// Overwrites `values` with uniformly random integers in `0..<bound`.
    ///
    /// Each word is cut into the narrowest candidates (8, 16, 32 or 64 bits) that can cover `bound`, so
    /// small moduli such as SecureNN's p = 67 cost a byte of keystream per value rather than a word.
    /// A candidate c of k bits maps to (c·bound) >> k and is rejected when the low k bits of the product
    /// fall below 2^k mod bound (Lemire's method): every result then has exactly ⌊2^k / bound⌋
    /// preimages, so there is no bias, and no division runs per value. Candidates left in the last word
    /// are discarded, so the next draw starts on a word boundary.
    /// - Precondition: `bound > 0`.
    public mutating func fill(_ values: UnsafeMutableBufferPointer<UInt64>, below bound: UInt64) {
        precondition(bound > 0, "the bound of a uniform draw must be positive")
        let count = values.count
        var filled = 0
        if bound > 1 << 32 {
            // A word per candidate, drawn in bulk for the values still missing, in place: the word-by-word loop
            // would draw at least that many more words, so the stream ends where it would end it.
            let threshold = (0 &- bound) % bound
            while filled < count {
                let words = UnsafeMutableBufferPointer(rebasing: values[filled...])
                fill(words)
                for word in words {
                    let (high, low) = word.multipliedFullWidth(by: bound)
                    values[filled] = high
                    filled &+= low >= threshold ? 1 : 0
                }
            }
            return
        }
        if bound <= 1 << 8 {
            fillSmall(values, below: bound)
            return
        }
        let bits: UInt64 = bound <= 1 << 16 ? 16 : 32
        let mask: UInt64 = (1 << bits) - 1
        let threshold = (1 << bits) % bound
        while filled < count {
            var word = next()
            for _ in 0..<(64 / bits) {
                let product = (word & mask) * bound
                word >>= bits
                if product & mask >= threshold {
                    values[filled] = product >> bits
                    filled += 1
                    if filled == count { return }
                }
            }
        }
    }

    // MARK: - Keystream

    private mutating func refill() {
        let cipher = uniqueCipher(), high = counterHigh, low = counterLow
        withUnsafeMutableBytes(of: &buffer) { bytes in
            Self.keystream(cipher, high: high, low: low, groups: 1, into: bytes.baseAddress!)
        }
        advance(groups: 1)
        position = 0
    }

    /// Writes the next `groups` groups' words into `target` and moves the counter past them.
    private mutating func keystream(groups: Int, into target: UnsafeMutablePointer<UInt64>) {
        Self.keystream(uniqueCipher(), high: counterHigh, low: counterLow, groups: groups, into: target)
        advance(groups: groups)
    }

    /// The cipher, cloned first if a copy of this generator shares it: a context must not serve two threads.
    private mutating func uniqueCipher() -> AESCTRKeystream {
        if !isKnownUniquelyReferenced(&cipher) {
            cipher = cipher.clone()
        }
        return cipher
    }

    /// Writes the words of `groups` groups from counter block `high`·2^64 + `low` into `target`.
    private static func keystream(
        _ cipher: AESCTRKeystream, high: UInt64, low: UInt64, groups: Int, into target: UnsafeMutableRawPointer
    ) {
        cipher.blocks(counterHigh: high, low: low, count: groups * groupBlockCount, into: target)
        fixEndianness(target.assumingMemoryBound(to: UInt64.self), count: groups * groupWordCount)
    }

    /// Moves the counter `groups` groups on, carrying from its low half into its high half.
    private mutating func advance(groups: Int) {
        let (sum, overflow) = counterLow.addingReportingOverflow(UInt64(groups * Self.groupBlockCount))
        counterLow = sum
        counterHigh &+= overflow ? 1 : 0
    }

    /// The keystream bytes are little-endian words; on a big-endian host they must be swapped to read them.
    @inline(__always)
    private static func fixEndianness(_ words: UnsafeMutablePointer<UInt64>, count: Int) {
        #if _endian(big)
        for index in 0..<count {
            words[index] = UInt64(littleEndian: words[index])
        }
        #endif
    }
}
