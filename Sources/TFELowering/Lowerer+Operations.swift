import TFEBytecode
import TFECore
import TFEFrontend

extension Lowerer {
    /// Lowers one checked operation and records the register holding its value.
    mutating func lower(_ operation: Operation, as value: ValueID) {
        guard let type = operation.type else {
            lowerEffect(operation)
            return
        }
        let result: Register?
        switch operation.kind {
        case .constant:
            result = nil  // materialized where it is used
        case .input(let kind, let player, let name):
            let register = makeRegister(type.element, type.shape, type.placement)
            let disclosure: IODeclaration.Disclosure = kind == .private ? .private : kind == .public ? .public : .local
            program.inputs.append(IODeclaration(player: player, name: name, element: type.element, shape: type.shape,
                                                disclosure: disclosure))
            let instruction = lowering.sharing.input(register, player, name)
            if instruction.communicates { emitRound([instruction]) } else { emit(instruction) }
            result = register
        case .load(let name):
            result = .private(lowering.sharing.load(&self, name, type))
        case .share(let source):
            let register = operand(source, for: .private)
            let destination = makePrivate(type.element, type.shape)
            switch register {
            case .local(let local): emitRound([lowering.sharing.share(destination, local)])
            case .public(let value): emit(.sharePublic(dst: destination, src: value))
            case .private: fatalError("internal error in pass 'lower': share of a private value")
            }
            result = .private(destination)
        case .reveal(let source, let player):
            guard case .private(let shares) = operand(source, for: .private) else { fatalError("unreachable") }
            if let player {
                let destination = makeRegister(type.element, type.shape, .local(player))
                guard case .local(let local) = destination else { fatalError("unreachable") }
                emitRound([.reveal(dst: local, src: shares, player: player)])
                result = destination
            } else {
                let destination = makePublic(type.element, type.shape)
                emitRound([lowering.sharing.open(destination, shares)])
                result = .public(destination)
            }
        case .negate(let source):
            let register = operand(source, for: type.placement)
            result = makeRegister(element(of: register), type.shape, type.placement)
            emit(.neg(dst: result!, src: register))
        case .binary(let op, let lhs, let rhs):
            result = lowerBinary(op, lhs, rhs, type, operation)
        case .elementwise(let function, let source):
            // A ReLU whose only reader is a pool runs after it (`lowerMaxPool`).
            result = reluAfterPool.contains(value) ? nil : lowerElementwise(function, source, type, operation)
        case .sum(let source, let axis):
            let register = operand(source, for: type.placement)
            result = makeRegister(element(of: register), type.shape, type.placement)
            emit(.sum(dst: result!, src: register, axis: axis))
        case .mean(let source, let axis):
            let register = operand(source, for: type.placement)
            let summed = makeRegister(element(of: register), type.shape, type.placement)
            emit(.sum(dst: summed, src: register, axis: axis))
            let count = (self.shape(of: register).elementCount ?? 1) / max(1, type.shape.elementCount ?? 1)
            result = average(summed, counts: [max(1, count)], countShape: .scalar, type)
        case .softmax(let source, let axis):
            result = lowerPlaintext(source, type, operation, "'softmax'") { dst, src in
                .reduce(dst: dst, src: src, reduction: .softmax, axis: axis)
            }
        case .argmax(let source, let axis):
            if type.placement == .private {
                guard let argmax = lowering.argmax else {
                    unavailable(.argmax, "'argmax' on private values", operation)
                    result = nil
                    break
                }
                result = argmax(&self, source, axis, type)
                break
            }
            result = lowerPlaintext(source, type, operation, "'argmax' on private values (SecureNN)") { dst, src in
                .reduce(dst: dst, src: src, reduction: .argmax, axis: axis)
            }
        case .transpose(let source, let permutation):
            let register = operand(source, for: type.placement)
            result = makeRegister(element(of: register), type.shape, type.placement)
            emit(.transpose(dst: result!, src: register, permutation: permutation))
        case .reshape(let source):
            let register = operand(source, for: type.placement)
            result = makeRegister(element(of: register), type.shape, type.placement)
            emit(.reshape(dst: result!, src: register))
        case .concat(let values, let axis):
            result = lowerConcat(values, axis: axis, type)
        case .slice(let source, let begin, let step, let counts):
            let register = operand(source, for: type.placement)
            let sliced = makeRegister(type.element, Shape(counts), type.placement)
            emit(.slice(dst: sliced, src: register, begin: begin, step: step))
            if Shape(counts) != type.shape {  // integer indices drop their axes: the same elements in order
                let dropped = makeRegister(type.element, type.shape, type.placement)
                emit(.reshape(dst: dropped, src: sliced))
                result = dropped
            } else {
                result = sliced
            }
        case .pad(let source, let before):
            let register = operand(source, for: type.placement)
            result = makeRegister(type.element, type.shape, type.placement)
            emit(.pad(dst: result!, src: register, before: before))
        case .conv2d(let input, let kernel, let stride, let padding):
            let x = operand(input, for: type.placement), k = operand(kernel, for: type.placement)
            result = product(.conv2d(stride: stride, padding: padding), x, k, type)
        case .avgpool2d(let input, let size, let stride, let padding):
            result = lowerAveragePool(input, size: size, stride: stride, padding: padding, type)
        case .maxpool2d(let input, let size, let stride, let padding):
            if type.placement == .private {
                guard let maxPool = lowering.maxPool else {
                    unavailable(.maxPool, "'maxpool2d' on private values", operation)
                    result = nil
                    break
                }
                result = maxPool(&self, input, size, stride, padding, type)
                break
            }
            result = lowerMaxPool(input, size: size, stride: stride, padding: padding, type)
        case .maxpool2dGrad(let input, let gradient, let size, let stride, let padding):
            if type.placement == .private {
                guard let maxPoolGradient = lowering.maxPoolGradient else {
                    unavailable(.maxPoolGradient, "'maxpool2d_grad' on private values", operation)
                    result = nil
                    break
                }
                result = maxPoolGradient(&self, input, gradient, size, stride, padding, type)
                break
            }
            result = lowerMaxPoolGradient(input, gradient, size: size, stride: stride, padding: padding, type)
        case .where(let condition, let lhs, let rhs):
            if type.placement == .private {
                guard let select = lowering.select else {
                    unavailable(.select, "'where' on private values", operation)
                    result = nil
                    break
                }
                result = select(&self, condition, lhs, rhs, type)
                break
            }
            result = lowerWhere(condition, lhs, rhs, type)
        case .output, .store, .print:
            result = nil
        }
        registers[value.rawValue] = result
    }

