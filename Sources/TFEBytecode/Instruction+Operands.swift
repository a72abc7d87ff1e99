import TFECore

/// An operand's value, as the generic encoder, decoder, verifier and printer see it.
public enum OperandValue: Hashable, Sendable {
    case register(Register)
    case registers([Register])
    case player(PlayerID)
    case string(String)
    case constant(Int)
    case integer(Int)
    case integers([Int])
    case selector(UInt8)
}

extension Opcode {
    /// The operand layout of each opcode: the single table everything else derives from.
    public var operands: [OperandKind] {
        switch self {
        case .invalid: return []
        case .const: return [.destination, .constant]
        case .add, .sub, .mul, .matmul: return [.destination, .source, .source]
        case .neg, .reshape, .trunc, .sharePublic, .open, .share: return [.destination, .source]
        case .conv2d: return [.destination, .source, .source, .integer, .selector]
        case .sum: return [.destination, .source, .integer]
        case .transpose: return [.destination, .source, .integers]
        case .poolsum, .unpool: return [.destination, .source, .integer, .integer, .selector]
        case .map: return [.destination, .source, .selector]
        case .compare: return [.destination, .source, .source, .selector]
        case .select: return [.destination, .source, .source, .source]
        case .reduce: return [.destination, .source, .selector, .integer]
        case .truncFinish: return [.destination, .source, .source, .source]
        case .divFinish: return [.destination, .source, .source, .source, .integer]
        case .div: return [.destination, .source, .integer]
        case .print: return [.player, .string, .sources]
        case .store: return [.string, .source, .source]
        case .load: return [.destination, .destination, .string]
        case .input: return [.destination, .player, .string]
        case .output: return [.player, .string, .source]
        case .reveal: return [.destination, .source, .player]
        case .triple: return [.destination, .destination, .destination, .selector, .integer, .selector]
        case .squarePair: return [.destination, .destination]
        case .truncPair: return [.destination, .destination, .destination]
        case .divPair: return [.destination, .destination, .destination, .integer]
        case .mask: return [.destination]
        case .product: return [.destination, .source, .source, .selector, .integer, .selector]
        case .msbPair: return [.destination, .destination, .destination]
        case .shareConvertMask: return [.destination, .destination, .destination, .source]
        case .shareConvertBits: return [.destination, .destination, .source]
        case .privateCompare: return [.destination, .source, .source, .source, .selector]
        case .shareConvertFinish: return [.destination, .source, .source, .source]
        case .msbOpen: return [.destination, .destination, .source, .source]
        case .msbFinish: return [.destination, .destination, .source, .source, .source, .source]
        }
    }
}

/// `axis` operands: nil (all axes) is encoded as -1.
private func encodeAxis(_ axis: Int?) -> OperandValue { .integer(axis ?? -1) }
private func paddingCode(_ padding: Padding) -> UInt8 { padding == .same ? 1 : 0 }

extension Instruction {
    /// The operand values in `opcode.operands` order.
    public var operands: [OperandValue] {
        var values: [OperandValue] = []
        values.reserveCapacity(6)
        forEachOperand { values.append($0) }
        return values
    }

