// ABY3 end to end: the per-operation property programs and the Pond and SecureNN programs under
// `protocol aby3`, against the float64 reference, with measured bytes equal to the cost model's.

import Foundation
import Testing
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFERuntime
import TFETestSupport

/// `text` with its protocol declaration replaced by (or, without one, preceded by) `protocol aby3`.
func underABY3(_ text: String) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if let line = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("protocol ") }) {
        lines[line] = "protocol aby3"
        return lines.joined(separator: "\n")
    }
    return "protocol aby3\n" + text
}

struct ABY3Tests {
    /// Every operation case: Pond's, and SecureNN's with its protocol line switched to aby3.
    static let operations = OperationCase.allCases

    @Test("random programs run under aby3 as the reference", arguments: operations)
    func operationMatchesReference(_ operation: OperationCase) throws {
        for (trial, seed) in OperationPropertyTests.seeds(for: operation).prefix(4).enumerated() {
            var generator = SplitMix64(seed: seed)
            let text = underABY3(operation.generate(&generator).text)
            var distributionGenerator = SplitMix64(seed: seed)
            let generated = operation.generate(&distributionGenerator)
            try checkAgainstReference(text, name: operation.rawValue, seed: seed, optimize: trial % 2 == 0,
                                      capped: false, distribution: generated.distribution(for:))
        }
    }

    /// The programs under `programs/` (and the golden programs), Pond's and SecureNN's, that keep no stored
    /// values, under aby3. (SecureNN's trained MNIST networks run on their real data under aby3 in
    /// `TFESecureNNTests`, as under securenn.)
    static let programs: [ProgramCase] = EndToEndTests.runnableCases.filter { program in
        let text = EndToEnd.read(program.path)
        return !text.contains("store(") && !text.contains("load(")
    }

    @Test func thereArePondAndSecureNNPrograms() {
        #expect(Self.programs.count >= 20)
        #expect(Self.programs.contains { $0.relativePath == "programs/mnist/mnist-pond.tfe" })
        #expect(Self.programs.contains { $0.relativePath == "programs/securenn-training/securenn-training.tfe" })
    }

    @Test("programs run under aby3 as the reference", arguments: programs)
    func programMatchesReference(_ program: ProgramCase) throws {
        let settings = EndToEndTests.settings[program.relativePath] ?? ProgramSettings()
        try checkAgainstReference(underABY3(EndToEnd.read(program.path)), name: program.fileName, seed: program.seed,
                                  optimize: true, overrides: settings.overrides,
                                  distribution: settings.distribution(for:))
    }

    /// Products that reach the edge of the range before truncation (|x·y| near 2^30 at 16 fractional bits, so
    /// 2^62 as a ring value), tiny ones, signs, zeros: each within one unit in the last place.
    @Test func truncationAtTheEdgesOfTheRange() throws {
        let edges: [Double] = [
            1_073_000_000, -1_073_000_000, 536_870_912, -536_870_912, 1, -1, 0, 0x1p-16, -0x1p-16, 3.25, -7.5,
            32_767.5, -32_767.5, 1e-3, 123_456.789,
        ]
        let text = """
            protocol aby3
            player alice, bob
            x = private_input(alice, [\(edges.count)])
            y = private_input(bob, [\(edges.count)])
            output(alice, "product", x * y)
            output(alice, "scaled", x * 0.5)
            output(alice, "third", x / 3)
            """
        let compiled = EndToEnd.compile(text, path: "edges.tfe", optimize: true)
        let program = try #require(compiled.program)
        let ulp = 0x1p-16
        let xs = edges.map { ($0 / ulp).rounded() * ulp }
        let ys = edges.map { abs($0) >= 1 ? 1.0 : 1024.0 }
        for seed in [UInt64(1), 2, 3, 4] {
            var inputs = ProgramInputs()
            inputs.set(PlayerID(3), "x", shape: [edges.count], values: xs, element: .fixed)
            inputs.set(PlayerID(4), "y", shape: [edges.count], values: ys, element: .fixed)
            let run = try EndToEnd.run(program, inputs, seed: seed)
            #expect(run.cost == CostModel.cost(of: program))
            let outputs = run[PlayerID(3)].outputs
            let product = try #require(outputs["product"]).doubles
            let scaled = try #require(outputs["scaled"]).doubles
            let third = try #require(outputs["third"]).doubles
            for i in edges.indices {
                #expect(abs(product[i] - xs[i] * ys[i]) <= ulp, "x = \(xs[i]), y = \(ys[i]), seed \(seed)")
                #expect(abs(scaled[i] - xs[i] * 0.5) <= ulp, "x = \(xs[i]), seed \(seed)")
                #expect(abs(third[i] - xs[i] / 3) <= ulp, "x = \(xs[i]), seed \(seed)")
            }
        }
    }

