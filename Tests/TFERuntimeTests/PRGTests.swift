// PRG: agreement with the RFC-checked ChaCha20, call-pattern independence, streams, and unbiased ranges.

import Testing
@testable import TFERuntime

@Suite struct PRGTests {
    /// The ChaCha20 keystream that stream `stream` of `seed` should be, read as little-endian words.
    func referenceWords(seed: Seed, stream: UInt64, blockHigh: UInt32 = 0, count: Int) -> [UInt64] {
        let nonce = (0..<4).map { UInt8(truncatingIfNeeded: blockHigh >> (8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: stream >> (8 * $0)) }
        var cipher = ChaCha20(key: seed.bytes, nonce: nonce)
        let bytes = cipher.keystream(byteCount: 8 * count)
        return (0..<count).map { word in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[8 * word + $1]) << (8 * $1) }
        }
    }

    @Test func wordsAreTheChaCha20Keystream() {
        let seed = Seed(bytes: Array(100..<132))!
        var prg = PRG(seed: seed, stream: 0x0123_4567_89ab_cdef)
        // 3 groups of four blocks and a bit: covers both the buffered and the straight-to-caller paths.
        #expect(prg.nextUInt64s(count: 100) == referenceWords(seed: seed, stream: 0x0123_4567_89ab_cdef, count: 100))
    }

    @Test func splittingDrawsDoesNotChangeTheWords() {
        var whole = PRG(seed: Seed(fixed: 9), stream: 3)
        let expected = whole.nextUInt64s(count: 500)
        var pieces = PRG(seed: Seed(fixed: 9), stream: 3)
        var joined: [UInt64] = []
        for length in [1, 31, 32, 33, 0, 64, 5, 100] {
            joined += pieces.nextUInt64s(count: length)
            joined.append(pieces.next())
        }
        joined += pieces.nextUInt64s(count: 500 - joined.count)
        #expect(joined == expected)
    }

    @Test func fillWritesIntoCallerMemory() {
        var reference = PRG(seed: Seed(fixed: 4), stream: 0)
        var prg = PRG(seed: Seed(fixed: 4), stream: 0)
        var words = [UInt64](repeating: 0, count: 77)
        words.withUnsafeMutableBufferPointer { prg.fill($0) }
        #expect(words == reference.nextUInt64s(count: 77))
        words.withUnsafeMutableBufferPointer { prg.fill(UnsafeMutableBufferPointer(rebasing: $0[0..<0])) }
        #expect(prg.next() == reference.next())
    }

    @Test func streamsAndSeedsAreIndependent() {
        var a = PRG(seed: Seed(fixed: 1), stream: 0)
        var b = PRG(seed: Seed(fixed: 1), stream: 1)
        var c = PRG(seed: Seed(fixed: 2), stream: 0)
        var again = PRG(seed: Seed(fixed: 1), stream: 0)
        let words = a.nextUInt64s(count: 8)
        #expect(words != b.nextUInt64s(count: 8))
        #expect(words != c.nextUInt64s(count: 8))
        #expect(words == again.nextUInt64s(count: 8))
    }

    @Test(arguments: [0, 1, 31, 32, 33, 1000] as [UInt64])
    func skippingWordsMatchesDrawingThem(offset: UInt64) {
        var drawn = PRG(seed: Seed(fixed: 5), stream: 2)
        _ = drawn.nextUInt64s(count: Int(offset))
        var skipped = PRG(seed: Seed(fixed: 5), stream: 2, skippingWords: offset)
        #expect(skipped.nextUInt64s(count: 70) == drawn.nextUInt64s(count: 70))
    }

    @Test func blockCounterCarriesIntoTheNonce() {
        // The last group before the 32-bit counter wraps, then the first one after it.
        let seed = Seed(fixed: 77)
        let wordsBeforeWrap: UInt64 = (1 << 32) * 8
        var prg = PRG(seed: seed, stream: 6, skippingWords: wordsBeforeWrap - 32)
        let words = prg.nextUInt64s(count: 64)
        var cipher = ChaCha20(key: seed.bytes, nonce: [0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0], counter: .max - 3)
        let before = cipher.keystream(byteCount: 256)
        #expect(words[0..<32].elementsEqual(littleEndianWords(before)))
        #expect(Array(words[32..<64]) == referenceWords(seed: seed, stream: 6, blockHigh: 1, count: 32))
    }

    /// Large fills take OpenSSL's vectorised ChaCha20 (`ChaCha20.blocks`): they give exactly the words that
    /// drawing one group at a time with this file's ChaCha20 gives, from any position, across the 32-bit block
    /// counter's wrap (which both carry into the nonce), and leave the generator where the draws would.
    @Test(arguments: [
        (0, 70_000), (5, 4096 + 33), (31, 100_000), (1 << 35 - 4096, 20_000), (1 << 35 - 2048 - 7, 5000),
        (0, 128), (3, 128 + 31 + 5), (1 << 35 - 64, 300),
    ] as [(UInt64, Int)])
    func bulkFillsMatchGroupByGroupDraws(offset: UInt64, count: Int) {
        let head = Int((32 - offset % 32) % 32)  // words before the first whole group
        #expect((count - head) / 32 >= PRG.bulkGroups)  // enough whole groups for the bulk path
        var bulk = PRG(seed: Seed(fixed: 91), stream: 3, skippingWords: offset)
        var words = [UInt64](repeating: 0, count: count)
        words.withUnsafeMutableBufferPointer { bulk.fill($0) }
        var single = PRG(seed: Seed(fixed: 91), stream: 3, skippingWords: offset)
        let drawn = (0..<count).map { _ in single.next() }
        #expect(words == drawn)
        #expect(bulk.nextUInt64s(count: 40) == single.nextUInt64s(count: 40))
    }

    func littleEndianWords(_ bytes: [UInt8]) -> [UInt64] {
        (0..<(bytes.count / 8)).map { word in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[8 * word + $1]) << (8 * $1) }
        }
    }

    // MARK: - Bounded draws

    @Test(arguments: [1, 2, 3, 67, 192, 255, 256, 257, 65535, 65536, 65537, 1 << 32, (1 << 32) + 1, .max] as [UInt64])
    func drawsStayBelowTheBound(bound: UInt64) {
        var prg = PRG(seed: Seed(fixed: bound), stream: 0)
        let values = prg.nextUInt64s(count: 2000, below: bound)
        #expect(values.allSatisfy { $0 < bound })
        if bound > 1 {
            #expect(Set(values).count > 1)
        }
        #expect(prg.nextBelow(bound) < bound)
    }

    /// Bounds of the form 3·2^(k-2) for each candidate width k: plain `x % bound` would return values
    /// below bound/2 with probability 5/8 instead of 1/2.
    @Test(arguments: [192, 3 << 14, 3 << 30, 3 << 62] as [UInt64])
    func drawsHaveNoModuloBias(bound: UInt64) {
        var prg = PRG(seed: Seed(fixed: 11), stream: bound)
        let count = 20000
        let low = prg.nextUInt64s(count: count, below: bound).filter { $0 < bound / 2 }.count
        // Standard deviation of the fraction is 0.0035; 0.02 is more than five of them.
        #expect(abs(Double(low) / Double(count) - 0.5) < 0.02)
    }

    @Test func drawsModulo67AreUniform() {
        var prg = PRG(seed: Seed(fixed: 67), stream: 0)
        let perValue = 300
        var counts = [Int](repeating: 0, count: 67)
        for value in prg.nextUInt64s(count: 67 * perValue, below: 67) {
            counts[Int(value)] += 1
        }
        let chiSquared = counts.reduce(0.0) { $0 + pow2(Double($1 - perValue)) / Double(perValue) }
        // 66 degrees of freedom: the 99.99th percentile is about 117.
        #expect(chiSquared < 117)
    }

    func pow2(_ x: Double) -> Double { x * x }

    /// Bounds above 2^32 draw the words for the missing values in bulk: the values and the words consumed are
    /// those of one word per candidate, Lemire's rejection included (3·2^62 rejects a quarter of the words).
    @Test(arguments: [(1 << 32) + 1, 3 << 62, .max] as [UInt64])
    func wideDrawsAreTheWordByWordDraws(bound: UInt64) {
        for count in [0, 1, 31, 32, 33, 127, 128, 129, 1000, 5000] {
            var reference = PRG(seed: Seed(fixed: bound), stream: UInt64(count))
            var bulk = reference
            let threshold = (0 &- bound) % bound
            var expected: [UInt64] = []
            while expected.count < count {
                let (high, low) = reference.next().multipliedFullWidth(by: bound)
                if low >= threshold { expected.append(high) }
            }
            #expect(bulk.nextUInt64s(count: count, below: bound) == expected, "bound \(bound) count \(count)")
            #expect(bulk.next() == reference.next(), "bound \(bound) count \(count)")
        }
    }

    @Test func boundOfOneAlwaysGivesZero() {
        var prg = PRG(seed: Seed(fixed: 1), stream: 0)
        #expect(prg.nextUInt64s(count: 50, below: 1) == [UInt64](repeating: 0, count: 50))
    }

    @Test func nextBelowIsAOneElementFill() {
        var single = PRG(seed: Seed(fixed: 3), stream: 0)
        var bulk = PRG(seed: Seed(fixed: 3), stream: 0)
        for _ in 0..<10 {
            #expect(single.nextBelow(1000) == bulk.nextUInt64s(count: 1, below: 1000)[0])
        }
    }

    @Test func derivedSeedsDiffer() {
        var prg = PRG(seed: Seed(fixed: 8), stream: 0)
        let first = prg.nextSeed()
        let second = prg.nextSeed()
        #expect(first != second)
        #expect(first != Seed(fixed: 8))
    }
}

