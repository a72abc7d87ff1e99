// server2's dealing of correlated randomness (Beaver triples, square pairs, truncation and division pairs).

import TFEBytecode
import TFECore

/// How server2 deals: in the first offline round it sends server0 and server1 one seed each. For a dealer
/// instruction at index i (in `Program.locations` order), the stream i of each seed yields, in order:
/// from the seed shared with server0, server0's shares of every register the instruction writes; from the
/// seed shared with server1, server1's shares of the random registers (a and b of a triple, a of a square
/// pair, r of a truncation or division pair). server2 expands both, computes the derived values (c = a ∘ b,
/// a², r >> frac and msb(r), or ⌊r/D⌋ and the wrap correction) and sends server1 its shares of them: value
/// minus server0's share. A `mask` is the exception: stream i yields a key, and each share is expanded from
/// its key (`maskKey`), so that `store` can keep one mask's key without the seed of the whole run.
/// What a dealer instruction deals, as its `execute` case describes it: the registers it writes, random ones
/// first, how many are random, and how server2 derives the others from them.
struct Dealing {
    enum Derivation {
        /// A `mask`: one random register, expanded from its own key.
        case mask
        /// c = a ∘ b: of the triple's random a and b, or (`ofMasks`) of two masks dealt earlier (`product`).
        case product(PrivateRegister, PrivateRegister, TripleKind, ofMasks: Bool)
        /// a².
        case square
        /// r >> frac and msb(r).
        case truncation
        /// ⌊r/D⌋ and the wrap correction.
        case division(Int)
    }

    var registers: [PrivateRegister]
    var randomCount: Int
    var derivation: Derivation

    init(_ registers: [PrivateRegister], random randomCount: Int, _ derivation: Derivation) {
        self.registers = registers
        self.randomCount = randomCount
        self.derivation = derivation
    }
}

extension Machine {
    /// server2, first offline round: draws the two seeds and puts them at the front of the frames.
    mutating func dealSeeds(into outbox: inout [PlayerID: [UInt8]]) {
        for server in [PlayerID.server0, .server1] {
            let seed = randomness.nextSeed()
            dealerSeeds[server] = seed
            outbox[server, default: []].append(contentsOf: seed.bytes)
        }
    }

    /// server0 or server1, first offline round: takes its seed from the front of server2's frame.
    mutating func receiveSeed(from inbox: inout [PlayerID: PayloadReader]) throws(MachineError) {
        guard let bytes = inbox[.server2]?.readBytes(WireFormat.seedBytes), let seed = Seed(bytes: bytes) else {
            throw .invalidProgram(instruction: nil, reason: "no seed from \(name(.server2)) in the first offline round")
        }
        dealerSeeds[.server2] = seed
    }

    /// server2: expands both servers' shares, computes the derived values and sends server1 its shares.
    mutating func deal(_ dealing: Dealing, index: Int, outbox: inout [PlayerID: [UInt8]]) throws(MachineError) {
        guard let seed0 = dealerSeeds[.server0], let seed1 = dealerSeeds[.server1] else {
            throw .invalidProgram(instruction: index, reason: "dealer instruction before the first offline round")
        }
        if case .mask = dealing.derivation, let a = dealing.registers.first {
            let keys = [Self.maskKey(seed: seed0, index: index), Self.maskKey(seed: seed1, index: index)]
            maskKeys[a] = keys
            dealtMasks[a] = Self.mask(keys: keys, count: count(.private(a)))
            return
        }
        let (registers, randomCount) = (dealing.registers, dealing.randomCount)
        let shares0 = seededShares(registers, count: registers.count, seed: seed0, index: index)
        let random = sumsOfSeededShares(shares0.prefix(randomCount), seed: seed1, index: index)
        let derived = try derivedValues(dealing.derivation, random: random, index: index)
        for (k, values) in derived.enumerated() {
            let register = registers[randomCount + k]
            guard values.count == count(.private(register)) else {
                throw .invalidProgram(
                    instruction: index,
                    reason: "dealt value has \(values.count) elements, "
                        + "\(Register.private(register)) holds \(count(.private(register)))")
            }
            appendRingDifferences(values, shares0[randomCount + k], to: &outbox[.server1, default: []])
        }
    }

