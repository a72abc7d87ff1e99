import TFEBytecode

/// How lowering divides by divisors known at compile time (`/` by a literal, a `param` or an expression of them,
/// `mean` by its axis length, `avgpool2d` by its cells per window): each element of the dividend x is multiplied
/// by the integer m (`multipliers`, one per divisor) and the product divided exactly by the integer D
/// (`divisor`; `divpair`/`divfinish` for private values, `div` for public ones), where m/D is 1/c. The private
/// result is ⌊m·x/D⌋ or ⌊m·x/D⌋ + 1 in ring units, so less than one unit in the last place from x/c, where the
/// product by 1/c rounded to `frac` bits was off by up to |x|·2^-(frac+1)/c (1000 units for 3000 / 3).
///
/// m/D equals 1/c when c is an integer (m = 1, D = c; for several, D is their least common multiple) or a
/// ratio of small integers (0.3: m = 10, D = 3; 0.5: m = 2, D = 1, a local product). Otherwise it is the
/// closest fraction within the bounds below, and it is used only where it is at least as close to 1/c as 1/c
/// rounded to `frac` bits.
///
/// **The bound it relies on.** `divfinish` is exact for −2^61 < m·x < 2^62, so the plan keeps |m·x| ≤ 2^61.
/// Values lie in the range of inputs, |v| < 2^(62 − 2·frac) (`FixedPoint.inputLimit`), so ring values are below
/// L = 2^(62 − frac). For `/` both the dividend x and the quotient x/c are such values, and m·x is at most
/// m·L, and about D·|x/c| ≤ D·L: the plan needs min(m, D) ≤ 2^(frac − 1) (m when |c| ≥ 1, D when |c| < 1). For
/// `mean` and `avgpool2d` the dividend is a sum of k values and m·k = D, so m·x = D·(average) and D must be at
/// most 2^(frac − 1): 32768 at 16 bits, which covers `mean` over up to 32768 values and 3×3 SAME pools
/// (D = lcm(9, 6, 4) = 36), but not 7×7 SAME pools (D = 420²), which keep the product by 1/cells.
/// A public divisor known only at run time keeps the product by its reciprocal rounded to `frac` bits.
public struct ConstantDivision: Hashable, Sendable {
    /// m, per divisor.
    public var multipliers: [Int]
    /// D, at most `ExactDivision.divisorLimit`.
    public var divisor: Int

    public init(multipliers: [Int], divisor: Int) {
        self.multipliers = multipliers
        self.divisor = divisor
    }

    /// The bound on min(m, D), 2^(frac − 1): see the type's comment.
    static func productBound(fractionalBits: Int) -> Int { 1 << max(0, fractionalBits - 1) }

    /// `/` by the constant c; nil where the product by 1/c rounded to `frac` bits is at least as close.
    public static func dividing(by c: Double, fractionalBits: Int) -> ConstantDivision? {
        guard c.isFinite, c != 0 else { return nil }
        let sign = c < 0 ? -1 : 1, magnitude = Swift.abs(c)
        if magnitude.rounded() == magnitude, magnitude <= Double(ExactDivision.divisorLimit) {
            return ConstantDivision(multipliers: [sign], divisor: Int(magnitude))
        }
        let reciprocal = 1 / magnitude
        let bound = productBound(fractionalBits: fractionalBits), limit = ExactDivision.divisorLimit
        let (maxMultiplier, maxDivisor) = reciprocal <= 1 ? (bound, limit) : (limit, bound)
        guard let (m, d) = closestFraction(to: reciprocal, maxNumerator: maxMultiplier, maxDenominator: maxDivisor),
            m > 0
        else { return nil }
        let scale = Double(sign: .plus, exponent: fractionalBits, significand: 1)
        let rounded = (reciprocal * scale).rounded() / scale
        let plan = ConstantDivision(multipliers: [sign * m], divisor: d)
        guard plan.relativeError(dividing: c) <= Swift.abs(rounded * magnitude - 1) else { return nil }
        return plan
    }

    /// Averages of `counts` values each (`mean`: one count; `avgpool2d`: one per window position): D is their
    /// least common multiple; nil when it exceeds 2^(frac − 1).
    public static func averaging(counts: [Int], fractionalBits: Int) -> ConstantDivision? {
        let bound = productBound(fractionalBits: fractionalBits)
        var multiple = 1
        for count in counts {
            guard count >= 1 else { return nil }
            multiple = multiple / greatestCommonDivisor(multiple, count) * count
            if multiple > bound { return nil }
        }
        return ConstantDivision(multipliers: counts.map { multiple / $0 }, divisor: multiple)
    }

    /// |m·c/D − 1|: how far m/D is from 1/c, relatively (0 when exact, up to float64 rounding).
    public func relativeError(dividing c: Double, at index: Int = 0) -> Double {
        Swift.abs(Double(multipliers[index]) * c / Double(divisor) - 1)
    }

    static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (Swift.abs(a), Swift.abs(b))
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// The fraction p/q closest to t > 0 with 1 ≤ q ≤ `maxDenominator` and 0 ≤ p ≤ `maxNumerator`, from the
    /// continued fraction of t: the last convergent within the bounds, or the semiconvergent after it when that
    /// is closer. nil when there is none (t's integer part is beyond `maxNumerator`).
    static func closestFraction(to t: Double, maxNumerator: Int, maxDenominator: Int) -> (Int, Int)? {
        func distance(_ fraction: (Int, Int)) -> Double { Swift.abs(Double(fraction.0) / Double(fraction.1) - t) }
        // The last two convergents p0/q0 and p1/q1, starting from 0/1 and 1/0.
        var (p0, q0, p1, q1) = (0, 1, 1, 0)
        var x = t
        for _ in 0..<64 {
            let term = x.rounded(.down)
            let a = term < Double(1 << 40) ? Int(term) : 1 << 40  // beyond both bounds either way
            let (ap, pOverflow) = a.multipliedReportingOverflow(by: p1)
            let (aq, qOverflow) = a.multipliedReportingOverflow(by: q1)
            if pOverflow || qOverflow || p0 + ap > maxNumerator || q0 + aq > maxDenominator {
                // The semiconvergents (p0 + k·p1)/(q0 + k·q1), 1 ≤ k < a, lie between the last two convergents.
                var k = a - 1
                if p1 > 0 { k = Swift.min(k, (maxNumerator - p0) / p1) }
                if q1 > 0 { k = Swift.min(k, (maxDenominator - q0) / q1) }
                var candidates: [(Int, Int)] = q1 > 0 ? [(p1, q1)] : []
                if k >= 1 { candidates.append((p0 + k * p1, q0 + k * q1)) }
                return candidates.min { distance($0) < distance($1) }
            }
            (p0, q0, p1, q1) = (p1, q1, p0 + ap, q0 + aq)
            let remainder = x - term
            if remainder == 0 { break }
            x = 1 / remainder
        }
        return (p1, q1)
    }
}
