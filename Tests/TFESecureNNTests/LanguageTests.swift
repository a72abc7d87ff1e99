// `relu`, comparisons and `where` on private values under `protocol securenn` and `protocol aby3`, compiled from
// source and run on local threads, against their plaintext definitions; measured traffic equals the cost model's
// in every run.

import TFEBytecode
import TFECore
import TFENumPy
import TFERuntime
import Testing

@Suite struct LanguageTests {
    typealias S = SecureNNSupport

    /// Ring values at the edges: 0, ±1, ±2^61, ±(2^62 − 1), ±2^62, the largest magnitudes but −2^63, and
    /// values just around them, then random ones.
    static let edgeIntegers: [Int64] = {
        var values: [Int64] = [0, 1, -1, 2, -2, 1 << 61, -(1 << 61), (1 << 61) + 1, -(1 << 61) - 1, (1 << 62) - 1,
                               -(1 << 62) + 1, 1 << 62, -(1 << 62), Int64.max, Int64.min + 1, Int64.max - 1]
        var prg = PRG(seed: Seed(fixed: 41), stream: 0)
        values += prg.nextUInt64s(count: 48).map { Int64(bitPattern: $0) }.filter { $0 != .min }
        values += prg.nextUInt64s(count: 16).map { Int64(bitPattern: $0) >> 40 }
        return values
    }()

