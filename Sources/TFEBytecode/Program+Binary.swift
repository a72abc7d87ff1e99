import TFECore

// The `.tfeb` layout (all fixed-width integers little-endian; "varint" is unsigned LEB128 in its shortest
// form, "zigzag" a signed varint, "string" a varint byte count and UTF-8, "shape" a varint rank and varint
// dimensions):
//
//     "TFEB"  format version (UInt16)  SHA-256 of every byte after it (32 bytes)
//     sections, each: tag (UInt8), payload length (UInt32), payload; all seven, once each, in this order:
//     1 header     name (string), protocol (byte, `ProtocolKind.binaryCode`: 0 pond, 1 securenn, 2 aby3),
//                  fractional bits (varint)
//     2 players    count, names (strings)
//     3 registers  private, public and local tables, each a count and per register: element (byte,
//                  `ElementType.binaryCode`: 0 fixed, 1 int), shape, owner (varint: 0 none, k + 1 player k)
//     4 constants  count, per constant: value count, values (Float64 bit patterns as UInt64)
//     5 I/O        inputs then outputs, each a count and per entry: player (varint), name (string),
//                  element (byte), shape, disclosure (byte, `Disclosure.binaryCode`: 0 private, 1 public,
//                  2 local)
//     6 code       offline rounds then online rounds, each a round count and per round an instruction count
//                  and per instruction its opcode byte and operands, walked by `Opcode.spec`'s slots:
//                  register: kind byte (0 s, 1 p, 2 l) and varint index; registers: count and registers;
//                  player, constant: varint index; string; integer: zigzag; integers: count and zigzags;
//                  selector: byte (its code in the enum's table, `SelectorKind.names`)
//     7 locations  count, per entry: line (varint), column (varint)
//
// The reader rejects anything else, including bytes after the last section and non-canonical encodings,
// so a program has exactly one encoding and one hash.

extension Program {
    /// The magic bytes every bytecode file starts with.
    public static let magic: [UInt8] = Array("TFEB".utf8)

    /// The file's bytes; the same program always gives the same bytes.
    public func encoded() -> [UInt8] {
        // The content is written in place after a zeroed hash, which is then filled in: no copy of a file
        // that can be tens of megabytes.
        var file = BinaryWriter()
        file.raw(Program.magic)
        file.uint16(Program.formatVersion)
        let hashOffset = file.bytes.count
        file.raw([UInt8](repeating: 0, count: SHA256.digestSize))
        writeContent(to: &file)
        file.overwrite(at: hashOffset, with: SHA256.hash(file.bytes[(hashOffset + SHA256.digestSize)...]))
        return file.bytes
    }

    /// The SHA-256 of the content (everything after the stored hash) in lowercase hex: the digest players
    /// compare before running together.
    public var contentHash: String {
        var content = BinaryWriter()
        writeContent(to: &content)
        return SHA256.hex(SHA256.hash(content.bytes))
    }

    /// Reads a bytecode file, checking its magic, version, hash and every length, count, index and enum
    /// value. It does not check the program's meaning: run `Verifier.verify` on the result.
    public static func decode(_ bytes: [UInt8]) throws(BytecodeError) -> Program {
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else {
            throw BytecodeError(.badMagic, "not a tfe bytecode file (bad magic)")
        }
        var reader = BinaryReader(bytes, at: 4)
        let version = try reader.uint16()
        guard version == formatVersion else {
            throw BytecodeError(
                .unsupportedVersion,
                "unsupported format version \(version) (this tfe-vm reads version \(formatVersion))")
        }
        let stored = Array(try reader.bytes(SHA256.digestSize))
        guard SHA256.hash(bytes[reader.position...]) == stored else {
            throw BytecodeError(.hashMismatch, "content hash mismatch: the file is corrupted")
        }
        var decoder = ProgramDecoder(reader: reader)
        return try decoder.decode()
    }

    // MARK: - Writing

