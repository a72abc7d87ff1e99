// `maxpool2d` and `argmax` under `protocol securenn` and `protocol aby3`, private and plaintext, against
// TensorFlow's and NumPy's definitions (SAME windows skip cells outside the input; ties go to the first maximum).

import TFEBytecode
import TFECore
import TFERuntime
import Testing

@Suite struct PoolingTests {
    typealias S = SecureNNSupport

    /// TensorFlow's max-pooling of an NHWC tensor with square windows.
    static func maxPool(_ x: [Double], _ dims: [Int], size: Int, stride: Int, same: Bool)
        -> (values: [Double], shape: [Int])
    {
        let (n, h, w, c) = (dims[0], dims[1], dims[2], dims[3])
        let oh = same ? (h + stride - 1) / stride : (h - size) / stride + 1
        let ow = same ? (w + stride - 1) / stride : (w - size) / stride + 1
        let top = same ? max(0, (oh - 1) * stride + size - h) / 2 : 0
        let left = same ? max(0, (ow - 1) * stride + size - w) / 2 : 0
        var result: [Double] = []
        for b in 0..<n {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for ch in 0..<c {
                        var best = -Double.infinity
                        for dy in 0..<size {
                            for dx in 0..<size {
                                let (y, xx) = (oy * stride + dy - top, ox * stride + dx - left)
                                guard (0..<h).contains(y), (0..<w).contains(xx) else { continue }
                                best = max(best, x[((b * h + y) * w + xx) * c + ch])
                            }
                        }
                        result.append(best)
                    }
                }
            }
        }
        return (result, [n, oh, ow, c])
    }

    static func values(_ count: Int, seed: UInt64) -> [Double] {
        var prg = PRG(seed: Seed(fixed: seed), stream: 0)
        // Multiples of 1/4 in [-8, 8): plenty of ties.
        return (0..<count).map { _ in Double(Int64(prg.nextBelow(64)) - 32) / 4 }
    }

    @Test(arguments: Comparing.allCases,
          [(2, 2, false), (2, 2, true), (3, 2, true), (3, 1, false), (2, 1, true), (3, 3, true)])
    func privateMaxPoolMatchesTensorFlow(_ comparing: Comparing, _ window: (Int, Int, Bool)) throws {
        let (size, stride, same) = window
        let dims = [2, 5, 4, 3]
        let xs = Self.values(dims.reduce(1, *), seed: UInt64(size * 10 + stride + (same ? 100 : 0)))
        let padding = same ? "SAME" : "VALID"
        let program = try #require(S.compile("""
            protocol \(comparing.rawValue)
            player alice, bob
            x = private_input(alice, [2, 5, 4, 3])
            output(bob, "y", maxpool2d(x, \(size), stride: \(stride), padding: "\(padding)"))
            """))
        let run = try S.run(program, inputs: [S.alice: ["x": S.doubles(xs, dims)]])
        let y = try #require(run[S.bob].outputs["y"])
        let expected = Self.maxPool(xs, dims, size: size, stride: stride, same: same)
        #expect(y.shape == Shape(expected.shape))
        #expect(y.doubles == expected.values)
    }

    @Test(arguments: Comparing.allCases)
    func twoByTwoMaxPoolTakesTwoLevelsOfComparisons(_ comparing: Comparing) throws {
        let program = try #require(S.compile("""
            protocol \(comparing.rawValue)
            player alice, bob
            x = private_input(alice, [1, 4, 4, 2])
            output(bob, "y", maxpool2d(x, 2))
            """))
        // Input, two levels of a ReLU's rounds (SecureNN: DReLU and SelectShare; ABY3: A2B and the bit
        // product), output; the paper's Algorithm 9 takes 9(n − 1) = 27.
        #expect(CostModel.cost(of: program).rounds[.online] == 1 + 2 * comparing.reluRounds + 1)
    }

    /// `maxpool2d(relu(x))` lowers as `relu(maxpool2d(x))`, the same values with the ReLU on the pooled elements:
    /// it costs what the reordered program costs, and less than a ReLU another reader also needs.
    @Test(arguments: Comparing.allCases)
    func reluBeforeAPoolRunsOnThePooledElements(_ comparing: Comparing) throws {
        func cost(_ body: String) throws -> Cost {
            let program = try #require(S.compile("""
                protocol \(comparing.rawValue)
                player alice, bob
                x = private_input(alice, [1, 4, 4, 2])
                \(body)
                """))
            return CostModel.cost(of: program)
        }
        let pooledFirst = try cost("output(bob, \"y\", relu(maxpool2d(x, 2)))")
        #expect(try cost("output(bob, \"y\", maxpool2d(relu(x), 2))") == pooledFirst)
        let shared = try cost("h = relu(x)\noutput(bob, \"h\", h)\noutput(bob, \"y\", maxpool2d(h, 2))")
        #expect(shared.totalBytes > pooledFirst.totalBytes)
    }

    @Test(arguments: Comparing.allCases, [(2, 2, false), (3, 2, true)])
    func privateMaxPoolOfReLUMatchesTensorFlow(_ comparing: Comparing, _ window: (Int, Int, Bool)) throws {
        let (size, stride, same) = window
        let dims = [2, 5, 4, 3]
        var xs = Self.values(dims.reduce(1, *), seed: UInt64(size * 10 + stride + 1000))
        // Channel 0 of the first image negative throughout, so that some windows pool ReLU's zeros whatever the
        // PRG draws (NHWC: that channel's values are every third of the first 60).
        for index in Swift.stride(from: 0, to: 60, by: 3) { xs[index] = -abs(xs[index]) - 0.25 }
        let program = try #require(S.compile("""
            protocol \(comparing.rawValue)
            player alice, bob
            x = private_input(alice, [2, 5, 4, 3])
            output(bob, "y", maxpool2d(relu(x), \(size), stride: \(stride), padding: "\(same ? "SAME" : "VALID")"))
            """))
        let run = try S.run(program, inputs: [S.alice: ["x": S.doubles(xs, dims)]])
        let y = try #require(run[S.bob].outputs["y"])
        let expected = Self.maxPool(xs.map { max(0, $0) }, dims, size: size, stride: stride, same: same)
        #expect(y.shape == Shape(expected.shape))
        #expect(y.doubles == expected.values)
        #expect(xs.contains { $0 < 0 } && expected.values.contains(0))
    }

    @Test func plaintextMaxPoolMatchesTensorFlow() throws {
        let dims = [1, 5, 5, 2]
        let xs = Self.values(50, seed: 3)
        let program = try #require(S.compile("""
            player alice
            x = input(alice, [1, 5, 5, 2])
            output(alice, "y", maxpool2d(x, 3, stride: 2, padding: "SAME"))
            """))
        let run = try S.run(program, inputs: [S.alice: ["x": S.doubles(xs, dims)]])
        let expected = Self.maxPool(xs, dims, size: 3, stride: 2, same: true)
        #expect(try #require(run[S.alice].outputs["y"]).doubles == expected.values)
    }

    /// NumPy's argmax: the first maximum.
    static func argmax(_ row: ArraySlice<Double>) -> Int64 {
        Int64(row.firstIndex(of: row.max()!)! - row.startIndex)
    }

    @Test(arguments: Comparing.allCases)
    func privateArgmaxTakesTheFirstMaximum(_ comparing: Comparing) throws {
        var xs = Self.values(4 * 7, seed: 9)
        xs.replaceSubrange(0..<7, with: [1, 3, 3, -2, 3, 0, 1])  // a three-way tie
        xs.replaceSubrange(7..<14, with: [-1, -1, -1, -1, -1, -1, -1])  // all equal
        xs.replaceSubrange(14..<21, with: [0, 0, 0, 0, 0, 0, 1.0 / 65536])  // one unit in the last place
        let program = try #require(S.compile("""
            protocol \(comparing.rawValue)
            player alice, bob
            x = private_input(alice, [4, 7])
            output(bob, "rows", argmax(x, 1))
            output(bob, "columns", argmax(x, 0))
            """))
        let run = try S.run(program, inputs: [S.alice: ["x": S.doubles(xs, [4, 7])]])
        let rows = try #require(run[S.bob].outputs["rows"]), columns = try #require(run[S.bob].outputs["columns"])
        #expect(rows.values == .int((0..<4).map { Self.argmax(xs[($0 * 7)..<($0 * 7 + 7)]) }))
        let columnValues = (0..<7).map { j in (0..<4).map { xs[$0 * 7 + j] } }
        #expect(columns.values == .int(columnValues.map { Self.argmax($0[...]) }))
    }

    @Test(arguments: Comparing.allCases)
    func privateArgmaxOfLogitsMatchesTheirPlaintextArgmax(_ comparing: Comparing) throws {
        let xs = Self.values(3 * 10, seed: 12).map { $0 * 1.37 }
        let program = try #require(S.compile("""
            protocol \(comparing.rawValue)
            player alice, bob
            x = private_input(alice, [3, 10])
            output(bob, "y", argmax(x, 1))
            """))
        let run = try S.run(program, inputs: [S.alice: ["x": S.doubles(xs, [3, 10])]])
        #expect(try #require(run[S.bob].outputs["y"]).values
            == .int((0..<3).map { Self.argmax(xs[($0 * 10)..<($0 * 10 + 10)]) }))
        // Input, ⌈log2 10⌉ = 4 levels of a ReLU's rounds, output.
        #expect(run.cost.rounds[.online] == 1 + 4 * comparing.reluRounds + 1)
    }
}
