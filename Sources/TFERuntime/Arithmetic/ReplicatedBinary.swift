// ABY3's binary half (Mohassel and Rindal, CCS 2018, sections 5.3 and 5.4): replicated boolean shares of
// 64-bit words, AND gates, arithmetic-to-binary conversion with a parallel-prefix adder, bit injection, and the
// comparisons built on them, as per-party steps that a machine drives round by round. Nothing here depends on
// the machine or the opcode table.
//
// # Design note
//
// Sharing. Three parties; indices are mod 3. A value x is x_0 + x_1 + x_2 in Z_2^64 (arithmetic) or
// x_0 ⊕ x_1 ⊕ x_2 (boolean), and party i holds the components (x_i, x_{i+1}): each component is known to two
// parties, so any two parties can reconstruct x and no single party learns anything about it.
//
// Representation. A boolean word holds one value's 64 bits (bit j of the word is bit j of the value), not 64
// values' bit j. The adder moves carries across bit positions, and a shift of each component shifts the shared
// value, so every prefix step (`G << k`) is a local shift and one AND word serves all 64 positions of one
// element. Slicing the other way (64 elements to a word) would need a 64×64 transpose of every input and output
// and send exactly as many words. A single shared bit (an MSB, a comparison) sits in bit 0 of its word.
//
// Randomness. Party i holds two PRG streams (AES-128-CTR): F(k_i), whose seed it shares with party i − 1, and
// F(k_{i+1}), shared with party i + 1 (`ReplicatedZeroSharing`). Per word it draws α_i = F(k_i) ⊕ F(k_{i+1})
// (boolean) or F(k_i) − F(k_{i+1}) (arithmetic); the three α_i sum to zero, and each stream word is used once.
//
// One round. Every interactive step is "begin on every party, exchange, finish on every party": party i computes
// its own new component z_i from what it holds, masked by α_i, and sends it to party i − 1, who holds component
// i as its second; it receives z_{i+1} from party i + 1. An AND gate sends z_i = x_i y_i ⊕ x_i y_{i+1} ⊕
// x_{i+1} y_i ⊕ α_i: one word per AND word per party. The arithmetic product is the same with + and ·.
//
// Rounds and words sent per element, by each party to one neighbour (bytes = 8 × words; all links: 3×):
//
//   step                           rounds   words   how
//   AND, product                   1        1       the cross terms above
//   A2B (and MSB, `<`, DReLU)      8        13      x_0, x_1, x_2 as boolean sharings (…, x_j, …) at no cost;
//                                                   a carry-save layer, maj(a, b, c) = ((a ⊕ c) ∧ (b ⊕ c)) ⊕ c
//                                                   (1 round, 1 word); the adder's G = s ∧ c, P = s ⊕ c
//                                                   (1 round, 1 word); Kogge-Stone levels k = 1, 2, …, 32
//                                                   (6 rounds; G and P at k < 32, 2 words; G only at 32)
//   bit injection (B2A of a bit)   2        2       b = d ⊕ b_2 with d = b_0 ⊕ b_1 known to party 0:
//                                                   reshare d (1 word), then b_2 + d·(1 − 2 b_2) (1 word)
//   x · b (b a shared bit)         2        3       reshare d and f = x·b_2 (2 words), then f + d·(x − 2f)
//   ReLU = x − x·msb(x)            10       16      A2B, then x · b: 128 bytes per party, 384 on all links
//   DReLU, a < b as a ring value   10       15      A2B, then bit injection
//   select(c, a, b)                2        3       b + c·(a − b)
//
// Correctness. A2B is exact for every word. msb(a − b) is [a < b] whenever a − b does not overflow as a signed
// 64-bit integer, so for every pair of ring values inside the machine's range |v| < 2^62. DReLU(x) = 1 − msb(x)
// is [x ≥ 0] for every word, and ReLU is exact for every word.
//
// Security (semi-honest, one corruption). Every message party i sends is w ⊕ α_i or w + α_i, where α_i contains
// a fresh word of F(k_{i+1}). Its receiver, party i − 1, holds k_{i−1} and k_i but not k_{i+1}, so that word is
// pseudorandom and independent of everything else the receiver sees: each message is uniformly random to it,
// whatever the inputs. Nothing is opened inside these protocols (an MSB stays shared); the sharings of the form
// (x_0, 0, 0) used without communication hold only components their holders already had. A party's view is
// therefore simulated by random words, and its outputs are shares of the same kind as its inputs.

/// One party's view of a replicated boolean sharing of `count` words: components i and i + 1 of
/// x = x_0 ⊕ x_1 ⊕ x_2, one value's 64 bits to a word (see the design note).
public struct ReplicatedBooleanView: Sendable, Equatable {
    /// The party, 0, 1 or 2.
    public let party: Int
    /// Component `party`.
    public var first: [UInt64]
    /// Component `party + 1` (mod 3), the one the next party holds as its first.
    public var second: [UInt64]

    /// A view from its two components.
    /// - Precondition: `party` is 0, 1 or 2 and the components have one length.
    public init(party: Int, first: [UInt64], second: [UInt64]) {
        precondition((0..<3).contains(party), "a replicated party is 0, 1 or 2")
        precondition(first.count == second.count, "both components of a view hold one word per element")
        self.party = party
        self.first = first
        self.second = second
    }

    /// Elements in the sharing.
    public var count: Int { first.count }

    /// The sharing of zero with every component zero.
    public static func zeros(party: Int, count: Int) -> ReplicatedBooleanView {
        let zeros = [UInt64](repeating: 0, count: count)
        return ReplicatedBooleanView(party: party, first: zeros, second: zeros)
    }

