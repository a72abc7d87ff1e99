// ABY3's binary protocols run by three in-process parties with real pairwise PRG streams seeded by the
// operating system: outputs exact against plaintext on edge and random words, every round's words equal to the
// cost functions, and messages that change with the seeds.

import Testing

@testable import TFERuntime

@Suite struct ReplicatedBinaryTests {
    // MARK: - Inputs

    /// Edge words: 0, ±1, ±2, ±2^62 and its neighbours, the ring's extremes (2^63 − 1, −2^63, 2^64 − 1), and the
    /// fixed-point range's limits at 16 fractional bits (±2^46, ±(2^46 − 1)).
    static let edges: [UInt64] = {
        let signed: [Int64] = [
            0, 1, -1, 2, -2, 1 << 62, -(1 << 62), (1 << 62) - 1, -((1 << 62) - 1), (1 << 62) + 1,
            .max, .min, .min + 1, 1 << 46, -(1 << 46), (1 << 46) - 1, -((1 << 46) - 1), 1 << 32, -(1 << 32),
        ]
        return signed.map { UInt64(bitPattern: $0) } + [.max, 1 << 63]
    }()

    /// Edge words inside the machine's range |v| < 2^62, where comparisons are exact.
    static let edgesInRange: [UInt64] = edges.filter { Int64(bitPattern: $0).magnitude < 1 << 62 }

    /// `count` random words after the edges; `inRange` keeps them below 2^62 in magnitude.
    static func words(seed: UInt64, count: Int = 300, inRange: Bool = false) -> [UInt64] {
        var prg = PRG(seed: Seed(fixed: seed), stream: 7)
        let random = prg.nextUInt64s(count: count).map { word in
            inRange ? UInt64(bitPattern: Int64(bitPattern: word) >> 2) : word
        }
        return (inRange ? edgesInRange : edges) + random
    }

    /// Three parties' streams from fresh OS seeds.
    static func zeroSharings() throws -> [ReplicatedZeroSharing] {
        ReplicatedZeroSharing.parties(seeds: [try Seed.random(), try Seed.random(), try Seed.random()])
    }

    static func shareArithmetic(_ values: [UInt64]) throws -> [ReplicatedArithmeticView] {
        var prg = PRG(seed: try Seed.random(), stream: 0)
        return ReplicatedArithmeticView.share(values, using: &prg)
    }

    static func shareBoolean(_ values: [UInt64]) throws -> [ReplicatedBooleanView] {
        var prg = PRG(seed: try Seed.random(), stream: 0)
        return ReplicatedBooleanView.share(values, using: &prg)
    }

    /// Runs the three parties and checks the transcript against `cost`.
    static func run<Run: ReplicatedRounds>(
        _ parties: [Run], cost: ReplicatedCost, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [Run.Output] {
        var zeros = try zeroSharings()
        let (outputs, transcript) = ReplicatedLocalRun.run(parties, zeros: &zeros)
        #expect(transcript.matches(cost), "sent \(transcript.wordsSent), predicted \(cost.wordsPerRound)",
                sourceLocation: sourceLocation)
        #expect(transcript.bytesPerParty == cost.bytesPerParty, sourceLocation: sourceLocation)
        return outputs
    }

    static func signed(_ word: UInt64) -> Int64 { Int64(bitPattern: word) }

    // MARK: - Sharing and local operations

