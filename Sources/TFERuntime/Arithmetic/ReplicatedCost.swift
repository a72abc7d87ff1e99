// What ABY3's binary protocols send, as functions of the element count, for the cost model to call.

/// The communication of one replicated protocol on a number of elements: in each round, every party sends the
/// same number of 64-bit words to the previous party (party i to party i − 1), and nothing else.
public struct ReplicatedCost: Sendable, Hashable {
    /// Words each party sends in each round.
    public var wordsPerRound: [Int]

    public init(wordsPerRound: [Int]) {
        self.wordsPerRound = wordsPerRound
    }

    /// Communication rounds.
    public var rounds: Int { wordsPerRound.count }

    /// Words each party sends over all rounds.
    public var wordsPerParty: Int { wordsPerRound.reduce(0, +) }

    /// Bytes each party sends over all rounds (on its one link, to the previous party).
    public var bytesPerParty: Int { 8 * wordsPerParty }

    /// Bytes on all three links.
    public var totalBytes: Int { 3 * bytesPerParty }

    /// One protocol's rounds, then the other's.
    public static func + (lhs: ReplicatedCost, rhs: ReplicatedCost) -> ReplicatedCost {
        ReplicatedCost(wordsPerRound: lhs.wordsPerRound + rhs.wordsPerRound)
    }

    // MARK: - Per protocol, on `count` elements

    /// An AND of `count` words (`ReplicatedAND`): 1 round, 1 word each.
    public static func and(count: Int) -> ReplicatedCost { ReplicatedCost(wordsPerRound: [count]) }

    /// An element-wise product (`ReplicatedProduct`): 1 round, 1 element each.
    public static func product(count: Int) -> ReplicatedCost { ReplicatedCost(wordsPerRound: [count]) }

    /// Arithmetic to binary (`ReplicatedA2B`), which also gives the MSB: the carry-save layer, the adder's first
    /// generate, then Kogge-Stone levels k = 1, 2, 4, 8, 16 (generate and propagate) and 32 (generate only):
    /// 8 rounds, 13 words (104 bytes) per element.
    public static func a2b(count: Int) -> ReplicatedCost {
        let levels = ReplicatedA2B.levelShifts.map { $0 < ReplicatedA2B.levelShifts.last! ? 2 * count : count }
        return ReplicatedCost(wordsPerRound: [count, count] + levels)
    }

    /// Bit injection (`ReplicatedBitInjection`): 2 rounds, 1 word each per bit.
    public static func bitInjection(count: Int) -> ReplicatedCost { ReplicatedCost(wordsPerRound: [count, count]) }

    /// A ring element times a shared bit (`ReplicatedBitProduct`): 2 rounds, 2 then 1 words per element.
    public static func bitProduct(count: Int) -> ReplicatedCost { ReplicatedCost(wordsPerRound: [2 * count, count]) }

    /// DReLU or a < b as a shared bit: A2B of x (or a − b); the bit is local from there.
    public static func comparisonBit(count: Int) -> ReplicatedCost { a2b(count: count) }

    /// DReLU or a < b as a ring element 0 or 1: A2B, then bit injection: 10 rounds, 15 words per element.
    public static func comparison(count: Int) -> ReplicatedCost { a2b(count: count) + bitInjection(count: count) }

    /// ReLU, x − x · msb(x): A2B, then the bit product: 10 rounds, 16 words (128 bytes) per element.
    public static func relu(count: Int) -> ReplicatedCost { a2b(count: count) + bitProduct(count: count) }

    /// select(c, a, b) = b + c · (a − b) with c a shared bit: the bit product.
    public static func select(count: Int) -> ReplicatedCost { bitProduct(count: count) }
}
