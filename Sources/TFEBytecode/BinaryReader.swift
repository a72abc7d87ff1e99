/// Reads what `BinaryWriter` writes, checking every value against the bytes that remain. Reads never go
/// past `limit` (the end of the current section), so a lying length cannot make one section read another's
/// bytes; every failure is a `BytecodeError` naming the section and the byte offset.
struct BinaryReader {
    private let bytes: [UInt8]
    /// The next byte to read.
    private(set) var position: Int
    /// One past the last byte the current section may read.
    private(set) var limit: Int
    /// The section being read, for messages.
    var sectionName = "file"

    init(_ bytes: [UInt8], at position: Int = 0) {
        self.bytes = bytes
        self.position = position
        self.limit = bytes.count
    }

    var remaining: Int { limit - position }
    var isAtEnd: Bool { position >= limit }

    func error(_ kind: BytecodeError.Kind, _ message: String, at offset: Int? = nil) -> BytecodeError {
        BytecodeError(kind, message, offset: offset ?? position)
    }

    private func truncated() -> BytecodeError {
        error(.truncated, "truncated \(sectionName) section")
    }

    mutating func byte() throws(BytecodeError) -> UInt8 {
        guard position < limit else { throw truncated() }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func bytes(_ count: Int) throws(BytecodeError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw truncated() }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func uint16() throws(BytecodeError) -> UInt16 {
        let low = try byte()
        let high = try byte()
        return UInt16(low) | UInt16(high) << 8
    }

    mutating func uint32() throws(BytecodeError) -> UInt32 {
        var value: UInt32 = 0
        for shift in stride(from: 0, to: 32, by: 8) { value |= UInt32(try byte()) << UInt32(shift) }
        return value
    }

    mutating func uint64() throws(BytecodeError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(try byte()) << UInt64(shift) }
        return value
    }

    /// An unsigned LEB128 value in its shortest form: at most ten bytes, no high bits past 64, and no
    /// trailing zero byte (so every value has exactly one encoding and the file one hash).
    mutating func varint() throws(BytecodeError) -> UInt64 {
        let start = position
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try byte()
            if shift == 63 && byte > 1 {
                throw error(.valueOutOfRange, "varint does not fit 64 bits in the \(sectionName) section", at: start)
            }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    throw error(.valueOutOfRange, "overlong varint in the \(sectionName) section", at: start)
                }
                return value
            }
            shift += 7
        }
    }

    /// A non-negative varint that fits `Int` and is at most `maximum`.
    mutating func unsigned(max maximum: Int = Int.max, _ what: String) throws(BytecodeError) -> Int {
        let start = position
        let value = try varint()
        guard value <= UInt64(maximum) else {
            throw error(.valueOutOfRange, "\(what) \(value) out of range (at most \(maximum))", at: start)
        }
        return Int(value)
    }

    /// An index into a table of `count` entries.
    mutating func index(below count: Int, _ what: String) throws(BytecodeError) -> Int {
        let start = position
        let value = try varint()
        guard value < UInt64(count) else {
            throw error(.valueOutOfRange, "\(what) \(value) out of range (the table has \(count))", at: start)
        }
        return Int(value)
    }

    /// A count of items each taking at least `itemBytes` bytes, checked against the bytes left in the
    /// section before anyone allocates for it.
    mutating func count(itemBytes: Int = 1, _ what: String) throws(BytecodeError) -> Int {
        let start = position
        let value = try varint()
        guard value <= UInt64(remaining / itemBytes) else {
            throw error(
                .countTooLarge,
                "\(what) count \(value) exceeds the \(remaining) bytes left in the \(sectionName) section",
                at: start)
        }
        return Int(value)
    }

    /// A zigzag varint.
    mutating func signed() throws(BytecodeError) -> Int {
        let value = try varint()
        return Int(Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1))))
    }

    mutating func string(_ what: String) throws(BytecodeError) -> String {
        let length = try count(what)
        let start = position
        let utf8 = try bytes(length)
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw error(.invalidUTF8, "\(what) is not valid UTF-8", at: start)
        }
        return text
    }

    /// Reads a section header with the expected tag and narrows reading to its payload; returns the old
    /// limit for `endSection`.
    mutating func beginSection(_ tag: SectionTag) throws(BytecodeError) -> Int {
        sectionName = tag.name
        let start = position
        guard position < limit else { throw error(.truncated, "missing \(tag.name) section") }
        let found = try byte()
        guard found == tag.rawValue else {
            throw error(
                .badSection, "expected the \(tag.name) section (tag \(tag.rawValue)), found tag \(found)", at: start)
        }
        let length = Int(try uint32())
        guard length <= remaining else { throw truncated() }
        let outer = limit
        limit = position + length
        return outer
    }

    /// Checks that the section's payload was read exactly and restores the outer limit.
    mutating func endSection(restoring outer: Int) throws(BytecodeError) {
        guard position == limit else {
            throw error(.badSection, "\(remaining) unexpected bytes at the end of the \(sectionName) section")
        }
        limit = outer
        sectionName = "file"
    }
}
