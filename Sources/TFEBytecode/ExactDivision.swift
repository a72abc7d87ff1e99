/// Exact division of ring values by a public integer D (`divpair`, `divfinish`, `div`): the facts the compiler,
/// the verifier and the machine share.
public enum ExactDivision {
    /// The largest divisor an instruction may carry. A larger D would shrink the range `divfinish` is exact on
    /// (−2^61 < x < 2^62) and gain nothing: the compiler's divisors are window sizes, axis lengths and the
    /// numerators and denominators of constants.
    public static let divisorLimit = 1 << 32

    /// Whether an instruction may carry `divisor`.
    public static func isValid(divisor: Int) -> Bool { divisor >= 1 && divisor <= divisorLimit }

    /// The multiple of D the servers add to x before opening `x + offset + r`, so that the opened sum is that
    /// of a non-negative value below 2^63: the largest D·2^j up to 2^62, in (2^61, 2^62] (2^62, the truncation's
    /// offset, when D is a power of two). Unlike D·⌊2^62/D⌋ it is a double exactly, as the constant pool holds it.
    public static func offset(divisor: Int) -> UInt64 { UInt64(divisor) << offsetShift(divisor: divisor) }

    /// offset / D, which `divfinish` subtracts again.
    public static func offsetQuotient(divisor: Int) -> UInt64 { 1 << offsetShift(divisor: divisor) }

    /// j = 62 − ⌈log2 D⌉.
    private static func offsetShift(divisor: Int) -> UInt64 {
        let ceilingLog2 = divisor <= 1 ? 0 : Int.bitWidth - (divisor - 1).leadingZeroBitCount
        return UInt64(62 - ceilingLog2)
    }
}
