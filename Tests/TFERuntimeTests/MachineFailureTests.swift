// Bad inputs are rejected before anything is sent; a failing party never leaves the others hanging.

import Dispatch
import Foundation
import TFEBytecode
import TFECore
import TFENumPy
import Testing

@testable import TFERuntime

/// A transport that records every frame it sends, over a `LocalNetwork`.
final class RecordingTransport: Transport, @unchecked Sendable {
    let inner: LocalTransport
    private let lock = NSLock()
    private var frames: [Frame] = []

    init(_ inner: LocalTransport) {
        self.inner = inner
    }

    var player: PlayerID { inner.player }

    var sent: [Frame] {
        lock.lock()
        defer { lock.unlock() }
        return frames
    }

    func send(_ frame: Frame, to receiver: PlayerID) throws(TransportError) {
        lock.lock()
        frames.append(frame)
        lock.unlock()
        try inner.send(frame, to: receiver)
    }

    func receive(from sender: PlayerID, phase: Phase, round: Int, timeout: Duration) throws(TransportError) -> Frame {
        try inner.receive(from: sender, phase: phase, round: round, timeout: timeout)
    }
}

/// Runs every party on its own thread without closing the network when one fails, as separate processes
/// would: the others must stop by their receive timeout.
func runWithoutClosing(
    _ program: Program, inputs: [PlayerID: [String: NPYArray]], timeout: Duration
) -> (outcomes: [Result<PartyResult, MachineError>], transports: [RecordingTransport]) {
    let network = LocalNetwork(players: program.players)
    let transports = program.players.indices.map { RecordingTransport(network.transport(for: PlayerID($0))) }
    let box = OutcomeBox(count: program.players.count)
    // A thread each: parties block in receive, so they must not share a bounded pool.
    let group = DispatchGroup()
    for number in program.players.indices {
        group.enter()
        Thread {
            defer { group.leave() }
            let party = PlayerID(number)
            var machine = Machine(
                MachineConfiguration(
                    program: program, party: party, inputs: inputs[party] ?? [:], transport: transports[number],
                    randomness: PRG(seed: Seed(fixed: 5), stream: UInt64(number)), receiveTimeout: timeout))
            do throws(MachineError) {
                box.set(number, .success(try machine.run()))
            } catch {
                box.set(number, .failure(error))
            }
        }.start()
    }
    group.wait()
    return (box.values, transports)
}

final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [Result<PartyResult, MachineError>?]

    init(count: Int) { outcomes = Array(repeating: nil, count: count) }

    func set(_ number: Int, _ outcome: Result<PartyResult, MachineError>) {
        lock.lock()
        outcomes[number] = outcome
        lock.unlock()
    }

    var values: [Result<PartyResult, MachineError>] {
        lock.lock()
        defer { lock.unlock() }
        return outcomes.map { $0! }
    }
}

@Suite struct MachineFailureTests {
    typealias B = ProgramBuilder

