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
    /// The messages an instruction sends when it runs.
    public static func messages(of instruction: Instruction, in program: Program) -> [Message] {
        func count(_ register: Register) -> Int { program.info(register).shape.elementCount ?? 0 }
        func count(_ register: PrivateRegister) -> Int { count(.private(register)) }
        let (s0, s1, s2) = (PlayerID.server0, PlayerID.server1, PlayerID.server2)
        switch instruction {
        case .input(let dst, let player, _):
            if case .local = dst { return [] }
            return [Message(from: player, to: s0, elements: count(dst)), Message(from: player, to: s1, elements: count(dst))]
        case .output(let player, _, let src):
            switch src {
            case .private:
                return [Message(from: s0, to: player, elements: count(src)), Message(from: s1, to: player, elements: count(src))]
            case .public: return [Message(from: s0, to: player, elements: count(src))]
            case .local: return []
            }
        case .open(_, let src):
            return [
                Message(from: s0, to: s1, elements: count(src)), Message(from: s1, to: s0, elements: count(src)),
            ]
        case .reveal(_, let src, let player):
            return [Message(from: s0, to: player, elements: count(src)), Message(from: s1, to: player, elements: count(src))]
        case .share(let dst, let src):
            let owner = program.info(.local(src)).owner ?? s0
            return [Message(from: owner, to: s0, elements: count(dst)), Message(from: owner, to: s1, elements: count(dst))]
        case .triple(_, _, let c, _):
            return [Message(from: s2, to: s1, elements: count(c))]
        case .squarePair(_, let square):
            return [Message(from: s2, to: s1, elements: count(square))]
        case .truncPair(_, let high, let msb), .divPair(_, let high, let msb, _):
            return [Message(from: s2, to: s1, elements: count(high) + count(msb))]
        case .product(let c, _, _, _):
            return [Message(from: s2, to: s1, elements: count(c))]
        case .msbPair(let r, _, _), .shareConvertBits(_, let r, _):
            return [
                Message(from: s2, to: s1, elements: 64 * count(r), elementBytes: WireFormat.fieldElementBytes),
                Message(from: s2, to: s1, elements: count(r)),
            ]
        case .shareConvertMask(_, _, _, let src):
            return [
                Message(from: s0, to: s2, elements: count(src)), Message(from: s1, to: s2, elements: count(src)),
            ]
        case .privateCompare(let dst, _, _, _, _):
            let field = WireFormat.fieldElementBytes
            return [
                Message(from: s0, to: s2, elements: 64 * count(dst), elementBytes: field),
                Message(from: s1, to: s2, elements: 64 * count(dst), elementBytes: field),
            ]
        case .shareConvertFinish(let dst, _, _, _), .msbFinish(let dst, _, _, _, _, _):
            return [Message(from: s2, to: s1, elements: count(dst))]
        case .msbOpen(_, _, let src, _):
            return [
                Message(from: s0, to: s1, elements: count(src)), Message(from: s1, to: s0, elements: count(src)),
            ]
        default:
            return []
        }
    }

    /// Rounds and bytes of the whole program: each round sends one frame per directed link that carries
    /// a message; the first preprocessing round also carries server2's seeds to server0 and server1, and
    /// server0's seed to server1 when the program uses SecureNN's common randomness.
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
    /// `number` of `phase` is `round`; the first preprocessing round also carries server2's seeds.
    public static func frameBytes(of round: Round, phase: Phase, number: Int, in program: Program) -> [Cost.Link: Int] {
        var payload: [Cost.Link: Int] = [:]
        if phase == .offline && number == 0 {
            payload[Cost.Link(from: .server2, to: .server0, phase: phase), default: 0] += WireFormat.seedBytes
            payload[Cost.Link(from: .server2, to: .server1, phase: phase), default: 0] += WireFormat.seedBytes
            if program.usesServerPairSeed {
                payload[Cost.Link(from: .server0, to: .server1, phase: phase), default: 0] += WireFormat.seedBytes
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
