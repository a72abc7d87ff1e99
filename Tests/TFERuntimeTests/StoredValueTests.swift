// The state files of `store` and `load`: their encoding, and damaged files (refused, never a crash).

import Foundation
import TFEBytecode
import TFECore
import TFENumPy
import TFETestSupport
import Testing

@testable import TFERuntime

struct StoredValueTests {
    static let server0 = StoredValue(
        storeID: StoreID(bytes: Array(1...16))!,
        party: .server0, element: .fixed, fractionalBits: 16, shape: Shape([3, 2]), keys: [Seed(fixed: 7)],
        opened: [1, 2, 3, UInt64.max, 1 << 63, 0])
    static let server2 = StoredValue(
        party: .server2, element: .int, fractionalBits: 12, shape: Shape([]), keys: [Seed(fixed: 1), Seed(fixed: 2)],
        opened: [])
    /// ABY3's server1: its components x_1 and x_2, no keys and no difference.
    static let replicated = StoredValue(
        storeID: StoreID(bytes: Array(17...32))!, protocolKind: .aby3, party: .server1, element: .fixed,
        fractionalBits: 16, shape: Shape([3]), components: [[1, UInt64.max, 1 << 63], [0, 7, 9]])

    @Test(arguments: [server0, server2, replicated])
    func roundTrip(_ value: StoredValue) throws {
        #expect(try StoredValue(decoding: value.encoded) == value)
    }

    @Test func layoutIsAsDocumented() {
        let bytes = Self.server0.encoded
        #expect(Array(bytes.prefix(8)) == Array("TFESTATE".utf8))
        #expect(Array(bytes[8..<10]) == [3, 0])
        // magic, version, store id, protocol, party, element, frac, rank, 2 dimensions, key count, key, count,
        // 6 elements, component count, SHA-256
        #expect(bytes.count == 8 + 2 + 16 + 1 + 1 + 1 + 1 + 1 + 2 * 8 + 1 + 32 + 8 + 6 * 8 + 1 + 32)
        #expect(Array(bytes[10..<26]) == Array(1...16))
        #expect(bytes[26] == ProtocolKind.pond.binaryCode)
        let replicated = Self.replicated.encoded
        #expect(replicated[26] == ProtocolKind.aby3.binaryCode)
        #expect(replicated[27] == 1)  // server1
        // ..., rank, 1 dimension, no keys, no difference, 2 components of 3 elements each, SHA-256
        #expect(replicated.count == 8 + 2 + 16 + 1 + 1 + 1 + 1 + 1 + 8 + 1 + 8 + 1 + 2 * (8 + 3 * 8) + 32)
    }

    /// A file of an older format is refused with the advice to store again.
    @Test func anOlderVersionIsRefused() {
        var bytes = Array(Self.server0.encoded.dropLast(32))
        bytes[8] = 2
        let error = #expect(throws: StoredValueError.self) { try StoredValue(decoding: bytes + SHA256.hash(bytes)) }
        guard case .corrupted(let reason)? = error else { return }
        #expect(reason == "it has state format version 2, this tfe-vm reads version 3 (run the program that "
                    + "stores it again)")
    }

    /// Every truncation and 20,000 random bit flips and byte changes: each is refused with a reason, or (for
    /// a change the checksum cannot see, which would need a SHA-256 collision) decodes; nothing traps.
    @Test(arguments: [server0, replicated])
    func damagedFilesAreRefused(_ value: StoredValue) {
        let bytes = value.encoded
        for length in 0..<bytes.count {
            #expect(throws: StoredValueError.self) { try StoredValue(decoding: Array(bytes.prefix(length))) }
        }
        var generator = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            var damaged = bytes
            let position = Int(generator.next() % UInt64(damaged.count))
            if generator.next() % 2 == 0 {
                damaged[position] ^= UInt8(1 << (generator.next() % 8))
            } else {
                damaged[position] = UInt8(truncatingIfNeeded: generator.next() | 1) ^ damaged[position]
            }
            #expect(throws: StoredValueError.self) { try StoredValue(decoding: damaged) }
        }
        // A file whose checksum was recomputed over garbage (a hostile rather than a damaged file) is still
        // parsed safely: counts and dimensions are checked against what remains.
        for _ in 0..<2_000 {
            var body = Array(bytes.dropLast(32))
            for _ in 0..<4 {
                body[8 + Int(generator.next() % UInt64(body.count - 8))] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = try? StoredValue(decoding: body + SHA256.hash(body))
        }
    }
}

