// The scalar definitions of SecureNN's per-element randomness and PrivateCompare messages, as the runtime first
// wrote them: the reference its faster kernels must reproduce value for value.

@testable import TFERuntime

enum SecureNNReference {
    /// Elements of Z_p as a register of bit shares holds them: one byte each, in memory order, eight to a word.
    static func packed(_ values: [UInt64]) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: (values.count + 7) / 8)
        words.withUnsafeMutableBytes { bytes in
            for (i, value) in values.enumerated() { bytes[i] = UInt8(truncatingIfNeeded: value) }
        }
        return words
    }

    /// `PRG.fill(_:below:)` for a bound of at most 256, one keystream word at a time: 8-bit candidates, Lemire's
    /// rejection, the rest of the last word discarded.
    static func draws(_ count: Int, below bound: UInt64, from prg: inout PRG) -> [UInt64] {
        var values: [UInt64] = []
        let threshold = 256 % bound
        while values.count < count {
            var word = prg.next()
            for _ in 0..<8 {
                let product = (word & 0xFF) * bound
                word >>= 8
                if product & 0xFF >= threshold {
                    values.append(product >> 8)
                    if values.count == count { return values }
                }
            }
        }
        return values
    }

    /// One element's randomness: multipliers, blinds and a Fisher–Yates shuffle, from six blocks of eight 32-bit
    /// candidates (block halves 0..<8 the low halves, 8..<16 the high ones), each candidate c giving four values by
    /// Lemire's batched method in 64-bit arithmetic: the mixed-radix digits of ⌊c·P / 2^32⌋, P the product of its
    /// four bounds, accepted when c·P mod 2^32 ≥ 2^32 mod P; a block with a rejected candidate is drawn again.
    /// Block `half` of run r (multipliers, blinds, swaps) draws lanes 64r + 16i + 8·half + j for candidate j.
    /// `permutation[k]` is the value the shuffle puts at position k.
    static func randomness(
        from candidates: inout Candidates
    ) -> (multipliers: [UInt64], blinds: [UInt64], permutation: [UInt8]) {
        let bounds: [UInt64] =
            [UInt64](repeating: 66, count: 64) + [UInt64](repeating: 67, count: 64) + (0..<64).map { 64 - $0 }
        var lanes = [UInt64](repeating: 0, count: 192)
        for run in 0..<3 {
            for half in 0..<2 {
                var accepted = false
                while !accepted {
                    let block = (0..<16).map { _ in candidates.next() }
                    accepted = true
                    for j in 0..<8 {
                        var low = block[8 + j] << 16 | block[j]
                        var product: UInt64 = 1
                        for i in 0..<4 {
                            let lane = 64 * run + 16 * i + 8 * half + j
                            product *= bounds[lane]
                            lanes[lane] = (low * bounds[lane]) >> 32
                            low = (low * bounds[lane]) & 0xFFFF_FFFF
                        }
                        if low < (1 << 32) % product { accepted = false }
                    }
                }
            }
        }
        let multipliers = lanes[0..<64].map { $0 + 1 }
        let blinds = Array(lanes[64..<128])
        var order = (0..<64).map { UInt8($0) }
        for s in 0..<63 { order.swapAt(63 - s, Int(lanes[128 + s])) }
        return (multipliers, blinds, order)
    }

    /// `PRG.fill(fieldElements:below:)`'s next 32 values: a block of eight 32-bit candidates (halves 0..<8 the low
    /// halves, 8..<16 the high ones), each giving the four mixed-radix digits of ⌊c·P / 2^32⌋ (P the product of
    /// `bounds`), value 8i + j digit i of candidate j; a block with a candidate whose c·P mod 2^32 is below
    /// 2^32 mod P is drawn again.
    static func batchedBlock(from candidates: inout Candidates, bounds: [UInt64]) -> [UInt64] {
        let product = bounds.reduce(1, *)
        while true {
            let block = (0..<16).map { _ in candidates.next() }
            var values = [UInt64](repeating: 0, count: 32)
            var accepted = true
            for j in 0..<8 {
                let c = block[8 + j] << 16 | block[j]
                var value = (c * product) >> 32
                for i in (0..<4).reversed() {
                    values[8 * i + j] = value % bounds[i]
                    value /= bounds[i]
                }
                if (c * product) & 0xFFFF_FFFF < (1 << 32) % product { accepted = false }
            }
            if accepted { return values }
        }
    }

    /// A PRG's words as 16-bit candidates, low half first.
    struct Candidates {
        var prg: PRG
        var word: UInt64 = 0
        var left = 0

        init(_ prg: PRG) { self.prg = prg }

        mutating func next() -> UInt64 {
            if left == 0 {
                word = prg.next()
                left = 4
            }
            defer {
                word >>= 16
                left -= 1
            }
            return word & 0xFFFF
        }
    }

    /// The masked, permuted values one server sends server2, in 64-bit arithmetic with `%`: value i at the
    /// position k where `permutation[k] = i`.
    static func messages(
        of test: PrivateCompareStep.Test, bits: [UInt8], isServer0: Bool,
        randomness: (multipliers: [UInt64], blinds: [UInt64], permutation: [UInt8])
    ) -> [UInt8] {
        let p: UInt64 = 67
        let own: UInt64 = isServer0 ? 1 : 0
        var d = [UInt8](repeating: 0, count: 64)
        func send(_ i: Int, _ c: UInt64) {
            let u = randomness.blinds[i]
            let value = (randomness.multipliers[i] * c + (isServer0 ? u : p - u)) % p
            d[randomness.permutation.firstIndex(of: UInt8(i))!] = UInt8(value)
        }
        let k: UInt64, xGreater: Bool
        switch test {
        case .fixed(let outcome):
            for i in 0..<64 { send(i, isServer0 && !(outcome && i == 0) ? 1 : 0) }
            return d
        case .xGreater(let value): (k, xGreater) = (value, true)
        case .kGreater(let value): (k, xGreater) = (value, false)
        }
        var wSum: UInt64 = 0
        for i in stride(from: 63, through: 0, by: -1) {
            let ki = (k >> UInt64(i)) & 1
            let xi = UInt64(bits[i]) % p
            let signed = xGreater ? own * ki + p - xi : xi + p - own * ki
            send(i, signed + own + wSum)
            wSum += ki == 1 ? own + p - xi : xi
        }
        return d
    }
}
