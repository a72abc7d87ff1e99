// SecureNN's PrivateCompare per element with AVX-512BW/VL, 16 16-bit lanes to a (ymm) register: the batched draw
// of one element's common randomness, its masked, shuffled messages, and server2's zero test. Compiled for x86-64-v4
// like `WideTiles`; TFERuntime calls these only once it has checked the CPU (`MatmulKernel.selected`), and its
// portable `PrivateCompareStep.draw`, `messages` and `zeros` are the reference: for the same keystream and bytes
// these write the same bytes (`CompareKernelTests`). Messages in 32 lanes (zmm) measured slower (170 against 161 ns
// an element in `tfe-bench privatecompare`), and two elements' messages and shuffles interleaved gained nothing.

/// PrivateCompare's draw, messages and zero test, over the layouts of TFERuntime's `PrivateCompareStep`.
public enum CompareTiles {
    typealias Run = SIMD16<UInt16>

    /// One element's randomness from the first six blocks of candidates at `candidates` (96 16-bit halves, as
    /// `KeystreamCandidates` reads them): whether all six blocks were accepted. When they were, `randomness` (192
    /// lanes) holds what `PrivateCompareStep.draw` writes from those blocks; otherwise its contents are unspecified
    /// and the caller draws the element the portable way, which skips the rejected blocks.
    ///
    /// Each of the three runs (multipliers, blinds, swaps) is two blocks whose eight candidates each are one
    /// register of 16 lanes: lanes 0–7 the first block's, 8–15 the second's, so digit i of the run is the 16 lanes
    /// at `64·run + 16·i`. `bounds` and `thresholds` are `PrivateCompareStep.drawBounds` and `drawThresholds`.
    @inline(never)
    public static func draw(
        candidates: UnsafePointer<UInt16>, bounds: UnsafePointer<UInt16>, thresholds: UnsafePointer<UInt16>,
        into randomness: UnsafeMutablePointer<UInt16>
    ) -> Bool {
        let source = UnsafeRawPointer(candidates), boundBytes = UnsafeRawPointer(bounds)
        let limits = UnsafeRawPointer(thresholds), output = UnsafeMutableRawPointer(randomness)
        var rejected = SIMDMask<SIMD16<Int16>>()
        for run in 0..<3 {
            // A block is 16 halves (32 bytes): its candidates' eight low halves, then their eight high halves.
            var low = pair(source, 64 * run, 64 * run + 32)
            var high = pair(source, 64 * run + 16, 64 * run + 48)
            let thresholdLow = pair(limits, 64 * run, 64 * run + 32)
            let thresholdHigh = pair(limits, 64 * run + 16, 64 * run + 48)
            let offset = Run(repeating: run == 0 ? 1 : 0)
            for i in 0..<4 {
                let lane = 64 * run + 16 * i
                let b = boundBytes.loadUnaligned(fromByteOffset: 2 * lane, as: Run.self)
                // l·b = (high·b)·2^16 + low·b: the middle half's carry goes to the digit (−1 in a set mask lane).
                let highLow = high &* b, lowHigh = multiplyHigh(low, b)
                let middle = highLow &+ lowHigh
                let carry = unsafeBitCast(middle .< lowHigh, to: Run.self)
                output.storeBytes(
                    of: multiplyHigh(high, b) &- carry &+ offset, toByteOffset: 2 * lane, as: Run.self)
                low = low &* b
                high = middle
            }
            let below = (high .< thresholdHigh) .| ((high .== thresholdHigh) .& (low .< thresholdLow))
            rejected .|= below
        }
        return !any(rejected)
    }

    /// The 64 bytes one server sends for the test `[x > k]` (`xGreater`) or `[k > x]`, as
    /// `PrivateCompareStep.messages(k:xGreater:...)` forms them: from the shares of x's bits over Z_p at `bits`
    /// (64 bytes) and the element's randomness (`draw`), `s_i·c_i ± u_i` mod p, shuffled by the element's swaps.
    ///
    /// Four registers of 16 lanes hold the 64 bits; the suffix sums Σ_{m>i} w_m come from prefix sums within 64-bit
    /// words (four lanes each: a word plus itself shifted by one, then two lanes) and a scan of the words' totals.
    /// Every intermediate is the portable path's exact integer (at most 8,576), reduced mod p exactly, so the
    /// bytes are the same.
    @inline(never)
    public static func messages(
        k: UInt64, xGreater: Bool, bits: UnsafePointer<UInt8>, isServer0: Bool, randomness: UnsafePointer<UInt16>,
        into d: UnsafeMutablePointer<UInt8>
    ) {
        let own: UInt16 = isServer0 ? 1 : 0
        let signs = Signs(
            own: Run(repeating: own), ownPlusP: Run(repeating: 67 &+ own),
            negate: Run(repeating: xGreater ? 0xFFFF : 0), blind: Run(repeating: isServer0 ? 0 : 0xFFFF))
        let rawBits = UnsafeRawPointer(bits), rawRandomness = UnsafeRawPointer(randomness)
        let output = UnsafeMutableRawPointer(d)
        let c0 = chunk(0, k: k, bits: rawBits, signs), c1 = chunk(1, k: k, bits: rawBits, signs)
        let c2 = chunk(2, k: k, bits: rawBits, signs), c3 = chunk(3, k: k, bits: rawBits, signs)
        var carried: UInt64 = 0
        let p0 = prefixSums(c0.sums, carried: &carried), p1 = prefixSums(c1.sums, carried: &carried)
        let p2 = prefixSums(c2.sums, carried: &carried), p3 = prefixSums(c3.sums, carried: &carried)
        let total = Run(repeating: UInt16(truncatingIfNeeded: carried))
        emit(0, term: c0.term, prefix: p0, total: total, randomness: rawRandomness, signs, into: output)
        emit(1, term: c1.term, prefix: p1, total: total, randomness: rawRandomness, signs, into: output)
        emit(2, term: c2.term, prefix: p2, total: total, randomness: rawRandomness, signs, into: output)
        emit(3, term: c3.term, prefix: p3, total: total, randomness: rawRandomness, signs, into: output)
        shuffle(d, swaps: randomness + 128)
    }

