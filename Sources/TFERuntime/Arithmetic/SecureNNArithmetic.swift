// SecureNN's small rings: the odd ring Z_(2^64 - 1), the field Z_67, and the per-element steps of
// PrivateCompare, as pure functions the machine and the tests share.

import TFEKernelsAVX512

/// Arithmetic in the odd ring Z_(L-1), L = 2^64: residues 0...2^64 - 2 held in a `UInt64`.
///
/// Since 2^64 ≡ 1 (mod 2^64 - 1), a carry out of a 64-bit sum is worth one; the word 2^64 - 1 is the
/// residue 0.
enum OddRing {
    /// 2^64 - 1.
    static let modulus = UInt64.max

    /// The residue of any 64-bit word (only 2^64 - 1 changes, to 0).
    @inline(__always)
    static func reduce(_ a: UInt64) -> UInt64 { a == modulus ? 0 : a }

    /// `a + b` for residues.
    @inline(__always)
    static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, carry) = a.addingReportingOverflow(b)
        // With a carry the sum is at most 2^64 - 4, so adding the carry's worth cannot wrap again.
        return reduce(carry ? sum &+ 1 : sum)
    }

    /// `-a` for a residue.
    @inline(__always)
    static func negate(_ a: UInt64) -> UInt64 { a == 0 ? 0 : modulus - a }

    /// `a - b` for residues.
    @inline(__always)
    static func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { add(a, negate(b)) }
}

/// Arithmetic in the field Z_p, p = 67: SecureNN's PrivateCompare runs here, since every value it forms
/// (at most ℓ + 2 = 66) is then below p and a product with a nonzero mask is zero only when the value is.
enum PrimeField {
    static let p: UInt64 = 67

    @inline(__always)
    static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let sum = a + b
        return sum >= p ? sum - p : sum
    }

    @inline(__always)
    static func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { a >= b ? a - b : a + p - b }

    @inline(__always)
    static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 { (a * b) % p }

    // MARK: - Eight elements to a word

    /// 67 in every byte lane.
    private static let lanesOfP: UInt64 = 0x4343_4343_4343_4343

    /// `a - b` in each of the eight byte lanes of two words of residues (each lane below p). Lanes never carry
    /// into each other: `a + (p - b)` is at most 133, and the test `≥ p` is the top bit of that plus 61.
    @inline(__always)
    static func subtractLanes(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let sum = a &+ (lanesOfP &- b)
        let atLeastP = ((sum &+ 0x3D3D_3D3D_3D3D_3D3D) &>> 7) & 0x0101_0101_0101_0101
        return sum &- atLeastP &* 67
    }

    /// Every 16-bit lane mod p, by a multiply-high and shifts instead of a division: ⌊v/67⌋ = ⌊v·31301 / 2^21⌋
    /// for every v below 2^16 (31301 = ⌈2^21/67⌉ is 0.23 too large, an error below 0.0072 < 1/67 over that range).
    @inline(__always)
    static func reduceLanes(_ v: SIMD8<UInt16>) -> SIMD8<UInt16> {
        v &- (EightLanes.multiplyHigh(v, 31301) &>> 5) &* 67
    }

    /// The bits of each byte value spread one to a byte lane (bit m in the lane at memory offset m): 256 words.
    static let bitLanes: [UInt64] = (0..<256).map { (value: UInt64) in
        (0..<8).reduce(UInt64(0)) { word, m in word | ((value >> UInt64(m)) & 1) << (8 * UInt64(m)) }.littleEndian
    }

    /// The 64 bits of each value as elements of Z_p, one byte each (bit i of value e at byte 64·e + i), packed
    /// eight to a word as a register of bit shares holds them.
    static func bitDecomposition(_ values: [UInt64]) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: 8 * values.count)
        bitLanes.withUnsafeBufferPointer { lanes in
            words.withUnsafeMutableBufferPointer { words in
                for (e, value) in values.enumerated() {
                    for j in 0..<8 { words[8 * e + j] = lanes[Int((value &>> UInt64(8 * j)) & 0xFF)] }
                }
            }
        }
        return words
    }
}

