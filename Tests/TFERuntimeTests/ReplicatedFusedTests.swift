// The one-pass forms the machine's ABY3 steps use, against the multi-pass forms they replace: terms masked as
// they are computed (`ReplicatedZeroSharing.booleanMasked`, `arithmeticMasked`) against building the terms and
// then masking them, across chunk boundaries.

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
}