    private mutating func lowerEffect(_ operation: Operation) {
        switch operation.kind {
        case .output(let player, let name, let value):
            guard let type = checked[value].type else { return }
            let register = operand(value, for: type.placement == .constant ? .public : type.placement)
            let disclosure: IODeclaration.Disclosure
            switch register {
            case .private: disclosure = .private
            case .public: disclosure = .public
            case .local: disclosure = .local
            }
            program.outputs.append(IODeclaration(player: player, name: name, element: element(of: register),
                                                 shape: self.shape(of: register), disclosure: disclosure))
            let instruction = Instruction.output(player: player, name: name, src: register)
            if instruction.communicates { emitRound([instruction]) } else { emit(instruction) }
        case .store(let name, let value):
            guard case .private(let x) = operand(value, for: .private) else {
                fatalError("internal error in pass 'lower': store of a value that is not private")
            }
            lowering.sharing.store(&self, name, x)
        case .print(let items):
            var format = ""
            var values: [Register] = []
            var owner: PlayerID?
            for item in items {
                if !format.isEmpty { format += " " }
                switch item {
                case .text(let text): format += text
                case .value(let value):
                    format += "{}"
                    guard let type = checked[value].type else { continue }
                    let register = operand(value, for: type.placement == .constant ? .public : type.placement)
                    values.append(register)
                    if case .local(let player) = placement(of: register) { owner = player }
                }
            }
            if let owner, values.contains(where: { placement(of: $0) != .local(owner) }) {
                unsupported("'print' of values held by different parties in one call", operation)
                return
            }
            emit(.print(player: owner ?? .server0, format: format, values: values))
        default:
            break
        }
    }