    /// Calls `body` with each operand value in `opcode.operands` order. `operands` is built from it; the
    /// compiler's hot loops (round batching, the verifier, the encoder) call it directly, because an array
    /// per instruction costs more than everything else they do on programs of millions of instructions.
    public func forEachOperand(_ body: (OperandValue) -> Void) {
        func r(_ register: Register) { body(.register(register)) }
        func s(_ register: PrivateRegister) { body(.register(.private(register))) }
        func p(_ register: PublicRegister) { body(.register(.public(register))) }
        /// A triple kind as three operands: the kind, then a convolution's stride and padding (zero otherwise).
        func tripleKind(_ kind: TripleKind) {
            switch kind {
            case .mul: body(.selector(0)); body(.integer(0)); body(.selector(0))
            case .matmul: body(.selector(1)); body(.integer(0)); body(.selector(0))
            case .conv2d(let stride, let padding):
                body(.selector(2)); body(.integer(stride)); body(.selector(paddingCode(padding)))
            }
        }
        switch self {
        case .const(let dst, let constant): r(dst); body(.constant(constant))
        case .add(let dst, let lhs, let rhs), .sub(let dst, let lhs, let rhs), .mul(let dst, let lhs, let rhs),
            .matmul(let dst, let lhs, let rhs):
            r(dst); r(lhs); r(rhs)
        case .neg(let dst, let src), .reshape(let dst, let src): r(dst); r(src)
        case .conv2d(let dst, let input, let kernel, let stride, let padding):
            r(dst); r(input); r(kernel); body(.integer(stride)); body(.selector(paddingCode(padding)))
        case .sum(let dst, let src, let axis): r(dst); r(src); body(encodeAxis(axis))
        case .transpose(let dst, let src, let permutation): r(dst); r(src); body(.integers(permutation))
        case .poolsum(let dst, let src, let size, let stride, let padding),
            .unpool(let dst, let src, let size, let stride, let padding):
            r(dst); r(src); body(.integer(size)); body(.integer(stride)); body(.selector(paddingCode(padding)))
        case .trunc(let dst, let src): p(dst); p(src)
        case .map(let dst, let src, let function): r(dst); r(src); body(.selector(function.rawValue))
        case .compare(let dst, let lhs, let rhs, let comparison):
            r(dst); r(lhs); r(rhs); body(.selector(comparison.rawValue))
        case .select(let dst, let condition, let lhs, let rhs): r(dst); r(condition); r(lhs); r(rhs)
        case .reduce(let dst, let src, let reduction, let axis):
            r(dst); r(src); body(.selector(reduction.rawValue)); body(encodeAxis(axis))
        case .sharePublic(let dst, let src): s(dst); p(src)
        case .truncFinish(let dst, let masked, let high, let msb): s(dst); p(masked); s(high); s(msb)
        case .divFinish(let dst, let masked, let quotient, let wrap, let divisor):
            s(dst); p(masked); s(quotient); s(wrap); body(.integer(divisor))
        case .div(let dst, let src, let divisor): p(dst); p(src); body(.integer(divisor))
        case .print(let player, let format, let values):
            body(.player(player)); body(.string(format)); body(.registers(values))
        case .store(let name, let mask, let opened): body(.string(name)); s(mask); p(opened)
        case .load(let mask, let opened, let name): s(mask); p(opened); body(.string(name))
        case .input(let dst, let player, let name): r(dst); body(.player(player)); body(.string(name))
        case .output(let player, let name, let src): body(.player(player)); body(.string(name)); r(src)
        case .open(let dst, let src): p(dst); s(src)
        case .reveal(let dst, let src, let player): r(.local(dst)); s(src); body(.player(player))
        case .share(let dst, let src): s(dst); r(.local(src))
        case .triple(let a, let b, let c, let kind): s(a); s(b); s(c); tripleKind(kind)
        case .mask(let a): s(a)
        case .product(let c, let a, let b, let kind): s(c); s(a); s(b); tripleKind(kind)
        case .squarePair(let a, let square): s(a); s(square)
        case .truncPair(let r, let high, let msb): s(r); s(high); s(msb)
        case .divPair(let r, let quotient, let wrap, let divisor): s(r); s(quotient); s(wrap); body(.integer(divisor))
        case .msbPair(let r, let bits, let lsb): s(r); s(bits); s(lsb)
        case .shareConvertMask(let dst, let mask, let flip, let src): s(dst); p(mask); p(flip); s(src)
        case .shareConvertBits(let bits, let dst, let src): s(bits); s(dst); s(src)
        case .privateCompare(let dst, let bits, let threshold, let flip, let comparison):
            s(dst); s(bits); p(threshold); p(flip); body(.selector(comparison.rawValue))
        case .shareConvertFinish(let dst, let partial, let compared, let flip):
            s(dst); s(partial); s(compared); p(flip)
        case .msbOpen(let dst, let flip, let src, let r): p(dst); p(flip); s(src); s(r)
        case .msbFinish(let gamma, let delta, let compared, let masked, let flip, let lsb):
            s(gamma); s(delta); s(compared); p(masked); p(flip); s(lsb)
        }
    }

