// SecureNN's fast kernels against the scalar reference: byte draws below small bounds, PrivateCompare's
// per-element randomness and messages, and server2's zero test, on random and edge inputs.

import Testing

@testable import TFERuntime

@Suite struct SecureNNKernelTests {
    static let bounds: [UInt64] = [1, 2, 3, 7, 64, 66, 67, 128, 192, 255, 256]
    static let counts = [0, 1, 7, 8, 9, 63, 64, 65, 1000, 5000]

    @Test(arguments: bounds)
    func byteDrawsAreTheWordByWordDraws(bound: UInt64) {
        for count in Self.counts {
            var reference = PRG(seed: Seed(fixed: bound), stream: UInt64(count))
            var fast = reference, bytes = reference
            let expected = SecureNNReference.draws(count, below: bound, from: &reference)
            #expect(fast.nextUInt64s(count: count, below: bound) == expected, "bound \(bound) count \(count)")
            var drawn = [UInt8](repeating: 0, count: count)
            drawn.withUnsafeMutableBufferPointer { bytes.fill(bytes: $0, below: bound) }
            #expect(drawn.map(UInt64.init) == expected, "bound \(bound) count \(count)")
            // Every form leaves the stream at the same word.
            let after = reference.next()
            #expect(fast.next() == after && bytes.next() == after)
        }
    }

    @Test(arguments: [2, 64, 66, 67, 241, 256] as [UInt16])
    func fieldDrawsAreBatchedDrawsBlockAfterBlock(bound: UInt16) {
        for count in Self.counts + [64 * 300 + 5] {
            var prg = PRG(seed: Seed(fixed: UInt64(bound)), stream: UInt64(count))
            var again = prg
            var reference = SecureNNReference.Candidates(prg)
            var expected: [UInt8] = []
            while expected.count < count {
                let block = SecureNNReference.batchedBlock(
                    from: &reference, bounds: [UInt64](repeating: UInt64(bound), count: 4))
                expected += block.prefix(count - expected.count).map { UInt8($0) }
            }
            var drawn = [UInt8](repeating: 0, count: count), repeated = drawn
            drawn.withUnsafeMutableBufferPointer { prg.fill(fieldElements: $0, below: bound) }
            repeated.withUnsafeMutableBufferPointer { again.fill(fieldElements: $0, below: bound) }
            #expect(drawn == expected, "bound \(bound) count \(count)")
            // Two parties making the same draw continue the stream at the same word.
            #expect(repeated == drawn && prg.next() == again.next())
        }
    }

    /// Both byte draws: from 8-bit candidates (`fill(bytes:below:)`) and 16-bit ones (`fill(fieldElements:below:)`).
    @Test(arguments: [false, true])
    func byteDrawsModulo67AreUniform(sixteenBitCandidates: Bool) {
        var prg = PRG(seed: Seed(fixed: sixteenBitCandidates ? 671 : 670), stream: 0)
        let perValue = 300
        var drawn = [UInt8](repeating: 0, count: 67 * perValue)
        drawn.withUnsafeMutableBufferPointer {
            if sixteenBitCandidates { prg.fill(fieldElements: $0, below: 67) } else { prg.fill(bytes: $0, below: 67) }
        }
        var counts = [Int](repeating: 0, count: 67)
        for value in drawn { counts[Int(value)] += 1 }
        let chiSquared = counts.reduce(0.0) { $0 + Double(($1 - perValue) * ($1 - perValue)) / Double(perValue) }
        // 66 degrees of freedom: the 99.99th percentile is about 117.
        #expect(chiSquared < 117)
    }

