import TFEBytecode
import TFECore
import TFEFrontend

// Division by divisors known at compile time: `/` by a constant, `mean`, `avgpool2d` (see `ConstantDivision`).

extension Lowerer {
    /// `x / c` for a constant c: exact division where `ConstantDivision` has a plan and x is private or public,
    /// else the product with 1/c rounded to fixed point (local values are float64 and divide as they are).
    mutating func divide(_ x: Register, byConstant c: Double, _ type: ValueType) -> Register {
        if let plan = ConstantDivision.dividing(by: c, fractionalBits: frac),
            let quotient = quotient(x, plan, multiplierShape: .scalar, type)
        {
            return quotient
        }
        return product(.mul, x, constant(1 / c, .fixed, for: type.placement), type)
    }

    /// Averages: `sums` divided element-wise by `counts` (one, or one per element of `countShape`, which
    /// broadcasts to the sums), exactly where `ConstantDivision` has a plan, else by a product with 1/count.
    mutating func average(_ sums: Register, counts: [Int], countShape: Shape, _ type: ValueType) -> Register {
        if let plan = ConstantDivision.averaging(counts: counts, fractionalBits: frac),
            let quotient = quotient(sums, plan, multiplierShape: countShape, type)
        {
            return quotient
        }
        let reciprocals = counts.map { 1 / Double($0) }
        let divisor: Register
        if Set(reciprocals).count == 1 {
            divisor = constant(reciprocals[0], .fixed, for: type.placement)
        } else {
            divisor = constantTensor(reciprocals, .fixed, countShape, for: type.placement)
        }
        return product(.mul, sums, divisor, type)
    }

    /// `x · m / D` for a private or public x (nil for a local one): the product with the integer multipliers
    /// (none when they are all 1), then `divpair`/`divfinish` or `div` (none when D is 1). An `int` x is
    /// `x · 2^frac` in fixed point: that factor joins the multipliers, and common factors of the multipliers
    /// and D cancel (an `int` value over 4 is one local product by 2^14).
    private mutating func quotient(_ x: Register, _ plan: ConstantDivision, multiplierShape: Shape,
                                   _ type: ValueType) -> Register? {
        if case .local = x { return nil }
        var multipliers = plan.multipliers, divisor = plan.divisor
        if element(of: x) == .int { multipliers = multipliers.map { $0 << frac } }
        let common = multipliers.reduce(divisor) { ConstantDivision.greatestCommonDivisor($0, $1) }
        multipliers = multipliers.map { $0 / common }
        divisor /= common
        var scaled = x
        if multipliers.allSatisfy({ $0 == -1 }) {
            scaled = makeRegister(.fixed, type.shape, type.placement)
            emit(.neg(dst: scaled, src: x))
        } else if !multipliers.allSatisfy({ $0 == 1 }) || element(of: x) == .int {  // an int x becomes fixed
            let factor: Register
            if Set(multipliers).count == 1 {
                factor = constant(Double(multipliers[0]), .int, for: .public)
            } else {
                factor = constantTensor(multipliers.map(Double.init), .int, multiplierShape)
            }
            scaled = makeRegister(.fixed, type.shape, type.placement)
            emit(.mul(dst: scaled, lhs: x, rhs: factor))
        }
        guard divisor > 1 else { return scaled }
        switch scaled {
        case .private(let shares):
            return .private(divideExactly(shares, by: divisor))
        case .public(let value):
            let result = makePublic(.fixed, type.shape)
            emit(.div(dst: result, src: value, divisor: divisor))
            return .public(result)
        case .local:
            fatalError("internal error in pass 'lower': exact division of a local value")
        }
    }

    /// ⌊x/D⌋ or ⌊x/D⌋ + 1 for a sharing x with −2^61 < x < 2^62: the truncation protocol with D for 2^frac.
    /// server2 deals r, ⌊r/D⌋ and the wrap correction; the servers open `x + offset(D) + r` and finish locally.
    mutating func divideExactly(_ x: PrivateRegister, by divisor: Int) -> PrivateRegister {
        let shape = self.shape(of: .private(x))
        let r = makePrivate(.int, shape), quotient = makePrivate(.int, shape), wrap = makePrivate(.int, shape)
        emitPreprocessing(.divPair(r: r, quotient: quotient, wrap: wrap, divisor: divisor))
        let opened = openShifted(x, by: Int(ExactDivision.offset(divisor: divisor)), maskedWith: r)
        let result = makePrivate(.fixed, shape)
        emitStep(lowering.sharing.divFinish(result, opened, quotient, wrap, divisor))
        return result
    }
}