    /// server0 or server1: expands its shares from its seed; server1 also takes the corrections.
    mutating func receiveDeal(
        _ dealing: Dealing, index: Int, inbox: inout [PlayerID: PayloadReader]
    ) throws(MachineError) {
        guard let seed = dealerSeeds[.server2] else {
            throw .invalidProgram(instruction: index, reason: "dealer instruction before the first offline round")
        }
        if case .mask = dealing.derivation, let a = dealing.registers.first {
            let key = Self.maskKey(seed: seed, index: index)
            maskKeys[a] = [key]
            try store(Self.maskShare(key: key, count: count(.private(a))), into: .private(a), at: index)
            return
        }
        let (registers, randomCount) = (dealing.registers, dealing.randomCount)
        var shares = seededShares(
            registers, count: me == .server0 ? registers.count : randomCount, seed: seed, index: index)
        for register in registers.dropFirst(shares.count) {
            shares.append(try read(count(.private(register)), from: .server2, inbox: &inbox, index: index))
        }
        for (register, values) in zip(registers, shares) {
            try store(values, into: .private(register), at: index)
        }
    }

    /// Shares of the first `count` registers, drawn in order from stream `index` of `seed`.
    private func seededShares(_ registers: [PrivateRegister], count: Int, seed: Seed, index: Int) -> [[UInt64]] {
        var prg = PRG(seed: seed, stream: UInt64(index))
        return registers.prefix(count).map { prg.nextUInt64s(count: self.count(.private($0))) }
    }

    /// server2: each of `shares` plus the share drawn for it, in order, from stream `index` of `seed` (the
    /// random values themselves), added a chunk at a time as the other share is drawn.
    private func sumsOfSeededShares(_ shares: ArraySlice<[UInt64]>, seed: Seed, index: Int) -> [[UInt64]] {
        var prg = PRG(seed: seed, stream: UInt64(index))
        return shares.map { share in
            var sum = share
            prg.addWords(into: &sum)
            return sum
        }
    }

    /// server2: the values derived from the random ones.
    private func derivedValues(
        _ derivation: Dealing.Derivation, random: [[UInt64]], index: Int
    ) throws(MachineError) -> [[UInt64]] {
        switch derivation {
        case .product(let a, let b, let kind, let ofMasks):
            let (x, y): ([UInt64], [UInt64])
            if ofMasks {
                guard let first = dealtMasks[a], let second = dealtMasks[b] else {
                    throw .invalidProgram(instruction: index, reason: "'product' of a register that is not a mask")
                }
                (x, y) = (first, second)
            } else {
                (x, y) = (random[0], random[1])
            }
            let (xShape, yShape) = (shape(.private(a)), shape(.private(b)))
            let product = try kernel(index) { () throws(NaiveKernels.ShapeError) -> [UInt64] in
                switch kind {
                case .mul: return try MachineKernels.multiply(x, xShape, y, yShape).values
                case .matmul: return try MachineKernels.matmul(x, xShape, y, yShape).values
                case .conv2d(let stride, let padding):
                    return try MachineKernels.conv2d(x, xShape, y, yShape, stride: stride, padding: padding).values
                }
            }
            return [product]
        case .square:
            return [random[0].map { $0 &* $0 }]
        case .truncation:
            let shift = UInt64(program.fractionalBits)
            return [random[0].map { $0 >> shift }, random[0].map { $0 >> 63 }]
        case .division(let divisor):
            let d = try divisorValue(divisor, at: index)
            return [random[0].map { $0 / d }, random[0].map { ExactDivisionArithmetic.wrap($0, dividedBy: d) }]
        case .mask:
            throw .invalidProgram(instruction: index, reason: "a mask has no derived values")
        }
    }
}
