// One party's interpreter: runs every round of a program, talking to the others through a `Transport`.

import TFEBytecode
import TFECore
import TFENumPy

/// Everything one party needs to run a program.
public struct MachineConfiguration: Sendable {
    public var program: Program
    /// The party this machine plays.
    public var party: PlayerID
    /// This party's inputs by name (only its own: the program says which it must provide).
    public var inputs: [String: NPYArray]
    public var transport: any Transport
    /// The party's own randomness: input shares, and server2's seeds. Seed it from `Seed.random()` in
    /// production (`MachineConfiguration.freshRandomness()`), from a fixed seed in tests.
    public var randomness: PRG
    /// How long to wait for a peer's frame before giving up.
    public var receiveTimeout: Duration
    /// Where this server keeps stored values (`store`, `load`); nil when it keeps none.
    public var stateDirectory: String?
    /// Record a `TraceEvent` for every instruction and exchange (`--trace`).
    public var tracing = false
    /// Where the machine reports the round under way and the bytes it sent, for a progress display; nil for none.
    public var progress: MachineProgress?
    /// Called after every instruction this party completes (`--check-ranges`, local runs only); nil costs
    /// one check per instruction.
    public var observer: (any MachineObserver)?

    public init(
        program: Program, party: PlayerID, inputs: [String: NPYArray] = [:], transport: any Transport,
        randomness: PRG, receiveTimeout: Duration = .seconds(30), stateDirectory: String? = nil
    ) {
        self.program = program
        self.party = party
        self.inputs = inputs
        self.transport = transport
        self.randomness = randomness
        self.receiveTimeout = receiveTimeout
        self.stateDirectory = stateDirectory
    }

    /// A generator seeded from the operating system's CSPRNG.
    public static func freshRandomness() throws(MachineError) -> PRG {
        do {
            return PRG(seed: try Seed.random(), stream: 0)
        } catch {
            throw .randomSource(error.description)
        }
    }
}

/// A value a player received with `output`: float64 for `fixed`, Int64 for `int`.
public struct OutputValue: Hashable, Sendable {
    public enum Values: Hashable, Sendable {
        case fixed([Double])
        case int([Int64])
    }

    public let shape: Shape
    public let values: Values

    public init(shape: Shape, values: Values) {
        self.shape = shape
        self.values = values
    }

    /// The values as float64, whatever the element type.
    public var doubles: [Double] {
        switch values {
        case .fixed(let values): return values
        case .int(let values): return values.map(Double.init)
        }
    }

    /// The value as `.npy` writes it: float64 for `fixed`, int64 for `int`.
    public var array: NPYArray {
        switch values {
        case .fixed(let values): return NPYArray(validatedShape: shape.dimensions, storage: .float64(values))
        case .int(let values): return NPYArray(validatedShape: shape.dimensions, storage: .int64(values))
        }
    }
}

/// What one party's run produced.
public struct PartyResult: Sendable {
    public let party: PlayerID
    /// The outputs this party received, by name.
    public var outputs: [String: OutputValue] = [:]
    /// Lines of `print` instructions this party executed, in order.
    public var printed: [String] = []
    /// Rounds per phase in which this party sent or received a frame.
    public var rounds: [Phase: Int] = [.offline: 0, .online: 0]
    /// Wall time per phase.
    public var phaseTimes: [Phase: Duration] = [.offline: .zero, .online: .zero]
    /// The values this server stored, to be committed to its state directory once the run succeeded.
    public var stateWrites: StateWrites?
    /// What the party did when, with `MachineConfiguration.tracing`.
    public var trace: [TraceEvent] = []

    public init(party: PlayerID) {
        self.party = party
    }
}