/// Conversions between 8- and 16-bit lanes and the multiply-high of 16-bit lanes, written lane by lane so that they
/// are always inlined: the compiler then makes each one or two SSE2 instructions (`punpcklbw`, `packuswb`,
/// `pmulhuw`). The standard library's generic `SIMD8(truncatingIfNeeded:)` is not always inlined in a large
/// function, and a call per conversion costs more than the arithmetic around it.
enum EightLanes {
    /// Each byte as a 16-bit lane.
    @inline(__always)
    static func widen(_ b: SIMD8<UInt8>) -> SIMD8<UInt16> {
        SIMD8(
            UInt16(b[0]), UInt16(b[1]), UInt16(b[2]), UInt16(b[3]), UInt16(b[4]), UInt16(b[5]), UInt16(b[6]),
            UInt16(b[7]))
    }

    /// The low byte of each 16-bit lane.
    @inline(__always)
    static func narrow(_ w: SIMD8<UInt16>) -> SIMD8<UInt8> {
        SIMD8(
            UInt8(truncatingIfNeeded: w[0]), UInt8(truncatingIfNeeded: w[1]), UInt8(truncatingIfNeeded: w[2]),
            UInt8(truncatingIfNeeded: w[3]), UInt8(truncatingIfNeeded: w[4]), UInt8(truncatingIfNeeded: w[5]),
            UInt8(truncatingIfNeeded: w[6]), UInt8(truncatingIfNeeded: w[7]))
    }

    /// The high half of each lane's 32-bit product `a·b`.
    @inline(__always)
    static func multiplyHigh(_ a: SIMD8<UInt16>, _ b: SIMD8<UInt16>) -> SIMD8<UInt16> {
        var high = SIMD8<UInt16>()
        for i in 0..<8 { high[i] = UInt16(truncatingIfNeeded: (UInt32(a[i]) &* UInt32(b[i])) &>> 16) }
        return high
    }

    /// Whether any lane of `mask` is set: its two words ORed, where the standard library's `any` calls a generic
    /// `min` that is not always specialised inline.
    @inline(__always)
    static func any(_ mask: SIMDMask<SIMD8<Int16>>) -> Bool {
        let words = unsafeBitCast(mask, to: SIMD2<UInt64>.self)
        return words[0] | words[1] != 0
    }

    /// The high half of each lane's 32-bit product with `b`.
    @inline(__always)
    static func multiplyHigh(_ a: SIMD8<UInt16>, _ b: UInt16) -> SIMD8<UInt16> {
        multiplyHigh(a, SIMD8(repeating: b))
    }
}

