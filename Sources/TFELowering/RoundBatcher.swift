import TFEBytecode
import TFECore

/// The `batch-rounds` pass: every instruction moves to the earliest round its data allows, so independent
/// communication shares rounds and the online rounds equal the program's communication depth. Once it has
/// run: all preprocessing (which depends on nothing) is in one offline round; an instruction sits in the
/// first round where each source is ready — a register written by a local instruction is ready in that
/// instruction's round (after it), one received by a communicating instruction in the next round; within a
/// round, program order is kept; `print`s keep their relative order.
public enum RoundBatcher {
    public static func run(_ program: Program) -> Program {
        var result = program
        let instructions = program.allInstructions
        let offlineCount = program.offline.reduce(0) { $0 + $1.instructions.count }

        // Offline: server2's dealing has no inputs, so it all goes out at once.
        if offlineCount > 0 {
            result.offline = [Round(program.offline.flatMap(\.instructions))]
        }

        // Online: earliest round per instruction.
        var readyRound: [Register: Int] = [:]
        var placed: [(round: Int, index: Int, instruction: Instruction)] = []
        var lastPrintRound = 0
        for entry in instructions where entry.phase == .online {
            var round = 0
            for source in entry.instruction.sources { round = max(round, readyRound[source] ?? 0) }
            if entry.instruction.opcode == .print {
                round = max(round, lastPrintRound)
                lastPrintRound = round
            }
            let communicates = entry.instruction.communicates
            for destination in entry.instruction.destinations { readyRound[destination] = communicates ? round + 1 : round }
            placed.append((round, entry.index, entry.instruction))
        }
        placed.sort { ($0.round, $0.index) < ($1.round, $1.index) }
        var online: [Round] = []
        var onlineLocations: [SourceLocation] = []
        for item in placed {
            while online.count <= item.round { online.append(Round()) }
            online[item.round].instructions.append(item.instruction)
        }
        // Locations follow the new order.
        for item in placed { onlineLocations.append(program.locations[item.index]) }
        result.online = online.filter { !$0.instructions.isEmpty }
        result.locations = Array(program.locations.prefix(offlineCount)) + onlineLocations
        return result
    }
}
