import Testing
import TFEBytecode
import TFECore
import TFEFrontend
@testable import TFELowering

/// Lowering stays linear in the program's size: per-instruction questions are answered by lookups, whose tables
/// agree with what they summarise (the timing of n against 4n lines is `tfe-bench compile`'s).
struct LinearLoweringTests {
    static func lowerer(_ text: String) throws -> Lowerer {
        let checked = Frontend.check(SourceFile(path: "test.tfe", text: text))
        #expect(!checked.diagnostics.hasErrors, "\(checked.diagnostics.sorted.map(\.message))")
        var lowerer = Lowerer(checked: checked.program)
        lowerer.run()
        return lowerer
    }

    /// `isZero` searches the zero registers: exactly the materialized constants that are 0, public and local, each
    /// once.
    @Test func zeroRegistersAreTheConstantTablesZeros() throws {
        var text = "protocol securenn\nplayer alice, bob\nx = private_input(alice, [3])\nl = input(alice, [3])\n"
        for i in 0..<50 { text += "y\(i) = x * \(i % 7) + \(i)\nz\(i) = l * \(i % 5)\n" }
        text += "c = x < 0\nd = l >= 0\noutput(bob, \"c\", c)\noutput(alice, \"d\", d + z3)\n"
        text += "output(bob, \"s\", y0 + y49)\n"
        let lowerer = try Self.lowerer(text)
        let zeros = Set(lowerer.constantRegisters.filter { $0.key.value == 0 }.map(\.value))
        #expect(zeros.count >= 2)  // a public 0 and alice's local 0
        #expect(Set(lowerer.zeroRegisters) == zeros)
        #expect(lowerer.zeroRegisters.count == zeros.count)
        for register in lowerer.constantRegisters.values {
            #expect(lowerer.isZero(register) == zeros.contains(register))
        }
    }

    /// Each distinct constant is materialized once however many times it is used, so the constant table grows
    /// with the distinct values, not with the uses.
    @Test func constantsAreMaterializedOncePerValue() throws {
        var text = "player alice\nx = private_input(alice, [1])\ns = x\n"
        for i in 0..<400 { text += "s = s + x * \(i % 10)\n" }
        text += "output(alice, \"s\", s)\n"
        let lowerer = try Self.lowerer(text)
        #expect(lowerer.program.constants.count == lowerer.constantRegisters.count)
        #expect(lowerer.constantRegisters.count <= 10 + 2)
    }
}
