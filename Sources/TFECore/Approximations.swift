/// Polynomial approximations of non-linear functions, shared by lowering (which evaluates them on private
/// values with Beaver products) and the machine (which evaluates `map relu_approx` on plaintext the same way).
public enum Approximations {
    /// Both polynomials are fitted on [-interval, interval] and evaluated on `u = x / interval`; outside it they
    /// diverge (`tfe-vm run --check-ranges` warns when a private input leaves it).
    public static let interval = 8.0

    /// `sigmoid(x) ≈ 0.5 + u * P(u²)` with `u = x / 8` and `P(t) = c[0] + c[1] t + … + c[5] t^5`.
    /// A minimax fit (iteratively reweighted least squares) of degree 11 on [-8, 8]; maximum error
    /// 0.0041 there (measured on 200,001 points). Scaling by 1/8 keeps every coefficient and partial sum
    /// below 40, so evaluating in 16-bit fixed point loses only a few units in the last place.
    /// Outside [-8, 8] the polynomial diverges: inputs should stay in range.
    public static let sigmoidCoefficients: [Double] = [
        1.9329386878582122, -7.597331026333263, 21.938165992105514,
        -35.285275146947086, 28.485400638160268, -8.978313656088117,
    ]

    /// `relu_approx(x) ≈ x / 2 + (a[0] + a[1] u² + a[2] u^4) / 2` with `u = x / 8`: the least-squares fit of
    /// `|x|` on [-8, 8] by an even polynomial of degree 4; maximum error 0.47 (at 0 and ±8).
    public static let reluCoefficients: [Double] = [0.9375046871484386, 13.124934377953075, -6.562401566601465]

    /// The private sigmoid's polynomial, evaluated in float64 (for reference computations).
    public static func sigmoid(_ x: Double) -> Double {
        let u = x / interval, t = u * u
        var p = 0.0
        for c in sigmoidCoefficients.reversed() { p = p * t + c }
        return 0.5 + u * p
    }

    /// `relu_approx` in float64.
    public static func reluApprox(_ x: Double) -> Double {
        let u = x / interval, t = u * u
        let q = reluCoefficients[0] + reluCoefficients[1] * t + reluCoefficients[2] * t * t
        return x / 2 + q / 2
    }
}
