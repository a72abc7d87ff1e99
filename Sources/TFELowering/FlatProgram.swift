import TFEBytecode
import TFECore

/// Rounds stored flat: a phase's instructions in one array, and where each round ends in it.
///
/// The lowering closes a round per communicating step, a million of them for an unrolled program; as `[Round]`
/// each was an array of its own, allocated by the lowering and freed by `batch-rounds` moments later. Stored
/// flat they are two arrays, and the batcher reads the instructions in order without the rounds.
public struct FlatRounds: Hashable, Sendable {
    /// Every instruction of the phase, in round order.
    public private(set) var instructions: [Instruction] = []
    /// Where each round ends in `instructions` (an empty round ends where the one before it does).
    public private(set) var ends: [Int] = []

    public init() {}

    /// The rounds of `rounds`, stored flat.
    public init(_ rounds: [Round]) {
        instructions.reserveCapacity(rounds.reduce(0) { $0 + $1.instructions.count })
        ends.reserveCapacity(rounds.count)
        for round in rounds {
            instructions.append(contentsOf: round.instructions)
            ends.append(instructions.count)
        }
    }

    /// Whether instructions were appended after the last round closed.
    public var hasOpenRound: Bool { instructions.count > (ends.last ?? 0) }

    /// Appends an instruction to the round being built.
    public mutating func append(_ instruction: Instruction) {
        instructions.append(instruction)
    }

    /// Ends the round being built (which may be empty): what is appended next goes into the next round.
    public mutating func closeRound() {
        ends.append(instructions.count)
    }

    /// Reserves room for about `instructions` instructions in `rounds` rounds.
    public mutating func reserveCapacity(instructions: Int, rounds: Int) {
        self.instructions.reserveCapacity(instructions)
        ends.reserveCapacity(rounds)
    }

    /// The closed rounds as `Round`s, an array each (instructions of an open round are left out).
    public var rounds: [Round] {
        var rounds: [Round] = []
        rounds.reserveCapacity(ends.count)
        var start = 0
        for end in ends {
            rounds.append(Round(Array(instructions[start..<end])))
            start = end
        }
        return rounds
    }
}

/// A program as `lower` emits it: its tables in `tables` (players, registers, constants, inputs, outputs and
/// the location table, with no rounds) and its rounds stored flat, until `batch-rounds` regroups the
/// instructions or `program` gives them rounds of their own.
public struct FlatProgram: Hashable, Sendable {
    /// Everything but the rounds: `offline` and `online` are empty here.
    public var tables: Program
    public var offline: FlatRounds
    public var online: FlatRounds

    public init(tables: Program, offline: FlatRounds, online: FlatRounds) {
        self.tables = tables
        self.tables.offline = []
        self.tables.online = []
        self.offline = offline
        self.online = online
    }

    /// A program's rounds stored flat.
    public init(_ program: Program) {
        self.init(tables: program, offline: FlatRounds(program.offline), online: FlatRounds(program.online))
    }

    /// The same program with its rounds as `Round`s.
    public var program: Program {
        var program = tables
        program.offline = offline.rounds
        program.online = online.rounds
        return program
    }
}
