// Communicating instructions: what each party sends in a round, and what it does with what it received.

import TFEBytecode
import TFECore

/// What a party still has to do for a communicating instruction once the round's frames have arrived.
enum PendingStep {
    /// Server side of `input` and `share`: store into `dst` the elements `sender` sent.
    case receive(dst: Register, from: PlayerID)
    /// server1's side of `input` and `share` into a private register: store into `dst` the expansion of the
    /// seed `sender` sent (`sendShares`).
    case receiveSeededShare(dst: Register, from: PlayerID)
    /// The receiving player of `output`: add what the senders sent and decode it.
    case output(name: String, element: ElementType, shape: Shape, senders: [PlayerID])
    /// The receiving player of `reveal`: add both shares and keep the decoded value locally.
    case reveal(dst: LocalRegister, element: ElementType)
    /// server0 or server1 of `open`: add the peer's share to its own.
    case open(dst: PublicRegister, own: [UInt64], peer: PlayerID)
    /// server0 or server1 of a dealer instruction: expand its shares (and, server1, take the correction).
    case deal(Dealing)
    /// A SecureNN step, with the values this party computed before the exchange.
    case secureNN(SecureNNStep, carried: [[UInt64]])
    /// An ABY3 step, with what this party computed before the exchange.
    case replicated(ReplicatedStep)
}

extension Machine {
    // This party's part of each communicating instruction before the exchange (`execute` dispatches): each
    // appends what it sends to the round's frames, and returns what is left for after the exchange.

    mutating func beginInput(
        _ dst: Register, player: PlayerID, name inputName: String, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        let (s0, s1) = (PlayerID.server0, PlayerID.server1)
        if me == player {
            let input = try input(inputName, for: dst, index: index)
            switch dst {
            case .private: sendShares(count: input.count, to: &outbox, encode: input.encode)
            case .public:
                let encoded = input.encoded
                appendRingElements(encoded, to: &outbox[s0, default: []])
                appendRingElements(encoded, to: &outbox[s1, default: []])
            case .local:
                throw .invalidProgram(instruction: index, reason: "a local input does not communicate")
            }
        }
        return isComputeServer ? receiveStep(dst, from: player) : nil
    }

    mutating func beginOutput(
        _ player: PlayerID, name outputName: String, _ src: Register, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        let (s0, s1) = (PlayerID.server0, PlayerID.server1)
        let senders: [PlayerID]
        switch src {
        case .private: senders = [s0, s1]
        case .public: senders = [s0]
        case .local: throw .invalidProgram(instruction: index, reason: "a local output does not communicate")
        }
        if senders.contains(me) {
            appendRingElements(try additiveView(src, at: index), to: &outbox[player, default: []])
        }
        guard me == player else { return nil }
        return .output(name: outputName, element: element(src), shape: program.info(src).shape, senders: senders)
    }

    mutating func beginOpen(
        _ dst: PublicRegister, _ src: PrivateRegister, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        guard isComputeServer else { return nil }
        let own = try ring(.private(src), at: index)
        let peer = me == .server0 ? PlayerID.server1 : .server0
        appendRingElements(own, to: &outbox[peer, default: []])
        return .open(dst: dst, own: own, peer: peer)
    }

    mutating func beginReveal(
        _ dst: LocalRegister, _ src: PrivateRegister, to player: PlayerID, index: Int,
        outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        if isComputeServer {
            appendRingElements(try additiveView(.private(src), at: index), to: &outbox[player, default: []])
        }
        guard me == player else { return nil }
        return .reveal(dst: dst, element: element(.private(src)))
    }

    mutating func beginShare(
        _ dst: PrivateRegister, _ src: LocalRegister, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        let owner = program.localRegisters[src.rawValue].owner
        if me == owner { sendShares(of: try encodedForSharing(src, as: dst, index: index), to: &outbox) }
        guard isComputeServer, let owner else { return nil }
        return receiveStep(.private(dst), from: owner)
    }

    /// What a compute server does with what `sender` sent for `input` or `share`: server1's share of a private
    /// value arrives as a seed (`sendShares`), every other value as its elements.
    private func receiveStep(_ dst: Register, from sender: PlayerID) -> PendingStep {
        if case .private = dst, me == .server1 { return .receiveSeededShare(dst: dst, from: sender) }
        return .receive(dst: dst, from: sender)
    }

    /// A local value encoded as the ring elements of the private register it is shared into (`share`, `rshare`).
    func encodedForSharing(
        _ src: LocalRegister, as dst: PrivateRegister, index: Int
    ) throws(MachineError) -> [UInt64] {
        let target = element(.private(dst))
        switch fixedPoint.encode(try local(src, at: index), as: target) {
        case .success(let encoded): return encoded
        case .failure(let failure):
            throw .valueOutOfRange(
                instruction: index,
                reason: "element \(failure.index) of \(Register.local(src)) is NaN, infinite "
                    + "or too large for '\(target.rawValue)'")
        }
    }

