import TFEBytecode
import TFECore
import TFEFrontend

/// SecureNN (Wagh, Gupta, Chandran, PETS 2019) under `protocol securenn`: exact ReLU, comparisons and
/// `where`, all built on one primitive, `isNegative(x)` = MSB(x) = (x < 0), which is the paper's DReLU
/// flipped: ShareConvert (Algorithm 4, four rounds) then ComputeMSB (Algorithm 5, four online rounds, its
/// randomness dealt offline), eight online rounds in all, as the paper's Table 2 gives for DReLU.
///
/// The paper's DReLU (Algorithm 6) converts c = 2a, which is never L − 1 but keeps the sign only for
/// |a| < 2^62. We convert c = 2^63 − 1 − a instead: it is L − 1 only for a = −2^63, and MSB(c) = (a < 0)
/// for every other a, so the primitive is exact on the whole ring but one value, at the same cost. That
/// makes comparisons of any two values whose difference fits in 64 bits (|a|, |b| < 2^62) exact.
extension Lowerer {
    /// Shares of MSB(x) = (x < 0) as a private 0/1 `int`: ShareConvert, ComputeMSB, and the Beaver product of
    /// ComputeMSB's last step.
    mutating func isNegative(_ x: PrivateRegister) -> PrivateRegister {
        let shape = info(.private(x)).shape
        let bitShape = Shape(shape.dimensions + [64])
        // c = 2^63 − 1 − x = (−1 − x) + 2^62 + 2^62, with constants a double holds exactly.
        let minusOne = constant(-1, .int, for: .public), quarter = constant(Double(1 << 62), .int, for: .public)
        let flipped = makePrivate(.int, shape), half = makePrivate(.int, shape), c = makePrivate(.int, shape)
        emit(.sub(dst: .private(flipped), lhs: minusOne, rhs: .private(x)))
        emit(.add(dst: .private(half), lhs: .private(flipped), rhs: quarter))
        emit(.add(dst: .private(c), lhs: .private(half), rhs: quarter))

        // ComputeMSB's randomness, dealt offline.
        let r = makePrivate(.int, shape), rBits = makePrivate(.int, bitShape), rLSB = makePrivate(.int, shape)
        emitPreprocessing(.msbPair(r: r, bits: rBits, lsb: rLSB))

        // ShareConvert: Z_L to Z_(L-1).
        let partial = makePrivate(.int, shape), mask = makePublic(.int, shape), eta = makePublic(.int, shape)
        emitRound([.shareConvertMask(dst: partial, mask: mask, flip: eta, src: c)])
        let xBits = makePrivate(.int, bitShape), partial2 = makePrivate(.int, shape)
        emitRound([.shareConvertBits(bits: xBits, dst: partial2, src: partial)])
        let compared = makePrivate(.int, shape)
        emitRound([
            .privateCompare(dst: compared, bits: xBits, threshold: mask, flip: eta, comparison: .greaterEqual)
        ])
        let converted = makePrivate(.int, shape)
        emitRound([.shareConvertFinish(dst: converted, partial: partial2, compared: compared, flip: eta)])

        // ComputeMSB of the converted value.
        let opened = makePublic(.int, shape), beta = makePublic(.int, shape)
        emitRound([.msbOpen(dst: opened, flip: beta, src: converted, r: r)])
        let compared2 = makePrivate(.int, shape)
        emitRound([.privateCompare(dst: compared2, bits: rBits, threshold: opened, flip: beta, comparison: .greater)])
        let gamma = makePrivate(.int, shape), delta = makePrivate(.int, shape)
        emitRound([
            .msbFinish(gamma: gamma, delta: delta, compared: compared2, masked: opened, flip: beta, lsb: rLSB)
        ])
        // α = γ ⊕ δ = γ + δ − 2γδ.
        guard case .private(let both) = product(.mul, .private(gamma), .private(delta), ValueType(.int, shape, .private))
        else { fatalError("unreachable") }
        let sum = makePrivate(.int, shape), twice = makePrivate(.int, shape), msb = makePrivate(.int, shape)
        emit(.add(dst: .private(sum), lhs: .private(gamma), rhs: .private(delta)))
        emit(.mul(dst: .private(twice), lhs: .private(both), rhs: constant(2, .int, for: .public)))
        emit(.sub(dst: .private(msb), lhs: .private(sum), rhs: .private(twice)))
        knownBits.insert(msb)
        return msb
    }