    private func writeContent(to out: inout BinaryWriter) {
        // An instruction and its location take about 20 bytes. Reserving more than needed costs nothing (pages
        // are mapped on first write), while regrowing a file of tens of megabytes copies it.
        out.reserveCapacity(out.bytes.count + 32 * instructionCount + 1024)
        out.section(.header) { w in
            w.string(name)
            w.byte(protocolKind.binaryCode)
            w.unsigned(fractionalBits)
        }
        out.section(.players) { w in
            w.unsigned(players.count)
            for player in players { w.string(player) }
        }
        // The registers, instructions and locations, millions each in an unrolled program, go through a block.
        var block = BinaryBlockWriter()
        out.section(.registers) { w in
            for table in [privateRegisters, publicRegisters, localRegisters] {
                block.reserve(BinaryBlockWriter.maxVarintBytes, flushingInto: &w)
                block.unsigned(table.count)
                // Neighbouring registers mostly share a shape: its dimensions are looked up (and retained) once
                // for a run of them.
                var last = (shape: Shape.scalar, dimensions: [Int]())
                table.withUnsafeBufferPointer { infos in
                    guard let first = infos.baseAddress else { return }
                    for index in infos.indices {
                        let info = first + index
                        let shape = info.pointee.shape
                        if shape != last.shape { last = (shape, shape.dimensions) }
                        block.registerInfo(info, dimensions: last.dimensions, flushingInto: &w)
                    }
                }
            }
            block.flush(into: &w)
        }
        out.section(.constants) { w in
            w.unsigned(constants.count)
            for values in constants {
                w.unsigned(values.count)
                for value in values { w.uint64(value.bitPattern) }
            }
        }
        out.section(.io) { w in
            for table in [inputs, outputs] {
                w.unsigned(table.count)
                for entry in table {
                    w.unsigned(entry.player.rawValue)
                    w.string(entry.name)
                    w.byte(entry.element.binaryCode)
                    w.shape(entry.shape)
                    w.byte(entry.disclosure.binaryCode)
                }
            }
        }
        out.section(.code) { w in
            for rounds in [offline, online] {
                block.reserve(BinaryBlockWriter.maxVarintBytes, flushingInto: &w)
                block.unsigned(rounds.count)
                for round in rounds {
                    block.reserve(BinaryBlockWriter.maxVarintBytes, flushingInto: &w)
                    block.unsigned(round.instructions.count)
                    round.instructions.withUnsafeBufferPointer { instructions in
                        for index in instructions.indices {
                            block.instruction(instructions[index], flushingInto: &w)
                        }
                    }
                }
            }
            block.flush(into: &w)
        }
        out.section(.locations) { w in
            block.reserve(BinaryBlockWriter.maxVarintBytes, flushingInto: &w)
            block.unsigned(locations.count)
            for location in locations {
                block.reserve(2 * BinaryBlockWriter.maxVarintBytes, flushingInto: &w)
                block.unsigned(location.line)
                block.unsigned(location.column)
            }
            block.flush(into: &w)
        }
    }
}

// MARK: - Enum codes

// The byte each enum of the header and tables is stored as: one exhaustive switch per enum, so a new case
// must be given its code here; the reader inverts it over `allCases`.

extension ProtocolKind {
    public var binaryCode: UInt8 {
        switch self {
        case .pond: return 0
        case .securenn: return 1
        case .aby3: return 2
        }
    }
}

extension ElementType {
    public var binaryCode: UInt8 {
        switch self {
        case .fixed: return 0
        case .int: return 1
        }
    }
}

extension IODeclaration.Disclosure {
    public var binaryCode: UInt8 {
        switch self {
        case .private: return 0
        case .public: return 1
        case .local: return 2
        }
    }
}

extension BinaryWriter {
    mutating func shape(_ shape: Shape) {
        unsigned(shape.rank)
        for dimension in shape.dimensions { unsigned(dimension) }
    }

}

extension BinaryBlockWriter {
    /// The most bytes a register operand takes: its kind and a varint index.
    static let maxRegisterBytes = 1 + maxVarintBytes

    /// A register table entry, as `BinaryWriter` writes it: element, shape (`dimensions`, the caller's lookup of
    /// the entry's), owner. It reads the entry in place.
    mutating func registerInfo(_ info: UnsafePointer<RegisterInfo>, dimensions: [Int],
                               flushingInto out: inout BinaryWriter) {
        reserve(1 + (2 + dimensions.count) * BinaryBlockWriter.maxVarintBytes, flushingInto: &out)
        byte(info.pointee.element.binaryCode)
        unsigned(dimensions.count)
        for dimension in dimensions { unsigned(dimension) }
        unsigned(info.pointee.owner.map { $0.rawValue + 1 } ?? 0)
    }

    mutating func register(_ register: Register) {
        switch register {
        case .private(let r):
            byte(0)
            unsigned(r.rawValue)
        case .public(let r):
            byte(1)
            unsigned(r.rawValue)
        case .local(let r):
            byte(2)
            unsigned(r.rawValue)
        }
    }

