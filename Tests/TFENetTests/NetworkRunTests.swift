// Whole programs over TCP on loopback, one thread and one transport per party: same outputs as a local run,
// measured cost equal to the cost model, and failing parties that stop the others in bounded time.

import Foundation
import TFEBytecode
import TFECore
import TFENumPy
import TFERuntime
import Testing

@testable import TFENet

@Suite struct NetworkRunTests {
    @Test func matchesLocalRunAndCostModel() throws {
        let program = try compile(twoPlayerSource)
        let inputs = inputsByID(program, twoPlayerInputs)
        let local = try LocalRun.run(program, inputs: inputs)
        let outcomes = try runNetworked(program, inputs: inputs)
        let results = outcomes.compactMap { $0?.result }
        try #require(results.count == program.players.count, "\(outcomes)")
        for (party, result) in results.enumerated() {
            let expected = local.parties[party].outputs
            #expect(result.outputs.keys.sorted() == expected.keys.sorted())
            for (name, value) in result.outputs {
                #expect(value.shape == expected[name]!.shape)
                #expect(maxDifference(value, expected[name]!) <= 1.0 / 16384, "\(name): \(value) vs \(expected[name]!)")
            }
        }
        let traffic = outcomes.compactMap { $0?.traffic }
        #expect(Traffic.combined(traffic) == CostModel.cost(of: program))
        #expect(Traffic.combined(traffic) == local.cost)
        // What each party received is what the others sent it.
        var received: [Cost.Link: Int] = [:]
        for part in traffic { received.merge(part.received, uniquingKeysWith: +) }
        #expect(received == CostModel.cost(of: program).bytes)
    }

    @Test func sameSeedGivesTheLocalRunExactly() throws {
        let program = try compile(twoPlayerSource)
        let inputs = inputsByID(program, twoPlayerInputs)
        let local = try LocalRun.run(program, inputs: inputs, options: LocalRunOptions(seed: 7))
        let outcomes = try runNetworked(program, inputs: inputs, seed: 7)
        for (party, outcome) in outcomes.enumerated() {
            #expect(outcome?.result?.outputs == local.parties[party].outputs)
        }
    }

    /// Nine parties (36 connections), each provider sending its input: the full mesh under load.
    @Test func manyParties() throws {
        let program = try compile(
            """
            protocol pond
            player p0, p1, p2, p3, p4, receiver
            a = private_input(p0, "x", [64]) + private_input(p1, "x", [64]) + private_input(p2, "x", [64])
            b = private_input(p3, "x", [64]) + private_input(p4, "x", [64])
            output(receiver, "mean", (a + b) / 5)
            output(receiver, "product", a * b)
            """)
        var named: [String: [String: NPYArray]] = [:]
        for k in 0..<5 {
            named["p\(k)"] = ["x": try NPYArray(shape: [64], storage: .float64((0..<64).map { Double($0 - k) / 16 }))]
        }
        let inputs = inputsByID(program, named)
        let local = try LocalRun.run(program, inputs: inputs)
        let outcomes = try runNetworked(program, inputs: inputs)
        let receiver = program.players.firstIndex(of: "receiver")!
        let outputs = try #require(outcomes[receiver]?.result?.outputs, "\(outcomes)")
        for name in ["mean", "product"] {
            #expect(maxDifference(outputs[name]!, local.parties[receiver].outputs[name]!) <= 1.0 / 16384)
        }
        #expect(Traffic.combined(outcomes.compactMap { $0?.traffic }) == CostModel.cost(of: program))
    }

    /// ABY3 over TCP: the same program as in one process, bytes as predicted, server2 online throughout.
    @Test func aby3OverTheNetworkAsLocally() throws {
        try expectABY3RunsAsLocally("""
            y = sigmoid(x @ w)
            output(alice, "y", y)
            output(bob, "mean", mean(x, 1))
            output(bob, "public", reveal(sum(x)))
            """, seed: 3)
    }

    /// ABY3's comparisons over TCP (`band` rounds, bit injection, the bit product): relu, a comparison and an
    /// argmax give what they give in one process, with the bytes the cost model predicts.
    @Test func aby3ComparisonsOverTheNetworkAsLocally() throws {
        let local = try expectABY3RunsAsLocally("""
            h = relu(x @ w)
            output(alice, "h", h)
            output(alice, "class", argmax(h, 1))
            output(bob, "positive", x > 0)
            """, seed: 5)
        let positive = try #require(local.parties[4].outputs["positive"])
        #expect(positive.values == .int((0..<32).map { $0 > 16 ? 1 : 0 }))
    }

    /// Runs `body` under aby3, after alice's x [4, 8] and bob's w [8, 3], locally and over TCP: every party's
    /// outputs agree and the traffic is the cost model's. Returns the local run.
    @discardableResult
    private func expectABY3RunsAsLocally(_ body: String, seed: UInt64) throws -> LocalRunResult {
        let program = try compile(
            """
            protocol aby3
            player alice, bob
            x = private_input(alice, [4, 8])
            w = private_input(bob, [8, 3])

            """ + body)
        let named: [String: [String: NPYArray]] = [
            "alice": ["x": try NPYArray(shape: [4, 8], storage: .float64((0..<32).map { Double($0 - 16) / 32 }))],
            "bob": ["w": try NPYArray(shape: [8, 3], storage: .float64((0..<24).map { Double(12 - $0) / 24 }))],
        ]
        let inputs = inputsByID(program, named)
        let local = try LocalRun.run(program, inputs: inputs, options: LocalRunOptions(seed: seed))
        let outcomes = try runNetworked(program, inputs: inputs, seed: seed)
        for (party, outcome) in outcomes.enumerated() {
            #expect(outcome?.result?.outputs == local.parties[party].outputs, "\(program.players[party])")
        }
        #expect(Traffic.combined(outcomes.compactMap { $0?.traffic }) == CostModel.cost(of: program))
        return local
    }

