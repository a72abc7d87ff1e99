// A player's own inputs and outputs: checked before anything is sent, decoded when received.

import TFEBytecode
import TFECore
import TFENumPy

/// One input of this player, checked against its declaration: the plaintext and its ring encoding.
struct ValidatedInput {
    let declaration: IODeclaration
    let plain: [Double]
    let encoded: [UInt64]
}

extension Machine {
    // MARK: - Inputs

    /// Checks one party's inputs against the program without a transport, before connecting to anyone: every
    /// input the program declares for `party` is given, with its declared shape, finite and inside the
    /// fixed-point range (or integral, for `int`), and nothing else is given. A `Machine` runs the same check
    /// when it starts.
    public static func checkInputs(
        _ inputs: [String: NPYArray], of party: PlayerID, in program: Program
    ) throws(MachineError) {
        _ = try validatedInputs(inputs, of: party, in: program)
    }

    /// `checkInputs` for this machine's own inputs, keeping what it encoded.
    func validateInputs() throws(MachineError) -> [String: ValidatedInput] {
        try Self.validatedInputs(configuration.inputs, of: me, in: program)
    }

    /// Checks every input the program declares for `party`, and that it was given nothing else: the name,
    /// shape, finiteness and range (or integrality for `int`), before the first frame goes out.
    private static func validatedInputs(
        _ given: [String: NPYArray], of party: PlayerID, in program: Program
    ) throws(MachineError) -> [String: ValidatedInput] {
        try checkProgram(program, party: party)
        let player = name(of: party, in: program)
        let fixedPoint = FixedPoint(fractionalBits: program.fractionalBits)
        var validated: [String: ValidatedInput] = [:]
        for declaration in program.inputs where declaration.player == party && validated[declaration.name] == nil {
            let inputName = declaration.name
            guard let array = given[inputName] else {
                throw .missingInput(player: player, name: inputName)
            }
            guard array.shape == declaration.shape.dimensions else {
                throw .inputShape(player: player, name: inputName, expected: declaration.shape, found: array.shape)
            }
            switch declaration.element {
            case .fixed:
                let plain = array.asDoubles()
                let (limit, scale) = (fixedPoint.inputLimit, fixedPoint.scale)
                // One pass that checks and encodes, into an array it need not zero first; the first value outside
                // the range (NaN and infinities included) stops it, and the checks below say which error it is.
                var checked = plain.count
                let encoded = [UInt64](unsafeUninitializedCapacity: plain.count) { encoded, initialized in
                    plain.withUnsafeBufferPointer { values in
                        for index in values.indices {
                            let value = values[index]
                            guard abs(value) < limit else {
                                checked = index
                                break
                            }
                            encoded[index] = UInt64(bitPattern: Int64((value * scale).rounded()))
                        }
                    }
                    initialized = checked
                }
                if checked < plain.count {
                    guard plain[checked].isFinite else {
                        throw .inputNotFinite(player: player, name: inputName, index: checked)
                    }
                    throw .inputOutOfRange(player: player, name: inputName, index: checked, limit: limit)
                }
                validated[inputName] = ValidatedInput(declaration: declaration, plain: plain, encoded: encoded)
            case .int:
                let integers = try Self.integers(array, player: player, name: inputName)
                validated[inputName] = ValidatedInput(
                    declaration: declaration, plain: integers.map(Double.init),
                    encoded: integers.map { UInt64(bitPattern: $0) })
            }
        }
        for inputName in given.keys.sorted() where validated[inputName] == nil {
            throw .unexpectedInput(player: player, name: inputName)
        }
        return validated
    }

    /// An `int` input's values: integer arrays as they are (exactly, even beyond 2^53), floating-point
    /// arrays only when every value is a whole number in the 64-bit range.
    private static func integers(_ array: NPYArray, player: String, name: String) throws(MachineError) -> [Int64] {
        if array.dtype.isIntegral {
            do {
                return try array.asInt64s()
            } catch {
                if case .valueOutOfRange(let index, _) = error {
                    throw .inputNotIntegral(player: player, name: name, index: index)
                }
                throw .inputNotIntegral(player: player, name: name, index: 0)
            }
        }
        var integers: [Int64] = []
        for (index, value) in array.asDoubles().enumerated() {
            guard value.isFinite else { throw .inputNotFinite(player: player, name: name, index: index) }
            guard let integer = Int64(exactly: value) else {
                throw .inputNotIntegral(player: player, name: name, index: index)
            }
            integers.append(integer)
        }
        return integers
    }

    /// The validated input an `input` instruction reads, after checking that its register matches the
    /// declaration.
    func input(_ inputName: String, for dst: Register, index: Int) throws(MachineError) -> ValidatedInput {
        guard let input = inputs[inputName] else {
            throw .invalidProgram(instruction: index, reason: "reads input '\(inputName)', which is not declared")
        }
        let info = program.info(dst)
        guard info.shape == input.declaration.shape, info.element == input.declaration.element else {
            throw .invalidProgram(
                instruction: index,
                reason: "\(dst) is \(info.element.rawValue)\(info.shape), input '\(inputName)' is declared "
                    + "\(input.declaration.element.rawValue)\(input.declaration.shape)")
        }
        return input
    }

    /// `l0 = input @p "x"`: the player keeps its own plaintext.
    mutating func executeLocalInput(_ dst: Register, player: PlayerID, name inputName: String, index: Int)
        throws(MachineError)
    {
        guard case .local(let register) = dst else {
            throw .invalidProgram(instruction: index, reason: "an input into \(dst) must be sent to the servers")
        }
        try store(input(inputName, for: dst, index: index).plain, into: register, at: index)
    }

    // MARK: - Outputs

    /// `output @p "y" l0`: the player's own local value becomes an output.
    mutating func executeLocalOutput(_ outputName: String, _ src: Register, index: Int) throws(MachineError) {
        guard case .local(let register) = src else {
            throw .invalidProgram(instruction: index, reason: "an output of \(src) must come from the servers")
        }
        let values = try local(register, at: index)
        let value: OutputValue
        switch element(src) {
        case .fixed:
            value = OutputValue(shape: program.info(src).shape, values: .fixed(values))
        case .int:
            var integers: [Int64] = []
            integers.reserveCapacity(values.count)
            for (position, number) in values.enumerated() {
                guard let integer = Int64(exactly: number.rounded()) else {
                    throw .valueOutOfRange(
                        instruction: index,
                        reason: "element \(position) of int output '\(outputName)' is not a 64-bit integer")
                }
                integers.append(integer)
            }
            value = OutputValue(shape: program.info(src).shape, values: .int(integers))
        }
        result.outputs[outputName] = value
    }

    /// An output received as ring values, decoded by its element type.
    func outputValue(_ ring: [UInt64], element: ElementType, shape: Shape) -> OutputValue {
        switch element {
        case .fixed: return OutputValue(shape: shape, values: .fixed(fixedPoint.decode(ring, as: .fixed)))
        case .int: return OutputValue(shape: shape, values: .int(ring.map { Int64(bitPattern: $0) }))
        }
    }
}