    /// Calls `body` with each register operand and whether the instruction writes it (a `destination`) or
    /// reads it (a `source` or one of `sources`), in operand order.
    ///
    /// This repeats the register part of `forEachOperand` as a switch of its own: round batching and the
    /// verifier ask every instruction for its registers several times, and going through `OperandValue`
    /// (an enum that can hold strings and arrays) cost more than the rest of those passes. A test checks it
    /// against `operands` for every opcode, so the two cannot drift apart.
    public func forEachRegister(_ body: (_ isDestination: Bool, _ register: Register) -> Void) {
        func w(_ register: Register) { body(true, register) }
        func r(_ register: Register) { body(false, register) }
        switch self {
        case .const(let dst, _): w(dst)
        case .add(let dst, let lhs, let rhs), .sub(let dst, let lhs, let rhs), .mul(let dst, let lhs, let rhs),
            .matmul(let dst, let lhs, let rhs), .conv2d(let dst, let lhs, let rhs, _, _),
            .compare(let dst, let lhs, let rhs, _):
            w(dst); r(lhs); r(rhs)
        case .neg(let dst, let src), .reshape(let dst, let src), .sum(let dst, let src, _),
            .transpose(let dst, let src, _), .poolsum(let dst, let src, _, _, _), .unpool(let dst, let src, _, _, _),
            .map(let dst, let src, _), .reduce(let dst, let src, _, _):
            w(dst); r(src)
        case .trunc(let dst, let src): w(.public(dst)); r(.public(src))
        case .select(let dst, let condition, let lhs, let rhs): w(dst); r(condition); r(lhs); r(rhs)
        case .sharePublic(let dst, let src): w(.private(dst)); r(.public(src))
        case .truncFinish(let dst, let masked, let high, let msb),
            .divFinish(let dst, let masked, let high, let msb, _):
            w(.private(dst)); r(.public(masked)); r(.private(high)); r(.private(msb))
        case .div(let dst, let src, _): w(.public(dst)); r(.public(src))
        case .print(_, _, let values): for value in values { r(value) }
        case .store(_, let mask, let opened): r(.private(mask)); r(.public(opened))
        case .load(let mask, let opened, _): w(.private(mask)); w(.public(opened))
        case .input(let dst, _, _): w(dst)
        case .output(_, _, let src): r(src)
        case .open(let dst, let src): w(.public(dst)); r(.private(src))
        case .reveal(let dst, let src, _): w(.local(dst)); r(.private(src))
        case .share(let dst, let src): w(.private(dst)); r(.local(src))
        case .triple(let a, let b, let c, _): w(.private(a)); w(.private(b)); w(.private(c))
        case .mask(let a): w(.private(a))
        case .product(let c, let a, let b, _): w(.private(c)); r(.private(a)); r(.private(b))
        case .squarePair(let a, let square): w(.private(a)); w(.private(square))
        case .truncPair(let r, let high, let msb), .msbPair(let r, let high, let msb),
            .divPair(let r, let high, let msb, _):
            w(.private(r)); w(.private(high)); w(.private(msb))
        case .shareConvertMask(let dst, let mask, let flip, let src):
            w(.private(dst)); w(.public(mask)); w(.public(flip)); r(.private(src))
        case .shareConvertBits(let bits, let dst, let src): w(.private(bits)); w(.private(dst)); r(.private(src))
        case .privateCompare(let dst, let bits, let threshold, let flip, _):
            w(.private(dst)); r(.private(bits)); r(.public(threshold)); r(.public(flip))
        case .shareConvertFinish(let dst, let partial, let compared, let flip):
            w(.private(dst)); r(.private(partial)); r(.private(compared)); r(.public(flip))
        case .msbOpen(let dst, let flip, let src, let mask):
            w(.public(dst)); w(.public(flip)); r(.private(src)); r(.private(mask))
        case .msbFinish(let gamma, let delta, let compared, let masked, let flip, let lsb):
            w(.private(gamma)); w(.private(delta))
            r(.private(compared)); r(.public(masked)); r(.public(flip)); r(.private(lsb))
        }
    }

    /// Calls `body` with each register written, in operand order (`destinations` without the array).
    public func forEachDestination(_ body: (Register) -> Void) {
        forEachRegister { isDestination, register in if isDestination { body(register) } }
    }

    /// Calls `body` with each register read, in operand order (`sources` without the array).
    public func forEachSource(_ body: (Register) -> Void) {
        forEachRegister { isDestination, register in if !isDestination { body(register) } }
    }

