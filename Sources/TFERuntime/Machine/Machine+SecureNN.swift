// SecureNN's online steps (Wagh, Gupta, Chandran, PETS 2019): ShareConvert (Algorithm 4), PrivateCompare
// (Algorithm 3) and ComputeMSB (Algorithm 5), one instruction per round. `Opcode` documents each.

import TFEBytecode
import TFECore

/// A SecureNN instruction, as `Machine.execute` hands it to the SecureNN steps: their switches list only these.
enum SecureNNStep {
    case msbPair(r: PrivateRegister, bits: PrivateRegister, lsb: PrivateRegister)
    case shareConvertMask(dst: PrivateRegister, mask: PublicRegister, flip: PublicRegister, src: PrivateRegister)
    case shareConvertBits(bits: PrivateRegister, dst: PrivateRegister, src: PrivateRegister)
    case privateCompare(
        dst: PrivateRegister, bits: PrivateRegister, threshold: PublicRegister, flip: PublicRegister,
        comparison: PrivateComparison)
    case shareConvertFinish(
        dst: PrivateRegister, partial: PrivateRegister, compared: PrivateRegister, flip: PublicRegister)
    case msbOpen(dst: PublicRegister, flip: PublicRegister, src: PrivateRegister, r: PrivateRegister)
    case msbFinish(
        gamma: PrivateRegister, delta: PrivateRegister, compared: PrivateRegister, masked: PublicRegister,
        flip: PublicRegister, lsb: PrivateRegister)
}

extension Machine {
    /// This party's part of a SecureNN instruction before the exchange.
    mutating func beginSecureNN(
        _ step: SecureNNStep, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        let pending = PendingStep.secureNN(step, carried: [])
        switch step {
        case .msbPair(let r, _, _):
            if me == .server2 {
                try dealMSBPair(r, index: index, outbox: &outbox)
                return nil
            }
            return isComputeServer ? pending : nil

        case .shareConvertMask(_, _, _, let src):
            guard isComputeServer else { return me == .server2 ? pending : nil }
            return .secureNN(step, carried: try maskForShareConvert(src, index: index, outbox: &outbox))

        case .shareConvertBits(_, _, let src):
            guard me == .server2 else { return isComputeServer ? pending : nil }
            let n = count(.private(src))
            let view = try helperView(src, count: 2 * n, index: index)
            let bits = PrimeField.bitDecomposition(Array(view[..<n]))
            try shareFromHelper([(bits, .field), (Array(view[n...]), .odd)], index: index, outbox: &outbox)
            return nil

        case .privateCompare(let dst, let bits, let threshold, let flip, let comparison):
            guard isComputeServer else { return me == .server2 ? pending : nil }
            try appendMaskedComparison(
                bits: bits, threshold: threshold, flip: flip, greaterEqual: comparison == .greaterEqual,
                count: count(.private(dst)), index: index, to: &outbox[.server2, default: []])
            return nil

        case .shareConvertFinish(_, _, let compared, _), .msbFinish(_, _, let compared, _, _, _):
            guard me == .server2 else { return isComputeServer ? pending : nil }
            let bit = try helperView(compared, count: count(.private(compared)), index: index)
            let domain: ShareDomain = if case .shareConvertFinish = step { .odd } else { .ring }
            try shareFromHelper([(bit, domain)], index: index, outbox: &outbox)
            return nil

        case .msbOpen(_, _, let src, let r):
            guard isComputeServer else { return nil }
            let y = try ring(.private(src), at: index), mask = try ring(.private(r), at: index)
            guard y.count == mask.count else {
                throw .invalidProgram(instruction: index, reason: "msbopen operands differ in size")
            }
            var share = [UInt64](repeating: 0, count: y.count)
            for i in y.indices { share[i] = OddRing.add(OddRing.add(y[i], y[i]), mask[i]) }
            appendRingElements(share, to: &outbox[me == .server0 ? .server1 : .server0, default: []])
            var common = try commonStream(index)
            let flips = common.nextUInt64s(count: y.count).map { $0 & 1 }
            return .secureNN(step, carried: [share, flips])
        }
    }