    /// `concat`: public values joining a private result are shared first (server0 takes the value, server1
    /// zero, no communication), so every source has the destination's kind.
    private mutating func lowerConcat(_ values: [ValueID], axis: Int, _ type: ValueType) -> Register {
        var sources: [Register] = []
        for value in values {
            let register = operand(value, for: type.placement)
            if type.placement == .private, case .public(let plain) = register {
                let shared = makePrivate(element(of: register), self.shape(of: register))
                emit(.sharePublic(dst: shared, src: plain))
                sources.append(.private(shared))
            } else {
                sources.append(register)
            }
        }
        let result = makeRegister(type.element, type.shape, type.placement)
        emit(.concat(dst: result, sources: sources, axis: axis))
        return result
    }

    // MARK: - Arithmetic

    private mutating func lowerBinary(_ op: BinaryOperator, _ lhs: ValueID, _ rhs: ValueID, _ type: ValueType,
                                      _ operation: Operation) -> Register? {
        if op == .divide, case .constant(let number) = checked[rhs].kind {
            return divide(operand(lhs, for: type.placement), byConstant: number, type)  // the divisor is never loaded
        }
        var a = operand(lhs, for: type.placement), b = operand(rhs, for: type.placement)
        switch op {
        case .add, .subtract:
            if type.element == .fixed {
                a = scaledToFixed(a)
                b = scaledToFixed(b)
            }
            let result = makeRegister(type.element, type.shape, type.placement)
            emit(op == .add ? .add(dst: result, lhs: a, rhs: b) : .sub(dst: result, lhs: a, rhs: b))
            return result
        case .multiply:
            if lhs == rhs, case .private(let x) = a { return .private(square(x, type)) }
            return product(.mul, a, b, type)
        case .matmul:
            return product(.matmul, a, b, type)
        case .divide:
            if case .private(let divisorShares) = b {
                guard let divide = lowering.divisionByPrivate else {
                    unavailable(.divisionByPrivate, "division by a private value", operation)
                    return nil
                }
                return .private(divide(&self, scaledToFixed(a), divisorShares, type))
            }
            // A divisor known only at run time: the product with its reciprocal, rounded to fixed point.
            let divisor = makeRegister(.fixed, self.shape(of: b), placement(of: b))
            emit(.map(dst: divisor, src: b, function: .reciprocal))
            return product(.mul, a, divisor, type)
        case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual:
            let comparison: Comparison = [.less: .less, .lessEqual: .lessEqual, .greater: .greater,
                                          .greaterEqual: .greaterEqual, .equal: .equal, .notEqual: .notEqual][op]!
            if element(of: a) != element(of: b) {
                a = scaledToFixed(a)
                b = scaledToFixed(b)
            }
            if type.placement == .private {
                guard let compare = lowering.comparison else {
                    unavailable(.comparison, "comparison '\(op.rawValue)' on private values", operation)
                    return nil
                }
                return .private(compare(&self, op, a, b, type.shape))
            }
            let result = makeRegister(.int, type.shape, type.placement)
            emit(.compare(dst: result, lhs: a, rhs: b, comparison: comparison))
            return result
        }
    }

    /// An int ring value rescaled to fixed point (`x * 2^frac`), so it can meet fixed values.
    mutating func scaledToFixed(_ register: Register) -> Register {
        guard element(of: register) == .int else { return register }
        if case .local = register { return register }  // local values are plain float64
        if isZero(register) { return constant(0, .fixed, for: placement(of: register)) }
        let factor = constant(Double(1 << frac), .int, for: placement(of: register))
        let result = makeRegister(.fixed, self.shape(of: register), placement(of: register))
        emit(.mul(dst: result, lhs: register, rhs: factor))
        return result
    }

    enum ProductKind {
        case mul, matmul
        case conv2d(stride: Int, padding: Padding)

