/// The fixed-point encoding's one limit on fractional bits, which the checker (a program's `fixedpoint(frac:)`),
/// the verifier (a bytecode file's header) and the machine all enforce.
public enum FractionalBits {
    /// A product of two fixed values carries twice the fractional bits until it is truncated, and truncation is
    /// exact for values below 2^62 in magnitude: at most 30 bits leave a product's 60 fractional bits room for
    /// an integer part.
    public static let range: ClosedRange<Int> = 1...30
}
