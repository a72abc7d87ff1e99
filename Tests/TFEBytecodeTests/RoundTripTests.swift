// Every opcode round-trips through its generic operands and through the binary form, with edge values.

import TFECore
import Testing

@testable import TFEBytecode

enum Samples {
    static let big = 100_000
    static let playerCount = 300
    static let longName = String(repeating: "é🙂x\u{301}", count: 2_000)

    /// Instructions covering every opcode, with index 0 and 100,000 registers, negative and extreme integers,
    /// empty, long and non-ASCII strings. Only their encoding matters: they are not a runnable program.
    static let instructions: [Instruction] = {
        let (s0, sBig) = (PrivateRegister(0), PrivateRegister(big))
        let (p0, pBig) = (PublicRegister(0), PublicRegister(big))
        let (l0, lBig) = (LocalRegister(0), LocalRegister(big))
        let lastPlayer = PlayerID(playerCount - 1)
        var list: [Instruction] = [
            .const(dst: .public(p0), constant: 0),
            .const(dst: .local(lBig), constant: 2),
            .add(dst: .private(sBig), lhs: .public(pBig), rhs: .local(l0)),
            .sub(dst: .local(l0), lhs: .private(s0), rhs: .public(p0)),
            .neg(dst: .public(pBig), src: .local(lBig)),
            .mul(dst: .private(s0), lhs: .private(sBig), rhs: .public(p0)),
            .matmul(dst: .private(s0), lhs: .public(p0), rhs: .private(sBig)),
            .conv2d(dst: .private(s0), input: .private(s0), kernel: .public(p0), stride: 1, padding: .same),
            .conv2d(dst: .local(l0), input: .local(l0), kernel: .local(l0), stride: Int.max, padding: .valid),
            .conv2d(dst: .local(l0), input: .local(l0), kernel: .local(l0), stride: Int.min, padding: .valid),
            .sum(dst: .private(s0), src: .private(sBig), axis: nil),
            .sum(dst: .private(s0), src: .private(sBig), axis: 0),
            .sum(dst: .private(s0), src: .private(sBig), axis: -7),
            .transpose(dst: .private(s0), src: .private(sBig), permutation: []),
            .transpose(dst: .private(s0), src: .private(sBig), permutation: [3, 0, -1, Int.max, Int.min, 1, 2]),
            .reshape(dst: .public(p0), src: .public(pBig)),
            .concat(dst: .private(s0), sources: [.private(sBig), .private(s0)], axis: 1),
            .concat(dst: .local(l0), sources: [], axis: Int.min),
            .slice(dst: .private(s0), src: .private(sBig), begin: [0, 3], step: [1, -2]),
            .slice(dst: .public(p0), src: .public(pBig), begin: [Int.max], step: [Int.min]),
            .pad(dst: .private(sBig), src: .private(s0), before: [0, 1, 1, 0]),
            .pad(dst: .local(l0), src: .local(lBig), before: []),
            .poolsum(dst: .private(s0), src: .private(s0), size: 2, stride: 2, padding: .valid),
            .poolsum(dst: .private(s0), src: .private(s0), size: -64, stride: 1 << 40, padding: .same),
            .unpool(dst: .private(sBig), src: .private(s0), size: 3, stride: 2, padding: .same),
            .unpool(dst: .local(l0), src: .local(lBig), size: Int.min, stride: Int.max, padding: .valid),
            .trunc(dst: pBig, src: p0),
            .select(dst: .local(l0), condition: .public(p0), lhs: .private(s0), rhs: .local(lBig)),
            .sharePublic(dst: sBig, src: pBig),
            .truncFinish(dst: s0, masked: pBig, high: sBig, msb: s0),
            .divFinish(dst: sBig, masked: p0, quotient: s0, wrap: sBig, divisor: 3),
            .divFinish(dst: s0, masked: pBig, quotient: sBig, wrap: s0, divisor: Int.max),
            .div(dst: p0, src: pBig, divisor: 1 << 32),
            .div(dst: pBig, src: p0, divisor: Int.min),
            .print(player: PlayerID(0), format: "", values: []),
            .print(player: lastPlayer, format: longName, values: [.private(sBig), .public(p0), .local(lBig)]),
            .input(dst: .private(s0), player: PlayerID(3), name: "x"),
            .input(dst: .local(lBig), player: lastPlayer, name: "日本語の入力"),
            .input(dst: .public(p0), player: PlayerID(0), name: ""),
            .output(player: lastPlayer, name: longName, src: .public(pBig)),
            .open(dst: p0, src: sBig),
            .reveal(dst: lBig, src: s0, player: lastPlayer),
            .share(dst: s0, src: lBig),
            .triple(a: s0, b: sBig, c: s0, kind: .mul),
            .triple(a: s0, b: sBig, c: s0, kind: .matmul),
            .triple(a: s0, b: sBig, c: s0, kind: .conv2d(stride: 3, padding: .same)),
            .triple(a: s0, b: sBig, c: s0, kind: .conv2d(stride: -3, padding: .valid)),
            .squarePair(a: sBig, square: s0),
            .truncPair(r: s0, high: sBig, msb: s0),
            .divPair(r: sBig, quotient: s0, wrap: sBig, divisor: 7),
            .divPair(r: s0, quotient: sBig, wrap: s0, divisor: -1),
            .mask(sBig),
            .store(name: longName, mask: sBig, opened: p0),
            .load(mask: s0, opened: pBig, name: "w"),
            .product(c: s0, a: sBig, b: s0, kind: .mul),
            .product(c: sBig, a: s0, b: sBig, kind: .conv2d(stride: 2, padding: .same)),
            .msbPair(r: s0, bits: sBig, lsb: s0),
            .shareConvertMask(dst: sBig, mask: p0, flip: pBig, src: s0),
            .shareConvertBits(bits: s0, dst: sBig, src: s0),
            .privateCompare(dst: s0, bits: sBig, threshold: pBig, flip: p0, comparison: .greater),
            .privateCompare(dst: sBig, bits: s0, threshold: p0, flip: pBig, comparison: .greaterEqual),
            .shareConvertFinish(dst: s0, partial: sBig, compared: s0, flip: pBig),
            .msbOpen(dst: pBig, flip: p0, src: sBig, r: s0),
            .msbFinish(gamma: s0, delta: sBig, compared: s0, masked: p0, flip: pBig, lsb: sBig),
            .replicatedInput(dst: .private(sBig), player: lastPlayer, name: "x"),
            .replicatedInput(dst: .public(p0), player: PlayerID(3), name: ""),
            .replicatedShare(dst: s0, src: lBig),
            .replicatedOpen(dst: pBig, src: s0),
            .replicatedProduct(c: s0, a: sBig, b: s0, kind: .matmul),
            .replicatedProduct(c: sBig, a: s0, b: sBig, kind: .conv2d(stride: 2, padding: .valid)),
            .replicatedMaskedOpen(dst: p0, src: sBig, r: s0),
            .replicatedTruncFinish(dst: sBig, masked: p0, high: s0, msb: sBig),
            .replicatedDivFinish(dst: s0, masked: pBig, quotient: sBig, wrap: s0, divisor: 9),
            .booleanXor(dst: sBig, lhs: s0, rhs: sBig),
            .shiftLeft(dst: s0, src: sBig, bits: 63),
            .shiftRight(dst: sBig, src: s0, bits: 1),
            .component(dst: s0, src: sBig, slot: 2),
            .booleanAnd(dst: sBig, lhs: sBig, rhs: s0),
            .replicatedStore(name: "model_w0", src: sBig),
            .replicatedLoad(dst: s0, name: "w"),
        ]
        for function in MapFunction.allCases {
            list.append(.map(dst: .local(l0), src: .public(pBig), function: function))
        }
        for comparison in Comparison.allCases {
            list.append(.compare(dst: .public(p0), lhs: .local(l0), rhs: .private(s0), comparison: comparison))
        }
        for reduction in Reduction.allCases {
            list.append(.reduce(dst: .local(l0), src: .local(lBig), reduction: reduction, axis: nil))
            list.append(.reduce(dst: .local(l0), src: .local(lBig), reduction: reduction, axis: 5))
        }
        return list
    }()

