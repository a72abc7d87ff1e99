// SecureNN's training operations against their definitions: `relu_deriv` (DReLU), `maxpool2d_grad` (each
// window's gradient to its first maximum, TensorFlow's windows) and division by a private value (SecureNN's
// long division: floor(a/b · 2^16) for 0 ≤ a < 2b), on random and edge inputs, private (under securenn and
// aby3) and plaintext.

import TFEBytecode
import TFECore
import TFERuntime
import Testing

@Suite struct TrainingTests {
    typealias S = SecureNNSupport
    static let ulp = 1.0 / 65536

    // MARK: - relu_deriv

    @Test(arguments: Comparing.allCases)
    func reluDerivativeIsOneFromZeroUp(_ comparing: Comparing) throws {
        var xs = PoolingTests.values(40, seed: 21)
        xs += [0, Self.ulp, -Self.ulp, -1e6, 1e6, 2 * Self.ulp, -0.5, 0.5]
        let program = try #require(S.compile("""
            protocol \(comparing.rawValue)
            player alice, bob
            x = private_input(alice, [48])
            output(bob, "d", relu_deriv(x))
            output(bob, "r", relu(x))
            """))
        let run = try S.run(program, inputs: [S.alice: ["x": S.doubles(xs, [48])]])
        #expect(try #require(run[S.bob].outputs["d"]).values == .int(xs.map { $0 >= 0 ? 1 : 0 }))
        #expect(try #require(run[S.bob].outputs["r"]).doubles == xs.map { max($0, 0) })
    }

    @Test func plaintextReluDerivative() throws {
        let xs: [Double] = [-2, -Self.ulp, 0, Self.ulp, 3]
        let program = try #require(S.compile("""
            player alice
            x = input(alice, [5])
            y = public_input(alice, [5])
            output(alice, "local", relu_deriv(x))
            output(alice, "public", relu_deriv(y))
            """))
        let run = try S.run(program, inputs: [S.alice: ["x": S.doubles(xs, [5]), "y": S.doubles(xs, [5])]])
        for name in ["local", "public"] {
            #expect(try #require(run[S.alice].outputs[name]).values == .int([0, 0, 1, 1, 1]))
        }
    }

    /// Online bits of a program's instructions but its inputs and outputs, and its online rounds.
    static func cost(_ body: String) throws -> (bits: Int, offline: Int, rounds: Int) {
        let program = try #require(S.compile("protocol securenn\nplayer alice\nx = private_input(alice, [10])\n" + body))
        var online = 0, offline = 0
        for entry in program.allInstructions {
            if entry.instruction.opcode == .input || entry.instruction.opcode == .output { continue }
            let bits = CostModel.messages(of: entry.instruction, in: program).reduce(0) { $0 + $1.bytes * 8 }
            if entry.phase == .offline { offline += bits } else { online += bits }
        }
        return (online, offline, CostModel.cost(of: program).rounds[.online] ?? 0)
    }

    @Test func reluAndItsDerivativeShareOneDReLU() throws {
        let relu = try Self.cost("output(alice, \"r\", relu(x))")
        let both = try Self.cost("""
            output(alice, "r", relu(x))
            output(alice, "d", relu_deriv(x))
            output(alice, "c", x >= 0)
            output(alice, "n", x < 0)
            """)
        #expect(both.bits == relu.bits && both.offline == relu.offline)
        let derivative = try Self.cost("output(alice, \"d\", relu_deriv(x))")
        let comparison = try Self.cost("output(alice, \"c\", x >= 0)")
        #expect(derivative.bits == comparison.bits && derivative.rounds == comparison.rounds)
    }

    // MARK: - maxpool2d_grad

    /// TensorFlow's MaxPoolGrad: each window's dy added to its first maximum (row-major), SAME windows
    /// skipping cells outside the input.
    static func maxPoolGradient(_ x: [Double], _ dims: [Int], _ dy: [Double], size: Int, stride: Int, same: Bool)
        -> [Double]
    {
        let (n, h, w, c) = (dims[0], dims[1], dims[2], dims[3])
        let oh = same ? (h + stride - 1) / stride : (h - size) / stride + 1
        let ow = same ? (w + stride - 1) / stride : (w - size) / stride + 1
        let top = same ? max(0, (oh - 1) * stride + size - h) / 2 : 0
        let left = same ? max(0, (ow - 1) * stride + size - w) / 2 : 0
        var result = [Double](repeating: 0, count: x.count)
        var window = 0
        for b in 0..<n {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for ch in 0..<c {
                        var best: Int?
                        for dy in 0..<size {
                            for dx in 0..<size {
                                let (y, xx) = (oy * stride + dy - top, ox * stride + dx - left)
                                guard (0..<h).contains(y), (0..<w).contains(xx) else { continue }
                                let cell = ((b * h + y) * w + xx) * c + ch
                                if best == nil || x[cell] > x[best!] { best = cell }
                            }
                        }
                        result[best!] += dy[window]
                        window += 1
                    }
                }
            }
        }
        return result
    }

    static func outputSize(_ input: Int, _ size: Int, _ stride: Int, _ same: Bool) -> Int {
        same ? (input + stride - 1) / stride : (input - size) / stride + 1
    }

    @Test(arguments: Comparing.allCases,
          [(2, 2, false), (2, 2, true), (3, 2, true), (3, 1, false), (2, 1, true), (3, 3, true)])
    func privateMaxPoolGradientMatchesTensorFlow(_ comparing: Comparing, _ window: (Int, Int, Bool)) throws {
        let (size, stride, same) = window
        let dims = [2, 5, 4, 3]
        var xs = PoolingTests.values(dims.reduce(1, *), seed: UInt64(size * 10 + stride + (same ? 100 : 0)))
        xs.replaceSubrange(0..<6, with: [0, 0, 0, Self.ulp, -Self.ulp, 0])  // ties and one unit in the last place
        let (oh, ow) = (Self.outputSize(5, size, stride, same), Self.outputSize(4, size, stride, same))
        let dyDims = [2, oh, ow, 3]
        let dys = PoolingTests.values(dyDims.reduce(1, *), seed: 77).map { $0 / 2 }
        let padding = same ? "SAME" : "VALID"
        let program = try #require(S.compile("""
            protocol \(comparing.rawValue)
            player alice, bob
            x = private_input(alice, [2, 5, 4, 3])
            dy = private_input(bob, [2, \(oh), \(ow), 3])
            output(bob, "y", maxpool2d(x, \(size), stride: \(stride), padding: "\(padding)"))
            output(bob, "dx", maxpool2d_grad(x, dy, \(size), stride: \(stride), padding: "\(padding)"))
            """))
        let run = try S.run(program, inputs: [
            S.alice: ["x": S.doubles(xs, dims)], S.bob: ["dy": S.doubles(dys, dyDims)],
        ])
        let dx = try #require(run[S.bob].outputs["dx"])
        #expect(dx.shape == Shape(dims))
        #expect(dx.doubles == Self.maxPoolGradient(xs, dims, dys, size: size, stride: stride, same: same))
        let y = try #require(run[S.bob].outputs["y"])
        #expect(y.doubles == PoolingTests.maxPool(xs, dims, size: size, stride: stride, same: same).values)
    }

    @Test func plaintextMaxPoolGradientMatchesTensorFlow() throws {
        let dims = [1, 5, 5, 2]
        let xs = PoolingTests.values(50, seed: 4)
        let dys = PoolingTests.values(18, seed: 5)
        let program = try #require(S.compile("""
            player alice
            x = input(alice, [1, 5, 5, 2])
            dy = input(alice, [1, 3, 3, 2])
            output(alice, "dx", maxpool2d_grad(x, dy, 3, stride: 2, padding: "SAME"))
            """))
        let run = try S.run(program, inputs: [S.alice: ["x": S.doubles(xs, dims), "dy": S.doubles(dys, [1, 3, 3, 2])]])
        let expected = Self.maxPoolGradient(xs, dims, dys, size: 3, stride: 2, same: true)
        #expect(try #require(run[S.alice].outputs["dx"]).doubles == expected)
    }

    @Test func poolAndItsGradientShareOneTree() throws {
        let gradient = try Self.poolCost(forward: false)
        let both = try Self.poolCost(forward: true)
        #expect(both.bits == gradient.bits && both.offline == gradient.offline && both.rounds == gradient.rounds)
    }

    static func poolCost(forward: Bool) throws -> (bits: Int, offline: Int, rounds: Int) {
        try cost("""
            dy = private_input(alice, [1, 1, 2, 1])
            x4 = reshape(x, [1, 2, 5, 1])
            output(alice, "dx", maxpool2d_grad(x4, dy, 2))
            \(forward ? "output(alice, \"y\", maxpool2d(x4, 2))" : "")
            """)
    }

    // MARK: - Division

    /// SecureNN's division on ring values: floor(A · 2^16 / B), clamped to [0, 2^17 − 1].
    static func quotient(_ a: Double, _ b: Double) -> Double {
        let (ra, rb) = (Int64((a * 65536).rounded()), Int64((b * 65536).rounded()))
        guard ra >= 0 else { return 0 }
        let q = (Int128(ra) << 16) / Int128(rb)
        return Double(min(q, (1 << 17) - 1)) / 65536
    }

    @Test(arguments: Comparing.allCases)
    func privateDivisionIsExactLongDivision(_ comparing: Comparing) throws {
        var prg = PRG(seed: Seed(fixed: 31), stream: 0)
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<24 {
            let divisor = Double(prg.nextBelow(1 << 24) + 1) / 65536  // (0, 256]
            let numerator = Double(prg.nextBelow(UInt64(2 * divisor * 65536))) / 65536  // [0, 2b)
            a.append(numerator)
            b.append(divisor)
        }
        // Edges: 0, a = b, one ulp below 2b, a tiny divisor, a large one, a < 0, a ≥ 2b (saturates).
        a += [0, 3, 2 * 5 - Self.ulp, Self.ulp, 1000, 20000, -1, 9, 1e5]
        b += [1, 3, 5, Self.ulp, 1000, 30000, 2, 4, 1]
        let n = a.count
        let program = try #require(S.compile("""
            protocol \(comparing.rawValue)
            player alice, bob
            a = private_input(alice, [\(n)])
            b = private_input(bob, [\(n)])
            output(bob, "q", a / b)
            """))
        let run = try S.run(program, inputs: [S.alice: ["a": S.doubles(a, [n])], S.bob: ["b": S.doubles(b, [n])]])
        let q = try #require(run[S.bob].outputs["q"]).doubles
        #expect(q == zip(a, b).map { Self.quotient($0, $1) })
        #expect(q[24] == 0 && q[25] == 1 && q[30] == 0 && q[31] == 2 - Self.ulp)
    }

    @Test(arguments: Comparing.allCases)
    func divisionBroadcastsAPublicNumeratorAndAnIntDivisor(_ comparing: Comparing) throws {
        let program = try #require(S.compile("""
            protocol \(comparing.rawValue)
            player alice, bob
            a = public_input(alice, [2, 3])
            b = private_input(bob, [2, 1], dtype: int)
            output(bob, "q", a / b)
            """))
        let a: [Double] = [1, 2, 3, 0.5, 0.25, 7]
        let run = try S.run(program, inputs: [
            S.alice: ["a": S.doubles(a, [2, 3])], S.bob: ["b": S.ints([4, 7], [2, 1])],
        ])
        let expected = a.enumerated().map { Self.quotient($1, $0 < 3 ? 4 : 7) }
        #expect(try #require(run[S.bob].outputs["q"]).doubles == expected)
    }
}
