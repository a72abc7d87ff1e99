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

/// One machine instruction: its opcode and its operands in the slot order of the opcode's table entry
/// (`Opcode.spec.operands`). Nothing here lists opcodes: building (`init(_:_:)`), reading (the typed accessors
/// by slot), visiting (`forEachOperand`, `forEachRegister`), encoding, decoding and printing all walk the table.
///
/// The layout is compact because passes copy millions of instructions: each slot is one 32-bit word (a register
/// as its kind and index, a player, a constant index, a selector code, an integer that fits 31 bits) and the
/// rare strings, lists and large integers live out of line in `extras`, which is empty (no allocation) for most.
public struct Instruction: Hashable, Sendable {
    /// Out-of-line operands, in slot order; a slot's word is its index here.
    @usableFromInline var extras: [OutOfLineOperand]
    /// One word per slot, in slot order; slots past the opcode's count are zero.
    @usableFromInline var words: SlotWords
    public let opcode: Opcode

    /// The most slots an opcode may have (`OpcodeTableTests` checks the table against it).
    public static let maxSlots = 6

    /// An operand too large or too irregular for a word.
    @usableFromInline enum OutOfLineOperand: Hashable, Sendable {
        case string(String)
        case integers([Int])
        case registers([Register])
        case integer(Int)
    }

    /// Builds an instruction from its operands in slot order: registers, players, `Int`s (integers and constant
    /// indices), `Int?` axes, strings, lists and the selector enums (`TripleKind` fills three slots). A value
    /// that does not fit its slot in the opcode's table entry stops the program with a message naming the opcode
    /// and the slot: that is a bug in the code that builds it, not a user's mistake.
    @inlinable
    public init<each Value: InstructionOperand>(_ opcode: Opcode, _ values: repeat each Value) {
        var builder = Builder(opcode)
        repeat (each values).write(to: &builder)
        self = builder.finish()
    }

    init(opcode: Opcode, words: SlotWords, extras: [OutOfLineOperand]) {
        self.opcode = opcode
        self.words = words
        self.extras = extras
    }

    public static func == (a: Instruction, b: Instruction) -> Bool {
        a.opcode == b.opcode && a.words == b.words && a.extras == b.extras
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(opcode)
        hasher.combine(words)
        hasher.combine(extras)
    }

    /// The destination, player and name of an instruction that reads a player's input (`input`, `rinput`):
    /// the opcodes whose slots are a destination, a player and a name.
    public var inputOperands: (dst: Register, player: PlayerID, name: String)? {
        guard opcode == .input || opcode == .replicatedInput else { return nil }
        return (register(0), player(1), string(2))
    }

