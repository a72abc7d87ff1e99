import TFECore

// The vocabulary of the opcode table (`Opcode.spec`): what an operand slot holds and how the asm spells it,
// when an opcode runs, and what it sends. The encoder, decoder, printer, cost model and the verifier's
// generic checks read these entries rather than switching over opcodes.

/// What an operand slot of an instruction holds; the encoder, decoder, verifier and printer walk these.
public enum OperandKind: Sendable, Hashable {
    /// A destination register.
    case destination
    /// A source register.
    case source
    /// A list of source registers.
    case sources
    /// An index in the player table.
    case player
    case string
    /// A constant-pool index.
    case constant
    case integer
    /// A list of small integers (an axis permutation, a slice's begin and step, a pad's offsets).
    case integers
    /// A small enum (`SelectorKind`), one byte.
    case selector
}

/// The register kinds a register slot accepts.
public enum RegisterClass: Sendable, Hashable {
    case any
    case `private`
    case `public`
    case local

    public func accepts(_ register: Register) -> Bool {
        switch (self, register) {
        case (.any, _), (.private, .private), (.public, .public), (.local, .local): return true
        case (.private, _), (.public, _), (.local, _): return false
        }
    }

    /// `a private register`, for the decoder's messages.
    public var described: String {
        switch self {
        case .any: return "a register"
        case .private: return "a private register"
        case .public: return "a public register"
        case .local: return "a local register"
        }
    }
}

/// The small enums selector slots hold. Each has its own table of codes (the byte the binary form stores) and
/// asm names: code k is valid when k < `names.count`.
public enum SelectorKind: Sendable, Hashable {
    case mapFunction
    case comparison
    case reduction
    case privateComparison
    /// What a Beaver triple or a product multiplies (`TripleKind`): mul, matmul or conv2d.
    case tripleKind
    case padding

    /// The asm name of each code, in code order.
    public var names: [String] {
        switch self {
        // The language lists its functions in its own order; their codes are `map`'s older numbering.
        case .mapFunction: return MapFunction.allCases.sorted { $0.rawValue < $1.rawValue }.map(\.name)
        case .comparison: return Comparison.allCases.map(\.name)
        case .reduction: return Reduction.allCases.map(\.name)
        case .privateComparison: return PrivateComparison.allCases.map(\.name)
        case .tripleKind: return TripleKind.Code.allCases.map(\.name)
        case .padding: return Padding.codes.map(\.rawValue)
        }
    }
}

extension Padding {
    /// The binary form's padding codes: the position in this list.
    public static let codes: [Padding] = [.valid, .same]

    /// This padding's code.
    public var code: UInt8 {
        switch self {
        case .valid: return 0
        case .same: return 1
        }
    }

    /// The padding a code stands for; nil for an unknown code.
    public init?(code: UInt8) {
        guard Int(code) < Padding.codes.count else { return nil }
        self = Padding.codes[Int(code)]
    }
}

/// How the asm spells an operand that is not a register.
public enum AsmSpelling: Sendable, Hashable {
    /// As itself: `@client`, `"x"`, `#3`, `[1, 0]`, a bare number.
    case plain
    /// A selector's name right after the mnemonic: `map sigmoid`, `triple conv2d`.
    case afterMnemonic
    /// `keyword=value`: an integer's number, a selector's name.
    case keyword(String)
    /// `axis=k`, with -1 (every axis) as `axis=all`.
    case axis
}

/// One operand slot of an opcode: its name (as in the `Instruction` case), what it holds, and its asm form.
public struct OperandSlot: Sendable, Hashable {
    public var name: String
    public var kind: OperandKind
    /// For register slots: the kinds accepted.
    public var registers: RegisterClass
    /// For selector slots: which enum.
    public var selector: SelectorKind?
    public var spelling: AsmSpelling
    /// When set, the operand is printed only if the selector in slot `slot` has code `code` (a triple's stride
    /// and padding exist only for a convolution; they are zero otherwise).
    public var shownWhen: (slot: Int, code: UInt8)?

