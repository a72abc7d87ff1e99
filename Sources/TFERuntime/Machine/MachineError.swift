// Why a party's run stopped.

import TFEBytecode
import TFECore

/// Why a `Machine` could not run its program. Players are named as in the program's player table.
///
/// Errors that arise while executing an instruction carry its index (offline instructions first, as in
/// `Program.locations`), which `instruction` exposes for mapping back to the source. No message ever
/// contains a private value, a share or a seed.
public enum MachineError: Error, Hashable, Sendable, CustomStringConvertible {
    // MARK: Inputs (checked before anything is sent)

    /// The program reads an input this player was not given.
    case missingInput(player: String, name: String)
    /// The player was given an input the program does not declare.
    case unexpectedInput(player: String, name: String)
    case inputShape(player: String, name: String, expected: Shape, found: [Int])
    /// NaN or infinity at a flat (row-major) index.
    case inputNotFinite(player: String, name: String, index: Int)
    /// A fixed-point input's magnitude must stay below `limit` so that products can be truncated.
    case inputOutOfRange(player: String, name: String, index: Int, limit: Double)
    /// An `int` input holds a fractional value, or one beyond the 64-bit range.
    case inputNotIntegral(player: String, name: String, index: Int)

    // MARK: Running

    case transport(TransportError)
    /// A peer's frame is not the size the program implies: the peer runs a different program or is broken.
    case payloadSize(peer: String, phase: Phase, round: Int, expected: Int, found: Int)
    /// The program is inconsistent (a verifier would reject it): wrong register kinds, shapes or players.
    case invalidProgram(instruction: Int?, reason: String)
    /// A plaintext value cannot be encoded as a ring element (NaN, infinite or too large).
    case valueOutOfRange(instruction: Int, reason: String)
    /// The operating system could not supply randomness.
    case randomSource(String)
    /// A stored value is missing, does not match the program, or cannot be read or written.
    case storedValue(String)
    /// `--check-ranges` (local runs only): a private value left its safe range. Its message names a magnitude,
    /// which only a debugging run that reconstructs every value can know.
    case outOfRange(RangeViolation)

    /// The index of the instruction that failed, when the error belongs to one.
    public var instruction: Int? {
        switch self {
        case .invalidProgram(let instruction, _): return instruction
        case .valueOutOfRange(let instruction, _): return instruction
        case .outOfRange(let violation): return violation.instruction
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .missingInput(let player, let name):
            return "missing input '\(name)' of player '\(player)'"
        case .unexpectedInput(let player, let name):
            return "player '\(player)' was given input '\(name)', which the program does not read"
        case .inputShape(let player, let name, let expected, let found):
            return "input '\(name)' of player '\(player)' has shape \(Shape.description(of: found)), the program expects \(expected)"
        case .inputNotFinite(let player, let name, let index):
            return "input '\(name)' of player '\(player)' holds NaN or infinity at element \(index)"
        case .inputOutOfRange(let player, let name, let index, let limit):
            return "input '\(name)' of player '\(player)' is out of the fixed-point range at element \(index): "
                + "magnitudes must stay below \(limit)"
        case .inputNotIntegral(let player, let name, let index):
            return
                "input '\(name)' of player '\(player)' is an 'int' input but element \(index) is not a 64-bit integer"
        case .transport(let error):
            return error.description
        case .payloadSize(let peer, let phase, let round, let expected, let found):
            return "\(peer) sent \(found) payload bytes in \(phase.rawValue) round \(round), expected \(expected)"
        case .invalidProgram(let instruction, let reason):
            return instruction.map { "instruction \(Self.offset($0)): \(reason)" } ?? "invalid program: \(reason)"
        case .valueOutOfRange(let instruction, let reason):
            return "instruction \(Self.offset(instruction)): \(reason)"
        case .randomSource(let reason), .storedValue(let reason):
            return reason
        case .outOfRange(let violation):
            return "instruction \(Self.offset(violation.instruction)): \(violation.message)"
        }
    }

    /// Whether the error is about this party's own inputs (missing, unexpected, or failing a check): such a
    /// description names the input and may point at an element, which other parties must not learn.
    public var isInputProblem: Bool {
        switch self {
        case .missingInput, .unexpectedInput, .inputShape, .inputNotFinite, .inputOutOfRange, .inputNotIntegral:
            return true
        case .transport, .payloadSize, .invalidProgram, .valueOutOfRange, .randomSource, .storedValue, .outOfRange:
            return false
        }
    }

    /// What other parties may be told: for an input problem only that there was one (no input name, element,
    /// value or kind of problem), otherwise `description`.
    public var descriptionForPeers: String {
        isInputProblem ? "its inputs did not pass their checks" : description
    }

    /// An instruction index as the asm prints it: four zero-padded digits.
    static func offset(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
