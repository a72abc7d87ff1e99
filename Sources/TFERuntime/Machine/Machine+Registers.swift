// The machine's registers, and who executes an instruction that does not communicate.

import TFEBytecode
import TFECore

/// The values of one party's registers; nil until written.
struct RegisterFile {
    /// This server's share of each private register: its first component under a replicated sharing.
    var privates: [[UInt64]?]
    /// Under a replicated sharing (ABY3), the second component of each private register; empty otherwise.
    var seconds: [[UInt64]?]
    var publics: [[UInt64]?]
    var locals: [[Double]?]

    init(program: Program) {
        privates = Array(repeating: nil, count: program.privateRegisters.count)
        let replicated = program.protocolKind.definition.isReplicated
        seconds = Array(repeating: nil, count: replicated ? program.privateRegisters.count : 0)
        publics = Array(repeating: nil, count: program.publicRegisters.count)
        locals = Array(repeating: nil, count: program.localRegisters.count)
    }

    /// Checks that every register an instruction names exists and has a countable shape, and every player
    /// it names is in the table, so that nothing later can index out of range.
    static func checkOperands(of instruction: Instruction, in program: Program, index: Int) throws(MachineError) {
        for register in instruction.destinations + instruction.sources {
            let number: Int, count: Int
            switch register {
            case .private(let r): (number, count) = (r.rawValue, program.privateRegisters.count)
            case .public(let r): (number, count) = (r.rawValue, program.publicRegisters.count)
            case .local(let r): (number, count) = (r.rawValue, program.localRegisters.count)
            }
            guard number >= 0, number < count else {
                throw .invalidProgram(instruction: index, reason: "register \(register) does not exist")
            }
            let shape = program.info(register).shape
            guard shape.dimensions.allSatisfy({ $0 >= 0 }), shape.elementCount != nil else {
                throw .invalidProgram(instruction: index, reason: "register \(register) has an invalid shape")
            }
        }
        for operand in instruction.operands {
            if case .player(let player) = operand, !program.players.indices.contains(player.rawValue) {
                throw .invalidProgram(
                    instruction: index, reason: "player \(player.rawValue) is not in the player table")
            }
        }
    }
}

extension Machine {
    // MARK: - Reading and writing registers

    func shape(_ register: Register) -> [Int] {
        program.info(register).shape.dimensions
    }

    func count(_ register: Register) -> Int {
        program.info(register).shape.elementCount ?? 0
    }

    func element(_ register: Register) -> ElementType {
        program.info(register).element
    }

    /// This party's view of a ring register: its share of a private one, the value of a public one.
    func ring(_ register: Register, at index: Int) throws(MachineError) -> [UInt64] {
        let value: [UInt64]?
        switch register {
        case .private(let r): value = registers.privates[r.rawValue]
        case .public(let r): value = registers.publics[r.rawValue]
        case .local:
            throw .invalidProgram(instruction: index, reason: "\(register) is local where a ring value is needed")
        }
        guard let value else {
            throw .invalidProgram(instruction: index, reason: "\(register) is read before it is written")
        }
        return value
    }

    /// A local register of this party.
    func local(_ register: LocalRegister, at index: Int) throws(MachineError) -> [Double] {
        try checkOwner(register, at: index)
        guard let value = registers.locals[register.rawValue] else {
            throw .invalidProgram(
                instruction: index, reason: "\(Register.local(register)) is read before it is written")
        }
        return value
    }

    mutating func store(_ values: [UInt64], into register: Register, at index: Int) throws(MachineError) {
        try checkCount(values.count, register, at: index)
        switch register {
        case .private(let r): registers.privates[r.rawValue] = values
        case .public(let r): registers.publics[r.rawValue] = values
        case .local:
            throw .invalidProgram(instruction: index, reason: "\(register) is local where a ring value is written")
        }
    }

    mutating func store(_ values: [Double], into register: LocalRegister, at index: Int) throws(MachineError) {
        try checkOwner(register, at: index)
        try checkCount(values.count, .local(register), at: index)
        registers.locals[register.rawValue] = values
    }

    /// Stores a value every server computed alike into a ring register: a public register takes it; a
    /// private one becomes the sharing (value, 0, …): share 0 takes the value, every other share 0.
    mutating func storeCommon(_ values: [UInt64], into register: Register, at index: Int) throws(MachineError) {
        if case .private = register, shareIndex != 0 {
            try store([UInt64](repeating: 0, count: values.count), into: register, at: index)
        } else {
            try store(values, into: register, at: index)
        }
    }

    private func checkCount(_ count: Int, _ register: Register, at index: Int) throws(MachineError) {
        let expected = self.count(register)
        guard count == expected else {
            throw .invalidProgram(
                instruction: index,
                reason: "result has \(count) elements, \(register) holds \(program.info(register).shape) (\(expected))")
        }
    }

    private func checkOwner(_ register: LocalRegister, at index: Int) throws(MachineError) {
        let owner = program.localRegisters[register.rawValue].owner
        guard owner == me else {
            throw .invalidProgram(
                instruction: index,
                reason: "\(Register.local(register)) belongs to \(owner.map(name) ?? "nobody"), not \(name(me))")
        }
    }

    // MARK: - Who executes what

    /// Whether this party executes a non-communicating instruction: the servers that hold shares
    /// (`ServerRole.holdsShares`: server0 and server1, and server2 too under ABY3) run everything that touches
    /// a private or public register (only server0 prints public values); the owner runs what touches only its
    /// local registers.
    func executes(_ instruction: Instruction, index: Int) throws(MachineError) -> Bool {
        // The few opcodes whose runner is named by an operand; every other one follows its registers.
        if instruction.opcode == .input { return me == instruction.player(1) }
        if instruction.opcode == .output { return me == instruction.player(0) }
        if instruction.opcode == .print {
            let (player, values) = (instruction.player(0), instruction.registers(2))
            if values.contains(where: { if case .public = $0 { return true } else { return false } }) {
                return me == .server0
            }
            return me == player
        }
        if instruction.opcode == .store || instruction.opcode == .load { return isComputeServer || me == .server2 }
        let registers = instruction.destinations + instruction.sources
        if registers.contains(where: { if case .local = $0 { return false } else { return true } }) {
            if let local = registers.first(where: { if case .local = $0 { return true } else { return false } }) {
                throw .invalidProgram(
                    instruction: index, reason: "mixes local register \(local) with private or public registers")
            }
            return holdsShares
        }
        guard let first = registers.first, case .local(let register) = first else { return false }
        return program.localRegisters[register.rawValue].owner == me
    }
}
