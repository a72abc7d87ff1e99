import TFECore

/// An operand's value, as the generic encoder, decoder, verifier and printer see it.
public enum OperandValue: Hashable, Sendable {
    case register(Register)
    case registers([Register])
    case player(PlayerID)
    case string(String)
    case constant(Int)
    case integer(Int)
    case integers([Int])
    case selector(UInt8)
}

extension Instruction {
    /// The operand values in `opcode.operands` order.
    public var operands: [OperandValue] {
        var values: [OperandValue] = []
        values.reserveCapacity(Instruction.maxSlots)
        forEachOperand { values.append($0) }
        return values
    }

    /// Calls `body` with each operand value in `opcode.operands` order, read slot by slot as the table says.
    public func forEachOperand(_ body: (OperandValue) -> Void) {
        let raw = Int(opcode.rawValue)
        let slots = OpcodeTable.slots + raw * Instruction.maxSlots
        for slot in 0..<OpcodeTable.slotCounts[raw] {
            switch slots[slot].kind {
            case .destination, .source: body(.register(register(slot)))
            case .sources: body(.registers(registers(slot)))
            case .player: body(.player(player(slot)))
            case .string: body(.string(string(slot)))
            case .constant: body(.constant(constant(slot)))
            case .integer: body(.integer(integer(slot)))
            case .integers: body(.integers(integers(slot)))
            case .selector: body(.selector(selector(slot)))
            }
        }
    }

    /// Calls `body` with each register operand and whether the instruction writes it (a `destination`) or
    /// reads it (a `source` or one of `sources`), in operand order. Round batching and the verifier call it
    /// for every instruction several times; it reads the words without building an `OperandValue`.
    @inlinable
    public func forEachRegister(_ body: (_ isDestination: Bool, _ register: Register) -> Void) {
        let raw = Int(opcode.rawValue)
        let slots = OpcodeTable.slots + raw * Instruction.maxSlots
        for slot in 0..<OpcodeTable.slotCounts[raw] {
            switch slots[slot].kind {
            case .destination: body(true, Register(word: words[slot]))
            case .source: body(false, Register(word: words[slot]))
            case .sources: for register in registers(slot) { body(false, register) }
            case .player, .string, .constant, .integer, .integers, .selector: break
            }
        }
    }

    /// Calls `body` with each register written, in operand order (`destinations` without the array).
    public func forEachDestination(_ body: (Register) -> Void) {
        forEachRegister { isDestination, register in if isDestination { body(register) } }
    }

    /// Calls `body` with each register read, in operand order (`sources` without the array).
    public func forEachSource(_ body: (Register) -> Void) {
        forEachRegister { isDestination, register in if !isDestination { body(register) } }
    }

    /// Why operand values do not fit an opcode's slots in the table (their count, kinds, register kinds and
    /// selector codes), or nil when they do. The decoder reports it; `init(opcode:operands:)` refuses them.
    public static func mismatch(opcode: Opcode, operands values: [OperandValue]) -> String? {
        let slots = opcode.spec.operands
        if opcode == .invalid { return "'invalid' is no instruction" }
        guard values.count == slots.count else { return "it takes \(slots.count) operands, not \(values.count)" }
        for (position, (slot, value)) in zip(slots, values).enumerated() {
            let label = "operand \(position + 1) ('\(slot.name)')"
            switch (slot.kind, value) {
            case (.destination, .register(let register)), (.source, .register(let register)):
                if !slot.registers.accepts(register) { return "\(label) must be \(slot.registers.described)" }
            case (.selector, .selector(let code)):
                if let selector = slot.selector, Int(code) >= selector.names.count {
                    return "\(label) has no meaning \(code)"
                }
            case (.sources, .registers), (.player, .player), (.string, .string), (.constant, .constant),
                (.integer, .integer), (.integers, .integers):
                break
            case (.destination, _), (.source, _), (.sources, _), (.player, _), (.string, _), (.constant, _),
                (.integer, _), (.integers, _), (.selector, _):
                return "\(label) is not of kind '\(slot.kind)'"
            }
        }
        return nil
    }

