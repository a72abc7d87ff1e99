// The files `store` writes and `load` reads: one per stored value in each server's state directory.

import Foundation
import TFEBytecode
import TFECore

/// What one server keeps of a stored private value, in the layout of the protocol that stored it.
///
/// Pond and SecureNN (two additive shares): never the value or a share of it, only its masked form. server0 and
/// server1 keep the opened difference `value − mask` (the same on both, uniformly random to anyone who lacks the
/// mask) and the key that expands their share of the mask; server2 keeps both keys, so it can deal products
/// with the mask, and no difference.
///
/// ABY3 (replicated shares): server i keeps the two components (x_i, x_(i+1)) it held at the end of the run,
/// and no keys. Any one server's pair is two of three additive shares, uniformly random whatever the value, and
/// it is exactly what that server already held; loading needs no other party.
///
/// Every file also carries the id of the store that wrote it (`StoreID`), the same on the three servers, so
/// that `load` can tell a consistent model from one whose files come from different stores, and the protocol
/// of the program that stored it, so that a program whose protocol keeps values another way refuses it.
///
/// File layout, little-endian: the magic `TFESTATE`, the format version (u16), the store id (16 bytes), the
/// protocol (u8, `ProtocolKind.binaryCode`), the party (u8), the element type (u8, `ElementType.binaryCode`),
/// the fractional bits (u8), the rank (u8) and dimensions (u64 each), the key count (u8) and keys (32 bytes
/// each), the difference's element count (u64) and elements (u64 each), the component count (u8) and per
/// component its element count (u64) and elements, and last the SHA-256 of everything before it, so a truncated
/// or altered file is rejected.
struct StoredValue: Equatable {
    static let magic = Array("TFESTATE".utf8)
    /// 2: the store id; 3: the protocol and the replicated components.
    static let version: UInt16 = 3
    static let fileExtension = "tfestate"

    /// The store that wrote the file; `StoreID.unassigned` until the store prepares its files.
    var storeID: StoreID
    /// The protocol of the program that stored the value.
    var protocolKind: ProtocolKind
    var party: PlayerID
    var element: ElementType
    var fractionalBits: Int
    var shape: Shape
    /// Additive sharing: server0 the key of its mask share; server1 the key of its mask share; server2 both, in
    /// that order. Replicated: none.
    var keys: [Seed]
    /// Additive sharing: `value − mask` as ring elements (server0 and server1); empty on server2. Replicated:
    /// empty.
    var opened: [UInt64]
    /// Replicated sharing: server i's components x_i and x_(i+1), in its registers' order. Additive: none.
    var components: [[UInt64]]

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
        bytes.append(contentsOf: storeID.bytes)
        append(protocolKind.binaryCode)
        append(UInt8(party.rawValue))
        append(element.binaryCode)
        append(UInt8(fractionalBits))
        append(UInt8(shape.rank))
        for dimension in shape.dimensions { append(UInt64(dimension)) }
        append(UInt8(keys.count))
        for key in keys { bytes.append(contentsOf: key.bytes) }
        let elementCount = opened.count + components.reduce(0) { $0 + $1.count }
        bytes.reserveCapacity(bytes.count + 8 * (elementCount + 1 + components.count) + 1 + SHA256.digestSize)
        append(UInt64(opened.count))
        for value in opened { append(value) }
        append(UInt8(components.count))
        for component in components {
            append(UInt64(component.count))
            for value in component { append(value) }
        }
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
            throw .corrupted(
                "it has state format version \(version), this tfe-vm reads version \(Self.version) (run the program "
                    + "that stores it again)")
        }
        guard let id = reader.readBytes(StoreID.byteCount) else { throw .corrupted("it ends early") }
        storeID = StoreID(validBytes: id)
        let protocolCode = try integer(UInt8.self)
        guard let kind = ProtocolKind.allCases.first(where: { $0.binaryCode == protocolCode }) else {
            throw .corrupted("unknown protocol \(protocolCode)")
        }
        protocolKind = kind
        party = PlayerID(Int(try integer(UInt8.self)))
        let elementCode = try integer(UInt8.self)
        guard let elementType = ElementType.allCases.first(where: { $0.binaryCode == elementCode }) else {
            throw .corrupted("unknown element type \(elementCode)")
        }
        element = elementType
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
        func ringElements() throws(StoredValueError) -> [UInt64] {
            let count = try integer(UInt64.self)
            guard count <= UInt64(reader.remaining / 8), let values = reader.readRingElements(Int(count)) else {
                throw .corrupted("it ends early")
            }
            return values
        }
        opened = try ringElements()
        let componentCount = Int(try integer(UInt8.self))
        components = []
        for _ in 0..<componentCount { components.append(try ringElements()) }
        guard reader.isAtEnd else { throw .corrupted("\(reader.remaining) bytes follow the value") }
    }

    init(
        storeID: StoreID = .unassigned, protocolKind: ProtocolKind = .pond, party: PlayerID, element: ElementType,
        fractionalBits: Int, shape: Shape, keys: [Seed] = [], opened: [UInt64] = [], components: [[UInt64]] = []
    ) {
        self.storeID = storeID
        self.protocolKind = protocolKind
        self.party = party
        self.element = element
        self.fractionalBits = fractionalBits
        self.shape = shape
        self.keys = keys
        self.opened = opened
        self.components = components
    }
}

/// The id every file of one store carries, on every server: 16 random bytes, drawn once per run (in a networked
/// run, the run id server0 drew and every party learned in its handshakes; in a local run, fresh bytes from the
/// operating system). A `load` goes ahead only when the three servers' files of every loaded value carry the
/// same id, so a store that committed on some servers and not others is refused rather than computed on.
public struct StoreID: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 16
    /// The placeholder a stored value carries until its store prepares the files.
    static let unassigned = StoreID(validBytes: [UInt8](repeating: 0, count: byteCount))

    public let bytes: [UInt8]

    /// Nil unless `bytes` has `byteCount` bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    init(validBytes: [UInt8]) {
        bytes = validBytes
    }

    /// Fresh bytes from the system's generator (a local run's store).
    public static func random() -> StoreID {
        var generator = SystemRandomNumberGenerator()
        return StoreID(validBytes: (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The first 12 hex digits, as messages show program hashes: `3fa2c19e07b4…`.
    public var description: String {
        let digits = Array("0123456789abcdef")
        return String(bytes.prefix(6).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }) + "…"
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
