// SecureNN's building blocks run by the machine, one at a time, on shares chosen by the test (so that the
// two shares of a value do or do not wrap around the ring), against their definitions: PrivateCompare
// (Algorithm 3), ShareConvert (Algorithm 4) and ComputeMSB (Algorithm 5). Their measured traffic equals the
// cost model's, and, term by term, the paper's Table 1.

import Foundation
import TFEBytecode
import TFECore
import Testing

@testable import TFERuntime

/// Runs every party of a program on its own thread with some registers already holding shares (server0's and
/// server1's) or public values, keeping every register for inspection.
enum PresetRun {
    final class Box: @unchecked Sendable {
        let lock = NSLock()
        var machines: [Machine?]
        var errors: [String] = []
        init(count: Int) { machines = Array(repeating: nil, count: count) }
    }

    static func run(
        _ program: Program, privates: [PrivateRegister: (share0: [UInt64], share1: [UInt64])],
        publics: [PublicRegister: [UInt64]] = [:], seed: UInt64 = 9
    ) throws -> (machines: [Machine], cost: Cost) {
        let network = LocalNetwork(players: program.players)
        let box = Box(count: program.players.count)
        let group = DispatchGroup()
        for number in program.players.indices {
            let party = PlayerID(number)
            var machine = Machine(
                MachineConfiguration(
                    program: program, party: party, transport: network.transport(for: party),
                    randomness: PRG(seed: Seed(fixed: seed), stream: UInt64(number)), receiveTimeout: .seconds(60)))
            machine.retainsRegisters = true
            if party == .server0 || party == .server1 {
                for (register, shares) in privates {
                    machine.registers.privates[register.rawValue] = party == .server0 ? shares.share0 : shares.share1
                }
                for (register, values) in publics { machine.registers.publics[register.rawValue] = values }
            }
            box.machines[number] = machine
            group.enter()
            let worker = Thread {
                defer { group.leave() }
                var machine = box.lock.withLock { box.machines[number]! }
                do {
                    _ = try machine.run()
                    box.lock.withLock { box.machines[number] = machine }
                    network.leave(party)
                } catch {
                    box.lock.withLock { box.errors.append("\(program.players[number]): \(error)") }
                    network.close(reason: "failed")
                }
            }
            worker.start()
        }
        group.wait()
        if let first = box.errors.first { throw PresetRunError(message: first) }
        return (box.machines.map { $0! }, network.measuredCost)
    }

    struct PresetRunError: Error { let message: String }
}

extension Array where Element == UInt64 {
    /// A register of bit shares as its bytes.
    var bytes: [UInt8] { withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [UInt8] in [UInt8](raw) } }
}

@Suite struct SecureNNProtocolTests {
    typealias B = ProgramBuilder
    static let ell = 64
    /// log p for p = 67, as the paper's implementation counts it: one byte per element of Z_p.
    static let logP = 8

    /// Payload bits per element of every directed link, from the cost model's messages (no frame headers).
    static func payloadBits(of program: Program, elements: Int) -> [String: Int] {
        var bits: [String: Int] = [:]
        for entry in program.allInstructions {
            for message in CostModel.messages(of: entry.instruction, in: program) {
                let link = "\(program.players[message.from.rawValue])->\(program.players[message.to.rawValue])"
                bits[link, default: 0] += message.bytes * 8 / elements
            }
        }
        return bits
    }

    // MARK: - ShareConvert

    /// Values of Z_L other than L - 1, and splits of each into two shares that do and do not wrap around.
    static let values: [UInt64] = [0, 1, 2, (1 << 63) - 1, 1 << 63, (1 << 63) + 1, .max - 1, 12_345, .max / 3]
    static func splits(_ a: UInt64) -> [(UInt64, UInt64)] {
        [(a, 0), (0, a), (.max, a &+ 1), (a &+ 1, .max), (1 << 63, a &- (1 << 63)), (a &+ 12, 0 &- 12),
         (0xDEAD_BEEF_0000_0001, a &- 0xDEAD_BEEF_0000_0001)]
    }