    /// An instruction: its opcode byte and its operands slot by slot as `Opcode.spec` lists them, read from
    /// the slot words without building an `OperandValue` (the lists and strings out of line reserve their own
    /// room, and room for the slots after them).
    mutating func instruction(_ instruction: Instruction, flushingInto out: inout BinaryWriter) {
        let raw = Int(instruction.opcode.rawValue)
        let slots = OpcodeTable.slots + raw * Instruction.maxSlots
        let slotCount = OpcodeTable.slotCounts[raw]
        let slotBytes = Instruction.maxSlots * BinaryBlockWriter.maxRegisterBytes
        reserve(1 + slotBytes, flushingInto: &out)
        byte(instruction.opcode.rawValue)
        for slot in 0..<slotCount {
            switch slots[slot].kind {
            case .destination, .source: register(instruction.register(slot))
            case .player: unsigned(instruction.player(slot).rawValue)
            case .constant: unsigned(instruction.constant(slot))
            case .integer: signed(instruction.integer(slot))
            case .selector: byte(instruction.selector(slot))
            case .sources:
                let list = instruction.registers(slot)
                let listBytes = BinaryBlockWriter.maxVarintBytes + list.count * BinaryBlockWriter.maxRegisterBytes
                reserve(listBytes + slotBytes, flushingInto: &out)
                unsigned(list.count)
                for register in list { self.register(register) }
            case .integers:
                let list = instruction.integers(slot)
                reserve((1 + list.count) * BinaryBlockWriter.maxVarintBytes + slotBytes, flushingInto: &out)
                unsigned(list.count)
                for value in list { signed(value) }
            case .string:
                let utf8 = Array(instruction.string(slot).utf8)
                reserve(BinaryBlockWriter.maxVarintBytes + utf8.count + slotBytes, flushingInto: &out)
                unsigned(utf8.count)
                utf8.withUnsafeBufferPointer { self.raw($0) }
            }
        }
    }
}

// MARK: - Reading

/// Reads the sections after the hash into a `Program`.
private struct ProgramDecoder {
    var reader: BinaryReader
    var program = Program(name: "", protocolKind: .pond, fractionalBits: 0, players: [])

    mutating func decode() throws(BytecodeError) -> Program {
        var outer = try reader.beginSection(.header)
        program.name = try reader.string("program name")
        let start = reader.position
        let protocolCode = try reader.byte()
        guard let protocolKind = ProtocolKind.allCases.first(where: { $0.binaryCode == protocolCode }) else {
            throw reader.error(.unknownEnumValue, "unknown protocol \(protocolCode)", at: start)
        }
        program.protocolKind = protocolKind
        program.fractionalBits = try reader.unsigned(max: 255, "fractional bits")
        try reader.endSection(restoring: outer)

        outer = try reader.beginSection(.players)
        let playerCount = try reader.count("player")
        for _ in 0..<playerCount { program.players.append(try reader.string("player name")) }
        try reader.endSection(restoring: outer)

        outer = try reader.beginSection(.registers)
        for kind in 0..<3 {
            // element byte, rank, owner: at least three bytes each
            let count = try reader.count(itemBytes: 3, "register")
            var table: [RegisterInfo] = []
            for _ in 0..<count {
                let element = try readElement()
                let shape = try readShape()
                let owner = try reader.index(below: program.players.count + 1, "register owner")
                table.append(RegisterInfo(element, shape, owner: owner == 0 ? nil : PlayerID(owner - 1)))
            }
            switch kind {
            case 0: program.privateRegisters = table
            case 1: program.publicRegisters = table
            default: program.localRegisters = table
            }
        }
        try reader.endSection(restoring: outer)

        outer = try reader.beginSection(.constants)
        let constantCount = try reader.count("constant")
        for _ in 0..<constantCount {
            let valueCount = try reader.count(itemBytes: 8, "constant value")
            var values: [Double] = []
            values.reserveCapacity(valueCount)
            for _ in 0..<valueCount { values.append(Double(bitPattern: try reader.uint64())) }
            program.constants.append(values)
        }
        try reader.endSection(restoring: outer)

        outer = try reader.beginSection(.io)
        for table in 0..<2 {
            // player, name length, element, rank, disclosure: at least five bytes each
            let count = try reader.count(itemBytes: 5, table == 0 ? "input" : "output")
            var entries: [IODeclaration] = []
            for _ in 0..<count {
                let player = PlayerID(try reader.index(below: program.players.count, "player"))
                let name = try reader.string("input or output name")
                let element = try readElement()
                let shape = try readShape()
                let start = reader.position
                let code = try reader.byte()
                guard let disclosure = IODeclaration.Disclosure.allCases.first(where: { $0.binaryCode == code }) else {
                    throw reader.error(.unknownEnumValue, "unknown disclosure", at: start)
                }
                entries.append(
                    IODeclaration(player: player, name: name, element: element, shape: shape, disclosure: disclosure))
            }
            if table == 0 { program.inputs = entries } else { program.outputs = entries }
        }
        try reader.endSection(restoring: outer)

        outer = try reader.beginSection(.code)
        for phase in 0..<2 {
            let roundCount = try reader.count("round")
            var rounds: [Round] = []
            for _ in 0..<roundCount {
                let count = try reader.count("instruction")
                var round = Round()
                for _ in 0..<count { round.instructions.append(try readInstruction()) }
                rounds.append(round)
            }
            if phase == 0 { program.offline = rounds } else { program.online = rounds }
        }
        try reader.endSection(restoring: outer)

        outer = try reader.beginSection(.locations)
        let locationCount = try reader.count(itemBytes: 2, "location")
        program.locations.reserveCapacity(locationCount)
        for _ in 0..<locationCount {
            // Positions past 2^31 lines or 2^32 columns (no source file has them) would each take an entry of
            // `SourceLocation`'s process-wide table of distant positions.
            let line = try reader.unsigned(max: 1 << 31 - 1, "line")
            let column = try reader.unsigned(max: 1 << 32 - 1, "column")
            program.locations.append(SourceLocation(line: line, column: column))
        }
        try reader.endSection(restoring: outer)

        guard reader.isAtEnd else {
            throw reader.error(.badSection, "\(reader.remaining) unexpected bytes after the last section")
        }
        return program
    }

