import TFECore

/// Checks what the decoder cannot: that a program means something the machine can run. Once it passes,
/// every index is in range, every register is written exactly once before it is read, no instruction uses
/// a value received in its own round, register kinds and shapes fit each opcode, constants fit their
/// destinations, the I/O tables match the input and output instructions, and preprocessing is exactly
/// what the offline rounds hold. The machine may then index tables and shapes without further checks.
///
/// Element types are checked only where a value crosses the program's boundary (inputs and outputs against
/// their declarations): inside, the lowering chooses how `fixed` and `int` values mix.
public struct Verifier {
    let program: Program
    private var problems: [BytecodeError] = []

    /// The instruction that wrote each register, by kind.
    private var privateWriters: [Writer?]
    private var publicWriters: [Writer?]
    private var localWriters: [Writer?]
    /// Registers whose table entry is itself broken (reported once, then not checked again).
    private var brokenRegisters: Set<Register> = []

    private var inputIndex: [IOKey: Int] = [:]
    private var outputIndex: [IOKey: Int] = [:]
    /// The instruction that uses each declaration.
    private var inputUsers: [Int?]
    private var outputUsers: [Int?]

    /// The integers first, then the one-byte fields: 24 bytes instead of 32 with the optional, which counts
    /// with millions of registers.
    private struct Writer {
        var index: Int
        var round: Int
        var phase: Phase
        var communicates: Bool
    }

    private struct IOKey: Hashable {
        var player: Int
        var name: String
    }

    /// The instruction being checked.
    struct Site {
        var index: Int
        var phase: Phase
        var round: Int
        var instruction: Instruction
    }

    private init(_ program: Program) {
        self.program = program
        privateWriters = Array(repeating: nil, count: program.privateRegisters.count)
        publicWriters = Array(repeating: nil, count: program.publicRegisters.count)
        localWriters = Array(repeating: nil, count: program.localRegisters.count)
        inputUsers = Array(repeating: nil, count: program.inputs.count)
        outputUsers = Array(repeating: nil, count: program.outputs.count)
    }

    /// Every problem, in program order (tables first, then instructions).
    public static func problems(in program: Program) -> [BytecodeError] {
        var verifier = Verifier(program)
        verifier.run()
        return verifier.problems
    }

    /// Throws the first problem.
    public static func verify(_ program: Program) throws(BytecodeError) {
        if let first = problems(in: program).first { throw first }
    }

    private mutating func run() {
        checkHeader()
        checkRegisterTables()
        checkConstants()
        checkIOTables()
        // A copy (sharing storage) so that `check` may mutate `self` while the loop reads the program.
        let program = self.program
        program.forEachInstruction { phase, round, index, instruction in
            check(Site(index: index, phase: phase, round: round, instruction: instruction))
        }
        checkSeeds()
        checkAllWritten()
        checkAllDeclarationsUsed()
        checkLocations()
    }

    // MARK: - Reporting

    private mutating func report(_ kind: BytecodeError.Kind, _ message: String) {
        problems.append(BytecodeError(kind, message))
    }

    mutating func report(_ kind: BytecodeError.Kind, _ message: String, at site: Site) {
        let text = "instruction \(Program.asmIndex(site.index)) (\(program.asm(of: site.instruction))): \(message)"
        problems.append(BytecodeError(kind, text, instruction: site.index))
    }

    func describe(_ register: Register) -> String {
        let info = program.info(register)
        switch register {
        case .private: return "'\(register)' (private)"
        case .public: return "'\(register)' (public)"
        case .local: return "'\(register)' (local to \(info.owner.map { program.playerName($0) } ?? "nobody"))"
        }
    }

    // MARK: - Tables

    private mutating func checkHeader() {
        if !FractionalBits.range.contains(program.fractionalBits) {
            report(.fractionalBits, "fractional bits \(program.fractionalBits) outside \(FractionalBits.range)")
        }
        let players = program.players
        if players.count < 3 || Array(players.prefix(3)) != PlayerID.serverNames {
            report(.playerTable, "the player table must start with server0, server1, server2")
        }
        var seen: Set<String> = []
        for name in players {
            if name.isEmpty { report(.playerTable, "a player has an empty name") }
            if !seen.insert(name).inserted { report(.playerTable, "player '\(name)' appears twice") }
        }
    }

    private func shapeProblem(_ shape: Shape) -> String? {
        for dimension in shape.dimensions where dimension < 0 || dimension > Shape.maxElementCount {
            return "shape \(shape) has dimension \(dimension) outside 0...\(Shape.maxElementCount)"
        }
        if shape.elementCount == nil { return "shape \(shape) has more than \(Shape.maxElementCount) elements" }
        return nil
    }

    private func playerInRange(_ player: PlayerID) -> Bool {
        player.rawValue >= 0 && player.rawValue < program.players.count
    }

