// From a shared bit back to the ring: bit injection (B2A of one bit), and a ring element times a shared bit.
//
// Both expand b = b_0 ⊕ b_1 ⊕ b_2 (bit 0 of each boolean component) with arithmetic products rather than the
// paper's three-party oblivious transfer: party 0 holds b_0 and b_1, so it knows d = b_0 ⊕ b_1 and reshares it
// as an arithmetic sharing (d + α_0, α_1, α_2) in the first round; b_2 is held by parties 1 and 2, who use it
// as the arithmetic sharing (0, 0, b_2) at no cost; and b = d ⊕ b_2 = b_2 + d · (1 − 2 b_2), one product in the
// second round. Two rounds, like the paper's OT-based injection, with only ring words on the wire.

/// One party's part of bit injection on `count` shared bits (bit 0 of each boolean word): the arithmetic sharing
/// of each bit as 0 or 1 in Z_2^64. 2 rounds, 1 word per bit in each.
public struct ReplicatedBitInjection: ReplicatedRounds {
    private let party: Int
    private let bits: ReplicatedBooleanView
    /// The arithmetic sharing (0, 0, b_2).
    private let third: ReplicatedArithmeticView
    private var d: ReplicatedArithmeticView?
    private var own: [UInt64] = []
    public private(set) var output: ReplicatedArithmeticView?

    /// Bit injection of bit 0 of each word `bits` shares (the other bits are ignored).
    public init(_ bits: ReplicatedBooleanView) {
        party = bits.party
        self.bits = bits
        third = ReplicatedArithmeticView(slot: 2, bitsOf: bits)
    }

    public mutating func begin(_ zeros: inout ReplicatedZeroSharing) -> [UInt64] {
        own = []
        if let d {
            // 1 − 2 b_2: the public 1 in slot 0.
            let factor = third.multiplied(byPublic: 0 &- 2).adding(public: 1)
            ReplicatedArithmeticView.appendCrossTerms(d, factor, to: &own)
        } else {
            ReplicatedBitInjection.appendReshare(bits, to: &own)
        }
        zeros.maskArithmetic(&own)
        return own
    }

    public mutating func finish(_ received: [UInt64]) {
        precondition(received.count == own.count, "a bit injection round receives one word per bit")
        let view = ReplicatedArithmeticView(party: party, own: own, received: received, range: 0..<own.count)
        if d == nil {
            d = view
        } else {
            output = third + view
        }
    }

    /// This party's unmasked share of d = b_0 ⊕ b_1 as a ring element: d on party 0 (who holds both), zero on
    /// the others; appended to `message`.
    static func appendReshare(_ bits: ReplicatedBooleanView, to message: inout [UInt64]) {
        if bits.party == 0 {
            message.append(contentsOf: zip(bits.first, bits.second).map { ($0 ^ $1) & 1 })
        } else {
            message.append(contentsOf: repeatElement(0, count: bits.count))
        }
    }
}

/// One party's part of x · b for a ring element x and a shared bit b (bit 0 of a boolean word), element-wise:
/// 2 rounds, 2 then 1 words per element.
///
/// With d = b_0 ⊕ b_1 and f = x · b_2, x · b = x · (d + b_2 − 2 d b_2) = f + d · (x − 2 f). The first round
/// reshares d (as bit injection does) and computes f as a product of x with the sharing (0, 0, b_2); the second
/// computes the product d · (x − 2 f).
public struct ReplicatedBitProduct: ReplicatedRounds {
    private let party: Int
    private let x: ReplicatedArithmeticView
    private let bits: ReplicatedBooleanView
    private var d: ReplicatedArithmeticView?
    private var f: ReplicatedArithmeticView?
    private var own: [UInt64] = []
    public private(set) var output: ReplicatedArithmeticView?

    /// x · b, b being bit 0 of each word `bits` shares.
    public init(_ x: ReplicatedArithmeticView, times bits: ReplicatedBooleanView) {
        precondition(x.party == bits.party && x.count == bits.count, "views of one party and length")
        party = x.party
        self.x = x
        self.bits = bits
    }

    public mutating func begin(_ zeros: inout ReplicatedZeroSharing) -> [UInt64] {
        own = []
        if let d, let f {
            ReplicatedArithmeticView.appendCrossTerms(d, x - f.multiplied(byPublic: 2), to: &own)
        } else {
            ReplicatedBitInjection.appendReshare(bits, to: &own)
            ReplicatedArithmeticView.appendCrossTerms(x, ReplicatedArithmeticView(slot: 2, bitsOf: bits), to: &own)
        }
        zeros.maskArithmetic(&own)
        return own
    }

    public mutating func finish(_ received: [UInt64]) {
        precondition(received.count == own.count, "a bit product round receives as many words as it sends")
        let count = x.count
        if let f {
            output = f + ReplicatedArithmeticView(party: party, own: own, received: received, range: 0..<count)
        } else {
            d = ReplicatedArithmeticView(party: party, own: own, received: received, range: 0..<count)
            f = ReplicatedArithmeticView(party: party, own: own, received: received, range: count..<(2 * count))
        }
    }
}
