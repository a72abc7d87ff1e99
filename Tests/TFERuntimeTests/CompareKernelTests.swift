// PrivateCompare's AVX-512 kernels (`CompareTiles` in TFEKernelsAVX512) against the portable path they must equal
// byte for byte: the draw (accepted and rejected blocks at every position), the messages (any byte as a share,
// thresholds at the ring's edges, β both ways), whole batches through `maskedMessages`, and server2's zero test.
// Skipped, with a message, on a CPU without AVX-512.

import Testing
import TFEKernelsAVX512

@testable import TFERuntime

@Suite struct CompareKernelTests {
    /// Whether this CPU runs the kernels; prints why the tests check nothing when it does not.
    static func supported(_ test: String) -> Bool {
        if !MatmulKernel.avx512.isSupported {
            print("CompareKernelTests.\(test): this CPU (or OS) has no AVX-512 (x86-64-v4); skipped")
        }
        return MatmulKernel.avx512.isSupported
    }

    /// The portable draw of one element from `halves` (its blocks in stream order; more after a rejected one), and
    /// whether it met a rejected block.
    static func portableDraw(_ halves: [UInt16]) -> (randomness: [UInt16], rejected: Bool) {
        var rejected = false
        var randomness = [UInt16](repeating: 0, count: PrivateCompareStep.Randomness.laneCount)
        PrivateCompareStep.drawBounds.withUnsafeBufferPointer { bounds in
            PrivateCompareStep.drawThresholds.withUnsafeBufferPointer { thresholds in
                for b in 0..<6 {
                    // Blocks in order until one is accepted, as `fillBatch` reads them.
                    let run = b / 2, half = b % 2, lane = 64 * run + 8 * half
                    var offset = 16 * b
                    while true {
                        let block = Array(halves[offset..<(offset + 16)])
                        let accepted = block.withUnsafeBytes { raw in
                            randomness.withUnsafeMutableBufferPointer { target in
                                KeystreamCandidates.drawBlock(
                                    raw.baseAddress!, into: target.baseAddress! + lane, stride: 16,
                                    bounds: bounds.baseAddress! + lane,
                                    thresholdLow: SIMD8(thresholds[(16 * b)..<(16 * b + 8)]),
                                    thresholdHigh: SIMD8(thresholds[(16 * b + 8)..<(16 * b + 16)]),
                                    adding: run == 0 ? 1 : 0)
                            }
                        }
                        if accepted { break }
                        rejected = true
                        offset += 16
                    }
                }
            }
        }
        return (randomness, rejected)
    }

    /// `CompareTiles.draw` on 96 halves: whether it accepted them, and the randomness.
    static func wideDraw(_ halves: [UInt16]) -> (accepted: Bool, randomness: [UInt16]) {
        var randomness = [UInt16](repeating: 0, count: PrivateCompareStep.Randomness.laneCount)
        let accepted = halves.withUnsafeBufferPointer { candidates in
            PrivateCompareStep.drawBounds.withUnsafeBufferPointer { bounds in
                PrivateCompareStep.drawThresholds.withUnsafeBufferPointer { thresholds in
                    randomness.withUnsafeMutableBufferPointer { target in
                        CompareTiles.draw(
                            candidates: candidates.baseAddress!, bounds: bounds.baseAddress!,
                            thresholds: thresholds.baseAddress!, into: target.baseAddress!)
                    }
                }
            }
        }
        return (accepted, randomness)
    }

    /// Block `b`'s eight candidates replaced by `candidates` in an element's halves.
    static func setBlock(_ halves: inout [UInt16], _ b: Int, _ candidates: [UInt32]) {
        for j in 0..<8 {
            halves[16 * b + j] = UInt16(truncatingIfNeeded: candidates[j])
            halves[16 * b + 8 + j] = UInt16(candidates[j] >> 16)
        }
    }