/// The interpreter of one party. Each party runs its own `Machine` over the same `Program`; they share
/// nothing and talk only through their `Transport`.
///
/// Registers: a private register holds this server's share, a public one the ring value (server0 and
/// server1 only), a local one float64 values on its owner. In every round the machine runs the round's
/// instructions in order: local work right away, and for communicating instructions it appends what this
/// party sends to the round's frame for each receiver. At the end of the round it sends one frame per
/// directed link, receives the frames the program says are due, and completes the communicating
/// instructions in order, each consuming its slice of the received payloads.
public struct Machine {
    public let configuration: MachineConfiguration
    let program: Program
    let me: PlayerID
    let fixedPoint: FixedPoint
    var randomness: PRG
    var registers: RegisterFile
    /// This party's inputs, validated and encoded before anything is sent.
    var inputs: [String: ValidatedInput] = [:]
    /// On server0 and server1: the seed shared with server2. On server2: the seeds shared with server0
    /// and server1.
    var dealerSeeds: [PlayerID: Seed] = [:]
    /// server2: the masks it dealt, by register, for the products that use them.
    var dealtMasks: [PrivateRegister: [UInt64]] = [:]
    /// The keys each mask's shares are expanded from (server0 and server1: their own; server2: both), for
    /// `store`.
    var maskKeys: [PrivateRegister: [Seed]] = [:]
    /// The stored values the program loads, read before the run starts.
    var loadedValues: [String: StoredValue] = [:]
    /// server0 and server1: the seed they share for SecureNN's common randomness (server2 never sees it).
    var pairSeed: Seed?
    /// server2: what it learned in a SecureNN step, by the instruction's first destination, until that
    /// register is released.
    var helperViews: [PrivateRegister: [UInt64]] = [:]
    /// When each register is last read, so it is freed right after.
    let liveness: Liveness
    /// Keeps every register (and server2's SecureNN views) after its last use, so tests can read them.
    var retainsRegisters = false
    var result: PartyResult
    /// This party's role in the program's protocol (`SecretSharingProtocol.roles`); nil for a player.
    let role: ServerRole?
    /// Whether private registers hold two components on every server (ABY3's replicated sharing).
    let replicated: Bool
    /// The additive share the private registers' current component is (`ServerRole.components`): local
    /// instructions add public values into share 0 alone. -1 on a party that holds no shares.
    var shareIndex: Int

    public init(_ configuration: MachineConfiguration) {
        self.configuration = configuration
        self.program = configuration.program
        self.me = configuration.party
        self.fixedPoint = FixedPoint(fractionalBits: configuration.program.fractionalBits)
        self.randomness = configuration.randomness
        self.registers = RegisterFile(program: configuration.program)
        self.liveness = Liveness(configuration.program)
        self.result = PartyResult(party: configuration.party)
        let definition = configuration.program.protocolKind.definition
        self.role = definition.role(of: configuration.party)
        self.replicated = definition.isReplicated
        self.shareIndex = role?.components.first ?? -1
    }

    /// Runs the whole program: inputs are checked first, then the offline and the online phase.
    public mutating func run() throws(MachineError) -> PartyResult {
        // Long kernels on this thread look at the transport's stop signal between blocks of work.
        let stop = configuration.transport.stopSignal
        StopSignal.current = stop
        defer { StopSignal.current = nil }
        try checkProgram()
        inputs = try validateInputs()
        try readStoredValues()
        let clock = ContinuousClock()
        var index = 0
        for phase in Phase.allCases {
            let start = clock.now
            let rounds = phase == .offline ? program.offline : program.online
            for (number, round) in rounds.enumerated() {
                configuration.progress?.begin(phase, round: number, of: rounds.count)
                try run(round, phase: phase, number: number, firstIndex: index)
                index += round.instructions.count
            }
            result.phaseTimes[phase] = clock.now - start
        }
        return result
    }

    /// Frees what an instruction read for the last time, and what it wrote that nothing reads.
    private mutating func release(after instruction: Instruction, at index: Int) {
        guard !retainsRegisters else { return }
        for register in liveness.released(after: instruction, at: index) {
            switch register {
            case .private(let r):
                registers.privates[r.rawValue] = nil
                if replicated { registers.seconds[r.rawValue] = nil }
                helperViews[r] = nil
            case .public(let r): registers.publics[r.rawValue] = nil
            case .local(let r): registers.locals[r.rawValue] = nil
            }
        }
        if me == .server2, instruction.opcode == .product {
            for mask in [instruction.privateRegister(1), instruction.privateRegister(2)]
            where liveness.lastDealerUse[mask] == index {
                dealtMasks[mask] = nil
            }
        }
    }

    /// The name of a player, for messages.
    func name(_ player: PlayerID) -> String {
        Self.name(of: player, in: program)
    }

    static func name(of player: PlayerID, in program: Program) -> String {
        program.players.indices.contains(player.rawValue)
            ? program.players[player.rawValue] : "player \(player.rawValue)"
    }

    var isComputeServer: Bool { me == .server0 || me == .server1 }

    /// Whether this party holds shares of private values, and so runs the local instructions on private and
    /// public registers: server0 and server1, and under ABY3 server2 too.
    var holdsShares: Bool { role?.holdsShares ?? false }

    /// What the machine relies on before it starts.
    private func checkProgram() throws(MachineError) {
        try Self.checkProgram(program, party: me)
    }

    /// What the machine, and the static input check, rely on: `party` is in the player table and the
    /// fractional bits fit the fixed-point encoding.
    static func checkProgram(_ program: Program, party: PlayerID) throws(MachineError) {
        guard program.players.count >= 3, program.players.indices.contains(party.rawValue) else {
            throw .invalidProgram(instruction: nil, reason: "party \(party.rawValue) is not in the player table")
        }
        guard FractionalBits.range.contains(program.fractionalBits) else {
            throw .invalidProgram(
                instruction: nil,
                reason: "\(program.fractionalBits) fractional bits is outside \(FractionalBits.range)")
        }
    }