    /// A product costs one round and one ring element per output element on each of the three links
    /// server0 → server2, server1 → server0, server2 → server1; a truncation two rounds of one element each way
    /// between server0 and server1, after server2 dealt its pair (2 elements per value to server1).
    @Test func costsAreThePaperCounts() throws {
        let text = """
            protocol aby3
            player alice
            a = private_input(alice, [3, 4], dtype: int)
            b = private_input(alice, [4, 5], dtype: int)
            x = private_input(alice, [3, 4])
            y = private_input(alice, [4, 5])
            output(alice, "ints", a @ b)
            output(alice, "fixed", x @ y)
            """
        let program = try #require(EndToEnd.compile(text, path: "cost.tfe", optimize: true).program)
        let cost = CostModel.cost(of: program)
        let header = WireFormat.frameHeaderBytes
        func link(_ from: PlayerID, _ to: PlayerID, _ phase: Phase) -> Int {
            cost.bytes[Cost.Link(from: from, to: to, phase: phase)] ?? 0
        }
        let n = 15
        // Products: round 1 (both), truncation: rounds 2 and 3. Outputs: round 4 (ints in round 2).
        #expect(link(.server0, .server2, .online) == 2 * n * 8 + header)
        #expect(link(.server2, .server1, .online) == 2 * n * 8 + header)
        #expect(link(.server0, .server1, .online) == 2 * n * 8 + 2 * header)
        #expect(link(.server1, .server0, .online) == 4 * n * 8 + 3 * header)
        #expect(link(.server2, .server1, .offline) == 2 * n * 8 + WireFormat.seedBytes + header)
        #expect(cost.rounds[.online] == 5)
        // Each input: two seeds to server0; a seed and the n elements of x_2 to server1 and to server2.
        let alice = PlayerID(3), seed = WireFormat.seedBytes
        #expect(link(alice, .server0, .online) == 4 * 2 * seed + header)
        #expect(link(alice, .server1, .online) == (12 + 20 + 12 + 20) * 8 + 4 * seed + header)
        #expect(link(alice, .server2, .online) == (12 + 20 + 12 + 20) * 8 + 4 * seed + header)
    }

    /// The compiled comparisons cost what the binary library's cost functions (`ReplicatedCost`, the reference
    /// the opcodes follow) say, per element on all three links: a comparison as a ring 0/1 (A2B and bit
    /// injection) 10 rounds and 15 words per server, relu (A2B and the bit product) 10 rounds and 16; measured
    /// equals predicted.
    @Test func comparisonsCostWhatTheLibraryCosts() throws {
        let n = 12
        func cost(_ body: String) throws -> (bytes: Int, rounds: Int) {
            let text = "protocol aby3\nplayer alice\nx = private_input(alice, [\(n)])\n" + body
            let program = try #require(EndToEnd.compile(text, path: "cost.tfe", optimize: true).program)
            var inputs = ProgramInputs()
            inputs.set(PlayerID(3), "x", shape: [n], values: (0..<n).map { Double($0) - 5.5 }, element: .fixed)
            #expect(try EndToEnd.run(program, inputs, seed: 1).cost == CostModel.cost(of: program))
            var bytes = 0
            for entry in program.allInstructions where entry.instruction.opcode != .replicatedInput
                && entry.instruction.opcode != .output
            {
                bytes += CostModel.messages(of: entry.instruction, in: program).reduce(0) { $0 + $1.bytes }
            }
            // Less the input's round and the output's.
            return (bytes, (CostModel.cost(of: program).rounds[.online] ?? 0) - 2)
        }
        let comparison = try cost("output(alice, \"y\", x < 0)")
        #expect(comparison.bytes == ReplicatedCost.comparison(count: n).totalBytes)
        #expect(comparison.rounds == ReplicatedCost.comparison(count: n).rounds)
        let relu = try cost("output(alice, \"y\", relu(x))")
        #expect(relu.bytes == ReplicatedCost.relu(count: n).totalBytes)
        #expect(relu.rounds == ReplicatedCost.relu(count: n).rounds)
        #expect(ReplicatedCost.relu(count: n).bytesPerParty == 128 * n)
    }

    private func checkAgainstReference(
        _ text: String, name: String, seed: UInt64, optimize: Bool, overrides: [String: Int] = [:],
        capped: Bool = true, distribution: (IODeclaration) -> InputDistribution
    ) throws {
        let context = "\(name) under aby3, seed \(seed), program:\n\(text)\n"
        let compiled = EndToEnd.compile(text, path: name, overrides: overrides, optimize: optimize)
        guard let program = compiled.program else {
            Issue.record(Comment(rawValue: context + "does not compile:\n"
                + EndToEnd.describe(compiled.diagnostics, text, path: name)))
            return
        }
        #expect(program.protocolKind == .aby3)
        let inputs = EndToEnd.makeInputs(for: program, seed: seed, distribution: distribution)
        var stored: [String: ReferenceTensor] = [:]
        let reference = try ReferenceInterpreter.run(
            compiled.frontend.program, inputs: inputs.doubles, stored: &stored)
        let run = try EndToEnd.run(program, inputs, seed: seed)
        #expect(run.cost == CostModel.cost(of: program), Comment(rawValue: context + "measured cost differs"))
        // As `OperationPropertyTests` (the derived bound alone) and `EndToEndTests` (capped) compare.
        let cap = capped ? EndToEnd.accuracyCap(fractionalBits: program.fractionalBits) : nil
        let comparison = EndToEnd.compare(EndToEnd.outputs(of: run), reference, players: program.players, cap: cap)
        for problem in comparison.problems { Issue.record(Comment(rawValue: context + problem)) }
    }
}