    /// A program holding every sample, with tables large enough for their indices. Offline rounds hold the
    /// preprocessing samples; the decoder does not care that nothing here would verify.
    static let program: Program = {
        var players = PlayerID.serverNames
        for index in 3..<playerCount { players.append(index == 4 ? "ünïcødé 🙂" : "player\(index)") }
        var program = Program(name: "edge cases.tfe", protocolKind: .securenn, fractionalBits: 62, players: players)
        program.privateRegisters = Array(repeating: RegisterInfo(.fixed, .scalar), count: big + 1)
        program.publicRegisters = Array(repeating: RegisterInfo(.int, Shape([0, 1 << 40])), count: big + 1)
        program.localRegisters = Array(repeating: RegisterInfo(.fixed, Shape([7]), owner: PlayerID(4)), count: big + 1)
        program.constants = [[], [], Array(repeating: 0.25, count: 1_000)]
        program.constants[0] = [0, -0.0, .pi, -1e300, .infinity, .nan, .leastNonzeroMagnitude]
        program.inputs = [
            IODeclaration(
                player: PlayerID(3), name: "x", element: .fixed, shape: Shape([100, 784]), disclosure: .private),
            IODeclaration(player: PlayerID(4), name: longName, element: .int, shape: .scalar, disclosure: .local),
        ]
        program.outputs = [
            IODeclaration(player: PlayerID(0), name: "", element: .fixed, shape: Shape([1]), disclosure: .public)
        ]
        let preprocessing = instructions.filter { $0.opcode.isPreprocessing }
        let online = instructions.filter { !$0.opcode.isPreprocessing }
        program.offline = [Round(Array(preprocessing.prefix(2))), Round(), Round(Array(preprocessing.dropFirst(2)))]
        program.online = [Round(Array(online.prefix(20))), Round(), Round(Array(online.dropFirst(20)))]
        program.locations = (0..<instructions.count).map { SourceLocation(line: $0 == 0 ? 0 : $0 * 1_000, column: $0) }
        return program
    }()
}

