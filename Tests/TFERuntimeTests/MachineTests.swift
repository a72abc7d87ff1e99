// Local runs of hand-built programs: inputs and outputs, linear operations, public and local values.

import Foundation
import TFEBytecode
import TFECore
import TFENumPy
import Testing

@testable import TFERuntime

@Suite struct MachineTests {
    typealias B = ProgramBuilder

    @Test func privateInputRoundTrip() throws {
        var b = ProgramBuilder()
        let limit = FixedPoint(fractionalBits: 16).inputLimit
        let values = testValues(20) + [0, -0.0, 1e-9, -3.25, limit - 1, -(limit - 1), limit - 0.5, 123456.789]
        let (x, readX) = b.input(B.alice, "x", [values.count])
        b.online(readX)
        b.nextRound()
        b.online(b.output(B.alice, "x", x))
        let run = try runChecked(b.program, inputs: [B.alice: ["x": npy(values, [values.count])]])
        let output = try #require(run[B.alice].outputs["x"])
        #expect(output.shape == Shape([values.count]))
        #expect(output.doubles == values.map { ($0 * 65536).rounded() / 65536 })
        #expect(run[B.bob].outputs.isEmpty)
        #expect(run.cost.rounds == [.offline: 0, .online: 2])
    }

    @Test func intInputRoundTrip() throws {
        var b = ProgramBuilder()
        let values: [Int64] = [0, -1, 42, Int64.max, Int64.min, -123_456_789_012]
        let (x, readX) = b.input(B.bob, "n", [2, 3], .int)
        b.online(readX)
        b.nextRound()
        b.online(b.output(B.alice, "n", x))
        let array = try NPYArray(shape: [2, 3], storage: .int64(values))
        let run = try runChecked(b.program, inputs: [B.bob: ["n": array]])
        let output = try #require(run[B.alice].outputs["n"])
        #expect(output.values == .int(values))
        #expect(output.array == array)
    }

