// The one-pass forms the machine's ABY3 steps use, against the multi-pass forms they replace: terms masked as
// they are computed (`ReplicatedZeroSharing.booleanMasked`, `arithmeticMasked`) against building the terms and
// then masking them, across chunk boundaries; and the inputs' rounding without libm against `rounded()`.

import TFETestSupport
import Testing

@testable import TFERuntime

@Suite struct ReplicatedFusedTests {
    /// Counts around the 2048-word chunk the streams are drawn in, and empty.
    static let counts = [0, 1, 7, 2047, 2048, 2049, 4096 + 33]

    static func sharing(_ party: Int) -> ReplicatedZeroSharing {
        ReplicatedZeroSharing(party: party, seedWithPrevious: Seed(fixed: 11 + UInt64(party)),
                              seedWithNext: Seed(fixed: 12 + UInt64(party)), stream: 5)
    }

    @Test(arguments: counts) func maskedTermsEqualTermsThenMask(_ count: Int) {
        var prg = PRG(seed: Seed(fixed: UInt64(count) + 99), stream: 1)
        let (a, b) = (prg.nextUInt64s(count: count), prg.nextUInt64s(count: count))
        for party in 0..<3 {
            // Two draws in a row, so the second starts where the first left the streams.
            var (fused, reference) = (Self.sharing(party), Self.sharing(party))
            let booleanTerms = (0..<count).map { (a[$0] & b[$0]) ^ ($0 % 3 == 0 ? b[$0] : 0) }
            let arithmeticTerms = (0..<count).map { a[$0] &* b[$0] &+ UInt64($0) }
            var expected = booleanTerms
            reference.maskBoolean(&expected)
            #expect(fused.booleanMasked(count: count) { booleanTerms[$0] } == expected)
            expected = arithmeticTerms
            reference.maskArithmetic(&expected)
            #expect(fused.arithmeticMasked(count: count) { arithmeticTerms[$0] } == expected)
        }
    }

    /// Ties both ways, neighbours of ties, signed zero, and the magnitudes where doubles stop having fractions.
    static let roundingEdges: [Double] = [
        0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994, 0.5000000000000001,
        1, -1, 4503599627370495.5, -4503599627370495.5, 4503599627370496, 9007199254740993, -9007199254740993,
        0x1p62 - 1024, -(0x1p62 - 1024), 1e-300, -1e-300, 12345.499999999998, 12345.5, -12345.5,
    ]

    @Test func roundingEqualsLibm() {
        var generator = SplitMix64(seed: 3)
        var values = Self.roundingEdges
        for _ in 0..<20_000 {
            let magnitude = Double.random(in: 0..<0x1p62, using: &generator)
            let scaled = magnitude / Double(1 << Int.random(in: 0..<62, using: &generator))
            values.append(Bool.random(using: &generator) ? scaled : -scaled)
            // Exact halves at a random scale.
            let half = Double(Int64.random(in: -(1 << 50)...(1 << 50), using: &generator)) + 0.5
            values.append(half)
        }
        for value in values {
            let fast = Machine.roundedAwayFromZero(value), libm = value.rounded()
            // Equal as numbers (a zero's sign does not survive the conversion to Int64).
            #expect(fast == libm, "\(value): \(fast), \(libm)")
        }
    }
}