    // MARK: - Failures while running

    @Test func partyThatStopsMidRunStopsTheOthers() throws {
        let program = try compile(twoPlayerSource)
        let inputs = inputsByID(program, twoPlayerInputs)
        let timeout = Duration.seconds(5)
        let start = ContinuousClock.now
        // server1 closes its transport at its second receive: in the middle of the online phase.
        let outcomes = try runNetworked(program, inputs: inputs, receiveTimeout: timeout) { party, transport in
            party == .server1 ? StoppingTransport(base: transport, receives: 1) as any Transport : transport
        }
        // Only a hang guard: how fast parties stop is for benchmarks, not for a loaded two-core machine.
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(60), "took \(elapsed)")
        for (number, outcome) in outcomes.enumerated() where number != PlayerID.server1.rawValue {
            // server2 only deals (offline), and may be done before server1 stops.
            if number == PlayerID.server2.rawValue, outcome?.result != nil { continue }
            // A party the machine's load keeps connecting while server1 runs ahead to its stop never begins the
            // run: it must then be refused naming server1 ("server1 disconnected before the run began").
            if let refused = outcome?.networkError {
                #expect("\(refused)".contains("server1"), "\(program.players[number]): \(refused)")
                continue
            }
            let error = try #require(
                outcome?.machineError, "\(program.players[number]): \(String(describing: outcome))")
            switch error {
            case .transport(.disconnected), .transport(.timedOut), .transport(.closed):
                #expect(error.description.contains("server1"), "\(program.players[number]): \(error)")
            default:
                Issue.record("\(program.players[number]) failed with \(error)")
            }
        }
    }

    @Test func silentPartyTimesOut() throws {
        let program = try compile(twoPlayerSource)
        let inputs = inputsByID(program, twoPlayerInputs)
        let timeout = Duration.milliseconds(500)
        let bob = PlayerID(program.players.firstIndex(of: "bob")!)
        let others = DispatchSemaphore(value: 0)
        // bob connects, then neither sends nor closes until the others have given up.
        let outcomes = try runNetworked(
            program, inputs: inputs, receiveTimeout: timeout,
            wrap: { party, transport in
                party == bob
                    ? SilentTransport(base: transport, othersDone: others, count: 4) as any Transport : transport
            },
            onFinish: { party in if party != bob { others.signal() } })
        // server0 and server1 wait on bob and name him, unless the other's leaving (or alice's notice of it)
        // reaches them first; alice waits on server0 and stops when it times out or leaves. Everyone stops.
        let bobTimedOut = MachineError.transport(.timedOut(peer: "bob", phase: .online, round: 0, seconds: 0.5))
        var namedBob = false
        for number in [0, 1, 3] {
            let error = try #require(outcomes[number]?.machineError, "\(String(describing: outcomes[number]))")
            switch error {
            case bobTimedOut: namedBob = true
            case .transport(.timedOut), .transport(.disconnected), .transport(.closed): break
            default: Issue.record("\(program.players[number]) failed with \(error)")
            }
            if case .failed(_, let elapsed) = outcomes[number] {
                #expect(elapsed < .seconds(60), "took \(elapsed)")  // a hang guard only
            }
        }
        #expect(namedBob, "nobody reported bob: \(outcomes)")
    }

    /// The others learn who failed first; of a bad input, only that it did not pass its checks.
    @Test func abortNoticeNamesTheFirstFailure() throws {
        let program = try compile(twoPlayerSource)
        var named = twoPlayerInputs
        named["bob"] = [:]  // bob's machine fails before sending anything: missing input 'w'
        let outcomes = try runNetworked(program, inputs: inputsByID(program, named))
        let bob = program.players.firstIndex(of: "bob")!
        #expect(outcomes[bob]?.machineError == .missingInput(player: "bob", name: "w"))
        for number in [0, 1, 3] {
            #expect(
                outcomes[number]?.machineError
                    == .transport(.closed(reason: "bob failed: its inputs did not pass their checks")),
                "\(program.players[number]): \(String(describing: outcomes[number]))")
        }
    }
}

/// A party that is connected but stuck: its first send or receive returns only once the `count` other
/// parties have finished (at most 20 s), and then fails.
struct SilentTransport: Transport {
    let base: TCPTransport
    let othersDone: DispatchSemaphore
    let count: Int

    var player: PlayerID { base.player }

    func send(_ frame: Frame, to receiver: PlayerID) throws(TransportError) {
        try stall()
    }

    func receive(from sender: PlayerID, phase: Phase, round: Int, timeout: Duration) throws(TransportError) -> Frame {
        try stall()
        throw .closed(reason: "silent")
    }

    private func stall() throws(TransportError) {
        for _ in 0..<count { _ = othersDone.wait(timeout: .now() + 20) }
        throw .closed(reason: "silent")
    }
}