    @Test func shareConvertKeepsTheValueOverTheOddRing() throws {
        var b = ProgramBuilder()
        let cases = Self.values.flatMap { a in Self.splits(a).map { (a, $0) } }
        let n = cases.count
        let a = b.makePrivate([n], .int)
        let partial = b.makePrivate([n], .int), bits = b.makePrivate([n, 8], .int), partial2 = b.makePrivate([n], .int)
        let compared = b.makePrivate([n], .int), result = b.makePrivate([n], .int)
        let mask = b.makePublic([n], .int), eta = b.makePublic([n], .int)
        b.program.offline = [Round()]
        b.online(.shareConvertMask(dst: partial, mask: mask, flip: eta, src: a))
        b.nextRound()
        b.online(.shareConvertBits(bits: bits, dst: partial2, src: partial))
        b.nextRound()
        b.online(.privateCompare(dst: compared, bits: bits, threshold: mask, flip: eta, comparison: .greaterEqual))
        b.nextRound()
        b.online(.shareConvertFinish(dst: result, partial: partial2, compared: compared, flip: eta))
        let shares = (cases.map(\.1.0), cases.map(\.1.1))
        let (machines, cost) = try PresetRun.run(b.program, privates: [a: shares])
        #expect(cost == CostModel.cost(of: b.program))
        let y0 = try #require(machines[0].registers.privates[result.rawValue])
        let y1 = try #require(machines[1].registers.privates[result.rawValue])
        for (k, (value, split)) in cases.enumerated() {
            #expect(y0[k] < .max && y1[k] < .max)
            #expect(OddRing.add(y0[k], y1[k]) == value, "a = \(value) shared as \(split)")
        }
        // Table 1: ShareConvert, 4 rounds, 4ℓ log p + 6ℓ bits. server0's halves of server2's sharings (the
        // bits of x: ℓ log p, δ: ℓ, η': ℓ) come from its seed, so they do not travel.
        #expect(cost.rounds[.online] == 4)
        let sent = Self.payloadBits(of: b.program, elements: n)
        let (l, logP) = (Self.ell, Self.logP)
        let expected: [String: Int] = [
            "server0->server2": l + l * logP, "server1->server2": l + l * logP, "server2->server1": l * logP + 2 * l,
        ]
        #expect(sent == expected)
        let seeded = l * logP + 2 * l
        #expect(sent.values.reduce(0, +) + seeded == 4 * l * logP + 6 * l)
    }

    // MARK: - ComputeMSB

    @Test func computeMSBFindsTheTopBitOverTheOddRing() throws {
        var prg = PRG(seed: Seed(fixed: 17), stream: 4)
        var ys: [UInt64] = [0, 1, 2, (1 << 63) - 2, (1 << 63) - 1, 1 << 63, (1 << 63) + 1, .max - 1, .max - 2]
        ys += prg.nextUInt64s(count: 40, below: .max)
        var share0: [UInt64] = [], share1: [UInt64] = []
        for (k, y) in ys.enumerated() {
            let first: UInt64 = [0, .max - 1, 1 << 63, prg.next() % .max][k % 4]
            share0.append(first)
            share1.append(OddRing.subtract(y, first))
        }
        let n = ys.count
        var b = ProgramBuilder()
        let y = b.makePrivate([n], .int)
        let r = b.makePrivate([n], .int), rBits = b.makePrivate([n, 8], .int), rLSB = b.makePrivate([n], .int)
        let opened = b.makePublic([n], .int), beta = b.makePublic([n], .int)
        let compared = b.makePrivate([n], .int), gamma = b.makePrivate([n], .int), delta = b.makePrivate([n], .int)
        b.offline(.msbPair(r: r, bits: rBits, lsb: rLSB))
        b.online(.msbOpen(dst: opened, flip: beta, src: y, r: r))
        b.nextRound()
        b.online(.privateCompare(dst: compared, bits: rBits, threshold: opened, flip: beta, comparison: .greater))
        b.nextRound()
        b.online(.msbFinish(gamma: gamma, delta: delta, compared: compared, masked: opened, flip: beta, lsb: rLSB))
        let (machines, cost) = try PresetRun.run(b.program, privates: [y: (share0, share1)])
        #expect(cost == CostModel.cost(of: b.program))
        func value(_ register: PrivateRegister) throws -> [UInt64] {
            let s0 = try #require(machines[0].registers.privates[register.rawValue])
            let s1 = try #require(machines[1].registers.privates[register.rawValue])
            return zip(s0, s1).map { $0 &+ $1 }
        }
        let gammas = try value(gamma), deltas = try value(delta)
        for k in 0..<n {
            #expect(gammas[k] <= 1 && deltas[k] <= 1)
            #expect(gammas[k] ^ deltas[k] == ys[k] >> 63, "y = \(ys[k]) shared as \(share0[k]), \(share1[k])")
        }
        // The dealt r: shares over Z_(L-1), bits over Z_p and LSB over Z_L of one value.
        let r0 = try #require(machines[0].registers.privates[r.rawValue])
        let r1 = try #require(machines[1].registers.privates[r.rawValue])
        let b0 = try #require(machines[0].registers.privates[rBits.rawValue]).bytes
        let b1 = try #require(machines[1].registers.privates[rBits.rawValue]).bytes
        let lsb = try value(rLSB)
        for k in 0..<n {
            let whole = OddRing.add(r0[k], r1[k])
            #expect(lsb[k] == whole & 1)
            for i in 0..<64 {
                #expect(PrimeField.add(UInt64(b0[64 * k + i]), UInt64(b1[64 * k + i])) == (whole >> UInt64(i)) & 1)
            }
        }
        // Table 1: ComputeMSB, 5 rounds, 4ℓ log p + 13ℓ bits, of which the last round is the product γδ
        // (5ℓ with its triple; the lowering emits it as a Beaver product). Here: the dealing round offline,
        // three online rounds; server0's halves of what server2 shares (r over Z_(L-1), which both seeds give:
        // 2ℓ; the bits of r: ℓ log p; its LSB: ℓ; β': ℓ) come from seeds.
        #expect(cost.rounds[.online] == 3)
        #expect(cost.rounds[.offline] == 1)
        let sent = Self.payloadBits(of: b.program, elements: n)
        let (l, logP) = (Self.ell, Self.logP)
        let expected: [String: Int] = [
            "server2->server1": l * logP + 2 * l, "server0->server1": l, "server1->server0": l,
            "server0->server2": l * logP, "server1->server2": l * logP,
        ]
        #expect(sent == expected)
        let product = 5 * l
        let seeded = 2 * l + l * logP + l + l
        #expect(sent.values.reduce(0, +) + product + seeded == 4 * l * logP + 13 * l)
    }

