import TFEBytecode
import TFECore
import TFEFrontend

extension Lowerer {
    // MARK: - Element-wise functions

    mutating func lowerElementwise(_ function: ElementwiseFunction, _ source: ValueID, _ type: ValueType,
                                   _ operation: Operation) -> Register? {
        let register = operand(source, for: type.placement)
        if case .private(let x) = register {
            switch function {
            case .square: return .private(square(x, type))
            case .sigmoid: return .private(sigmoid(scaledToFixed(.private(x))))
            case .reluApprox: return .private(reluApprox(scaledToFixed(.private(x))))
            case .relu:
                guard let relu = lowering.relu else {
                    unavailable(.relu, "'relu' on private values", operation)
                    return nil
                }
                return .private(relu(&self, x, type))
            case .reluDeriv:
                guard let reluDerivative = lowering.reluDerivative else {
                    unavailable(.reluDerivative, "'relu_deriv' on private values", operation)
                    return nil
                }
                return .private(reluDerivative(&self, x))
            case .exp, .log, .reciprocal:
                return nil  // the checker rejects these on private values (and never makes a reciprocal)
            }
        }
        if function == .square { return product(.mul, register, register, type) }
        if function == .reluDeriv {
            let result = makeRegister(.int, type.shape, type.placement)
            let zero = constant(0, element(of: register), for: type.placement)
            emit(.compare(dst: result, lhs: register, rhs: zero, comparison: .greaterEqual))
            return result
        }
        let result = makeRegister(type.element, type.shape, type.placement)
        emit(.map(dst: result, src: register, function: function))
        return result
    }

    /// A reduction that only plaintext values support.
    mutating func lowerPlaintext(_ source: ValueID, _ type: ValueType, _ operation: Operation, _ what: String,
                                 _ make: (Register, Register) -> Instruction) -> Register? {
        let register = operand(source, for: type.placement)
        if case .private = register {
            unsupported(what, operation)
            return nil
        }
        let result = makeRegister(type.element, type.shape, type.placement)
        emit(make(result, register))
        return result
    }

    /// Average pooling: window sums, then a division by the cells in each window (`average`), which for SAME
    /// padding counts only cells inside the input, as TensorFlow does.
    mutating func lowerAveragePool(_ input: ValueID, size: Int, stride: Int, padding: Padding, _ type: ValueType)
        -> Register
    {
        let x = operand(input, for: type.placement)
        let inputShape = self.shape(of: x).dimensions
        let sums = makeRegister(element(of: x), type.shape, type.placement)
        emit(.poolsum(dst: sums, src: x, size: size, stride: stride, padding: padding))
        let (height, width) = (type.shape.dimensions[1], type.shape.dimensions[2])
        func counts(_ input: Int, _ output: Int) -> [Int] {
            let total = padding == .same ? max(0, (output - 1) * stride + size - input) : 0
            let before = total / 2
            return (0..<output).map { index in
                let start = index * stride - before
                return min(input, start + size) - max(0, start)
            }
        }
        let rows = counts(inputShape[1], height), columns = counts(inputShape[2], width)
        var cells: [Int] = []
        for row in rows { for column in columns { cells.append(row * column) } }
        if Set(cells).count == 1 { cells = [cells[0]] }
        return average(sums, counts: cells, countShape: Shape([1, height, width, 1]), type)
    }

    // MARK: - Polynomials on private values

    /// `u = x / 8`, the scaled variable both polynomials use (`--check-ranges` finds their input by this product).
    private mutating func eighth(_ x: Register) -> PrivateRegister {
        let shape = self.shape(of: x)
        let factor = constant(1 / Approximations.interval, .fixed, for: .private)
        guard case .private(let u) = product(.mul, x, factor, ValueType(.fixed, shape, .private)) else {
            fatalError("unreachable")
        }
        return u
    }