    public static func == (a: OperandSlot, b: OperandSlot) -> Bool {
        a.name == b.name && a.kind == b.kind && a.registers == b.registers && a.selector == b.selector
            && a.spelling == b.spelling && a.shownWhen?.slot == b.shownWhen?.slot
            && a.shownWhen?.code == b.shownWhen?.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(kind)
    }

    // MARK: - The table's vocabulary

    /// A register the instruction writes.
    public static func dst(_ name: String, _ registers: RegisterClass = .any) -> OperandSlot {
        OperandSlot(name: name, kind: .destination, registers: registers, spelling: .plain)
    }

    /// A register the instruction reads.
    public static func src(_ name: String, _ registers: RegisterClass = .any) -> OperandSlot {
        OperandSlot(name: name, kind: .source, registers: registers, spelling: .plain)
    }

    /// A list of registers the instruction reads.
    public static func srcs(_ name: String) -> OperandSlot {
        OperandSlot(name: name, kind: .sources, registers: .any, spelling: .plain)
    }

    public static func player(_ name: String) -> OperandSlot {
        OperandSlot(name: name, kind: .player, registers: .any, spelling: .plain)
    }

    public static func string(_ name: String) -> OperandSlot {
        OperandSlot(name: name, kind: .string, registers: .any, spelling: .plain)
    }

    public static func constant(_ name: String) -> OperandSlot {
        OperandSlot(name: name, kind: .constant, registers: .any, spelling: .plain)
    }

    /// An integer printed `keyword=value` (`stride=2`), or `axis=k` with `.axis`.
    public static func integer(_ name: String, _ spelling: AsmSpelling, shownWhen: (slot: Int, code: UInt8)? = nil)
        -> OperandSlot
    {
        OperandSlot(name: name, kind: .integer, registers: .any, spelling: spelling, shownWhen: shownWhen)
    }

    /// A list of integers printed `[1, 0]`, or `keyword=[1, 0]` with `.keyword`.
    public static func integers(_ name: String, _ spelling: AsmSpelling = .plain) -> OperandSlot {
        OperandSlot(name: name, kind: .integers, registers: .any, spelling: spelling)
    }

    public static func selector(
        _ name: String, _ selector: SelectorKind, _ spelling: AsmSpelling,
        shownWhen: (slot: Int, code: UInt8)? = nil
    ) -> OperandSlot {
        OperandSlot(
            name: name, kind: .selector, registers: .any, selector: selector, spelling: spelling, shownWhen: shownWhen)
    }

    init(
        name: String, kind: OperandKind, registers: RegisterClass, selector: SelectorKind? = nil,
        spelling: AsmSpelling, shownWhen: (slot: Int, code: UInt8)? = nil
    ) {
        self.name = name
        self.kind = kind
        self.registers = registers
        self.selector = selector
        self.spelling = spelling
        self.shownWhen = shownWhen
    }
}

/// When an opcode runs.
public enum OpcodePhase: Sendable, Hashable {
    /// Online, with no communication: each party works alone.
    case local
    /// Online, sending messages.
    case online
    /// In the offline rounds: server2's dealing (and the masks of stored values).
    case preprocessing
}

/// The seeds an opcode draws from, which are exchanged in the first offline round.
public struct SeedUse: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The seeds server2 shares with server0 and with server1 (server0's share of what server2 deals).
    public static let dealer = SeedUse(rawValue: 1)
    /// The seed server0 and server1 share without server2 (SecureNN's common randomness).
    public static let serverPair = SeedUse(rawValue: 2)
}

/// One message an opcode sends when it runs, in terms of its operand slots. `CostModel` evaluates these.
public struct Flow: Sendable, Hashable {
    /// A party, fixed or named by an operand.
    public enum Party: Sendable, Hashable {
        case server0, server1, server2
        /// The player in a `player` slot.
        case player(slot: Int)
        /// The owner of the local register in a slot.
        case owner(slot: Int)
    }

    /// When the message is sent, by the kind of a register operand.
    public enum Condition: Sendable, Hashable {
        case always
        /// Unless the register in the slot is local (a local input or output travels nowhere).
        case notLocal(slot: Int)
        /// Only when the register in the slot is private (a public output comes from server0 alone).
        case isPrivate(slot: Int)
        /// Only when the register in the slot is public (`rinput` sends a public value once to each server).
        case isPublic(slot: Int)
    }