    @Test func privateAndPublicAddsBroadcast() throws {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [2, 3])
        let (p, readP) = b.input(B.bob, "p", [3], disclosure: .public)
        let (q, readQ) = b.input(B.bob, "q", [2, 1], disclosure: .public)
        let (y, readY) = b.input(B.bob, "y", [3])
        b.online(readX, readP, readQ, readY)
        b.nextRound()
        let sum = Register.private(b.makePrivate([2, 3])), diff = Register.private(b.makePrivate([2, 3]))
        let both = Register.private(b.makePrivate([2, 3])), negated = Register.private(b.makePrivate([2, 3]))
        let shared = Register.private(b.makePrivate([3])), publicSum = Register.public(b.makePublic([2, 3]))
        guard case .public(let pRegister) = p, case .private(let sharedRegister) = shared else { return }
        b.online(
            .add(dst: sum, lhs: x, rhs: p),
            .sub(dst: diff, lhs: q, rhs: sum),
            .add(dst: both, lhs: diff, rhs: y),
            .neg(dst: negated, src: both),
            .sharePublic(dst: sharedRegister, src: pRegister),
            .add(dst: publicSum, lhs: p, rhs: q),
            b.output(B.alice, "sum", sum), b.output(B.alice, "diff", diff), b.output(B.bob, "negated", negated),
            b.output(B.bob, "shared", shared), b.output(B.alice, "public", publicSum))
        let xs = testValues(6, seed: 1), ps = testValues(3, seed: 2), qs = testValues(2, seed: 3),
            ys = testValues(3, seed: 4)
        let run = try runChecked(
            b.program,
            inputs: [
                B.alice: ["x": npy(xs, [2, 3])],
                B.bob: ["p": npy(ps, [3]), "q": npy(qs, [2, 1]), "y": npy(ys, [3])],
            ])
        let sums = (0..<6).map { xs[$0] + ps[$0 % 3] }
        let diffs = (0..<6).map { qs[$0 / 3] - sums[$0] }
        #expect(run[B.alice].outputs["sum"]?.doubles == sums)
        #expect(run[B.alice].outputs["diff"]?.doubles == diffs)
        let expectedNegated: [Double] = (0..<6).map { -(diffs[$0] + ys[$0 % 3]) }
        let publicSums: [Double] = (0..<6).map { ps[$0 % 3] + qs[$0 / 3] }
        #expect(run[B.bob].outputs["negated"]?.doubles == expectedNegated)
        #expect(run[B.bob].outputs["shared"]?.doubles == ps)
        #expect(run[B.alice].outputs["public"]?.doubles == publicSums)
        #expect(run[B.alice].outputs["public"]?.shape == Shape([2, 3]))
    }

    @Test func publicProductAndTrunc() throws {
        var b = ProgramBuilder()
        let (p, readP) = b.input(B.alice, "p", [4], disclosure: .public)
        let (q, readQ) = b.input(B.bob, "q", [4], disclosure: .public)
        b.online(readP, readQ)
        b.nextRound()
        let product = b.makePublic([4]), truncated = b.makePublic([4])
        b.online(
            .mul(dst: .public(product), lhs: p, rhs: q),
            .trunc(dst: truncated, src: product),
            b.output(B.bob, "pq", .public(truncated)))
        let ps = [1.5, -2.25, 0, -0.00390625], qs = [-3, -4, 5, 0.5]
        let run = try runChecked(b.program, inputs: [B.alice: ["p": npy(ps, [4])], B.bob: ["q": npy(qs, [4])]])
        // Exact products of values with few fractional bits; the shift rounds towards -infinity.
        #expect(run[B.bob].outputs["pq"]?.doubles == [-4.5, 9, 0, -0.001953125])
    }

    @Test func reshapeTransposeSumPoolsum() throws {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [1, 3, 3, 2])
        b.online(readX)
        b.nextRound()
        let reshaped = Register.private(b.makePrivate([3, 6])), transposed = Register.private(b.makePrivate([6, 3]))
        let summed = Register.private(b.makePrivate([3])), pooled = Register.private(b.makePrivate([1, 2, 2, 2]))
        let total = Register.private(b.makePrivate([]))
        b.online(
            .reshape(dst: reshaped, src: x),
            .transpose(dst: transposed, src: reshaped, permutation: [1, 0]),
            .sum(dst: summed, src: transposed, axis: 0),
            .sum(dst: total, src: x, axis: nil),
            .poolsum(dst: pooled, src: x, size: 2, stride: 2, padding: .same),
            b.output(B.alice, "t", transposed), b.output(B.alice, "s", summed), b.output(B.alice, "p", pooled),
            b.output(B.alice, "total", total))
        let xs = (0..<18).map(Double.init)
        let run = try runChecked(b.program, inputs: [B.alice: ["x": npy(xs, [1, 3, 3, 2])]])
        let outputs = run[B.alice].outputs
        let expectedTransposed: [Double] = (0..<18).map { (k: Int) -> Double in Double((k % 3) * 6 + k / 3) }
        #expect(outputs["t"]?.doubles == expectedTransposed)
        #expect(outputs["s"]?.doubles == [15, 51, 87])
        #expect(outputs["total"]?.doubles == [153])
        // SAME 2x2 windows with stride 2 over 3x3: the last row and column windows are cut off.
        #expect(outputs["p"]?.doubles == [16, 20, 14, 16, 26, 28, 16, 17])
    }

    @Test func revealAndLocalOperations() throws {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [2, 3])
        b.online(readX)
        b.nextRound()
        let l0 = b.makeLocal([2, 3], owner: B.bob)
        guard case .private(let xRegister) = x else { return }
        b.online(.reveal(dst: l0, src: xRegister, player: B.bob))
        b.nextRound()
        let half = b.constant([0.5], owner: B.bob)
        let sig = Register.local(b.makeLocal([2, 3], owner: B.bob)),
            gt = Register.local(b.makeLocal([2, 3], owner: B.bob))
        let arg = Register.local(b.makeLocal([2], .int, owner: B.bob)),
            sel = Register.local(b.makeLocal([2, 3], owner: B.bob))
        let soft = Register.local(b.makeLocal([2, 3], owner: B.bob)),
            scaled = Register.local(b.makeLocal([2, 3], owner: B.bob))
        b.online(
            .map(dst: sig, src: .local(l0), function: .sigmoid),
            .compare(dst: gt, lhs: sig, rhs: half, comparison: .greater),
            .reduce(dst: arg, src: .local(l0), reduction: .argmax, axis: 1),
            .select(dst: sel, condition: gt, lhs: .local(l0), rhs: half),
            .reduce(dst: soft, src: .local(l0), reduction: .softmax, axis: 1),
            .mul(dst: scaled, lhs: .local(l0), rhs: half),
            .print(player: B.bob, format: "argmax {} of {}", values: [arg, .local(l0)]),
            b.output(B.bob, "sig", sig), b.output(B.bob, "gt", gt), b.output(B.bob, "arg", arg),
            b.output(B.bob, "sel", sel), b.output(B.bob, "soft", soft), b.output(B.bob, "scaled", scaled))
        let xs = [-1.5, 2, 0.25, 3, -4, 3]
        let run = try runChecked(b.program, inputs: [B.alice: ["x": npy(xs, [2, 3])]])
        let outputs = run[B.bob].outputs
        expectClose(try #require(outputs["sig"]).doubles, xs.map { 1 / (1 + exp(-$0)) }, tolerance: 1e-12)
        #expect(outputs["gt"]?.doubles == [0, 1, 1, 1, 0, 1])
        #expect(outputs["arg"]?.values == .int([1, 0]))
        #expect(outputs["sel"]?.doubles == [0.5, 2, 0.25, 3, 0.5, 3])
        #expect(outputs["scaled"]?.doubles == xs.map { $0 / 2 })
        let softmax = try #require(outputs["soft"]).doubles
        expectClose([softmax[0..<3].reduce(0, +), softmax[3..<6].reduce(0, +)], [1, 1], tolerance: 1e-12)
        #expect(softmax[3] == softmax[5])
        #expect(run[B.bob].printed == ["argmax [1, 0] of [[-1.5, 2.0, 0.25], [3.0, -4.0, 3.0]]"])
        #expect(run[B.alice].outputs.isEmpty)
    }

    @Test func publicPlaintextOperations() throws {
        var b = ProgramBuilder()
        let (p, readP) = b.input(B.alice, "p", [2, 2], disclosure: .public)
        b.online(readP)
        b.nextRound()
        let relu = Register.public(b.makePublic([2, 2])), arg = Register.public(b.makePublic([], .int))
        b.online(
            .map(dst: relu, src: p, function: .relu),
            .reduce(dst: arg, src: p, reduction: .argmax, axis: nil),
            .print(player: .server0, format: "relu {}", values: [relu]),
            b.output(B.bob, "relu", relu), b.output(B.bob, "arg", arg))
        let run = try runChecked(b.program, inputs: [B.alice: ["p": npy([-1, 2.5, 7, -0.5], [2, 2])]])
        #expect(run[B.bob].outputs["relu"]?.doubles == [0, 2.5, 7, 0])
        #expect(run[B.bob].outputs["arg"]?.values == .int([2]))
        #expect(run[.server0].printed == ["relu [[0.0, 2.5], [7.0, 0.0]]"])
        #expect(run[.server1].printed.isEmpty)
    }

    @Test func localInputShareAndLocalOutput() throws {
        var b = ProgramBuilder()
        let (l, readL) = b.input(B.bob, "v", [3], disclosure: .local)
        b.online(readL)
        let doubled = b.makeLocal([3], owner: B.bob), shared = b.makePrivate([3])
        b.online(.add(dst: .local(doubled), lhs: l, rhs: l), .share(dst: shared, src: doubled))
        b.nextRound()
        b.online(b.output(B.alice, "shared", .private(shared)), b.output(B.bob, "mine", .local(doubled)))
        let run = try runChecked(b.program, inputs: [B.bob: ["v": npy([1, -2, 0.125], [3])]])
        #expect(run[B.alice].outputs["shared"]?.doubles == [2, -4, 0.25])
        #expect(run[B.bob].outputs["mine"]?.doubles == [2, -4, 0.25])
    }

    @Test func programWithoutCommunication() throws {
        var b = ProgramBuilder()
        let c = b.constant([1, 2], [2])
        b.online(.neg(dst: .public(b.makePublic([2])), src: c))
        let run = try runChecked(b.program, inputs: [:])
        #expect(run.cost == Cost())
        #expect(run[.server0].rounds == [.offline: 0, .online: 0])
    }
}
