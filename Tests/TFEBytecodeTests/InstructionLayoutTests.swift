// `Instruction` as a struct of slot words: compact, and every value a slot can hold comes back as it went in
// (integers past 31 bits and lists out of line, registers with their kind, an axis of -1 as nil).

import TFECore
import Testing

@testable import TFEBytecode

@Suite struct InstructionLayoutTests {
    /// Passes copy millions of instructions: the enum was 64 bytes.
    @Test func instructionsAreCompact() {
        #expect(MemoryLayout<Instruction>.stride <= 40)
    }

    @Test(arguments: Opcode.allCases)
    func everyOpcodeFitsTheSlotWords(_ opcode: Opcode) {
        #expect(opcode.spec.operands.count <= Instruction.maxSlots)
    }

    /// The flat slot table the builder and the visitors read agrees with the opcode's entry.
    @Test(arguments: Opcode.allCases)
    func flatSlotTableAgreesWithTheEntry(_ opcode: Opcode) {
        let slots = opcode.spec.operands
        let raw = Int(opcode.rawValue)
        #expect(OpcodeTable.slotCounts[raw] == slots.count)
        for (index, slot) in slots.enumerated() {
            let flat = OpcodeTable.slots[raw * Instruction.maxSlots + index]
            #expect(flat.kind == slot.kind && flat.registers == slot.registers, "\(slot.name)")
            #expect(flat.selectorCodes == (slot.kind == .selector ? slot.selector?.names.count ?? 256 : 0))
        }
    }

    /// Integers at the edges of the inline range and beyond it read back exactly and round-trip through bytes.
    @Test(arguments: [0, 1, -1, 2, (1 << 30) - 1, -(1 << 30), 1 << 30, -(1 << 30) - 1, Int.max, Int.min, 1 << 40])
    func integersReadBackExactly(_ value: Int) throws {
        let s = PrivateRegister(0), p = PublicRegister(1)
        let instruction = Instruction.divFinish(dst: s, masked: p, quotient: s, wrap: s, divisor: value)
        #expect(instruction.integer(4) == value)
        #expect(instruction.operands.last == .integer(value))
        #expect(Instruction(opcode: .divFinish, operands: instruction.operands) == instruction)
    }

    @Test func registersKeepTheirKindAndIndex() {
        let largest = Register.maxIndex
        let registers: [Register] = [
            .private(PrivateRegister(0)), .public(PublicRegister(largest)), .local(LocalRegister(7)),
            .private(PrivateRegister(largest)),
        ]
        for (dst, src) in zip(registers, registers.reversed()) {
            let instruction = Instruction(.neg, dst, src)
            #expect(instruction.register(0) == dst)
            #expect(instruction.register(1) == src)
            #expect(instruction.destinations == [dst] && instruction.sources == [src])
        }
    }

    /// An axis of -1 is "every axis" in the file; in memory it is nil, so what runs is what the file says.
    @Test func axisMinusOneIsNil() {
        let r = Register.local(LocalRegister(0))
        #expect(Instruction.sum(dst: r, src: r, axis: -1) == Instruction.sum(dst: r, src: r, axis: nil))
        #expect(Instruction.sum(dst: r, src: r, axis: nil).axis(2) == nil)
        #expect(Instruction.sum(dst: r, src: r, axis: 2).axis(2) == 2)
    }

    /// Out-of-line operands compare and hash by content, wherever they sit.
    @Test func outOfLineOperandsCompareByContent() {
        let r = Register.private(PrivateRegister(1))
        let a = Instruction.slice(dst: r, src: r, begin: [0, 2], step: [1, 1])
        let b = Instruction.slice(dst: r, src: r, begin: [0, 2], step: [1, 1])
        let c = Instruction.slice(dst: r, src: r, begin: [0, 2], step: [1, 2])
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a != c)
        #expect(c.integers(2) == [0, 2] && c.integers(3) == [1, 2])
        let print = Instruction.print(player: PlayerID(3), format: "{} {}", values: [r, .local(LocalRegister(2))])
        #expect(print.player(0) == PlayerID(3) && print.string(1) == "{} {}")
        #expect(print.registers(2) == [r, .local(LocalRegister(2))])
    }

    @Test func tripleKindsFillThreeSlots() {
        let s = PrivateRegister(0)
        let kinds: [TripleKind] = [
            .mul, .matmul, .conv2d(stride: 2, padding: .same), .conv2d(stride: 1, padding: .valid),
        ]
        for kind in kinds {
            let instruction = Instruction.triple(a: s, b: s, c: s, kind: kind)
            #expect(instruction.tripleKind(3) == kind)
            #expect(Instruction(opcode: .triple, operands: instruction.operands) == instruction)
        }
    }

    /// The generic initializer and the named builders make the same instruction.
    @Test func buildersAreTheGenericInitializer() {
        let (d, l, r) = (Register.private(PrivateRegister(2)), Register.private(PrivateRegister(0)),
                         Register.public(PublicRegister(1)))
        #expect(Instruction.add(dst: d, lhs: l, rhs: r) == Instruction(.add, d, l, r))
        #expect(Instruction.map(dst: d, src: l, function: .sigmoid) == Instruction(.map, d, l, MapFunction.sigmoid))
        #expect(Instruction.mask(PrivateRegister(4)).opcode == .mask)
    }
}