    /// Rebuilds an instruction from its operands; nil when they do not fit the opcode (wrong operand
    /// kinds, register kinds, or selector values). The decoder reports nil as a malformed instruction.
    public init?(opcode: Opcode, operands values: [OperandValue]) {
        guard values.count == opcode.operands.count else { return nil }
        func r(_ i: Int) -> Register? {
            if case .register(let register) = values[i] { return register }
            return nil
        }
        func s(_ i: Int) -> PrivateRegister? {
            if case .register(.private(let register)) = values[i] { return register }
            return nil
        }
        func p(_ i: Int) -> PublicRegister? {
            if case .register(.public(let register)) = values[i] { return register }
            return nil
        }
        func l(_ i: Int) -> LocalRegister? {
            if case .register(.local(let register)) = values[i] { return register }
            return nil
        }
        func int(_ i: Int) -> Int? {
            if case .integer(let value) = values[i] { return value }
            return nil
        }
        func axis(_ i: Int) -> Int?? {
            guard let value = int(i) else { return nil }
            return .some(value == -1 ? nil : value)
        }
        func selector(_ i: Int) -> UInt8? {
            if case .selector(let value) = values[i] { return value }
            return nil
        }
        func padding(_ i: Int) -> Padding? {
            switch selector(i) {
            case 0: return .valid
            case 1: return .same
            default: return nil
            }
        }
        func player(_ i: Int) -> PlayerID? {
            if case .player(let value) = values[i] { return value }
            return nil
        }
        func string(_ i: Int) -> String? {
            if case .string(let value) = values[i] { return value }
            return nil
        }
        /// A triple kind from three operands; element-wise and matrix kinds leave the window slots zero.
        func tripleKind(_ i: Int) -> TripleKind? {
            guard let code = selector(i), let stride = int(i + 1) else { return nil }
            switch code {
            case 0 where stride == 0 && selector(i + 2) == 0: return .mul
            case 1 where stride == 0 && selector(i + 2) == 0: return .matmul
            case 2: return padding(i + 2).map { .conv2d(stride: stride, padding: $0) }
            default: return nil
            }
        }
        var result: Instruction?
        switch opcode {
        case .invalid: return nil
        case .const:
            if let dst = r(0), case .constant(let index) = values[1] { result = .const(dst: dst, constant: index) }
        case .add, .sub, .mul, .matmul:
            guard let dst = r(0), let lhs = r(1), let rhs = r(2) else { return nil }
            switch opcode {
            case .add: result = .add(dst: dst, lhs: lhs, rhs: rhs)
            case .sub: result = .sub(dst: dst, lhs: lhs, rhs: rhs)
            case .mul: result = .mul(dst: dst, lhs: lhs, rhs: rhs)
            default: result = .matmul(dst: dst, lhs: lhs, rhs: rhs)
            }
        case .neg:
            if let dst = r(0), let src = r(1) { result = .neg(dst: dst, src: src) }
        case .reshape:
            if let dst = r(0), let src = r(1) { result = .reshape(dst: dst, src: src) }
        case .conv2d:
            if let dst = r(0), let input = r(1), let kernel = r(2), let stride = int(3), let pad = padding(4) {
                result = .conv2d(dst: dst, input: input, kernel: kernel, stride: stride, padding: pad)
            }
        case .sum:
            if let dst = r(0), let src = r(1), let axis = axis(2) { result = .sum(dst: dst, src: src, axis: axis) }
        case .transpose:
            if let dst = r(0), let src = r(1), case .integers(let permutation) = values[2] {
                result = .transpose(dst: dst, src: src, permutation: permutation)
            }
        case .poolsum:
            if let dst = r(0), let src = r(1), let size = int(2), let stride = int(3), let pad = padding(4) {
                result = .poolsum(dst: dst, src: src, size: size, stride: stride, padding: pad)
            }
        case .unpool:
            if let dst = r(0), let src = r(1), let size = int(2), let stride = int(3), let pad = padding(4) {
                result = .unpool(dst: dst, src: src, size: size, stride: stride, padding: pad)
            }
        case .trunc:
            if let dst = p(0), let src = p(1) { result = .trunc(dst: dst, src: src) }
        case .map:
            if let dst = r(0), let src = r(1), let code = selector(2), let function = MapFunction(rawValue: code) {
                result = .map(dst: dst, src: src, function: function)
            }
        case .compare:
            if let dst = r(0), let lhs = r(1), let rhs = r(2), let code = selector(3),
                let comparison = Comparison(rawValue: code)
            {
                result = .compare(dst: dst, lhs: lhs, rhs: rhs, comparison: comparison)
            }
        case .select:
            if let dst = r(0), let c = r(1), let lhs = r(2), let rhs = r(3) {
                result = .select(dst: dst, condition: c, lhs: lhs, rhs: rhs)
            }
        case .reduce:
            if let dst = r(0), let src = r(1), let code = selector(2), let reduction = Reduction(rawValue: code),
                let axis = axis(3)
            {
                result = .reduce(dst: dst, src: src, reduction: reduction, axis: axis)
            }
        case .sharePublic:
            if let dst = s(0), let src = p(1) { result = .sharePublic(dst: dst, src: src) }
        case .truncFinish:
            if let dst = s(0), let masked = p(1), let high = s(2), let msb = s(3) {
                result = .truncFinish(dst: dst, masked: masked, high: high, msb: msb)
            }
        case .divFinish:
            if let dst = s(0), let masked = p(1), let quotient = s(2), let wrap = s(3), let divisor = int(4) {
                result = .divFinish(dst: dst, masked: masked, quotient: quotient, wrap: wrap, divisor: divisor)
            }
        case .div:
            if let dst = p(0), let src = p(1), let divisor = int(2) {
                result = .div(dst: dst, src: src, divisor: divisor)
            }
        case .print:
            if let who = player(0), let format = string(1), case .registers(let registers) = values[2] {
                result = .print(player: who, format: format, values: registers)
            }
        case .input:
            if let dst = r(0), let who = player(1), let name = string(2) { result = .input(dst: dst, player: who, name: name) }
        case .output:
            if let who = player(0), let name = string(1), let src = r(2) { result = .output(player: who, name: name, src: src) }
        case .open:
            if let dst = p(0), let src = s(1) { result = .open(dst: dst, src: src) }
        case .reveal:
            if let dst = l(0), let src = s(1), let who = player(2) { result = .reveal(dst: dst, src: src, player: who) }
        case .share:
            if let dst = s(0), let src = l(1) { result = .share(dst: dst, src: src) }
        case .triple:
            if let a = s(0), let b = s(1), let c = s(2), let kind = tripleKind(3) {
                result = .triple(a: a, b: b, c: c, kind: kind)
            }
        case .mask:
            if let a = s(0) { result = .mask(a) }
        case .store:
            if let name = string(0), let mask = s(1), let opened = p(2) {
                result = .store(name: name, mask: mask, opened: opened)
            }
        case .load:
            if let mask = s(0), let opened = p(1), let name = string(2) {
                result = .load(mask: mask, opened: opened, name: name)
            }
        case .product:
            if let c = s(0), let a = s(1), let b = s(2), let kind = tripleKind(3) {
                result = .product(c: c, a: a, b: b, kind: kind)
            }
        case .squarePair:
            if let a = s(0), let square = s(1) { result = .squarePair(a: a, square: square) }
        case .truncPair:
            if let r = s(0), let high = s(1), let msb = s(2) { result = .truncPair(r: r, high: high, msb: msb) }
        case .divPair:
            if let r = s(0), let quotient = s(1), let wrap = s(2), let divisor = int(3) {
                result = .divPair(r: r, quotient: quotient, wrap: wrap, divisor: divisor)
            }
        case .msbPair:
            if let r = s(0), let bits = s(1), let lsb = s(2) { result = .msbPair(r: r, bits: bits, lsb: lsb) }
        case .shareConvertMask:
            if let dst = s(0), let mask = p(1), let flip = p(2), let src = s(3) {
                result = .shareConvertMask(dst: dst, mask: mask, flip: flip, src: src)
            }
        case .shareConvertBits:
            if let bits = s(0), let dst = s(1), let src = s(2) {
                result = .shareConvertBits(bits: bits, dst: dst, src: src)
            }
        case .privateCompare:
            if let dst = s(0), let bits = s(1), let threshold = p(2), let flip = p(3), let code = selector(4),
                let comparison = PrivateComparison(rawValue: code)
            {
                result = .privateCompare(
                    dst: dst, bits: bits, threshold: threshold, flip: flip, comparison: comparison)
            }
        case .shareConvertFinish:
            if let dst = s(0), let partial = s(1), let compared = s(2), let flip = p(3) {
                result = .shareConvertFinish(dst: dst, partial: partial, compared: compared, flip: flip)
            }
        case .msbOpen:
            if let dst = p(0), let flip = p(1), let src = s(2), let r = s(3) {
                result = .msbOpen(dst: dst, flip: flip, src: src, r: r)
            }
        case .msbFinish:
            if let gamma = s(0), let delta = s(1), let compared = s(2), let masked = p(3), let flip = p(4),
                let lsb = s(5)
            {
                result = .msbFinish(
                    gamma: gamma, delta: delta, compared: compared, masked: masked, flip: flip, lsb: lsb)
            }
        }
        guard let result else { return nil }
        self = result
    }
}
