// The opt-in AVX-512 micro-kernels, checked in every build (emulated lanes are slow but exact).

import TFETestSupport
import Testing
@testable import TFERuntime

@Suite struct WideMicroKernelTests {
    @Test(arguments: [(1, 1, 1), (4, 16, 16), (5, 9, 17), (33, 300, 47), (70, 20, 9), (3, 40, 50)])
    func wideKernelsMatchTheNaiveProduct(m: Int, k: Int, n: Int) {
        var rng = SplitMix64(seed: UInt64(m * k * n))
        let a = rng.ringValues(m * k), b = rng.ringValues(k * n)
        let da = rng.smallDoubles(m * k), db = rng.smallDoubles(k * n)
        for (transposeA, transposeB) in [(false, false), (true, true)] {
            let ring = product(RingWideMicroKernel.self, a, b, m, k, n, transposeA, transposeB)
            #expect(ring == referenceRingMatmul(a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB))
            let double = product(DoubleWideMicroKernel.self, da, db, m, k, n, transposeA, transposeB)
            #expect(double == referenceMatmul(da, db, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB,
                                              zero: 0.0) { $0 + $1 * $2 })
        }
    }

    func product<Kernel: PackedMicroKernel>(
        _ kernel: Kernel.Type, _ a: [Kernel.Element], _ b: [Kernel.Element], _ m: Int, _ k: Int, _ n: Int,
        _ transposeA: Bool, _ transposeB: Bool
    ) -> [Kernel.Element] {
        var c = [Kernel.Element](repeating: Kernel.zero, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    MatmulDriver<Kernel>.multiply(
                        MatrixOperand(rowMajor: a.baseAddress!, rows: m, columns: k, transposed: transposeA),
                        MatrixOperand(rowMajor: b.baseAddress!, rows: k, columns: n, transposed: transposeB),
                        into: MatrixTarget(base: c.baseAddress!, rowStride: n), m: m, k: k, n: n, accumulate: false,
                        maxThreads: 2)
                }
            }
        }
        return c
    }
}