        /// The same product as a triple's or `rproduct`'s kind operand.
        var tripleKind: TripleKind {
            switch self {
            case .mul: return .mul
            case .matmul: return .matmul
            case .conv2d(let stride, let padding): return .conv2d(stride: stride, padding: padding)
            }
        }
    }

    /// `a ∘ b` for any placements: Beaver's protocol when both are private, a local product otherwise;
    /// then a truncation when both factors are fixed-point ring values.
    mutating func product(_ kind: ProductKind, _ a: Register, _ b: Register, _ type: ValueType) -> Register {
        let needsTruncation = element(of: a) == .fixed && element(of: b) == .fixed
        if case .private(let x) = a, case .private(let y) = b {
            let raw = lowering.sharing.product(&self, kind, x, y, type)
            return .private(needsTruncation ? truncate(raw) : raw)
        }
        let raw = makeRegister(type.element, type.shape, type.placement)
        emit(localProduct(kind, raw, a, b))
        guard needsTruncation else { return raw }
        switch raw {
        case .private(let shares): return .private(truncate(shares))
        case .public(let value):
            let result = makePublic(type.element, type.shape)
            emit(.trunc(dst: result, src: value))
            return .public(result)
        case .local: return raw
        }
    }

    private func localProduct(_ kind: ProductKind, _ dst: Register, _ a: Register, _ b: Register) -> Instruction {
        switch kind {
        case .mul: return .mul(dst: dst, lhs: a, rhs: b)
        case .matmul: return .matmul(dst: dst, lhs: a, rhs: b)
        case .conv2d(let stride, let padding): return .conv2d(dst: dst, input: a, kernel: b, stride: stride, padding: padding)
        }
    }

    /// The masked form of private values: a mask `a` from server2 and the opened `d = x − a`. A value is
    /// masked and opened once, however many products it takes part in (TF Encrypted's masked tensors);
    /// values not yet masked are opened together, in one round.
    mutating func masked(_ values: [PrivateRegister]) -> [(mask: PrivateRegister, opened: PublicRegister)] {
        var opens: [Instruction] = []
        for x in values where maskedForms[x] == nil { opens.append(startMasking(x)) }
        if !opens.isEmpty { emitRound(opens) }
        return values.map { (maskedForms[$0]!.mask, maskedForms[$0]!.opened) }
    }

    /// The masked form of one or two private values, as `masked([x, y])` makes it (`masked([x])` when they are
    /// the same), without the arrays: the per-product path of an unrolled program.
    mutating func masked(_ x: PrivateRegister, _ y: PrivateRegister) -> (x: MaskedForm, y: MaskedForm) {
        let openX = maskedForms[x] == nil ? startMasking(x) : nil
        let openY = x != y && maskedForms[y] == nil ? startMasking(y) : nil
        if let openX { emit(openX) }
        if let openY { emit(openY) }
        if openX != nil || openY != nil { closeRound() }
        return (maskedForms[x]!, maskedForms[y]!)
    }

    /// Starts masking `x`: its mask dealt in a preprocessing round, `d = x − a` emitted and the masked form
    /// recorded. Returns the `open` of `d`, which the caller emits in the round that opens the values masked
    /// with it.
    private mutating func startMasking(_ x: PrivateRegister) -> Instruction {
        let info = info(.private(x))
        let a = makePrivate(info.element, info.shape)
        emitPreprocessing(.mask(a))
        let d = makePrivate(info.element, info.shape)
        emit(.sub(dst: .private(d), lhs: .private(x), rhs: .private(a)))
        let opened = makePublic(info.element, info.shape)
        maskedForms[x] = MaskedForm(mask: a, opened: opened)
        return .open(dst: opened, src: d)
    }

    /// A stored value comes back in its masked form: its mask and opened difference from the state files
    /// (`load`, with the preprocessing, since server2 deals products with the mask), the value as their sum.
    /// Its products open nothing of it.
    mutating func lowerLoad(_ name: String, _ type: ValueType) -> PrivateRegister {
        let mask = makePrivate(type.element, type.shape)
        let opened = makePublic(type.element, type.shape)
        emitPreprocessing(.load(mask: mask, opened: opened, name: name))
        let value = makePrivate(type.element, type.shape)
        emit(.add(dst: .private(value), lhs: .public(opened), rhs: .private(mask)))
        maskedForms[value] = MaskedForm(mask: mask, opened: opened)
        return value
    }

