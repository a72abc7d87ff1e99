// The parts of the zip format (PKWARE APPNOTE) that `.npz` archives use, read without trusting any field.

/// A zip archive in memory: its central directory, and access to each member's uncompressed bytes.
///
/// Every offset and length is checked against the buffer before use, so a corrupted or hostile archive
/// produces an `NPYError` rather than an out-of-bounds read.
struct ZipArchive {
    /// One central directory entry, with ZIP64 values already substituted.
    struct Entry {
        var name: String
        var flags: UInt16
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    private static let endRecordSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EndRecordSignature: UInt32 = 0x0606_4b50
    private static let directoryEntrySignature: UInt32 = 0x0201_4b50
    private static let localHeaderSignature: UInt32 = 0x0403_4b50
    /// Stand-in for a 32-bit field whose real value is in the ZIP64 extra field.
    private static let saturated32 = UInt32.max

    let bytes: UnsafeRawBufferPointer
    /// The members in central directory order.
    private(set) var entries: [Entry] = []

    init(bytes: UnsafeRawBufferPointer) throws(NPYError) {
        self.bytes = bytes
        let directory = try Self.locateDirectory(in: bytes)
        var position = directory.offset
        let end = directory.offset + directory.size
        for index in 0..<directory.count {
            let what = "central directory entry \(index + 1)"
            let record = try Record(bytes, at: position, size: 46, end: end, what: what)
            guard record.uint32(0) == Self.directoryEntrySignature else {
                throw .corruptArchive("\(what) has a bad signature")
            }
            let nameLength = Int(record.uint16(28))
            let extraLength = Int(record.uint16(30))
            let commentLength = Int(record.uint16(32))
            let variableSize = nameLength + extraLength + commentLength
            let variable = try Record(bytes, at: position + 46, size: variableSize, end: end, what: what)
            let name = String(decoding: variable.slice(0, nameLength), as: UTF8.self)
            let extra = variable.slice(nameLength, extraLength)
            entries.append(try Self.entry(from: record, name: name, extra: extra))
            position += 46 + nameLength + extraLength + commentLength
        }
    }