    /// `p * t + c` for private p and t.
    private mutating func hornerStep(_ p: PrivateRegister, _ t: PrivateRegister, _ c: Double) -> PrivateRegister {
        let shape = self.shape(of: .private(p))
        guard case .private(let product) = product(.mul, .private(p), .private(t), ValueType(.fixed, shape, .private))
        else { fatalError("unreachable") }
        let result = makePrivate(.fixed, shape)
        emit(.add(dst: .private(result), lhs: .private(product), rhs: constant(c, .fixed, for: .private)))
        return result
    }

    /// `c1 * t + c0` for private t and public constants.
    private mutating func linear(_ t: PrivateRegister, _ c1: Double, _ c0: Double) -> PrivateRegister {
        let shape = self.shape(of: .private(t))
        guard case .private(let scaled) = product(.mul, .private(t), constant(c1, .fixed, for: .private),
                                                  ValueType(.fixed, shape, .private)) else { fatalError("unreachable") }
        let result = makePrivate(.fixed, shape)
        emit(.add(dst: .private(result), lhs: .private(scaled), rhs: constant(c0, .fixed, for: .private)))
        return result
    }

    /// The sigmoid polynomial of `Approximations.sigmoidCoefficients` over t = u² = (x/8)², in Estrin's form
    /// `P(t) = (c0 + c1 t) + t² (c2 + c3 t) + t⁴ (c4 + c5 t)`: the linear parts, t² and t⁴ are computed side by
    /// side, so the polynomial costs three dependent products after t instead of Horner's five. All
    /// partial values stay below 40 in magnitude for |x| ≤ 8, so fixed point loses only a few units in the
    /// last place. The result is `0.5 + u P(t)`.
    mutating func sigmoid(_ x: Register) -> PrivateRegister {
        let shape = self.shape(of: x)
        let type = ValueType(.fixed, shape, .private)
        let c = Approximations.sigmoidCoefficients
        precondition(c.count == 6, "the Estrin scheme below is written for a degree-5 polynomial in t")
        let u = eighth(x)
        let t = square(u, type)
        let low = linear(t, c[1], c[0]), middle = linear(t, c[3], c[2]), high = linear(t, c[5], c[4])
        let t2 = square(t, type)
        let t4 = square(t2, type)
        let middleTerm = privateProduct(t2, middle, type), highTerm = privateProduct(t4, high, type)
        let partial = makePrivate(.fixed, shape), p = makePrivate(.fixed, shape)
        emit(.add(dst: .private(partial), lhs: .private(low), rhs: .private(middleTerm)))
        emit(.add(dst: .private(p), lhs: .private(partial), rhs: .private(highTerm)))
        let up = privateProduct(u, p, type)
        let result = makePrivate(.fixed, shape)
        emit(.add(dst: .private(result), lhs: .private(up), rhs: constant(0.5, .fixed, for: .private)))
        return result
    }

    /// A truncated product of two private fixed-point values.
    private mutating func privateProduct(_ a: PrivateRegister, _ b: PrivateRegister, _ type: ValueType)
        -> PrivateRegister
    {
        guard case .private(let result) = product(.mul, .private(a), .private(b), type) else { fatalError("unreachable") }
        return result
    }

    /// `relu_approx` of `Approximations.reluCoefficients`: x/2 + (a0 + a1 u² + a2 u⁴)/2.
    mutating func reluApprox(_ x: Register) -> PrivateRegister {
        let shape = self.shape(of: x)
        let a = Approximations.reluCoefficients
        let u = eighth(x)
        let t = square(u, ValueType(.fixed, shape, .private))
        let q = hornerStep(linear(t, a[2] / 2, a[1] / 2), t, a[0] / 2)  // degree 2 in t: Horner is as short
        guard case .private(let half) = product(.mul, x, constant(0.5, .fixed, for: .private),
                                                ValueType(.fixed, shape, .private)) else { fatalError("unreachable") }
        let result = makePrivate(.fixed, shape)
        emit(.add(dst: .private(result), lhs: .private(half), rhs: .private(q)))
        return result
    }
}
