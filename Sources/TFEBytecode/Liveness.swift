import TFECore

/// When each register is last needed, in execution order (offline rounds, then online rounds; the index of
/// `Program.locations`). The machine frees a register right after its last use, so memory follows the
/// live set rather than the whole program.
public struct Liveness: Sendable {
    /// The index of the last instruction reading each register; -1 when nothing reads it (it can be
    /// dropped as soon as it is written).
    public private(set) var lastUse: [Register: Int] = [:]
    /// For masks: the last preprocessing instruction that reads them (server2 keeps masks only that long).
    public private(set) var lastDealerUse: [PrivateRegister: Int] = [:]

    public init(_ program: Program) {
        for entry in program.allInstructions {
            for register in entry.instruction.destinations where lastUse[register] == nil {
                lastUse[register] = -1
            }
            for register in entry.instruction.sources {
                lastUse[register] = entry.index
                if entry.phase == .offline, case .private(let mask) = register { lastDealerUse[mask] = entry.index }
            }
        }
    }

    /// Registers that can be freed once instruction `index` has run: sources read for the last time there,
    /// and destinations nothing reads.
    public func released(after instruction: Instruction, at index: Int) -> [Register] {
        var result: [Register] = []
        for register in instruction.sources where lastUse[register] == index { result.append(register) }
        for register in instruction.destinations where lastUse[register] == -1 { result.append(register) }
        return result
    }

    /// The largest number of bytes held at once by every party together, counting each private or public
    /// register twice (server0 and server1 each hold one) and each local register once: the floor any
    /// machine's memory use is measured against.
    public func peakLiveBytes(of program: Program) -> Int {
        func bytes(_ register: Register) -> Int {
            let elements = program.info(register).shape.elementCount ?? 0
            if case .local = register { return elements * 8 }
            return elements * 16
        }
        var live = 0, peak = 0
        var isLive = Set<Register>()
        for entry in program.allInstructions {
            for register in entry.instruction.destinations where isLive.insert(register).inserted {
                live += bytes(register)
            }
            peak = max(peak, live)
            for register in released(after: entry.instruction, at: entry.index) where isLive.remove(register) != nil {
                live -= bytes(register)
            }
        }
        return peak
    }
}