    /// `1 − b` for a private bit.
    private mutating func complement(_ bit: PrivateRegister) -> PrivateRegister {
        let result = makePrivate(.int, info(.private(bit)).shape)
        emit(.sub(dst: .private(result), lhs: constant(1, .int, for: .public), rhs: .private(bit)))
        knownBits.insert(result)
        return result
    }

    // MARK: - ReLU

    /// ReLU(x) = x · DReLU(x) = x − x · MSB(x) (Algorithm 7): a Beaver product with a 0/1 `int`, so it needs
    /// no truncation and is exact.
    mutating func relu(_ x: PrivateRegister, _ type: ValueType) -> PrivateRegister {
        let negative = isNegative(x)
        let element = info(.private(x)).element
        guard case .private(let negativePart) = product(
            .mul, .private(x), .private(negative), ValueType(element, type.shape, .private))
        else { fatalError("unreachable") }
        let result = makePrivate(element, type.shape)
        emit(.sub(dst: .private(result), lhs: .private(x), rhs: .private(negativePart)))
        return result
    }

    // MARK: - Comparisons

    /// A comparison with a private operand, as 0/1 `int` shares, from the sign of a difference:
    /// `a < b` is MSB(a − b); `a ≥ b` its complement; `>` and `≤` swap the operands; `a == b` is
    /// 1 − MSB(a − b) − MSB(b − a) (at most one is negative) and `!=` its complement.
    mutating func comparePrivately(_ op: BinaryOperator, _ a: Register, _ b: Register, _ shape: Shape)
        -> PrivateRegister
    {
        func difference(_ x: Register, _ y: Register) -> PrivateRegister {
            let result = makePrivate(info(x).element, shape)
            emit(.sub(dst: .private(result), lhs: x, rhs: y))
            return result
        }
        switch op {
        case .less: return isNegative(difference(a, b))
        case .greater: return isNegative(difference(b, a))
        case .greaterEqual: return complement(isNegative(difference(a, b)))
        case .lessEqual: return complement(isNegative(difference(b, a)))
        case .equal, .notEqual:
            let below = isNegative(difference(a, b)), above = isNegative(difference(b, a))
            let either = makePrivate(.int, shape)
            emit(.add(dst: .private(either), lhs: .private(below), rhs: .private(above)))
            knownBits.insert(either)
            return op == .notEqual ? either : complement(either)
        default:
            fatalError("internal error in pass 'lower': '\(op.rawValue)' is not a comparison")
        }
    }

    // MARK: - where

    /// `where(c, a, b)`: a plaintext `select` when nothing is private; otherwise SelectShare (Algorithm 2),
    /// `b + c · (a − b)` with c a 0/1 `int` (a private c that is not a comparison's result is first compared
    /// with zero, as NumPy takes any nonzero value as true). With a public c, or public a and b, the product
    /// is local; otherwise it is one Beaver product with no truncation.
    mutating func lowerWhere(_ condition: ValueID, _ lhs: ValueID, _ rhs: ValueID, _ type: ValueType) -> Register {
        var c = operand(condition, for: type.placement)
        var a = operand(lhs, for: type.placement), b = operand(rhs, for: type.placement)
        if type.element == .fixed {
            a = scaledToFixed(a)
            b = scaledToFixed(b)
        }
        guard type.placement == .private else {
            let result = makeRegister(type.element, type.shape, type.placement)
            emit(.select(dst: result, condition: c, lhs: a, rhs: b))
            return result
        }
        let shape = info(c).shape
        switch c {
        case .private(let register) where !knownBits.contains(register):
            c = .private(comparePrivately(.notEqual, c, constant(0, info(c).element, for: .public), shape))
        case .public:
            let bit = makeRegister(.int, shape, .public)
            emit(.compare(dst: bit, lhs: c, rhs: constant(0, info(c).element, for: .public), comparison: .notEqual))
            c = bit
        default:
            break
        }
        let differenceShape = Shape.broadcast(info(a).shape, info(b).shape) ?? type.shape
        let differencePlacement: Placement = a.isPrivate || b.isPrivate ? .private : .public
        let difference = makeRegister(type.element, differenceShape, differencePlacement)
        emit(.sub(dst: difference, lhs: a, rhs: b))
        let chosen = product(.mul, c, difference, ValueType(type.element, type.shape, .private))
        let result = makeRegister(type.element, type.shape, .private)
        emit(.add(dst: result, lhs: b, rhs: chosen))
        return result
    }
}
