/// Appends the bytecode's primitive values: little-endian fixed-width integers, LEB128 varints, zigzag
/// varints, length-prefixed UTF-8 strings and length-prefixed sections.
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func uint16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func uint32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    mutating func uint64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    mutating func raw(_ values: [UInt8]) {
        bytes.append(contentsOf: values)
    }

    mutating func raw(_ values: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: values)
    }

    /// Replaces bytes already written (a hash or length filled in once what it covers is written).
    mutating func overwrite(at offset: Int, with values: [UInt8]) {
        bytes.replaceSubrange(offset..<offset + values.count, with: values)
    }

    mutating func reserveCapacity(_ count: Int) {
        bytes.reserveCapacity(count)
    }

    /// Unsigned LEB128: seven bits a byte, low bits first, the high bit set on all but the last byte.
    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A count, index or dimension. Negative values (only in a malformed hand-built program) are written as
    /// their two's complement bit pattern, which the reader rejects as out of range.
    mutating func unsigned(_ value: Int) {
        varint(UInt64(bitPattern: Int64(value)))
    }

    /// A signed integer as a zigzag varint: 0, -1, 1, -2, ... become 0, 1, 2, 3, ...
    mutating func signed(_ value: Int) {
        let wide = Int64(value)
        varint(UInt64(bitPattern: (wide << 1) ^ (wide >> 63)))
    }

    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        unsigned(utf8.count)
        bytes.append(contentsOf: utf8)
    }

    /// A section: its tag byte, its payload length as a UInt32, then the payload `body` writes.
    /// The payload is written in place and its length filled in afterwards, so a large code section is
    /// not copied.
    mutating func section(_ tag: SectionTag, _ body: (inout BinaryWriter) -> Void) {
        byte(tag.rawValue)
        let lengthOffset = bytes.count
        uint32(0)
        body(&self)
        let length = UInt32(truncatingIfNeeded: bytes.count - lengthOffset - 4)
        for shift in 0..<4 { bytes[lengthOffset + shift] = UInt8(truncatingIfNeeded: length >> (8 * shift)) }
    }
}

/// Bytes written through a pointer and moved into a `BinaryWriter` a block at a time, for the encoder's loops
/// over millions of instructions, registers and locations: `[UInt8].append` checks uniqueness and capacity
/// per byte, which made those loops most of the encoder's time. Each write is preceded by a `reserve` for at
/// most the bytes it writes, so the writes themselves check nothing; the encodings are `BinaryWriter`'s.
struct BinaryBlockWriter: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    /// The most bytes a varint of a 64-bit value takes.
    static let maxVarintBytes = 10

    init(capacity: Int = 1 << 16) {
        self.capacity = capacity
        start = .allocate(capacity: capacity)
    }

    deinit {
        start.deallocate()
    }

    /// Makes room for `needed` more bytes, moving the block into `out` first when they do not fit.
    mutating func reserve(_ needed: Int, flushingInto out: inout BinaryWriter) {
        guard count + needed > capacity else { return }
        flush(into: &out)
        if needed > capacity {
            start.deallocate()
            capacity = needed
            start = .allocate(capacity: needed)
        }
    }

    /// Moves the bytes written so far into `out`.
    mutating func flush(into out: inout BinaryWriter) {
        out.raw(UnsafeBufferPointer(start: start, count: count))
        count = 0
    }

    mutating func byte(_ value: UInt8) {
        assert(count < capacity, "a write past the reserved bytes")
        start[count] = value
        count += 1
    }

    /// As `BinaryWriter.varint`.
    mutating func varint(_ value: UInt64) {
        assert(count + BinaryBlockWriter.maxVarintBytes <= capacity, "a write past the reserved bytes")
        var rest = value
        while rest >= 0x80 {
            start[count] = UInt8(truncatingIfNeeded: rest) | 0x80
            count += 1
            rest >>= 7
        }
        start[count] = UInt8(rest)
        count += 1
    }

    /// As `BinaryWriter.unsigned`.
    mutating func unsigned(_ value: Int) {
        varint(UInt64(bitPattern: Int64(value)))
    }

    /// As `BinaryWriter.signed`.
    mutating func signed(_ value: Int) {
        let wide = Int64(value)
        varint(UInt64(bitPattern: (wide << 1) ^ (wide >> 63)))
    }

    /// Copies `values` (reserved for like any other write).
    mutating func raw(_ values: UnsafeBufferPointer<UInt8>) {
        assert(count + values.count <= capacity, "a write past the reserved bytes")
        guard let base = values.baseAddress else { return }
        (start + count).update(from: base, count: values.count)
        count += values.count
    }
}

/// The sections of a bytecode file, in the order they appear.
enum SectionTag: UInt8, CaseIterable {
    case header = 1
    case players = 2
    case registers = 3
    case constants = 4
    case io = 5
    case code = 6
    case locations = 7

    /// As error messages name it: `truncated code section`.
    var name: String {
        switch self {
        case .header: return "header"
        case .players: return "players"
        case .registers: return "registers"
        case .constants: return "constants"
        case .io: return "I/O"
        case .code: return "code"
        case .locations: return "locations"
        }
    }
}
