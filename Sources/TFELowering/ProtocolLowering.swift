import TFEBytecode
import TFECore
import TFEFrontend

/// How a protocol lowers the private operations protocols differ in (`PrivateOperation`); nil where it
/// cannot compute one, which the checker has already reported. Everything else (products, truncation,
/// division by constants, the polynomial approximations) every protocol lowers alike today. A new protocol
/// adds its entries here, next to its `SecretSharingProtocol` in TFECore, and `ProtocolKind.lowering` names it.
struct ProtocolLowering {
    var relu: (@Sendable (inout Lowerer, PrivateRegister, ValueType) -> PrivateRegister)?
    var reluDerivative: (@Sendable (inout Lowerer, PrivateRegister) -> PrivateRegister)?
    var comparison: (@Sendable (inout Lowerer, BinaryOperator, Register, Register, Shape) -> PrivateRegister)?
    /// `where(c, a, b)` whose result is private.
    var select: (@Sendable (inout Lowerer, ValueID, ValueID, ValueID, ValueType) -> Register)?
    var argmax: (@Sendable (inout Lowerer, ValueID, Int?, ValueType) -> Register)?
    var maxPool: (@Sendable (inout Lowerer, ValueID, Int, Int, Padding, ValueType) -> Register)?
    var maxPoolGradient: (@Sendable (inout Lowerer, ValueID, ValueID, Int, Int, Padding, ValueType) -> Register)?
    var divisionByPrivate: (@Sendable (inout Lowerer, Register, PrivateRegister, ValueType) -> PrivateRegister)?

    /// Pond computes none of them: its non-linear functions are the polynomial approximations.
    static let pond = ProtocolLowering()

    /// SecureNN's algorithms: DReLU from ComputeMSB (relu, relu_deriv, comparisons), SelectShare (`where`),
    /// trees of maxima (argmax, max-pooling and its gradient), and long division by DReLU bits.
    static let secureNN = ProtocolLowering(
        relu: { lowerer, x, type in lowerer.relu(x, type) },
        reluDerivative: { lowerer, x in lowerer.reluDerivative(x) },
        comparison: { lowerer, op, a, b, shape in lowerer.comparePrivately(op, a, b, shape) },
        select: { lowerer, condition, lhs, rhs, type in lowerer.lowerWhere(condition, lhs, rhs, type) },
        argmax: { lowerer, source, axis, type in lowerer.lowerArgmax(source, axis: axis, type) },
        maxPool: { lowerer, input, size, stride, padding, type in
            lowerer.lowerMaxPool(input, size: size, stride: stride, padding: padding, type)
        },
        maxPoolGradient: { lowerer, input, gradient, size, stride, padding, type in
            lowerer.lowerMaxPoolGradient(input, gradient, size: size, stride: stride, padding: padding, type)
        },
        divisionByPrivate: { lowerer, numerator, divisor, type in lowerer.divide(numerator, by: divisor, type) })
}

extension ProtocolKind {
    /// How the protocol lowers what protocols differ in.
    var lowering: ProtocolLowering {
        switch self {
        case .pond: return .pond
        case .securenn: return .secureNN
        }
    }
}

extension Lowerer {
    /// Reports that the program's protocol cannot lower `operation`, naming the protocol that can: `what`
    /// is the start of the message (`'relu' on private values`).
    mutating func unavailable(_ operation: PrivateOperation, _ what: String, _ checkedOperation: Operation) {
        let capable = ProtocolKind.firstComputing(operation)?.definition.displayName ?? "another protocol"
        unsupported("\(what) (it needs \(capable))", checkedOperation)
    }
}
