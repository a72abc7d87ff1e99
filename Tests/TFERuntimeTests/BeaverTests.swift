// Products of private values with server2's preprocessing, and private truncation, against float64.

import TFEBytecode
import TFECore
import Testing

@testable import TFERuntime

@Suite struct BeaverTests {
    typealias B = ProgramBuilder
    /// One unit in the last place of truncation, twice (the inputs are exact multiples of 2^-8).
    static let tolerance = 2.0 / 65536

    @Test(arguments: [[2, 3], [3]])
    func elementwiseProduct(yShape: [Int]) throws {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [2, 3])
        let (y, readY) = b.input(B.bob, "y", yShape)
        b.online(readX, readY)
        b.nextRound()
        guard case .private(let xr) = x, case .private(let yr) = y else { return }
        let z = b.beaver(xr, yr, kind: .mul)
        b.online(b.output(B.alice, "z", .private(z)))
        let xs = testValues(6, seed: 11), ys = testValues(yShape.reduce(1, *), seed: 12)
        let run = try runChecked(
            b.program, inputs: [B.alice: ["x": npy(xs, [2, 3])], B.bob: ["y": npy(ys, yShape)]])
        let expected = (0..<6).map { xs[$0] * ys[$0 % ys.count] }
        expectClose(try #require(run[B.alice].outputs["z"]).doubles, expected, tolerance: Self.tolerance)
        #expect(run.cost.rounds == [.offline: 1, .online: 4])
    }

    @Test func negativeAndLargeProducts() throws {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [6])
        let (y, readY) = b.input(B.alice, "y", [6])
        b.online(readX, readY)
        b.nextRound()
        guard case .private(let xr) = x, case .private(let yr) = y else { return }
        let z = b.beaver(xr, yr, kind: .mul)
        b.online(b.output(B.bob, "z", .private(z)))
        // Products near the limit of the range (|x * y| < 2^(62 - 2 * frac) = 2^30) and down to one unit:
        // truncation must be exact to one ulp across the range.
        let xs = [-20000, 20000, -0.5, -3, 0.00390625, -16384]
        let ys = [50000, -50000, -0.5, 0, -0.00390625, -65535.75]
        let run = try runChecked(b.program, inputs: [B.alice: ["x": npy(xs, [6]), "y": npy(ys, [6])]])
        expectClose(try #require(run[B.bob].outputs["z"]).doubles, zip(xs, ys).map(*), tolerance: Self.tolerance)
    }