/// The local steps of SecureNN's PrivateCompare (Algorithm 3) for one element.
package enum PrivateCompareStep {
    /// Bits per value: ℓ.
    static let bitCount = 64

    /// How the servers decide `β ⊕ (x ≥ t)` or `β ⊕ (x > t)` once both are public: by looking for a zero
    /// among c_i, either of `[x > k]` (c_i = k_i − x_i + 1 + Σ_{m>i} x_m ⊕ k_m) or of `[k > x]`
    /// (c_i = x_i − k_i + 1 + Σ_{m>i} x_m ⊕ k_m), or, where the answer does not depend on x, of a fixed
    /// pattern (one zero for "true", none for "false").
    enum Test: Equatable {
        case xGreater(UInt64)
        case kGreater(UInt64)
        case fixed(Bool)
    }

    /// The test that makes server2 learn `β ⊕ (x ≥ t)` (`greaterEqual`) or `β ⊕ (x > t)` (`greater`): a zero
    /// appears exactly when that bit is 1.
    static func test(t: UInt64, beta: Bool, greaterEqual: Bool) -> Test {
        switch (greaterEqual, beta) {
        case (false, false): return .xGreater(t)  // x > t
        case (false, true): return t == .max ? .fixed(true) : .kGreater(t + 1)  // x ≤ t ⇔ t + 1 > x
        case (true, false): return t == 0 ? .fixed(true) : .xGreater(t - 1)  // x ≥ t ⇔ x > t − 1
        case (true, true): return .kGreater(t)  // x < t
        }
    }

    // MARK: - One server's messages for many elements

    /// PrivateCompare on server0 or server1 for `count` elements: for element e, the 64 masked, permuted values
    /// of `test(t: thresholds[e], beta: flips[e] & 1 == 1, greaterEqual:)` at `d + 64·e`, from the element's
    /// shares of x's bits over Z_p at `bits + 64·e` and its randomness, drawn element after element from the
    /// servers' common stream `common` (`draw(into:from:bounds:thresholds:)`).
    ///
    /// One pass per element: the draws, then the messages in 16-bit lanes (`messages(k:xGreater:...)`), then
    /// the shuffle, all in the cache. The test is chosen without a branch on β (a fair coin the branch
    /// predictor cannot learn); only the rare fixed tests (t at the ring's edge) take a branch.
    ///
    /// With `kernel` `.avx512` the draw and the messages run in `TFEKernelsAVX512`'s `CompareTiles` (16 lanes to a
    /// register), an element whose first six blocks of candidates hold a rejected one drawn here; the bytes are
    /// the portable path's either way.
    package static func maskedMessages(
        count: Int, bits: UnsafePointer<UInt8>, thresholds t: UnsafePointer<UInt64>, flips: UnsafePointer<UInt64>,
        greaterEqual: Bool, isServer0: Bool, common: PRG, into d: UnsafeMutablePointer<UInt8>,
        kernel: MatmulKernel = .selected
    ) {
        let wide = kernel == .avx512
        // About 24 words of keystream per element (six blocks of eight 32-bit candidates, and a rare rejected
        // block); every refill of 256 words or more is one call to OpenSSL's AES-CTR (`PRG.fill`); 2,048 words (16 KB)
        // stay in the cache. The candidates read are the same whatever the buffer's size: only the unread tail of
        // the last refill changes.
        let bufferWords = min(2048, max(256, 32 * count))
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: bufferWords) { words in
            var stream = KeystreamCandidates(common, buffer: words)
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: Randomness.laneCount) { r in
                let randomness = r.baseAddress!
                drawBounds.withUnsafeBufferPointer { bounds in
                    drawThresholds.withUnsafeBufferPointer { thresholds in
                        for e in 0..<count {
                            if !wide
                                || !CompareTiles.draw(
                                    candidates: stream.upcoming(Self.candidateHalves), bounds: bounds.baseAddress!,
                                    thresholds: thresholds.baseAddress!, into: randomness)
                            {
                                draw(
                                    into: randomness, from: &stream, bounds: bounds.baseAddress!,
                                    thresholds: thresholds.baseAddress!)
                            } else {
                                stream.skip(Self.candidateHalves)
                            }
                            // (greaterEqual, β): (no, no) x > t; (no, yes) t + 1 > x; (yes, no) x > t − 1;
                            // (yes, yes) t > x; t + 1 and t − 1 off the ring's edge are fixed "true".
                            let beta = flips[e] & 1 == 1, threshold = t[e]
                            let up: UInt64 = beta && !greaterEqual ? 1 : 0
                            let down: UInt64 = !beta && greaterEqual ? 1 : 0
                            let target = d + 64 * e
                            if (up == 1 && threshold == .max) || (down == 1 && threshold == 0) {
                                fixedMessages(true, isServer0: isServer0, randomness: randomness, into: target)
                            } else if wide {
                                CompareTiles.messages(
                                    k: threshold &+ up &- down, xGreater: !beta, bits: bits + 64 * e,
                                    isServer0: isServer0, randomness: randomness, into: target)
                            } else {
                                messages(
                                    k: threshold &+ up &- down, xGreater: !beta, bits: bits + 64 * e,
                                    isServer0: isServer0, randomness: randomness, into: target)
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: - One element's messages

    /// The masked, permuted values one server sends server2 for `test`, from its shares of x's bits over Z_p
    /// (`bits[i]` is bit i): the values `s_i·c_i ± u_i`, server0 adding u_i and server1 subtracting it, then
    /// shuffled by the element's swaps, so server2 sees uniformly random shares of s_i·c_i in a random order.
    /// Server j's share of c_i is
    /// `±(x_i − k_i) + 1 + Σ_{m>i} x_m ⊕ k_m` with the public terms (k, 1) on server0's side; in a fixed test
    /// server0 holds the pattern and server1 zeros. `randomness` is laid out as `Randomness.lanes`; `bits` and
    /// `d` hold 64 bytes each.
    @inline(__always)
    static func messages(
        of test: Test, bits: UnsafePointer<UInt8>, isServer0: Bool, randomness: UnsafePointer<UInt16>,
        into d: UnsafeMutablePointer<UInt8>
    ) {
        switch test {
        case .fixed(let outcome): fixedMessages(outcome, isServer0: isServer0, randomness: randomness, into: d)
        case .xGreater(let k):
            messages(k: k, xGreater: true, bits: bits, isServer0: isServer0, randomness: randomness, into: d)
        case .kGreater(let k):
            messages(k: k, xGreater: false, bits: bits, isServer0: isServer0, randomness: randomness, into: d)
        }
    }

    /// The messages of a fixed test: server0's share of c_i is 1 but for a zero at i = 0 when `outcome` holds,
    /// server1's is 0.
    @inline(never)
    static func fixedMessages(
        _ outcome: Bool, isServer0: Bool, randomness: UnsafePointer<UInt16>, into d: UnsafeMutablePointer<UInt8>
    ) {
        let multipliers = randomness, blinds = randomness + bitCount
        for i in 0..<bitCount {
            let c: UInt16 = isServer0 && !(outcome && i == 0) ? 1 : 0
            let u = blinds[i]
            d[i] = UInt8(truncatingIfNeeded: (multipliers[i] &* c &+ (isServer0 ? u : 67 &- u)) % 67)
        }
        shuffle(d, swaps: randomness + 2 * bitCount)
    }

    /// The messages of `[x > k]` (`xGreater`) or `[k > x]`, as `messages(of:...)` describes.
    ///
    /// Eight chunks of eight bits in 16-bit SIMD lanes, with no branch and no dependence between lanes but in
    /// the suffix sums: first each bit's term `±(x_i − k_i) + 1` and share w_i of x_i ⊕ k_i (at most 134 each);
    /// then the sums Σ_{m≤i} w_m, four lanes to a 64-bit word (`prefixSums`); then c_i = term_i + T − Σ_{m≤i}
    /// w_m (T the total, so T − Σ_{m≤i} = Σ_{m>i}; at most 8,576), `s_i·(c_i mod p) ± u_i` mod p (at most
    /// 4,423), each reduction `PrimeField.reduceLanes`; then the shuffle.
    ///
    /// Not inlined, so that the loop around it stays small.
    @inline(never)
    static func messages(
        k: UInt64, xGreater: Bool, bits: UnsafePointer<UInt8>, isServer0: Bool, randomness: UnsafePointer<UInt16>,
        into d: UnsafeMutablePointer<UInt8>
    ) {
        typealias Lanes = SIMD8<UInt16>
        let own: UInt16 = isServer0 ? 1 : 0
        let ownLanes = Lanes(repeating: own), ownPlusP = Lanes(repeating: 67 &+ own)
        // x ↦ −x for [x > k]: (v ^ negate) − negate with negate all ones.
        let negate = Lanes(repeating: xGreater ? 0xFFFF : 0)
        let rawBits = UnsafeRawPointer(bits), rawRandomness = UnsafeRawPointer(randomness)
        withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 16) { scratch in
            let terms = scratch.baseAddress!, sums = terms + 8
            for j in 0..<8 {
                let x = PrimeField.reduceLanes(
                    EightLanes.widen(rawBits.loadUnaligned(fromByteOffset: 8 * j, as: SIMD8<UInt8>.self)))
                // k's bits 8j...8j + 7, one to a lane: a lane's bit plus 2^15 − 1 reaches bit 15 when it is set.
                let kChunk = Lanes(repeating: UInt16(truncatingIfNeeded: k &>> UInt64(8 * j))) & laneBits
                let kBit = (kChunk &+ 0x7FFF) &>> 15, kMask = 0 &- kBit
                let difference = x &- (kBit & ownLanes)
                terms[j] = ((difference ^ negate) &- negate) &+ ownPlusP
                // x_i ⊕ k_i = x_i + k_i − 2 k_i x_i: x_i when k_i = 0, 1 − x_i when k_i = 1.
                sums[j] = x ^ ((x ^ (ownPlusP &- x)) & kMask)
            }
            let totalLanes = Lanes(repeating: prefixSums(UnsafeMutableRawPointer(sums)))
            for j in 0..<8 {
                let c = PrimeField.reduceLanes(terms[j] &+ (totalLanes &- sums[j]))
                let s = rawRandomness.loadUnaligned(fromByteOffset: 16 * j, as: Lanes.self)
                let u = rawRandomness.loadUnaligned(fromByteOffset: 16 * (j + 8), as: Lanes.self)
                let masked = PrimeField.reduceLanes(s &* c &+ (isServer0 ? u : 67 &- u))
                UnsafeMutableRawPointer(d).storeBytes(
                    of: EightLanes.narrow(masked), toByteOffset: 8 * j, as: SIMD8<UInt8>.self)
            }
        }
        shuffle(d, swaps: randomness + 2 * bitCount)
    }

    /// 2^i in lane i: a computed constant, not a stored global, whose every use would call `swift_once`.
    private static var laneBits: SIMD8<UInt16> {
        @inline(__always) get { SIMD8<UInt16>(0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80) }
    }

    /// Replaces 64 16-bit lanes w_i (in memory order, their total below 2^16) with Σ_{m≤i} w_m and returns the
    /// total. A word of four lanes times 0x0001_0001_0001_0001 holds its own inclusive prefix sums (no lane
    /// carries), and the words' totals chain in one addition per word.
    @inline(__always)
    static func prefixSums(_ lanes: UnsafeMutableRawPointer) -> UInt16 {
        #if _endian(little)
            let spread: UInt64 = 0x0001_0001_0001_0001
            var carried: UInt64 = 0
            for q in 0..<(bitCount / 4) {
                let own = lanes.load(fromByteOffset: 8 * q, as: UInt64.self) &* spread
                lanes.storeBytes(of: own &+ carried, toByteOffset: 8 * q, as: UInt64.self)
                carried &+= (own &>> 48) &* spread
            }
            return UInt16(truncatingIfNeeded: carried)
        #else
            let values = lanes.assumingMemoryBound(to: UInt16.self)
            var sum: UInt16 = 0
            for i in 0..<bitCount {
                sum &+= values[i]
                values[i] = sum
            }
            return sum
        #endif
    }

    /// Fisher–Yates: for i from 63 down to 1, swaps `values[i]` with `values[swaps[63 - i]]` (each such swap uniform
    /// in 0...i), which puts the values in a uniformly random order.
    @inline(__always)
    static func shuffle(_ values: UnsafeMutablePointer<UInt8>, swaps: UnsafePointer<UInt16>) {
        for j in 0..<(bitCount - 1) {
            let i = bitCount - 1 - j
            let k = Int(swaps[j])
            let held = values[i]
            values[i] = values[k]
            values[k] = held
        }
    }

    /// server2's bits for `count` elements: element e's is whether its 64 bytes from server0 (at `d0 + 64·e`) and
    /// server1 (at `d1 + 64·e`) reconstruct a zero (`hasZero`), 1 or 0; with `kernel` `.avx512`, in
    /// `CompareTiles.zeros`, 16 lanes to a register.
    package static func zeros(
        count: Int, _ d0: UnsafePointer<UInt8>, _ d1: UnsafePointer<UInt8>, into bits: UnsafeMutablePointer<UInt64>,
        kernel: MatmulKernel = .selected
    ) {
        if kernel == .avx512 {
            CompareTiles.zeros(count: count, d0, d1, into: bits)
            return
        }
        for e in 0..<count { bits[e] = hasZero(d0 + 64 * e, d1 + 64 * e) ? 1 : 0 }
    }

    /// Whether server2's reconstruction of the masked values (64 bytes from each server) holds a zero: the bit
    /// it learns. A byte sum is zero mod p exactly when it is 0 or p (bytes at or above p never pair to p or 2p
    /// after `PrimeField.add`'s one subtraction, and neither do they here).
    ///
    /// In 16-bit lanes, so a sum never wraps (it is at most 510), with no branch and no mask: for v below 2^15,
    /// bit 15 of v − 1 is set exactly when v is 0.
    @inline(__always)
    static func hasZero(_ d0: UnsafePointer<UInt8>, _ d1: UnsafePointer<UInt8>) -> Bool {
        typealias Lanes = SIMD8<UInt16>
        let a = UnsafeRawPointer(d0), b = UnsafeRawPointer(d1)
        var found = Lanes()
        for j in 0..<(bitCount / 8) {
            let sum = EightLanes.widen(a.loadUnaligned(fromByteOffset: 8 * j, as: SIMD8<UInt8>.self))
                &+ EightLanes.widen(b.loadUnaligned(fromByteOffset: 8 * j, as: SIMD8<UInt8>.self))
            found |= (sum &- 1) | ((sum ^ 67) &- 1)
        }
        let words = unsafeBitCast(found &>> 15, to: SIMD2<UInt64>.self)
        return words[0] | words[1] != 0
    }

    /// The bound of each of one element's draws in `Randomness.lanes`' layout: 66 for the multipliers (drawn
    /// below 66, then 1 added), 67 for the blinds, 64 − j for swap j (the swap of position 63 − j), and 1 for the
    /// last lane (always 0, never drawn; its threshold 0 rejects nothing).
    static let drawBounds: [UInt16] =
        [UInt16](repeating: 66, count: bitCount) + [UInt16](repeating: 67, count: bitCount)
        + (0..<bitCount).map { UInt16(bitCount - $0) }

    /// The rejection thresholds of one element's six blocks of candidates (`draw`): for each of the multipliers',
    /// the blinds' and the swaps' two halves, eight low halves then eight high halves of 2^32 mod P_j, P_j the
    /// product of the four bounds lane j of that block draws below (`drawBounds[64·run + 16·i + 8·half + j]`).
    static let drawThresholds: [UInt16] = (0..<3).flatMap { run in
        (0..<2).flatMap { half in
            let remainders = (0..<8).map { j in
                let product = (0..<4).reduce(UInt64(1)) { $0 * UInt64(drawBounds[64 * run + 16 * $1 + 8 * half + j]) }
                return (UInt64(1) << 32) % product
            }
            return remainders.map { UInt16(truncatingIfNeeded: $0) } + remainders.map { UInt16($0 >> 16) }
        }
    }

    /// The 16-bit halves of one element's six blocks of candidates when none is rejected.
    static let candidateHalves = 6 * KeystreamCandidates.blockLength

    /// Draws one element's randomness into `randomness` (`Randomness.lanes`' layout) from the stream's 32-bit
    /// candidates (`KeystreamCandidates.fillBatch`): 64 multipliers in 1...66, 64 blinds in 0...66, then a
    /// Fisher–Yates shuffle's swaps for positions 63 down to 1, swap j uniform in 0...63 − j (the 64th lane's
    /// bound is 1: always 0). Each run of 64 lanes is two blocks of eight candidates, block `half` drawing lanes
    /// 16·i + 8·half + j (i in 0..<4, j in 0..<8) four to a candidate by Lemire's batched method, so every value
    /// is uniform and independent of the others; 192 bytes of keystream an element (and 32 more in the 3.6% of
    /// elements that meet a rejected block). `bounds` and `thresholds` are `drawBounds` and `drawThresholds`.
    /// Not inlined, so that the loop around it stays small.
    @inline(never)
    static func draw(
        into randomness: UnsafeMutablePointer<UInt16>, from stream: inout KeystreamCandidates,
        bounds: UnsafePointer<UInt16>, thresholds: UnsafePointer<UInt16>
    ) {
        for run in 0..<3 {
            for half in 0..<2 {
                let lane = bitCount * run + 8 * half
                stream.fillBatch(
                    randomness + lane, stride: 16, bounds: bounds + lane,
                    thresholds: thresholds + 16 * (2 * run + half), adding: run == 0 ? 1 : 0)
            }
        }
    }

    /// The common randomness of one element as a value (for tests and single draws; the machine draws into a
    /// scratch buffer): multipliers s_i in 1...66, blinds u_i in 0...66 and the swaps of a shuffle of 64
    /// values (`swaps[j]`, the swap of position 63 − j, in 0...63 − j; the last lane 0), one 16-bit lane each.
    struct Randomness {
        static let laneCount = 3 * bitCount
        /// Multipliers, then blinds, then the swaps.
        var lanes = [UInt16](repeating: 0, count: laneCount)

        var multipliers: [UInt16] { Array(lanes[0..<bitCount]) }
        var blinds: [UInt16] { Array(lanes[bitCount..<(2 * bitCount)]) }
        var swaps: [UInt16] { Array(lanes[(2 * bitCount)...]) }

        /// Where the shuffle takes each position's value from: `permutation[k]` is the index i of the value
        /// `s_i·c_i ± u_i` that the message carries at position k.
        var permutation: [UInt8] {
            var order = (0..<bitCount).map { UInt8($0) }
            order.withUnsafeMutableBufferPointer { values in
                lanes.withUnsafeBufferPointer { randomness in
                    PrivateCompareStep.shuffle(values.baseAddress!, swaps: randomness.baseAddress! + 2 * bitCount)
                }
            }
            return order
        }

        /// Draws the next element's randomness.
        mutating func draw(from stream: inout KeystreamCandidates) {
            PrivateCompareStep.drawBounds.withUnsafeBufferPointer { bounds in
                PrivateCompareStep.drawThresholds.withUnsafeBufferPointer { thresholds in
                    lanes.withUnsafeMutableBufferPointer { target in
                        PrivateCompareStep.draw(
                            into: target.baseAddress!, from: &stream, bounds: bounds.baseAddress!,
                            thresholds: thresholds.baseAddress!)
                    }
                }
            }
        }
    }
}