    /// Completes a SecureNN instruction after the exchange.
    mutating func finishSecureNN(
        _ step: SecureNNStep, carried: [[UInt64]], index: Int, inbox: inout [PlayerID: PayloadReader]
    ) throws(MachineError) {
        switch step {
        case .msbPair(let r, let bits, let lsb):
            try receiveMSBPair(r: r, bits: bits, lsb: lsb, index: index, inbox: &inbox)

        case .shareConvertMask(let dst, let mask, let flip, let src):
            if isComputeServer {
                try store(carried[0], into: .private(dst), at: index)
                try store(carried[1], into: .public(mask), at: index)
                try store(carried[2], into: .public(flip), at: index)
                return
            }
            // server2: x = ã_0 + ã_1 and δ = wrap(ã_0, ã_1), kept for the next round.
            let n = count(.private(src))
            let masked0 = try read(n, from: .server0, inbox: &inbox, index: index)
            let masked1 = try read(n, from: .server1, inbox: &inbox, index: index)
            var view = [UInt64](repeating: 0, count: 2 * n)
            for i in 0..<n {
                let (x, wrapped) = masked0[i].addingReportingOverflow(masked1[i])
                view[i] = x
                view[n + i] = wrapped ? 1 : 0
            }
            helperViews[dst] = view

        case .shareConvertBits(let bits, let dst, let src):
            let n = count(.private(src))
            let shares = try receiveFromHelper([(64 * n, .field), (n, .odd)], index: index, inbox: &inbox)
            let partial = try ring(.private(src), at: index)
            try checkCount(partial, n, index: index)
            var result = [UInt64](repeating: 0, count: n)
            for i in 0..<n { result[i] = OddRing.subtract(partial[i], shares[1][i]) }
            try store(shares[0], into: .private(bits), at: index)
            try store(result, into: .private(dst), at: index)

        case .privateCompare(let dst, _, _, _, _):
            let n = count(.private(dst))
            guard let d0 = inbox[.server0]?.readByteSlice(64 * n), let d1 = inbox[.server1]?.readByteSlice(64 * n)
            else {
                throw .invalidProgram(instruction: index, reason: "a PrivateCompare frame is too short")
            }
            helperViews[dst] = [UInt64](unsafeUninitializedCapacity: n) { result, initialized in
                d0.withUnsafeBufferPointer { d0 in
                    d1.withUnsafeBufferPointer { d1 in
                        guard let zero = result.baseAddress, let d0 = d0.baseAddress, let d1 = d1.baseAddress
                        else { return }
                        PrivateCompareStep.zeros(count: n, d0, d1, into: zero)
                    }
                }
                initialized = n
            }

        case .shareConvertFinish(let dst, let partial, _, let flip):
            let n = count(.private(dst))
            let eta = try receiveFromHelper([(n, .odd)], index: index, inbox: &inbox)[0]
            let u = try ring(.private(partial), at: index), flips = try ring(.public(flip), at: index)
            try checkCount(u, n, index: index)
            try checkCount(flips, n, index: index)
            let own: UInt64 = me == .server0 ? 1 : 0
            var result = [UInt64](repeating: 0, count: n)
            for i in 0..<n {
                // η = η' ⊕ η'': η' itself, or 1 − η' when η'' = 1.
                let share = flips[i] & 1 == 1 ? OddRing.subtract(own, eta[i]) : eta[i]
                result[i] = OddRing.subtract(u[i], share)
            }
            try store(result, into: .private(dst), at: index)

        case .msbOpen(let dst, let flip, _, _):
            let n = carried[0].count
            let peer = try read(n, from: me == .server0 ? .server1 : .server0, inbox: &inbox, index: index)
            var c = [UInt64](repeating: 0, count: n)
            for i in 0..<n { c[i] = OddRing.add(carried[0][i], peer[i]) }
            try store(c, into: .public(dst), at: index)
            try store(carried[1], into: .public(flip), at: index)

        case .msbFinish(let gamma, let delta, _, let masked, let flip, let lsb):
            let n = count(.private(gamma))
            let compared = try receiveFromHelper([(n, .ring)], index: index, inbox: &inbox)[0]
            let c = try ring(.public(masked), at: index), flips = try ring(.public(flip), at: index)
            let rLSB = try ring(.private(lsb), at: index)
            for values in [c, flips, rLSB] { try checkCount(values, n, index: index) }
            let own: UInt64 = me == .server0 ? 1 : 0
            var gammas = [UInt64](repeating: 0, count: n), deltas = [UInt64](repeating: 0, count: n)
            for i in 0..<n {
                // γ = β ⊕ β' and δ = c[0] ⊕ r[0], each with one public operand: x ⊕ 1 = 1 − x.
                gammas[i] = flips[i] & 1 == 1 ? own &- compared[i] : compared[i]
                deltas[i] = c[i] & 1 == 1 ? own &- rLSB[i] : rLSB[i]
            }
            try store(gammas, into: .private(gamma), at: index)
            try store(deltas, into: .private(delta), at: index)
        }
    }

