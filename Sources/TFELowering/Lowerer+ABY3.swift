import TFEBytecode
import TFECore
import TFEFrontend

/// ABY3's comparisons under `protocol aby3` (Mohassel and Rindal, CCS 2018, section 5.3), as bytecode the
/// round batcher merges across independent operations: MSB(x) by arithmetic-to-binary conversion over
/// bit-sliced replicated boolean words (`component`, `xor`, `shl`, `shr` locally, `band` one round each), then
/// bit injection back to the ring by two `rproduct` rounds. The runtime library `ReplicatedA2B`,
/// `ReplicatedBitInjection` and `ReplicatedBitProduct` compute the same rounds and is the reference the tests
/// check these against.
///
///   MSB(x) as a ring 0/1    10 rounds, 15 words per element per server (8 of A2B, 2 of bit injection)
///   x · MSB(x) (for relu)   10 rounds, 16 words per element per server (8 of A2B, 2 of the bit product);
///                           the maxima of pooling and argmax take the same rounds, a − d · MSB(d) for d = a − b
extension Lowerer {
    /// The shifts of the Kogge-Stone levels, one round each (`ReplicatedA2B.levelShifts`).
    private static let levelShifts = [1, 2, 4, 8, 16, 32]

    /// MSB(x) = [x < 0] as a private 0/1 `int`: b = b_0 ⊕ b_1 ⊕ b_2 for the components b_j of the boolean sharing
    /// of MSB(x), each read as the arithmetic sharing (…, b_j, …): c = b_0 + b_1 − 2·b_0·b_1, then
    /// c + b_2 − 2·c·b_2, two `rproduct` rounds of one element each.
    mutating func replicatedIsNegative(_ x: PrivateRegister) -> PrivateRegister {
        let parts = signParts(of: x)
        return exclusiveOr(parts.firstTwo, parts.last)
    }

    /// x · MSB(y) (ABY3's bit product), for x of y's shape or one that broadcasts with it: with d = b_0 ⊕ b_1 and
    /// f = x·b_2, x·b = f + d·(x − 2f). d's product and f share one round, d·(x − 2f) takes the next: 2 rounds,
    /// 3 elements per element, where bit injection and a product would take 3 rounds. A public x scales the
    /// ring 0/1 MSB(y) locally.
    mutating func replicatedTimesSign(_ x: Register, signOf y: PrivateRegister, _ type: ValueType) -> Register {
        guard case .private(let shares) = x else {
            return product(.mul, x, .private(isNegative(y)), type)
        }
        let (shape, element) = (type.shape, type.element)
        let (d, last) = signParts(of: y)
        let f = ringProduct(shares, last, type)
        let twice = makePrivate(element, shape), rest = makePrivate(element, shape)
        emit(.mul(dst: .private(twice), lhs: .private(f), rhs: constant(2, .int, for: .public)))
        emit(.sub(dst: .private(rest), lhs: .private(shares), rhs: .private(twice)))
        let chosen = ringProduct(d, rest, type)
        let result = makePrivate(element, shape)
        emit(.add(dst: .private(result), lhs: .private(f), rhs: .private(chosen)))
        return .private(result)
    }