    @Test(arguments: [KeystreamCandidates.minimumWords, 7, 32])
    func blocksFollowTheWords(bufferWords: Int) {
        var prg = PRG(seed: Seed(fixed: 5), stream: 9)
        let words = prg.nextUInt64s(count: 400)
        let halves = words.flatMap { word in (0..<4).map { UInt32(word >> (16 * UInt64($0)) & 0xFFFF) } }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: bufferWords) { buffer in
            var stream = KeystreamCandidates(PRG(seed: Seed(fixed: 5), stream: 9), buffer: buffer)
            // Bounds of 256 reject nothing (2^32 mod 2^32 = 0) and give each candidate's four bytes, high first;
            // the reads cross the buffer's refills.
            let bounds = [UInt16](repeating: 256, count: 32), thresholds = [UInt16](repeating: 0, count: 16)
            var digits = [UInt16](repeating: 0, count: 32)
            for block in 0..<(halves.count / 16) {
                digits.withUnsafeMutableBufferPointer { target in
                    stream.fillBatch(target.baseAddress!, stride: 8, bounds: bounds, thresholds: thresholds, adding: 0)
                }
                let read = (0..<8).map { j in (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(digits[8 * $1 + j]) } }
                let expected = (0..<8).map { j in halves[16 * block + 8 + j] << 16 | halves[16 * block + j] }
                #expect(read == expected, "block \(block)")
            }
        }
    }

    @Test(arguments: [KeystreamCandidates.minimumWords, 32, 256])
    func randomnessIsTheReferenceDraw(bufferWords: Int) {
        var reference = SecureNNReference.Candidates(PRG(seed: Seed(fixed: 77), stream: 3))
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: bufferWords) { buffer in
            var stream = KeystreamCandidates(PRG(seed: Seed(fixed: 77), stream: 3), buffer: buffer)
            var randomness = PrivateCompareStep.Randomness()
            for element in 0..<3000 {
                randomness.draw(from: &stream)
                let expected = SecureNNReference.randomness(from: &reference)
                #expect(randomness.multipliers.map(UInt64.init) == expected.multipliers, "element \(element)")
                #expect(randomness.blinds.map(UInt64.init) == expected.blinds, "element \(element)")
                #expect(Array(randomness.permutation) == expected.permutation, "element \(element)")
            }
        }
    }

    @Test func messagesAreTheReferenceMessages() {
        var prg = PRG(seed: Seed(fixed: 91), stream: 0)
        var tests: [PrivateCompareStep.Test] = [.fixed(true), .fixed(false)]
        for k in [0, 1, .max, .max - 1, 1 << 63] + prg.nextUInt64s(count: 20) as [UInt64] {
            tests += [.xGreater(k), .kGreater(k)]
        }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 64) { buffer in
            var stream = KeystreamCandidates(PRG(seed: Seed(fixed: 92), stream: 0), buffer: buffer)
            var randomness = PrivateCompareStep.Randomness()
            for (number, test) in tests.enumerated() {
                randomness.draw(from: &stream)
                let reference = (
                    randomness.multipliers.map(UInt64.init), randomness.blinds.map(UInt64.init),
                    Array(randomness.permutation))
                // Shares below p, and any byte at all (a program may hold anything in the register).
                var bits = prg.nextUInt64s(count: 64, below: 67).map { UInt8($0) }
                if number % 2 == 1 {
                    bits = prg.nextUInt64s(count: 8).flatMap { word in
                        (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) }
                    }
                }
                if number == 3 { bits = [UInt8](repeating: 255, count: 64) }
                for isServer0 in [true, false] {
                    var d = [UInt8](repeating: 0, count: 64)
                    bits.withUnsafeBufferPointer { bitPointer in
                        randomness.lanes.withUnsafeBufferPointer { r in
                            d.withUnsafeMutableBufferPointer { target in
                                PrivateCompareStep.messages(
                                    of: test, bits: bitPointer.baseAddress!, isServer0: isServer0,
                                    randomness: r.baseAddress!, into: target.baseAddress!)
                            }
                        }
                    }
                    let expected = SecureNNReference.messages(
                        of: test, bits: bits, isServer0: isServer0, randomness: reference)
                    #expect(d == expected, "\(test) server\(isServer0 ? 0 : 1)")
                }
            }
        }
    }

    @Test func zeroTestMatchesFieldAddition() {
        var prg = PRG(seed: Seed(fixed: 93), stream: 0)
        var pairs: [([UInt8], [UInt8])] = []
        for _ in 0..<200 {
            let a = prg.nextUInt64s(count: 64, below: 67).map { UInt8($0) }
            var b = prg.nextUInt64s(count: 64, below: 67).map { UInt8($0) }
            if pairs.count % 2 == 0 {
                let j = Int(prg.nextBelow(64))
                b[j] = UInt8((67 - UInt64(a[j])) % 67)
            }
            pairs.append((a, b))
        }
        // Edges: bytes at or above p, sums of exactly 67 and 134, and zeros.
        pairs.append(([UInt8](repeating: 200, count: 64), [UInt8](repeating: 1, count: 64)))
        pairs.append(([UInt8](repeating: 67, count: 64), [UInt8](repeating: 67, count: 64)))
        pairs.append(([UInt8](repeating: 0, count: 64), [UInt8](repeating: 0, count: 64)))
        pairs.append(([UInt8](repeating: 255, count: 64), [UInt8](repeating: 68, count: 64)))
        for (a, b) in pairs {
            let expected = zip(a, b).contains { PrimeField.add(UInt64($0), UInt64($1)) == 0 }
            let found = a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in PrivateCompareStep.hasZero(a.baseAddress!, b.baseAddress!) }
            }
            #expect(found == expected)
        }
    }
}

