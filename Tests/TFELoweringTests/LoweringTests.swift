import Testing
import TFEBytecode
import TFECore
import TFEFrontend
@testable import TFELowering

/// Lowering: structure of the emitted protocols and their cost.
struct LoweringTests {
    static func lower(_ text: String, optimize: Bool = false) -> Program {
        let result = Compiler.compile(SourceFile(path: "test.tfe", text: text), options: CompilerOptions(optimize: optimize))
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.sorted.map(\.message))")
        return result.program ?? Program(name: "", protocolKind: .pond, fractionalBits: 16, players: [])
    }

    static let header = "player alice, bob\n"

    @Test func orderingsHoldInThePassTable() {
        let names = Compiler.passes.map(\.name)
        for ordering in Compiler.orderings {
            let first = names.firstIndex(of: ordering.first), second = names.firstIndex(of: ordering.before)
            #expect(first != nil && second != nil && first! < second!, "\(ordering.first) before \(ordering.before)")
        }
    }

    @Test func privateProductCostsOneOnlineRoundOfMaskedOperandsPlusTruncation() {
        let program = Self.lower(Self.header + """
            x = private_input(alice, [4, 3])
            y = private_input(bob, [4, 3])
            output(alice, "z", x * y)
            """)
        let cost = CostModel.cost(of: program)
        // Rounds: two inputs, the product's open, the truncation's open, the output.
        #expect(cost.rounds[.online] == 5)
        // Unbatched, every preprocessing instruction has its round: masks carry nothing, but the first one
        // carries server2's seeds; then the product's correlation and the truncation pair.
        #expect(cost.rounds[.offline] == 3)
        let s0s1 = cost.bytes[Cost.Link(from: .server0, to: .server1, phase: .online)]
        // Product: d and e (12 elements each); truncation: 12 elements; one frame header per round.
        #expect(s0s1 == (12 + 12) * 8 + 16 + 12 * 8 + 16)
        // Offline: server2 sends server1 the seed, the product's c correction (12) and the truncation's two
        // shares (24), each round in a frame of its own.
        let s2s1 = cost.bytes[Cost.Link(from: .server2, to: .server1, phase: .offline)]
        #expect(s2s1 == 32 + 16 + 12 * 8 + 16 + 24 * 8 + 16)
    }

    @Test func productWithAPublicConstantIsLocalButTruncated() {
        let program = Self.lower(Self.header + "x = private_input(alice, [5])\noutput(alice, \"y\", x * 0.5)\n")
        let opens = program.online.flatMap(\.instructions).filter { $0.opcode == .open }
        #expect(opens.count == 1)  // the truncation's
        #expect(!program.offline.flatMap(\.instructions).contains { $0.opcode == .triple })
    }

    @Test func integerScalingAvoidsTruncation() {
        let program = Self.lower(Self.header + "x = private_input(alice, [5])\noutput(alice, \"y\", x * 3)\n")
        #expect(program.offline.isEmpty)
    }

    @Test func squareMasksAndOpensItsOperandOnce() {
        let program = Self.lower(Self.header + "x = private_input(alice, [5])\noutput(alice, \"y\", x * x)\n")
        let offline = program.offline.flatMap(\.instructions).map(\.opcode)
        #expect(offline == [.mask, .product, .truncPair])
        let opens = program.online.flatMap(\.instructions).filter { $0.opcode == .open }
        #expect(opens.count == 2)  // x − a, and the truncation's
    }

    @Test func aValueInSeveralProductsIsMaskedAndOpenedOnce() {
        let program = Self.lower(Self.header + """
            x = private_input(alice, [4, 4])
            w = private_input(bob, [4, 4])
            v = private_input(bob, [4, 4])
            output(alice, "y", x @ w + x @ v + x * w)
            """, optimize: true)
        let offline = program.offline.flatMap(\.instructions).map(\.opcode)
        #expect(offline.count { $0 == .mask } == 3)
        #expect(offline.count { $0 == .product } == 3)
        // Three masked operands opened once each, in one round; three truncations.
        let opens = program.online.flatMap(\.instructions).filter { $0.opcode == .open }
        #expect(opens.count == 3 + 3)
        let cost = CostModel.cost(of: program)
        let s0s1 = cost.bytes[Cost.Link(from: .server0, to: .server1, phase: .online)] ?? 0
        // Opened: x, w, v (16 elements each) once, and three truncations of 16; in two rounds.
        #expect(s0s1 == (3 * 16 + 3 * 16) * 8 + 2 * 16)
    }

    @Test func unsupportedOperationsAreReported() {
        let result = Compiler.compile(SourceFile(path: "t.tfe", text: """
            protocol securenn
            player alice
            x = private_input(alice, [5])
            output(alice, "y", relu(x))
            """))
        #expect(result.diagnostics.all.map(\.kind) == ["unsupported"])
        #expect(result.program == nil)
    }

    @Test func batchingMergesIndependentCommunication() {
        let source = Self.header + """
            x = private_input(alice, [4, 3])
            y = private_input(bob, [4, 3])
            output(alice, "z", x * y)
            """
        let cost = CostModel.cost(of: Self.lower(source, optimize: true))
        // Both inputs share a round; then the product's open, the truncation's open, the output.
        #expect(cost.rounds[.online] == 4)
        #expect(cost.rounds[.offline] == 1)
        // Bytes are unchanged except for frame headers saved by merging.
        let unbatched = CostModel.cost(of: Self.lower(source))
        #expect(cost.totalBytes < unbatched.totalBytes)
    }

    @Test func independentProductsShareRoundsAndDependentChainsGrowByAConstant() {
        func rounds(_ chain: Int, independent: Int) -> Int {
            var text = Self.header + "x = private_input(alice, [3])\n"
            for k in 0..<independent { text += "y\(k) = x * x\noutput(alice, \"y\(k)\", y\(k))\n" }
            text += "c = x\nfor i in 0..<\(chain) { c = c * x }\noutput(alice, \"c\", c)\n"
            return CostModel.cost(of: Self.lower(text, optimize: true)).rounds[.online] ?? 0
        }
        #expect(rounds(1, independent: 1) == rounds(1, independent: 10))
        #expect(rounds(3, independent: 0) - rounds(2, independent: 0) == 2)
        #expect(rounds(4, independent: 0) - rounds(3, independent: 0) == 2)
    }
}