    @Test func matrixProduct() throws {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [3, 4])
        let (y, readY) = b.input(B.bob, "y", [4, 2])
        b.online(readX, readY)
        b.nextRound()
        guard case .private(let xr) = x, case .private(let yr) = y else { return }
        let z = b.beaver(xr, yr, kind: .matmul)
        b.online(b.output(B.bob, "z", .private(z)))
        let xs = testValues(12, seed: 21), ys = testValues(8, seed: 22)
        let run = try runChecked(b.program, inputs: [B.alice: ["x": npy(xs, [3, 4])], B.bob: ["y": npy(ys, [4, 2])]])
        var expected = [Double](repeating: 0, count: 6)
        for i in 0..<3 {
            for j in 0..<2 {
                for p in 0..<4 { expected[i * 2 + j] += xs[i * 4 + p] * ys[p * 2 + j] }
            }
        }
        let output = try #require(run[B.bob].outputs["z"])
        #expect(output.shape == Shape([3, 2]))
        expectClose(output.doubles, expected, tolerance: Self.tolerance)
    }

    @Test func squareWithSquarePair() throws {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [5])
        b.online(readX)
        b.nextRound()
        let a = b.makePrivate([5]), square = b.makePrivate([5])
        b.offline(.squarePair(a: a, square: square))
        let d = b.makePrivate([5]), openD = b.makePublic([5])
        b.online(.sub(dst: .private(d), lhs: x, rhs: .private(a)), .open(dst: openD, src: d))
        b.nextRound()
        let da = b.makePrivate([5]), twoDA = b.makePrivate([5]), dd = b.makePublic([5])
        let partial = b.makePrivate([5]), raw = b.makePrivate([5])
        b.online(
            .mul(dst: .private(da), lhs: .public(openD), rhs: .private(a)),
            .add(dst: .private(twoDA), lhs: .private(da), rhs: .private(da)),
            .mul(dst: .public(dd), lhs: .public(openD), rhs: .public(openD)),
            .add(dst: .private(partial), lhs: .private(square), rhs: .private(twoDA)),
            .add(dst: .private(raw), lhs: .private(partial), rhs: .public(dd)))
        let z = b.truncate(raw)
        b.online(b.output(B.alice, "z", .private(z)))
        let xs = [-7.5, 0, 3.25, -0.0078125, 100]
        let run = try runChecked(b.program, inputs: [B.alice: ["x": npy(xs, [5])]])
        expectClose(try #require(run[B.alice].outputs["z"]).doubles, xs.map { $0 * $0 }, tolerance: Self.tolerance)
    }

    @Test(arguments: [(1, Padding.same), (2, Padding.valid), (2, Padding.same)])
    func convolutionWithPublicKernel(stride: Int, padding: Padding) throws {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [2, 5, 5, 2])
        let (k, readK) = b.input(B.bob, "k", [3, 3, 2, 3], disclosure: .public)
        b.online(readX, readK)
        b.nextRound()
        let outShape = Self.convShape([2, 5, 5, 2], [3, 3, 2, 3], stride: stride, padding: padding)
        let raw = b.makePrivate(outShape)
        b.online(.conv2d(dst: .private(raw), input: x, kernel: k, stride: stride, padding: padding))
        let z = b.truncate(raw)
        b.online(b.output(B.alice, "z", .private(z)))
        let xs = testValues(100, seed: 31), ks = testValues(54, limit: 2, seed: 32)
        let run = try runChecked(
            b.program, inputs: [B.alice: ["x": npy(xs, [2, 5, 5, 2])], B.bob: ["k": npy(ks, [3, 3, 2, 3])]])
        let output = try #require(run[B.alice].outputs["z"])
        #expect(output.shape.dimensions == outShape)
        let expected = Self.referenceConv(xs, [2, 5, 5, 2], ks, [3, 3, 2, 3], stride: stride, padding: padding)
        expectClose(output.doubles, expected, tolerance: Self.tolerance)
    }

    @Test func convolutionOfTwoPrivateValues() throws {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [1, 4, 4, 1])
        let (k, readK) = b.input(B.bob, "k", [2, 2, 1, 2])
        b.online(readX, readK)
        b.nextRound()
        guard case .private(let xr) = x, case .private(let kr) = k else { return }
        let z = b.beaver(xr, kr, kind: .conv2d(stride: 1, padding: .same), outShape: [1, 4, 4, 2])
        b.online(b.output(B.alice, "z", .private(z)))
        let xs = testValues(16, seed: 41), ks = testValues(8, seed: 42)
        let run = try runChecked(
            b.program, inputs: [B.alice: ["x": npy(xs, [1, 4, 4, 1])], B.bob: ["k": npy(ks, [2, 2, 1, 2])]])
        let expected = Self.referenceConv(xs, [1, 4, 4, 1], ks, [2, 2, 1, 2], stride: 1, padding: .same)
        expectClose(try #require(run[B.alice].outputs["z"]).doubles, expected, tolerance: Self.tolerance)
    }

    // MARK: - Reference convolution

    static func convShape(_ x: [Int], _ k: [Int], stride: Int, padding: Padding) -> [Int] {
        func size(_ n: Int, _ window: Int) -> Int {
            padding == .same ? (n + stride - 1) / stride : (n - window) / stride + 1
        }
        return [x[0], size(x[1], k[0]), size(x[2], k[1]), k[3]]
    }

    /// TensorFlow's conv2d, written out directly in float64.
    static func referenceConv(
        _ x: [Double], _ xs: [Int], _ k: [Double], _ ks: [Int], stride: Int, padding: Padding
    ) -> [Double] {
        let out = convShape(xs, ks, stride: stride, padding: padding)
        func padBefore(_ n: Int, _ o: Int, _ window: Int) -> Int {
            padding == .same ? max((o - 1) * stride + window - n, 0) / 2 : 0
        }
        let top = padBefore(xs[1], out[1], ks[0]), left = padBefore(xs[2], out[2], ks[1])
        var result: [Double] = []
        for n in 0..<out[0] {
            for i in 0..<out[1] {
                for j in 0..<out[2] {
                    for o in 0..<out[3] {
                        var total = 0.0
                        for di in 0..<ks[0] {
                            for dj in 0..<ks[1] {
                                let (y, x0) = (i * stride + di - top, j * stride + dj - left)
                                guard y >= 0, y < xs[1], x0 >= 0, x0 < xs[2] else { continue }
                                for c in 0..<xs[3] {
                                    total +=
                                        x[((n * xs[1] + y) * xs[2] + x0) * xs[3] + c]
                                        * k[((di * ks[1] + dj) * ks[2] + c) * ks[3] + o]
                                }
                            }
                        }
                        result.append(total)
                    }
                }
            }
        }
        return result
    }
}
