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
/// program order is kept within a round) gathers instructions and their locations. It reads the lowering's
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

        // Counting sort by round: sizes, then each instruction's place in the batched order (`order` holds the
        // program positions by place; rounds keep program order), then each round and the locations gathered into
        // arrays of their exact size. Rounds no instruction lands in are dropped on the way.
        var sizes: [Int] = []
        for round in rounds {
            while sizes.count <= Int(round) { sizes.append(0) }
            sizes[Int(round)] += 1
        }
        var nextPlace = [Int](repeating: 0, count: sizes.count)
        var places = 0
        for (round, size) in sizes.enumerated() {
            nextPlace[round] = places
            places += size
        }
        var order = [UInt32](repeating: 0, count: rounds.count)  // fewer than 2^31 instructions (see `Verifier`)
        for (position, round) in rounds.enumerated() {
            order[nextPlace[Int(round)]] = UInt32(position)
            nextPlace[Int(round)] += 1
        }
        var online: [Round] = []
        flat.online.instructions.withUnsafeBufferPointer { instructions in
            var first = 0
            for size in sizes where size > 0 {
                let batched = [Instruction](unsafeUninitializedCapacity: size) { buffer, count in
                    for place in 0..<size {
                        (buffer.baseAddress! + place).initialize(to: instructions[Int(order[first + place])])
                    }
                    count = size
                }
                online.append(Round(batched))
                first += size
            }
        }
        let locations = [SourceLocation](unsafeUninitializedCapacity: offlineCount + order.count) { buffer, count in
            program.locations.withUnsafeBufferPointer { unbatched in
                let target = buffer.baseAddress!
                for index in 0..<offlineCount { (target + index).initialize(to: unbatched[index]) }
                for (place, position) in order.enumerated() {
                    (target + offlineCount + place).initialize(to: unbatched[offlineCount + Int(position)])
                }
            }
            count = offlineCount + order.count
        }
        result.online = online
        result.locations = locations
        return result
    }
}