@Suite struct SeedTests {
    @Test func bytesRoundTrip() {
        let bytes = Array(UInt8(200)..<UInt8(232))
        #expect(Seed(bytes: bytes)?.bytes == bytes)
    }

    @Test(arguments: [0, 31, 33])
    func wrongLengthIsRejected(count: Int) {
        #expect(Seed(bytes: [UInt8](repeating: 1, count: count)) == nil)
    }

    @Test func fixedSeedIsLittleEndianValue() {
        #expect(Seed(fixed: 0x0102).bytes == [2, 1] + [UInt8](repeating: 0, count: 30))
    }

    @Test func descriptionHidesTheBytes() {
        let seed = Seed(bytes: [UInt8](repeating: 0xab, count: 32))!
        #expect(!"\(seed)".contains("171"))
        #expect(!"\(seed)".lowercased().contains("ab"))
    }

    @Test func randomSeedsDiffer() throws {
        let first = try Seed.random()
        let second = try Seed.random()
        #expect(first != second)
        #expect(first.bytes != [UInt8](repeating: 0, count: 32))
    }

    @Test func fallsBackToDevURandom() throws {
        let bytes = try Seed.systemRandomBytes(count: 32, useGetEntropy: false)
        #expect(bytes.count == 32)
        #expect(bytes != [UInt8](repeating: 0, count: 32))
    }

    @Test func reportsWhyNoSourceWorked() {
        #expect {
            try Seed.systemRandomBytes(count: 32, useGetEntropy: false, fallbackPath: "/nonexistent/urandom")
        } throws: { error in
            "\(error)" == "cannot read random bytes from the operating system: /nonexistent/urandom: "
                + "no such file or directory"
        }
        #expect {
            try Seed.systemRandomBytes(count: 32, useGetEntropy: false, fallbackPath: "/dev/null")
        } throws: { error in
            "\(error)".hasSuffix("/dev/null: unexpected end of file")
        }
    }
}