    private mutating func checkRegisterTables() {
        let tables: [(String, [RegisterInfo], (Int) -> Register)] = [
            ("s", program.privateRegisters, { .private(PrivateRegister($0)) }),
            ("p", program.publicRegisters, { .public(PublicRegister($0)) }),
            ("l", program.localRegisters, { .local(LocalRegister($0)) }),
        ]
        for (prefix, table, make) in tables {
            for (index, info) in table.enumerated() {
                var problem = shapeProblem(info.shape)
                if prefix == "l" {
                    if let owner = info.owner {
                        if !playerInRange(owner) { problem = "owner \(owner.rawValue) is not a player" }
                    } else {
                        problem = "a local register needs an owner"
                    }
                } else if info.owner != nil {
                    problem = "only local registers have an owner"
                }
                if let problem {
                    report(.registerTable, "register '\(prefix)\(index)': \(problem)")
                    brokenRegisters.insert(make(index))
                }
            }
        }
    }

    private mutating func checkConstants() {
        for (index, values) in program.constants.enumerated() {
            if let bad = values.first(where: { !$0.isFinite }) {
                report(.constantValue, "constant #\(index) holds \(bad)")
            }
        }
    }

    private mutating func checkIOTables() {
        for (direction, table) in [("input", program.inputs), ("output", program.outputs)] {
            var index: [IOKey: Int] = [:]
            for (position, entry) in table.enumerated() {
                guard playerInRange(entry.player) else {
                    report(
                        .indexOutOfRange,
                        "\(direction) '\(entry.name)' belongs to player \(entry.player.rawValue), "
                            + "not in the player table")
                    // Not indexed, so no instruction can use it; do not also call it unused.
                    if direction == "input" { inputUsers[position] = -1 } else { outputUsers[position] = -1 }
                    continue
                }
                let who = program.playerName(entry.player)
                if let problem = shapeProblem(entry.shape) {
                    report(.ioTable, "\(direction) @\(who) '\(entry.name)': \(problem)")
                }
                if entry.name.isEmpty { report(.ioTable, "\(direction) of @\(who) has an empty name") }
                let key = IOKey(player: entry.player.rawValue, name: entry.name)
                if index[key] != nil {
                    report(.duplicateName, "player '\(who)' has two \(direction)s named '\(entry.name)'")
                    if direction == "input" { inputUsers[position] = -1 } else { outputUsers[position] = -1 }
                } else {
                    index[key] = position
                }
            }
            if direction == "input" { inputIndex = index } else { outputIndex = index }
        }
    }

    /// Online SecureNN instructions use the seeds exchanged in the first offline round: there must be one.
    private mutating func checkSeeds() {
        guard program.offline.isEmpty else { return }
        var first: Site?
        program.forEachInstruction { phase, round, index, instruction in
            if first == nil && instruction.opcode.needsSeeds {
                first = Site(index: index, phase: phase, round: round, instruction: instruction)
            }
        }
        guard let site = first else { return }
        report(.phase, "needs the seeds of the first offline round, but the program has no offline round", at: site)
    }

    private mutating func checkAllWritten() {
        for (prefix, writers) in [("s", privateWriters), ("p", publicWriters), ("l", localWriters)] {
            for (index, writer) in writers.enumerated() where writer == nil {
                report(.neverWritten, "register '\(prefix)\(index)' is never written")
            }
        }
    }

    private mutating func checkAllDeclarationsUsed() {
        for (position, user) in inputUsers.enumerated() where user == nil {
            let entry = program.inputs[position]
            report(
                .ioTable,
                "input @\(program.playerName(entry.player)) \(Program.asmString(entry.name)) "
                    + "is declared but never read")
        }
        for (position, user) in outputUsers.enumerated() where user == nil {
            let entry = program.outputs[position]
            report(
                .ioTable,
                "output @\(program.playerName(entry.player)) \(Program.asmString(entry.name)) "
                    + "is declared but never sent")
        }
    }

    private mutating func checkLocations() {
        let count = program.instructionCount
        if program.locations.count != count {
            report(
                .locationTable, "the location table has \(program.locations.count) entries for \(count) instructions")
        }
        if let bad = program.locations.firstIndex(where: { $0.line < 0 || $0.column < 0 }) {
            report(.locationTable, "location \(bad) has a negative line or column")
        }
    }

    // MARK: - Instructions

    private func tableCount(_ register: Register) -> Int {
        switch register {
        case .private: return program.privateRegisters.count
        case .public: return program.publicRegisters.count
        case .local: return program.localRegisters.count
        }
    }

    private func index(_ register: Register) -> Int {
        switch register {
        case .private(let r): return r.rawValue
        case .public(let r): return r.rawValue
        case .local(let r): return r.rawValue
        }
    }

    private func writer(_ register: Register) -> Writer? {
        switch register {
        case .private(let r): return privateWriters[r.rawValue]
        case .public(let r): return publicWriters[r.rawValue]
        case .local(let r): return localWriters[r.rawValue]
        }
    }

    private mutating func setWriter(_ register: Register, _ writer: Writer) {
        switch register {
        case .private(let r): privateWriters[r.rawValue] = writer
        case .public(let r): publicWriters[r.rawValue] = writer
        case .local(let r): localWriters[r.rawValue] = writer
        }
    }

