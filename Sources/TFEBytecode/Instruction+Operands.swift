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

/// `axis` operands: nil (all axes) is encoded as -1.
private func encodeAxis(_ axis: Int?) -> OperandValue { .integer(axis ?? -1) }

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
            body(.selector(kind.code.rawValue))
            switch kind {
            case .mul, .matmul: body(.integer(0)); body(.selector(0))
            case .conv2d(let stride, let padding): body(.integer(stride)); body(.selector(padding.code))
            }
        }
        switch self {
        case .const(let dst, let constant): r(dst); body(.constant(constant))
        case .add(let dst, let lhs, let rhs), .sub(let dst, let lhs, let rhs), .mul(let dst, let lhs, let rhs),
            .matmul(let dst, let lhs, let rhs):
            r(dst); r(lhs); r(rhs)
        case .neg(let dst, let src), .reshape(let dst, let src): r(dst); r(src)
        case .conv2d(let dst, let input, let kernel, let stride, let padding):
            r(dst); r(input); r(kernel); body(.integer(stride)); body(.selector(padding.code))
        case .sum(let dst, let src, let axis): r(dst); r(src); body(encodeAxis(axis))
        case .transpose(let dst, let src, let permutation): r(dst); r(src); body(.integers(permutation))
        case .concat(let dst, let sources, let axis): r(dst); body(.registers(sources)); body(.integer(axis))
        case .slice(let dst, let src, let begin, let step):
            r(dst); r(src); body(.integers(begin)); body(.integers(step))
        case .pad(let dst, let src, let before): r(dst); r(src); body(.integers(before))
        case .poolsum(let dst, let src, let size, let stride, let padding),
            .unpool(let dst, let src, let size, let stride, let padding):
            r(dst); r(src); body(.integer(size)); body(.integer(stride)); body(.selector(padding.code))
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
        case .replicatedInput(let dst, let player, let name): r(dst); body(.player(player)); body(.string(name))
        case .replicatedShare(let dst, let src): s(dst); r(.local(src))
        case .replicatedOpen(let dst, let src): p(dst); s(src)
        case .replicatedProduct(let c, let a, let b, let kind): s(c); s(a); s(b); tripleKind(kind)
        case .replicatedMaskedOpen(let dst, let src, let mask): p(dst); s(src); s(mask)
        case .replicatedTruncFinish(let dst, let masked, let high, let msb): s(dst); p(masked); s(high); s(msb)
        case .replicatedDivFinish(let dst, let masked, let quotient, let wrap, let divisor):
            s(dst); p(masked); s(quotient); s(wrap); body(.integer(divisor))
        case .replicatedStore(let name, let src): body(.string(name)); s(src)
        case .replicatedLoad(let dst, let name): s(dst); body(.string(name))
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
            .slice(let dst, let src, _, _), .pad(let dst, let src, _),
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
        case .concat(let dst, let sources, _):
            w(dst)
            for source in sources { r(source) }
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
        case .replicatedInput(let dst, _, _): w(dst)
        case .replicatedShare(let dst, let src): w(.private(dst)); r(.local(src))
        case .replicatedOpen(let dst, let src): w(.public(dst)); r(.private(src))
        case .replicatedProduct(let c, let a, let b, _): w(.private(c)); r(.private(a)); r(.private(b))
        case .replicatedMaskedOpen(let dst, let src, let mask): w(.public(dst)); r(.private(src)); r(.private(mask))
        case .replicatedTruncFinish(let dst, let masked, let high, let msb),
            .replicatedDivFinish(let dst, let masked, let high, let msb, _):
            w(.private(dst)); r(.public(masked)); r(.private(high)); r(.private(msb))
        case .replicatedStore(_, let src): r(.private(src))
        case .replicatedLoad(let dst, _): w(.private(dst))
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

    /// Why operand values do not fit an opcode's slots in the table (their count, kinds, register kinds and
    /// selector codes), or nil when they do. The decoder reports it; `init(opcode:operands:)` refuses them.
    public static func mismatch(opcode: Opcode, operands values: [OperandValue]) -> String? {
        let slots = opcode.spec.operands
        if opcode == .invalid { return "'invalid' is no instruction" }
        guard values.count == slots.count else { return "it takes \(slots.count) operands, not \(values.count)" }
        for (position, (slot, value)) in zip(slots, values).enumerated() {
            let label = "operand \(position + 1) ('\(slot.name)')"
            switch (slot.kind, value) {
            case (.destination, .register(let register)), (.source, .register(let register)):
                if !slot.registers.accepts(register) { return "\(label) must be \(slot.registers.described)" }
            case (.selector, .selector(let code)):
                if let selector = slot.selector, Int(code) >= selector.names.count {
                    return "\(label) has no meaning \(code)"
                }
            case (.sources, .registers), (.player, .player), (.string, .string), (.constant, .constant),
                (.integer, .integer), (.integers, .integers):
                break
            case (.destination, _), (.source, _), (.sources, _), (.player, _), (.string, _), (.constant, _),
                (.integer, _), (.integers, _), (.selector, _):
                return "\(label) is not of kind '\(slot.kind)'"
            }
        }
        return nil
    }

    /// Rebuilds an instruction from its operands; nil when they do not fit the opcode's slots (`mismatch`), or
    /// a mul or matmul triple kind has a stride or padding (its canonical encoding has zeros there).
    public init?(opcode: Opcode, operands values: [OperandValue]) {
        guard Instruction.mismatch(opcode: opcode, operands: values) == nil else { return nil }
        // The values fit the slots: the accessors below cannot miss, and return placeholders rather than trap.
        let operands = CheckedOperands(values)
        let (r, s) = (operands.register, operands.privateRegister)
        let (p, l) = (operands.publicRegister, operands.localRegister)
        let (int, string, player) = (operands.integer, operands.string, operands.player)
        switch opcode {
        case .invalid: return nil
        case .const: self = .const(dst: r(0), constant: operands.constant(1))
        case .add: self = .add(dst: r(0), lhs: r(1), rhs: r(2))
        case .sub: self = .sub(dst: r(0), lhs: r(1), rhs: r(2))
        case .neg: self = .neg(dst: r(0), src: r(1))
        case .mul: self = .mul(dst: r(0), lhs: r(1), rhs: r(2))
        case .matmul: self = .matmul(dst: r(0), lhs: r(1), rhs: r(2))
        case .conv2d:
            self = .conv2d(dst: r(0), input: r(1), kernel: r(2), stride: int(3), padding: operands.padding(4))
        case .sum: self = .sum(dst: r(0), src: r(1), axis: operands.axis(2))
        case .transpose: self = .transpose(dst: r(0), src: r(1), permutation: operands.integers(2))
        case .reshape: self = .reshape(dst: r(0), src: r(1))
        case .concat: self = .concat(dst: r(0), sources: operands.registers(1), axis: int(2))
        case .slice: self = .slice(dst: r(0), src: r(1), begin: operands.integers(2), step: operands.integers(3))
        case .pad: self = .pad(dst: r(0), src: r(1), before: operands.integers(2))
        case .poolsum:
            self = .poolsum(dst: r(0), src: r(1), size: int(2), stride: int(3), padding: operands.padding(4))
        case .unpool:
            self = .unpool(dst: r(0), src: r(1), size: int(2), stride: int(3), padding: operands.padding(4))
        case .trunc: self = .trunc(dst: p(0), src: p(1))
        case .map: self = .map(dst: r(0), src: r(1), function: MapFunction(rawValue: operands.code(2)) ?? .sigmoid)
        case .compare:
            let comparison = Comparison(rawValue: operands.code(3)) ?? .less
            self = .compare(dst: r(0), lhs: r(1), rhs: r(2), comparison: comparison)
        case .select: self = .select(dst: r(0), condition: r(1), lhs: r(2), rhs: r(3))
        case .reduce:
            let reduction = Reduction(rawValue: operands.code(2)) ?? .argmax
            self = .reduce(dst: r(0), src: r(1), reduction: reduction, axis: operands.axis(3))
        case .sharePublic: self = .sharePublic(dst: s(0), src: p(1))
        case .truncFinish: self = .truncFinish(dst: s(0), masked: p(1), high: s(2), msb: s(3))
        case .print: self = .print(player: player(0), format: string(1), values: operands.registers(2))
        case .store: self = .store(name: string(0), mask: s(1), opened: p(2))
        case .divFinish: self = .divFinish(dst: s(0), masked: p(1), quotient: s(2), wrap: s(3), divisor: int(4))
        case .div: self = .div(dst: p(0), src: p(1), divisor: int(2))
        case .input: self = .input(dst: r(0), player: player(1), name: string(2))
        case .output: self = .output(player: player(0), name: string(1), src: r(2))
        case .open: self = .open(dst: p(0), src: s(1))
        case .reveal: self = .reveal(dst: l(0), src: s(1), player: player(2))
        case .share: self = .share(dst: s(0), src: l(1))
        case .triple:
            guard let kind = operands.tripleKind(3) else { return nil }
            self = .triple(a: s(0), b: s(1), c: s(2), kind: kind)
        case .squarePair: self = .squarePair(a: s(0), square: s(1))
        case .truncPair: self = .truncPair(r: s(0), high: s(1), msb: s(2))
        case .mask: self = .mask(s(0))
        case .product:
            guard let kind = operands.tripleKind(3) else { return nil }
            self = .product(c: s(0), a: s(1), b: s(2), kind: kind)
        case .load: self = .load(mask: s(0), opened: p(1), name: string(2))
        case .divPair: self = .divPair(r: s(0), quotient: s(1), wrap: s(2), divisor: int(3))
        case .msbPair: self = .msbPair(r: s(0), bits: s(1), lsb: s(2))
        case .shareConvertMask: self = .shareConvertMask(dst: s(0), mask: p(1), flip: p(2), src: s(3))
        case .shareConvertBits: self = .shareConvertBits(bits: s(0), dst: s(1), src: s(2))
        case .privateCompare:
            let comparison = PrivateComparison(rawValue: operands.code(4)) ?? .greater
            self = .privateCompare(dst: s(0), bits: s(1), threshold: p(2), flip: p(3), comparison: comparison)
        case .shareConvertFinish:
            self = .shareConvertFinish(dst: s(0), partial: s(1), compared: s(2), flip: p(3))
        case .msbOpen: self = .msbOpen(dst: p(0), flip: p(1), src: s(2), r: s(3))
        case .msbFinish:
            self = .msbFinish(gamma: s(0), delta: s(1), compared: s(2), masked: p(3), flip: p(4), lsb: s(5))
        case .replicatedInput: self = .replicatedInput(dst: r(0), player: player(1), name: string(2))
        case .replicatedShare: self = .replicatedShare(dst: s(0), src: l(1))
        case .replicatedOpen: self = .replicatedOpen(dst: p(0), src: s(1))
        case .replicatedProduct:
            guard let kind = operands.tripleKind(3) else { return nil }
            self = .replicatedProduct(c: s(0), a: s(1), b: s(2), kind: kind)
        case .replicatedMaskedOpen: self = .replicatedMaskedOpen(dst: p(0), src: s(1), r: s(2))
        case .replicatedTruncFinish: self = .replicatedTruncFinish(dst: s(0), masked: p(1), high: s(2), msb: s(3))
        case .replicatedDivFinish:
            self = .replicatedDivFinish(dst: s(0), masked: p(1), quotient: s(2), wrap: s(3), divisor: int(4))
        case .replicatedStore: self = .replicatedStore(name: string(0), src: s(1))
        case .replicatedLoad: self = .replicatedLoad(dst: s(0), name: string(1))
        }
    }
}