    public var from: Party
    public var to: Party
    /// The slots whose registers' element counts add up to the message's element count, before `factor`.
    public var elementsOf: [Int]
    public var factor: Int
    public var elementBytes: Int
    /// PRG seeds (`WireFormat.seedBytes` each) sent besides the elements: a share the receiver expands.
    public var seeds: Int
    public var when: Condition

    /// `count(slots) × factor` ring elements (or field elements, with `elementBytes`) from one party to another.
    public init(
        _ from: Party, _ to: Party, elementsOf: [Int], factor: Int = 1, elementBytes: Int = WireFormat.elementBytes,
        when: Condition = .always
    ) {
        self.from = from
        self.to = to
        self.elementsOf = elementsOf
        self.factor = factor
        self.elementBytes = elementBytes
        self.seeds = 0
        self.when = when
    }

    /// `count` PRG seeds from one party to another, whatever the shapes (`rinput`'s seeded shares).
    public init(_ from: Party, _ to: Party, seeds count: Int, when: Condition = .always) {
        self.init(from, to, elementsOf: [], factor: 0, when: when)
        self.seeds = count
    }
}

/// Whether instructions of an opcode send messages, as far as the opcode alone says.
public enum Communication: Sendable, Hashable {
    case never
    case always
    /// Depends on register kinds (`Flow.Condition`): input and output of local values send nothing.
    case byRegisterKinds
}

/// The verifier's rule for an instruction's register kinds and shapes, when the table can state it.
public enum ShapeRule: Sendable, Hashable {
    /// The opcode's own check in `Verifier.checkOwnRule`.
    case own
    /// Element-wise over the register sources with NumPy broadcasting (`add`, `neg`, `map`, `select`): the one
    /// destination has the broadcast shape of the sources (the source's shape when there is one); at most
    /// `maxPrivate` sources are private and the destination is private exactly when one is; a local register
    /// mixes only with local registers of the same owner.
    case elementwise(maxPrivate: Int)
}

/// What the range checker (`tfe-vm run --check-ranges`) can tell of a private result from the sources alone.
public enum RangeRule: Sendable, Hashable {
    /// The results are not values of the program the checker can bound (randomness, a protocol's internals),
    /// or the opcode writes no ring register: each destination is left unchecked.
    case unchecked
    /// A linear map of the one source that moves, negates or adds up its elements (`neg`, `reshape`, `sum`,
    /// `poolsum`): the result is a value of the source's kind when the source is a value.
    case sourceKind
    /// Plaintext work on public or local values (`map`, `compare`): a public result is a value of its
    /// register's element type.
    case plaintext
    /// The opcode's own step in `RangePlan.visitOwn` (constants, sums, products, truncation, masks).
    case own
}

/// One opcode's entry in the table: everything the generic code needs to know about it.
public struct OpcodeSpec: Sendable, Hashable {
    /// The asm spelling.
    public var mnemonic: String
    public var phase: OpcodePhase
    /// The operand slots, in `Instruction` case order, which is the binary and asm order.
    public var operands: [OperandSlot]
    /// What it sends (its cost): nothing for local and most preprocessing opcodes.
    public var flows: [Flow]
    public var seeds: SeedUse
    /// How the verifier checks its register kinds and shapes.
    public var shapes: ShapeRule
    /// What the range checker makes of its results.
    public var ranges: RangeRule

    public init(
        _ mnemonic: String, _ phase: OpcodePhase, _ operands: [OperandSlot], sends flows: [Flow] = [],
        seeds: SeedUse = [], shapes: ShapeRule = .own, ranges: RangeRule = .unchecked
    ) {
        self.mnemonic = mnemonic
        self.phase = phase
        self.operands = operands
        self.flows = flows
        self.seeds = seeds
        self.shapes = shapes
        self.ranges = ranges
    }

    public var communication: Communication {
        if flows.isEmpty { return .never }
        return flows.allSatisfy { $0.when == .always } ? .always : .byRegisterKinds
    }
}
