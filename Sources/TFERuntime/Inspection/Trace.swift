// `--trace FILE.json`: what each party did when, as Chrome trace events (Perfetto, chrome://tracing).

import Foundation
import TFEBytecode
import TFECore

/// One span of a party's run: an instruction (its local work, or its part before or after the exchange of a
/// round), or the exchange itself (sending the round's frames and waiting for the peers').
public struct TraceEvent: Sendable, Hashable {
    public enum Kind: String, Sendable {
        /// A local instruction, or the part of a communicating one before the exchange.
        case compute
        /// Sending the round's frames and receiving the peers'.
        case exchange
        /// The part of a communicating instruction after the exchange.
        case finish
    }

    public var kind: Kind
    public var phase: Phase
    public var round: Int
    /// The instruction's index (`Program.locations`), nil for an exchange.
    public var instruction: Int?
    public var start: ContinuousClock.Instant
    public var end: ContinuousClock.Instant
}

/// Chrome's trace-event JSON for the events of every party: one track (thread) per party, one complete
/// event (`"ph": "X"`) per span, times in microseconds from the first event.
public enum ChromeTrace {
    public static func json(_ events: [PlayerID: [TraceEvent]], program: Program) -> String {
        let origin = events.values.flatMap { $0.map(\.start) }.min()
        let instructions = program.allInstructions.map(\.instruction)
        var lines: [String] = []
        for party in events.keys.sorted() {
            let name = program.players.indices.contains(party.rawValue) ? program.players[party.rawValue] : "?"
            lines.append("{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": \(party.rawValue), "
                         + "\"args\": {\"name\": \(quoted(name))}}")
        }
        for (party, partyEvents) in events.sorted(by: { $0.key < $1.key }) {
            for event in partyEvents {
                guard let origin else { break }
                let start = microseconds(event.start - origin), duration = microseconds(event.end - event.start)
                var arguments = "\"phase\": \"\(event.phase.rawValue)\", \"round\": \(event.round)"
                var title = "exchange"
                if let index = event.instruction, instructions.indices.contains(index) {
                    let instruction = instructions[index]
                    title = instruction.opcode.mnemonic + (event.kind == .finish ? " (finish)" : "")
                    arguments += ", \"instruction\": \"\(Program.asmIndex(index))\", "
                        + "\"asm\": \(quoted(program.asm(of: instruction)))"
                    if program.locations.indices.contains(index) {
                        let location = program.locations[index]
                        arguments += ", \"source\": \"\(program.name):\(location.line):\(location.column)\""
                    }
                }
                lines.append("{\"name\": \(quoted(title)), \"cat\": \"\(event.kind.rawValue)\", \"ph\": \"X\", "
                             + "\"pid\": 1, \"tid\": \(party.rawValue), \"ts\": \(start), \"dur\": \(duration), "
                             + "\"args\": {\(arguments)}}")
            }
        }
        return "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n" + lines.joined(separator: ",\n") + "\n]}\n"
    }

    static func microseconds(_ duration: Duration) -> String {
        String(format: "%.3f", duration.inSeconds * 1e6)
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