    mutating func readElement() throws(BytecodeError) -> ElementType {
        let start = reader.position
        let code = try reader.byte()
        guard let element = ElementType.allCases.first(where: { $0.binaryCode == code }) else {
            throw reader.error(.unknownEnumValue, "unknown element type \(code)", at: start)
        }
        return element
    }

    mutating func readShape() throws(BytecodeError) -> Shape {
        let rank = try reader.count("dimension")
        var dimensions: [Int] = []
        dimensions.reserveCapacity(rank)
        for _ in 0..<rank { dimensions.append(try reader.unsigned(max: Shape.maxElementCount, "dimension")) }
        guard let shape = Shape(ifRoom: dimensions) else {
            throw reader.error(.countTooLarge, "more than \(IntegerListTable.capacity) distinct shapes in this process")
        }
        return shape
    }

    mutating func readRegister() throws(BytecodeError) -> Register {
        let start = reader.position
        switch try reader.byte() {
        case 0: return .private(PrivateRegister(try reader.index(below: program.privateRegisters.count, "register s")))
        case 1: return .public(PublicRegister(try reader.index(below: program.publicRegisters.count, "register p")))
        case 2: return .local(LocalRegister(try reader.index(below: program.localRegisters.count, "register l")))
        case let other: throw reader.error(.unknownEnumValue, "unknown register kind \(other)", at: start)
        }
    }

    mutating func readInstruction() throws(BytecodeError) -> Instruction {
        let start = reader.position
        let code = try reader.byte()
        guard let opcode = Opcode(rawValue: code), opcode != .invalid else {
            let hex = String(code, radix: 16)
            throw reader.error(.unknownOpcode, "unknown opcode 0x\(hex.count < 2 ? "0" + hex : hex)", at: start)
        }
        var values: [OperandValue] = []
        values.reserveCapacity(opcode.operands.count)
        for kind in opcode.operands {
            switch kind {
            case .destination, .source:
                values.append(.register(try readRegister()))
            case .sources:
                let count = try reader.count(itemBytes: 2, "register")
                var list: [Register] = []
                for _ in 0..<count { list.append(try readRegister()) }
                values.append(.registers(list))
            case .player:
                values.append(.player(PlayerID(try reader.index(below: program.players.count, "player"))))
            case .string:
                values.append(.string(try reader.string("string operand")))
            case .constant:
                values.append(.constant(try reader.index(below: program.constants.count, "constant")))
            case .integer:
                values.append(.integer(try reader.signed()))
            case .integers:
                let count = try reader.count("integer")
                var list: [Int] = []
                for _ in 0..<count { list.append(try reader.signed()) }
                values.append(.integers(list))
            case .selector:
                values.append(.selector(try reader.byte()))
            }
        }
        guard let instruction = Instruction(opcode: opcode, operands: values) else {
            let reason = Instruction.mismatch(opcode: opcode, operands: values)
                ?? "a mul or matmul kind has no stride or padding"
            throw reader.error(.invalidOperands, "operands do not fit '\(opcode.mnemonic)': \(reason)", at: start)
        }
        // Only the canonical encoding is accepted (a mul triple's unused stride and padding are 0), so that
        // decoding and encoding again gives the same bytes.
        guard instruction.operands == values else {
            throw reader.error(.invalidOperands, "non-canonical operands for '\(opcode.mnemonic)'", at: start)
        }
        return instruction
    }
}