@Suite struct RoundTripTests {
    @Test func samplesCoverEveryOpcode() {
        let covered = Set(Samples.instructions.map(\.opcode))
        #expect(covered == Set(Opcode.allCases).subtracting([.invalid]))
    }

    @Test(arguments: Samples.instructions)
    func operandsRoundTrip(_ instruction: Instruction) {
        let operands = instruction.operands
        #expect(operands.count == instruction.opcode.operands.count)
        #expect(Instruction(opcode: instruction.opcode, operands: operands) == instruction)
    }

    /// `forEachRegister` (a switch of its own, for speed) agrees with the generic operands and their kinds.
    @Test(arguments: Samples.instructions)
    func registersAgreeWithOperands(_ instruction: Instruction) {
        var expected: [(Bool, Register)] = []
        for (kind, value) in zip(instruction.opcode.operands, instruction.operands) {
            switch value {
            case .register(let register): expected.append((kind == .destination, register))
            case .registers(let registers): expected += registers.map { (false, $0) }
            default: break
            }
        }
        var visited: [(Bool, Register)] = []
        instruction.forEachRegister { visited.append(($0, $1)) }
        #expect(visited.map(\.0) == expected.map(\.0))
        #expect(visited.map(\.1) == expected.map(\.1))
        #expect(instruction.destinations == expected.filter(\.0).map(\.1))
        #expect(instruction.sources == expected.filter { !$0.0 }.map(\.1))
    }

    /// The encoder writes an instruction from its slot words (`BinaryBlockWriter.instruction`, a switch of its
    /// own, for speed): its bytes are the file layout's, written here from the generic operands. The block
    /// starts smaller than any instruction, so that it grows and flushes.
    @Test(arguments: Samples.instructions)
    func blockEncodingAgreesWithOperands(_ instruction: Instruction) {
        var expected = BinaryWriter()
        func register(_ register: Register) {
            switch register {
            case .private: expected.byte(0)
            case .public: expected.byte(1)
            case .local: expected.byte(2)
            }
            expected.unsigned(register.index)
        }
        expected.byte(instruction.opcode.rawValue)
        for value in instruction.operands {
            switch value {
            case .register(let r): register(r)
            case .registers(let list):
                expected.unsigned(list.count)
                list.forEach(register)
            case .player(let player): expected.unsigned(player.rawValue)
            case .string(let text): expected.string(text)
            case .constant(let index): expected.unsigned(index)
            case .integer(let value): expected.signed(value)
            case .integers(let list):
                expected.unsigned(list.count)
                list.forEach { expected.signed($0) }
            case .selector(let code): expected.byte(code)
            }
        }
        var out = BinaryWriter()
        out.byte(0xEE)
        var block = BinaryBlockWriter(capacity: 4)
        block.reserve(1, flushingInto: &out)
        block.byte(0xEE)
        block.instruction(instruction, flushingInto: &out)
        block.instruction(instruction, flushingInto: &out)
        block.flush(into: &out)
        #expect(out.bytes == [0xEE, 0xEE] + expected.bytes + expected.bytes)
    }

