// Arithmetic to binary: from replicated shares of x in Z_2^64 to replicated boolean shares of x's 64 bits.

/// One party's part of A2B (ABY3, section 5.3) on `count` elements: 8 rounds, 13 words per element.
///
/// x = x_0 + x_1 + x_2, and component x_j is held by parties j and j − 1, who can use it as the boolean sharing
/// a_j with x_j in slot j and zero elsewhere, without communication. Then:
/// 1. a carry-save layer turns three addends into two: s = a_0 ⊕ a_1 ⊕ a_2 (local, and simply the arithmetic
///    components read as boolean ones) and c = maj(a_0, a_1, a_2) << 1, with maj(a, b, d) = ((a ⊕ d) ∧ (b ⊕ d)) ⊕ d,
///    one AND: 1 round, 1 word;
/// 2. the adder's bitwise generate G = s ∧ c and propagate P = s ⊕ c: 1 round, 1 word;
/// 3. Kogge-Stone: for k = 1, 2, 4, 8, 16, 32, G ← G ⊕ (P ∧ (G << k)) and P ← P ∧ (P << k) (G and P never share
///    a set bit, so ⊕ is ∨), 6 rounds; the last level needs no P: 2 words at k < 32, 1 at k = 32.
///
/// Bit j of G is then the carry out of positions 0…j, and x = s ⊕ c ⊕ (G << 1): exact for every word.
public struct ReplicatedA2B: ReplicatedRounds {
    /// The shifts of the Kogge-Stone levels, one round each.
    static let levelShifts = [1, 2, 4, 8, 16, 32]

    private let party: Int
    /// s, the carry-save sum.
    private let sum: ReplicatedBooleanView
    /// a_0 ⊕ a_2 and a_1 ⊕ a_2, the AND's inputs in the carry-save layer, and a_2.
    private let csaLeft: ReplicatedBooleanView, csaRight: ReplicatedBooleanView, csaThird: ReplicatedBooleanView
    private var carry: ReplicatedBooleanView?
    private var generate: ReplicatedBooleanView?
    private var propagate: ReplicatedBooleanView?
    /// Rounds finished.
    private var round = 0
    /// This party's masked words of the current round.
    private var own: [UInt64] = []
    public private(set) var output: ReplicatedBooleanView?

    /// A2B of the arithmetic sharing `x`, of which this is one party's view.
    public init(_ x: ReplicatedArithmeticView) {
        party = x.party
        let addends = (0..<3).map { ReplicatedBooleanView(slot: $0, of: x) }
        sum = ReplicatedBooleanView(party: x.party, first: x.first, second: x.second)
        csaLeft = addends[0] ^ addends[2]
        csaRight = addends[1] ^ addends[2]
        csaThird = addends[2]
    }

    public mutating func begin(_ zeros: inout ReplicatedZeroSharing) -> [UInt64] {
        own = []
        switch round {
        case 0:
            ReplicatedBooleanView.appendCrossTerms(csaLeft, csaRight, to: &own)
        case 1:
            ReplicatedBooleanView.appendCrossTerms(sum, carry!, to: &own)
        default:
            let k = Self.levelShifts[round - 2]
            ReplicatedBooleanView.appendCrossTerms(propagate!, generate!, shiftingLeftBy: k, to: &own)
            if k != Self.levelShifts.last! {
                ReplicatedBooleanView.appendCrossTerms(propagate!, propagate!, shiftingLeftBy: k, to: &own)
            }
        }
        zeros.maskBoolean(&own)
        return own
    }

    public mutating func finish(_ received: [UInt64]) {
        precondition(received.count == own.count, "an A2B round receives as many words as it sends")
        let count = sum.count
        let product = ReplicatedBooleanView(party: party, own: own, received: received, range: 0..<count)
        switch round {
        case 0:
            carry = (product ^ csaThird).shiftedLeft(by: 1)
        case 1:
            generate = product
            propagate = sum ^ carry!
        default:
            generate = generate! ^ product
            if own.count > count {
                propagate = ReplicatedBooleanView(
                    party: party, own: own, received: received, range: count..<(2 * count))
            }
        }
        round += 1
        if round == 2 + Self.levelShifts.count {
            output = sum ^ carry! ^ generate!.shiftedLeft(by: 1)
            (carry, generate, propagate) = (nil, nil, nil)
        }
    }
}