@Suite struct PackedFieldTests {
    @Test func laneSubtractionIsFieldSubtractionInEveryLane() {
        // Every pair of residues, in every lane position, with random neighbours.
        var prg = PRG(seed: Seed(fixed: 94), stream: 0)
        for a in UInt64(0)..<67 {
            for b in UInt64(0)..<67 {
                let lane = Int(prg.nextBelow(8))
                var left = SecureNNReference.packed(prg.nextUInt64s(count: 8, below: 67))[0]
                var right = SecureNNReference.packed(prg.nextUInt64s(count: 8, below: 67))[0]
                let shift = UInt64(8 * lane)
                left = left & ~(0xFF << shift) | a << shift
                right = right & ~(0xFF << shift) | b << shift
                let difference = PrimeField.subtractLanes(left, right)
                for m in 0..<8 {
                    let (x, y) = ((left >> UInt64(8 * m)) & 0xFF, (right >> UInt64(8 * m)) & 0xFF)
                    #expect((difference >> UInt64(8 * m)) & 0xFF == PrimeField.subtract(x, y), "\(x) - \(y)")
                }
            }
        }
    }

    @Test func bitDecompositionPutsBitIAtByteI() {
        let values: [UInt64] = [0, 1, .max, 1 << 63, 0x0123_4567_89AB_CDEF]
        let expected = SecureNNReference.packed(values.flatMap { value in (0..<64).map { (value >> UInt64($0)) & 1 } })
        #expect(PrimeField.bitDecomposition(values) == expected)
    }
}

