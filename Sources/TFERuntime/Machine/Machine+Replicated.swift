// ABY3's replicated sharing (Mohassel and Rindal, CCS 2018): x = x_0 + x_1 + x_2 over Z_2^64, server i holding
// (x_i, x_(i+1 mod 3)) as its private register's first and second component (`ServerRole.replicated`).

import TFEBytecode
import TFECore

/// What a party still has to do for an ABY3 instruction once the round's frames have arrived.
enum ReplicatedStep {
    /// A server of `rinput` or `rshare`: both components (or a public value) from the owner.
    case receive(dst: Register, from: PlayerID)
    /// `ropen`: the sum of this server's two components plus the one share `from` sends.
    case open(dst: PublicRegister, partial: [UInt64], from: PlayerID)
    /// `rmaskopen` on server0 or server1: its additive part of x + r plus the peer's.
    case maskedOpen(dst: PublicRegister, partial: [UInt64], from: PlayerID)
    /// `rproduct`: this server's z_i is the first component; the second, z_(i+1), comes from `from`.
    case product(dst: PrivateRegister, first: [UInt64], from: PlayerID)
    /// `rtruncfinish`, `rdivfinish` on server0 or server1: x_1 is this server's half plus the peer's; server0
    /// keeps (seeded, x_1), server1 (x_1, seeded).
    case reshare(dst: PrivateRegister, half: [UInt64], seeded: [UInt64], from: PlayerID)
}

extension Machine {
    // MARK: - Components

    /// Runs a local instruction; under a replicated sharing, one that touches a private register runs once
    /// per component (linear maps act on each share alike; public values go into share 0 alone), except
    /// `rstore` and `rload`, which write and read both components at once.
    mutating func executeLocal(
        _ instruction: Instruction, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) {
        var touchesPrivate = false
        let opcode = instruction.opcode
        if replicated, opcode != .replicatedStore, opcode != .replicatedLoad {
            instruction.forEachRegister { _, register in if register.isPrivate { touchesPrivate = true } }
        }
        guard touchesPrivate, let components = role?.components, components.count == 2 else {
            _ = try execute(instruction, index: index, outbox: &outbox)
            return
        }
        _ = try execute(instruction, index: index, outbox: &outbox)
        swap(&registers.privates, &registers.seconds)
        shareIndex = components[1]
        defer {
            swap(&registers.privates, &registers.seconds)
            shareIndex = components[0]
        }
        _ = try execute(instruction, index: index, outbox: &outbox)
    }

    /// Both components of a private register on this server.
    func components(_ register: PrivateRegister, at index: Int) throws(MachineError) -> ([UInt64], [UInt64]) {
        let first = try ring(.private(register), at: index)
        guard let second = registers.seconds[register.rawValue] else {
            throw .invalidProgram(instruction: index, reason: "\(Register.private(register)) has no second component")
        }
        return (first, second)
    }

    mutating func storeComponents(
        _ first: [UInt64], _ second: [UInt64], into register: PrivateRegister, at index: Int
    ) throws(MachineError) {
        try store(first, into: .private(register), at: index)
        guard second.count == first.count else {
            throw .invalidProgram(instruction: index, reason: "components of \(Register.private(register)) differ")
        }
        registers.seconds[register.rawValue] = second
    }

    /// What server0 or server1 sends for `output` and `reveal`: its share under Pond's sharing; under ABY3
    /// server0 sends x_0 + x_1 and server1 x_2, so the receiver's sum is x and its view one random share more.
    func additiveView(_ register: Register, at index: Int) throws(MachineError) -> [UInt64] {
        guard replicated, case .private(let r) = register else { return try ring(register, at: index) }
        let (first, second) = try components(r, at: index)
        switch me {
        case .server0: return RingKernels.add(first, second)
        case .server1: return second
        default: throw .invalidProgram(instruction: index, reason: "\(name(me)) sends no additive share")
        }
    }

    /// The server after and before this one in the ring server0 → server1 → server2 → server0.
    var nextServer: PlayerID { PlayerID((me.rawValue + 1) % 3) }
    var previousServer: PlayerID { PlayerID((me.rawValue + 2) % 3) }