    // MARK: - Steps

    /// ShareConvert's round 1 on server0 or server1: sends ã_j = a_j + r_j to server2 and returns this server's
    /// partial share over Z_(L-1), r and η''. With β_j = wrap(a_j, r_j) and α = wrap(r_0, r_1), a's shares over
    /// Z_(L-1) are a_j − θ_j where θ_0 = β_0 + δ_0 + η_0 − α − 1 and θ_1 = β_1 + δ_1 + η_1 (the relations of
    /// the paper's proof of Lemma 1, with η = (x ≥ r)); this round subtracts every term but δ and η.
    private mutating func maskForShareConvert(
        _ src: PrivateRegister, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> [[UInt64]] {
        let a = try ring(.private(src), at: index)
        let n = a.count
        var common = try commonStream(index)
        let r0 = common.nextUInt64s(count: n), r1 = common.nextUInt64s(count: n)
        let flips = common.nextUInt64s(count: n).map { $0 & 1 }
        let mine = me == .server0 ? r0 : r1
        var masked = [UInt64](repeating: 0, count: n), partial = masked, r = masked
        for i in 0..<n {
            let (sum, beta) = a[i].addingReportingOverflow(mine[i])
            masked[i] = sum
            let (rValue, alpha) = r0[i].addingReportingOverflow(r1[i])
            r[i] = rValue
            var share = OddRing.subtract(OddRing.reduce(a[i]), beta ? 1 : 0)
            if me == .server0 { share = OddRing.add(share, alpha ? 2 : 1) }
            partial[i] = share
        }
        appendRingElements(masked, to: &outbox[.server2, default: []])
        return [partial, r, flips]
    }

    /// PrivateCompare on server0 or server1: appends the masked, permuted values for every element, 64 bytes
    /// each, to the frame for server2, written there in place.
    private func appendMaskedComparison(
        bits: PrivateRegister, threshold: PublicRegister, flip: PublicRegister, greaterEqual: Bool, count n: Int,
        index: Int, to frame: inout [UInt8]
    ) throws(MachineError) {
        let x = try ring(.private(bits), at: index)
        let t = try ring(.public(threshold), at: index), beta = try ring(.public(flip), at: index)
        try checkCount(x, 8 * n, index: index)
        try checkCount(t, n, index: index)
        try checkCount(beta, n, index: index)
        guard n > 0 else { return }
        let common = try commonStream(index), isServer0 = me == .server0
        appendBytes(count: 64 * n, to: &frame) { d in
            x.withUnsafeBytes { raw in
                t.withUnsafeBufferPointer { t in
                    beta.withUnsafeBufferPointer { beta in
                        PrivateCompareStep.maskedMessages(
                            count: n, bits: raw.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            thresholds: t.baseAddress!, flips: beta.baseAddress!, greaterEqual: greaterEqual,
                            isServer0: isServer0, common: common, into: d)
                    }
                }
            }
        }
    }

    /// server2's view from an earlier step.
    private func helperView(_ register: PrivateRegister, count: Int, index: Int) throws(MachineError) -> [UInt64] {
        guard let view = helperViews[register], view.count == count else {
            throw .invalidProgram(
                instruction: index, reason: "\(Register.private(register)) holds no SecureNN step of \(name(.server2))")
        }
        return view
    }

    private func checkCount(_ values: [UInt64], _ expected: Int, index: Int) throws(MachineError) {
        guard values.count == expected else {
            throw .invalidProgram(
                instruction: index, reason: "a SecureNN operand has \(values.count) elements, not \(expected)")
        }
    }
}