    /// Calls `body` with the uncompressed bytes of `entry` once their CRC-32 has been checked.
    ///
    /// Stored members are handed over in place; deflated ones are inflated first.
    func withContents<Value>(
        of entry: Entry, _ body: (UnsafeRawBufferPointer) throws(NPYError) -> Value
    ) throws(NPYError) -> Value {
        guard entry.flags & 1 == 0 else {
            throw .unsupportedArchive("member '\(entry.name)' is encrypted")
        }
        let header = try Record(
            bytes, at: entry.localHeaderOffset, size: 30, end: bytes.count, what: "local header of '\(entry.name)'")
        guard header.uint32(0) == Self.localHeaderSignature else {
            throw .corruptArchive("local header of member '\(entry.name)' has a bad signature")
        }
        let dataStart = entry.localHeaderOffset + 30 + Int(header.uint16(26)) + Int(header.uint16(28))
        let data = try Record(
            bytes, at: dataStart, size: entry.compressedSize, end: bytes.count, what: "data of member '\(entry.name)'")
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw .corruptArchive("stored member '\(entry.name)' has different compressed and uncompressed sizes")
            }
            try check(entry, data.all)
            return try body(data.all)
        case 8:
            let inflated = try NPZ.inflate(data.all, expectedSize: entry.uncompressedSize, member: entry.name)
            // withUnsafeBytes rethrows untyped errors, so the typed error travels out in a Result.
            let result: Result<Value, NPYError> = inflated.withUnsafeBytes { contents in
                Result { () throws(NPYError) -> Value in
                    try check(entry, contents)
                    return try body(contents)
                }
            }
            return try result.get()
        default:
            throw .unsupportedCompression(member: entry.name, method: entry.method)
        }
    }

    private func check(_ entry: Entry, _ contents: UnsafeRawBufferPointer) throws(NPYError) {
        guard NPZ.crc32(of: contents) == entry.crc else {
            throw .checksumMismatch(member: entry.name)
        }
    }

    // MARK: - Directory

    /// Where the central directory is and how many entries it has, from the end records.
    private static func locateDirectory(in bytes: UnsafeRawBufferPointer) throws(NPYError) -> (
        offset: Int, size: Int, count: Int
    ) {
        let endRecord = try findEndRecord(in: bytes)
        var disk = UInt64(endRecord.uint16(4))
        var directoryDisk = UInt64(endRecord.uint16(6))
        var entriesOnDisk = UInt64(endRecord.uint16(8))
        var count = UInt64(endRecord.uint16(10))
        var size = UInt64(endRecord.uint32(12))
        var offset = UInt64(endRecord.uint32(16))
        // A ZIP64 locator sits just before the end record; Python writes one whenever a value overflows.
        if endRecord.start >= 20,
            let locator = try? Record(bytes, at: endRecord.start - 20, size: 20, end: bytes.count, what: ""),
            locator.uint32(0) == zip64LocatorSignature
        {
            guard locator.uint32(16) <= 1 else {
                throw .unsupportedArchive("archives split across several disks are not supported")
            }
            guard let recordOffset = Int(exactly: locator.uint64(8)) else {
                throw .corruptArchive("the ZIP64 end record offset is out of range")
            }
            let record = try Record(
                bytes, at: recordOffset, size: 56, end: endRecord.start - 20, what: "the ZIP64 end record")
            guard record.uint32(0) == zip64EndRecordSignature else {
                throw .corruptArchive("the ZIP64 end record has a bad signature")
            }
            disk = UInt64(record.uint32(16))
            directoryDisk = UInt64(record.uint32(20))
            entriesOnDisk = record.uint64(24)
            count = record.uint64(32)
            size = record.uint64(40)
            offset = record.uint64(48)
        }
        guard disk == 0, directoryDisk == 0, entriesOnDisk == count else {
            throw .unsupportedArchive("archives split across several disks are not supported")
        }
        guard let offset = Int(exactly: offset), let size = Int(exactly: size), offset <= bytes.count,
            size <= bytes.count - offset
        else {
            throw .corruptArchive("the central directory extends past the end of the file")
        }
        guard let count = Int(exactly: count), count <= size / 46 else {
            throw .corruptArchive("the central directory is too small for its \(count) entries")
        }
        return (offset, size, count)
    }

    /// The last end-of-central-directory record whose comment fits in the file; it sits in the last
    /// 22 + 65535 bytes (the record and the longest comment).
    private static func findEndRecord(in bytes: UnsafeRawBufferPointer) throws(NPYError) -> Record {
        guard bytes.count >= 22 else {
            throw .notAnArchive
        }
        var position = bytes.count - 22
        let lowest = max(0, position - Int(UInt16.max))
        while position >= lowest {
            if let record = try? Record(bytes, at: position, size: 22, end: bytes.count, what: ""),
                record.uint32(0) == endRecordSignature, Int(record.uint16(20)) <= bytes.count - position - 22
            {
                return record
            }
            position -= 1
        }
        throw .notAnArchive
    }

    /// An entry from its fixed fields, taking saturated sizes and offsets from the ZIP64 extra field (id 1),
    /// which lists only the saturated ones, in the order uncompressed size, compressed size, offset.
    private static func entry(from record: Record, name: String, extra: UnsafeRawBufferPointer) throws(NPYError)
        -> Entry
    {
        var uncompressed = UInt64(record.uint32(24))
        var compressed = UInt64(record.uint32(20))
        var offset = UInt64(record.uint32(42))
        if uncompressed == UInt64(saturated32) || compressed == UInt64(saturated32) || offset == UInt64(saturated32) {
            guard let zip64 = try field(1, in: extra, member: name) else {
                throw .corruptArchive("member '\(name)' has saturated sizes but no ZIP64 extra field")
            }
            var cursor = 0
            func take(_ value: inout UInt64) throws(NPYError) {
                guard value == UInt64(saturated32) else { return }
                guard cursor + 8 <= zip64.count else {
                    throw .corruptArchive("the ZIP64 extra field of member '\(name)' is too short")
                }
                value = UInt64(littleEndian: zip64.loadUnaligned(fromByteOffset: cursor, as: UInt64.self))
                cursor += 8
            }
            try take(&uncompressed)
            try take(&compressed)
            try take(&offset)
        }
        guard let uncompressedSize = Int(exactly: uncompressed), let compressedSize = Int(exactly: compressed),
            let localHeaderOffset = Int(exactly: offset)
        else {
            throw .corruptArchive("member '\(name)' has a size or offset out of range")
        }
        return Entry(
            name: name, flags: record.uint16(8), method: record.uint16(10), crc: record.uint32(16),
            compressedSize: compressedSize, uncompressedSize: uncompressedSize, localHeaderOffset: localHeaderOffset)
    }

    /// The data of the extra field with header `id`, or nil if there is none.
    private static func field(_ id: UInt16, in extra: UnsafeRawBufferPointer, member: String) throws(NPYError)
        -> UnsafeRawBufferPointer?
    {
        var position = 0
        while position + 4 <= extra.count {
            let header = UInt16(littleEndian: extra.loadUnaligned(fromByteOffset: position, as: UInt16.self))
            let size = Int(UInt16(littleEndian: extra.loadUnaligned(fromByteOffset: position + 2, as: UInt16.self)))
            guard size <= extra.count - position - 4 else {
                throw .corruptArchive("an extra field of member '\(member)' extends past its entry")
            }
            if header == id {
                return UnsafeRawBufferPointer(rebasing: extra[(position + 4)..<(position + 4 + size)])
            }
            position += 4 + size
        }
        return nil
    }
}

// MARK: - Bounds-checked records

/// A fixed-size region of the archive whose bounds were checked on creation, so its fields read safely.
private struct Record {
    let bytes: UnsafeRawBufferPointer
    let start: Int
    let size: Int

    /// The region `start..<start + size`, which must lie inside `0..<end` (and `end` inside the buffer).
    init(_ bytes: UnsafeRawBufferPointer, at start: Int, size: Int, end: Int, what: String) throws(NPYError) {
        guard start >= 0, size >= 0, end <= bytes.count, start <= end, size <= end - start else {
            throw .corruptArchive("\(what) extends past the end of its region")
        }
        self.bytes = bytes
        self.start = start
        self.size = size
    }

    var all: UnsafeRawBufferPointer {
        slice(0, size)
    }

    func slice(_ offset: Int, _ length: Int) -> UnsafeRawBufferPointer {
        precondition(offset >= 0 && length >= 0 && offset + length <= size)
        return UnsafeRawBufferPointer(rebasing: bytes[(start + offset)..<(start + offset + length)])
    }

    func uint16(_ offset: Int) -> UInt16 {
        load(offset, as: UInt16.self)
    }

    func uint32(_ offset: Int) -> UInt32 {
        load(offset, as: UInt32.self)
    }

    func uint64(_ offset: Int) -> UInt64 {
        load(offset, as: UInt64.self)
    }

    private func load<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= size, "field outside its checked record")
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: start + offset, as: T.self))
    }
}
