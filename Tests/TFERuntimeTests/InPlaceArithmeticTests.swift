// `add` and `sub` write into the buffer of an operand they read for the last time: the same values as the new
// array an instruction writes when something watches the registers (and the machine must not touch them).

import TFEBytecode
import TFECore
import TFENumPy
import TFETestSupport
import Testing

@testable import TFERuntime

@Suite struct InPlaceArithmeticTests {
    typealias B = ProgramBuilder

    /// Watches every instruction, which keeps every operand out of place.
    final class Watcher: MachineObserver {
        func machine(_ party: PlayerID, completed index: Int, registers: RegisterView) throws(MachineError) {}
    }

    /// d = x - y where only x dies; e = z - d where only d dies; g = z + e where both die; f = c + c2 on public
    /// values; outputs y, e, g and f.
    static func program() -> Program {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [3, 4])
        let (y, readY) = b.input(B.bob, "y", [3, 4])
        let (z, readZ) = b.input(B.alice, "z", [3, 4])
        let c = b.constant([1.5], [3, 4]), c2 = b.constant([-0.25], [3, 4])
        b.online(readX, readY, readZ)
        b.nextRound()
        let (d, e, g) = (
            Register.private(b.makePrivate([3, 4])), Register.private(b.makePrivate([3, 4])),
            Register.private(b.makePrivate([3, 4]))
        )
        let f = Register.public(b.makePublic([3, 4]))
        b.online(
            .sub(dst: d, lhs: x, rhs: y), .sub(dst: e, lhs: z, rhs: d), .add(dst: g, lhs: z, rhs: e),
            .add(dst: f, lhs: c, rhs: c2))
        b.nextRound()
        b.online(
            b.output(B.alice, "y", y), b.output(B.alice, "e", e), b.output(B.alice, "g", g),
            b.output(B.alice, "f", f))
        return b.program
    }

    @Test func operandsWrittenInPlaceGiveTheValuesOfNewArrays() throws {
        let program = Self.program()
        let (x, y, z) = (testValues(12, seed: 1), testValues(12, seed: 2), testValues(12, seed: 3))
        let inputs: [PlayerID: [String: NPYArray]] = [
            B.alice: ["x": npy(x, [3, 4]), "z": npy(z, [3, 4])], B.bob: ["y": npy(y, [3, 4])],
        ]
        let inPlace = try runChecked(program, inputs: inputs)
        var options = LocalRunOptions(seed: 7, receiveTimeout: .seconds(600))
        options.observer = Watcher()
        let watched = try LocalRun.run(program, inputs: inputs, options: options)
        #expect(inPlace[B.alice].outputs == watched[B.alice].outputs)
        let e = zip(z, zip(x, y)).map { $0 - ($1.0 - $1.1) }
        let outputs = inPlace[B.alice].outputs
        expectClose(try #require(outputs["y"]).doubles, y, tolerance: 1e-9)
        expectClose(try #require(outputs["e"]).doubles, e, tolerance: 1e-9)
        expectClose(try #require(outputs["g"]).doubles, zip(z, e).map { $0 + $1 }, tolerance: 1e-9)
        expectClose(try #require(outputs["f"]).doubles, Array(repeating: 1.25, count: 12), tolerance: 1e-9)
    }

    @Test func subtractingReplacingTheRightOperand() {
        var generator = SplitMix64(seed: 5)
        let x = generator.ringValues(100), y = generator.ringValues(100)
        var replaced = y
        RingKernels.subtract(x, replacing: &replaced)
        #expect(replaced == RingKernels.subtract(x, y))
    }
}
