// Ring arithmetic of exact division by a public integer (`divpair`, `divfinish`, `div`).

/// What the machine computes for exact division by D, on UInt64 ring elements.
enum ExactDivisionArithmetic {
    /// `divpair`'s correction for a random r: msb(r)·(⌊r/D⌋ − ⌊(r − 2^64)/D⌋), that is ⌊r/D⌋ + ⌈(2^64 − r)/D⌉
    /// when msb(r) = 1 (2^64 − r is then at most 2^63, so nothing overflows), and 0 otherwise. When the opened
    /// c = y + r wrapped (msb(r) = 1 and msb(c) = 0), y = c − (r − 2^64), and subtracting ⌊(r − 2^64)/D⌋ instead
    /// of ⌊r/D⌋ keeps ⌊c/D⌋ − that within one of ⌊y/D⌋.
    static func wrap(_ r: UInt64, dividedBy d: UInt64) -> UInt64 {
        guard r >> 63 == 1 else { return 0 }
        let complement = 0 &- r
        return r / d &+ (complement / d &+ (complement % d == 0 ? 0 : 1))
    }

    /// The signed ring value x divided by D and rounded to the nearest, halves up: ⌊(x + ⌊D/2⌋)/D⌋, computed
    /// from the floor quotient and remainder so that nothing overflows.
    static func rounded(_ x: UInt64, dividedBy d: UInt64) -> UInt64 {
        let value = Int64(bitPattern: x), divisor = Int64(bitPattern: d)
        var quotient = value / divisor, remainder = value % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        if remainder >= divisor - divisor / 2 { quotient += 1 }
        return UInt64(bitPattern: quotient)
    }
}