    /// alice shares x [2, 3] and bob y [2]; both come back to alice.
    static func program() -> Program {
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [2, 3])
        let (y, readY) = b.input(B.bob, "y", [2], .int)
        b.online(readX, readY)
        b.nextRound()
        b.online(b.output(B.alice, "x", x), b.output(B.alice, "y", y))
        return b.program
    }

    static let goodY = try! NPYArray(shape: [2], storage: .int32([1, 2]))

    static let badInputs: [(String, [String: NPYArray], MachineError)] = [
        ("missing", [:], .missingInput(player: "alice", name: "x")),
        (
            "wrong shape", ["x": npy([1, 2, 3], [3])],
            .inputShape(player: "alice", name: "x", expected: Shape([2, 3]), found: [3])
        ),
        ("NaN", ["x": npy([1, 2, .nan, 4, 5, 6], [2, 3])], .inputNotFinite(player: "alice", name: "x", index: 2)),
        (
            "infinite", ["x": npy([1, 2, 3, 4, -.infinity, 6], [2, 3])],
            .inputNotFinite(player: "alice", name: "x", index: 4)
        ),
        (
            "out of range", ["x": npy([1, 2, 3, 4, 5, 1_073_741_824], [2, 3])],
            .inputOutOfRange(player: "alice", name: "x", index: 5, limit: 1_073_741_824)
        ),
        (
            "float32 NaN", ["x": try! NPYArray(shape: [2, 3], storage: .float32([1, 2, 3, .nan, 5, 6]))],
            .inputNotFinite(player: "alice", name: "x", index: 3)
        ),
        (
            "float32 out of range", ["x": try! NPYArray(shape: [2, 3], storage: .float32([1, -2e9, 3, 4, 5, 6]))],
            .inputOutOfRange(player: "alice", name: "x", index: 1, limit: 1_073_741_824)
        ),
        (
            "int32 out of range", ["x": try! NPYArray(shape: [2, 3], storage: .int32([1, 2, 3, 4, 1 << 30, 6]))],
            .inputOutOfRange(player: "alice", name: "x", index: 4, limit: 1_073_741_824)
        ),
        (
            "extra", ["x": npy([1, 2, 3, 4, 5, 6], [2, 3]), "z": npy([1], [1])],
            .unexpectedInput(player: "alice", name: "z")
        ),
    ]

    @Test(arguments: 0..<badInputs.count)
    func badInputIsRejectedBeforeAnythingIsSent(case number: Int) {
        let (_, aliceInputs, expected) = Self.badInputs[number]
        let program = Self.program()
        let network = LocalNetwork(players: program.players)
        let transport = RecordingTransport(network.transport(for: B.alice))
        var machine = Machine(
            MachineConfiguration(
                program: program, party: B.alice, inputs: aliceInputs, transport: transport,
                randomness: PRG(seed: Seed(fixed: 1), stream: 0), receiveTimeout: .milliseconds(200)))
        #expect(throws: expected) { try machine.run() }
        #expect(transport.sent.isEmpty)
        #expect(network.measuredCost == Cost())
    }

    // MARK: - The check before connecting

    /// Each bad input of `badInputs` (alice's) and of bob's `int` input, found by the static check alone.
    static let staticCheckCases: [(String, PlayerID, [String: NPYArray], MachineError)] =
        badInputs.map { ($0.0, B.alice, $0.1, $0.2) } + [
            ("bob: fraction", B.bob, ["y": npy([1, 2.5], [2])], .inputNotIntegral(player: "bob", name: "y", index: 1)),
            ("bob: NaN", B.bob, ["y": npy([.nan, 1], [2])], .inputNotFinite(player: "bob", name: "y", index: 0)),
            (
                "bob: beyond 64 bits", B.bob, ["y": try! NPYArray(shape: [2], storage: .uint64([1, .max]))],
                .inputNotIntegral(player: "bob", name: "y", index: 1)
            ),
            ("bob: missing", B.bob, [:], .missingInput(player: "bob", name: "y")),
            ("server0: given one", .server0, ["y": goodY], .unexpectedInput(player: "server0", name: "y")),
        ]

    @Test(arguments: 0..<staticCheckCases.count)
    func staticCheckRefusesBadInputs(case number: Int) {
        let (_, party, inputs, expected) = Self.staticCheckCases[number]
        #expect(throws: expected) { try Machine.checkInputs(inputs, of: party, in: Self.program()) }
    }

    @Test func staticCheckAcceptsGoodInputs() throws {
        let program = Self.program()
        try Machine.checkInputs(["x": npy([1, 2, 3, 4, 5, 6], [2, 3])], of: B.alice, in: program)
        try Machine.checkInputs(["y": Self.goodY], of: B.bob, in: program)
        try Machine.checkInputs(["y": npy([1, -2], [2])], of: B.bob, in: program)
        for server in [PlayerID.server0, .server1, .server2] {
            try Machine.checkInputs([:], of: server, in: program)
        }
        #expect(throws: MachineError.invalidProgram(instruction: nil, reason: "party 9 is not in the player table")) {
            try Machine.checkInputs([:], of: PlayerID(9), in: program)
        }
    }

    /// Every input problem, with a name, index and limit that would stand out in a message.
    static let inputProblems: [MachineError] = [
        .missingInput(player: "alice", name: "salary"),
        .unexpectedInput(player: "alice", name: "salary"),
        .inputShape(player: "alice", name: "salary", expected: Shape([7, 9]), found: [9, 7]),
        .inputNotFinite(player: "alice", name: "salary", index: 4711),
        .inputOutOfRange(player: "alice", name: "salary", index: 4711, limit: 1_073_741_824),
        .inputNotIntegral(player: "alice", name: "salary", index: 4711),
    ]

    @Test(arguments: inputProblems)
    func peersLearnNothingOfAnInputProblem(_ error: MachineError) {
        #expect(error.isInputProblem)
        #expect(error.description.contains("salary"))
        let told = error.descriptionForPeers
        for secret in ["salary", "4711", "1073741824", "[7, 9]", "[9, 7]", "NaN", "range", "integer", "shape"] {
            #expect(!told.contains(secret), "\(told)")
        }
        #expect(told == "its inputs did not pass their checks")
    }

    @Test(arguments: [
        MachineError.storedValue("server1 has no stored value 'w'"),
        .invalidProgram(instruction: 3, reason: "r"),
        .payloadSize(peer: "server2", phase: .online, round: 1, expected: 8, found: 16),
        .transport(.timedOut(peer: "alice", phase: .online, round: 0, seconds: 0.3)),
    ])
    func peersLearnOtherProblemsInFull(_ error: MachineError) {
        #expect(!error.isInputProblem)
        #expect(error.descriptionForPeers == error.description)
    }

    @Test func intInputMustBeIntegral() {
        let program = Self.program()
        let inputs: [PlayerID: [String: NPYArray]] = [
            B.alice: ["x": npy([1, 2, 3, 4, 5, 6], [2, 3])], B.bob: ["y": npy([1, 2.5], [2])],
        ]
        #expect(
            throws: LocalRunError(
                party: B.bob, partyName: "bob", error: .inputNotIntegral(player: "bob", name: "y", index: 1))
        ) {
            try LocalRun.run(program, inputs: inputs, options: LocalRunOptions(seed: 1))
        }
        // Whole numbers stored as floats are fine.
        let fine = [B.alice: inputs[B.alice]!, B.bob: ["y": npy([1, -2], [2])]]
        #expect(throws: Never.self) { try LocalRun.run(program, inputs: fine, options: LocalRunOptions(seed: 1)) }
    }

    @Test func localRunNamesTheFailingPartyAndStopsTheOthersAtOnce() throws {
        let start = ContinuousClock.now
        let inputs: [PlayerID: [String: NPYArray]] = [B.alice: ["x": npy([1, 2, 3], [3])], B.bob: ["y": Self.goodY]]
        let error = try #require(throws: LocalRunError.self) {
            try LocalRun.run(
                Self.program(), inputs: inputs, options: LocalRunOptions(seed: 1, receiveTimeout: .seconds(30)))
        }
        #expect(error.party == B.alice)
        #expect(error.error == .inputShape(player: "alice", name: "x", expected: Shape([2, 3]), found: [3]))
        #expect("\(error)" == "alice: input 'x' of player 'alice' has shape [3], the program expects [2, 3]")
        // The servers were waiting for alice's shares: closing the network released them, no timeout.
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func othersTimeOutWhenTheNetworkStaysOpen() {
        let inputs: [PlayerID: [String: NPYArray]] = [B.alice: [:], B.bob: ["y": Self.goodY]]
        let start = ContinuousClock.now
        let (outcomes, _) = runWithoutClosing(Self.program(), inputs: inputs, timeout: .milliseconds(300))
        #expect(ContinuousClock.now - start < .seconds(10))
        guard case .failure(let aliceError) = outcomes[3] else {
            Issue.record("alice should fail")
            return
        }
        #expect(aliceError == .missingInput(player: "alice", name: "x"))
        for server in [0, 1] {
            guard case .failure(let error) = outcomes[server] else {
                Issue.record("server\(server) should time out")
                continue
            }
            #expect(error == .transport(.timedOut(peer: "alice", phase: .online, round: 0, seconds: 0.3)))
            #expect("\(error)" == "timed out after 0.3 s waiting for alice in online round 0")
        }
    }

    @Test func failureMidRunNamesTheInstruction() throws {
        // bob computes log of a revealed negative value and tries to share it: NaN cannot be encoded.
        var b = ProgramBuilder()
        let (x, readX) = b.input(B.alice, "x", [2])
        b.online(readX)
        b.nextRound()
        guard case .private(let xr) = x else { return }
        let revealed = b.makeLocal([2], owner: B.bob), logged = b.makeLocal([2], owner: B.bob)
        let shared = b.makePrivate([2])
        b.online(.reveal(dst: revealed, src: xr, player: B.bob))
        b.nextRound()
        b.online(.map(dst: .local(logged), src: .local(revealed), function: .log), .share(dst: shared, src: logged))
        b.nextRound()
        b.online(b.output(B.alice, "y", .private(shared)))
        let error = try #require(throws: LocalRunError.self) {
            try LocalRun.run(b.program, inputs: [B.alice: ["x": npy([1, -1], [2])]], options: LocalRunOptions(seed: 1))
        }
        #expect(error.party == B.bob)
        #expect(error.error.instruction == 3)
        #expect(error.description.hasPrefix("bob: instruction 0003: element 1 of l1 is NaN"))
    }

    @Test func inputSharesAreMaskedAndDependOnTheSeed() {
        var b = ProgramBuilder()
        let (_, readX) = b.input(B.alice, "x", [32])
        b.online(readX)
        let values = [Double](repeating: 1, count: 32)
        let (outcomes, transports) = runWithoutClosing(
            b.program, inputs: [B.alice: ["x": npy(values, [32])]], timeout: .seconds(5))
        for outcome in outcomes {
            if case .failure(let error) = outcome { Issue.record("\(error)") }
        }
        let frames = transports[3].sent
        #expect(frames.map(\.receiver) == [.server0, .server1])
        // server0 gets its share; server1 only the seed its share expands from.
        #expect(frames[1].payload.count == WireFormat.seedBytes)
        var reader = PayloadReader(frames[0].payload)
        let s0 = reader.readRingElements(32)!
        guard let seed = Seed(bytes: frames[1].payload) else {
            Issue.record("server1's frame holds no seed")
            return
        }
        var expansion = PRG(seed: seed, stream: 0)
        let s1 = expansion.nextUInt64s(count: 32)
        #expect(zip(s0, s1).allSatisfy { $0 &+ $1 == 65536 })
        #expect(Set(s0).count == 32)
        #expect(!s0.contains(65536))
    }
}