    /// The boolean sharing whose component `slot` is the arithmetic sharing's component `slot` and whose other
    /// components are zero: the two parties that hold that component build it without communication.
    public init(slot: Int, of x: ReplicatedArithmeticView) {
        let zeros = [UInt64](repeating: 0, count: x.count)
        self.init(
            party: x.party, first: slot == x.party ? x.first : zeros,
            second: slot == (x.party + 1) % 3 ? x.second : zeros)
    }

    // MARK: - Local operations

    /// x ⊕ y: componentwise.
    public static func ^ (x: ReplicatedBooleanView, y: ReplicatedBooleanView) -> ReplicatedBooleanView {
        precondition(x.party == y.party && x.count == y.count, "xor of views of one party and length")
        return ReplicatedBooleanView(
            party: x.party, first: ReplicatedKernels.combine(x.first, y.first) { $0 ^ $1 },
            second: ReplicatedKernels.combine(x.second, y.second) { $0 ^ $1 })
    }

    /// x ⊕ c for a public word c: only component 0 changes (held by parties 0 and 2).
    public func xoring(public c: UInt64) -> ReplicatedBooleanView {
        var result = self
        if party == 0 { result.first = first.map { $0 ^ c } }
        if party == 2 { result.second = second.map { $0 ^ c } }
        return result
    }

    /// ¬x, every bit.
    public func complemented() -> ReplicatedBooleanView { xoring(public: .max) }

    /// x ∧ c for a public word c: every component masked.
    public func anding(public c: UInt64) -> ReplicatedBooleanView {
        ReplicatedBooleanView(party: party, first: first.map { $0 & c }, second: second.map { $0 & c })
    }

    /// x << k (logical): every component shifted.
    public func shiftedLeft(by k: Int) -> ReplicatedBooleanView {
        let k = UInt64(k)
        return ReplicatedBooleanView(party: party, first: first.map { $0 &<< k }, second: second.map { $0 &<< k })
    }

    /// x >> k (logical): every component shifted.
    public func shiftedRight(by k: Int) -> ReplicatedBooleanView {
        let k = UInt64(k)
        return ReplicatedBooleanView(party: party, first: first.map { $0 &>> k }, second: second.map { $0 &>> k })
    }

    /// Each value's most significant bit, in bit 0 of its word.
    public func mostSignificantBit() -> ReplicatedBooleanView { shiftedRight(by: 63) }

    // MARK: - AND

    /// This party's unmasked part of x ∧ (y << k): x_i y_i ⊕ x_i y_{i+1} ⊕ x_{i+1} y_i per word (with y's
    /// components shifted), appended to `message`. Masked with the boolean zero-sharing, it is what the party
    /// sends for the gate (`ReplicatedAND`); the shift is the adder's, fused so no shifted copy is made.
    static func appendCrossTerms(
        _ x: ReplicatedBooleanView, _ y: ReplicatedBooleanView, shiftingLeftBy k: Int = 0,
        to message: inout [UInt64]
    ) {
        precondition(x.party == y.party && x.count == y.count, "AND of views of one party and length")
        let shift = UInt64(k)
        message += ReplicatedKernels.combine(x.first, x.second, y.first, y.second) { a, b, c, d in
            let (c, d) = (c &<< shift, d &<< shift)
            return (a & (c ^ d)) ^ (b & c)
        }
    }

    /// The view of a product from this party's own masked cross terms and those the next party sent:
    /// words `range` of each.
    init(party: Int, own: [UInt64], received: [UInt64], range: Range<Int>) {
        self.init(party: party, first: Array(own[range]), second: Array(received[range]))
    }

    // MARK: - Sharing and reconstruction (for inputs made in one place: tests and benchmarks)

    /// The three parties' views of a fresh sharing of `values`: x_0 and x_1 uniformly random, x_2 the rest.
    public static func share(_ values: [UInt64], using prg: inout PRG) -> [ReplicatedBooleanView] {
        let x0 = prg.nextUInt64s(count: values.count), x1 = prg.nextUInt64s(count: values.count)
        let x2 = values.indices.map { values[$0] ^ x0[$0] ^ x1[$0] }
        let components = [x0, x1, x2]
        return (0..<3).map {
            ReplicatedBooleanView(party: $0, first: components[$0], second: components[($0 + 1) % 3])
        }
    }

    /// The values the three views share, or nil when they are not the views of one sharing (a party's second
    /// component differs from the next party's first).
    public static func reveal(_ views: [ReplicatedBooleanView]) -> [UInt64]? {
        guard views.count == 3, (0..<3).allSatisfy({ views[$0].party == $0 }),
              (0..<3).allSatisfy({ views[$0].second == views[($0 + 1) % 3].first })
        else { return nil }
        return views[0].first.indices.map { views[0].first[$0] ^ views[1].first[$0] ^ views[2].first[$0] }
    }
}

/// One party's part of one AND gate on `count` words, z = x ∧ y: one round, one word per word.
public struct ReplicatedAND: ReplicatedRounds {
    private let x: ReplicatedBooleanView
    private let y: ReplicatedBooleanView
    private var own: [UInt64] = []
    public private(set) var output: ReplicatedBooleanView?

    public init(_ x: ReplicatedBooleanView, _ y: ReplicatedBooleanView) {
        self.x = x
        self.y = y
    }

    public mutating func begin(_ zeros: inout ReplicatedZeroSharing) -> [UInt64] {
        own = []
        ReplicatedBooleanView.appendCrossTerms(x, y, to: &own)
        zeros.maskBoolean(&own)
        return own
    }

    public mutating func finish(_ received: [UInt64]) {
        precondition(received.count == own.count, "an AND round receives one word per word")
        output = ReplicatedBooleanView(party: x.party, own: own, received: received, range: 0..<own.count)
    }
}