    /// Each operand replaced by a value of another kind makes the instruction unbuildable.
    @Test(arguments: Samples.instructions)
    func wrongOperandKindsAreRejected(_ instruction: Instruction) {
        let operands = instruction.operands
        let substitutes: [OperandValue] = [
            .registers([]), .player(PlayerID(0)), .string(""), .constant(0), .integer(0), .integers([]), .selector(0),
            .register(.private(PrivateRegister(0))),
        ]
        for slot in operands.indices {
            for substitute in substitutes where !sameKind(substitute, operands[slot]) {
                var changed = operands
                changed[slot] = substitute
                // See unusedTripleSlotIsNotChecked.
                if instruction.opcode == .triple, instruction.tripleKind(3).code != .conv2d, slot == 5 {
                    continue
                }
                #expect(
                    Instruction(opcode: instruction.opcode, operands: changed) == nil, "slot \(slot) = \(substitute)")
            }
        }
        #expect(Instruction(opcode: instruction.opcode, operands: Array(operands.dropLast())) == nil)
        #expect(Instruction(opcode: instruction.opcode, operands: operands + [.integer(0)]) == nil)
        #expect(Instruction(opcode: .invalid, operands: operands) == nil)
    }

    /// `Instruction(opcode:operands:)` does not look at the padding slot of a mul or matmul triple, so any
    /// operand there is accepted. Files are safe: the decoder reads a selector there whatever the kind, and
    /// its canonical-encoding check rejects a nonzero one.
    @Test func unusedTripleSlotIsNotChecked() {
        let s = OperandValue.register(.private(PrivateRegister(0)))
        #expect(Instruction(opcode: .triple, operands: [s, s, s, .selector(0), .integer(0), .string("")]) == nil)
    }

    @Test func typedRegisterSlotsRejectOtherKinds() {
        let p = OperandValue.register(.public(PublicRegister(0)))
        let s = OperandValue.register(.private(PrivateRegister(0)))
        let l = OperandValue.register(.local(LocalRegister(0)))
        #expect(Instruction(opcode: .trunc, operands: [p, p]) != nil)
        #expect(Instruction(opcode: .trunc, operands: [s, p]) == nil)
        #expect(Instruction(opcode: .open, operands: [p, l]) == nil)
        #expect(Instruction(opcode: .reveal, operands: [s, s, .player(PlayerID(0))]) == nil)
        #expect(Instruction(opcode: .share, operands: [s, p]) == nil)
        #expect(Instruction(opcode: .triple, operands: [s, s, p, .selector(0), .integer(0), .selector(0)]) == nil)
        #expect(Instruction(opcode: .map, operands: [l, l, .selector(UInt8(MapFunction.allCases.count))]) == nil)
        #expect(Instruction(opcode: .compare, operands: [l, l, l, .selector(6)]) == nil)
        #expect(Instruction(opcode: .reduce, operands: [l, l, .selector(2), .integer(0)]) == nil)
        #expect(Instruction(opcode: .conv2d, operands: [s, s, p, .integer(1), .selector(2)]) == nil)
        #expect(Instruction(opcode: .triple, operands: [s, s, s, .selector(3), .integer(0), .selector(0)]) == nil)
    }

    @Test func edgeCaseProgramRoundTripsThroughBytes() throws {
        let program = Samples.program
        let bytes = program.encoded()
        let decoded = try Program.decode(bytes)
        // NaN is not equal to itself, so compare constants by bit pattern and the rest with ==.
        #expect(decoded.constants.map { $0.map(\.bitPattern) } == program.constants.map { $0.map(\.bitPattern) })
        var withoutConstants = decoded
        withoutConstants.constants = []
        var original = program
        original.constants = []
        #expect(withoutConstants == original)
        #expect(decoded.encoded() == bytes)
        #expect(decoded.asm == program.asm)
        #expect(decoded.contentHash == program.contentHash)
    }

    /// The decoder refuses a location past 2^31 lines or 2^32 columns (each would take an entry of a
    /// process-wide table that is never emptied); the largest packed ones round-trip.
    @Test func distantLocationsAreRefused() throws {
        var program = Samples.program
        let last = program.locations.count - 1
        program.locations[last] = SourceLocation(line: (1 << 31) - 1, column: (1 << 32) - 1)
        #expect(try Program.decode(program.encoded()).locations[last] == program.locations[last])
        for location in [SourceLocation(line: 1 << 31, column: 0), SourceLocation(line: 0, column: 1 << 32)] {
            program.locations[last] = location
            do {
                _ = try Program.decode(program.encoded())
                Issue.record("decoded a location at \(location.line):\(location.column)")
            } catch {
                #expect(error.kind == .valueOutOfRange)
            }
        }
    }

    @Test(arguments: TestPrograms.all)
    func realisticProgramRoundTrips(_ program: Program) throws {
        let bytes = program.encoded()
        let decoded = try Program.decode(bytes)
        #expect(decoded == program)
        #expect(decoded.encoded() == bytes)
        #expect(decoded.asm == program.asm)
        try Verifier.verify(decoded)
    }
}

private func sameKind(_ a: OperandValue, _ b: OperandValue) -> Bool {
    switch (a, b) {
    case (.register, .register), (.registers, .registers), (.player, .player), (.string, .string),
        (.constant, .constant), (.integer, .integer), (.integers, .integers), (.selector, .selector):
        return true
    default:
        return false
    }
}

extension Instruction: CustomTestStringConvertible {
    public var testDescription: String {
        let text = Samples.program.asm(of: self)
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}

extension Program: CustomTestStringConvertible {
    public var testDescription: String { name }
}
