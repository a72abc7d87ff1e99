// Draws below small bounds (at most 256) at a byte of keystream per candidate: SecureNN's Z_67 shares and
// PrivateCompare's masks and permutations, which are most of the randomness a ReLU consumes.

extension PRG {
    /// Overwrites `values` with uniformly random integers in `0..<bound`, one byte each.
    ///
    /// The same values, in the same order and from the same words, as `fill(_:below:)` draws for this bound,
    /// so the two forms may expand one shared stream on different parties.
    /// - Precondition: `bound` is in 1...256.
    public mutating func fill(bytes values: UnsafeMutableBufferPointer<UInt8>, below bound: UInt64) {
        precondition((1...256).contains(bound), "a byte draw needs a bound in 1...256")
        fillSmall(values, below: bound)
    }

    /// `fill(_:below:)` for bounds of at most 256: 8-bit candidates, Lemire's rejection, the rest of the last word
    /// discarded.
    ///
    /// Words are generated in batches of as many as the draw will certainly consume (each gives at most eight
    /// values), so the stream ends where the word-by-word definition ends it; batches of up to 512 words (4 KB),
    /// so that large draws take OpenSSL's ChaCha20 (`PRG.fill`). Within a batch every word but the
    /// last is consumed whole, and the loop over it needs no test: it cannot reach the end of `values`.
    @inline(__always)
    mutating func fillSmall<Value: FixedWidthInteger & UnsignedInteger>(
        _ values: UnsafeMutableBufferPointer<Value>, below bound: UInt64
    ) {
        guard let target = values.baseAddress else { return }
        let count = values.count
        let multiplier = UInt16(bound), threshold = UInt16(256 % bound)
        var filled = 0
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 512) { words in
            while filled < count {
                let wordCount = min(words.count, (count - filled + 7) / 8)
                fill(UnsafeMutableBufferPointer(rebasing: words[0..<wordCount]))
                for w in 0..<(wordCount - 1) {
                    var word = words[w]
                    for _ in 0..<8 {
                        let product = UInt16(truncatingIfNeeded: word & 0xFF) &* multiplier
                        target[filled] = Value(truncatingIfNeeded: product >> 8)
                        filled &+= product & 0xFF >= threshold ? 1 : 0
                        word >>= 8
                    }
                }
                var word = words[wordCount - 1]
                for _ in 0..<8 where filled < count {
                    let product = UInt16(truncatingIfNeeded: word & 0xFF) &* multiplier
                    if product & 0xFF >= threshold {
                        target[filled] = Value(truncatingIfNeeded: product >> 8)
                        filled += 1
                    }
                    word >>= 8
                }
            }
        }
    }
}

/// A stream's keystream read a byte at a time, for draws whose count is not known in advance (rejection
/// sampling with several bounds, as PrivateCompare's randomness needs).
///
/// Bytes come in the order of `fill(_:below:)`'s 8-bit candidates: each word low byte first, words in stream
/// order. The reader generates words ahead into `buffer`, so it owns the rest of the stream: the `PRG` it was
/// made from must not be used after it.
struct KeystreamBytes {
    private var prg: PRG
    private let buffer: UnsafeMutableBufferPointer<UInt64>
    /// The next byte to hand out, counted from the start of `buffer`.
    private var position: Int
    private let end: Int

    /// A reader of `prg`'s keystream that generates `buffer.count` words at a time into `buffer`.
    init(_ prg: PRG, buffer: UnsafeMutableBufferPointer<UInt64>) {
        precondition(!buffer.isEmpty, "a keystream reader needs a buffer")
        self.prg = prg
        self.buffer = buffer
        self.end = 8 * buffer.count
        self.position = end
    }

    /// The next keystream byte.
    @inline(__always)
    mutating func next() -> UInt8 {
        if position == end {
            prg.fill(buffer)
            position = 0
        }
        defer { position &+= 1 }
        return UInt8(truncatingIfNeeded: buffer[position &>> 3] &>> UInt64((position & 7) &<< 3))
    }

    /// Skips the rest of the current word, so that the next byte is the first of a word.
    @inline(__always)
    mutating func alignToWord() {
        position = (position &+ 7) & ~7
    }

