import TFECore

// The checks of `Verifier` over the program's header and tables (players, registers, constants, the I/O tables,
// locations), which run before any instruction is looked at.
extension Verifier {
    mutating func checkHeader() {
        if !FractionalBits.range.contains(program.fractionalBits) {
            report(.fractionalBits, "fractional bits \(program.fractionalBits) outside \(FractionalBits.range)")
        }
        let players = program.players
        if players.count < 3 || Array(players.prefix(3)) != PlayerID.serverNames {
            report(.playerTable, "the player table must start with server0, server1, server2")
        }
        var seen: Set<String> = []
        for name in players {
            if name.isEmpty { report(.playerTable, "a player has an empty name") }
            if !seen.insert(name).inserted { report(.playerTable, "player '\(name)' appears twice") }
        }
    }

    func shapeProblem(_ shape: Shape) -> String? {
        for dimension in shape.dimensions where dimension < 0 || dimension > Shape.maxElementCount {
            return "shape \(shape) has dimension \(dimension) outside 0...\(Shape.maxElementCount)"
        }
        if shape.elementCount == nil { return "shape \(shape) has more than \(Shape.maxElementCount) elements" }
        return nil
    }

    func playerInRange(_ player: PlayerID) -> Bool {
        player.rawValue >= 0 && player.rawValue < program.players.count
    }

    mutating func checkRegisterTables() {
        let tables: [(String, [RegisterInfo], (Int) -> Register, WritableKeyPath<Verifier, [Int32]>)] = [
            ("s", program.privateRegisters, { .private(PrivateRegister($0)) }, \.privateShapes),
            ("p", program.publicRegisters, { .public(PublicRegister($0)) }, \.publicShapes),
            ("l", program.localRegisters, { .local(LocalRegister($0)) }, \.localShapes),
        ]
        // Registers of a lowered program mostly share a few shapes (usually the same storage, which compares
        // equal at once): the last few found are tried before the table of every shape seen, and a shape is
        // checked only when it is first seen. This runs once per register, millions of times, so the table
        // and the recent shapes are read in place (a copy of a shape retains its storage, and releases it).
        var positions: [Shape: Int32] = [:]
        let recentCount = 4
        var recent = [Shape](repeating: .scalar, count: recentCount)
        var recentPositions = [Int32](repeating: -1, count: recentCount)
        var nextRecent = 0
        var problems: [String?] = []
        func position(of shape: Shape) -> Int32 {
            for slot in 0..<recentCount where recentPositions[slot] >= 0 && recent[slot] == shape {
                return recentPositions[slot]
            }
            let found: Int32
            if let known = positions[shape] {
                found = known
            } else {
                found = Int32(shapes.count)
                positions[shape] = found
                shapes.append(shape)
                scalarShapes.append(shape.rank == 0)
                problems.append(shapeProblem(shape))
            }
            recent[nextRecent] = shape
            recentPositions[nextRecent] = found
            nextRecent = (nextRecent + 1) % recentCount
            return found
        }
        for (prefix, table, make, positionsByRegister) in tables {
            let isLocal = prefix == "l"
            var shapePositions: [Int32] = []
            shapePositions.reserveCapacity(table.count)
            table.withUnsafeBufferPointer { infos in
                for index in infos.indices {
                    let shape = position(of: infos[index].shape)
                    shapePositions.append(shape)
                    var problem = problems[Int(shape)]
                    if isLocal {
                        if let owner = infos[index].owner {
                            if !playerInRange(owner) { problem = "owner \(owner.rawValue) is not a player" }
                        } else {
                            problem = "a local register needs an owner"
                        }
                    } else if infos[index].owner != nil {
                        problem = "only local registers have an owner"
                    }
                    if let problem {
                        report(.registerTable, "register '\(prefix)\(index)': \(problem)")
                        brokenRegisters.insert(make(index))
                    }
                }
            }
            self[keyPath: positionsByRegister] = shapePositions
        }
    }

    mutating func checkConstants() {
        for (index, values) in program.constants.enumerated() {
            if let bad = values.first(where: { !$0.isFinite }) {
                report(.constantValue, "constant #\(index) holds \(bad)")
            }
        }
    }

    mutating func checkIOTables() {
        for (direction, table) in [("input", program.inputs), ("output", program.outputs)] {
            var index: [IOKey: Int] = [:]
            for (position, entry) in table.enumerated() {
                guard playerInRange(entry.player) else {
                    report(
                        .indexOutOfRange,
                        "\(direction) '\(entry.name)' belongs to player \(entry.player.rawValue), "
                            + "not in the player table")
                    // Not indexed, so no instruction can use it; do not also call it unused.
                    if direction == "input" { inputUsers[position] = -1 } else { outputUsers[position] = -1 }
                    continue
                }
                let who = program.playerName(entry.player)
                if let problem = shapeProblem(entry.shape) {
                    report(.ioTable, "\(direction) @\(who) '\(entry.name)': \(problem)")
                }
                if entry.name.isEmpty { report(.ioTable, "\(direction) of @\(who) has an empty name") }
                let key = IOKey(player: entry.player.rawValue, name: entry.name)
                if index[key] != nil {
                    report(.duplicateName, "player '\(who)' has two \(direction)s named '\(entry.name)'")
                    if direction == "input" { inputUsers[position] = -1 } else { outputUsers[position] = -1 }
                } else {
                    index[key] = position
                }
            }
            if direction == "input" { inputIndex = index } else { outputIndex = index }
        }
    }

    mutating func checkLocations() {
        let count = program.instructionCount
        if program.locations.count != count {
            report(
                .locationTable, "the location table has \(program.locations.count) entries for \(count) instructions")
        }
        if let bad = program.locations.firstIndex(where: { $0.line < 0 || $0.column < 0 }) {
            report(.locationTable, "location \(bad) has a negative line or column")
        }
    }
}
