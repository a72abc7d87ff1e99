import TFECore

/// The type of a register: element type, shape and, for a local register, its owner.
///
/// Stored in 16 bytes with nothing to reference-count (the owner's number, the shape's number, the element), so
/// that register tables of millions of entries take half the pages they did and copy as plain memory.
public struct RegisterInfo: Hashable, Sendable {
    /// The owner's raw `PlayerID`, or `Int.min` for none (no player table reaches it: the decoder reads owners as
    /// unsigned numbers below the player count).
    private var ownerNumber: Int
    public var shape: Shape
    public var element: ElementType

    /// The player holding a local register; nil for private and public registers.
    public var owner: PlayerID? {
        get { ownerNumber == Int.min ? nil : PlayerID(ownerNumber) }
        set { ownerNumber = newValue?.rawValue ?? Int.min }
    }

    public init(_ element: ElementType, _ shape: Shape, owner: PlayerID? = nil) {
        self.ownerNumber = owner?.rawValue ?? Int.min
        self.shape = shape
        self.element = element
    }
}

/// An input or output of the program, with who learns it.
public struct IODeclaration: Hashable, Sendable {
    /// How the value is disclosed: shared among the servers, public to the servers, or kept local.
    public enum Disclosure: Hashable, Sendable, CaseIterable {
        /// Input: secret-shared among server0 and server1; output: reconstructed by the receiver only.
        case `private`
        /// Known to server0 and server1 in the clear (and, for an output, to the receiver).
        case `public`
        /// Held by the player alone.
        case local
    }

    public var player: PlayerID
    public var name: String
    public var element: ElementType
    public var shape: Shape
    public var disclosure: Disclosure

    public init(player: PlayerID, name: String, element: ElementType, shape: Shape, disclosure: Disclosure) {
        self.player = player
        self.name = name
        self.element = element
        self.shape = shape
        self.disclosure = disclosure
    }
}

/// Instructions whose messages all go out together: one frame per directed link.
public struct Round: Hashable, Sendable {
    public var instructions: [Instruction]

    public init(_ instructions: [Instruction] = []) {
        self.instructions = instructions
    }
}

/// A source position, for mapping a failing instruction back to the program.
///
/// Stored in 8 bytes (the location table has an entry per instruction, millions for an unrolled program): the
/// line in the high half and the column in the low one, or, for a position a source file cannot reach (a line
/// past 2^31 or a column past 2^32, which only a hand-made bytecode file holds), the flag bit 63 and the pair's
/// number in `SourceLocation.distant`. Each position has one form, so equal positions are equal words.
public struct SourceLocation: Hashable, Sendable {
    private var packed: UInt64

    /// Positions that do not fit the packed form, interned as `[line, column]`.
    private static let distant = IntegerListTable()
    private static let distantFlag: UInt64 = 1 << 63

    public init(line: Int, column: Int) {
        if (0..<(1 << 31)).contains(line), (0..<(1 << 32)).contains(column) {
            packed = UInt64(line) << 32 | UInt64(column)
        } else {
            packed = Self.distantFlag | UInt64(Self.distant.intern([line, column]))
        }
    }

    public var line: Int {
        get {
            if packed & Self.distantFlag != 0 { return Self.distant.list(UInt32(truncatingIfNeeded: packed))[0] }
            return Int(packed >> 32)
        }
        set { self = SourceLocation(line: newValue, column: column) }
    }

    public var column: Int {
        get {
            if packed & Self.distantFlag != 0 { return Self.distant.list(UInt32(truncatingIfNeeded: packed))[1] }
            return Int(packed & 0xFFFF_FFFF)
        }
        set { self = SourceLocation(line: line, column: newValue) }
    }
}

