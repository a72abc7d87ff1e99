// Ring and Double matmul kernels against the naive product: odd sizes, block edges, transposes, batches.

import TFETestSupport
import Testing
import TFERuntime

@Suite struct RingMatmulTests {
    /// (m, k, n): degenerate, thin, not multiples of the 4×4 tile, across the 256-deep k block and
    /// 64-row block, m > n (computed as Cᵀ = Bᵀ·Aᵀ), and big enough to use two threads.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 9, 1), (1, 37, 11), (3, 5, 7), (2, 300, 9), (7, 1, 5), (9, 6, 1), (4, 4, 4),
        (5, 7, 3), (13, 300, 17), (67, 513, 33), (70, 20, 9), (8, 3, 130), (130, 260, 70), (40, 700, 40),
    ]

    @Test(arguments: 0..<shapes.count)
    func matchesTheNaiveProduct(shapeIndex: Int) {
        let (m, k, n) = Self.shapes[shapeIndex]
        var rng = SplitMix64(seed: UInt64(shapeIndex))
        let a = rng.ringValues(m * k), b = rng.ringValues(k * n)
        for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
            let expected = referenceRingMatmul(a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB)
            for threads in [1, 2] {
                let c = RingKernels.matmul(a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB,
                                           maxThreads: threads)
                #expect(c == expected,
                        "\(m)×\(k)×\(n) transposeA \(transposeA) transposeB \(transposeB) threads \(threads)")
            }
        }
    }

    @Test func emptyDimensions() {
        #expect(RingKernels.matmul([], [], m: 0, k: 3, n: 0) == [])
        #expect(RingKernels.matmul([], [], m: 2, k: 0, n: 3) == [UInt64](repeating: 0, count: 6))
        #expect(RingKernels.matmul([], [1, 2], m: 0, k: 1, n: 2) == [])
    }

    @Test func accumulatesIntoTheTarget() {
        var rng = SplitMix64(seed: 99)
        let (m, k, n) = (9, 31, 13)
        let a = rng.ringValues(m * k), b = rng.ringValues(k * n), start = rng.ringValues(m * n)
        var c = start
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    RingKernels.matmul(a, b, into: c, m: m, k: k, n: n, transposeB: false, accumulate: true)
                }
            }
        }
        #expect(c == RingKernels.add(start, referenceRingMatmul(a, b, m: m, k: k, n: n)))
    }

    @Test(arguments: [false, true])
    func batchAgainstOneMatrix(transposeA: Bool) {
        var rng = SplitMix64(seed: 7)
        for (batch, m, k, n) in [(3, 5, 9, 6), (1, 1, 4, 3), (4, 33, 70, 130)] {
            let a = rng.ringValues(batch * m * k), b = rng.ringValues(k * n)
            let c = RingKernels.batchMatmul(a, b, batch: batch, m: m, k: k, n: n, sharedB: true, transposeA: transposeA)
            var expected: [UInt64] = []
            for item in 0..<batch {
                expected += referenceRingMatmul(batchItem(a, item, m * k), b, m: m, k: k, n: n, transposeA: transposeA)
            }
            #expect(c == expected, "batch \(batch) of \(m)×\(k)×\(n)")
        }
    }

    @Test(arguments: [false, true])
    func batchAgainstBatch(transposeB: Bool) {
        var rng = SplitMix64(seed: 8)
        // Small items run in parallel across the batch, large ones one after another.
        for (batch, m, k, n) in [(6, 5, 9, 6), (2, 1, 4, 3), (3, 20, 30, 40), (2, 110, 100, 100), (0, 2, 2, 2)] {
            let a = rng.ringValues(batch * m * k), b = rng.ringValues(batch * k * n)
            let c = RingKernels.batchMatmul(a, b, batch: batch, m: m, k: k, n: n, transposeB: transposeB)
            var expected: [UInt64] = []
            for item in 0..<batch {
                expected += referenceRingMatmul(batchItem(a, item, m * k), batchItem(b, item, k * n), m: m, k: k, n: n,
                                                transposeB: transposeB)
            }
            #expect(c == expected, "batch \(batch) of \(m)×\(k)×\(n)")
        }
    }

    @Test(arguments: 0..<shapes.count)
    func doubleMatchesTheNaiveProduct(shapeIndex: Int) {
        let (m, k, n) = Self.shapes[shapeIndex]
        var rng = SplitMix64(seed: 1000 + UInt64(shapeIndex))
        let a = rng.smallDoubles(m * k), b = rng.smallDoubles(k * n)
        for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
            let expected = referenceMatmul(a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB,
                                           zero: 0.0) { $0 + $1 * $2 }
            let c = DoubleKernels.matmul(a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB)
            #expect(c == expected, "\(m)×\(k)×\(n) transposeA \(transposeA) transposeB \(transposeB)")
        }
    }

    @Test func doubleBatches() {
        var rng = SplitMix64(seed: 5)
        let (batch, m, k, n) = (3, 6, 10, 7)
        let a = rng.smallDoubles(batch * m * k), b = rng.smallDoubles(batch * k * n)
        let shared = DoubleKernels.batchMatmul(a, Array(b[0..<k * n]), batch: batch, m: m, k: k, n: n, sharedB: true)
        let separate = DoubleKernels.batchMatmul(a, b, batch: batch, m: m, k: k, n: n)
        for item in 0..<batch {
            let aItem = batchItem(a, item, m * k), bItem = batchItem(b, item, k * n)
            let product = { (b: [Double]) in
                referenceMatmul(aItem, b, m: m, k: k, n: n, zero: 0.0) { $0 + $1 * $2 }
            }
            #expect(batchItem(shared, item, m * n) == product(batchItem(b, 0, k * n)))
            #expect(batchItem(separate, item, m * n) == product(bItem))
        }
    }
}
