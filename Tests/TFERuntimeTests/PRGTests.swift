// PRG: the AES-128-CTR keystream of NIST SP 800-38A, call-pattern independence, streams, and unbiased ranges.

import COpenSSL
import Foundation
import Testing
@testable import TFERuntime

@Suite struct PRGTests {
    /// The keystream of stream `stream` of `seed` from its counter block `block` on, read as little-endian words:
    /// OpenSSL's AES-128-CTR called once here, on the counter block this test builds, not through `PRG`.
    func referenceWords(seed: Seed, stream: UInt64, block: UInt64 = 0, count: Int) -> [UInt64] {
        let counter = (0..<8).map { UInt8(truncatingIfNeeded: stream >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: block >> (56 - 8 * $0)) }
        let context = EVP_CIPHER_CTX_new()
        defer { EVP_CIPHER_CTX_free(context) }
        #expect(EVP_EncryptInit_ex(context, EVP_aes_128_ctr(), nil, Array(seed.bytes[0..<16]), counter) == 1)
        var bytes = [UInt8](repeating: 0, count: 8 * count)
        var written: Int32 = 0
        #expect(EVP_EncryptUpdate(context, &bytes, &written, [UInt8](repeating: 0, count: 8 * count),
                                  Int32(8 * count)) == 1)
        return littleEndianWords(bytes)
    }

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    /// NIST SP 800-38A, F.5.1 (CTR-AES128.Encrypt): the key, the initial counter block, and four blocks of
    /// plaintext and ciphertext.
    static let nistKey = hex("2b7e151628aed2a6abf7158809cf4f3c")
    static let nistPlaintext = hex(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
            + "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
    static let nistCiphertext = hex(
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
            + "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee")

    /// The PRG whose key is F.5.1's (the seed's other bytes do not enter the keystream) and whose next counter
    /// block is F.5.1's initial counter block f0f1...feff.
    func nistPRG(restOfSeed: UInt8 = 0) -> PRG {
        let seed = Seed(bytes: Self.nistKey + [UInt8](repeating: restOfSeed, count: 16))!
        return PRG(seed: seed, counterHigh: 0xf0f1_f2f3_f4f5_f6f7, low: 0xf8f9_fafb_fcfd_feff)
    }

    /// The keystream is ciphertext XOR plaintext; the PRG reads it as little-endian words, by any draws.
    @Test func wordsAreTheNISTCounterModeKeystream() {
        let keystream = zip(Self.nistCiphertext, Self.nistPlaintext).map { $0 ^ $1 }
        let expected = littleEndianWords(keystream)
        var oneByOne = nistPRG()
        #expect((0..<8).map { _ in oneByOne.next() } == expected)
        var filled = nistPRG(restOfSeed: 0xa5)
        var words = [UInt64](repeating: 0, count: 8)
        words.withUnsafeMutableBufferPointer { filled.fill($0) }
        #expect(words == expected)
        // A bulk draw (whole groups straight into the caller's memory) starts with the same blocks.
        var bulk = nistPRG()
        #expect(Array(bulk.nextUInt64s(count: 200)[0..<8]) == expected)
    }

    @Test func wordsAreTheAESCounterModeKeystream() {
        let seed = Seed(bytes: Array(100..<132))!
        var prg = PRG(seed: seed, stream: 0x0123_4567_89ab_cdef)
        // Groups and a bit: covers both the buffered and the straight-to-caller paths.
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

    /// Draws of every size up to three groups, repeated across the buffer's boundaries (through `fill`, and
    /// after a first draw of every size so that each starts at every position within a group), are one long read.
    @Test func drawsOfEverySizeAreOneLongRead() {
        var long = PRG(seed: Seed(fixed: 12), stream: 1)
        let expected = long.nextUInt64s(count: 1200)
        for first in 0..<33 {
            for size in 1...97 {
                var prg = PRG(seed: Seed(fixed: 12), stream: 1)
                var words = prg.nextUInt64s(count: first)
                while words.count + size <= expected.count {
                    words += prg.nextUInt64s(count: size)
                }
                #expect(words[...] == expected[0..<words.count], "first \(first), then \(size) at a time")
            }
        }
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

    /// A copy of a generator is a value: it draws what the original would, and draws on either (here on several
    /// threads at once, each with its copy, sharing the cipher until it draws) leave the others where they were.
    @Test func copiesDrawIndependently() async {
        var original = PRG(seed: Seed(fixed: 21), stream: 4)
        _ = original.nextUInt64s(count: 7)
        var reference = original
        let expected = reference.nextUInt64s(count: 3000)
        let copies = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<4 {
                let copy = original
                group.addTask {
                    var mine = copy
                    return mine.nextUInt64s(count: 1000) + mine.nextUInt64s(count: 2000)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(copies.count == 4 && copies.allSatisfy { $0 == expected })
        #expect(original.nextUInt64s(count: 3000) == expected)
    }

    @Test(arguments: [0, 1, 2, 31, 32, 33, 1000, 1 << 40 + 5] as [UInt64])
    func skippingWordsMatchesDrawingThem(offset: UInt64) {
        var skipped = PRG(seed: Seed(fixed: 5), stream: 2, skippingWords: offset)
        let words = skipped.nextUInt64s(count: 70)
        // The skip is the counter block offset / 2, entered at word offset % 2 of it.
        let reference = referenceWords(seed: Seed(fixed: 5), stream: 2, block: offset / 2, count: 72)
        #expect(words[...] == reference[Int(offset % 2)..<(Int(offset % 2) + 70)])
        if offset <= 1000 {
            var drawn = PRG(seed: Seed(fixed: 5), stream: 2)
            _ = drawn.nextUInt64s(count: Int(offset))
            #expect(drawn.nextUInt64s(count: 70) == words)
        }
    }

    /// The counter block is one 128-bit big-endian number (SP 800-38A): past block 2^64 − 1 of stream s comes
    /// block 0 of stream s + 1, in a bulk draw as in the buffered one.
    @Test(arguments: [16, 5] as [UInt64])
    func counterCarriesIntoTheStreamHalf(blocksBeforeWrap: UInt64) {
        let seed = Seed(fixed: 77)
        for count in [200, 2 * Int(blocksBeforeWrap) + 3] {
            var prg = PRG(seed: seed, counterHigh: 6, low: 0 &- blocksBeforeWrap)
            let words = prg.nextUInt64s(count: count)
            let before = 2 * Int(blocksBeforeWrap)
            #expect(Array(words[0..<before])
                == referenceWords(seed: seed, stream: 6, block: 0 &- blocksBeforeWrap, count: before))
            var next = PRG(seed: seed, stream: 7)
            #expect(Array(words[before...]) == next.nextUInt64s(count: count - before))
        }
    }

    /// Large fills go straight into the caller's memory, whole groups in one call: they give exactly the words
    /// that drawing one at a time gives, from any position, and leave the generator where the draws would.
    @Test(arguments: [
        (0, 70_000), (5, 4096 + 33), (31, 100_000), (1 << 35 - 4096, 20_000), (1 << 35 - 2048 - 7, 5000),
        (0, 128), (3, 128 + 31 + 5), (1 << 35 - 64, 300), (0, 32), (1, 63),
    ] as [(UInt64, Int)])
    func bulkFillsMatchWordByWordDraws(offset: UInt64, count: Int) {
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