/// The SIMD arithmetic of PrivateCompare's messages against scalar definitions, and the batched kernel the machine
/// calls against the reference, element by element, on random and edge thresholds.
@Suite struct PrivateCompareLaneTests {
    @Test func laneReductionIsModuloPForEverySixteenBitValue() {
        for start in stride(from: 0, to: 65536, by: 8) {
            let v = SIMD8<UInt16>((0..<8).map { UInt16(start + $0) })
            let reduced = PrimeField.reduceLanes(v)
            for lane in 0..<8 { #expect(reduced[lane] == v[lane] % 67, "\(v[lane])") }
        }
    }

    @Test func prefixSumsAreTheScalarScan() {
        var prg = PRG(seed: Seed(fixed: 95), stream: 0)
        // Shares of x_i ⊕ k_i (at most 134), and edges: zeros, every lane 134, totals up to 65,535.
        var cases: [[UInt16]] = (0..<300).map { _ in prg.nextUInt64s(count: 64, below: 135).map { UInt16($0) } }
        cases.append([UInt16](repeating: 0, count: 64))
        cases.append([UInt16](repeating: 134, count: 64))
        cases.append([UInt16](repeating: 1023, count: 63) + [16])
        cases += (0..<50).map { _ in prg.nextUInt64s(count: 64, below: 1024).map { UInt16($0) } }
        for lanes in cases {
            var scanned = lanes
            let total = scanned.withUnsafeMutableBytes { PrivateCompareStep.prefixSums($0.baseAddress!) }
            var sum: UInt16 = 0
            let expected = lanes.map { value -> UInt16 in
                sum &+= value
                return sum
            }
            #expect(scanned == expected)
            #expect(total == sum)
        }
    }

    /// Random shares of x's bits over Z_p for both servers, one element each.
    static func bitShares(_ xs: [UInt64], prg: inout PRG) -> ([UInt8], [UInt8]) {
        let shares0 = prg.nextUInt64s(count: 64 * xs.count, below: 67).map { UInt8($0) }
        let shares1 = (0..<(64 * xs.count)).map { i in
            UInt8(PrimeField.subtract((xs[i / 64] >> UInt64(i % 64)) & 1, UInt64(shares0[i])))
        }
        return (shares0, shares1)
    }

    @Test(arguments: [false, true])
    func batchedMessagesAreTheReferenceAndDecideTheComparison(greaterEqual: Bool) {
        var prg = PRG(seed: Seed(fixed: greaterEqual ? 96 : 97), stream: 0)
        var xs: [UInt64] = [], ts: [UInt64] = [], flips: [UInt64] = []
        let edges: [UInt64] = [0, 1, 2, (1 << 63) - 1, 1 << 63, .max - 1, .max]
        for x in edges + prg.nextUInt64s(count: 8) {
            for t in edges + [x, x &+ 1, x &- 1, x ^ 1] + prg.nextUInt64s(count: 3) {
                for beta: UInt64 in [0, 1] {
                    xs.append(x)
                    ts.append(t)
                    // Only bit 0 of a flip counts.
                    flips.append(beta | (prg.next() & ~1))
                }
            }
        }
        let n = xs.count
        let (shares0, shares1) = Self.bitShares(xs, prg: &prg)
        let seed = prg.nextSeed()
        var sent: [[UInt8]] = []
        for (isServer0, shares) in [(true, shares0), (false, shares1)] {
            var d = [UInt8](repeating: 0, count: 64 * n)
            shares.withUnsafeBufferPointer { bits in
                d.withUnsafeMutableBufferPointer { target in
                    PrivateCompareStep.maskedMessages(
                        count: n, bits: bits.baseAddress!, thresholds: ts, flips: flips, greaterEqual: greaterEqual,
                        isServer0: isServer0, common: PRG(seed: seed, stream: 7), into: target.baseAddress!)
                }
            }
            // The reference: one element at a time, from the same stream.
            var reference = SecureNNReference.Candidates(PRG(seed: seed, stream: 7))
            for e in 0..<n {
                let randomness = SecureNNReference.randomness(from: &reference)
                let test = PrivateCompareStep.test(t: ts[e], beta: flips[e] & 1 == 1, greaterEqual: greaterEqual)
                let expected = SecureNNReference.messages(
                    of: test, bits: Array(shares[(64 * e)..<(64 * e + 64)]), isServer0: isServer0,
                    randomness: randomness)
                #expect(Array(d[(64 * e)..<(64 * e + 64)]) == expected, "element \(e) server\(isServer0 ? 0 : 1)")
            }
            sent.append(d)
        }
        for e in 0..<n {
            let bit = sent[0].withUnsafeBufferPointer { d0 in
                sent[1].withUnsafeBufferPointer { d1 in
                    PrivateCompareStep.hasZero(d0.baseAddress! + 64 * e, d1.baseAddress! + 64 * e)
                }
            }
            let compared = greaterEqual ? xs[e] >= ts[e] : xs[e] > ts[e]
            #expect(bit == (flips[e] & 1 == 1 ? !compared : compared), "x \(xs[e]) t \(ts[e]) flip \(flips[e] & 1)")
        }
    }
}
