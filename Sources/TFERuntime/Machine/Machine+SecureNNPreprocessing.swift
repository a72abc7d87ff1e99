// SecureNN's seeds and dealing: the seed server0 and server1 share without server2, server2's shares of the
// values it learns, and ComputeMSB's offline randomness (`msbpair`).

import TFEBytecode
import TFECore

/// Where the values of a SecureNN sharing live.
enum ShareDomain {
    /// Z_L, L = 2^64: every register's ring.
    case ring
    /// The odd ring Z_(L-1).
    case odd
    /// Z_p, p = 67, one byte per element on the wire and in memory: values in this domain are packed eight to a
    /// word, as a register of bit shares holds them, and their count is a multiple of eight.
    case field
}

extension Machine {
    // MARK: - The servers' common seed

    /// server0, first offline round: draws the seed of the servers' common randomness and puts it at the front
    /// of its frame to server1.
    mutating func sendPairSeed(into outbox: inout [PlayerID: [UInt8]]) {
        let seed = randomness.nextSeed()
        pairSeed = seed
        outbox[.server1, default: []].append(contentsOf: seed.bytes)
    }

    /// server1, first offline round: takes the common seed from the front of server0's frame.
    mutating func receivePairSeed(from inbox: inout [PlayerID: PayloadReader]) throws(MachineError) {
        guard let bytes = inbox[.server0]?.readBytes(WireFormat.seedBytes), let seed = Seed(bytes: bytes) else {
            throw .invalidProgram(
                instruction: nil, reason: "no common seed from \(name(.server0)) in the first offline round")
        }
        pairSeed = seed
    }

    /// server0 or server1: the common randomness of instruction `index`.
    func commonStream(_ index: Int) throws(MachineError) -> PRG {
        guard let pairSeed else {
            throw .invalidProgram(instruction: index, reason: "SecureNN step before the servers shared a seed")
        }
        return PRG(seed: pairSeed, stream: UInt64(index))
    }

    /// server0 or server2: stream `index` of the seed they share, from which server0's shares of what server2
    /// deals come. server1 and server2 use theirs (`otherServer` = server1) for values both seeds mask.
    func dealerStream(_ index: Int, with otherServer: PlayerID = .server0) throws(MachineError) -> PRG {
        let key = me == .server2 ? otherServer : PlayerID.server2
        guard let seed = dealerSeeds[key] else {
            throw .invalidProgram(instruction: index, reason: "SecureNN step before the first offline round")
        }
        return PRG(seed: seed, stream: UInt64(index))
    }

    // MARK: - Sharing by server2

    /// `count` uniformly random shares in `domain` (over Z_p, packed: `count / 8` words).
    static func drawShares(_ count: Int, _ domain: ShareDomain, from prg: inout PRG) -> [UInt64] {
        switch domain {
        case .ring: return prg.nextUInt64s(count: count)
        case .odd: return prg.nextUInt64s(count: count, below: OddRing.modulus)
        case .field:
            precondition(count % 8 == 0, "field shares come eight to a word")
            var words = [UInt64](repeating: 0, count: count / 8)
            words.withUnsafeMutableBytes { raw in
                raw.withMemoryRebound(to: UInt8.self) { prg.fill(fieldElements: $0, below: UInt16(PrimeField.p)) }
            }
            return words
        }
    }

    /// server2: shares values it holds with server0 and server1. server0's shares are drawn, in order, from
    /// stream `index` of their seed; server1 is sent the differences.
    func shareFromHelper(
        _ values: [(values: [UInt64], domain: ShareDomain)], index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) {
        var prg = try dealerStream(index)
        for (plain, domain) in values {
            let share0 = Self.drawShares(domain == .field ? 8 * plain.count : plain.count, domain, from: &prg)
            var share1 = [UInt64](repeating: 0, count: plain.count)
            switch domain {
            case .ring: for i in plain.indices { share1[i] = plain[i] &- share0[i] }
            case .odd: for i in plain.indices { share1[i] = OddRing.subtract(plain[i], share0[i]) }
            case .field: for i in plain.indices { share1[i] = PrimeField.subtractLanes(plain[i], share0[i]) }
            }
            switch domain {
            case .ring, .odd: appendRingElements(share1, to: &outbox[.server1, default: []])
            case .field:
                appendFieldElements(packed: share1, count: 8 * share1.count, to: &outbox[.server1, default: []])
            }
        }
    }