    /// Whether executing it sends anything, by the opcode table's flows: an input or output of a local value
    /// does not.
    public var communicates: Bool {
        switch OpcodeTable.communication[Int(opcode.rawValue)] {
        case .never: return false
        case .always: return true
        case .byRegisterKinds:
            return opcode.spec.flows.contains { $0.when.holds(for: self) }
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

// MARK: - Words

extension Register {
    /// The register as one slot word: the kind in the top two bits, the index below.
    @usableFromInline var word: UInt32 {
        switch self {
        case .private(let r): return UInt32(truncatingIfNeeded: r.rawValue)
        case .public(let r): return 1 << 30 | UInt32(truncatingIfNeeded: r.rawValue)
        case .local(let r): return 2 << 30 | UInt32(truncatingIfNeeded: r.rawValue)
        }
    }

    /// The largest register index a slot word holds (a verified program has far fewer registers).
    public static let maxIndex = 1 << 30 - 1

    @usableFromInline init(word: UInt32) {
        let index = Int(word & 0x3FFF_FFFF)
        switch word >> 30 {
        case 0: self = .private(PrivateRegister(index))
        case 1: self = .public(PublicRegister(index))
        default: self = .local(LocalRegister(index))
        }
    }
}

extension Instruction {
    /// An integer slot's word: the value when it fits 31 bits, else the top bit and the index in `extras`.
    @usableFromInline static let largeIntegerFlag: UInt32 = 1 << 31
    @usableFromInline static let inlineIntegers = -(1 << 30)..<(1 << 30)

    // MARK: - Building

    /// Fills an instruction's slots one value at a time, each checked against the opcode's table entry.
    public struct Builder {
        @usableFromInline let opcode: Opcode
        /// The opcode's slots in the flat table (no spec or array is copied per instruction).
        @usableFromInline let slots: UnsafePointer<OpcodeTable.Slot>
        @usableFromInline let count: Int
        @usableFromInline var slot = 0
        @usableFromInline var words = SlotWords()
        @usableFromInline var extras: [OutOfLineOperand] = []

        @usableFromInline init(_ opcode: Opcode) {
            self.opcode = opcode
            self.slots = OpcodeTable.slots + Int(opcode.rawValue) * Instruction.maxSlots
            self.count = OpcodeTable.slotCounts[Int(opcode.rawValue)]
        }

        /// Takes the next slot, which must be of `kind` or `other`; `value` describes the value for the message.
        @usableFromInline mutating func next(
            _ kind: OperandKind, or other: OperandKind? = nil, value: @autoclosure () -> String
        ) -> Int {
            let index = slot
            guard index < count, slots[index].kind == kind || slots[index].kind == other else {
                misfit(index, value())
            }
            slot += 1
            return index
        }

        /// Stops on a value that does not fit the table: a bug in the code that builds the instruction.
        @usableFromInline func misfit(_ index: Int, _ value: String) -> Never {
            let slots = opcode.spec.operands
            let name = "instruction '\(opcode.mnemonic)'"
            guard index < slots.count else {
                preconditionFailure("\(name) takes \(slots.count) operands; \(value) is one too many")
            }
            let slot = slots[index]
            let holds = slot.kind == .destination || slot.kind == .source ? slot.registers.described : "'\(slot.kind)'"
            preconditionFailure("\(name) slot \(index) ('\(slot.name)') holds \(holds), not \(value)")
        }

        @usableFromInline mutating func outOfLine(_ operand: OutOfLineOperand) -> UInt32 {
            extras.append(operand)
            return UInt32(extras.count - 1)
        }

        @inlinable public mutating func register(_ register: Register) {
            let index = next(.destination, or: .source, value: "register \(register)")
            guard slots[index].registers.accepts(register), (0...Register.maxIndex).contains(register.index) else {
                misfit(index, "register \(register)")
            }
            words[index] = register.word
        }

        public mutating func registers(_ registers: [Register]) {
            let index = next(.sources, value: "a list of registers")
            words[index] = outOfLine(.registers(registers))
        }

        public mutating func player(_ player: PlayerID) {
            let index = next(.player, value: "player \(player.rawValue)")
            precondition(player.rawValue >= 0 && player.rawValue <= Int(UInt32.max), "player index out of range")
            words[index] = UInt32(player.rawValue)
        }

        public mutating func string(_ text: String) {
            let index = next(.string, value: "a string")
            words[index] = outOfLine(.string(text))
        }

        /// An integer slot's value, or a constant slot's pool index.
        public mutating func integer(_ value: Int) {
            let index = next(.integer, or: .constant, value: "integer \(value)")
            if slots[index].kind == .constant {
                precondition(value >= 0 && value <= Int(UInt32.max), "constant index \(value) out of range")
                words[index] = UInt32(value)
            } else if Instruction.inlineIntegers.contains(value) {
                words[index] = UInt32(truncatingIfNeeded: value) & ~Instruction.largeIntegerFlag
            } else {
                words[index] = Instruction.largeIntegerFlag | outOfLine(.integer(value))
            }
        }

        public mutating func integers(_ values: [Int]) {
            let index = next(.integers, value: "a list of integers")
            words[index] = outOfLine(.integers(values))
        }

        /// A selector slot's code, which must have a meaning in the slot's enum.
        public mutating func selector(_ code: UInt8) {
            let index = next(.selector, value: "selector code \(code)")
            guard Int(code) < slots[index].selectorCodes else {
                misfit(index, "selector code \(code)")
            }
            words[index] = UInt32(code)
        }

        @usableFromInline func finish() -> Instruction {
            precondition(
                slot == count, "instruction '\(opcode.mnemonic)' takes \(count) operands, not \(slot)")
            return Instruction(opcode: opcode, words: words, extras: extras)
        }
    }
}

extension Register {
    /// The register's index in its kind's table.
    public var index: Int {
        switch self {
        case .private(let r): return r.rawValue
        case .public(let r): return r.rawValue
        case .local(let r): return r.rawValue
        }
    }
}

/// A value that fills one or more operand slots of an `Instruction` (see `Instruction.init(_:_:)`).
public protocol InstructionOperand {
    func write(to builder: inout Instruction.Builder)
}

extension Register: InstructionOperand {
    @inlinable public func write(to builder: inout Instruction.Builder) { builder.register(self) }
}

extension TypedIndex: InstructionOperand {
    /// A typed register fills a register slot; a `PlayerID` a player slot.
    @inlinable public func write(to builder: inout Instruction.Builder) {
        if Tag.self == PrivateTag.self {
            builder.register(.private(PrivateRegister(rawValue)))
        } else if Tag.self == PublicTag.self {
            builder.register(.public(PublicRegister(rawValue)))
        } else if Tag.self == LocalTag.self {
            builder.register(.local(LocalRegister(rawValue)))
        } else if Tag.self == PlayerTag.self {
            builder.player(PlayerID(rawValue))
        } else {
            preconditionFailure("a \(Self.self) is no instruction operand")
        }
    }
}

extension Int: InstructionOperand {
    public func write(to builder: inout Instruction.Builder) { builder.integer(self) }
}

extension Optional: InstructionOperand where Wrapped == Int {
    /// An `axis` slot: nil (every axis) is -1.
    public func write(to builder: inout Instruction.Builder) { builder.integer(self ?? -1) }
}

extension String: InstructionOperand {
    public func write(to builder: inout Instruction.Builder) { builder.string(self) }
}

extension Array: InstructionOperand where Element: InstructionListElement {
    public func write(to builder: inout Instruction.Builder) { Element.write(self, to: &builder) }
}

/// The element types of list slots: `[Int]` (`integers`) and `[Register]` (`sources`).
public protocol InstructionListElement {
    static func write(_ list: [Self], to builder: inout Instruction.Builder)
}

extension Int: InstructionListElement {
    public static func write(_ list: [Int], to builder: inout Instruction.Builder) { builder.integers(list) }
}

extension Register: InstructionListElement {
    public static func write(_ list: [Register], to builder: inout Instruction.Builder) { builder.registers(list) }
}

extension Padding: InstructionOperand {
    public func write(to builder: inout Instruction.Builder) { builder.selector(code) }
}

extension ElementwiseFunction: InstructionOperand {
    public func write(to builder: inout Instruction.Builder) { builder.selector(rawValue) }
}

extension Comparison: InstructionOperand {
    public func write(to builder: inout Instruction.Builder) { builder.selector(rawValue) }
}

extension Reduction: InstructionOperand {
    public func write(to builder: inout Instruction.Builder) { builder.selector(rawValue) }
}

extension PrivateComparison: InstructionOperand {
    public func write(to builder: inout Instruction.Builder) { builder.selector(rawValue) }
}

extension TripleKind: InstructionOperand {
    /// Three slots: the kind, then a convolution's stride and padding (zero for the other kinds).
    public func write(to builder: inout Instruction.Builder) {
        builder.selector(code.rawValue)
        switch self {
        case .mul, .matmul:
            builder.integer(0)
            builder.selector(0)
        case .conv2d(let stride, let padding):
            builder.integer(stride)
            builder.selector(padding.code)
        }
    }
}
