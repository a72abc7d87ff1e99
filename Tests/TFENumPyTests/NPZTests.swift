// Reading numpy's .npz archives (stored, deflated, ZIP64) and rejecting damaged ones by name.

import Foundation
import Testing
@testable import TFENumPy

@Suite struct NPZTests {
    /// The members make_fixtures.py puts in stored.npz and compressed.npz.
    func expectFourMembers(_ members: [(name: String, array: NPYArray)]) throws {
        #expect(members.map(\.name) == ["weights", "bias", "flag", "image"])
        guard members.count == 4 else { return }
        #expect(members[0].array == (try NPYArray(shape: [3, 4], storage: .float64((0..<12).map { Double($0) / 4 }))))
        #expect(members[1].array == (try NPYArray(shape: [3], storage: .int32([1, -2, 3]))))
        #expect(members[2].array == (try NPYArray(shape: [], storage: .bool([true]))))
        #expect(members[3].array == (try NPYArray(shape: [8, 8], storage: .uint8((0..<64).map { UInt8($0 * 3) }))))
    }

    @Test func readsStoredArchive() throws {
        try expectFourMembers(NPZ.read(contentsOf: Fixtures.url("stored.npz")))
    }

    @Test func readsCompressedArchive() throws {
        try expectFourMembers(NPZ.read(contentsOf: Fixtures.url("compressed.npz")))
    }

    @Test func readsLargerDeflatedMember() throws {
        let members = try NPZ.read(contentsOf: Fixtures.url("compressed_large.npz"))
        #expect(members.map(\.name) == ["ramp"])
        #expect(members.first?.array.storage == .int64((0..<3000).map { Int64($0 % 7) }))
    }

    @Test func readsZip64Records() throws {
        let members = try NPZ.read(contentsOf: Fixtures.url("zip64.npz"))
        #expect(members.map(\.name) == ["a", "b"])
        #expect(members.first?.array.storage == .float64((0..<10).map(Double.init)))
        #expect(members.last?.array.storage == .int8([0, 1, 2]))
    }

    @Test func readsEmptyArchive() throws {
        #expect(try NPZ.read(contentsOf: Fixtures.url("empty.npz")).isEmpty)
    }

    // MARK: - Damaged archives

    /// Offset of the `index`th central directory entry of `data`.
    func directoryEntry(_ index: Int, in data: Data) -> Int {
        let signature: [UInt8] = [0x50, 0x4b, 0x01, 0x02]
        var found: [Int] = []
        for offset in 0..<(data.count - 3) where data[offset..<(offset + 4)].elementsEqual(signature) {
            found.append(offset)
        }
        return found[index]
    }

    func patched(_ name: String, entry: Int, field: Int, bytes: [UInt8]) throws -> Data {
        var data = try Fixtures.data(name)
        let start = directoryEntry(entry, in: data) + field
        data.replaceSubrange(start..<(start + bytes.count), with: bytes)
        return data
    }

    @Test func rejectsNonArchives() throws {
        #expect(throws: NPYError.notAnArchive) { try NPZ.read(Data()) }
        #expect(throws: NPYError.notAnArchive) { try NPZ.read(Fixtures.data("cube.npy")) }
        let stored = try Fixtures.data("stored.npz")
        #expect(throws: NPYError.notAnArchive) { try NPZ.read(stored.prefix(stored.count - 1)) }
    }

    @Test(arguments: ["stored.npz", "compressed.npz"])
    func rejectsChecksumMismatch(_ file: String) throws {
        let data = try patched(file, entry: 1, field: 16, bytes: [0, 0, 0, 0])
        #expect(throws: NPYError.checksumMismatch(member: "bias.npy")) { try NPZ.read(data) }
    }

    @Test func rejectsUnsupportedMethod() throws {
        let data = try patched("stored.npz", entry: 0, field: 10, bytes: [12, 0])
        #expect(throws: NPYError.unsupportedCompression(member: "weights.npy", method: 12)) { try NPZ.read(data) }
    }

    @Test func rejectsEncryptedMember() throws {
        let data = try patched("stored.npz", entry: 2, field: 8, bytes: [1, 0])
        #expect(throws: NPYError.unsupportedArchive("member 'flag.npy' is encrypted")) { try NPZ.read(data) }
    }

    @Test func rejectsDuplicateNames() throws {
        let data = try patched("stored.npz", entry: 1, field: 46, bytes: Array("flag".utf8))
        #expect(throws: NPYError.duplicateMember("flag")) { try NPZ.read(data) }
    }

    @Test func rejectsOffsetsPastTheEnd() throws {
        let data = try patched("stored.npz", entry: 3, field: 42, bytes: [0xf0, 0xff, 0xff, 0x7f])
        #expect(readFails(data) { if case .corruptArchive = $0 { true } else { false } })
    }

    @Test func rejectsCorruptDeflateData() throws {
        var data = try Fixtures.data("compressed.npz")
        // The first member's deflate stream starts after its 30-byte local header, name and ZIP64 extra.
        let start = 30 + "weights.npy".utf8.count + 20
        for offset in start..<(start + 8) {
            data[offset] ^= 0x55
        }
        #expect(readFails(data) {
            if case .corruptArchive = $0 { true } else if case .checksumMismatch = $0 { true } else { false }
        })
    }

    @Test func namesTheMemberThatIsNotAnNPYFile() throws {
        // Make weights.npy big-endian in place, then fix its CRC so only the .npy parser objects.
        var data = try Fixtures.data("stored.npz")
        let start = 30 + "weights.npy".utf8.count + 20
        let descr = data[start..<(start + 64)].firstRange(of: Data("'<f8'".utf8))!
        data[descr.lowerBound + 1] = UInt8(ascii: ">")
        let crc = data.withUnsafeBytes { NPZ.crc32(of: UnsafeRawBufferPointer(rebasing: $0[start..<(start + 224)])) }
        let field = directoryEntry(0, in: data) + 16
        data.replaceSubrange(field..<(field + 4), with: (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) })
        let reason = "big-endian arrays are not supported"
        #expect(throws: NPYError.invalidMember("weights.npy", .unsupportedDType(descr: ">f8", reason: reason))) {
            try NPZ.read(data)
        }
    }

    func readFails(_ data: Data, _ matches: (NPYError) -> Bool) -> Bool {
        do {
            _ = try NPZ.read(data)
            return false
        } catch {
            return matches(error)
        }
    }
}
