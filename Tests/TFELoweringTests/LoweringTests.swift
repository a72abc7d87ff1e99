import TFETestSupport
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

/// Round batching against an independent model of communication depth, on random dependency graphs.
struct RoundDepthProperty {
    /// SplitMix64: small, seeded, reproducible.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    /// A random program and the online rounds its communication depth implies: an input arrives in round 1;
    /// an addition is ready when both operands are; a private product opens its masked operands when both
    /// are ready, then its truncation opens one round later, so it is ready two rounds after its operands;
    /// a product with a constant only truncates (one round); an output goes out in the round its value is
    /// ready. The program needs as many rounds as its latest communication.
    static func randomProgram(seed: UInt64) -> (source: String, depth: Int) {
        var random = Generator(state: seed)
        var lines = ["player alice, bob"]
        var ready: [Int] = []
        let inputs = 2 + random.below(3)
        for k in 0..<inputs {
            lines.append("v\(k) = private_input(\(k % 2 == 0 ? "alice" : "bob"), [3])")
            ready.append(1)
        }
        var rounds = 0
        for k in inputs..<(inputs + 4 + random.below(12)) {
            let a = random.below(k), b = random.below(k)
            switch random.below(4) {
            case 0:
                lines.append("v\(k) = v\(a) + v\(b)")
                ready.append(max(ready[a], ready[b]))
            case 1:
                lines.append("v\(k) = v\(a) * 0.5")
                ready.append(ready[a] + 1)
            default:
                lines.append("v\(k) = v\(a) * v\(b)")
                ready.append(max(ready[a], ready[b]) + 2)
            }
            rounds = max(rounds, ready[k])
        }
        let count = ready.count
        for k in max(0, count - 2)..<count {
            lines.append("output(alice, v\(k))")
            rounds = max(rounds, ready[k] + 1)
        }
        return (lines.joined(separator: "\n") + "\n", rounds)
    }

    @Test(arguments: (1...60).map { UInt64($0) * 7919 })
    func onlineRoundsEqualTheCommunicationDepth(seed: UInt64) {
        let (source, depth) = Self.randomProgram(seed: seed)
        let optimized = LoweringTests.lower(source, optimize: true)
        let unoptimized = LoweringTests.lower(source, optimize: false)
        let rounds = CostModel.cost(of: optimized).rounds[.online] ?? 0
        #expect(rounds == depth, "seed \(seed):\n\(source)")
        #expect((CostModel.cost(of: unoptimized).rounds[.online] ?? 0) >= rounds, "seed \(seed)")
        #expect(CostModel.cost(of: optimized).rounds[.offline] == 1, "seed \(seed)")
        #expect((try? Verifier.verify(optimized)) != nil, "seed \(seed): the batched program does not verify")
    }

    @Test func interleavedIndependentChainsTakeTheRoundsOfOneChain() {
        func chains(_ count: Int) -> Int {
            var lines = ["player alice"]
            for c in 0..<count {
                lines.append("x\(c) = private_input(alice, [2])")
                lines.append("y\(c) = x\(c)")
            }
            for _ in 0..<5 { for c in 0..<count { lines.append("y\(c) = y\(c) * x\(c)") } }
            for c in 0..<count { lines.append("output(alice, y\(c))") }
            let program = LoweringTests.lower(lines.joined(separator: "\n") + "\n", optimize: true)
            return CostModel.cost(of: program).rounds[.online] ?? 0
        }
        #expect(chains(1) == chains(4))
        #expect(chains(1) == 1 + 5 * 2 + 1)
    }

    @Test func tenThousandIndependentProductsThenTenThousandDependentOnesTakeTwoProducts() {
        var lines = ["player alice", "x = private_input(alice, [1])", "y = private_input(alice, [1])"]
        for k in 0..<10_000 { lines.append("a\(k) = x * y") }
        for k in 0..<10_000 { lines.append("b\(k) = a\(k) * x") }
        lines.append("output(alice, \"last\", b9999)")
        let program = LoweringTests.lower(lines.joined(separator: "\n") + "\n", optimize: true)
        // Input, two products of two rounds each, output.
        #expect(CostModel.cost(of: program).rounds[.online] == 1 + 2 * 2 + 1)
    }
}
