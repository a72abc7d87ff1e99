// Plaintext numbers as ring elements and back.

import TFECore

/// The encoding of plaintext values in Z_2^64: `round(v * 2^frac)` in two's complement for `fixed`, `v` for
/// `int`. Decoding reads the ring element as a signed 64-bit integer and, for `fixed`, divides by 2^frac.
struct FixedPoint: Sendable {
    let fractionalBits: Int
    let scale: Double

    init(fractionalBits: Int) {
        self.fractionalBits = fractionalBits
        self.scale = Double(sign: .plus, exponent: fractionalBits, significand: 1)
    }

    /// Private ring values must stay below 2^62 in magnitude: truncation opens `x + 2^62 + r` and is exact
    /// only for `|x| < 2^62`, and SecureNN's comparisons are exact only for operands below it.
    static let ringLimitExponent = 62

    /// The largest magnitude a fixed-point value may have, 2^(62 - 2 frac): then `|v| * 2^frac < 2^(62 - frac)`,
    /// so that its product with any value up to 1 (with `2 * frac` fractional bits) stays inside the range
    /// private truncation handles. Inputs are checked against it, and `--check-ranges` every private value.
    var inputLimit: Double {
        Double(sign: .plus, exponent: valueLimitExponent, significand: 1)
    }

    /// The exponent of `inputLimit`: 30 at 16 fractional bits.
    var valueLimitExponent: Int { Self.ringLimitExponent - 2 * fractionalBits }

    /// The ring element for `value`, or nil when it is NaN, infinite or outside the 64-bit range.
    ///
    /// `int` values are rounded to the nearest integer; integers in [2^63, 2^64) are accepted as their ring
    /// element (the constant 2^63, say), and negative ones wrap as two's complement.
    func encode(_ value: Double, as element: ElementType) -> UInt64? {
        let scaled = element == .fixed ? (value * scale).rounded() : value.rounded()
        guard scaled.isFinite else { return nil }
        if let signed = Int64(exactly: scaled) { return UInt64(bitPattern: signed) }
        if scaled >= 0, let unsigned = UInt64(exactly: scaled) { return unsigned }
        return nil
    }

    /// Encodes every value; returns the index of the first that does not fit instead when one does not.
    func encode(_ values: [Double], as element: ElementType) -> Result<[UInt64], Failure> {
        var result = [UInt64](repeating: 0, count: values.count)
        for (index, value) in values.enumerated() {
            guard let encoded = encode(value, as: element) else { return .failure(Failure(index: index)) }
            result[index] = encoded
        }
        return .success(result)
    }

    func decode(_ value: UInt64, as element: ElementType) -> Double {
        let signed = Double(Int64(bitPattern: value))
        return element == .fixed ? signed / scale : signed
    }

    func decode(_ values: [UInt64], as element: ElementType) -> [Double] {
        values.map { decode($0, as: element) }
    }
}

extension FixedPoint {
    /// The flat index of a value that has no ring encoding.
    struct Failure: Error {
        let index: Int
    }
}
