// The pseudorandom generator that expands seeds into shares, masks and Beaver triples.

/// A deterministic pseudorandom generator: the ChaCha20 keystream of a seed, read as little-endian `UInt64`s.
///
/// Two players holding the same seed and stream number draw identical values as long as they make the
/// same calls, which is how server2 hands out correlated randomness without sending it. Word draws
/// (`next()`, `fill(_:)`, `nextUInt64s(count:)`) are consecutive: splitting a draw in two gives the same
/// words. The ChaCha20 nonce is `(blockHigh, stream low, stream high)`: the stream number selects an
/// independent keystream for one seed, and `blockHigh` extends RFC 8439's 32-bit block counter, so a
/// stream has 2^64 blocks and never repeats in practice.
public struct PRG: Sendable {
    /// Words generated per refill: four ChaCha20 blocks, one per SIMD lane.
    static let groupWordCount = 32
    /// Whole groups from which a draw goes to OpenSSL's ChaCha20 (1 KB: a call costs ~0.45 µs of set-up, then
    /// ~0.25 ns a byte with AVX-512; below 1 KB the set-up outweighs the speed).
    static let bulkGroups = 4

    private let key: SIMD8<UInt32>
    /// Lane 0 is the high half of the block counter, lanes 1 and 2 the stream number.
    private var nonce: SIMD4<UInt32>
    /// The first block of the next group; a multiple of four, so a group never straddles a wrap.
    private var counter: UInt32 = 0
    /// Generated words not yet handed out: `buffer[position...]`.
    private var buffer = InlineArray<32, UInt64>(repeating: 0)
    private var position = PRG.groupWordCount

    /// The generator for stream `stream` of `seed`, positioned `offset` words into it.
    ///
    /// Different streams of one seed are independent. The offset lets several threads expand disjoint
    /// slices of one stream (a large triple, say) and get exactly the words a single pass would.
    public init(seed: Seed, stream: UInt64, skippingWords offset: UInt64 = 0) {
        self.key = seed.words
        let group = offset / UInt64(Self.groupWordCount)
        let block = group * 4
        self.nonce = SIMD4(
            UInt32(truncatingIfNeeded: block >> 32), UInt32(truncatingIfNeeded: stream),
            UInt32(truncatingIfNeeded: stream >> 32), 0)
        self.counter = UInt32(truncatingIfNeeded: block)
        let within = Int(offset % UInt64(Self.groupWordCount))
        if within > 0 {
            refill()
            position = within
        }
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
    /// Whole groups of four blocks are generated straight into `words`, so bulk draws (Beaver triples of
    /// millions of ring elements) cost the cipher and nothing else.
    public mutating func fill(_ words: UnsafeMutableBufferPointer<UInt64>) {
        guard var target = words.baseAddress else { return }
        var remaining = words.count
        while remaining > 0, position < Self.groupWordCount {
            target.pointee = buffer[position]
            position += 1
            target += 1
            remaining -= 1
        }
        // Large draws take OpenSSL's vectorised ChaCha20, the same keystream (`ChaCha20.blocks`).
        let groups = remaining / Self.groupWordCount
        if groups >= Self.bulkGroups,
            ChaCha20.blocks(key: key, counter: counter, nonce: nonce, count: 4 * groups,
                            into: UnsafeMutableRawPointer(target))
        {
            Self.fixEndianness(target, count: groups * Self.groupWordCount)
            advanceCounter(groups: groups)
            target += groups * Self.groupWordCount
            remaining -= groups * Self.groupWordCount
        }
        while remaining >= Self.groupWordCount {
            ChaCha20.fourBlocks(key: key, counter: counter, nonce: nonce, into: UnsafeMutableRawPointer(target))
            Self.fixEndianness(target, count: Self.groupWordCount)
            advanceCounter()
            target += Self.groupWordCount
            remaining -= Self.groupWordCount
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
        withUnsafeMutableBytes(of: &buffer) { bytes in
            ChaCha20.fourBlocks(key: key, counter: counter, nonce: nonce, into: bytes.baseAddress!)
            Self.fixEndianness(bytes.baseAddress!.assumingMemoryBound(to: UInt64.self), count: Self.groupWordCount)
        }
        advanceCounter()
        position = 0
    }

    /// Moves `groups` groups of four blocks on, carrying into the nonce's first word.
    private mutating func advanceCounter(groups: Int) {
        let (sum, overflow) = counter.addingReportingOverflow(UInt32(truncatingIfNeeded: 4 * groups))
        let wraps = UInt32(truncatingIfNeeded: (4 * groups) >> 32) &+ (overflow ? 1 : 0)
        counter = sum
        nonce[0] &+= wraps
    }

    /// Moves to the next group of four blocks, carrying into the nonce's first word.
    @inline(__always)
    private mutating func advanceCounter() {
        if counter == UInt32.max - 3 {
            counter = 0
            nonce[0] &+= 1
        } else {
            counter += 4
        }
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
