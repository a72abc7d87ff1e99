import TFECore

/// The text form of programs, as `tfec compile --emit asm`, `tfe-vm dis` and `--dump-after` print it:
///
///     ; tfe asm 4 (mnist.tfe) protocol pond, frac 16
///     ; players: server0 server1 server2 model_owner client
///     ; s0: fixed[100, 784]
///     ; p0: fixed[]
///     ; l0: local(client) int[100]
///     ; #0 = 0.5
///     ; #1 = [1, 2, 3, 4, ...] (784 values)
///     ; input @client "x" private fixed[100, 784]
///     ; output @client "logits" private fixed[100, 10]
///     offline round 0:
///       0000  s1, s2, s3 = triple matmul                        ; mnist.tfe:15:15
///     round 0:
///       0001  s0 = input @client "x"                            ; mnist.tfe:13:6
///
/// Instructions are numbered by their index in the location table (offline first). Operands are printed by
/// walking `opcode.operands`: registers as `s3`/`p1`/`l0` (consecutive ones joined by commas), players as
/// `@name`, strings quoted, constants as `#2`, named selectors (map function, comparison, reduction, triple
/// kind) right after the mnemonic, and other integers and selectors as `name=value`. A location whose line
/// is 0 (compiler-made code with no source position) prints no comment. The printer never traps, even on a
/// program the verifier would reject.
extension Program {
    /// The column at which the source location comment starts.
    public static let asmCommentColumn = 56

    public var asm: String {
        var out = ""
        out +=
            "; tfe asm \(Program.formatVersion) (\(name)) protocol \(protocolKind.rawValue), frac \(fractionalBits)\n"
        out += "; players: " + players.joined(separator: " ") + "\n"
        for (prefix, table) in [("; s", privateRegisters), ("; p", publicRegisters), ("; l", localRegisters)] {
            for (index, info) in table.enumerated() {
                out += prefix
                out += String(index)
                out += ": "
                if let owner = info.owner {
                    out += "local("
                    out += playerName(owner)
                    out += ") "
                }
                out += info.element.rawValue
                Program.appendShape(info.shape, to: &out)
                out += "\n"
            }
        }
        for (index, values) in constants.enumerated() {
            out += "; #"
            out += String(index)
            out += " = "
            out += Program.asmConstant(values)
            out += "\n"
        }
        for (direction, table) in [("; input @", inputs), ("; output @", outputs)] {
            for entry in table {
                out += direction + playerName(entry.player) + " " + Program.asmString(entry.name) + " "
                out += asmDisclosure(entry.disclosure) + " " + entry.element.rawValue
                Program.appendShape(entry.shape, to: &out)
                out += "\n"
            }
        }
        // What the servers keep from earlier runs and for later ones (`load`, `store`; `rload`, `rstore`).
        for entry in allInstructions {
            let (direction, name, mask): (String, String, PrivateRegister)
            if entry.instruction.opcode == .load {
                let (register, stored) = (entry.instruction.privateRegister(0), entry.instruction.string(2))
                (direction, name, mask) = ("; load ", stored, register)
            } else if entry.instruction.opcode == .store {
                let (stored, register) = (entry.instruction.string(0), entry.instruction.privateRegister(1))
                (direction, name, mask) = ("; store ", stored, register)
            } else if entry.instruction.opcode == .replicatedLoad {
                let (register, stored) = (entry.instruction.privateRegister(0), entry.instruction.string(1))
                (direction, name, mask) = ("; load ", stored, register)
            } else if entry.instruction.opcode == .replicatedStore {
                let (stored, register) = (entry.instruction.string(0), entry.instruction.privateRegister(1))
                (direction, name, mask) = ("; store ", stored, register)
            } else {
                continue
            }
            let info = privateRegisters[mask.rawValue]
            out += direction + Program.asmString(name) + " private " + info.element.rawValue
            Program.appendShape(info.shape, to: &out)
            out += "\n"
        }
        var index = 0
        for (header, rounds) in [("offline round ", offline), ("round ", online)] {
            for (number, round) in rounds.enumerated() {
                out += header + String(number) + ":\n"
                for instruction in round.instructions {
                    var line = "  " + Program.asmIndex(index) + "  " + asm(of: instruction)
                    if index < locations.count, locations[index].line > 0 {
                        let padding = max(1, Program.asmCommentColumn - line.unicodeScalars.count)
                        let location = locations[index]
                        line +=
                            String(repeating: " ", count: padding) + "; \(name):\(location.line):\(location.column)"
                    }
                    out += line
                    out += "\n"
                    index += 1
                }
            }
        }
        return out
    }

