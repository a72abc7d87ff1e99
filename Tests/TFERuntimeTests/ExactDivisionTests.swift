// Exact division by a public integer: `divpair`/`divfinish` on shares, `div` on public values, at the edges of
// the range `divfinish` promises (−2^61 < x < 2^62).

import TFEBytecode
import TFECore
import TFENumPy
import Testing

@testable import TFERuntime

@Suite struct ExactDivisionTests {
    typealias B = ProgramBuilder
    static let divisors = [1, 2, 3, 7, 10, 36, 1000, 65536, 1 << 32]

    /// Ring values from one edge of the range to the other, small ones, and random ones.
    static let values: [Int64] = {
        var values: [Int64] = [
            -(1 << 61) + 1, (1 << 62) - 1, -(1 << 61) + 65536, (1 << 62) - 65536, 0, 1, -1, 2, -2, 3, -3, 6, -6, 999,
            -1000, 1 << 32, -(1 << 32) - 1,
        ]
        var prg = PRG(seed: Seed(fixed: 5), stream: 1)
        while values.count < 200 {
            let word = Int64(bitPattern: prg.nextUInt64s(count: 1)[0])
            values.append(values.count % 2 == 0 ? word >> 2 : word >> Int64(prg.nextBelow(60) + 3))
        }
        return values.filter { $0 > -(1 << 61) }
    }()

    /// ⌊x/D⌋ for signed x.
    static func floorQuotient(_ x: Int64, _ d: Int) -> Int64 {
        let (quotient, remainder) = x.quotientAndRemainder(dividingBy: Int64(d))
        return remainder < 0 ? quotient - 1 : quotient
    }

    @Test(arguments: divisors)
    func privateQuotientIsTheFloorOrOneMore(_ divisor: Int) throws {
        var b = ProgramBuilder()
        let count = Self.values.count
        let (x, readX) = b.input(B.alice, "x", [count], .int)
        b.online(readX)
        b.nextRound()
        guard case .private(let shares) = x else { return }
        let r = b.makePrivate([count], .int), quotient = b.makePrivate([count], .int)
        let wrap = b.makePrivate([count], .int)
        b.offline(.divPair(r: r, quotient: quotient, wrap: wrap, divisor: divisor))
        let offset = b.constant([Double(ExactDivision.offset(divisor: divisor))], [], .int)
        let shifted = b.makePrivate([count], .int), masked = b.makePrivate([count], .int)
        let opened = b.makePublic([count], .int)
        b.online(
            .add(dst: .private(shifted), lhs: .private(shares), rhs: offset),
            .add(dst: .private(masked), lhs: .private(shifted), rhs: .private(r)),
            .open(dst: opened, src: masked))
        b.nextRound()
        let result = b.makePrivate([count], .int)
        b.online(.divFinish(dst: result, masked: opened, quotient: quotient, wrap: wrap, divisor: divisor))
        b.online(b.output(B.alice, "q", .private(result)))
        for seed: UInt64 in [1, 2, 3] {
            let run = try runChecked(
                b.program, inputs: [B.alice: ["x": try NPYArray(shape: [count], storage: .int64(Self.values))]],
                seed: seed)
            guard case .int(let quotients) = try #require(run[B.alice].outputs["q"]).values else {
                Issue.record("an int output holds fixed values")
                return
            }
            for (x, q) in zip(Self.values, quotients) {
                let floor = Self.floorQuotient(x, divisor)
                #expect(q == floor || q == floor + 1, "\(x) / \(divisor) gave \(q), seed \(seed)")
            }
        }
    }

    @Test(arguments: divisors)
    func publicQuotientIsRoundedToTheNearest(_ divisor: Int) throws {
        var b = ProgramBuilder()
        let count = Self.values.count
        let (x, readX) = b.input(B.alice, "x", [count], .int, disclosure: .public)
        b.online(readX)
        b.nextRound()
        guard case .public(let value) = x else { return }
        let result = b.makePublic([count], .int)
        b.online(.div(dst: result, src: value, divisor: divisor))
        b.online(b.output(B.alice, "q", .public(result)))
        let run = try runChecked(
            b.program, inputs: [B.alice: ["x": try NPYArray(shape: [count], storage: .int64(Self.values))]])
        guard case .int(let quotients) = try #require(run[B.alice].outputs["q"]).values else {
            Issue.record("an int output holds fixed values")
            return
        }
        for (x, q) in zip(Self.values, quotients) {
            let floor = Self.floorQuotient(x, divisor)
            let remainder = x - floor * Int64(divisor)
            #expect(q == floor + (2 * remainder >= divisor ? 1 : 0), "\(x) / \(divisor) gave \(q)")
        }
    }

    /// For D = 2^k the wrap correction is `truncpair`'s msb(r)·2^(64−k); for any D it is ⌊r/D⌋ − ⌊(r − 2^64)/D⌋
    /// when msb(r) = 1.
    @Test func wrapCorrection() {
        var prg = PRG(seed: Seed(fixed: 9), stream: 2)
        let randoms = prg.nextUInt64s(count: 500) + [0, 1, 1 << 63, (1 << 63) + 1, .max, .max - 1]
        for r in randoms {
            for k in [0, 1, 16, 32] {
                let expected: UInt64 = k == 0 ? 0 : (r >> 63) << (64 - k)
                #expect(ExactDivisionArithmetic.wrap(r, dividedBy: 1 << k) == expected)
            }
            for d in Self.divisors where r >> 63 == 1 {
                let below = Int128(r) - (Int128(1) << 64)  // r − 2^64, negative
                let (quotient, remainder) = below.quotientAndRemainder(dividingBy: Int128(d))
                let expected = Int128(r / UInt64(d)) - (remainder < 0 ? quotient - 1 : quotient)
                #expect(ExactDivisionArithmetic.wrap(r, dividedBy: UInt64(d)) == UInt64(truncatingIfNeeded: expected))
            }
        }
    }

    @Test func roundedAtTheEdgesOfInt64() {
        #expect(ExactDivisionArithmetic.rounded(UInt64(bitPattern: .min), dividedBy: 1) == UInt64(bitPattern: .min))
        #expect(ExactDivisionArithmetic.rounded(UInt64(bitPattern: .max), dividedBy: 1) == UInt64(bitPattern: .max))
        #expect(ExactDivisionArithmetic.rounded(UInt64(bitPattern: .max), dividedBy: 2) == 1 << 62)
        #expect(ExactDivisionArithmetic.rounded(UInt64(bitPattern: .min), dividedBy: 3)
                == UInt64(bitPattern: Int64.min / 3 - 1))
        #expect(ExactDivisionArithmetic.rounded(UInt64(bitPattern: -3), dividedBy: 2) == UInt64(bitPattern: -1))
        #expect(ExactDivisionArithmetic.rounded(UInt64(bitPattern: -5), dividedBy: 3) == UInt64(bitPattern: -2))
    }
}