    /// Beaver's protocol over masked forms: with `c = a_x ∘ a_y` from server2 and the opened `d_x`, `d_y`,
    /// `x ∘ y = c + d_x ∘ y + a_x ∘ d_y` (as `d_x ∘ a_y + d_x ∘ d_y = d_x ∘ y`): each server computes two
    /// products on its shares, and neither adds a public term.
    mutating func beaver(_ kind: ProductKind, _ x: PrivateRegister, _ y: PrivateRegister, _ type: ValueType)
        -> PrivateRegister
    {
        let forms = masked(x, y)
        let (ax, dx) = (forms.x.mask, forms.x.opened), (ay, dy) = (forms.y.mask, forms.y.opened)
        let c = makePrivate(type.element, type.shape)
        emitPreprocessing(.product(c: c, a: ax, b: ay, kind: kind.tripleKind))
        let dY = makeRegister(type.element, type.shape, .private)
        emit(localProduct(kind, dY, .public(dx), .private(y)))
        let aE = makeRegister(type.element, type.shape, .private)
        emit(localProduct(kind, aE, .private(ax), .public(dy)))
        let partial = makeRegister(type.element, type.shape, .private)
        emit(.add(dst: partial, lhs: .private(c), rhs: dY))
        let z = makePrivate(type.element, type.shape)
        emit(.add(dst: .private(z), lhs: partial, rhs: aE))
        return z
    }

    /// `x * x`: the same Beaver product with both operands one masked value, truncated when fixed.
    mutating func square(_ x: PrivateRegister, _ type: ValueType) -> PrivateRegister {
        let info = info(.private(x))
        let raw = lowering.sharing.product(&self, .mul, x, x, ValueType(info.element, info.shape, .private))
        return info.element == .fixed ? truncate(raw) : raw
    }

    /// Removes `frac` fractional bits from a private product (DESIGN.md section 3): server2 deals shares of
    /// a random r, of r >> frac and of msb(r); the servers open c = x + 2^62 + r and finish locally.
    /// Exact up to one unit in the last place whenever |x| < 2^62; it never fails catastrophically.
    mutating func truncate(_ x: PrivateRegister) -> PrivateRegister {
        let shape = self.shape(of: .private(x))
        let r = makePrivate(.int, shape), high = makePrivate(.int, shape), msb = makePrivate(.int, shape)
        emitPreprocessing(.truncPair(r: r, high: high, msb: msb))
        let opened = openShifted(x, by: 1 << 62, maskedWith: r)
        let result = makePrivate(.fixed, shape)
        emitStep(lowering.sharing.truncFinish(result, opened, high, msb))
        return result
    }

    /// Opens `x + offset + r` for a sharing `r` server2 dealt: what truncation and exact division finish from.
    /// The offset makes the sum positive for every x in range, so that only r can make it wrap.
    mutating func openShifted(_ x: PrivateRegister, by offset: Int, maskedWith r: PrivateRegister) -> PublicRegister {
        let shape = self.shape(of: .private(x))
        let constantOffset: Register
        if offset == 1 << 62 {  // every truncation's: looked up once, not hashed per product
            if truncationOffset == nil { truncationOffset = constant(Double(offset), .int, for: .public) }
            constantOffset = truncationOffset!
        } else {
            constantOffset = constant(Double(offset), .int, for: .public)
        }
        let shifted = makePrivate(.int, shape)
        emit(.add(dst: .private(shifted), lhs: .private(x), rhs: constantOffset))
        return lowering.sharing.openMasked(&self, shifted, r)
    }

    /// Emits a step that may communicate (in a round of its own) or not.
    mutating func emitStep(_ instruction: Instruction) {
        emit(instruction)
        if instruction.communicates { closeRound() }
    }
}