    /// The boolean sharing of MSB(x) in bit 0 of each word (once per register): A2B (8 rounds, 13 words per
    /// element), then `shr` by 63.
    ///
    /// x = x_0 + x_1 + x_2, and a_j = `component` j of x is the boolean sharing with x_j in slot j. The
    /// carry-save layer: s = a_0 ⊕ a_1 ⊕ a_2, which is x's own components read as boolean ones, and
    /// c = maj(a_0, a_1, a_2) << 1 with maj(a, b, d) = ((a ⊕ d) ∧ (b ⊕ d)) ⊕ d (1 round). The adder:
    /// G = s ∧ c, P = s ⊕ c (1 round), then Kogge-Stone levels k = 1, 2, …, 32, G ← G ⊕ (P ∧ (G << k)) and
    /// P ← P ∧ (P << k) in one round each (no P at the last). x's bits are s ⊕ c ⊕ (G << 1).
    private mutating func signBit(_ x: PrivateRegister) -> PrivateRegister {
        if let known = signBits[x] { return known }
        let shape = self.shape(of: .private(x))
        let addends = (0..<3).map { slot in boolean(shape) { .component(dst: $0, src: x, slot: slot) } }
        let left = xor(addends[0], addends[2]), right = xor(addends[1], addends[2])
        let majority = makePrivate(.int, shape)
        emitRound([.booleanAnd(dst: majority, lhs: left, rhs: right)])
        let carry = shifted(xor(majority, addends[2]), left: 1)
        var generate = makePrivate(.int, shape)
        emitRound([.booleanAnd(dst: generate, lhs: x, rhs: carry)])
        var propagate = xor(x, carry)
        let halfSum = propagate
        for k in Self.levelShifts {
            let reached = makePrivate(.int, shape)
            var gates: [Instruction] = [.booleanAnd(dst: reached, lhs: propagate, rhs: shifted(generate, left: k))]
            var nextPropagate: PrivateRegister?
            if k != Self.levelShifts.last {
                let spanned = makePrivate(.int, shape)
                gates.append(.booleanAnd(dst: spanned, lhs: propagate, rhs: shifted(propagate, left: k)))
                nextPropagate = spanned
            }
            emitRound(gates)
            generate = xor(generate, reached)
            if let nextPropagate { propagate = nextPropagate }
        }
        let bits = xor(halfSum, shifted(generate, left: 1))
        let sign = boolean(shape) { .shiftRight(dst: $0, src: bits, bits: 63) }
        signBits[x] = sign
        return sign
    }

    // MARK: - Helpers

    /// MSB(x) as b_0 ⊕ b_1 and b_2 (ring 0/1 values; the first takes one `rproduct` round), once per register.
    private mutating func signParts(of x: PrivateRegister) -> (firstTwo: PrivateRegister, last: PrivateRegister) {
        if let known = signParts[x] { return known }
        let bits = componentsOf(signBit(x))
        let parts = (firstTwo: exclusiveOr(bits[0], bits[1]), last: bits[2])
        signParts[x] = parts
        return parts
    }

    /// The three sharings `component` 0, 1, 2 of `bit`: read arithmetically, the ring values b_0, b_1, b_2.
    private mutating func componentsOf(_ bit: PrivateRegister) -> [PrivateRegister] {
        let shape = self.shape(of: .private(bit))
        return (0..<3).map { slot in boolean(shape) { .component(dst: $0, src: bit, slot: slot) } }
    }

    /// u ⊕ v = u + v − 2·u·v for ring values 0 or 1: one `rproduct` round.
    private mutating func exclusiveOr(_ u: PrivateRegister, _ v: PrivateRegister) -> PrivateRegister {
        let shape = self.shape(of: .private(u))
        let both = ringProduct(u, v, ValueType(.int, shape, .private))
        let sum = makePrivate(.int, shape), twice = makePrivate(.int, shape), result = makePrivate(.int, shape)
        emit(.add(dst: .private(sum), lhs: .private(u), rhs: .private(v)))
        emit(.mul(dst: .private(twice), lhs: .private(both), rhs: constant(2, .int, for: .public)))
        emit(.sub(dst: .private(result), lhs: .private(sum), rhs: .private(twice)))
        return result
    }

    /// The protocol's product of a value and an `int` (no truncation), of type `type`.
    private mutating func ringProduct(_ a: PrivateRegister, _ b: PrivateRegister, _ type: ValueType)
        -> PrivateRegister
    {
        guard case .private(let result) = product(.mul, .private(a), .private(b), type) else {
            fatalError("unreachable")
        }
        return result
    }

    /// A new `int` register written by one local boolean instruction.
    private mutating func boolean(_ shape: Shape, _ make: (PrivateRegister) -> Instruction) -> PrivateRegister {
        let result = makePrivate(.int, shape)
        emit(make(result))
        return result
    }

    private mutating func xor(_ u: PrivateRegister, _ v: PrivateRegister) -> PrivateRegister {
        boolean(self.shape(of: .private(u))) { .booleanXor(dst: $0, lhs: u, rhs: v) }
    }

    private mutating func shifted(_ u: PrivateRegister, left bits: Int) -> PrivateRegister {
        boolean(self.shape(of: .private(u))) { .shiftLeft(dst: $0, src: u, bits: bits) }
    }
}
