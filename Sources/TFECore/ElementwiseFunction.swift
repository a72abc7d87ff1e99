import Foundation

/// Element-wise functions of one value: the one list the language's built-ins (`Builtin.elementwise`), the
/// checked program (`Operation.Kind.elementwise`) and the machine's `map` instruction (`MapFunction`) share.
/// Cases are in the language's order; the raw value is `map`'s binary encoding: give a new case the next
/// unused code, never renumber or reuse one.
///
/// `relu_deriv` is SecureNN's DReLU, the derivative of `relu` used in training: the `int` 1 where x ≥ 0 and
/// 0 where x < 0. That is the paper's convention (1 at 0); TensorFlow's ReLU gradient is 0 at 0, so the two
/// differ only on inputs exactly 0.
public enum ElementwiseFunction: UInt8, Hashable, Sendable, CaseIterable {
    case square = 5, sigmoid = 0, relu = 3, reluApprox = 4, reluDeriv = 7, exp = 1, log = 2
    /// `1 / x`, for division by a public or local value: an instruction's function, not a built-in.
    case reciprocal = 6

    /// The name the language, the checked listing and the asm use: `relu_approx`.
    public var name: String {
        switch self {
        case .square: return "square"
        case .sigmoid: return "sigmoid"
        case .relu: return "relu"
        case .reluApprox: return "relu_approx"
        case .reluDeriv: return "relu_deriv"
        case .exp: return "exp"
        case .log: return "log"
        case .reciprocal: return "reciprocal"
        }
    }

    /// Whether the language has it as a built-in function.
    public var isBuiltin: Bool { self != .reciprocal }

    /// The function in float64, as plaintext values (and constants the checker folds) get it: the exact
    /// logistic function for `sigmoid`, the polynomial the servers evaluate for `relu_approx` (so plaintext
    /// and private values agree). Outside its domain the result is not finite (NaN or infinite).
    public func evaluate(_ x: Double) -> Double {
        switch self {
        case .square: return x * x
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .relu: return x > 0 ? x : 0
        case .reluApprox: return Approximations.reluApprox(x)
        case .reluDeriv: return x >= 0 ? 1 : 0
        case .exp: return Foundation.exp(x)
        case .log: return Foundation.log(x)
        case .reciprocal: return 1 / x
        }
    }
}