    /// `PrivateCompareStep.shuffle`: for i from 63 down to 1, swaps `values[i]` with `values[swaps[63 − i]]`. Written
    /// out in groups of seven swaps, so that the loop's own instructions do not add to the five (three loads, two
    /// stores) each swap needs: the swaps are independent but where a position recurs, and the loop runs at the
    /// rate it issues instructions.
    @inline(__always)
    static func shuffle(_ values: UnsafeMutablePointer<UInt8>, swaps: UnsafePointer<UInt16>) {
        @_transparent
        func swap(_ j: Int) {
            let i = 63 - j, k = Int(swaps[j])
            let held = values[i]
            values[i] = values[k]
            values[k] = held
        }
        var j = 0
        while j < 63 {
            swap(j)
            swap(j + 1)
            swap(j + 2)
            swap(j + 3)
            swap(j + 4)
            swap(j + 5)
            swap(j + 6)
            j += 7
        }
    }

    /// One server's constants for `messages`: its own part of the public terms (1 on server0), that plus p, all ones
    /// in `negate` for `[x > k]` (x ↦ −x as (v ^ negate) − negate), and all ones in `blind` on server1 (−u).
    struct Signs {
        var own: Run
        var ownPlusP: Run
        var negate: Run
        var blind: Run
    }

    typealias Words = SIMD4<UInt64>

    /// Chunk j (bits 16j...16j + 15): the terms ±(x_i − k_i) + 1 (plus p), and the shares w_i of x_i ⊕ k_i summed
    /// within each word of four lanes (the word plus itself shifted by one, then two lanes: no lane carries).
    @inline(__always)
    static func chunk(_ j: Int, k: UInt64, bits: UnsafeRawPointer, _ signs: Signs) -> (term: Run, sums: Words) {
        let x = reduce(widen(bits.loadUnaligned(fromByteOffset: 16 * j, as: SIMD16<UInt8>.self)))
        let kChunk = Run(repeating: UInt16(truncatingIfNeeded: k &>> UInt64(16 * j))) & laneBits
        let kBit = (kChunk &+ 0x7FFF) &>> 15, kMask = 0 &- kBit
        let difference = x &- (kBit & signs.own)
        let term = ((difference ^ signs.negate) &- signs.negate) &+ signs.ownPlusP
        // x_i ⊕ k_i: x_i when k_i = 0, 1 − x_i (over Z_p, plus p) when k_i = 1.
        var w = unsafeBitCast(x ^ ((x ^ (signs.ownPlusP &- x)) & kMask), to: Words.self)
        w = w &+ (w &<< 16)
        w = w &+ (w &<< 32)
        return (term, w)
    }

    /// The prefix sums Σ_{m≤i} w_m of one chunk from its words' own sums (`chunk`): plus the totals of the words
    /// before each, `carried` holding those of the chunks before.
    @inline(__always)
    static func prefixSums(_ w: Words, carried: inout UInt64) -> Run {
        let totals = w &>> 48
        var scan = totals &+ Words(0, totals[0], totals[1], totals[2])
        scan = scan &+ Words(0, 0, scan[0], scan[1])
        var before = scan &- totals &+ Words(repeating: carried)
        carried &+= scan[3]
        // In every lane of its word (each below 2^16).
        before = before | (before &<< 16)
        before = before | (before &<< 32)
        return unsafeBitCast(w &+ before, to: Run.self)
    }

