// Draws below small bounds (at most 256): SecureNN's Z_67 shares at a byte of keystream per candidate, and
// PrivateCompare's masks and permutations four to a 32-bit candidate; most of the randomness a ReLU consumes.

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
    /// so that a large draw makes few, long calls to OpenSSL's AES-CTR (`PRG.fill`). Within a batch every word but
    /// the last is consumed whole, and the loop over it needs no test: it cannot reach the end of `values`.
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

extension PRG {
    /// Overwrites `values` with uniformly random integers in `0..<bound`, one byte each, four from each 32-bit
    /// candidate of `KeystreamCandidates` (`fillBatch`: a byte of keystream a value, and 32 values at a time in
    /// SIMD registers): value 32·r + 8·i + j is digit i of candidate j of the r-th accepted block; the last
    /// `count % 32` values are the first of one more block's.
    ///
    /// The stream continues after the words the draw generated ahead, which depend only on `values.count`, so two
    /// parties that make the same draws stay in step. Not the values of `fill(bytes:below:)`.
    /// - Precondition: `bound` is in 1...256.
    package mutating func fill(fieldElements values: UnsafeMutableBufferPointer<UInt8>, below bound: UInt16) {
        precondition((1...256).contains(bound), "a byte draw needs a bound in 1...256")
        guard let target = values.baseAddress else { return }
        let count = values.count
        let product = (0..<4).reduce(UInt64(1)) { product, _ in product * UInt64(bound) }
        let remainder = (UInt64(1) << 32) % product
        let thresholds = [UInt16](repeating: UInt16(truncatingIfNeeded: remainder), count: 8)
            + [UInt16](repeating: UInt16(remainder >> 16), count: 8)
        let bounds = [UInt16](repeating: bound, count: 32)
        // The words a draw needs (a byte a value), a few rejected blocks, and a word partly read.
        let bufferWords = min(2048, count / 8 + KeystreamCandidates.minimumWords + 8)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: bufferWords) { words in
            withUnsafeTemporaryAllocation(of: SIMD8<UInt16>.self, capacity: 4) { lanes in
                let digits = UnsafeMutableRawPointer(lanes.baseAddress!).assumingMemoryBound(to: UInt16.self)
                var stream = KeystreamCandidates(self, buffer: words)
                var filled = 0
                while filled < count {
                    stream.fillBatch(digits, stride: 8, bounds: bounds, thresholds: thresholds, adding: 0)
                    let run = min(32, count - filled)
                    if run == 32 {
                        for i in 0..<4 {
                            UnsafeMutableRawPointer(target + filled).storeBytes(
                                of: EightLanes.narrow(lanes[i]), toByteOffset: 8 * i, as: SIMD8<UInt8>.self)
                        }
                    } else {
                        for k in 0..<run { target[filled + k] = UInt8(truncatingIfNeeded: digits[k]) }
                    }
                    filled += run
                }
                self = stream.remainder
            }
        }
    }
}

/// A stream's keystream read as blocks of eight 32-bit candidates (`fillBatch`), for PrivateCompare's per-element
/// randomness and the Z_67 shares server2 deals: a block is 16 consecutive 16-bit halves (each word gives four,
/// low half first, words in stream order), the first eight the candidates' low halves, the last eight their high
/// halves.
///
/// The reader generates words ahead into `buffer`, so it owns the rest of the stream: the `PRG` it was made from
/// must not be used after it.
struct KeystreamCandidates {
    /// The smallest buffer: a block's halves and the three before them in the block's first word.
    static let minimumWords = blockLength / 4 + 1

    private var prg: PRG
    private let buffer: UnsafeMutableBufferPointer<UInt64>
    /// The next 16-bit half, counted from the start of `buffer`.
    private var position: Int
    /// The halves generated into `buffer`.
    private var end: Int

    /// A reader of `prg`'s keystream that generates up to `buffer.count` words at a time into `buffer`.
    init(_ prg: PRG, buffer: UnsafeMutableBufferPointer<UInt64>) {
        precondition(buffer.count >= Self.minimumWords, "a candidate reader needs \(Self.minimumWords) words")
        self.prg = prg
        self.buffer = buffer
        self.position = 0
        self.end = 0
    }