    /// Rebuilds an instruction from its operands; nil when they do not fit the opcode's slots (`mismatch`), or
    /// a slot shown only for some selector code (a triple's stride and padding, for a convolution) is not zero
    /// otherwise (its canonical encoding).
    public init?(opcode: Opcode, operands values: [OperandValue]) {
        guard Instruction.mismatch(opcode: opcode, operands: values) == nil else { return nil }
        var builder = Builder(opcode)
        for value in values {
            switch value {
            case .register(let register):
                guard register.index >= 0, register.index <= Register.maxIndex else { return nil }
                builder.register(register)
            case .registers(let list): builder.registers(list)
            case .player(let player):
                guard player.rawValue >= 0, player.rawValue <= Int(UInt32.max) else { return nil }
                builder.player(player)
            case .string(let text): builder.string(text)
            case .constant(let index):
                guard index >= 0, index <= Int(UInt32.max) else { return nil }
                builder.integer(index)
            case .integer(let value): builder.integer(value)
            case .integers(let list): builder.integers(list)
            case .selector(let code): builder.selector(code)
            }
        }
        let slots = opcode.spec.operands
        for (slot, operand) in slots.enumerated() {
            guard let shown = operand.shownWhen, builder.words[shown.slot] != UInt32(shown.code) else { continue }
            if builder.words[slot] != 0 { return nil }
        }
        self = builder.finish()
    }

    // MARK: - Reading slots

    /// The register in a register slot.
    @inlinable
    public func register(_ slot: Int) -> Register { Register(word: words[slot]) }

    /// The register in a slot the table declares private.
    @inlinable
    public func privateRegister(_ slot: Int) -> PrivateRegister {
        guard case .private(let register) = register(slot) else { wrongKind(slot, "a private register") }
        return register
    }

    /// The register in a slot the table declares public.
    @inlinable
    public func publicRegister(_ slot: Int) -> PublicRegister {
        guard case .public(let register) = register(slot) else { wrongKind(slot, "a public register") }
        return register
    }

    /// The register in a slot the table declares local.
    @inlinable
    public func localRegister(_ slot: Int) -> LocalRegister {
        guard case .local(let register) = register(slot) else { wrongKind(slot, "a local register") }
        return register
    }

    /// The players index in a player slot.
    @inlinable
    public func player(_ slot: Int) -> PlayerID { PlayerID(Int(words[slot])) }

    /// A constant slot's index in the constant pool.
    @inlinable
    public func constant(_ slot: Int) -> Int { Int(words[slot]) }

    /// An integer slot's value.
    @inlinable
    public func integer(_ slot: Int) -> Int {
        let word = words[slot]
        if word & Instruction.largeIntegerFlag == 0 { return Int(Int32(bitPattern: word << 1) >> 1) }
        guard case .integer(let value) = extras[Int(word & ~Instruction.largeIntegerFlag)] else {
            wrongKind(slot, "an integer")
        }
        return value
    }

    /// An `axis` slot: -1 (every axis) is nil.
    @inlinable
    public func axis(_ slot: Int) -> Int? {
        let value = integer(slot)
        return value == -1 ? nil : value
    }

    /// A selector slot's code.
    @inlinable
    public func selector(_ slot: Int) -> UInt8 { UInt8(truncatingIfNeeded: words[slot]) }

    /// A selector slot as its enum (the table's `SelectorKind` for the slot says which; codes were checked).
    @inlinable
    public func selector<Value: RawRepresentable>(_ slot: Int, as: Value.Type) -> Value where Value.RawValue == UInt8 {
        guard let value = Value(rawValue: selector(slot)) else { wrongKind(slot, "a \(Value.self) code") }
        return value
    }

    /// A padding selector slot.
    @inlinable
    public func padding(_ slot: Int) -> Padding {
        guard let padding = Padding(code: selector(slot)) else { wrongKind(slot, "a padding code") }
        return padding
    }

    /// A `TripleKind` in three slots from `slot`: the kind, then a convolution's stride and padding.
    @inlinable
    public func tripleKind(_ slot: Int) -> TripleKind {
        switch selector(slot, as: TripleKind.Code.self) {
        case .mul: return .mul
        case .matmul: return .matmul
        case .conv2d: return .conv2d(stride: integer(slot + 1), padding: padding(slot + 2))
        }
    }

    @inlinable
    public func string(_ slot: Int) -> String {
        guard case .string(let text) = extras[Int(words[slot])] else { wrongKind(slot, "a string") }
        return text
    }

    @inlinable
    public func integers(_ slot: Int) -> [Int] {
        guard case .integers(let list) = extras[Int(words[slot])] else { wrongKind(slot, "a list of integers") }
        return list
    }

    /// A `sources` slot's registers.
    @inlinable
    public func registers(_ slot: Int) -> [Register] {
        guard case .registers(let list) = extras[Int(words[slot])] else { wrongKind(slot, "a list of registers") }
        return list
    }

    /// Stops on a read that does not match the table: a bug in the reader, never a user's mistake.
    @usableFromInline
    func wrongKind(_ slot: Int, _ expected: String) -> Never {
        let slots = opcode.spec.operands
        let name = slot < slots.count ? "'\(slots[slot].name)'" : "(none)"
        preconditionFailure("instruction '\(opcode.mnemonic)' slot \(slot) \(name) does not hold \(expected)")
    }
}
