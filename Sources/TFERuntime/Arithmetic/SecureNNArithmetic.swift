// SecureNN's small rings: the odd ring Z_(2^64 - 1), the field Z_67, and the per-element steps of
// PrivateCompare, as pure functions the machine and the tests share.

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

/// The local steps of SecureNN's PrivateCompare (Algorithm 3) for one element.
enum PrivateCompareStep {
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

    /// The masked, permuted values one server sends server2 for `test`, from its shares of x's bits over Z_p
    /// (`bits[i]` is bit i): the values `s_i·c_i ± u_i`, server0 adding u_i and server1 subtracting it, then
    /// shuffled by the element's swaps, so server2 sees uniformly random shares of s_i·c_i in a random order.
    /// Server j's share of c_i is
    /// `±(x_i − k_i) + 1 + Σ_{m>i} x_m ⊕ k_m` with the public terms (k, 1) on server0's side; in a fixed test
    /// server0 holds the pattern and server1 zeros. `randomness` is laid out as `Randomness.bytes`; `bits` and
    /// `d` hold 64 bytes each.
    ///
    /// Three passes over 64 16-bit lanes: each bit's term and share of x_i ⊕ k_i (no dependence between
    /// lanes), the suffix sums Σ_{m>i} (the only serial pass: one addition per bit), then c_i mod p and
    /// `s_i·c_i ± u_i` mod p. Sums stay below 2^14 and products below 2^13 once c_i is reduced, so 16-bit
    /// lanes hold every value and the compiler vectorises the first and last passes (`%` by the constant 67
    /// is a multiply-high).
    @inline(__always)
    static func messages(
        of test: Test, bits: UnsafePointer<UInt8>, isServer0: Bool, randomness: UnsafePointer<UInt8>,
        into d: UnsafeMutablePointer<UInt8>
    ) {
        let own: UInt16 = isServer0 ? 1 : 0
        let multipliers = randomness, blinds = randomness + bitCount
        defer { shuffle(d, swaps: randomness + 2 * bitCount) }
        let k: UInt64, xGreater: Bool
        switch test {
        case .fixed(let outcome):
            for i in 0..<bitCount {
                let c: UInt16 = isServer0 && !(outcome && i == 0) ? 1 : 0
                d[i] = mask(c, multiplier: multipliers[i], blind: blinds[i], isServer0: isServer0)
            }
            return
        case .xGreater(let value): (k, xGreater) = (value, true)
        case .kGreater(let value): (k, xGreater) = (value, false)
        }
        // Two 16-bit lanes per bit, then k's bits one to a byte (bit i at byte i).
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 2 * bitCount + bitCount / 2) { lanes in
            // terms[i]: ±(x_i − k_i) + 1, kept nonnegative by adding p; w[i]: the share of x_i ⊕ k_i.
            let terms = lanes.baseAddress!, w = terms + bitCount
            let kBits = UnsafeMutableRawPointer(w + bitCount)
            for j in 0..<8 {
                let spread = spreadBits(k &>> UInt64(8 * j)).littleEndian
                kBits.storeBytes(of: spread, toByteOffset: 8 * j, as: UInt64.self)
            }
            let kBytes = kBits.assumingMemoryBound(to: UInt8.self)
            for i in 0..<bitCount {
                let ki = UInt16(kBytes[i])
                let xi = UInt16(bits[i]) % 67  // a share below p (reduced anyway, whatever a program put there)
                terms[i] = (xGreater ? own &* ki &+ 67 &- xi : xi &+ 67 &- own &* ki) &+ own
                // x_i ⊕ k_i = x_i + k_i − 2 k_i x_i: x_i when k_i = 0, 1 − x_i when k_i = 1.
                w[i] = ki == 1 ? own &+ 67 &- xi : xi
            }
            // w[i] becomes Σ_{m>i} w_m (at most 63 · 134).
            var sum: UInt16 = 0
            for i in stride(from: bitCount - 1, through: 0, by: -1) {
                let wi = w[i]
                w[i] = sum
                sum &+= wi
            }
            for i in 0..<bitCount {
                d[i] = mask(terms[i] &+ w[i], multiplier: multipliers[i], blind: blinds[i], isServer0: isServer0)
            }
        }
    }

    /// The low 8 bits of `byte`, bit m in byte m of the result (each byte 0 or 1).
    @inline(__always)
    static func spreadBits(_ byte: UInt64) -> UInt64 {
        // Byte m keeps bit m of the broadcast byte; adding 0x7F then sets its top bit exactly when it is nonzero.
        let selected = ((byte & 0xFF) &* 0x0101_0101_0101_0101) & 0x8040_2010_0804_0201
        return ((selected &+ 0x7F7F_7F7F_7F7F_7F7F) &>> 7) & 0x0101_0101_0101_0101
    }

    /// `s·c + u` (server0) or `s·c − u` (server1) mod p, for c below 2^15 and s, u below p.
    @inline(__always)
    private static func mask(_ c: UInt16, multiplier: UInt8, blind: UInt8, isServer0: Bool) -> UInt8 {
        let u = UInt16(blind)
        return UInt8(truncatingIfNeeded: (UInt16(multiplier) &* (c % 67) &+ (isServer0 ? u : 67 &- u)) % 67)
    }

    /// Fisher–Yates: for i from 63 down to 1, swaps `values[i]` with `values[swaps[63 - i]]` (each such swap uniform
    /// in 0...i), which puts the values in a uniformly random order.
    @inline(__always)
    static func shuffle(_ values: UnsafeMutablePointer<UInt8>, swaps: UnsafePointer<UInt8>) {
        for j in 0..<(bitCount - 1) {
            let i = bitCount - 1 - j
            let k = Int(swaps[j])
            let held = values[i]
            values[i] = values[k]
            values[k] = held
        }
    }

    /// Whether server2's reconstruction of the masked values (64 bytes from each server) holds a zero: the bit
    /// it learns. A byte sum is zero mod p exactly when it is 0 or p (bytes at or above p never pair to p or 2p
    /// after `PrimeField.add`'s one subtraction, and neither do they here).
    @inline(__always)
    static func hasZero(_ d0: UnsafePointer<UInt8>, _ d1: UnsafePointer<UInt8>) -> Bool {
        var zero = false
        for i in 0..<bitCount {
            let sum = UInt16(d0[i]) &+ UInt16(d1[i])
            zero = zero || sum == 0 || sum == 67
        }
        return zero
    }

    /// The bound of each of one element's draws in `Randomness.bytes`' layout: 66 for the multipliers (drawn
    /// below 66, then 1 added), 67 for the blinds, 64 − j for swap j (the swap of position 63 − j), and 1 for the
    /// last byte (always 0, never drawn).
    static let drawBounds: [UInt16] =
        [UInt16](repeating: 66, count: bitCount) + [UInt16](repeating: 67, count: bitCount)
        + (0..<bitCount).map { UInt16(bitCount - $0) }

    /// 2^16 mod each bound of `drawBounds`: the rejection thresholds.
    static let drawThresholds: [UInt16] = drawBounds.map { UInt16(65536 % Int($0)) }

    /// Draws one element's randomness into `randomness` (`Randomness.bytes`' layout) from a stream of 16-bit
    /// candidates (`KeystreamCandidates`): 64 multipliers in 1...66, 64 blinds in 0...66, then a Fisher–Yates
    /// shuffle's swaps for positions 63 down to 1, swap j uniform in 0...63 − j, each value by Lemire's
    /// multiply-and-shift with rejection (`bounds` and `thresholds` are `drawBounds` and `drawThresholds`), so
    /// every value is uniform.
    @inline(__always)
    static func draw(
        into randomness: UnsafeMutablePointer<UInt8>, from stream: inout KeystreamCandidates,
        bounds: UnsafePointer<UInt16>, thresholds: UnsafePointer<UInt16>
    ) {
        stream.fill(randomness, count: bitCount, bounds: bounds, thresholds: thresholds, adding: 1)
        stream.fill(
            randomness + bitCount, count: bitCount, bounds: bounds + bitCount, thresholds: thresholds + bitCount,
            adding: 0)
        let swaps = 2 * bitCount
        stream.fill(
            randomness + swaps, count: bitCount - 1, bounds: bounds + swaps, thresholds: thresholds + swaps,
            adding: 0)
        randomness[3 * bitCount - 1] = 0  // the 64th lane of the swaps' run: computed, not drawn
    }

    /// The common randomness of one element as a value (for tests and single draws; the machine draws into a
    /// scratch buffer): multipliers s_i in 1...66, blinds u_i in 0...66 and the swaps of a shuffle of 64
    /// values (`swaps[j]`, the swap of position 63 − j, in 0...63 − j; the last byte 0), one byte each.
    struct Randomness {
        static let byteCount = 3 * bitCount
        /// Multipliers, then blinds, then the swaps.
        var bytes = [UInt8](repeating: 0, count: byteCount)

        var multipliers: [UInt8] { Array(bytes[0..<bitCount]) }
        var blinds: [UInt8] { Array(bytes[bitCount..<(2 * bitCount)]) }
        var swaps: [UInt8] { Array(bytes[(2 * bitCount)...]) }

        /// Where the shuffle takes each position's value from: `permutation[k]` is the index i of the value
        /// `s_i·c_i ± u_i` that the message carries at position k.
        var permutation: [UInt8] {
            var order = (0..<bitCount).map { UInt8($0) }
            order.withUnsafeMutableBufferPointer { values in
                bytes.withUnsafeBufferPointer { randomness in
                    PrivateCompareStep.shuffle(values.baseAddress!, swaps: randomness.baseAddress! + 2 * bitCount)
                }
            }
            return order
        }

        /// Draws the next element's randomness.
        mutating func draw(from stream: inout KeystreamCandidates) {
            PrivateCompareStep.drawBounds.withUnsafeBufferPointer { bounds in
                PrivateCompareStep.drawThresholds.withUnsafeBufferPointer { thresholds in
                    bytes.withUnsafeMutableBufferPointer { target in
                        PrivateCompareStep.draw(
                            into: target.baseAddress!, from: &stream, bounds: bounds.baseAddress!,
                            thresholds: thresholds.baseAddress!)
                    }
                }
            }
        }
    }
}