    @Test func sharingsRevealTheirValuesAndLocalOperationsActOnThem() throws {
        let x = Self.words(seed: 1), y = Self.words(seed: 2)
        let bx = try Self.shareBoolean(x), by = try Self.shareBoolean(y)
        #expect(ReplicatedBooleanView.reveal(bx) == x)
        #expect(ReplicatedBooleanView.reveal((0..<3).map { bx[$0] ^ by[$0] }) == zip(x, y).map { $0 ^ $1 })
        #expect(ReplicatedBooleanView.reveal(bx.map { $0.complemented() }) == x.map { ~$0 })
        #expect(ReplicatedBooleanView.reveal(bx.map { $0.xoring(public: 0xF0F0) }) == x.map { $0 ^ 0xF0F0 })
        #expect(ReplicatedBooleanView.reveal(bx.map { $0.anding(public: 0xFF00) }) == x.map { $0 & 0xFF00 })
        #expect(ReplicatedBooleanView.reveal(bx.map { $0.shiftedLeft(by: 5) }) == x.map { $0 << 5 })
        #expect(ReplicatedBooleanView.reveal(bx.map { $0.shiftedRight(by: 63) }) == x.map { $0 >> 63 })

        let ax = try Self.shareArithmetic(x), ay = try Self.shareArithmetic(y)
        #expect(ReplicatedArithmeticView.reveal(ax) == x)
        #expect(ReplicatedArithmeticView.reveal((0..<3).map { ax[$0] + ay[$0] }) == zip(x, y).map { $0 &+ $1 })
        #expect(ReplicatedArithmeticView.reveal((0..<3).map { ax[$0] - ay[$0] }) == zip(x, y).map { $0 &- $1 })
        #expect(ReplicatedArithmeticView.reveal(ax.map { $0.multiplied(byPublic: 3).adding(public: 7) })
                == x.map { $0 &* 3 &+ 7 })
        // The trivial sharings A2B starts from: component j alone, as a boolean sharing, is x_j.
        let slots = (0..<3).map { slot in
            ReplicatedBooleanView.reveal(ax.map { ReplicatedBooleanView(slot: slot, of: $0) })
        }
        let components = (0..<3).map { ax[$0].first }
        #expect(slots == components)
    }

    @Test func revealRefusesViewsOfDifferentSharings() throws {
        var views = try Self.shareArithmetic([1, 2, 3])
        views[1].second[0] &+= 1
        #expect(ReplicatedArithmeticView.reveal(views) == nil)
    }

    // MARK: - One-round gates

    @Test func andIsExactInOneRoundOfOneWordPerWord() throws {
        let x = Self.words(seed: 3), y = Self.words(seed: 4).reversed().map { $0 }
        let bx = try Self.shareBoolean(x), by = try Self.shareBoolean(y)
        let outputs = try Self.run((0..<3).map { ReplicatedAND(bx[$0], by[$0]) }, cost: .and(count: x.count))
        #expect(ReplicatedBooleanView.reveal(outputs) == zip(x, y).map { $0 & $1 })
        #expect(ReplicatedCost.and(count: 1) == ReplicatedCost(wordsPerRound: [1]))
    }

    @Test func productIsExactInOneRoundOfOneElementPerElement() throws {
        let x = Self.words(seed: 5), y = Self.words(seed: 6).reversed().map { $0 }
        let ax = try Self.shareArithmetic(x), ay = try Self.shareArithmetic(y)
        let outputs = try Self.run((0..<3).map { ReplicatedProduct(ax[$0], ay[$0]) }, cost: .product(count: x.count))
        #expect(ReplicatedArithmeticView.reveal(outputs) == zip(x, y).map { $0 &* $1 })
    }

    // MARK: - A2B

    @Test func a2bIsExactForEveryWordInEightRoundsOfThirteenWords() throws {
        let x = Self.words(seed: 8, count: 1000)
        let ax = try Self.shareArithmetic(x)
        let outputs = try Self.run((0..<3).map { ReplicatedA2B(ax[$0]) }, cost: .a2b(count: x.count))
        #expect(ReplicatedBooleanView.reveal(outputs) == x)
        let perElement = ReplicatedCost.a2b(count: 1)
        #expect(perElement.rounds == 8 && perElement.wordsPerParty == 13 && perElement.bytesPerParty == 104)
    }

    @Test func a2bCarriesAcrossEveryBitPosition() throws {
        // Components chosen so that the sum carries through every position: x_0 = 2^64 − 1, x_1 = 1, x_2 = k.
        let counts = (0..<64).map { UInt64(1) << $0 }
        let views = (0..<3).map { party in
            let components: [[UInt64]] = [
                Array(repeating: .max, count: 64), Array(repeating: 1, count: 64), counts,
            ]
            return ReplicatedArithmeticView(
                party: party, first: components[party], second: components[(party + 1) % 3])
        }
        let outputs = try Self.run((0..<3).map { ReplicatedA2B(views[$0]) }, cost: .a2b(count: 64))
        #expect(ReplicatedBooleanView.reveal(outputs) == counts)
    }

    @Test func mostSignificantBitIsTheSignOfEveryWord() throws {
        let x = Self.words(seed: 9)
        let ax = try Self.shareArithmetic(x)
        let outputs = try Self.run((0..<3).map { ReplicatedComparison.mostSignificantBit(ax[$0]) },
                                   cost: .comparisonBit(count: x.count))
        #expect(ReplicatedBooleanView.reveal(outputs) == x.map { $0 >> 63 })
    }

    // MARK: - Back to the ring

    @Test func bitInjectionGivesEachBitAsARingElementInTwoRounds() throws {
        // Bit 0 is the bit; the other bits are noise the protocol must ignore.
        let words = Self.words(seed: 10)
        let bits = try Self.shareBoolean(words)
        let outputs = try Self.run((0..<3).map { ReplicatedBitInjection(bits[$0]) },
                                   cost: .bitInjection(count: words.count))
        #expect(ReplicatedArithmeticView.reveal(outputs) == words.map { $0 & 1 })
        #expect(ReplicatedCost.bitInjection(count: 1).bytesPerParty == 16)
    }

    @Test func bitProductMultipliesEveryWordByItsBit() throws {
        let x = Self.words(seed: 11), b = Self.words(seed: 12)
        let ax = try Self.shareArithmetic(x), bb = try Self.shareBoolean(b)
        let outputs = try Self.run((0..<3).map { ReplicatedBitProduct(ax[$0], times: bb[$0]) },
                                   cost: .bitProduct(count: x.count))
        #expect(ReplicatedArithmeticView.reveal(outputs) == zip(x, b).map { $1 & 1 == 1 ? $0 : 0 })
    }

    // MARK: - Comparisons

    @Test func dreluIsOneExactlyForNonnegativeWords() throws {
        let x = Self.words(seed: 13)
        let ax = try Self.shareArithmetic(x)
        let expected = x.map { Self.signed($0) >= 0 ? UInt64(1) : 0 }
        let bits = try Self.run((0..<3).map { ReplicatedComparison.dreluBit(ax[$0]) },
                                cost: .comparisonBit(count: x.count))
        #expect(ReplicatedBooleanView.reveal(bits) == expected)
        let ring = try Self.run((0..<3).map { ReplicatedComparison.drelu(ax[$0]) }, cost: .comparison(count: x.count))
        #expect(ReplicatedArithmeticView.reveal(ring) == expected)
        let perElement = ReplicatedCost.comparison(count: 1)
        #expect(perElement.rounds == 10 && perElement.wordsPerParty == 15)
    }

    @Test func reluIsExactForEveryWordInTenRoundsOf128Bytes() throws {
        let x = Self.words(seed: 14, count: 1000)
        let ax = try Self.shareArithmetic(x)
        let outputs = try Self.run((0..<3).map { ReplicatedComparison.relu(ax[$0]) }, cost: .relu(count: x.count))
        #expect(ReplicatedArithmeticView.reveal(outputs) == x.map { Self.signed($0) >= 0 ? $0 : 0 })
        let perElement = ReplicatedCost.relu(count: 1)
        #expect(perElement.rounds == 10 && perElement.bytesPerParty == 128 && perElement.totalBytes == 384)
    }

    @Test func lessThanIsExactInsideTheMachinesRange() throws {
        let a = Self.words(seed: 15, inRange: true)
        let b = Self.words(seed: 16, inRange: true).reversed().map { $0 }
        // Also every pair of edges in range, and each value against itself.
        let pairs = Self.edgesInRange.flatMap { p in Self.edgesInRange.map { (p, $0) } }
        let left = a + pairs.map(\.0) + a, right = b + pairs.map(\.1) + a
        let expected = zip(left, right).map { Self.signed($0) < Self.signed($1) ? UInt64(1) : 0 }
        let aa = try Self.shareArithmetic(left), ab = try Self.shareArithmetic(right)
        let bits = try Self.run((0..<3).map { ReplicatedComparison.lessThanBit(aa[$0], ab[$0]) },
                                cost: .comparisonBit(count: left.count))
        #expect(ReplicatedBooleanView.reveal(bits) == expected)
        let ring = try Self.run((0..<3).map { ReplicatedComparison.lessThan(aa[$0], ab[$0]) },
                                cost: .comparison(count: left.count))
        #expect(ReplicatedArithmeticView.reveal(ring) == expected)
    }

    @Test func selectPicksByTheSharedBitAndMaxFollows() throws {
        let a = Self.words(seed: 17, inRange: true), b = Self.words(seed: 18, inRange: true).reversed().map { $0 }
        let c = Array(Self.words(seed: 19).prefix(a.count))
        let aa = try Self.shareArithmetic(a), ab = try Self.shareArithmetic(b), bc = try Self.shareBoolean(c)
        let chosen = try Self.run((0..<3).map { ReplicatedComparison.select(bc[$0], aa[$0], ab[$0]) },
                                  cost: .select(count: a.count))
        #expect(ReplicatedArithmeticView.reveal(chosen) == (0..<a.count).map { c[$0] & 1 == 1 ? a[$0] : b[$0] })

        // max(a, b) = select([a < b], b, a): a comparison, then a select.
        let maxima = try Self.run(
            (0..<3).map { party in
                ReplicatedComparison.lessThanBit(aa[party], ab[party])
                    .then { ReplicatedComparison.select($0, ab[party], aa[party]) }
            },
            cost: .comparisonBit(count: a.count) + .select(count: a.count))
        let expected = zip(a, b).map { Self.signed($0) < Self.signed($1) ? $1 : $0 }
        #expect(ReplicatedArithmeticView.reveal(maxima) == expected)
    }

    @Test func emptyInputsSendEmptyMessagesInTheSameRounds() throws {
        let ax = try Self.shareArithmetic([])
        let outputs = try Self.run((0..<3).map { ReplicatedComparison.relu(ax[$0]) }, cost: .relu(count: 0))
        #expect(ReplicatedArithmeticView.reveal(outputs) == [])
    }

    // MARK: - Randomness

    /// A sanity check, not a proof: the same inputs under fresh seeds give different messages in every round, on
    /// every link, even for inputs that are all zero; and no message repeats a word of the other run.
    @Test func messagesChangeWithTheSeeds() throws {
        let x = [UInt64](repeating: 0, count: 64) + Self.edges
        let ax = try Self.shareArithmetic(x)
        func transcript() throws -> ReplicatedTranscript {
            var zeros = try Self.zeroSharings()
            return ReplicatedLocalRun.run(
                (0..<3).map { ReplicatedComparison.relu(ax[$0]) }, zeros: &zeros, recordingMessages: true
            ).transcript
        }
        let first = try transcript(), second = try transcript()
        #expect(first.rounds == 10 && second.rounds == 10)
        for round in 0..<first.rounds {
            for party in 0..<3 {
                let one = first.messages[round][party], other = second.messages[round][party]
                let equal = zip(one, other).filter { $0 == $1 }.count
                #expect(equal == 0, "round \(round), party \(party): \(equal) of \(one.count) words repeat")
                #expect(Set(one).count > one.count / 2, "round \(round), party \(party): repeated words")
            }
        }
    }
}