    /// Stream `index` of the seed of share `component` (k_j, known to servers j and j − 1): k_0 is the seed
    /// server2 sends server0, k_1 the seed server0 sends server1, k_2 the seed server2 sends server1. The
    /// stream numbers are offset from the dealing's (`dealerStream`), which uses the same seeds.
    func componentStream(_ component: Int, _ index: Int) throws(MachineError) -> PRG {
        PRG(seed: try componentSeed(component, index), stream: Self.replicatedStreams + UInt64(index))
    }

    /// k_j, the seed of share `component` (see `componentStream`); instruction `index` is for the error.
    func componentSeed(_ component: Int, _ index: Int) throws(MachineError) -> Seed {
        let seed: Seed?
        switch (component, me) {
        case (0, .server0), (2, .server1): seed = dealerSeeds[.server2]
        case (0, .server2): seed = dealerSeeds[.server0]
        case (2, .server2): seed = dealerSeeds[.server1]
        case (1, .server0), (1, .server1): seed = pairSeed
        default: seed = nil
        }
        guard let seed else {
            throw .invalidProgram(instruction: index, reason: "\(name(me)) has no seed for share \(component)")
        }
        return seed
    }

    /// Where the streams of `componentStream` start: far above any instruction index.
    static let replicatedStreams: UInt64 = 1 << 48

    /// `count` words of stream `index` of share `component`'s seed.
    func componentWords(_ component: Int, _ count: Int, _ index: Int) throws(MachineError) -> [UInt64] {
        var prg = try componentStream(component, index)
        return prg.nextUInt64s(count: count)
    }

    // MARK: - Inputs

    mutating func beginReplicatedInput(
        _ dst: Register, player: PlayerID, name inputName: String, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        if me == player {
            let encoded = try input(inputName, for: dst, index: index).encoded
            switch dst {
            case .private: sendReplicatedShares(of: encoded, to: &outbox)
            case .public: for server in [PlayerID.server0, .server1, .server2] {
                appendRingElements(encoded, to: &outbox[server, default: []])
            }
            case .local: throw .invalidProgram(instruction: index, reason: "'rinput' cannot write \(dst)")
            }
        }
        return holdsShares ? .replicated(.receive(dst: dst, from: player)) : nil
    }

    mutating func beginReplicatedShare(
        _ dst: PrivateRegister, _ src: LocalRegister, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        let owner = program.localRegisters[src.rawValue].owner
        if me == owner { sendReplicatedShares(of: try encodedForSharing(src, as: dst, index: index), to: &outbox) }
        guard holdsShares, let owner else { return nil }
        return .replicated(.receive(dst: .private(dst), from: owner))
    }

    /// Splits a ring value into x_0 and x_1 expanded from two fresh seeds and x_2 = x − x_0 − x_1, and sends
    /// each server its pair (x_i, x_(i+1)) as `Opcode.replicatedInput` lays it out: server0 (seed 0, seed 1),
    /// server1 (seed 1, x_2), server2 (x_2, seed 0).
    private mutating func sendReplicatedShares(of values: [UInt64], to outbox: inout [PlayerID: [UInt8]]) {
        let seeds = [randomness.nextSeed(), randomness.nextSeed()]
        var (first, second) = (PRG(seed: seeds[0], stream: 0), PRG(seed: seeds[1], stream: 0))
        // x_2 = x − x_0 − x_1 with both streams drawn a chunk at a time: no array of either share.
        let x2 = values.withUnsafeBufferPointer { values in
            combiningTwoStreams(count: values.count, &first, &second) { j, x0, x1 in values[j] &- x0 &- x1 }
        }
        outbox[.server0, default: []].append(contentsOf: seeds[0].bytes + seeds[1].bytes)
        outbox[.server1, default: []].append(contentsOf: seeds[1].bytes)
        appendRingElements(x2, to: &outbox[.server1, default: []])
        appendRingElements(x2, to: &outbox[.server2, default: []])
        outbox[.server2, default: []].append(contentsOf: seeds[0].bytes)
    }