    /// `[100, 784]`, without building an array of strings.
    private static func appendShape(_ shape: Shape, to out: inout String) {
        out += "["
        for (position, dimension) in shape.dimensions.enumerated() {
            if position > 0 { out += ", " }
            out += String(dimension)
        }
        out += "]"
    }

    /// One instruction without index or location: `s2 = mul p0, s1`. Walks the opcode's slots in the table:
    /// destinations before `=`, selectors spelled `afterMnemonic` next, then the other operands in order.
    public func asm(of instruction: Instruction) -> String {
        let slots = instruction.opcode.spec.operands
        let values = instruction.operands
        var destinations: [String] = []
        var words: [String] = [instruction.opcode.mnemonic]
        for (slot, value) in zip(slots, values) where slot.spelling == .afterMnemonic {
            if case .selector(let code) = value { words.append(Program.asmSelector(code, slot)) }
        }
        var registerRun: [String] = []
        func flushRun() {
            if !registerRun.isEmpty { words.append(registerRun.joined(separator: ", ")) }
            registerRun = []
        }
        for (slot, value) in zip(slots, values) {
            switch (slot.kind, value) {
            case (.destination, .register(let register)):
                destinations.append(register.description)
            case (.source, .register(let register)):
                registerRun.append(register.description)
            case (.sources, .registers(let registers)):
                registerRun.append(contentsOf: registers.map(\.description))
            default:
                flushRun()
                if let word = asmOperand(value, slot, of: values) { words.append(word) }
            }
        }
        flushRun()
        let body = words.joined(separator: " ")
        return destinations.isEmpty ? body : destinations.joined(separator: ", ") + " = " + body
    }

    // MARK: - Operands

    /// A non-register operand as its slot spells it, or nil when it is printed elsewhere (selectors after the
    /// mnemonic) or not at all (the unused stride and padding of a mul or matmul triple).
    private func asmOperand(_ value: OperandValue, _ slot: OperandSlot, of values: [OperandValue]) -> String? {
        if slot.spelling == .afterMnemonic { return nil }
        if let shown = slot.shownWhen {
            guard shown.slot < values.count, values[shown.slot] == .selector(shown.code) else { return nil }
        }
        let word: String
        switch value {
        case .register(let register): word = register.description
        case .registers(let registers): word = registers.map(\.description).joined(separator: ", ")
        case .player(let player): word = "@" + playerName(player)
        case .string(let text): word = Program.asmString(text)
        case .constant(let index): word = "#\(index)"
        case .integers(let list): word = "[" + list.map(String.init).joined(separator: ", ") + "]"
        case .integer(let number): word = slot.spelling == .axis && number == -1 ? "all" : String(number)
        case .selector(let code): word = Program.asmSelector(code, slot)
        }
        switch slot.spelling {
        case .plain, .afterMnemonic: return word
        case .keyword(let keyword): return keyword + "=" + word
        case .axis: return "axis=" + word
        }
    }

    /// A selector's name in its enum's table (`sigmoid`, `SAME`), or its number when the code is unknown.
    private static func asmSelector(_ code: UInt8, _ slot: OperandSlot) -> String {
        let names = slot.selector?.names ?? []
        return Int(code) < names.count ? names[Int(code)] : String(code)
    }

    /// `client`, or `player#7` for an index outside the player table.
    func playerName(_ player: PlayerID) -> String {
        player.rawValue >= 0 && player.rawValue < players.count
            ? players[player.rawValue] : "player#\(player.rawValue)"
    }

    private func asmDisclosure(_ disclosure: IODeclaration.Disclosure) -> String {
        switch disclosure {
        case .private: return "private"
        case .public: return "public"
        case .local: return "local"
        }
    }

    /// `0007`: at least four digits.
    public static func asmIndex(_ index: Int) -> String {
        let digits = String(index)
        return digits.count >= 4 ? digits : String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// A double-quoted string with `"`, `\` and control characters escaped.
    static func asmString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `0.5`; `[1, 2, 3]`; `[1, 2, 3, 4, ...] (784 values)`.
    static func asmConstant(_ values: [Double]) -> String {
        if values.count == 1 { return asmNumber(values[0]) }
        let shown = values.prefix(4).map(asmNumber).joined(separator: ", ")
        if values.count <= 4 { return "[" + shown + "]" }
        return "[" + shown + ", ...] (\(values.count) values)"
    }

    /// Integral values without a fraction (`65536`), others in Swift's shortest round-trip form.
    static func asmNumber(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            return value == 0 && value.sign == .minus ? "-0" : String(Int64(value))
        }
        return value.description
    }
}
