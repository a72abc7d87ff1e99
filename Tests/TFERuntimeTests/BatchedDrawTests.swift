// PrivateCompare's batched draws (four values from each 32-bit candidate, `KeystreamCandidates.drawBlock`): the
// SIMD block against 64-bit arithmetic on random and boundary candidates, and the distribution of a whole
// element's randomness (ranges, per-value counts, the independence of the four digits of one candidate).

import Testing

@testable import TFERuntime

@Suite struct BatchedDrawTests {
    /// The bounds of one of PrivateCompare's six blocks (lane j's four at `bounds[16·i + j]`, as `draw` lays them
    /// out), and its thresholds.
    static func block(_ number: Int) -> (bounds: [UInt16], thresholds: [UInt16]) {
        let run = number / 2, half = number % 2, lane = 64 * run + 8 * half
        let bounds = (0..<4).flatMap { i in
            (0..<8).map { j in PrivateCompareStep.drawBounds[lane + 16 * i + j] } + [UInt16](repeating: 1, count: 8)
        }
        return (bounds, Array(PrivateCompareStep.drawThresholds[(16 * number)..<(16 * number + 16)]))
    }

    /// Lane j's four values and acceptance in 64-bit arithmetic: the mixed-radix digits of ⌊c·P / 2^32⌋ (first
    /// bound most significant) and whether c·P mod 2^32 ≥ 2^32 mod P.
    static func expected(candidate c: UInt64, bounds: [UInt64]) -> (digits: [UInt64], accepted: Bool) {
        let product = bounds.reduce(1, *)
        var value = (c * product) >> 32
        var digits = [UInt64](repeating: 0, count: bounds.count)
        for i in bounds.indices.reversed() {
            digits[i] = value % bounds[i]
            value /= bounds[i]
        }
        return (digits, (c * product) & 0xFFFF_FFFF >= (1 << 32) % product)
    }

    /// Runs `drawBlock` on eight candidates.
    static func drawBlock(
        _ candidates: [UInt32], bounds: [UInt16], thresholds: [UInt16], offset: UInt16 = 0
    ) -> (values: [UInt16], accepted: Bool) {
        let halves = candidates.map { UInt16(truncatingIfNeeded: $0) } + candidates.map { UInt16($0 >> 16) }
        var target = [UInt16](repeating: 0xFFFF, count: 64)
        let thresholdLow = SIMD8<UInt16>(thresholds[0..<8]), thresholdHigh = SIMD8<UInt16>(thresholds[8..<16])
        let accepted = halves.withUnsafeBytes { block in
            target.withUnsafeMutableBufferPointer { target in
                KeystreamCandidates.drawBlock(
                    block.baseAddress!, into: target.baseAddress!, stride: 16, bounds: bounds,
                    thresholdLow: thresholdLow, thresholdHigh: thresholdHigh, adding: offset)
            }
        }
        return (target, accepted)
    }

    /// Candidates c with c·P mod 2^32 at the rejection threshold T = 2^32 mod P (the smallest accepted) and at the
    /// largest value below it that a multiple of P reaches (T − 2^v, 2^v the power of two dividing P).
    static func boundaryCandidates(product: UInt64) -> (accepted: UInt64, rejected: UInt64) {
        let threshold = (1 << 32) % product
        let twos = UInt64(product.trailingZeroBitCount), odd = product >> twos
        // The inverse of the odd part modulo 2^32 by Newton's iteration.
        var inverse: UInt64 = 1
        for _ in 0..<5 { inverse = (inverse &* (2 &- odd &* inverse)) & 0xFFFF_FFFF }
        func candidate(for low: UInt64) -> UInt64 { ((low >> twos) &* inverse) & ((1 << (32 - twos)) - 1) }
        return (candidate(for: threshold), candidate(for: threshold - (1 << twos)))
    }

