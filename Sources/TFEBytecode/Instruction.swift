import TFECore

/// Tags for the register kinds.
public enum PrivateTag {}
public enum PublicTag {}
public enum LocalTag {}
/// A private register (`s3`): additive shares held by server0 and server1.
public typealias PrivateRegister = TypedIndex<PrivateTag>
/// A public register (`p1`): a ring value known to server0 and server1.
public typealias PublicRegister = TypedIndex<PublicTag>
/// A local register (`l0`): a float64 value held by one player.
public typealias LocalRegister = TypedIndex<LocalTag>

/// A register of any kind, for operations that accept several.
public enum Register: Hashable, Sendable, CustomStringConvertible {
    case `private`(PrivateRegister)
    case `public`(PublicRegister)
    case local(LocalRegister)

    public var description: String {
        switch self {
        case .private(let r): return "s\(r.rawValue)"
        case .public(let r): return "p\(r.rawValue)"
        case .local(let r): return "l\(r.rawValue)"
        }
    }

    public var isPrivate: Bool {
        if case .private = self { return true }
        return false
    }
}

/// The functions `map` applies to plaintext, element-wise: `TFECore.ElementwiseFunction`, whose raw value is
/// the operand's encoding.
public typealias MapFunction = ElementwiseFunction

/// Element-wise comparisons of plaintext values.
public enum Comparison: UInt8, CaseIterable, Sendable {
    case less = 0, lessEqual, greater, greaterEqual, equal, notEqual

    public var name: String { ["lt", "le", "gt", "ge", "eq", "ne"][Int(rawValue)] }
}

/// Reductions along an axis of plaintext values.
public enum Reduction: UInt8, CaseIterable, Sendable {
    case argmax = 0, softmax

    public var name: String { self == .argmax ? "argmax" : "softmax" }
}

/// What SecureNN's PrivateCompare decides about the shared x and the public t (before the mask bit β).
public enum PrivateComparison: UInt8, CaseIterable, Sendable {
    /// x > t, as the paper's Algorithm 3.
    case greater = 0
    /// x ≥ t, that is x > t − 1 (with the paper's corner case t = 0, where it always holds).
    case greaterEqual = 1

    public var name: String { self == .greater ? "gt" : "ge" }
}

/// What a Beaver triple multiplies.
public enum TripleKind: Hashable, Sendable {
    case mul
    case matmul
    case conv2d(stride: Int, padding: Padding)

    /// The kind's selector code, without the convolution's window.
    public enum Code: UInt8, CaseIterable, Sendable {
        case mul = 0, matmul, conv2d

        public var name: String {
            switch self {
            case .mul: return "mul"
            case .matmul: return "matmul"
            case .conv2d: return "conv2d"
            }
        }
    }

    public var code: Code {
        switch self {
        case .mul: return .mul
        case .matmul: return .matmul
        case .conv2d: return .conv2d
        }
    }
}

/// One machine instruction. The encoder, decoder, verifier, cost model and printer all go through
/// `operands` / `init(opcode:operands:)`, so they cannot disagree on an instruction's layout.
public enum Instruction: Hashable, Sendable {
    case const(dst: Register, constant: Int)
    case add(dst: Register, lhs: Register, rhs: Register)
    case sub(dst: Register, lhs: Register, rhs: Register)
    case neg(dst: Register, src: Register)
    case mul(dst: Register, lhs: Register, rhs: Register)
    case matmul(dst: Register, lhs: Register, rhs: Register)
    case conv2d(dst: Register, input: Register, kernel: Register, stride: Int, padding: Padding)
    /// `axis` nil sums every element.
    case sum(dst: Register, src: Register, axis: Int?)
    case transpose(dst: Register, src: Register, permutation: [Int])
    case reshape(dst: Register, src: Register)
    /// `sources` all have the destination's kind; `axis` is non-negative.
    case concat(dst: Register, sources: [Register], axis: Int)
    /// `dst[i] = src[begin + i * step]`; `dst` has the source's rank.
    case slice(dst: Register, src: Register, begin: [Int], step: [Int])
    /// `src` at offset `before` in zeros of `dst`'s shape.
    case pad(dst: Register, src: Register, before: [Int])
    case poolsum(dst: Register, src: Register, size: Int, stride: Int, padding: Padding)
    /// `dst` has the pool's input shape; `src` is `[size², n, oh, ow, c]`.
    case unpool(dst: Register, src: Register, size: Int, stride: Int, padding: Padding)
    case trunc(dst: PublicRegister, src: PublicRegister)
    case map(dst: Register, src: Register, function: MapFunction)
    case compare(dst: Register, lhs: Register, rhs: Register, comparison: Comparison)
    case select(dst: Register, condition: Register, lhs: Register, rhs: Register)
    /// `axis` nil reduces the flattened value (argmax only).
    case reduce(dst: Register, src: Register, reduction: Reduction, axis: Int?)
    case sharePublic(dst: PrivateRegister, src: PublicRegister)
    case truncFinish(dst: PrivateRegister, masked: PublicRegister, high: PrivateRegister, msb: PrivateRegister)
    /// `format` holds one `{}` per value.
    case print(player: PlayerID, format: String, values: [Register])
    /// `mask` and `opened` are the value's masked form.
    case store(name: String, mask: PrivateRegister, opened: PublicRegister)
    /// `quotient` and `wrap` come from the `divPair` of the same divisor.
    case divFinish(
        dst: PrivateRegister, masked: PublicRegister, quotient: PrivateRegister, wrap: PrivateRegister, divisor: Int)
    case div(dst: PublicRegister, src: PublicRegister, divisor: Int)
    case input(dst: Register, player: PlayerID, name: String)
    case output(player: PlayerID, name: String, src: Register)
    case open(dst: PublicRegister, src: PrivateRegister)
    case reveal(dst: LocalRegister, src: PrivateRegister, player: PlayerID)
    case share(dst: PrivateRegister, src: LocalRegister)
    case triple(a: PrivateRegister, b: PrivateRegister, c: PrivateRegister, kind: TripleKind)
    case squarePair(a: PrivateRegister, square: PrivateRegister)
    case truncPair(r: PrivateRegister, high: PrivateRegister, msb: PrivateRegister)
    case mask(PrivateRegister)
    case product(c: PrivateRegister, a: PrivateRegister, b: PrivateRegister, kind: TripleKind)
    case load(mask: PrivateRegister, opened: PublicRegister, name: String)
    case divPair(r: PrivateRegister, quotient: PrivateRegister, wrap: PrivateRegister, divisor: Int)
    case msbPair(r: PrivateRegister, bits: PrivateRegister, lsb: PrivateRegister)
    case shareConvertMask(dst: PrivateRegister, mask: PublicRegister, flip: PublicRegister, src: PrivateRegister)
    case shareConvertBits(bits: PrivateRegister, dst: PrivateRegister, src: PrivateRegister)
    case privateCompare(
        dst: PrivateRegister, bits: PrivateRegister, threshold: PublicRegister, flip: PublicRegister,
        comparison: PrivateComparison)
    case shareConvertFinish(
        dst: PrivateRegister, partial: PrivateRegister, compared: PrivateRegister, flip: PublicRegister)
    case msbOpen(dst: PublicRegister, flip: PublicRegister, src: PrivateRegister, r: PrivateRegister)
    case msbFinish(
        gamma: PrivateRegister, delta: PrivateRegister, compared: PrivateRegister, masked: PublicRegister,
        flip: PublicRegister, lsb: PrivateRegister)
    case replicatedInput(dst: Register, player: PlayerID, name: String)
    case replicatedShare(dst: PrivateRegister, src: LocalRegister)
    case replicatedOpen(dst: PublicRegister, src: PrivateRegister)
    case replicatedProduct(c: PrivateRegister, a: PrivateRegister, b: PrivateRegister, kind: TripleKind)
    case replicatedMaskedOpen(dst: PublicRegister, src: PrivateRegister, r: PrivateRegister)
    case replicatedTruncFinish(
        dst: PrivateRegister, masked: PublicRegister, high: PrivateRegister, msb: PrivateRegister)
    case replicatedDivFinish(
        dst: PrivateRegister, masked: PublicRegister, quotient: PrivateRegister, wrap: PrivateRegister, divisor: Int)
    case replicatedStore(name: String, src: PrivateRegister)
    case replicatedLoad(dst: PrivateRegister, name: String)