    private func inRange(_ register: Register) -> Bool {
        index(register) >= 0 && index(register) < tableCount(register)
    }

    // The registers are visited with `forEachDestination` / `forEachSource` rather than collected into
    // arrays: this runs once per instruction, millions of times for an unrolled program.
    private mutating func check(_ site: Site) {
        let instruction = site.instruction
        let opcode = instruction.opcode

        // Indices first: the later checks look registers up.
        var indicesInRange = true
        func checkIndex(_ register: Register) {
            guard !inRange(register) else { return }
            report(
                .indexOutOfRange, "register '\(register)' is outside its table of \(tableCount(register))", at: site)
            indicesInRange = false
        }
        instruction.forEachDestination(checkIndex)
        instruction.forEachSource(checkIndex)
        if !operandIndicesInRange(site) { indicesInRange = false }

        if site.phase == .offline && !opcode.isPreprocessing {
            report(.phase, "'\(opcode.mnemonic)' is not preprocessing and cannot run in an offline round", at: site)
        } else if site.phase == .online && opcode.isPreprocessing {
            report(.phase, "preprocessing '\(opcode.mnemonic)' belongs in an offline round", at: site)
        }

        // Data flow, in execution order.
        instruction.forEachSource { register in
            guard inRange(register) else { return }
            guard let writer = self.writer(register) else {
                report(.readBeforeWrite, "register '\(register)' is read before it is written", at: site)
                return
            }
            // server2 deals in instruction order, so a product may use a mask dealt earlier in its round.
            let dealtInOrder = opcode == .product && writer.phase == .offline
            if writer.communicates && writer.phase == site.phase && writer.round == site.round && !dealtInOrder {
                report(
                    .readInSameRound,
                    "register '\(register)' is received in this round by instruction "
                        + "\(Program.asmIndex(writer.index)) and cannot be used before the next", at: site)
            }
        }
        let writer = Writer(
            index: site.index, round: site.round, phase: site.phase, communicates: instruction.communicates)
        instruction.forEachDestination { register in
            guard inRange(register) else { return }
            if let earlier = self.writer(register) {
                report(
                    .writtenTwice,
                    "register '\(register)' is already written by instruction \(Program.asmIndex(earlier.index))",
                    at: site)
            } else {
                setWriter(register, writer)
            }
        }

        guard indicesInRange else { return }
        let declaration = useDeclaration(site)
        if !brokenRegisters.isEmpty {
            var usesBroken = false
            instruction.forEachRegister { _, register in
                usesBroken = usesBroken || brokenRegisters.contains(register)
            }
            guard !usesBroken else { return }
        }
        checkOperands(site)
        if let declaration {
            if case .input(let dst, _, _) = site.instruction {
                checkDeclaration(program.inputs[declaration], dst, "input", at: site)
            } else if case .output(_, _, let src) = site.instruction {
                checkDeclaration(program.outputs[declaration], src, "output", at: site)
            }
        }
    }

    /// Players and constants named by operands are in their tables (reported when not). Only opcodes with
    /// such operands are walked: most instructions have only registers.
    private mutating func operandIndicesInRange(_ site: Site) -> Bool {
        guard site.instruction.opcode.hasTableOperands else {
            return true
        }
        var inRange = true
        site.instruction.forEachOperand { value in
            switch value {
            case .player(let player) where !playerInRange(player):
                report(.indexOutOfRange, "player \(player.rawValue) is not in the player table", at: site)
                inRange = false
            case .constant(let constant) where constant < 0 || constant >= program.constants.count:
                report(.indexOutOfRange, "constant #\(constant) is not in the constant pool", at: site)
                inRange = false
            default:
                break
            }
        }
        return inRange
    }

    /// Marks the declaration an input or output instruction uses, and returns its position in its table; nil
    /// (after reporting) when there is none or another instruction already uses it.
    private mutating func useDeclaration(_ site: Site) -> Int? {
        let direction: String
        let player: PlayerID
        let name: String
        if case .input(_, let who, let text) = site.instruction {
            (direction, player, name) = ("input", who, text)
        } else if case .output(let who, let text, _) = site.instruction {
            (direction, player, name) = ("output", who, text)
        } else {
            return nil
        }
        let isInput = direction == "input"
        let label = "\(direction) @\(program.playerName(player)) \(Program.asmString(name))"
        guard let position = (isInput ? inputIndex : outputIndex)[IOKey(player: player.rawValue, name: name)] else {
            report(.ioTable, "\(label) is not in the \(direction) table", at: site)
            return nil
        }
        if let user = isInput ? inputUsers[position] : outputUsers[position] {
            let verb = isInput ? "read" : "sent"
            report(.ioTable, "\(label) is already \(verb) by instruction \(Program.asmIndex(user))", at: site)
            return nil
        }
        if isInput { inputUsers[position] = site.index } else { outputUsers[position] = site.index }
        return position
    }
}
