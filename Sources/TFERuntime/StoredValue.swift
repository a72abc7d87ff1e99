// The files `store` writes and `load` reads: one per stored value in each server's state directory.

import Foundation
import TFEBytecode
import TFECore

/// What one server keeps of a stored private value: never the value or a share of it, only its masked
/// form. server0 and server1 keep the opened difference `value − mask` (the same on both, uniformly random
/// to anyone who lacks the mask) and the key that expands their share of the mask; server2 keeps both keys,
/// so it can deal products with the mask, and no difference.
///
/// File layout, little-endian: the magic `TFESTATE`, the format version (u16), the party (u8), the element
/// type (u8: 0 fixed, 1 int), the fractional bits (u8), the rank (u8) and dimensions (u64 each), the key
/// count (u8) and keys (32 bytes each), the difference's element count (u64) and elements (u64 each), and
/// last the SHA-256 of everything before it, so a truncated or altered file is rejected.
struct StoredValue: Equatable {
    static let magic = Array("TFESTATE".utf8)
    static let version: UInt16 = 1
    static let fileExtension = "tfestate"

    var party: PlayerID
    var element: ElementType
    var fractionalBits: Int
    var shape: Shape
    /// server0: the key of its mask share; server1: the key of its mask share; server2: both, in that order.
    var keys: [Seed]
    /// `value − mask` as ring elements (server0 and server1); empty on server2.
    var opened: [UInt64]

    /// The file of `name` in a state directory.
    static func url(of name: String, in directory: String) -> URL {
        URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent("\(name).\(fileExtension)")
    }

    var encoded: [UInt8] {
        var bytes = Self.magic
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        append(Self.version)
        append(UInt8(party.rawValue))
        append(UInt8(element == .fixed ? 0 : 1))
        append(UInt8(fractionalBits))
        append(UInt8(shape.rank))
        for dimension in shape.dimensions { append(UInt64(dimension)) }
        append(UInt8(keys.count))
        for key in keys { bytes.append(contentsOf: key.bytes) }
        append(UInt64(opened.count))
        bytes.reserveCapacity(bytes.count + 8 * opened.count + SHA256.digestSize)
        for value in opened { append(value) }
        bytes.append(contentsOf: SHA256.hash(bytes))
        return bytes
    }

    /// Decodes a file's bytes; the error says what is wrong, for a message naming the file.
    init(decoding bytes: [UInt8]) throws(StoredValueError) {
        guard bytes.count >= Self.magic.count + SHA256.digestSize, bytes.starts(with: Self.magic) else {
            throw .corrupted("it is not a tfe state file")
        }
        let body = bytes.dropLast(SHA256.digestSize)
        guard SHA256.hash(Array(body)) == Array(bytes.suffix(SHA256.digestSize)) else {
            throw .corrupted("its checksum does not match (truncated or altered)")
        }
        var reader = PayloadReader(Array(body.dropFirst(Self.magic.count)))
        func integer<T: FixedWidthInteger>(_: T.Type) throws(StoredValueError) -> T {
            guard let bytes = reader.readBytes(MemoryLayout<T>.size) else { throw .corrupted("it ends early") }
            return bytes.reversed().reduce(T.zero) { $0 << 8 | T($1) }
        }
        let version = try integer(UInt16.self)
        guard version == Self.version else {
            throw .corrupted("it has state format version \(version), this tfe-vm reads version \(Self.version)")
        }
        party = PlayerID(Int(try integer(UInt8.self)))
        switch try integer(UInt8.self) {
        case 0: element = .fixed
        case 1: element = .int
        case let code: throw .corrupted("unknown element type \(code)")
        }
        fractionalBits = Int(try integer(UInt8.self))
        let rank = Int(try integer(UInt8.self))
        var dimensions: [Int] = []
        for _ in 0..<rank {
            let dimension = try integer(UInt64.self)
            guard dimension <= UInt64(Int32.max) else { throw .corrupted("a dimension of \(dimension)") }
            dimensions.append(Int(dimension))
        }
        shape = Shape(dimensions)
        let keyCount = Int(try integer(UInt8.self))
        keys = []
        for _ in 0..<keyCount {
            guard let bytes = reader.readBytes(Seed.byteCount), let key = Seed(bytes: bytes) else {
                throw .corrupted("it ends early")
            }
            keys.append(key)
        }
        let count = try integer(UInt64.self)
        guard count <= UInt64(reader.remaining / 8), let values = reader.readRingElements(Int(count)) else {
            throw .corrupted("it ends early")
        }
        opened = values
        guard reader.isAtEnd else { throw .corrupted("\(reader.remaining) bytes follow the value") }
    }

    init(party: PlayerID, element: ElementType, fractionalBits: Int, shape: Shape, keys: [Seed], opened: [UInt64]) {
        self.party = party
        self.element = element
        self.fractionalBits = fractionalBits
        self.shape = shape
        self.keys = keys
        self.opened = opened
    }
}

/// Why a state file could not be used.
enum StoredValueError: Error {
    case corrupted(String)
}

/// Stored values this process has already read and checked, so a long-running server reads a cached model's
/// file once rather than for every prediction. An entry is used only while its file keeps the size,
/// modification time, inode and closing SHA-256 it had (a new `store` replaces the file with another inode
/// and digest); a few dozen entries at most.
final class StoredValueCache: @unchecked Sendable {
    static let shared = StoredValueCache()
    static let capacity = 32

    struct Stamp: Hashable {
        var size: UInt64
        var modified: Date
        var inode: UInt64
        var digest: [UInt8]
    }

    private let lock = NSLock()
    private var entries: [String: (stamp: Stamp, value: StoredValue)] = [:]
    private var order: [String] = []

    /// The file's size and modification time, nil when it cannot be read.
    static func stamp(of url: URL) -> Stamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            let size = (attributes[.size] as? NSNumber)?.uint64Value, size >= UInt64(SHA256.digestSize),
            let modified = attributes[.modificationDate] as? Date,
            let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value,
            let file = try? FileHandle(forReadingFrom: url)
        else { return nil }
        defer { try? file.close() }
        guard (try? file.seek(toOffset: size - UInt64(SHA256.digestSize))) != nil,
            let digest = try? file.read(upToCount: SHA256.digestSize), digest.count == SHA256.digestSize
        else { return nil }
        return Stamp(size: size, modified: modified, inode: inode, digest: [UInt8](digest))
    }

    func value(at url: URL, stamp: Stamp) -> StoredValue? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[url.path], entry.stamp == stamp else { return nil }
        return entry.value
    }

    func insert(_ value: StoredValue, at url: URL, stamp: Stamp) {
        lock.lock()
        defer { lock.unlock() }
        if entries.updateValue((stamp, value), forKey: url.path) == nil { order.append(url.path) }
        while order.count > Self.capacity { entries[order.removeFirst()] = nil }
    }
}
