// SecureNN's small rings and PrivateCompare's local steps against their definitions (128-bit reference
// arithmetic, exhaustive tables for Z_67, and every case of the comparison on edge thresholds).

import Testing

@testable import TFERuntime

@Suite struct SecureNNArithmeticTests {
    static let modulus = UInt128(UInt64.max)  // 2^64 - 1

    /// Residues of Z_(2^64 - 1) at the edges (0, 1, around 2^63, the largest) and a few random ones.
    static let residues: [UInt64] = {
        var prg = PRG(seed: Seed(fixed: 31), stream: 0)
        return [0, 1, 2, 3, 1 << 62, (1 << 63) - 1, 1 << 63, (1 << 63) + 1, .max - 2, .max - 1]
            + prg.nextUInt64s(count: 10, below: .max)
    }()

    @Test func oddRingMatchesIntegerArithmetic() {
        for a in Self.residues {
            #expect(UInt128(OddRing.negate(a)) == (Self.modulus - UInt128(a)) % Self.modulus)
            for b in Self.residues {
                #expect(UInt128(OddRing.add(a, b)) == (UInt128(a) + UInt128(b)) % Self.modulus, "\(a) + \(b)")
                let difference = (UInt128(a) + Self.modulus - UInt128(b)) % Self.modulus
                #expect(UInt128(OddRing.subtract(a, b)) == difference, "\(a) - \(b)")
            }
        }
    }

    @Test func theAllOnesWordIsTheResidueZero() {
        #expect(OddRing.reduce(.max) == 0)
        #expect(OddRing.reduce(.max - 1) == UInt64.max - 1)
        #expect(OddRing.add(.max - 1, 1) == 0)
        #expect(OddRing.add(.max - 1, .max - 1) == UInt64.max - 2)
    }

    @Test func primeFieldTablesAreExhaustive() {
        for a in UInt64(0)..<67 {
            for b in UInt64(0)..<67 {
                #expect(PrimeField.add(a, b) == (a + b) % 67)
                #expect(PrimeField.subtract(a, b) == (a + 67 - b) % 67)
                #expect(PrimeField.multiply(a, b) == (a * b) % 67)
            }
        }
    }

    @Test func commonRandomnessHasTheRightRanges() {
        var randomness = PrivateCompareStep.Randomness()
        var seenFirst = Set<UInt8>()
        let buffer = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 64)
        defer { buffer.deallocate() }
        var stream = KeystreamCandidates(PRG(seed: Seed(fixed: 3), stream: 1), buffer: buffer)
        for _ in 0..<200 {
            randomness.draw(from: &stream)
            #expect(Set(randomness.permutation) == Set(0..<64))
            #expect(randomness.multipliers.allSatisfy { (1...66).contains($0) })
            #expect(randomness.blinds.allSatisfy { $0 < 67 })
            seenFirst.insert(randomness.permutation[0])
        }
        // The permutation moves position 0 around (a fixed permutation would leak the zero's position).
        #expect(seenFirst.count > 40)
    }

    /// What server2 learns: β ⊕ (x ≥ t) or β ⊕ (x > t).
    static func expected(x: UInt64, t: UInt64, beta: Bool, greaterEqual: Bool) -> Bool {
        beta != (greaterEqual ? x >= t : x > t)
    }

    /// Runs PrivateCompare's local steps for both servers on a random sharing of x's bits and returns server2's
    /// bit and the number of zeros it saw.
    static func simulate(x: UInt64, t: UInt64, beta: Bool, greaterEqual: Bool, prg: inout PRG) -> (Bool, Int) {
        let shares0 = prg.nextUInt64s(count: 64, below: 67).map { UInt8($0) }
        let shares1 = (0..<64).map { UInt8(PrimeField.subtract((x >> UInt64($0)) & 1, UInt64(shares0[$0]))) }
        var randomness = PrivateCompareStep.Randomness()
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 32) { buffer in
            var stream = KeystreamCandidates(PRG(seed: prg.nextSeed(), stream: 0), buffer: buffer)
            randomness.draw(from: &stream)
        }
        let test = PrivateCompareStep.test(t: t, beta: beta, greaterEqual: greaterEqual)
        var sent: [[UInt8]] = []
        for (isServer0, shares) in [(true, shares0), (false, shares1)] {
            var d = [UInt8](repeating: 0, count: 64)
            shares.withUnsafeBufferPointer { bits in
                randomness.lanes.withUnsafeBufferPointer { r in
                    d.withUnsafeMutableBufferPointer { ds in
                        PrivateCompareStep.messages(
                            of: test, bits: bits.baseAddress!, isServer0: isServer0, randomness: r.baseAddress!,
                            into: ds.baseAddress!)
                    }
                }
            }
            sent.append(d)
        }
        let zeros = zip(sent[0], sent[1]).count { PrimeField.add(UInt64($0), UInt64($1)) == 0 }
        let found = sent[0].withUnsafeBufferPointer { d0 in
            sent[1].withUnsafeBufferPointer { d1 in PrivateCompareStep.hasZero(d0.baseAddress!, d1.baseAddress!) }
        }
        return (found, zeros)
    }

    @Test(arguments: [false, true])
    func privateCompareDecidesEveryEdge(greaterEqual: Bool) {
        var prg = PRG(seed: Seed(fixed: greaterEqual ? 5 : 6), stream: 2)
        var xs: [UInt64] = [0, 1, 2, (1 << 63) - 1, 1 << 63, .max - 1, .max]
        xs += prg.nextUInt64s(count: 20)
        for x in xs {
            var ts: [UInt64] = [0, 1, .max, .max - 1, 1 << 63, x, x &+ 1, x &- 1, x ^ 1, x ^ (1 << 63)]
            ts += prg.nextUInt64s(count: 4)
            for t in ts {
                for beta in [false, true] {
                    let (bit, zeros) = Self.simulate(x: x, t: t, beta: beta, greaterEqual: greaterEqual, prg: &prg)
                    #expect(bit == Self.expected(x: x, t: t, beta: beta, greaterEqual: greaterEqual),
                            "x \(x) t \(t) beta \(beta) ge \(greaterEqual)")
                    // At most one c_i is zero, so server2 learns the bit and nothing about where x and t differ.
                    #expect(zeros <= 1)
                }
            }
        }
    }

    @Test func testsCoverThePapersCornerCases() {
        // β = 1 with t = 2^64 - 1 (x ≤ t always holds), and x ≥ 0 (the paper's footnote for r = 0).
        #expect(PrivateCompareStep.test(t: .max, beta: true, greaterEqual: false) == .fixed(true))
        #expect(PrivateCompareStep.test(t: 0, beta: false, greaterEqual: true) == .fixed(true))
        #expect(PrivateCompareStep.test(t: 5, beta: false, greaterEqual: false) == .xGreater(5))
        #expect(PrivateCompareStep.test(t: 5, beta: true, greaterEqual: true) == .kGreater(5))
    }
}