    /// The halves from the next one on, at least `count` (at most `4·(buffer.count − 1)`) of them generated: the word
    /// holding the next candidate and those after it move to the front of the buffer, and the stream continues
    /// behind them.
    @inline(__always)
    private mutating func candidates(atLeast count: Int) -> UnsafePointer<UInt16> {
        if end &- position < count {
            let first = position &>> 2, kept = (end &+ 3) &>> 2 &- first
            let base = buffer.baseAddress!
            if kept > 0 { base.update(from: base + first, count: kept) }
            // Whole groups of the PRG's words when there is room for one: then every word goes from OpenSSL's
            // AES-CTR straight into the buffer, none through the PRG's own buffer of a group it hands out in part.
            let room = buffer.count &- kept, group = PRG.groupWordCount
            let words = room >= group ? room - room % group : room
            let fresh = UnsafeMutableBufferPointer(rebasing: buffer[kept..<(kept &+ words)])
            prg.fill(fresh)
            #if _endian(big)
                for i in fresh.indices { fresh[i] = fresh[i].littleEndian }
            #endif
            position &= 3
            end = 4 &* (kept &+ fresh.count)
        }
        return UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt16.self) + position
    }

    /// The next `count` halves, generated if need be but not consumed (`skip(_:)` consumes them): for a kernel that
    /// reads several blocks at once, and leaves them to `fillBatch` when one is rejected.
    /// - Precondition: the buffer holds `count` halves and the three before them in their first word.
    @inline(__always)
    mutating func upcoming(_ count: Int) -> UnsafePointer<UInt16> {
        precondition(count <= 4 * (buffer.count - 1), "a candidate reader's buffer is too small for \(count) halves")
        return candidates(atLeast: count)
    }

    /// Consumes `count` halves, all of which `upcoming(_:)` returned.
    @inline(__always)
    mutating func skip(_ count: Int) { position &+= count }

    /// The generator after the words this reader generated: where a party that reads the same candidates
    /// continues the stream.
    var remainder: PRG { prg }

    /// The 16-bit halves of one block of eight 32-bit candidates: candidate j's low half is half j of the block,
    /// its high half half 8 + j (so each half of the eight loads as one SIMD register).
    static let blockLength = 16

    /// Lemire's batched draws (Brackett-Rozinsky and Lemire, "Batched ranged random integer generation", 2024) in
    /// eight lanes: four values from each of a block's eight 32-bit candidates, lane j's below `bounds[stride·i + j]`
    /// for i in 0..<4, written to `target[stride·i + j]` plus `offset`. `thresholds` holds eight lanes of the low
    /// halves, then eight of the high halves, of 2^32 mod P_j, P_j the product of lane j's four bounds.
    ///
    /// A candidate c gives the mixed-radix digits of ⌊c·P_j / 2^32⌋: digit i is the high half of l·b_i, l
    /// starting at c and becoming the low 32 bits of that product; the last l is c·P_j mod 2^32, and the candidate
    /// is accepted when it is at least 2^32 mod P_j (Lemire's test), which leaves every one of the P_j values
    /// exactly ⌊2^32 / P_j⌋ candidates, so the four digits are independent and uniform. A block with any rejected
    /// candidate is discarded whole and the next one drawn: the eight candidates are independent, so a block
    /// conditioned on all eight accepted is still eight independent accepted candidates. At most 1.6 in 1,000
    /// candidates are rejected for the bounds of PrivateCompare (66^4), so about 1% of blocks.
    ///
    /// The 32-bit products are formed from 16-bit halves with SSE2's multiply-low and multiply-high: l·b =
    /// (h·b)·2^16 + (lo·b), the middle 16 bits the sum of h·b's low half and lo·b's high half, whose carry goes
    /// to the digit. Bounds must be in 1...65535, each lane's four multiplying to at most 2^32 (PrivateCompare's
    /// are at most 67).
    @inline(__always)
    mutating func fillBatch(
        _ target: UnsafeMutablePointer<UInt16>, stride: Int, bounds: UnsafePointer<UInt16>,
        thresholds: UnsafePointer<UInt16>, adding offset: UInt16
    ) {
        let thresholdLow = UnsafeRawPointer(thresholds).loadUnaligned(as: SIMD8<UInt16>.self)
        let thresholdHigh = UnsafeRawPointer(thresholds).loadUnaligned(fromByteOffset: 16, as: SIMD8<UInt16>.self)
        while true {
            let block = UnsafeRawPointer(candidates(atLeast: Self.blockLength))
            position &+= Self.blockLength
            if Self.drawBlock(
                block, into: target, stride: stride, bounds: bounds, thresholdLow: thresholdLow,
                thresholdHigh: thresholdHigh, adding: offset)
            {
                return
            }
        }
    }

    /// One block's draws (`fillBatch`) from its 32 bytes at `block`: whether all eight candidates were accepted
    /// (the values written either way).
    @inline(__always)
    static func drawBlock(
        _ block: UnsafeRawPointer, into target: UnsafeMutablePointer<UInt16>, stride: Int,
        bounds: UnsafePointer<UInt16>, thresholdLow: SIMD8<UInt16>, thresholdHigh: SIMD8<UInt16>,
        adding offset: UInt16
    ) -> Bool {
        typealias Lanes = SIMD8<UInt16>
        let boundBytes = UnsafeRawPointer(bounds), output = UnsafeMutableRawPointer(target)
        let offsets = Lanes(repeating: offset)
        var low = block.loadUnaligned(as: Lanes.self)
        var high = block.loadUnaligned(fromByteOffset: 16, as: Lanes.self)
        // One digit: l·b = (high·b)·2^16 + low·b, written out four times (the compiler keeps a loop otherwise).
        @inline(__always)
        func step(_ i: Int) {
            let b = boundBytes.loadUnaligned(fromByteOffset: 2 * stride * i, as: Lanes.self)
            let highLow = high &* b, lowHigh = EightLanes.multiplyHigh(low, b)
            let middle = highLow &+ lowHigh
            // The 16-bit sum carries exactly when it wraps below an addend; a set mask lane is all ones, −1.
            let carry = unsafeBitCast(middle .< lowHigh, to: Lanes.self)
            output.storeBytes(
                of: EightLanes.multiplyHigh(high, b) &- carry &+ offsets, toByteOffset: 2 * stride * i,
                as: Lanes.self)
            low = low &* b
            high = middle
        }
        step(0)
        step(1)
        step(2)
        step(3)
        let below = (high .< thresholdHigh) .| ((high .== thresholdHigh) .& (low .< thresholdLow))
        return !EightLanes.any(below)
    }
}