    /// Throws once the transport's stop signal is up (a peer failed or left): before every instruction, so that
    /// the party stops now rather than at its next receive, and before every send, so that nothing computed by
    /// a kernel the signal cut short ever leaves this party.
    private func checkStopSignal() throws(MachineError) {
        if let error = configuration.transport.stopSignal?.error { throw .transport(error) }
    }

    // MARK: - Rounds

    /// Runs one round: local work and outgoing payloads in instruction order, then the exchange, then the
    /// completion of the communicating instructions in order.
    ///
    /// A frame goes out as soon as it holds all the bytes the plan gives its link, so a peer that needs
    /// nothing else from this party starts on it while this party is still working on the round (server0
    /// expands its seeded shares while server2 deals the rest, say).
    private mutating func run(_ round: Round, phase: Phase, number: Int, firstIndex: Int) throws(MachineError) {
        let plan = try RoundPlan(program: program, round: round, phase: phase, number: number, firstIndex: firstIndex)
        var outbox: [PlayerID: [UInt8]] = [:]
        for (link, bytes) in plan.bytes where link.from == me { outbox[link.to, default: []].reserveCapacity(bytes) }
        var sent: Set<PlayerID> = []
        if plan.carriesSeeds, me == .server2 { dealSeeds(into: &outbox) }
        if plan.carriesPairSeed, me == .server0 { sendPairSeed(into: &outbox) }
        try sendCompleteFrames(outbox, plan: plan, phase: phase, number: number, sent: &sent)
        var pending: [(index: Int, step: PendingStep)] = []
        let tracing = configuration.tracing
        let observer = configuration.observer
        let clock = ContinuousClock()
        for (offset, instruction) in round.instructions.enumerated() {
            try checkStopSignal()
            let index = firstIndex + offset
            let start = tracing ? clock.now : nil
            var acted = true
            // Communicating instructions, and dealt ones (whose shares come from the seeds this round may carry),
            // run in two steps around the round's exchange.
            if instruction.communicates || instruction.opcode.expandsDealerSeeds {
                let bytesBefore = tracing ? outbox.values.reduce(0) { $0 + $1.count } : 0
                if let step = try execute(instruction, index: index, outbox: &outbox) {
                    pending.append((index, step))
                } else {
                    acted = tracing && outbox.values.reduce(0) { $0 + $1.count } > bytesBefore
                    try observer?.machine(me, completed: index, registers: RegisterView(registers))
                    release(after: instruction, at: index)
                }
                try sendCompleteFrames(outbox, plan: plan, phase: phase, number: number, sent: &sent)
            } else if try executes(instruction, index: index) {
                // A local instruction: its handler sends nothing and leaves nothing for after the exchange.
                try executeLocal(instruction, index: index, outbox: &outbox)
                try observer?.machine(me, completed: index, registers: RegisterView(registers))
                release(after: instruction, at: index)
            } else {
                acted = false
            }
            if let start, acted {
                result.trace.append(TraceEvent(
                    kind: .compute, phase: phase, round: number, instruction: index, start: start, end: clock.now))
            }
        }
        let exchangeStart = tracing ? clock.now : nil
        var inbox = try exchange(outbox, plan: plan, phase: phase, number: number, sent: sent)
        if let exchangeStart, plan.bytes.keys.contains(where: { $0.from == me || $0.to == me }) {
            result.trace.append(TraceEvent(
                kind: .exchange, phase: phase, round: number, instruction: nil, start: exchangeStart, end: clock.now))
        }
        if plan.carriesSeeds, isComputeServer { try receiveSeed(from: &inbox) }
        if plan.carriesPairSeed, me == .server1 { try receivePairSeed(from: &inbox) }
        for (index, step) in pending {
            let start = tracing ? clock.now : nil
            try finish(step, index: index, inbox: &inbox)
            try observer?.machine(me, completed: index, registers: RegisterView(registers))
            release(after: round.instructions[index - firstIndex], at: index)
            if let start {
                result.trace.append(TraceEvent(
                    kind: .finish, phase: phase, round: number, instruction: index, start: start, end: clock.now))
            }
        }
        for (sender, reader) in inbox.sorted(by: { $0.key < $1.key }) where !reader.isAtEnd {
            throw .invalidProgram(
                instruction: nil,
                reason: "\(reader.remaining) bytes from \(name(sender)) in \(phase.rawValue) round \(number) "
                    + "were not consumed")
        }
    }