    @Test(arguments: 0..<6)
    func blockIsTheMixedRadixDraw(number: Int) {
        let (bounds, thresholds) = Self.block(number)
        let laneBounds = (0..<8).map { j in (0..<4).map { UInt64(bounds[16 * $0 + j]) } }
        var prg = PRG(seed: Seed(fixed: 404), stream: UInt64(number))
        for round in 0..<3000 {
            var candidates = prg.nextUInt64s(count: 8).map { UInt32(truncatingIfNeeded: $0) }
            if round < 8 {
                // Every lane at its smallest accepted candidate, then lane `round` at the largest rejected one.
                let edges = laneBounds.map { Self.boundaryCandidates(product: $0.reduce(1, *)) }
                for (j, edge) in edges.enumerated() {
                    #expect(Self.expected(candidate: edge.accepted, bounds: laneBounds[j]).accepted)
                    #expect(!Self.expected(candidate: edge.rejected, bounds: laneBounds[j]).accepted)
                }
                candidates = edges.map { UInt32($0.accepted) }
                #expect(Self.drawBlock(candidates, bounds: bounds, thresholds: thresholds).accepted)
                candidates[round] = UInt32(edges[round].rejected)
                #expect(!Self.drawBlock(candidates, bounds: bounds, thresholds: thresholds).accepted)
            }
            let offset: UInt16 = round % 2 == 0 ? 0 : 1
            let (values, accepted) = Self.drawBlock(
                candidates, bounds: bounds, thresholds: thresholds, offset: offset)
            var allAccepted = true
            for j in 0..<8 {
                let (digits, laneAccepted) = Self.expected(candidate: UInt64(candidates[j]), bounds: laneBounds[j])
                allAccepted = allAccepted && laneAccepted
                #expect((0..<4).map { UInt64(values[16 * $0 + j]) } == digits.map { $0 + UInt64(offset) })
            }
            #expect(accepted == allAccepted)
        }
        // Lanes 8..<16 of each step are left alone.
        let (values, _) = Self.drawBlock([1, 2, 3, 4, 5, 6, 7, 8], bounds: bounds, thresholds: thresholds)
        #expect((0..<4).allSatisfy { i in values[(16 * i + 8)..<(16 * i + 16)].allSatisfy { $0 == 0xFFFF } })
    }

    @Test func thresholdsAreTwoToThe32ModuloTheProducts() {
        for number in 0..<6 {
            let (bounds, thresholds) = Self.block(number)
            for j in 0..<8 {
                let product = (0..<4).reduce(UInt64(1)) { $0 * UInt64(bounds[16 * $1 + j]) }
                #expect(UInt64(thresholds[j]) | UInt64(thresholds[8 + j]) << 16 == (1 << 32) % product)
            }
        }
    }

    /// Counts over many elements drawn by the machine's kernel from one fixed seed: every multiplier value, blind
    /// value and swap value equally often (chi-square at the 99.99th percentile), and the four digits a
    /// candidate yields independent (the joint counts of multiplier lanes 0 and 16, one candidate's first two).
    @Test func elementRandomnessIsUniform() {
        let elements = 20_000
        var multipliers = [Int](repeating: 0, count: 66), blinds = [Int](repeating: 0, count: 67)
        var swaps = (0..<63).map { [Int](repeating: 0, count: 64 - $0) }
        var pairs = [Int](repeating: 0, count: 66 * 66)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 256) { buffer in
            var stream = KeystreamCandidates(PRG(seed: Seed(fixed: 2024), stream: 5), buffer: buffer)
            var randomness = PrivateCompareStep.Randomness()
            for _ in 0..<elements {
                randomness.draw(from: &stream)
                let lanes = randomness.lanes
                for i in 0..<64 {
                    multipliers[Int(lanes[i]) - 1] += 1
                    blinds[Int(lanes[64 + i])] += 1
                }
                for s in 0..<63 { swaps[s][Int(lanes[128 + s])] += 1 }
                pairs[Int(lanes[0] - 1) * 66 + Int(lanes[16] - 1)] += 1
            }
        }
        func chiSquared(_ counts: [Int]) -> Double {
            let expected = Double(counts.reduce(0, +)) / Double(counts.count)
            return counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        }
        // Percentiles by the Wilson–Hilferty approximation: 65 degrees of freedom 116.3, 66 117.6, 2,016 (the
        // swaps' sum) 2,261, 4,355 (the pairs) 4,711.
        #expect(chiSquared(multipliers) < 116.3)
        #expect(chiSquared(blinds) < 117.6)
        #expect(swaps.map(chiSquared).reduce(0, +) < 2261)
        #expect(chiSquared(pairs) < 4711)
    }
}
