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
    /// (`bits[i]` is bit i): `d[π(i)] = s_i·c_i ± u_i`, server0 adding u_i and server1 subtracting it, so server2
    /// sees uniformly random shares of s_i·c_i in a random order. Server j's share of c_i is
    /// `±(x_i − k_i) + 1 + Σ_{m>i} x_m ⊕ k_m` with the public terms (k, 1) on server0's side; in a fixed test
    /// server0 holds the pattern and server1 zeros. Sums stay below 2^13 and are reduced once, at the end.
    static func messages(
        of test: Test, bits: UnsafeBufferPointer<UInt8>, isServer0: Bool, randomness: Randomness,
        into d: UnsafeMutableBufferPointer<UInt8>
    ) {
        let p = PrimeField.p
        let own: UInt64 = isServer0 ? 1 : 0
        @inline(__always)
        func send(_ i: Int, _ c: UInt64) {
            let u = randomness.blinds[i]
            let value = (randomness.multipliers[i] * c + (isServer0 ? u : p - u)) % p
            d[Int(randomness.permutation[i])] = UInt8(truncatingIfNeeded: value)
        }
        let k: UInt64, xGreater: Bool
        switch test {
        case .fixed(let outcome):
            for i in 0..<bitCount { send(i, isServer0 && !(outcome && i == 0) ? 1 : 0) }
            return
        case .xGreater(let value): (k, xGreater) = (value, true)
        case .kGreater(let value): (k, xGreater) = (value, false)
        }
        var wSum: UInt64 = 0  // this server's share of Σ_{m>i} x_m ⊕ k_m, unreduced
        for i in stride(from: bitCount - 1, through: 0, by: -1) {
            let ki = (k >> UInt64(i)) & 1
            let xi = UInt64(bits[i]) % p  // a share below p (reduced anyway, whatever a program put there)
            // ±(x_i − k_i), kept nonnegative by adding p.
            let signed = xGreater ? own * ki + p - xi : xi + p - own * ki
            send(i, signed + own + wSum)
            // w_i = x_i ⊕ k_i = x_i + k_i − 2 k_i x_i: x_i when k_i = 0, 1 − x_i when k_i = 1.
            wSum += ki == 1 ? own + p - xi : xi
        }
    }

    /// Whether server2's reconstruction of the masked values holds a zero: the bit it learns.
    static func hasZero(_ d0: ArraySlice<UInt8>, _ d1: ArraySlice<UInt8>) -> Bool {
        for (a, b) in zip(d0, d1) where PrimeField.add(UInt64(a), UInt64(b)) == 0 { return true }
        return false
    }

    /// The common randomness of one element: a permutation π of 0..<64, multipliers s_i in 1...66 and
    /// blinds u_i in 0...66.
    struct Randomness {
        var permutation = [UInt8](repeating: 0, count: bitCount)
        var multipliers = [UInt64](repeating: 0, count: bitCount)
        var blinds = [UInt64](repeating: 0, count: bitCount)

        /// Draws the next element's randomness from one run of 8-bit candidates: multipliers, blinds, then a
        /// Fisher–Yates shuffle.
        mutating func draw(from prg: inout PRG) {
            var source = SmallDraws()
            let p = PrimeField.p
            multipliers.withUnsafeMutableBufferPointer { values in
                for i in 0..<bitCount { values[i] = source.next(below: p - 1, prg: &prg) + 1 }
            }
            blinds.withUnsafeMutableBufferPointer { values in
                for i in 0..<bitCount { values[i] = source.next(below: p, prg: &prg) }
            }
            permutation.withUnsafeMutableBufferPointer { order in
                for i in 0..<bitCount { order[i] = UInt8(i) }
                for i in stride(from: bitCount - 1, to: 0, by: -1) {
                    order.swapAt(i, Int(source.next(below: UInt64(i + 1), prg: &prg)))
                }
            }
        }
    }

    /// Uniform draws below small bounds (at most 256), eight 8-bit candidates per keystream word, each mapped
    /// by Lemire's multiply-and-shift with rejection, so there is no bias.
    struct SmallDraws {
        private var word: UInt64 = 0
        private var left = 0

        @inline(__always)
        mutating func next(below bound: UInt64, prg: inout PRG) -> UInt64 {
            let threshold = 256 % bound
            while true {
                if left == 0 {
                    word = prg.next()
                    left = 8
                }
                let product = (word & 0xFF) * bound
                word >>= 8
                left -= 1
                if product & 0xFF >= threshold { return product >> 8 }
            }
        }
    }
}