    // MARK: - PrivateCompare

    @Test func privateCompareOfBytesOutsideTheFieldDoesNotTrap() throws {
        var b = ProgramBuilder()
        let bits = b.makePrivate([3, 8], .int), threshold = b.makePublic([3], .int), flip = b.makePublic([3], .int)
        let result = b.makePrivate([3], .int)
        b.program.offline = [Round()]
        b.online(.privateCompare(dst: result, bits: bits, threshold: threshold, flip: flip, comparison: .greater))
        let garbage = [UInt64](repeating: .max, count: 24)
        let (machines, _) = try PresetRun.run(
            b.program, privates: [bits: (garbage, garbage)], publics: [threshold: [0, 1, .max], flip: [0, 1, 1]])
        #expect(try #require(machines[2].helperViews[result]).allSatisfy { $0 <= 1 })
    }

    @Test(arguments: [PrivateComparison.greater, .greaterEqual])
    func privateCompareTellsServer2OnlyTheMaskedBit(_ comparison: PrivateComparison) throws {
        var prg = PRG(seed: Seed(fixed: 23), stream: UInt64(comparison.rawValue))
        var xs: [UInt64] = [], ts: [UInt64] = [], betas: [UInt64] = []
        for x in [0, 1, (1 << 63) - 1, 1 << 63, .max - 1, .max] + prg.nextUInt64s(count: 6) {
            for t in [0, 1, x, x &+ 1, x &- 1, .max, .max - 1] as [UInt64] {
                for beta in [0, 1] as [UInt64] {
                    xs.append(x)
                    ts.append(t)
                    betas.append(beta)
                }
            }
        }
        let n = xs.count
        var share0: [UInt64] = [], share1: [UInt64] = []
        for x in xs {
            for i in 0..<64 {
                let first = prg.nextBelow(67)
                share0.append(first)
                share1.append(PrimeField.subtract((x >> UInt64(i)) & 1, first))
            }
        }
        (share0, share1) = (SecureNNReference.packed(share0), SecureNNReference.packed(share1))
        var b = ProgramBuilder()
        let bits = b.makePrivate([n, 8], .int), threshold = b.makePublic([n], .int), flip = b.makePublic([n], .int)
        let result = b.makePrivate([n], .int)
        b.program.offline = [Round()]
        b.online(.privateCompare(dst: result, bits: bits, threshold: threshold, flip: flip, comparison: comparison))
        let (machines, cost) = try PresetRun.run(
            b.program, privates: [bits: (share0, share1)], publics: [threshold: ts, flip: betas])
        #expect(cost == CostModel.cost(of: b.program))
        let learned = try #require(machines[2].helperViews[result])
        for k in 0..<n {
            let holds = comparison == .greater ? xs[k] > ts[k] : xs[k] >= ts[k]
            #expect(learned[k] == betas[k] ^ (holds ? 1 : 0), "x \(xs[k]) t \(ts[k]) beta \(betas[k])")
        }
        // Table 1: PrivateCompare, 1 round, 2ℓ log p bits.
        #expect(cost.rounds[.online] == 1)
        let bitsSent = Self.payloadBits(of: b.program, elements: n)
        #expect(bitsSent == ["server0->server2": Self.ell * Self.logP, "server1->server2": Self.ell * Self.logP])
        #expect(bitsSent.values.reduce(0, +) == 2 * Self.ell * Self.logP)
    }
}