/// Operand values already checked against their opcode's slots (`Instruction.mismatch`), read by position.
/// A value of another kind cannot occur; the accessors return a placeholder for it rather than trap.
private struct CheckedOperands {
    let values: [OperandValue]

    init(_ values: [OperandValue]) { self.values = values }

    func register(_ i: Int) -> Register {
        if case .register(let register) = values[i] { return register }
        return .private(PrivateRegister(0))
    }

    func privateRegister(_ i: Int) -> PrivateRegister {
        if case .register(.private(let register)) = values[i] { return register }
        return PrivateRegister(0)
    }

    func publicRegister(_ i: Int) -> PublicRegister {
        if case .register(.public(let register)) = values[i] { return register }
        return PublicRegister(0)
    }

    func localRegister(_ i: Int) -> LocalRegister {
        if case .register(.local(let register)) = values[i] { return register }
        return LocalRegister(0)
    }

    func registers(_ i: Int) -> [Register] {
        if case .registers(let registers) = values[i] { return registers }
        return []
    }

    func integer(_ i: Int) -> Int {
        if case .integer(let value) = values[i] { return value }
        return 0
    }

    /// An `axis` operand: -1 (every axis) is nil.
    func axis(_ i: Int) -> Int? {
        let value = integer(i)
        return value == -1 ? nil : value
    }

    func integers(_ i: Int) -> [Int] {
        if case .integers(let list) = values[i] { return list }
        return []
    }

    func constant(_ i: Int) -> Int {
        if case .constant(let index) = values[i] { return index }
        return 0
    }

    func code(_ i: Int) -> UInt8 {
        if case .selector(let code) = values[i] { return code }
        return 0
    }

    func padding(_ i: Int) -> Padding { Padding(code: code(i)) ?? .valid }

    func player(_ i: Int) -> PlayerID {
        if case .player(let player) = values[i] { return player }
        return PlayerID(0)
    }

    func string(_ i: Int) -> String {
        if case .string(let text) = values[i] { return text }
        return ""
    }

    /// A triple kind from three operands; nil when a mul or matmul kind has a nonzero stride or padding.
    func tripleKind(_ i: Int) -> TripleKind? {
        switch TripleKind.Code(rawValue: code(i)) ?? .mul {
        case .mul: return integer(i + 1) == 0 && code(i + 2) == 0 ? .mul : nil
        case .matmul: return integer(i + 1) == 0 && code(i + 2) == 0 ? .matmul : nil
        case .conv2d: return .conv2d(stride: integer(i + 1), padding: padding(i + 2))
        }
    }
}
