import TFEBytecode
import TFECore
import TFEFrontend

/// SecureNN (Wagh, Gupta, Chandran, PETS 2019) under `protocol securenn`: exact ReLU, comparisons and
/// `where`, all built on one primitive, `isNegative(x)` = MSB(x) = (x < 0), which is the paper's DReLU
/// flipped. Under `protocol aby3` the same algorithms run on ABY3's MSB (`Lowerer+ABY3.swift`); SecureNN's
/// (`computeMSB`) is ShareConvert (Algorithm 4, four rounds) then ComputeMSB (Algorithm 5, four online rounds,
/// its randomness dealt offline), eight online rounds in all, as the paper's Table 2 gives for DReLU.
///
/// The paper's DReLU (Algorithm 6) converts c = 2a, which is never L − 1 but keeps the sign only for
/// |a| < 2^62. We convert c = 2^63 − 1 − a instead: it is L − 1 only for a = −2^63, and MSB(c) = (a < 0)
/// for every other a, so the primitive is exact on the whole ring but one value, at the same cost. That
/// makes comparisons of any two values whose difference fits in 64 bits (|a|, |b| < 2^62) exact.
extension Lowerer {
    /// Shares of MSB(x) = (x < 0) as a private 0/1 `int`, once per register: the protocol's primitive
    /// (`ProtocolLowering.isNegative`).
    mutating func isNegative(_ x: PrivateRegister) -> PrivateRegister {
        if let known = signs[x] { return known }
        guard let sign = lowering.isNegative else {
            fatalError("internal error in pass 'lower': the protocol has no comparisons")
        }
        let msb = sign(&self, x)
        knownBits.insert(msb)
        signs[x] = msb
        return msb
    }

    /// SecureNN's MSB(x): ShareConvert, ComputeMSB, and the Beaver product of ComputeMSB's last step.
    mutating func computeMSB(_ x: PrivateRegister) -> PrivateRegister {
        let shape = self.shape(of: .private(x))
        let bitShape = Shape(shape.dimensions + [8])  // 64 bytes: shares over Z_p of the bits
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
        let productType = ValueType(.int, shape, .private)
        guard case .private(let both) = product(.mul, .private(gamma), .private(delta), productType) else {
            fatalError("unreachable")
        }
        let sum = makePrivate(.int, shape), twice = makePrivate(.int, shape), msb = makePrivate(.int, shape)
        emit(.add(dst: .private(sum), lhs: .private(gamma), rhs: .private(delta)))
        emit(.mul(dst: .private(twice), lhs: .private(both), rhs: constant(2, .int, for: .public)))
        emit(.sub(dst: .private(msb), lhs: .private(sum), rhs: .private(twice)))
        return msb
    }

    /// `1 − b` for a private bit.
    mutating func complement(_ bit: PrivateRegister) -> PrivateRegister {
        let result = makePrivate(.int, self.shape(of: .private(bit)))
        emit(.sub(dst: .private(result), lhs: constant(1, .int, for: .public), rhs: .private(bit)))
        knownBits.insert(result)
        return result
    }

    // MARK: - ReLU

    /// ReLU(x) = x · DReLU(x) (Algorithm 7): a Beaver product with a 0/1 `int`, so it needs no truncation and
    /// is exact. The bit is the one `relu_deriv(x)` gives, so a training step's backward product reuses its
    /// masked form. A protocol with a cheaper x · MSB(x) (`ProtocolLowering.timesSign`) computes
    /// x − x · MSB(x) instead.
    mutating func relu(_ x: PrivateRegister, _ type: ValueType) -> PrivateRegister {
        let element = element(of: .private(x))
        if let timesSign = lowering.timesSign {
            let part = timesSign(&self, .private(x), x, ValueType(element, self.shape(of: .private(x)), .private))
            let result = makePrivate(element, self.shape(of: .private(x)))
            emit(.sub(dst: .private(result), lhs: .private(x), rhs: part))
            return result
        }
        guard case .private(let result) = product(
            .mul, .private(x), .private(reluDerivative(x)), ValueType(element, type.shape, .private))
        else { fatalError("unreachable") }
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
            // x − 0 is x itself, so comparisons with zero share the DReLU of relu and relu_deriv.
            if case .private(let shares) = x, isZero(y), self.shape(of: x) == shape { return shares }
            let result = makePrivate(element(of: x), shape)
            emit(.sub(dst: .private(result), lhs: x, rhs: y))
            return result
        }
        switch op {
        case .less: return isNegative(difference(a, b))
        case .greater: return isNegative(difference(b, a))
        case .greaterEqual: return reluDerivative(difference(a, b))
        case .lessEqual: return reluDerivative(difference(b, a))
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
        let shape = self.shape(of: c)
        switch c {
        case .private(let register) where !knownBits.contains(register):
            c = .private(comparePrivately(.notEqual, c, constant(0, element(of: c), for: .public), shape))
        case .public:
            let bit = makeRegister(.int, shape, .public)
            emit(.compare(dst: bit, lhs: c, rhs: constant(0, element(of: c), for: .public), comparison: .notEqual))
            c = bit
        default:
            break
        }
        let differenceShape = Shape.broadcast(self.shape(of: a), self.shape(of: b)) ?? type.shape
        let differencePlacement: Placement = a.isPrivate || b.isPrivate ? .private : .public
        let difference = makeRegister(type.element, differenceShape, differencePlacement)
        emit(.sub(dst: difference, lhs: a, rhs: b))
        let chosen = product(.mul, c, difference, ValueType(type.element, type.shape, .private))
        let result = makeRegister(type.element, type.shape, .private)
        emit(.add(dst: result, lhs: b, rhs: chosen))
        return result
    }
}

