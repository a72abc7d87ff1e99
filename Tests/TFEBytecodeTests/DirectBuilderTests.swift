// The builders the lowering calls per product fill slot words directly (`Instruction.direct`): each must build
// the instruction the generic, table-checked initializer builds, for registers small and at the largest index.

import TFECore
import Testing

@testable import TFEBytecode

@Suite struct DirectBuilderTests {
    static let indices = [0, 1, 7, 12_345, (1 << 29) + 3, Register.maxIndex]

    @Test(arguments: indices)
    func registerBuildersEqualTheGenericInitializer(_ index: Int) {
        let s = PrivateRegister(index), t = PrivateRegister(index / 2), u = PrivateRegister(index / 3)
        let p = PublicRegister(index / 5)
        let kinds: [Register] = [.private(s), .public(p), .private(u)]
        for (dst, lhs, rhs) in [(kinds[0], kinds[1], kinds[2]), (kinds[0], kinds[2], kinds[1]),
                                (kinds[1], kinds[1], kinds[1]), (kinds[0], kinds[0], kinds[0])] {
            #expect(Instruction.add(dst: dst, lhs: lhs, rhs: rhs) == Instruction(.add, dst, lhs, rhs))
            #expect(Instruction.sub(dst: dst, lhs: lhs, rhs: rhs) == Instruction(.sub, dst, lhs, rhs))
            #expect(Instruction.mul(dst: dst, lhs: lhs, rhs: rhs) == Instruction(.mul, dst, lhs, rhs))
        }
        #expect(Instruction.open(dst: p, src: s) == Instruction(.open, p, s))
        #expect(Instruction.mask(s) == Instruction(.mask, s))
        #expect(Instruction.truncPair(r: s, high: t, msb: u) == Instruction(.truncPair, s, t, u))
        #expect(
            Instruction.truncFinish(dst: s, masked: p, high: t, msb: u) == Instruction(.truncFinish, s, p, t, u))
        for kind in [TripleKind.mul, .matmul, .conv2d(stride: 2, padding: .same), .conv2d(stride: 1, padding: .valid)] {
            #expect(Instruction.product(c: s, a: t, b: u, kind: kind) == Instruction(.product, s, t, u, kind))
        }
    }

    /// The direct instructions read back as they went in, through the table's readers and the operand list.
    @Test func directInstructionsReadBack() {
        let s = PrivateRegister(3), t = PrivateRegister(4), p = PublicRegister(5)
        let add = Instruction.add(dst: .private(s), lhs: .public(p), rhs: .private(t))
        #expect(add.operands == [.register(.private(s)), .register(.public(p)), .register(.private(t))])
        #expect(add.destinations == [.private(s)] && add.sources == [.public(p), .private(t)])
        let product = Instruction.product(c: s, a: t, b: s, kind: .matmul)
        #expect(product.operands.count == Opcode.product.spec.operands.count)
        #expect(Instruction(opcode: .product, operands: product.operands) == product)
    }
}