/// State files and their temporaries are this user's alone from their creation, whatever the umask: nothing is
/// created with the default mode and narrowed afterwards.
@Suite struct StateFileModeTests {
    /// Runs `body` with the umask at 0, so that only the modes the code passes to `open` and `mkdir` count.
    /// The umask is process-wide: the window is kept to the call.
    static func withoutUmask<T>(_ body: () throws -> T) rethrows -> T {
        let saved = umask(0)
        defer { umask(saved) }
        return try body()
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    static func makeFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-mode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The temporary `writePrivately` writes into is created 0600 (checked before anything is written to it).
    @Test func temporaryIsCreatedPrivate() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("w.tfestate")
        let (descriptor, path) = try Self.withoutUmask { try FileAccess.makePrivateTemporary(for: target) }
        defer { close(descriptor); unlink(path) }
        var info = stat()
        #expect(fstat(descriptor, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(Self.mode(path) == 0o600)
        #expect(URL(fileURLWithPath: path).deletingLastPathComponent().path == folder.path)
    }

    /// A store prepares each file as a temporary that is already 0600 once written (before the rename that a
    /// chmod-afterwards would have to precede) and stamped with the store id, creates the state directory and
    /// its missing parents 0700 and each file 0600, and leaves no temporary behind once committed.
    @Test func committedFilesAndDirectoriesArePrivate() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let parent = folder.appendingPathComponent("state").path
        let directory = parent + "/server0"
        let writes = StateWrites(
            directory: directory, files: [("w", StoredValueTests.server0), ("v", StoredValueTests.server2)])
        let storeID = StoreID.random()
        let prepared = try Self.withoutUmask { try writes.prepare(storeID: storeID) }
        #expect(prepared.temporaries.count == 2)
        for temporary in prepared.temporaries {
            #expect(Self.mode(temporary.path) == 0o600, "\(temporary.path)")
            #expect(URL(fileURLWithPath: temporary.path).deletingLastPathComponent().path == directory)
        }
        // Prepared, not committed: the files a load reads are not there yet.
        #expect(!FileManager.default.fileExists(atPath: directory + "/w.tfestate"))
        try prepared.commit()
        #expect(Self.mode(parent) == 0o700)
        #expect(Self.mode(directory) == 0o700)
        #expect(Self.mode(directory + "/w.tfestate") == 0o600)
        #expect(Self.mode(directory + "/v.tfestate") == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                    == ["v.tfestate", "w.tfestate"])
        var expected = StoredValueTests.server0
        expected.storeID = storeID
        #expect(try StoredValue(decoding: [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/w.tfestate"))))
                    == expected)
    }

    /// Replacing a file keeps it 0600 and leaves no temporary; a discarded store leaves the old file as it was.
    @Test func replacedFileStaysPrivate() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("w.tfestate")
        try StateWrites(directory: folder.path, files: [("w", StoredValueTests.server2)])
            .prepare(storeID: .random()).commit()
        let old = try Data(contentsOf: file)
        let discarded = try StateWrites(directory: folder.path, files: [("w", StoredValueTests.server0)])
            .prepare(storeID: .random())
        discarded.discard()
        #expect(try Data(contentsOf: file) == old)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["w.tfestate"])
        try Self.withoutUmask {
            try StateWrites(directory: folder.path, files: [("w", StoredValueTests.server0)])
                .prepare(storeID: .random()).commit()
        }
        #expect(Self.mode(file.path) == 0o600)
        #expect(try StoredValue(decoding: [UInt8](Data(contentsOf: file))).party == .server0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["w.tfestate"])
    }

    /// A state directory that cannot be made (a file is in the way) is reported, not written around; so is a
    /// file that cannot be replaced (a directory in its place), before anything is written.
    @Test func fileInTheWayIsReported() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let blocker = folder.appendingPathComponent("state")
        try Data([0]).write(to: blocker)
        #expect(throws: MachineError.self) {
            try StateWrites(directory: blocker.path + "/server0", files: [("w", StoredValueTests.server0)])
                .prepare(storeID: .random())
        }
        #expect(throws: MachineError.self) { try StateWrites.checkDirectory(atPath: blocker.path + "/server0") }
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("other/v.tfestate"), withIntermediateDirectories: true)
        let writes = StateWrites(
            directory: folder.path + "/other",
            files: [("w", StoredValueTests.server0), ("v", StoredValueTests.server2)])
        let refusal = MachineError.storedValue("cannot store 'v': '\(folder.path)/other/v.tfestate' is a directory")
        #expect(throws: refusal) {
            try writes.prepare(storeID: .random())
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/other") == ["v.tfestate"])
    }
}
