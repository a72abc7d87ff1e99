// Seeded test values for the ring kernels, biased towards the edges of Z_2^64.

import TFETestSupport

extension SplitMix64 {
    /// `count` ring values: a quarter uniform, the rest near 0, near 2^63 and near 2^64 − 1, where
    /// carries out of either 32-bit half and wrap-around happen.
    mutating func ringValues(_ count: Int) -> [UInt64] {
        (0..<count).map { _ in
            let offset = next() % 5
            switch next() % 4 {
            case 0: return next()
            case 1: return offset
            case 2: return (1 << 63) &+ offset &- 2
            default: return UInt64.max &- offset
            }
        }
    }

    /// `count` small integers as Doubles, so sums of products are exact and comparable bit for bit.
    mutating func smallDoubles(_ count: Int) -> [Double] {
        (0..<count).map { _ in Double(Int(next() % 33) - 16) }
    }
}

/// The naive `i-k-j` product with explicit transposes: the reference every kernel is checked against.
func referenceMatmul<T>(
    _ a: [T], _ b: [T], m: Int, k: Int, n: Int, transposeA: Bool = false, transposeB: Bool = false,
    zero: T, multiplyAdd: (T, T, T) -> T
) -> [T] {
    var c = [T](repeating: zero, count: m * n)
    for i in 0..<m {
        for p in 0..<k {
            let x = transposeA ? a[p * m + i] : a[i * k + p]
            for j in 0..<n {
                let y = transposeB ? b[j * k + p] : b[p * n + j]
                c[i * n + j] = multiplyAdd(c[i * n + j], x, y)
            }
        }
    }
    return c
}

func referenceRingMatmul(
    _ a: [UInt64], _ b: [UInt64], m: Int, k: Int, n: Int, transposeA: Bool = false, transposeB: Bool = false
) -> [UInt64] {
    referenceMatmul(a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, zero: 0) {
        $0 &+ $1 &* $2
    }
}

/// Item `item` of a batch of equally sized matrices stored one after another.
func batchItem<T>(_ values: [T], _ item: Int, _ size: Int) -> [T] {
    Array(values[item * size..<(item + 1) * size])
}
