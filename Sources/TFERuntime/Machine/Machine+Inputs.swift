// A player's own inputs and outputs: checked before anything is sent, decoded when received.

import TFEBytecode
import TFECore
import TFENumPy

/// One input of this player, checked against its declaration. The values stay as the file gave them and are
/// encoded as they are sent (`encode(_:into:)`), a chunk at a time: a layer's weights cost no second and third
/// copy (as float64 and as ring elements) before the first frame goes out.
struct ValidatedInput {
    /// The checked values: a `fixed` input's as floating point, an `int` input's already encoded.
    enum Values {
        case float32([Float])
        /// float64 values, as given or converted from an integer array.
        case float64([Double])
        /// The ring encoding and the plaintext of an `int` input.
        case encoded([UInt64], plain: [Double])
    }

    let declaration: IODeclaration
    let values: Values
    /// 2^frac, the scale of the fixed-point encoding.
    let scale: Double

    var count: Int {
        switch values {
        case .float32(let values): values.count
        case .float64(let values): values.count
        case .encoded(let encoded, _): encoded.count
        }
    }

    /// The plaintext as float64, for an input that stays local.
    var plain: [Double] {
        switch values {
        case .float32(let values): values.map(Double.init)
        case .float64(let values): values
        case .encoded(_, let plain): plain
        }
    }

    /// The whole ring encoding.
    var encoded: [UInt64] {
        if case .encoded(let encoded, _) = values { return encoded }
        return [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            encode(0, into: buffer)
            initialized = buffer.count
        }
    }

    /// Writes the ring encoding of the elements from `start` on into `target`, one per slot.
    func encode(_ start: Int, into target: UnsafeMutableBufferPointer<UInt64>) {
        switch values {
        case .float32(let values):
            values.withUnsafeBufferPointer { values in
                for i in target.indices { target[i] = Self.encode(Double(values[start + i]), scale: scale) }
            }
        case .float64(let values):
            values.withUnsafeBufferPointer { values in
                for i in target.indices { target[i] = Self.encode(values[start + i], scale: scale) }
            }
        case .encoded(let encoded, _):
            encoded.withUnsafeBufferPointer { encoded in
                for i in target.indices { target[i] = encoded[start + i] }
            }
        }
    }

    /// The two's-complement fixed-point encoding of a value inside the input range: `value · scale` rounded to
    /// the nearest integer, halves away from zero (as `rounded()`), without a call into the C library per
    /// element and without a branch on the value. Truncating to `Int64` is exact for the whole part, and the
    /// fraction left, `scaled - whole`, is exact too (below 2^52 in magnitude it is the scaled value's own low
    /// bits; above, it is zero); twice the fraction, truncated, is 1 from a half up, −1 from a half down, else 0.
    @inline(__always)
    static func encode(_ value: Double, scale: Double) -> UInt64 {
        let scaled = value * scale
        let whole = Int64(scaled)
        let fraction = scaled - Double(whole)
        return UInt64(bitPattern: whole &+ Int64(fraction + fraction))
    }

    /// The index of the first value outside the input range (NaN and infinities included), nil when none is.
    static func firstOutOfRange<T: BinaryFloatingPoint>(_ values: [T], limit: Double) -> Int? {
        values.withUnsafeBufferPointer { values in
            for index in values.indices where !(abs(Double(values[index])) < limit) { return index }
            return nil
        }
    }
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
                let (limit, scale) = (fixedPoint.inputLimit, fixedPoint.scale)
                // Floating-point values are checked here and encoded when sent; others are converted once.
                let values: ValidatedInput.Values
                let outside: (index: Int, value: Double)?
                switch array.storage {
                case .float32(let floats):
                    values = .float32(floats)
                    outside = ValidatedInput.firstOutOfRange(floats, limit: limit).map { ($0, Double(floats[$0])) }
                case .float64(let doubles):
                    values = .float64(doubles)
                    outside = ValidatedInput.firstOutOfRange(doubles, limit: limit).map { ($0, doubles[$0]) }
                default:
                    let plain = array.asDoubles()
                    values = .float64(plain)
                    outside = ValidatedInput.firstOutOfRange(plain, limit: limit).map { ($0, plain[$0]) }
                }
                if let (index, value) = outside {
                    guard value.isFinite else { throw .inputNotFinite(player: player, name: inputName, index: index) }
                    throw .inputOutOfRange(player: player, name: inputName, index: index, limit: limit)
                }
                validated[inputName] = ValidatedInput(declaration: declaration, values: values, scale: scale)
            case .int:
                let integers = try Self.integers(array, player: player, name: inputName)
                validated[inputName] = ValidatedInput(
                    declaration: declaration,
                    values: .encoded(integers.map { UInt64(bitPattern: $0) }, plain: integers.map(Double.init)),
                    scale: fixedPoint.scale)
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
