import TFECore

/// A message one instruction sends: `elements` elements on one directed link, ring elements (8 bytes each)
/// unless `elementBytes` says otherwise (SecureNN's Z_p elements travel as one byte each).
public struct Message: Hashable, Sendable {
    public var from: PlayerID
    public var to: PlayerID
    public var elements: Int
    public var elementBytes: Int

    public init(from: PlayerID, to: PlayerID, elements: Int, elementBytes: Int = WireFormat.elementBytes) {
        self.from = from
        self.to = to
        self.elements = elements
        self.elementBytes = elementBytes
    }

    /// The payload bytes.
    public var bytes: Int { elements * elementBytes }
}

/// The wire format's fixed sizes, shared by the cost model and the transports so they agree to the byte.
public enum WireFormat {
    /// Bytes per ring element.
    public static let elementBytes = 8
    /// Every frame starts with: payload length (UInt32), phase (UInt8), reserved (3 bytes), round (UInt32),
    /// sender (UInt16), receiver (UInt16).
    public static let frameHeaderBytes = 16
    /// The seed server2 sends server0 and server1 in the first preprocessing round (and server0 sends server1,
    /// when the program uses SecureNN's common randomness).
    public static let seedBytes = 32
    /// Bytes per element of SecureNN's field Z_p (p = 67).
    public static let fieldElementBytes = 1
}

/// Rounds and bytes of a program, per phase and directed link: predicted from shapes by `CostModel`,
/// or measured by the machine. The two must be equal.
public struct Cost: Hashable, Sendable {
    /// A directed link in one phase.
    public struct Link: Hashable, Sendable, Comparable {
        public var from: PlayerID
        public var to: PlayerID
        public var phase: Phase

        public init(from: PlayerID, to: PlayerID, phase: Phase) {
            self.from = from
            self.to = to
            self.phase = phase
        }

        public static func < (a: Link, b: Link) -> Bool {
            (a.phase == .offline ? 0 : 1, a.from.rawValue, a.to.rawValue)
                < (b.phase == .offline ? 0 : 1, b.from.rawValue, b.to.rawValue)
        }
    }

    /// Rounds in which at least one message is sent.
    public var rounds: [Phase: Int] = [.offline: 0, .online: 0]
    /// Bytes per link, frame headers included.
    public var bytes: [Link: Int] = [:]

    public init() {}

    public var totalBytes: Int { bytes.values.reduce(0, +) }

    public func bytes(in phase: Phase) -> Int {
        bytes.filter { $0.key.phase == phase }.values.reduce(0, +)
    }

    /// Bytes a player sends in a phase.
    public func bytesSent(by player: PlayerID, in phase: Phase) -> Int {
        bytes.filter { $0.key.from == player && $0.key.phase == phase }.values.reduce(0, +)
    }

    /// `{"rounds": {...}, "links": [...], "total_bytes": N}`, as `--stats-json` writes it.
    public func json(players: [String]) -> String {
        var out = "{\n  \"rounds\": {\"online\": \(rounds[.online] ?? 0), \"offline\": \(rounds[.offline] ?? 0)},\n"
        out += "  \"links\": ["
        let links = bytes.keys.sorted()
        for (index, link) in links.enumerated() {
            out += index == 0 ? "\n" : ",\n"
            out += "    {\"from\": \"\(players[link.from.rawValue])\", \"to\": \"\(players[link.to.rawValue])\", "
                + "\"phase\": \"\(link.phase.rawValue)\", \"bytes\": \(bytes[link]!)}"
        }
        out += links.isEmpty ? "],\n" : "\n  ],\n"
        out += "  \"total_bytes\": \(totalBytes)\n}\n"
        return out
    }
}