// MARK: - Max-pooling and argmax

extension Lowerer {
    /// `maxpool2d`: the maximum of the window tree (`poolTree`), which a `maxpool2d_grad` of the same input
    /// shares. The pool of a `relu(y)` read by nothing else is `relu(maxpool2d(y))`: the same values (ReLU is
    /// monotone, and SAME padding's floor never wins a window), with the ReLU on the pooled elements only.
    mutating func lowerMaxPool(_ input: ValueID, size: Int, stride: Int, padding: Padding, _ type: ValueType)
        -> Register
    {
        guard reluAfterPool.contains(input), case .elementwise(.relu, let source) = checked[input].kind else {
            return poolTree(PoolKey(input: input, size: size, stride: stride, padding: padding),
                            placement: type.placement).value
        }
        let key = PoolKey(input: source, size: size, stride: stride, padding: padding)
        guard case .private(let pooled) = poolTree(key, placement: type.placement).value else {
            fatalError("internal error in pass 'lower': the pool of a private value is not private")
        }
        return .private(relu(pooled, type))
    }

    /// `argmax(x, axis)` of a private value: the slices along the axis (products with one-hot public vectors,
    /// local) reduced in a tree of maxima that carries each maximum's index; ties keep the earlier index, as
    /// NumPy does.
    mutating func lowerArgmax(_ source: ValueID, axis: Int?, _ type: ValueType) -> Register {
        var x = operand(source, for: type.placement)
        let element = element(of: x)
        var dims = self.shape(of: x).dimensions
        let along: Int
        if let axis {
            along = axis
        } else {
            // No axis: the flattened value.
            let flat = makeRegister(element, Shape([dims.reduce(1, *)]), type.placement)
            emit(.reshape(dst: flat, src: x))
            (x, dims, along) = (flat, [dims.reduce(1, *)], 0)
        }
        let length = dims[along]
        let rows = dims.reduce(1, *) / max(1, length)
        var permutation = Array(0..<dims.count)
        permutation.remove(at: along)
        permutation.append(along)
        let moved = makeRegister(element, Shape(permutation.map { dims[$0] }), type.placement)
        emit(.transpose(dst: moved, src: x, permutation: permutation))
        let matrix = makeRegister(element, Shape([rows, length]), type.placement)
        emit(.reshape(dst: matrix, src: moved))
        var slices: [Register] = [], indices: [Register] = []
        for j in 0..<length {
            var oneHot = [Double](repeating: 0, count: length)
            oneHot[j] = 1
            let column = constantTensor(oneHot, .int, Shape([length, 1]), for: type.placement)
            let picked = product(.matmul, matrix, column, ValueType(element, Shape([rows, 1]), type.placement))
            let slice = makeRegister(element, type.shape, type.placement)
            emit(.reshape(dst: slice, src: picked))
            slices.append(slice)
            indices.append(constant(Double(j), .int, for: type.placement))
        }
        return maximum(slices, indices: indices, ValueType(element, type.shape, type.placement)).index!
    }