    /// Chunk j's 16 bytes: c_i = term_i + T − Σ_{m≤i} w_m, then `s_i·c_i ± u_i` mod p.
    @_transparent
    static func emit(
        _ j: Int, term: Run, prefix: Run, total: Run, randomness: UnsafeRawPointer, _ signs: Signs,
        into output: UnsafeMutableRawPointer
    ) {
        let c = reduce(term &+ (total &- prefix))
        let s = randomness.loadUnaligned(fromByteOffset: 32 * j, as: Run.self)
        let u = randomness.loadUnaligned(fromByteOffset: 128 + 32 * j, as: Run.self)
        // u on server0, 67 − u on server1.
        let blind = ((u ^ signs.blind) &- signs.blind) &+ (Run(repeating: 67) & signs.blind)
        output.storeBytes(of: narrow(reduce(s &* c &+ blind)), toByteOffset: 16 * j, as: SIMD16<UInt8>.self)
    }

    /// Whether each of `count` elements' 64 bytes from server0 (at `d0 + 64·e`) and server1 reconstruct a zero mod
    /// p (a 16-bit sum of 0 or p), written as 1 or 0 to `bits[e]`: `PrivateCompareStep.zeros`. Bit 15 of v − 1 is
    /// set exactly when v (below 2^15) is 0; no branch on the outcome.
    @inline(never)
    public static func zeros(
        count: Int, _ d0: UnsafePointer<UInt8>, _ d1: UnsafePointer<UInt8>, into bits: UnsafeMutablePointer<UInt64>
    ) {
        let a = UnsafeRawPointer(d0), b = UnsafeRawPointer(d1)
        let p = Run(repeating: 67)
        for e in 0..<count {
            @inline(__always)
            func hits(_ offset: Int) -> Run {
                let sum = widen(a.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self))
                    &+ widen(b.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self))
                return (sum &- 1) | ((sum ^ p) &- 1)
            }
            let found = (hits(64 * e) | hits(64 * e + 16)) | (hits(64 * e + 32) | hits(64 * e + 48))
            let words = unsafeBitCast(found &>> 15, to: SIMD4<UInt64>.self)
            bits[e] = (words[0] | words[1]) | (words[2] | words[3]) != 0 ? 1 : 0
        }
    }

    // MARK: - Lanes

    /// 2^i in lane i (mod 16): a computed constant, not a stored global, whose every use would call `swift_once`.
    private static var laneBits: Run {
        @inline(__always) get {
            Run(0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000,
                0x8000)
        }
    }

    /// Every 16-bit lane mod p: q = ⌊v·979 / 2^16⌋ is ⌊v/67⌋ or one more (979/2^16 exceeds 1/67 by 1.3·10^-5, so
    /// by less than 0.85 over 16 bits), and v − 67q, wrapped below zero when q is one too many, gives the residue
    /// as the smaller of itself and itself plus 67. Five single-cycle instructions (`vpmulhuw`, `vpmullw`, `vpsubw`,
    /// `vpaddw`, `vpminuw`), where the compiler turns the portable path's ⌊v·31301 / 2^21⌋ into 32-bit products.
    @inline(__always)
    static func reduce(_ v: Run) -> Run {
        let r = v &- multiplyHigh(v, Run(repeating: 979)) &* 67
        return minimum(r, r &+ 67)
    }

    /// The smaller of each pair of lanes (`vpminuw`; the standard library's `pointwiseMin` is not inlined).
    @inline(__always)
    static func minimum(_ a: Run, _ b: Run) -> Run {
        var smaller = Run()
        for i in 0..<16 { smaller[i] = a[i] < b[i] ? a[i] : b[i] }
        return smaller
    }

    /// Eight lanes at each of two byte offsets from `base`, as one register of 16.
    @inline(__always)
    static func pair(_ base: UnsafeRawPointer, _ first: Int, _ second: Int) -> Run {
        Run(
            lowHalf: base.loadUnaligned(fromByteOffset: first, as: SIMD8<UInt16>.self),
            highHalf: base.loadUnaligned(fromByteOffset: second, as: SIMD8<UInt16>.self))
    }

    /// The high half of each lane's 32-bit product (`vpmulhuw`), written lane by lane (which the compiler vectorizes
    /// for 16 lanes, and leaves scalar for 32).
    @inline(__always)
    static func multiplyHigh(_ a: Run, _ b: Run) -> Run {
        var high = Run()
        for i in 0..<16 { high[i] = UInt16(truncatingIfNeeded: (UInt32(a[i]) &* UInt32(b[i])) &>> 16) }
        return high
    }

    @inline(__always)
    static func widen(_ bytes: SIMD16<UInt8>) -> Run {
        var lanes = Run()
        for i in 0..<16 { lanes[i] = UInt16(bytes[i]) }
        return lanes
    }

    @inline(__always)
    static func narrow(_ lanes: Run) -> SIMD16<UInt8> {
        var bytes = SIMD16<UInt8>()
        for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: lanes[i]) }
        return bytes
    }

    @inline(__always)
    static func any(_ mask: SIMDMask<SIMD16<Int16>>) -> Bool {
        let words = unsafeBitCast(mask, to: SIMD4<UInt64>.self)
        return (words[0] | words[1]) | (words[2] | words[3]) != 0
    }
}
