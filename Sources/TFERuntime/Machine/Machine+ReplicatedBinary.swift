// ABY3's boolean sharings in the machine: a private `int` register whose components are read as words of
// x = x_0 ⊕ x_1 ⊕ x_2 (the library's `ReplicatedBooleanView`, one value's 64 bits to a word). The local
// opcodes run once per component under `executeLocal`; `band` is the library's AND gate, one round.

import TFEBytecode
import TFECore

extension Machine {
    /// Where `band`'s zero-sharing streams start: apart from `rproduct`'s (`replicatedStreams`) and from the
    /// dealing's, which draw from the same seeds.
    static let booleanStreams: UInt64 = 1 << 49

    // MARK: - Local (per component)

    /// `xor`: the current components of two boolean sharings, word by word; in `lhs`'s array when this is its
    /// last use.
    mutating func executeBooleanXor(
        _ dst: PrivateRegister, _ lhs: PrivateRegister, _ rhs: PrivateRegister, index: Int
    ) throws(MachineError) {
        var x = try ring(.private(lhs), at: index)
        let y = try ring(.private(rhs), at: index)
        guard x.count == y.count else {
            throw .invalidProgram(instruction: index, reason: "'xor' of \(x.count) and \(y.count) words")
        }
        guard droppedAfterReading(lhs, at: index) else {
            try store(ReplicatedKernels.combine(x, y) { $0 ^ $1 }, into: .private(dst), at: index)
            return
        }
        x.withUnsafeMutableBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                for j in 0..<x.count { x[j] ^= y[j] }
            }
        }
        try store(x, into: .private(dst), at: index)
    }

    /// `shl` and `shr`: the current component shifted by `bits` (0 to 63, which the verifier checks); in `src`'s
    /// array when this is its last use.
    mutating func executeShift(
        _ dst: PrivateRegister, _ src: PrivateRegister, bits: Int, left: Bool, index: Int
    ) throws(MachineError) {
        var x = try ring(.private(src), at: index)
        let k = UInt64(bits)
        guard droppedAfterReading(src, at: index) else {
            try store(ReplicatedKernels.shifted(x, by: k, left: left), into: .private(dst), at: index)
            return
        }
        x.withUnsafeMutableBufferPointer { x in
            if left {
                for j in 0..<x.count { x[j] = x[j] &<< k }
            } else {
                for j in 0..<x.count { x[j] = x[j] &>> k }
            }
        }
        try store(x, into: .private(dst), at: index)
    }

    /// Whether instruction `index` reads `register` for the last time (and no observer or test keeps
    /// registers); if so, drops its current component from the register file, so that the caller's copy is the
    /// array's only owner and can take the result in place. The release after the instruction would drop it
    /// anyway.
    private mutating func droppedAfterReading(_ register: PrivateRegister, at index: Int) -> Bool {
        guard !retainsRegisters, configuration.observer == nil, liveness.lastUse[.private(register)] == index else {
            return false
        }
        registers.privates[register.rawValue] = nil
        return true
    }

    /// `component`: the current component when it is share `slot`, zeros otherwise.
    mutating func executeComponent(
        _ dst: PrivateRegister, _ src: PrivateRegister, slot: Int, index: Int
    ) throws(MachineError) {
        let x = try ring(.private(src), at: index)
        try store(shareIndex == slot ? x : [UInt64](repeating: 0, count: x.count), into: .private(dst), at: index)
    }

    // MARK: - AND (one round)

    /// `band`: this server's masked cross terms z_i (`ReplicatedBooleanView.appendCrossTerms`, masked with the
    /// boolean zero-sharing of stream `booleanStreams + index`) go to the previous server; the next server's
    /// z_(i+1) becomes the second component.
    mutating func beginBooleanAnd(
        _ dst: PrivateRegister, _ lhs: PrivateRegister, _ rhs: PrivateRegister, index: Int,
        outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        guard holdsShares, let components = role?.components, components.count == 2 else { return nil }
        let (x0, x1) = try self.components(lhs, at: index)
        let (y0, y1) = try self.components(rhs, at: index)
        let n = count(.private(dst))
        guard x0.count == n, y0.count == n else {
            throw .invalidProgram(instruction: index, reason: "'band' of \(x0.count) and \(y0.count) words into \(n)")
        }
        var zeros = ReplicatedZeroSharing(
            party: components[0], seedWithPrevious: try componentSeed(components[0], index),
            seedWithNext: try componentSeed(components[1], index), stream: Self.booleanStreams + UInt64(index))
        // The cross terms of `ReplicatedBooleanView.appendCrossTerms`, masked as they are computed: one array.
        let z = x0.withUnsafeBufferPointer { a in
            x1.withUnsafeBufferPointer { b in
                y0.withUnsafeBufferPointer { c in
                    y1.withUnsafeBufferPointer { d in
                        zeros.booleanMasked(count: n) { j in (a[j] & (c[j] ^ d[j])) ^ (b[j] & c[j]) }
                    }
                }
            }
        }
        appendRingElements(z, to: &outbox[previousServer, default: []])
        return .replicated(.product(dst: dst, first: z, from: nextServer))
    }
}