    /// A server's two components of a value `sender` shared with `sendReplicatedShares`.
    private func receiveReplicatedShares(
        _ count: Int, from sender: PlayerID, inbox: inout [PlayerID: PayloadReader], index: Int
    ) throws(MachineError) -> ([UInt64], [UInt64]) {
        func seeded() throws(MachineError) -> [UInt64] {
            guard let bytes = inbox[sender]?.readBytes(WireFormat.seedBytes), let seed = Seed(bytes: bytes) else {
                throw .invalidProgram(instruction: index, reason: "the frame from \(name(sender)) is too short")
            }
            var prg = PRG(seed: seed, stream: 0)
            return prg.nextUInt64s(count: count)
        }
        switch me {
        case .server0: return (try seeded(), try seeded())
        case .server1: return (try seeded(), try read(count, from: sender, inbox: &inbox, index: index))
        default: return (try read(count, from: sender, inbox: &inbox, index: index), try seeded())
        }
    }

    // MARK: - Opening

    mutating func beginReplicatedOpen(
        _ dst: PublicRegister, _ src: PrivateRegister, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        guard holdsShares else { return nil }
        let (first, second) = try components(src, at: index)
        appendRingElements(first, to: &outbox[nextServer, default: []])
        return .replicated(.open(dst: dst, partial: RingKernels.add(first, second), from: previousServer))
    }

    mutating func beginReplicatedMaskedOpen(
        _ dst: PublicRegister, _ src: PrivateRegister, _ r: PrivateRegister, index: Int,
        outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        guard isComputeServer else { return nil }
        let partial = RingKernels.add(try additiveView(.private(src), at: index), try ring(.private(r), at: index))
        let peer = me == .server0 ? PlayerID.server1 : .server0
        appendRingElements(partial, to: &outbox[peer, default: []])
        return .replicated(.maskedOpen(dst: dst, partial: partial, from: peer))
    }

    // MARK: - Products

    /// z_i = x_i∘(y_i + y_(i+1)) + x_(i+1)∘y_i + α_i with α_i = F(k_i) − F(k_(i+1)), sent to the previous
    /// server.
    mutating func beginReplicatedProduct(
        _ c: PrivateRegister, _ a: PrivateRegister, _ b: PrivateRegister, _ kind: TripleKind, index: Int,
        outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        guard holdsShares, let components = role?.components, components.count == 2 else { return nil }
        let (x0, x1) = try self.components(a, at: index)
        let (y0, y1) = try self.components(b, at: index)
        let (xShape, yShape) = (shape(.private(a)), shape(.private(b)))
        // α_i = F(k_i) − F(k_(i+1)) on the streams `componentStream` draws from, a chunk at a time.
        var zeros = ReplicatedZeroSharing(
            party: components[0], seedWithPrevious: try componentSeed(components[0], index),
            seedWithNext: try componentSeed(components[1], index), stream: Self.replicatedStreams + UInt64(index))
        let z: [UInt64]
        if case .mul = kind, xShape == yShape, count(.private(c)) == x0.count {
            // Element-wise without broadcasting: x_i(y_i + y_(i+1)) + x_(i+1)y_i and its mask in one pass.
            z = x0.withUnsafeBufferPointer { a in
                x1.withUnsafeBufferPointer { b in
                    y0.withUnsafeBufferPointer { c in
                        y1.withUnsafeBufferPointer { d in
                            zeros.arithmeticMasked(count: a.count) { j in a[j] &* (c[j] &+ d[j]) &+ b[j] &* c[j] }
                        }
                    }
                }
            }
        } else {
            var terms = try kernel(index) { () throws(NaiveKernels.ShapeError) -> [UInt64] in
                try Self.crossTerms(kind, (x0, x1), xShape, (y0, y1), yShape)
            }
            guard terms.count == count(.private(c)) else {
                throw .invalidProgram(
                    instruction: index,
                    reason: "product has \(terms.count) elements, \(Register.private(c)) holds another count")
            }
            zeros.maskArithmetic(&terms)
            z = terms
        }
        appendRingElements(z, to: &outbox[previousServer, default: []])
        return .replicated(.product(dst: c, first: z, from: nextServer))
    }

