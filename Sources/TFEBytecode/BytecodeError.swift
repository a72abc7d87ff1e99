/// A problem with a bytecode file (found by the decoder, with the byte offset) or with a program (found by
/// the `Verifier`, with the instruction's index in the location table).
///
/// Tests match `kind`; only goldens compare the wording of `description`.
public struct BytecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong: one case per decoder check and per verifier rule.
    public enum Kind: Hashable, Sendable {
        // MARK: - Decoder
        /// The file does not start with `TFEB`.
        case badMagic
        /// A format version this reader does not know.
        case unsupportedVersion
        /// The stored content hash differs from the hash of the content.
        case hashMismatch
        /// The file or a section ends inside a value.
        case truncated
        /// A section tag out of order, or a section with bytes left over, or bytes after the last section.
        case badSection
        /// A count larger than the bytes that remain could hold.
        case countTooLarge
        /// A varint that is overlong or does not fit, or an index outside its table.
        case valueOutOfRange
        /// An enum byte (element type, protocol, register kind, disclosure) with no meaning.
        case unknownEnumValue
        /// A string that is not UTF-8.
        case invalidUTF8
        /// An opcode byte with no instruction (including 0, `invalid`).
        case unknownOpcode
        /// Operands that do not fit the opcode, or a non-canonical encoding of them.
        case invalidOperands

        // MARK: - Verifier: tables
        /// Fractional bits outside `FractionalBits.range`.
        case fractionalBits
        /// The player table does not start with server0, server1, server2, or has empty or repeated names.
        case playerTable
        /// A register's shape has a negative or too large dimension, or a local register has no owner.
        case registerTable
        /// A constant that is NaN or infinite, or that does not fit the destination's encoding.
        case constantValue
        /// The location table does not have one entry per instruction.
        case locationTable

        // MARK: - Verifier: instructions
        /// A register, player or constant index outside its table.
        case indexOutOfRange
        /// A register written by two instructions.
        case writtenTwice
        /// A register never written.
        case neverWritten
        /// A register read before the instruction writing it runs.
        case readBeforeWrite
        /// A register read in the round in which a communicating instruction writes it.
        case readInSameRound
        /// Register kinds that the opcode does not accept (too many private operands, mixed owners, ...).
        case registerKind
        /// Operand shapes that do not fit the opcode.
        case shape
        /// An integer operand out of range (stride, axis, window size, permutation, format placeholders).
        case operandValue
        /// A constant pool entry whose size is neither 1 nor the destination's element count.
        case constantSize
        /// A preprocessing instruction in an online round or another instruction in an offline round.
        case phase
        /// An input or output that the I/O tables do not declare as the instruction uses it, or a declaration
        /// that no instruction uses.
        case ioTable
        /// Two inputs (or two outputs) of one player with the same name.
        case duplicateName
        /// An output or reveal to server0, server1 or server2: a server would learn a value in the clear.
        case outputToServer
    }

    public var kind: Kind
    /// What is wrong, without the position.
    public var message: String
    /// The byte offset in the file, for decoder errors that have one.
    public var offset: Int?
    /// The instruction's index in the location table, for verifier errors about one instruction.
    public var instruction: Int?

    public init(_ kind: Kind, _ message: String, offset: Int? = nil, instruction: Int? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.instruction = instruction
    }

    /// `truncated code section at offset 0x1c4`, `instruction 0003 (s2 = mul s0, s1): ...`.
    public var description: String {
        var text = message
        if let offset { text += " at offset 0x" + String(offset, radix: 16) }
        return text
    }
}