    /// Sends the frames that already hold every byte the plan expects on their link and were not sent yet.
    private func sendCompleteFrames(
        _ outbox: [PlayerID: [UInt8]], plan: RoundPlan, phase: Phase, number: Int, sent: inout Set<PlayerID>
    ) throws(MachineError) {
        try checkStopSignal()
        // In receiver order, as `exchange` sends, so that the order of sends does not depend on hashing.
        for (receiver, payload) in outbox.sorted(by: { $0.key < $1.key }) where !sent.contains(receiver) {
            guard let expected = plan.bytes[RoundPlan.Link(from: me, to: receiver)], payload.count == expected else {
                continue
            }
            try send(payload, to: receiver, phase: phase, number: number)
            sent.insert(receiver)
        }
    }

    private func send(_ payload: [UInt8], to receiver: PlayerID, phase: Phase, number: Int) throws(MachineError) {
        let frame = Frame(phase: phase, round: number, sender: me, receiver: receiver, payload: payload)
        do {
            try configuration.transport.send(frame, to: receiver)
        } catch {
            throw .transport(error)
        }
        configuration.progress?.sent(WireFormat.frameHeaderBytes + payload.count)
    }

    /// Sends this party's remaining frames of the round (`sent` went out early, complete) and receives the
    /// frames due to it, checking each against the size the program implies.
    private mutating func exchange(
        _ outbox: [PlayerID: [UInt8]], plan: RoundPlan, phase: Phase, number: Int, sent: Set<PlayerID>
    ) throws(MachineError) -> [PlayerID: PayloadReader] {
        try checkStopSignal()
        let outgoing = plan.bytes.filter { $0.key.from == me }.sorted { $0.key.to < $1.key.to }
        let incoming = plan.bytes.filter { $0.key.to == me }.sorted { $0.key.from < $1.key.from }
        for receiver in outbox.keys where plan.bytes[RoundPlan.Link(from: me, to: receiver)] == nil {
            throw .invalidProgram(
                instruction: nil,
                reason: "built a frame for \(name(receiver)) in \(phase.rawValue) round \(number) "
                    + "that the cost model does not expect")
        }
        for (link, expected) in outgoing {
            let payload = outbox[link.to] ?? []
            guard payload.count == expected else {
                throw .invalidProgram(
                    instruction: nil,
                    reason: "built \(payload.count) bytes for \(name(link.to)) in \(phase.rawValue) round \(number), "
                        + "the cost model expects \(expected)")
            }
            if !sent.contains(link.to) { try send(payload, to: link.to, phase: phase, number: number) }
        }
        var inbox: [PlayerID: PayloadReader] = [:]
        for (link, expected) in incoming {
            let frame: Frame
            do {
                frame = try configuration.transport.receive(
                    from: link.from, phase: phase, round: number, timeout: configuration.receiveTimeout)
            } catch {
                throw .transport(error)
            }
            guard frame.payload.count == expected else {
                throw .payloadSize(
                    peer: name(link.from), phase: phase, round: number, expected: expected, found: frame.payload.count)
            }
            inbox[link.from] = PayloadReader(frame.payload)
        }
        if !outgoing.isEmpty || !incoming.isEmpty { result.rounds[phase, default: 0] += 1 }
        return inbox
    }
}

/// The frames a round carries, from the cost model: payload bytes per directed link.
struct RoundPlan {
    struct Link: Hashable {
        let from: PlayerID
        let to: PlayerID
    }

    var bytes: [Link: Int] = [:]
    /// Whether server2 sends its seeds in this round (the first preprocessing round).
    let carriesSeeds: Bool
    /// Whether server0 also sends server1 the seed of SecureNN's common randomness.
    let carriesPairSeed: Bool

    init(program: Program, round: Round, phase: Phase, number: Int, firstIndex: Int) throws(MachineError) {
        carriesSeeds = CostModel.carriesSeeds(phase: phase, number: number)
        carriesPairSeed = carriesSeeds && program.usesServerPairSeed
        let seeds = CostModel.seedMessages(phase: phase, number: number, usesServerPairSeed: carriesPairSeed)
        for seed in seeds { bytes[Link(from: seed.from, to: seed.to), default: 0] += seed.bytes }
        for (offset, instruction) in round.instructions.enumerated() {
            try RegisterFile.checkOperands(of: instruction, in: program, index: firstIndex + offset)
            for message in CostModel.messages(of: instruction, in: program) {
                guard program.players.indices.contains(message.from.rawValue),
                    program.players.indices.contains(message.to.rawValue)
                else {
                    throw .invalidProgram(instruction: firstIndex + offset, reason: "names a player outside the table")
                }
                bytes[Link(from: message.from, to: message.to), default: 0] += message.bytes
            }
        }
    }
}
