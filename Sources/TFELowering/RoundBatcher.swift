import TFEBytecode
import TFECore

/// The `batch-rounds` pass: every instruction moves to the earliest round its data allows, so independent
/// communication shares rounds and the online rounds equal the program's communication depth. Once it has
/// run: all preprocessing (which depends on nothing) is in one offline round; an instruction sits in the
/// first round where each source is ready — a register written by a local instruction is ready in that
/// instruction's round (after it), one received by a communicating instruction in the next round; within a
/// round, program order is kept; `print`s keep their relative order.
///
/// It runs in time linear in the program: one pass assigns rounds, a counting sort by round (stable, so
/// program order is kept within a round) moves instructions and their locations. It reads the lowering's
/// rounds flat, in program order, and gives only its own (a few, for an unrolled program) arrays.
public enum RoundBatcher {
    public static func run(_ flat: FlatProgram) -> Program {
        let program = flat.tables
        var result = program
        let offlineCount = flat.offline.instructions.count

        // Offline: server2's dealing has no inputs, so it all goes out at once.
        result.offline = offlineCount > 0 ? [Round(flat.offline.instructions)] : flat.offline.rounds

        // Online: earliest round per instruction. The lowering writes only registers of its own tables.
        // Round numbers as 32 bits (a round per instruction at most): the table of them has an entry per
        // instruction, millions for an unrolled program.
        var readyRound = RegisterTable<UInt32>(for: program, initial: 0)
        var rounds: [UInt32] = []
        rounds.reserveCapacity(program.locations.count - offlineCount)
        var lastPrintRound: UInt32 = 0
        // One walk of each instruction's operands: sources give its round, destinations are kept (in a buffer
        // reused for every instruction) and marked ready once the round is known.
        var destinations: [Register] = []
        destinations.reserveCapacity(Instruction.maxSlots)
        for instruction in flat.online.instructions {
            var round: UInt32 = 0
            destinations.removeAll(keepingCapacity: true)
            instruction.forEachRegister { isDestination, register in
                if isDestination { destinations.append(register) } else { round = max(round, readyRound[register]) }
            }
            if instruction.opcode == .print {
                round = max(round, lastPrintRound)
                lastPrintRound = round
            }
            let ready = instruction.communicates ? round + 1 : round
            for register in destinations { readyRound[register] = ready }
            rounds.append(round)
        }

        // Counting sort by round: sizes, then each round's first location, then the moves in program order.
        // Rounds no instruction lands in are dropped on the way (`slot` numbers the others).
        var sizes: [Int] = []
        for round in rounds {
            while sizes.count <= Int(round) { sizes.append(0) }
            sizes[Int(round)] += 1
        }
        var slot = [Int](repeating: -1, count: sizes.count)
        var online: [Round] = []
        var nextLocation: [Int] = []
        var start = offlineCount
        for (round, size) in sizes.enumerated() where size > 0 {
            slot[round] = online.count
            var batched = Round()
            batched.instructions.reserveCapacity(size)
            online.append(batched)
            nextLocation.append(start)
            start += size
        }
        var locations = Array(program.locations.prefix(start))
        var position = 0
        for instruction in flat.online.instructions {
            let target = slot[Int(rounds[position])]
            online[target].instructions.append(instruction)
            locations[nextLocation[target]] = program.locations[offlineCount + position]
            nextLocation[target] += 1
            position += 1
        }
        result.online = online
        result.locations = locations
        return result
    }
}