    /// Runs a one-output program and returns the output's values.
    static func evaluate(
        _ body: String, _ inputs: [String: NPYArray], under comparing: Comparing, from owner: PlayerID = S.alice,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> OutputValue {
        let program = try #require(S.compile(comparing.header + body, sourceLocation: sourceLocation))
        let run = try S.run(program, inputs: [owner: inputs], sourceLocation: sourceLocation)
        return try #require(run[S.bob].outputs["y"])
    }

    // MARK: - ReLU

    @Test(arguments: Comparing.allCases)
    func reluIsExactOnTheWholeRing(_ comparing: Comparing) throws {
        let xs = Self.edgeIntegers
        let y = try Self.evaluate(
            "x = private_input(alice, [\(xs.count)], dtype: int)\noutput(bob, \"y\", relu(x))",
            ["x": S.ints(xs, [xs.count])], under: comparing)
        #expect(y.values == .int(xs.map { max(0, $0) }))
    }

    @Test(arguments: Comparing.allCases)
    func reluIsExactOnFixedPointEdges(_ comparing: Comparing) throws {
        let ulp = 1.0 / 65536
        var xs: [Double] = [0, ulp, -ulp, 2 * ulp, -2 * ulp, 0.5, -0.5, 1 - ulp, -(1 - ulp), 536_870_912, -536_870_912]
        xs += [Double(1 << 30) - ulp, -Double(1 << 30) + ulp]
        var prg = PRG(seed: Seed(fixed: 43), stream: 0)
        xs += (0..<40).map { _ in Double(Int64(bitPattern: prg.next()) >> 34) * ulp }
        let y = try Self.evaluate(
            "x = private_input(alice, [\(xs.count)])\noutput(bob, \"y\", relu(x))", ["x": S.doubles(xs, [xs.count])],
            under: comparing)
        #expect(y.doubles == xs.map { max(0, $0) })
    }

    @Test(arguments: Comparing.allCases)
    func reluOfAMatrixKeepsItsShape(_ comparing: Comparing) throws {
        let xs: [Double] = [-1, 2, -3, 4, 0, -0.25]
        let y = try Self.evaluate(
            "x = private_input(alice, [2, 3])\noutput(bob, \"y\", relu(x) + 1)", ["x": S.doubles(xs, [2, 3])],
            under: comparing)
        #expect(y.shape == Shape([2, 3]))
        #expect(y.doubles == xs.map { max(0, $0) + 1 })
    }

    // MARK: - Comparisons

    static let operators: [(String, @Sendable (Int64, Int64) -> Bool)] = [
        ("<", { $0 < $1 }), ("<=", { $0 <= $1 }), (">", { $0 > $1 }), (">=", { $0 >= $1 }), ("==", { $0 == $1 }),
        ("!=", { $0 != $1 }),
    ]

    /// Pairs of integers below 2^62 in magnitude: equal, one apart, far apart with either sign.
    static let pairs: [(Int64, Int64)] = {
        let big = (Int64(1) << 62) - 1
        var result: [(Int64, Int64)] = [
            (0, 0), (0, 1), (1, 0), (-1, 0), (0, -1), (-1, -1), (5, 5), (1 << 61, -(1 << 61)), (-(1 << 61), 1 << 61),
            (big, -big), (-big, big), (big, big), (big, big - 1), (-big, -big + 1), (1 << 61, (1 << 61) + 1),
        ]
        var prg = PRG(seed: Seed(fixed: 47), stream: 0)
        for _ in 0..<24 {
            let a = Int64(bitPattern: prg.next()) >> 2
            let b = prg.next() % 3 == 0 ? a : Int64(bitPattern: prg.next()) >> 2
            result.append((a, b))
        }
        return result
    }()

    @Test(arguments: Comparing.allCases, 0..<6)
    func comparisonsAreExactOnIntegers(_ comparing: Comparing, _ which: Int) throws {
        let (symbol, definition) = Self.operators[which]
        let (a, b) = (Self.pairs.map(\.0), Self.pairs.map(\.1))
        let n = a.count
        let y = try Self.evaluate(
            "a = private_input(alice, [\(n)], dtype: int)\nb = private_input(alice, [\(n)], dtype: int)\n"
                + "output(bob, \"y\", a \(symbol) b)",
            ["a": S.ints(a, [n]), "b": S.ints(b, [n])], under: comparing)
        #expect(y.values == .int(zip(a, b).map { definition($0, $1) ? 1 : 0 }), "a \(symbol) b")
    }

    @Test(arguments: Comparing.allCases, 0..<6)
    func comparisonsWithAConstantOnFixedPoint(_ comparing: Comparing, _ which: Int) throws {
        let (symbol, definition) = Self.operators[which]
        let ulp = 1.0 / 65536
        let xs: [Double] = [0.5, 0.5 - ulp, 0.5 + ulp, 0, -0.5, 1000, -1000, 0.25]
        let y = try Self.evaluate(
            "x = private_input(alice, [\(xs.count)])\noutput(bob, \"y\", x \(symbol) 0.5)",
            ["x": S.doubles(xs, [xs.count])], under: comparing)
        let expected = xs.map { definition(Int64($0 * 65536), 32768) ? Int64(1) : 0 }
        #expect(y.values == .int(expected), "x \(symbol) 0.5")
    }

    @Test(arguments: Comparing.allCases)
    func comparisonsBroadcastAndMixIntWithFixed(_ comparing: Comparing) throws {
        let program = try #require(S.compile(comparing.header + """
            x = private_input(alice, [2, 3])
            n = private_input(bob, [3], dtype: int)
            output(bob, "y", x < n)
            """))
        let xs: [Double] = [0.5, 2, 2.5, -1, 1, 3], ns: [Int64] = [1, 2, 3]
        let run = try S.run(program, inputs: [S.alice: ["x": S.doubles(xs, [2, 3])], S.bob: ["n": S.ints(ns, [3])]])
        let y = try #require(run[S.bob].outputs["y"])
        #expect(y.shape == Shape([2, 3]))
        #expect(y.values == .int((0..<6).map { xs[$0] < Double(ns[$0 % 3]) ? 1 : 0 }))
    }

    @Test(arguments: Comparing.allCases)
    func independentComparisonsShareTheirRounds(_ comparing: Comparing) throws {
        func rounds(_ body: String) throws -> Int {
            let program = try #require(S.compile(comparing.header + "x = private_input(alice, [4])\n" + body))
            return CostModel.cost(of: program).rounds[.online] ?? 0
        }
        let one = try rounds("output(bob, \"y\", x < 1)")
        // Input, the rounds of DReLU, output.
        #expect(one == 1 + comparing.msbRounds + 1)
        #expect(try rounds("output(bob, \"y\", x == 1)") == one)
        #expect(try rounds("output(bob, \"y\", (x < 1) + (x > 2) + (x != 0))") == one)
    }

    @Test(arguments: Comparing.allCases)
    func batchedAndUnbatchedRunsAgree(_ comparing: Comparing) throws {
        let source = comparing.header + """
            x = private_input(alice, [5])
            y = private_input(alice, [5])
            h = relu(x) * 2 + where(x < y, y, -y)
            output(bob, "y", (h >= 1) + (h == y))
            """
        let xs: [Double] = [-1, 0.5, 2, 3, -4], ys: [Double] = [0.5, 0.5, -2, 8, 1]
        let inputs = [S.alice: ["x": S.doubles(xs, [5]), "y": S.doubles(ys, [5])]]
        let batched = try #require(S.compile(source)), unbatched = try #require(S.compile(source, optimize: false))
        let fast = try S.run(batched, inputs: inputs), slow = try S.run(unbatched, inputs: inputs)
        #expect(fast[S.bob].outputs["y"] == slow[S.bob].outputs["y"])
        let h = (0..<5).map { max(0, xs[$0]) * 2 + (xs[$0] < ys[$0] ? ys[$0] : -ys[$0]) }
        #expect(fast[S.bob].outputs["y"]?.values == .int((0..<5).map { (h[$0] >= 1 ? 1 : 0) + (h[$0] == ys[$0] ? 1 : 0) }))
        #expect(fast.cost.rounds[.online]! < slow.cost.rounds[.online]!)
        #expect(fast.cost.rounds[.offline] == 1)
    }

    // MARK: - where

    @Test(arguments: Comparing.allCases)
    func whereWithAComparisonIsSelectShare(_ comparing: Comparing) throws {
        let program = try #require(S.compile(comparing.header + """
            a = private_input(alice, [5])
            b = private_input(alice, [5])
            output(bob, "y", where(a < b, a, b))
            """))
        let a: [Double] = [1, -2, 3.5, 0, 7], b: [Double] = [2, -3, 3.5, -0.25, 100]
        let run = try S.run(program, inputs: [S.alice: ["a": S.doubles(a, [5]), "b": S.doubles(b, [5])]])
        #expect(try #require(run[S.bob].outputs["y"]).doubles == zip(a, b).map { min($0, $1) })
        // Inputs, DReLU, one product (SelectShare: 2 rounds in the paper, counting server2's dealing, which runs
        // offline here), output.
        #expect(run.cost.rounds[.online] == 1 + comparing.msbRounds + 1 + 1)
    }

    @Test(arguments: Comparing.allCases)
    func whereTakesAnyNonzeroPrivateValueAsTrue(_ comparing: Comparing) throws {
        let c: [Int64] = [0, 1, -1, 7, 1 << 62, 0], a: [Int64] = [10, 20, 30, 40, 50, 60]
        let y = try Self.evaluate(
            """
            c = private_input(alice, [6], dtype: int)
            a = private_input(alice, [6], dtype: int)
            output(bob, "y", where(c, a, -a))
            """, ["c": S.ints(c, [6]), "a": S.ints(a, [6])], under: comparing)
        #expect(y.values == .int(zip(c, a).map { $0 != 0 ? $1 : -$1 }))
    }

    @Test(arguments: Comparing.allCases)
    func whereWithAPublicConditionOrPublicBranchesIsLocal(_ comparing: Comparing) throws {
        let program = try #require(S.compile(comparing.header + """
            c = public_input(alice, [4])
            x = private_input(alice, [4])
            y1 = where(c, x, 2 * x)
            y2 = where(x > 0, 1.5, -1)
            output(bob, "y", y1 + y2)
            """))
        let c: [Double] = [1, 0, -2, 0], x: [Double] = [3, -4, 0.5, 0]
        let run = try S.run(program, inputs: [S.alice: ["c": S.doubles(c, [4]), "x": S.doubles(x, [4])]])
        let expected = (0..<4).map { (c[$0] != 0 ? x[$0] : 2 * x[$0]) + (x[$0] > 0 ? 1.5 : -1) }
        #expect(try #require(run[S.bob].outputs["y"]).doubles == expected)
        // The only interactive work is the comparison: no Beaver product follows it.
        #expect(run.cost.rounds[.online] == 1 + comparing.msbRounds + 1)
    }

    @Test func whereOnPlaintextValuesSelects() throws {
        let program = try #require(S.compile("""
            player alice
            c = input(alice, [3])
            a = input(alice, [3])
            output(alice, "y", where(c > 0, a, 0))
            """))
        let run = try S.run(
            program, inputs: [S.alice: ["c": S.doubles([1, -1, 0], [3]), "a": S.doubles([4, 5, 6], [3])]])
        #expect(try #require(run[S.alice].outputs["y"]).doubles == [4, 0, 0])
    }
}
