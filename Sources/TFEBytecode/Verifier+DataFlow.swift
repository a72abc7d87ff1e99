import TFECore

// The checks of `Verifier` that follow values through the program: indices in range, each opcode in its phase,
// every register written once before it is read and not used in the round it is received, every I/O
// declaration used by exactly one instruction, and, at the end, nothing left unwritten or unused.
extension Verifier {
    func tableCount(_ register: Register) -> Int {
        switch register {
        case .private: return program.privateRegisters.count
        case .public: return program.publicRegisters.count
        case .local: return program.localRegisters.count
        }
    }

    func index(_ register: Register) -> Int {
        switch register {
        case .private(let r): return r.rawValue
        case .public(let r): return r.rawValue
        case .local(let r): return r.rawValue
        }
    }

    func writer(_ register: Register) -> Writer? {
        switch register {
        case .private(let r): return privateWriters[r.rawValue]
        case .public(let r): return publicWriters[r.rawValue]
        case .local(let r): return localWriters[r.rawValue]
        }
    }

    mutating func setWriter(_ register: Register, _ writer: Writer) {
        switch register {
        case .private(let r): privateWriters[r.rawValue] = writer
        case .public(let r): publicWriters[r.rawValue] = writer
        case .local(let r): localWriters[r.rawValue] = writer
        }
    }

    func inRange(_ register: Register) -> Bool {
        index(register) >= 0 && index(register) < tableCount(register)
    }

    // The registers are gathered in one walk over the slots into `destinations` and `sources`, lists kept
    // from one instruction to the next: this runs once per instruction, millions of times for an unrolled
    // program, and each further walk or closure over the operands showed in its time.
    mutating func check(_ site: Site) {
        let instruction = site.instruction
        let opcode = instruction.opcode
        destinations.removeAll()
        sources.removeAll()
        instruction.forEachRegister { isDestination, register in
            if isDestination { destinations.append(register) } else { sources.append(register) }
        }

        // Indices first: the later checks look registers up.
        var indicesInRange = true
        for position in 0..<destinations.count where !inRange(destinations[position]) {
            reportOutOfRange(destinations[position], at: site)
            indicesInRange = false
        }
        for position in 0..<sources.count where !inRange(sources[position]) {
            reportOutOfRange(sources[position], at: site)
            indicesInRange = false
        }
        if !operandIndicesInRange(site) { indicesInRange = false }

        let isPreprocessing = preprocessingOpcodes[Int(opcode.rawValue)]
        if site.phase == .offline && !isPreprocessing {
            report(.phase, "'\(opcode.mnemonic)' is not preprocessing and cannot run in an offline round", at: site)
        } else if site.phase == .online && isPreprocessing {
            report(.phase, "preprocessing '\(opcode.mnemonic)' belongs in an offline round", at: site)
        }

        // Data flow, in execution order.
        for position in 0..<sources.count where inRange(sources[position]) {
            let register = sources[position]
            guard let writer = self.writer(register) else {
                report(.readBeforeWrite, "register '\(register)' is read before it is written", at: site)
                continue
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
        for position in 0..<destinations.count where inRange(destinations[position]) {
            let register = destinations[position]
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
            let broken = brokenRegisters
            let isBroken = { (register: Register) in broken.contains(register) }
            guard !destinations.contains(where: isBroken), !sources.contains(where: isBroken) else { return }
        }
        checkOperands(site)
        if let declaration {
            if let (dst, _, _) = site.instruction.inputOperands {
                checkDeclaration(program.inputs[declaration], dst, "input", at: site)
            } else if site.instruction.opcode == .output {
                let src = site.instruction.register(2)
                checkDeclaration(program.outputs[declaration], src, "output", at: site)
            }
        }
    }

    mutating func reportOutOfRange(_ register: Register, at site: Site) {
        report(.indexOutOfRange, "register '\(register)' is outside its table of \(tableCount(register))", at: site)
    }

    /// Players and constants named by operands are in their tables (reported when not). Only opcodes with
    /// such operands are walked: most instructions have only registers.
    mutating func operandIndicesInRange(_ site: Site) -> Bool {
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
    mutating func useDeclaration(_ site: Site) -> Int? {
        let direction: String
        let player: PlayerID
        let name: String
        if let (_, who, text) = site.instruction.inputOperands {
            (direction, player, name) = ("input", who, text)
        } else if site.instruction.opcode == .output {
            let (who, text) = (site.instruction.player(0), site.instruction.string(1))
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

    // MARK: - Once every instruction is checked

    /// Online SecureNN instructions use the seeds exchanged in the first offline round: there must be one.
    mutating func checkSeeds() {
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

    mutating func checkAllWritten() {
        for (prefix, writers) in [("s", privateWriters), ("p", publicWriters), ("l", localWriters)] {
            for (index, writer) in writers.enumerated() where writer == nil {
                report(.neverWritten, "register '\(prefix)\(index)' is never written")
            }
        }
    }

    mutating func checkAllDeclarationsUsed() {
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
}