    @Test func drawIsThePortableDraw() {
        guard Self.supported("drawIsThePortableDraw") else { return }
        var prg = PRG(seed: Seed(fixed: 515), stream: 0)
        var rejections = 0
        for round in 0..<3000 {
            var halves = prg.nextUInt64s(count: 24 * 4).flatMap { w in
                (0..<4).map { UInt16(truncatingIfNeeded: w >> (16 * UInt64($0))) }
            }
            if round < 48 {
                // Every lane of every block at its smallest accepted candidate, then one lane of one block at its
                // largest rejected candidate.
                for b in 0..<6 {
                    let (bounds, _) = BatchedDrawTests.block(b)
                    let edges = (0..<8).map { j in
                        BatchedDrawTests.boundaryCandidates(
                            product: (0..<4).reduce(UInt64(1)) { $0 * UInt64(bounds[16 * $1 + j]) })
                    }
                    var candidates = edges.map { UInt32($0.accepted) }
                    if b == round / 8 { candidates[round % 8] = UInt32(edges[round % 8].rejected) }
                    Self.setBlock(&halves, b, candidates)
                }
            }
            let (accepted, randomness) = Self.wideDraw(Array(halves[0..<96]))
            let portable = Self.portableDraw(halves)
            // The kernel refuses exactly the elements whose six blocks hold a rejected one, and agrees on the rest.
            #expect(accepted == !portable.rejected, "round \(round)")
            if round < 48 { #expect(!accepted, "round \(round)") }
            if accepted {
                #expect(randomness == portable.randomness, "round \(round)")
            } else {
                rejections += 1
            }
        }
        // About 3.6% of random elements meet a rejected block, besides the 48 made to.
        #expect(rejections > 48 + 40 && rejections < 48 + 250)
    }

    /// Shares of 64 bits: any bytes (a malformed frame's too), or bytes below p.
    static func bits(_ prg: inout PRG, anyByte: Bool) -> [UInt8] {
        prg.nextUInt64s(count: 64, below: anyByte ? 256 : 67).map { UInt8($0) }
    }

    @Test func messagesAreThePortableMessages() {
        guard Self.supported("messagesAreThePortableMessages") else { return }
        var prg = PRG(seed: Seed(fixed: 516), stream: 0)
        let edges: [UInt64] = [0, 1, (1 << 63) - 1, 1 << 63, .max - 1, .max]
        for round in 0..<2000 {
            let bits = Self.bits(&prg, anyByte: round % 3 == 0)
            let k = round < 4 * edges.count ? edges[round / 4] : prg.next()
            let xGreater = round % 2 == 0, isServer0 = round % 4 < 2
            // Multipliers in 1...66, blinds in 0...66, swap j in 0...63 − j (the last lane 0).
            let randomness = prg.nextUInt64s(count: 64, below: 66).map { UInt16($0 + 1) }
                + prg.nextUInt64s(count: 64, below: 67).map { UInt16($0) }
                + (0..<64).map { j in UInt16(prg.next() % UInt64(64 - j)) }
            var portable = [UInt8](repeating: 0, count: 64), wide = portable
            bits.withUnsafeBufferPointer { bits in
                randomness.withUnsafeBufferPointer { randomness in
                    portable.withUnsafeMutableBufferPointer { d in
                        PrivateCompareStep.messages(
                            k: k, xGreater: xGreater, bits: bits.baseAddress!, isServer0: isServer0,
                            randomness: randomness.baseAddress!, into: d.baseAddress!)
                    }
                    wide.withUnsafeMutableBufferPointer { d in
                        CompareTiles.messages(
                            k: k, xGreater: xGreater, bits: bits.baseAddress!, isServer0: isServer0,
                            randomness: randomness.baseAddress!, into: d.baseAddress!)
                    }
                }
            }
            #expect(wide == portable, "round \(round) k \(k) xGreater \(xGreater) server0 \(isServer0)")
        }
    }

    @Test(arguments: [false, true])
    func batchesAreThePortableBatches(greaterEqual: Bool) {
        guard Self.supported("batchesAreThePortableBatches") else { return }
        var prg = PRG(seed: Seed(fixed: greaterEqual ? 517 : 518), stream: 0)
        let n = 3000
        let bits = (0..<n).flatMap { e in Self.bits(&prg, anyByte: e % 5 == 0) }
        // Thresholds at the ring's edges (fixed tests for one β or the other) among random ones; β both ways.
        let thresholds = (0..<n).map { e in e < 40 ? [0, 1, .max - 1, .max][e % 4] : prg.next() }
        let flips = prg.nextUInt64s(count: n)
        let seed = prg.nextSeed()
        for isServer0 in [true, false] {
            var sent: [[UInt8]] = []
            for kernel in [MatmulKernel.portable, .avx512] {
                var d = [UInt8](repeating: 0, count: 64 * n)
                bits.withUnsafeBufferPointer { bits in
                    d.withUnsafeMutableBufferPointer { target in
                        PrivateCompareStep.maskedMessages(
                            count: n, bits: bits.baseAddress!, thresholds: thresholds, flips: flips,
                            greaterEqual: greaterEqual, isServer0: isServer0, common: PRG(seed: seed, stream: 3),
                            into: target.baseAddress!, kernel: kernel)
                    }
                }
                sent.append(d)
            }
            #expect(sent[0] == sent[1], "server\(isServer0 ? 0 : 1)")
        }
    }

    @Test func zerosAreThePortableZeros() {
        guard Self.supported("zerosAreThePortableZeros") else { return }
        var prg = PRG(seed: Seed(fixed: 519), stream: 0)
        let n = 4000
        var d0 = prg.nextUInt64s(count: 64 * n, below: 256).map { UInt8($0) }
        var d1 = prg.nextUInt64s(count: 64 * n, below: 67).map { UInt8($0) }
        for e in 0..<n {
            let i = 64 * e + Int(prg.next() % 64)
            switch e % 4 {
            case 0: (d0[i], d1[i]) = (0, 0)
            case 1: (d0[i], d1[i]) = (d0[i] % 68, 67 - d0[i] % 68)  // a sum of 67
            case 2: (d0[i], d1[i]) = (200, 123)  // 323: not a zero, though 323 − 256 = 67
            default: break
            }
        }
        var zeros: [[UInt64]] = []
        for kernel in [MatmulKernel.portable, .avx512] {
            var bits = [UInt64](repeating: 7, count: n)
            d0.withUnsafeBufferPointer { a in
                d1.withUnsafeBufferPointer { b in
                    bits.withUnsafeMutableBufferPointer { z in
                        PrivateCompareStep.zeros(
                            count: n, a.baseAddress!, b.baseAddress!, into: z.baseAddress!, kernel: kernel)
                    }
                }
            }
            zeros.append(bits)
        }
        #expect(zeros[0] == zeros[1])
        // Both outcomes occur.
        #expect(zeros[0].contains(0) && zeros[0].contains(1))
    }
}