/// What every instruction costs, from the shapes alone. The machine's measured traffic must equal it.
public enum CostModel {
    /// The messages an instruction sends when it runs: its opcode's flows (`OpcodeSpec.flows`), evaluated on
    /// its operands.
    public static func messages(of instruction: Instruction, in program: Program) -> [Message] {
        let flows = instruction.opcode.spec.flows
        if flows.isEmpty { return [] }
        let slotCount = instruction.opcode.spec.operands.count
        func registerSlot(_ slot: Int) -> Bool {
            guard slot < slotCount else { return false }
            let kind = instruction.opcode.operands[slot]
            return kind == .destination || kind == .source
        }
        func count(_ slot: Int) -> Int {
            guard registerSlot(slot) else { return 0 }
            return program.info(instruction.register(slot)).shape.elementCount ?? 0
        }
        func party(_ party: Flow.Party) -> PlayerID {
            switch party {
            case .server0: return .server0
            case .server1: return .server1
            case .server2: return .server2
            case .player(let slot):
                guard slot < slotCount, instruction.opcode.operands[slot] == .player else { return .server0 }
                return instruction.player(slot)
            case .owner(let slot):
                guard registerSlot(slot), case .local = instruction.register(slot) else { return .server0 }
                return program.info(instruction.register(slot)).owner ?? .server0
            }
        }
        var messages: [Message] = []
        for flow in flows where flow.when.holds(for: instruction) {
            let (from, to) = (party(flow.from), party(flow.to))
            if flow.seeds > 0 {
                messages.append(Message(from: from, to: to, elements: flow.seeds, elementBytes: WireFormat.seedBytes))
            }
            guard !flow.elementsOf.isEmpty else { continue }
            let elements = flow.factor * flow.elementsOf.reduce(0) { $0 + count($1) }
            messages.append(Message(from: from, to: to, elements: elements, elementBytes: flow.elementBytes))
        }
        return messages
    }

    /// Whether round `number` of `phase` carries the seeds: the first preprocessing round does.
    public static func carriesSeeds(phase: Phase, number: Int) -> Bool { phase == .offline && number == 0 }

    /// The seeds a round carries ahead of its instructions' messages: in the first preprocessing round,
    /// server2's seeds to server0 and server1, and server0's seed to server1 when the program uses SecureNN's
    /// common randomness (`usesServerPairSeed`).
    public static func seedMessages(phase: Phase, number: Int, usesServerPairSeed: Bool) -> [Message] {
        guard carriesSeeds(phase: phase, number: number) else { return [] }
        var messages = [
            Message(from: .server2, to: .server0, elements: 1, elementBytes: WireFormat.seedBytes),
            Message(from: .server2, to: .server1, elements: 1, elementBytes: WireFormat.seedBytes),
        ]
        if usesServerPairSeed {
            messages.append(Message(from: .server0, to: .server1, elements: 1, elementBytes: WireFormat.seedBytes))
        }
        return messages
    }

    /// Rounds and bytes of the whole program: each round sends one frame per directed link that carries
    /// a message; the first preprocessing round also carries the seeds (`seedMessages`).
    public static func cost(of program: Program) -> Cost {
        var cost = Cost()
        for (phase, rounds) in [(Phase.offline, program.offline), (Phase.online, program.online)] {
            for (number, round) in rounds.enumerated() {
                let frames = frameBytes(of: round, phase: phase, number: number, in: program)
                if !frames.isEmpty { cost.rounds[phase, default: 0] += 1 }
                for (link, bytes) in frames { cost.bytes[link, default: 0] += bytes }
            }
        }
        return cost
    }

    /// The frames one round sends: bytes on the wire (header and payload) per directed link. Round
    /// `number` of `phase` is `round`; the first preprocessing round also carries the seeds.
    public static func frameBytes(
        of round: Round, phase: Phase, number: Int, in program: Program
    ) -> [Cost.Link: Int] {
        var payload: [Cost.Link: Int] = [:]
        if carriesSeeds(phase: phase, number: number) {  // (`usesServerPairSeed` walks the whole program)
            let seeds = seedMessages(phase: phase, number: number, usesServerPairSeed: program.usesServerPairSeed)
            for message in seeds {
                payload[Cost.Link(from: message.from, to: message.to, phase: phase), default: 0] += message.bytes
            }
        }
        for instruction in round.instructions {
            for message in messages(of: instruction, in: program) {
                let link = Cost.Link(from: message.from, to: message.to, phase: phase)
                payload[link, default: 0] += message.bytes
            }
        }
        return payload.mapValues { $0 + WireFormat.frameHeaderBytes }
    }
}

extension Flow.Condition {
    /// Whether a message with this condition is sent, given the instruction's operand values.
    public func holds(for instruction: Instruction) -> Bool {
        func register(_ slot: Int) -> Register? {
            let kinds = instruction.opcode.operands
            guard slot < kinds.count, kinds[slot] == .destination || kinds[slot] == .source else { return nil }
            return instruction.register(slot)
        }
        switch self {
        case .always:
            return true
        case .notLocal(let slot):
            guard let register = register(slot) else { return false }
            if case .local = register { return false }
            return true
        case .isPrivate(let slot):
            return register(slot)?.isPrivate ?? false
        case .isPublic(let slot):
            guard case .public = register(slot) else { return false }
            return true
        }
    }
}
