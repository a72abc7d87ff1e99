// Writing .npy files exactly as numpy.save does, round trips, and the wording of errors.

import Foundation
import Testing
@testable import TFENumPy
import TFERuntime  // its seeded PRG

@Suite struct NPYWritingTests {
    @Test func writesFloat64sAsNumpyDoes() throws {
        let data = try NPY.encode(shape: [2, 2], doubles: [1, -2.5, 1e300, 0])
        #expect(data == (try Fixtures.data("written_f8.npy")))
    }

    @Test func writesInt64sAsNumpyDoes() throws {
        #expect(try NPY.encode(shape: [3], int64s: [7, -8, 1 << 62]) == (try Fixtures.data("written_i8.npy")))
        #expect(try NPY.encode(shape: [], int64s: [-3]) == (try Fixtures.data("written_scalar_i8.npy")))
    }

    @Test func padsLongShapesAsNumpyDoes() throws {
        let shape = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]
        #expect(try NPY.encode(shape: shape, doubles: [0, 0]) == (try Fixtures.data("written_long_shape_f8.npy")))
    }

    @Test(arguments: [[], [0], [1], [3], [2, 3], [2, 0, 3], [1, 2, 3, 4]] as [[Int]])
    func dataStartsOnA64ByteBoundary(shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let data = try NPY.encode(shape: shape, doubles: [Double](repeating: 1, count: count))
        #expect((data.count - 8 * count) % 64 == 0)
        #expect(data[data.count - 8 * count - 1] == UInt8(ascii: "\n"))
    }

    @Test func switchesToVersion2WhenTheHeaderOutgrows16Bits() throws {
        let shape = [Int](repeating: 1, count: 30000)
        let data = try NPY.encode(shape: shape, int64s: [5])
        #expect(data[6] == 2)
        let array = try NPY.read(data)
        #expect(array.shape == shape && array.storage == .int64([5]))
    }

    @Test func roundTripsEveryDType() throws {
        var prg = PRG(seed: Seed(fixed: 2026), stream: 0)
        for _ in 0..<20 {
            let shape = (0..<Int(prg.nextBelow(4))).map { _ in Int(prg.nextBelow(5)) }
            let count = shape.reduce(1, *)
            let words = prg.nextUInt64s(count: count)
            let storages: [NPYArray.Storage] = [
                .bool(words.map { $0 & 1 == 1 }),
                .int8(words.map { Int8(truncatingIfNeeded: $0) }),
                .int16(words.map { Int16(truncatingIfNeeded: $0) }),
                .int32(words.map { Int32(truncatingIfNeeded: $0) }),
                .int64(words.map { Int64(bitPattern: $0) }),
                .uint8(words.map { UInt8(truncatingIfNeeded: $0) }),
                .uint16(words.map { UInt16(truncatingIfNeeded: $0) }),
                .uint32(words.map { UInt32(truncatingIfNeeded: $0) }),
                .uint64(words),
                .float32(words.map { Float(Int32(truncatingIfNeeded: $0)) / 7 }),
                .float64(words.map { Double(Int64(bitPattern: $0)) / 3 }),
            ]
            for storage in storages {
                let array = try NPYArray(shape: shape, storage: storage)
                #expect(try NPY.read(NPY.encode(array)) == array)
            }
        }
    }

    @Test func roundTripsThroughAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-npy-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let doubles = directory.appendingPathComponent("x.npy")
        try NPY.write(to: doubles, shape: [2, 3], doubles: [1, 2, 3, 4, 5, 6.5])
        #expect(try NPY.read(contentsOf: doubles).asDoubles() == [1, 2, 3, 4, 5, 6.5])
        let ints = directory.appendingPathComponent("y.npy")
        try NPY.write(to: ints, shape: [3], int64s: [-1, 0, 1])
        #expect(try NPY.read(contentsOf: ints).asInt64s() == [-1, 0, 1])
    }

    @Test func rejectsShapesThatDoNotMatchTheElements() {
        #expect(throws: NPYError.shapeMismatch(shape: [2, 3], elementCount: 5)) {
            try NPY.encode(shape: [2, 3], doubles: [1, 2, 3, 4, 5])
        }
        #expect(throws: NPYError.shapeMismatch(shape: [], elementCount: 0)) {
            try NPY.encode(shape: [], int64s: [])
        }
        #expect(throws: NPYError.invalidShape([-1])) { try NPY.encode(shape: [-1], int64s: []) }
    }

    @Test func unwritablePathNamesTheReason() {
        #expect(throws: NPYError.unwritableFile(path: "/nonexistent/dir/x.npy", reason: "no such file or directory")) {
            try NPY.write(to: URL(fileURLWithPath: "/nonexistent/dir/x.npy"), shape: [1], doubles: [1])
        }
    }
}

@Suite struct NPYErrorWordingTests {
    struct Wording: Sendable, CustomTestStringConvertible {
        let error: NPYError
        let message: String
        var testDescription: String { message }
    }

    static let wordings: [Wording] = [
        Wording(error: .badMagic, message: "not an .npy file: bad magic"),
        Wording(
            error: .unsupportedDType(descr: ">f8", reason: "big-endian arrays are not supported"),
            message: "unsupported dtype '>f8': big-endian arrays are not supported"),
        Wording(
            error: .fortranOrder,
            message: "fortran-order arrays are not supported: save a C-ordered copy (numpy.ascontiguousarray)"),
        Wording(
            error: .truncatedData(elementCount: 784, byteCount: 6272, availableBytes: 100),
            message: "truncated data: header declares 784 elements (6272 bytes) but the file has 100 bytes"),
        Wording(error: .invalidShape([2, -1]), message: "shape (2, -1) has a negative dimension"),
        Wording(
            error: .invalidShape([1 << 62, 4]),
            message: "shape (4611686018427387904, 4) has too many elements to address"),
        Wording(
            error: .shapeMismatch(shape: [3], elementCount: 2),
            message: "shape (3,) needs 3 elements but 2 were given"),
        Wording(
            error: .valueOutOfRange(index: 5, dtype: .uint64),
            message: "element 5 of the uint64 array does not fit in a signed 64-bit integer"),
        Wording(error: .notIntegral(.float32), message: "cannot read a float32 array as integers"),
        Wording(
            error: .unsupportedCompression(member: "w.npy", method: 12),
            message: "member 'w.npy' uses compression method 12 (bzip2); "
                + "only stored (0) and deflate (8) are supported"),
        Wording(
            error: .checksumMismatch(member: "w.npy"),
            message: "member 'w.npy' fails its CRC-32 check: the archive is corrupted"),
        Wording(
            error: .invalidMember("w.npy", .fortranOrder),
            message: "in member 'w.npy': fortran-order arrays are not supported: save a C-ordered copy "
                + "(numpy.ascontiguousarray)"),
    ]

    @Test(arguments: wordings)
    func readsLikeACompilerMessage(_ wording: Wording) {
        #expect(wording.error.description == wording.message)
    }

    @Test func messagesAreLowercaseWithoutFinalPeriod() {
        for wording in Self.wordings {
            #expect(wording.message.first?.isLowercase == true && wording.message.last != ".")
        }
    }
}