    /// Fills `target[0..<count]` with uniform draws in `0..<bound` (at most 256) plus `offset`, `threshold` being
    /// 256 mod `bound`: the values `count` calls of `next(below:threshold:)` would give.
    ///
    /// Whole words go through a loop that stores every candidate and advances only past accepted ones, with
    /// the test computed arithmetically: a rejection branch would be mispredicted for about one byte in five.
    /// Bytes before the first whole word and after the last one that cannot overshoot `count` go one at a time.
    @inline(__always)
    mutating func fill(
        _ target: UnsafeMutablePointer<UInt8>, count: Int, below bound: UInt16, threshold: UInt16, adding offset: UInt8
    ) {
        var filled = 0
        while filled < count, position & 7 != 0 {
            target[filled] = next(below: bound, threshold: threshold) &+ offset
            filled &+= 1
        }
        let multiplier = UInt32(bound), limit = UInt32(threshold)
        while count &- filled >= 8 {
            if position == end {
                prg.fill(buffer)
                position = 0
            }
            var word = buffer[position &>> 3]
            position &+= 8
            for _ in 0..<8 {
                let product = UInt32(truncatingIfNeeded: word & 0xFF) &* multiplier
                target[filled] = UInt8(truncatingIfNeeded: product &>> 8) &+ offset
                // 1 when the low byte is at least the threshold: the difference's sign bit is then clear.
                filled &+= Int(truncatingIfNeeded: 1 &- (((product & 0xFF) &- limit) &>> 31))
                word &>>= 8
            }
        }
        while filled < count {
            target[filled] = next(below: bound, threshold: threshold) &+ offset
            filled &+= 1
        }
    }

    /// Fills `swaps[i]` for i from `last` down to 1 with a uniform draw in `0...i` (`thresholds[b]` being 256 mod
    /// b), and `swaps[0]` with 0: the values `next(below: i + 1, threshold: thresholds[i + 1])` would give in
    /// that order. The stream is then at the end of the word that held the last byte used, where `alignToWord`
    /// would put it after those calls.
    ///
    /// A word at a time. Most words have no rejected byte (each byte is rejected with probability below
    /// 1/4, about 1/16 on average over the bounds), so a word's eight draws are first computed as if none
    /// were, with no dependence between them; only a word with a rejection goes byte by byte.
    @inline(__always)
    mutating func fillSwaps(_ swaps: UnsafeMutablePointer<UInt8>, last: Int, thresholds: UnsafePointer<UInt16>) {
        var i = last
        swaps[0] = 0
        while i > 0 {
            if position == end {
                prg.fill(buffer)
                position = 0
            }
            let skipped = position & 7
            var word = buffer[position &>> 3] &>> UInt64(skipped &<< 3)
            position = (position | 7) &+ 1
            if skipped == 0, i >= 8 {
                var rejections: UInt32 = 0
                var candidates: UInt64 = 0
                for j in 0..<8 {
                    let bound = UInt32(truncatingIfNeeded: i &+ 1 &- j)
                    let product = UInt32(truncatingIfNeeded: (word &>> UInt64(8 * j)) & 0xFF) &* bound
                    candidates |= UInt64(product &>> 8) &<< UInt64(8 * j)
                    rejections |= UInt32(truncatingIfNeeded: product & 0xFF) &- UInt32(thresholds[i &+ 1 &- j])
                }
                // A rejected byte's low product byte is below its threshold: the difference wraps, setting bit 31.
                if rejections &>> 31 == 0 {
                    for j in 0..<8 { swaps[i &- j] = UInt8(truncatingIfNeeded: candidates &>> UInt64(8 * j)) }
                    i &-= 8
                    continue
                }
            }
            for _ in skipped..<8 where i > 0 {
                let product = UInt16(truncatingIfNeeded: word & 0xFF) &* UInt16(truncatingIfNeeded: i &+ 1)
                if product & 0xFF >= thresholds[i &+ 1] {
                    swaps[i] = UInt8(truncatingIfNeeded: product &>> 8)
                    i &-= 1
                }
                word &>>= 8
            }
        }
    }

    /// A uniform draw in `0..<bound` (at most 256) by Lemire's multiply-and-shift with rejection, `threshold`
    /// being 256 mod `bound`: the value `fill(_:below:)` would give from the same bytes.
    @inline(__always)
    mutating func next(below bound: UInt16, threshold: UInt16) -> UInt8 {
        while true {
            let product = UInt16(next()) &* bound
            if product & 0xFF >= threshold { return UInt8(truncatingIfNeeded: product >> 8) }
        }
    }
}
