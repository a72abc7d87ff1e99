// What comparisons, ReLU, `where`, max-pooling and argmax need, built from A2B, bit injection and the bit product.

/// The comparison protocols on replicated shares, each one party's part. Shared bits are bit 0 of boolean
/// words; "as a ring element" means the arithmetic sharing of 0 or 1. Costs are `ReplicatedCost`'s.
public enum ReplicatedComparison {
    /// msb(x), the sign bit of x read as a signed integer, as a shared bit: A2B, 8 rounds.
    public static func mostSignificantBit(
        _ x: ReplicatedArithmeticView
    ) -> some ReplicatedRounds<ReplicatedBooleanView> {
        ReplicatedA2B(x).map { $0.mostSignificantBit() }
    }

    /// DReLU(x) = 1 − msb(x) = [x ≥ 0] as a shared bit, exact for every word: 8 rounds.
    public static func dreluBit(_ x: ReplicatedArithmeticView) -> some ReplicatedRounds<ReplicatedBooleanView> {
        mostSignificantBit(x).map { $0.xoring(public: 1) }
    }

    /// DReLU(x) as a ring element: 10 rounds.
    public static func drelu(_ x: ReplicatedArithmeticView) -> some ReplicatedRounds<ReplicatedArithmeticView> {
        dreluBit(x).then { ReplicatedBitInjection($0) }
    }

    /// ReLU(x) = x · DReLU(x) = x − x · msb(x), exact for every word: 10 rounds.
    public static func relu(_ x: ReplicatedArithmeticView) -> some ReplicatedRounds<ReplicatedArithmeticView> {
        mostSignificantBit(x).then { ReplicatedBitProduct(x, times: $0) }.map { x - $0 }
    }

    /// [a < b] as a shared bit: msb(a − b), exact when a − b does not overflow a signed 64-bit integer (every
    /// pair of values below 2^62 in magnitude, the machine's range): 8 rounds.
    public static func lessThanBit(
        _ a: ReplicatedArithmeticView, _ b: ReplicatedArithmeticView
    ) -> some ReplicatedRounds<ReplicatedBooleanView> {
        mostSignificantBit(a - b)
    }

    /// [a < b] as a ring element (same range): 10 rounds.
    public static func lessThan(
        _ a: ReplicatedArithmeticView, _ b: ReplicatedArithmeticView
    ) -> some ReplicatedRounds<ReplicatedArithmeticView> {
        lessThanBit(a, b).then { ReplicatedBitInjection($0) }
    }

    /// select(c, a, b) = c ? a : b = b + c · (a − b) for a shared bit c: 2 rounds. With max(a, b) as
    /// select([a < b], b, a), max-pooling and argmax are trees of these.
    public static func select(
        _ condition: ReplicatedBooleanView, _ a: ReplicatedArithmeticView, _ b: ReplicatedArithmeticView
    ) -> some ReplicatedRounds<ReplicatedArithmeticView> {
        ReplicatedBitProduct(a - b, times: condition).map { b + $0 }
    }
}