    /// x_i∘y_i + x_i∘y_(i+1) + x_(i+1)∘y_i as two products, summing the operand with fewer elements:
    /// (x_i + x_(i+1))∘y_i + x_i∘y_(i+1), or x_i∘(y_i + y_(i+1)) + x_(i+1)∘y_i. A rank-2 matrix product (or a
    /// batch against one matrix) adds the second product into the first's buffer, with no third array.
    static func crossTerms(
        _ kind: TripleKind, _ x: ([UInt64], [UInt64]), _ xShape: [Int], _ y: ([UInt64], [UInt64]), _ yShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> [UInt64] {
        let sumX = x.0.count <= y.0.count
        let (left, right) = sumX ? (RingKernels.add(x.0, x.1), y.0) : (x.0, RingKernels.add(y.0, y.1))
        let (otherLeft, otherRight) = sumX ? (x.0, y.1) : (x.1, y.0)
        if case .matmul = kind, xShape.count >= 2, yShape.count == 2, xShape[xShape.count - 1] == yShape[0],
            left.count == xShape.reduce(1, *), right.count == yShape.reduce(1, *)
        {
            let (m, k, n) = (xShape.dropLast().reduce(1, *), yShape[0], yShape[1])
            return [UInt64](unsafeUninitializedCapacity: m * n) { z, initialized in
                for (accumulate, a, b) in [(false, left, right), (true, otherLeft, otherRight)] {
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            RingKernels.matmul(a, b, into: z, m: m, k: k, n: n, accumulate: accumulate)
                        }
                    }
                }
                initialized = m * n
            }
        }
        let first = try product(kind, left, xShape, right, yShape)
        return RingKernels.add(first, try product(kind, otherLeft, xShape, otherRight, yShape))
    }

    static func product(
        _ kind: TripleKind, _ a: [UInt64], _ aShape: [Int], _ b: [UInt64], _ bShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> [UInt64] {
        switch kind {
        case .mul: return try MachineKernels.multiply(a, aShape, b, bShape).values
        case .matmul: return try MachineKernels.matmul(a, aShape, b, bShape).values
        case .conv2d(let stride, let padding):
            return try MachineKernels.conv2d(a, aShape, b, bShape, stride: stride, padding: padding).values
        }
    }

    // MARK: - Re-sharing

    /// Turns server0's and server1's additive shares a + b (server2: nil) into replicated shares: x_0 from
    /// k_0 (server0, server2), x_2 from k_2 (server1, server2), x_1 = (a − x_0) + (b − x_2), whose halves
    /// server0 and server1 exchange. server2 sees nothing; each of server0 and server1 sees the other's half,
    /// masked by the seeded share it does not know.
    mutating func beginReshare(
        _ dst: PrivateRegister, additive: [UInt64]?, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        let n = count(.private(dst))
        guard let additive else {
            if me == .server2 {
                try storeComponents(componentWords(2, n, index), componentWords(0, n, index), into: dst, at: index)
            }
            return nil
        }
        let seededComponent = me == .server0 ? 0 : 2
        let seeded = try componentWords(seededComponent, n, index)
        guard additive.count == n else {
            throw .invalidProgram(instruction: index, reason: "re-shared value has \(additive.count) elements")
        }
        var half = additive
        for i in half.indices { half[i] &-= seeded[i] }
        let peer = me == .server0 ? PlayerID.server1 : .server0
        appendRingElements(half, to: &outbox[peer, default: []])
        return .replicated(.reshare(dst: dst, half: half, seeded: seeded, from: peer))
    }

    // MARK: - After the exchange

    mutating func finishReplicated(
        _ step: ReplicatedStep, index: Int, inbox: inout [PlayerID: PayloadReader]
    ) throws(MachineError) {
        switch step {
        case .receive(let dst, let sender):
            let n = count(dst)
            switch dst {
            case .private(let r):
                let (first, second) = try receiveReplicatedShares(n, from: sender, inbox: &inbox, index: index)
                try storeComponents(first, second, into: r, at: index)
            case .public, .local:
                try store(read(n, from: sender, inbox: &inbox, index: index), into: dst, at: index)
            }
        case .open(let dst, let partial, let sender), .maskedOpen(let dst, let partial, let sender):
            let missing = try read(partial.count, from: sender, inbox: &inbox, index: index)
            try store(RingKernels.add(partial, missing), into: .public(dst), at: index)
        case .product(let dst, let first, let sender):
            try storeComponents(first, read(first.count, from: sender, inbox: &inbox, index: index), into: dst,
                                at: index)
        case .reshare(let dst, let half, let seeded, let sender):
            let x1 = RingKernels.add(half, try read(half.count, from: sender, inbox: &inbox, index: index))
            if me == .server0 {
                try storeComponents(seeded, x1, into: dst, at: index)
            } else {
                try storeComponents(x1, seeded, into: dst, at: index)
            }
        }
    }
}
