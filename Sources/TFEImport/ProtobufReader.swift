/// A bounds-checked reader of the protocol buffer wire format, enough for ONNX (and TensorFlow's GraphDef):
/// varints, 32- and 64-bit fixed values, length-delimited fields and packed repeated scalars. Every length is
/// checked against the bytes that remain, so a truncated or mutated file is an `ImportError`, never a crash.
struct ProtobufReader {
    /// One field of a message: its number and its value as the wire carries it.
    struct Field {
        var number: Int
        var value: Value
        /// Where the field starts, for messages.
        var offset: Int
    }

    /// A field's value before its schema gives it a meaning.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        /// A length-delimited value: a string, bytes, a nested message or a packed array.
        case bytes(Range<Int>)
    }

    let bytes: [UInt8]
    private var position: Int
    private let end: Int

    /// A reader of the message in `range` of `bytes` (the whole of `bytes` by default).
    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        self.position = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
    }

    /// Every field of the message, in order.
    static func fields(of bytes: [UInt8], in range: Range<Int>? = nil) throws(ImportError) -> [Field] {
        var reader = ProtobufReader(bytes, range: range)
        var fields: [Field] = []
        while let field = try reader.next() { fields.append(field) }
        return fields
    }

    /// The next field, or nil at the end of the message. Groups (wire types 3 and 4, unused since proto2) are
    /// refused.
    mutating func next() throws(ImportError) -> Field? {
        guard position < end else { return nil }
        let offset = position
        let key = try readVarint()
        let number = key >> 3
        guard number >= 1, number <= (1 << 29) - 1 else { throw .malformed(offset: offset, "field number \(number)") }
        switch key & 7 {
        case 0: return Field(number: Int(number), value: .varint(try readVarint()), offset: offset)
        case 1: return Field(number: Int(number), value: .fixed64(try readFixed(8)), offset: offset)
        case 5: return Field(number: Int(number), value: .fixed32(UInt32(try readFixed(4))), offset: offset)
        case 2:
            let lengthOffset = position
            let length = try readVarint()
            guard length <= UInt64(end - position) else {
                throw .malformed(offset: lengthOffset, "a field of \(length) bytes runs past the end of its message")
            }
            let start = position
            position += Int(length)
            return Field(number: Int(number), value: .bytes(start..<position), offset: offset)
        default:
            throw .malformed(offset: offset, "wire type \(key & 7) is not supported")
        }
    }

    /// Whether every byte of the message has been read.
    var isAtEnd: Bool { position >= end }

    mutating func readVarint() throws(ImportError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = position
        while true {
            guard position < end else { throw .malformed(offset: start, "truncated varint") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw .malformed(offset: start, "varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func readFixed(_ count: Int) throws(ImportError) -> UInt64 {
        guard end - position >= count else { throw .malformed(offset: position, "truncated \(count * 8)-bit value") }
        var result: UInt64 = 0
        for index in 0..<count { result |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += count
        return result
    }
}

// MARK: - Typed views of field values

extension ProtobufReader.Field {
    /// The field as a signed integer (int32 and int64 fields carry negative numbers as 10-byte varints).
    func integer() throws(ImportError) -> Int64 {
        guard case .varint(let raw) = value else { throw wrongType("an integer") }
        return Int64(bitPattern: raw)
    }

    /// The field as a float (a `fixed32` on the wire).
    func float() throws(ImportError) -> Float {
        guard case .fixed32(let raw) = value else { throw wrongType("a float") }
        return Float(bitPattern: raw)
    }

    /// The byte range of a length-delimited field: a string, bytes or a nested message.
    func range() throws(ImportError) -> Range<Int> {
        guard case .bytes(let range) = value else { throw wrongType("a length-delimited value") }
        return range
    }

    /// The field as a UTF-8 string (invalid sequences are replaced, never trapped on).
    func string(in bytes: [UInt8]) throws(ImportError) -> String {
        String(decoding: bytes[try range()], as: UTF8.self)
    }

    /// A repeated integer field's values from one field: one varint, or a packed run of them.
    func integers(in bytes: [UInt8]) throws(ImportError) -> [Int64] {
        switch value {
        case .varint(let raw): return [Int64(bitPattern: raw)]
        case .bytes(let range):
            var reader = ProtobufReader(bytes, range: range)
            var values: [Int64] = []
            while !reader.isAtEnd { values.append(Int64(bitPattern: try reader.readVarint())) }
            return values
        default: throw wrongType("integers")
        }
    }

    /// A repeated float field's values from one field: one `fixed32`, or a packed run of them.
    func floats(in bytes: [UInt8]) throws(ImportError) -> [Float] {
        switch value {
        case .fixed32(let raw): return [Float(bitPattern: raw)]
        case .bytes(let range):
            guard range.count % 4 == 0 else {
                throw .malformed(offset: offset, "packed floats of \(range.count) bytes")
            }
            return stride(from: range.lowerBound, to: range.upperBound, by: 4).map {
                Float(bitPattern: load32(bytes, $0))
            }
        default: throw wrongType("floats")
        }
    }

    /// A repeated double field's values from one field: one `fixed64`, or a packed run of them.
    func doubles(in bytes: [UInt8]) throws(ImportError) -> [Double] {
        switch value {
        case .fixed64(let raw): return [Double(bitPattern: raw)]
        case .bytes(let range):
            guard range.count % 8 == 0 else {
                throw .malformed(offset: offset, "packed doubles of \(range.count) bytes")
            }
            return stride(from: range.lowerBound, to: range.upperBound, by: 8).map {
                Double(bitPattern: load64(bytes, $0))
            }
        default: throw wrongType("doubles")
        }
    }

    private func wrongType(_ expected: String) -> ImportError {
        .malformed(offset: offset, "field \(number) is not \(expected)")
    }
}

/// Little-endian loads from a byte array; callers have checked the bounds.
func load16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
    UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
}

func load32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
    UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
}

func load64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
    UInt64(load32(bytes, at)) | UInt64(load32(bytes, at + 4)) << 32
}