/// A compiled program: everything every player needs to run it, and nothing about the source beyond
/// its name and the location table. All players run the same `Program`.
public struct Program: Hashable, Sendable {
    /// Bumped whenever the binary layout or an instruction's meaning changes, or instructions are added (2: exact
    /// division by a public integer, `divpair`, `divfinish` and `div`; 3: ABY3's opcodes and protocol code; 4: the
    /// layout opcodes `concat`, `slice` and `pad`; 5: ABY3's boolean opcodes `xor`, `shl`, `shr`, `component` and
    /// `band`).
    public static let formatVersion: UInt16 = 5

    /// The source file's name (without directories).
    public var name: String
    public var protocolKind: ProtocolKind
    public var fractionalBits: Int
    /// Player names by `PlayerID`; the first three are server0, server1, server2.
    public var players: [String]
    public var privateRegisters: [RegisterInfo] = []
    public var publicRegisters: [RegisterInfo] = []
    public var localRegisters: [RegisterInfo] = []
    /// Constant pool: each entry's values in row-major order (a scalar has one).
    public var constants: [[Double]] = []
    public var inputs: [IODeclaration] = []
    public var outputs: [IODeclaration] = []
    /// Preprocessing: server2 deals correlated randomness.
    public var offline: [Round] = []
    /// The online phase: inputs, computation, outputs.
    public var online: [Round] = []
    /// One entry per instruction, offline rounds first, in order.
    public var locations: [SourceLocation] = []

    public init(name: String, protocolKind: ProtocolKind, fractionalBits: Int, players: [String]) {
        self.name = name
        self.protocolKind = protocolKind
        self.fractionalBits = fractionalBits
        self.players = players
    }

    /// The type of any register.
    public func info(_ register: Register) -> RegisterInfo {
        switch register {
        case .private(let r): return privateRegisters[r.rawValue]
        case .public(let r): return publicRegisters[r.rawValue]
        case .local(let r): return localRegisters[r.rawValue]
        }
    }

    /// Whether an instruction draws SecureNN's common randomness, so server0 sends server1 a seed in the first
    /// offline round.
    public var usesServerPairSeed: Bool {
        online.contains { $0.instructions.contains { $0.opcode.usesServerPairSeed } }
    }

    /// Whether the program loads or stores values (`load` and `rload` run with the preprocessing, `store` and
    /// `rstore` online), so its servers need a state directory.
    public var usesStoredValues: Bool {
        offline.contains { $0.instructions.contains { $0.opcode == .load || $0.opcode == .replicatedLoad } }
            || online.contains { $0.instructions.contains { $0.opcode == .store || $0.opcode == .replicatedStore } }
    }

    /// The stored name an instruction loads (`load`, `rload`), nil for any other instruction.
    public static func loadedName(_ instruction: Instruction) -> String? {
        if instruction.opcode == .load { return instruction.string(2) }
        if instruction.opcode == .replicatedLoad { return instruction.string(1) }
        return nil
    }

    /// Every instruction with its phase, round and index in the location table.
    public var allInstructions: [(phase: Phase, round: Int, index: Int, instruction: Instruction)] {
        var result: [(phase: Phase, round: Int, index: Int, instruction: Instruction)] = []
        result.reserveCapacity(instructionCount)
        forEachInstruction { result.append(($0, $1, $2, $3)) }
        return result
    }

    /// How many instructions the program has, offline and online (the length of the location table).
    public var instructionCount: Int {
        offline.reduce(0) { $0 + $1.instructions.count } + online.reduce(0) { $0 + $1.instructions.count }
    }

    /// Calls `body` for every instruction in execution order with its phase, round and index in the location
    /// table: `allInstructions` without building an array, for passes over millions of instructions.
    public func forEachInstruction(
        _ body: (_ phase: Phase, _ round: Int, _ index: Int, _ instruction: Instruction) -> Void
    ) {
        var index = 0
        for (phase, rounds) in [(Phase.offline, offline), (Phase.online, online)] {
            for (number, round) in rounds.enumerated() {
                for instruction in round.instructions {
                    body(phase, number, index, instruction)
                    index += 1
                }
            }
        }
    }
}

/// The two phases of a run.
public enum Phase: String, Hashable, Sendable, CaseIterable {
    case offline
    case online
}