    /// server0 or server1: its shares of what server2 shared with `shareFromHelper`.
    func receiveFromHelper(
        _ counts: [(count: Int, domain: ShareDomain)], index: Int, inbox: inout [PlayerID: PayloadReader]
    ) throws(MachineError) -> [[UInt64]] {
        if me == .server0 {
            var prg = try dealerStream(index)
            return counts.map { Self.drawShares($0.count, $0.domain, from: &prg) }
        }
        var result: [[UInt64]] = []
        for (count, domain) in counts {
            switch domain {
            case .ring, .odd:
                result.append(try read(count, from: .server2, inbox: &inbox, index: index))
            case .field:
                guard let words = inbox[.server2]?.readPackedBytes(count) else {
                    throw .invalidProgram(instruction: index, reason: "the frame from \(name(.server2)) is too short")
                }
                result.append(words)
            }
        }
        return result
    }

    // MARK: - msbpair

    /// server2: deals ComputeMSB's r (Algorithm 5, step 1). r's shares over Z_(L-1) come from both seeds;
    /// server1 is sent its shares of r's bits over Z_p and of r's LSB over Z_L.
    func dealMSBPair(_ rRegister: PrivateRegister, index: Int, outbox: inout [PlayerID: [UInt8]]) throws(MachineError) {
        let n = count(.private(rRegister))
        var stream0 = try dealerStream(index, with: .server0)
        var stream1 = try dealerStream(index, with: .server1)
        let r0 = Self.drawShares(n, .odd, from: &stream0)
        let r1 = Self.drawShares(n, .odd, from: &stream1)
        var r = [UInt64](repeating: 0, count: n)
        for e in 0..<n { r[e] = OddRing.add(r0[e], r1[e]) }
        var bits1 = PrimeField.bitDecomposition(r)
        // server0's shares continue stream0 after its share of r.
        let bits0 = Self.drawShares(64 * n, .field, from: &stream0)
        let lsb0 = Self.drawShares(n, .ring, from: &stream0)
        for i in bits1.indices { bits1[i] = PrimeField.subtractLanes(bits1[i], bits0[i]) }
        appendFieldElements(packed: bits1, count: 64 * n, to: &outbox[.server1, default: []])
        appendRingElements((0..<n).map { (r[$0] & 1) &- lsb0[$0] }, to: &outbox[.server1, default: []])
    }

    /// server0 or server1: its shares of `msbpair`'s r, bits and LSB.
    mutating func receiveMSBPair(
        r rRegister: PrivateRegister, bits: PrivateRegister, lsb: PrivateRegister, index: Int,
        inbox: inout [PlayerID: PayloadReader]
    ) throws(MachineError) {
        let n = count(.private(rRegister))
        var stream = try dealerStream(index)
        let r = Self.drawShares(n, .odd, from: &stream)
        let bitShares: [UInt64], lsbShares: [UInt64]
        if me == .server0 {
            bitShares = Self.drawShares(64 * n, .field, from: &stream)
            lsbShares = Self.drawShares(n, .ring, from: &stream)
        } else {
            let received = try receiveFromHelper([(64 * n, .field), (n, .ring)], index: index, inbox: &inbox)
            (bitShares, lsbShares) = (received[0], received[1])
        }
        try store(r, into: .private(rRegister), at: index)
        try store(bitShares, into: .private(bits), at: index)
        try store(lsbShares, into: .private(lsb), at: index)
    }
}