    /// server2 deals; server0 and server1 expand their shares once the round's frames (with the seeds) are in.
    mutating func beginDeal(
        _ dealing: Dealing, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        if me == .server2 { try deal(dealing, index: index, outbox: &outbox) }
        return isComputeServer ? .deal(dealing) : nil
    }

    /// Splits a ring value into two shares: server1's is the expansion of a fresh seed (stream 0), which is all
    /// it is sent; server0 is sent the value minus that expansion. server0 sees a uniformly random vector and
    /// server1 a seed, as with two explicit shares, for a seed's bytes instead of a share's.
    ///
    /// Works through small buffers, so a large input costs no temporary arrays: `encode(start, chunk)` writes
    /// the ring values from `start` on into a chunk, server1's share of them is expanded beside it, and their
    /// difference goes to server0's frame.
    private mutating func sendShares(
        count: Int, to outbox: inout [PlayerID: [UInt8]],
        encode: (Int, UnsafeMutableBufferPointer<UInt64>) -> Void
    ) {
        let seed = randomness.nextSeed()
        outbox[.server1, default: []].append(contentsOf: seed.bytes)
        var expansion = PRG(seed: seed, stream: 0)
        let chunk = 2048
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * chunk) { buffer in
            var start = 0
            while start < count {
                let size = min(chunk, count - start)
                let values = UnsafeMutableBufferPointer(rebasing: buffer[0..<size])
                let words = UnsafeMutableBufferPointer(rebasing: buffer[chunk..<(chunk + size)])
                encode(start, values)
                expansion.fill(words)
                for i in words.indices { words[i] = values[i] &- words[i] }
                appendRingElements(UnsafeBufferPointer(words), to: &outbox[.server0, default: []])
                start += size
            }
        }
    }

    /// `sendShares` of ring values already encoded.
    private mutating func sendShares(of values: [UInt64], to outbox: inout [PlayerID: [UInt8]]) {
        values.withUnsafeBufferPointer { values in
            sendShares(count: values.count, to: &outbox) { start, chunk in
                for i in chunk.indices { chunk[i] = values[start + i] }
            }
        }
    }

    /// server1's share of a private value `sender` shared with `sendShares`: the expansion of the seed it sent.
    private func receiveSeededShare(
        _ count: Int, from sender: PlayerID, inbox: inout [PlayerID: PayloadReader], index: Int
    ) throws(MachineError) -> [UInt64] {
        guard let bytes = inbox[sender]?.readBytes(WireFormat.seedBytes), let seed = Seed(bytes: bytes) else {
            throw .invalidProgram(instruction: index, reason: "the frame from \(name(sender)) is too short")
        }
        var expansion = PRG(seed: seed, stream: 0)
        return expansion.nextUInt64s(count: count)
    }

    /// Completes a communicating instruction after the exchange, consuming its slices of the payloads.
    mutating func finish(
        _ step: PendingStep, index: Int, inbox: inout [PlayerID: PayloadReader]
    ) throws(MachineError) {
        switch step {
        case .receive(let dst, let sender):
            try store(read(count(dst), from: sender, inbox: &inbox, index: index), into: dst, at: index)

        case .receiveSeededShare(let dst, let sender):
            try store(receiveSeededShare(count(dst), from: sender, inbox: &inbox, index: index), into: dst, at: index)

        case .output(let outputName, let element, let shape, let senders):
            let total = try sum(of: senders, count: shape.elementCount ?? 0, inbox: &inbox, index: index)
            result.outputs[outputName] = outputValue(total, element: element, shape: shape)

        case .reveal(let dst, let element):
            let total = try sum(of: [.server0, .server1], count: count(.local(dst)), inbox: &inbox, index: index)
            try store(fixedPoint.decode(total, as: element), into: dst, at: index)

        case .open(let dst, let own, let peer):
            guard let total = inbox[peer]?.readRingElements(own.count, adding: own) else {
                throw .invalidProgram(instruction: index, reason: "the frame from \(name(peer)) is too short")
            }
            try store(total, into: .public(dst), at: index)

        case .deal(let dealing):
            try receiveDeal(dealing, index: index, inbox: &inbox)

        case .secureNN(let step, let carried):
            try finishSecureNN(step, carried: carried, index: index, inbox: &inbox)

        case .replicated(let step):
            try finishReplicated(step, index: index, inbox: &inbox)
        }
    }

    /// The next `count` elements from `sender`'s payload.
    func read(
        _ count: Int, from sender: PlayerID, inbox: inout [PlayerID: PayloadReader], index: Int
    ) throws(MachineError) -> [UInt64] {
        guard let values = inbox[sender]?.readRingElements(count) else {
            throw .invalidProgram(instruction: index, reason: "the frame from \(name(sender)) is too short")
        }
        return values
    }

    /// The ring sum of the elements every sender sent.
    private func sum(
        of senders: [PlayerID], count: Int, inbox: inout [PlayerID: PayloadReader], index: Int
    ) throws(MachineError) -> [UInt64] {
        var total = [UInt64](repeating: 0, count: count)
        for sender in senders {
            let part = try read(count, from: sender, inbox: &inbox, index: index)
            for i in total.indices { total[i] &+= part[i] }
        }
        return total
    }
}