    /// The element-wise maximum of equally shaped values, pairwise in a tree (left operands hold the earlier
    /// values, and ties keep them), with the index of the value each maximum came from when `indices` is given.
    mutating func maximum(_ values: [Register], indices: [Register]?, _ type: ValueType)
        -> (value: Register, index: Register?)
    {
        var level = values.map { ($0, Optional<Register>.none) }
        if let indices { level = zip(values, indices).map { ($0, Optional($1)) } }
        while level.count > 1 {
            var next: [(Register, Register?)] = []
            for pair in stride(from: 0, to: level.count - 1, by: 2) {
                next.append(larger(level[pair], level[pair + 1], type))
            }
            if level.count % 2 == 1 { next.append(level[level.count - 1]) }
            level = next
        }
        return (level[0].0, level[0].1)
    }

    /// The larger of two values (the first on ties) and its index: with a private operand, [a ≥ b] from DReLU
    /// and SelectShare `b + [a ≥ b]·(a − b)` for the value and the index (their products share a round).
    /// An index may be a scalar (argmax) or a one-hot vector along a leading axis (a pool's positions), which
    /// the bit broadcasts over.
    private mutating func larger(_ a: (Register, Register?), _ b: (Register, Register?), _ type: ValueType)
        -> (Register, Register?)
    {
        let shape = type.shape
        guard type.placement == .private else {
            let bit = makeRegister(.int, shape, type.placement)
            emit(.compare(dst: bit, lhs: a.0, rhs: b.0, comparison: .greaterEqual))
            let value = makeRegister(type.element, shape, type.placement)
            emit(.select(dst: value, condition: bit, lhs: a.0, rhs: b.0))
            guard let ia = a.1, let ib = b.1 else { return (value, nil) }
            let indices = Shape.broadcast(self.shape(of: ia), self.shape(of: ib)) ?? shape
            let indexShape = Shape.broadcast(shape, indices) ?? shape
            let index = makeRegister(.int, indexShape, type.placement)
            emit(.select(dst: index, condition: bit, lhs: ia, rhs: ib))
            return (value, index)
        }
        let difference = makeRegister(type.element, shape, .private)
        emit(.sub(dst: difference, lhs: a.0, rhs: b.0))
        guard case .private(let d) = difference else { fatalError("unreachable") }
        if let timesSign = lowering.timesSign {
            return largerBySign(a, b, difference: d, timesSign, type)
        }
        let bit = reluDerivative(d)
        let chosen = product(.mul, .private(bit), difference, ValueType(type.element, shape, .private))
        let value = makeRegister(type.element, shape, .private)
        emit(.add(dst: value, lhs: b.0, rhs: chosen))
        guard let ia = a.1, let ib = b.1 else { return (value, nil) }
        let indexShape = Shape.broadcast(self.shape(of: ia), self.shape(of: ib)) ?? shape
        let indexDifference = makeRegister(.int, indexShape, ia.isPrivate || ib.isPrivate ? .private : .public)
        emit(.sub(dst: indexDifference, lhs: ia, rhs: ib))
        let resultShape = Shape.broadcast(shape, indexShape) ?? shape
        let chosenIndex = product(.mul, .private(bit), indexDifference, ValueType(.int, resultShape, .private))
        let index = makeRegister(.int, resultShape, .private)
        emit(.add(dst: index, lhs: ib, rhs: chosenIndex))
        return (value, index)
    }

    /// `larger` with the protocol's x · MSB(y) (`ProtocolLowering.timesSign`): with d = a − b, the value is
    /// a − d · MSB(d) and the index ia − (ia − ib) · MSB(d) (a tie keeps a, whose d is 0).
    private mutating func largerBySign(
        _ a: (Register, Register?), _ b: (Register, Register?), difference d: PrivateRegister,
        _ timesSign: @Sendable (inout Lowerer, Register, PrivateRegister, ValueType) -> Register, _ type: ValueType
    ) -> (Register, Register?) {
        let shape = type.shape
        let dropped = timesSign(&self, .private(d), d, ValueType(type.element, shape, .private))
        let value = makeRegister(type.element, shape, .private)
        emit(.sub(dst: value, lhs: a.0, rhs: dropped))
        guard let ia = a.1, let ib = b.1 else { return (value, nil) }
        let indexShape = Shape.broadcast(self.shape(of: ia), self.shape(of: ib)) ?? shape
        let indexDifference = makeRegister(.int, indexShape, ia.isPrivate || ib.isPrivate ? .private : .public)
        emit(.sub(dst: indexDifference, lhs: ia, rhs: ib))
        let resultShape = Shape.broadcast(shape, indexShape) ?? shape
        let droppedIndex = timesSign(&self, indexDifference, d, ValueType(.int, resultShape, .private))
        let index = makeRegister(.int, resultShape, .private)
        emit(.sub(dst: index, lhs: ia, rhs: droppedIndex))
        return (value, index)
    }
}