    /// The destination, player and name of an instruction that reads a player's input (`input`, `rinput`).
    public var inputOperands: (dst: Register, player: PlayerID, name: String)? {
        if case .input(let dst, let player, let name) = self { return (dst, player, name) }
        if case .replicatedInput(let dst, let player, let name) = self { return (dst, player, name) }
        return nil
    }

    public var opcode: Opcode {
        switch self {
        case .const: return .const
        case .add: return .add
        case .sub: return .sub
        case .neg: return .neg
        case .mul: return .mul
        case .matmul: return .matmul
        case .conv2d: return .conv2d
        case .sum: return .sum
        case .transpose: return .transpose
        case .reshape: return .reshape
        case .concat: return .concat
        case .slice: return .slice
        case .pad: return .pad
        case .poolsum: return .poolsum
        case .unpool: return .unpool
        case .trunc: return .trunc
        case .map: return .map
        case .compare: return .compare
        case .select: return .select
        case .reduce: return .reduce
        case .sharePublic: return .sharePublic
        case .truncFinish: return .truncFinish
        case .print: return .print
        case .store: return .store
        case .divFinish: return .divFinish
        case .div: return .div
        case .input: return .input
        case .output: return .output
        case .open: return .open
        case .reveal: return .reveal
        case .share: return .share
        case .triple: return .triple
        case .squarePair: return .squarePair
        case .truncPair: return .truncPair
        case .mask: return .mask
        case .product: return .product
        case .load: return .load
        case .divPair: return .divPair
        case .msbPair: return .msbPair
        case .shareConvertMask: return .shareConvertMask
        case .shareConvertBits: return .shareConvertBits
        case .privateCompare: return .privateCompare
        case .shareConvertFinish: return .shareConvertFinish
        case .msbOpen: return .msbOpen
        case .msbFinish: return .msbFinish
        case .replicatedInput: return .replicatedInput
        case .replicatedShare: return .replicatedShare
        case .replicatedOpen: return .replicatedOpen
        case .replicatedProduct: return .replicatedProduct
        case .replicatedMaskedOpen: return .replicatedMaskedOpen
        case .replicatedTruncFinish: return .replicatedTruncFinish
        case .replicatedDivFinish: return .replicatedDivFinish
        case .replicatedStore: return .replicatedStore
        case .replicatedLoad: return .replicatedLoad
        }
    }

    /// Whether executing it sends anything, by the opcode table's flows: an input or output of a local value
    /// does not.
    public var communicates: Bool {
        switch OpcodeTable.communication[Int(opcode.rawValue)] {
        case .never: return false
        case .always: return true
        case .byRegisterKinds:
            let values = operands
            return opcode.spec.flows.contains { $0.when.holds(for: values) }
        }
    }

    /// Registers written, in operand order.
    public var destinations: [Register] {
        var registers: [Register] = []
        forEachDestination { registers.append($0) }
        return registers
    }

    /// Registers read, in operand order.
    public var sources: [Register] {
        var registers: [Register] = []
        forEachSource { registers.append($0) }
        return registers
    }
}
