// Reading numpy's own .npy files, writing them byte for byte as numpy does, and rejecting the rest.

import Foundation
import Testing
@testable import TFENumPy

struct DTypeFixture: Sendable, CustomTestStringConvertible {
    let file: String
    let storage: NPYArray.Storage
    var testDescription: String { file }
}

/// An .npy file with `header` as its dictionary text and `body` after it, padded as numpy pads.
func npyFile(header: String, body: [UInt8] = [], major: UInt8 = 1) -> Data {
    let lengthSize = major == 1 ? 2 : 4
    var text = Array(header.utf8)
    while (8 + lengthSize + text.count + 1) % 64 != 0 {
        text.append(UInt8(ascii: " "))
    }
    text.append(UInt8(ascii: "\n"))
    let length = (0..<lengthSize).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) }
    return Data(NPY.magic + [major, 0] + length + text + body)
}

/// `header` with its descr and shape filled in.
func dictionary(descr: String = "<f8", fortran: String = "False", shape: String) -> String {
    "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }"
}

/// Whether reading `data` throws an error for which `matches` holds.
func readFails(_ data: Data, _ matches: (NPYError) -> Bool) -> Bool {
    do {
        _ = try NPY.read(data)
        return false
    } catch {
        return matches(error)
    }
}

@Suite struct NPYReadingTests {
    static let dtypeFixtures: [DTypeFixture] = [
        DTypeFixture(file: "dtype_f4.npy", storage: .float32([-1.5, 0, 0.25, 3, .infinity, -.infinity])),
        DTypeFixture(file: "dtype_f8.npy", storage: .float64([-1.5, 0, 0.25, 3, .infinity, -.infinity])),
        DTypeFixture(file: "dtype_i1.npy", storage: .int8([.min, -1, 0, 1, 2, .max])),
        DTypeFixture(file: "dtype_i2.npy", storage: .int16([.min, -1, 0, 1, 2, .max])),
        DTypeFixture(file: "dtype_i4.npy", storage: .int32([.min, -1, 0, 1, 2, .max])),
        DTypeFixture(file: "dtype_i8.npy", storage: .int64([.min, -1, 0, 1, 2, .max])),
        DTypeFixture(file: "dtype_u1.npy", storage: .uint8([0, 1, 0, 1, 2, .max])),
        DTypeFixture(file: "dtype_u2.npy", storage: .uint16([0, 1, 0, 1, 2, .max])),
        DTypeFixture(file: "dtype_u4.npy", storage: .uint32([0, 1, 0, 1, 2, .max])),
        DTypeFixture(file: "dtype_u8.npy", storage: .uint64([0, 1, 0, 1, 2, .max])),
        DTypeFixture(file: "dtype_b1.npy", storage: .bool([true, false, true, false, false, true])),
    ]

    @Test(arguments: dtypeFixtures)
    func readsEveryDType(_ fixture: DTypeFixture) throws {
        let array = try NPY.read(contentsOf: Fixtures.url(fixture.file))
        #expect(array.shape == [2, 3])
        #expect(array.storage == fixture.storage)
    }

    @Test func convertsToDoubles() throws {
        let ints = try NPY.read(contentsOf: Fixtures.url("dtype_i2.npy"))
        #expect(ints.asDoubles() == [-32768, -1, 0, 1, 2, 32767])
        let floats = try NPY.read(contentsOf: Fixtures.url("dtype_f4.npy"))
        #expect(floats.asDoubles() == [-1.5, 0, 0.25, 3, .infinity, -.infinity])
        let bools = try NPY.read(contentsOf: Fixtures.url("dtype_b1.npy"))
        #expect(bools.asDoubles() == [1, 0, 1, 0, 0, 1])
    }

    @Test func convertsToInt64s() throws {
        #expect(try NPY.read(contentsOf: Fixtures.url("dtype_u4.npy")).asInt64s() == [0, 1, 0, 1, 2, 4_294_967_295])
        #expect(try NPY.read(contentsOf: Fixtures.url("dtype_b1.npy")).asInt64s() == [1, 0, 1, 0, 0, 1])
        #expect(try NPY.read(contentsOf: Fixtures.url("dtype_i8.npy")).asInt64s() == [.min, -1, 0, 1, 2, .max])
        #expect(throws: NPYError.valueOutOfRange(index: 5, dtype: .uint64)) {
            try NPY.read(contentsOf: Fixtures.url("dtype_u8.npy")).asInt64s()
        }
        #expect(throws: NPYError.notIntegral(.float64)) {
            try NPY.read(contentsOf: Fixtures.url("dtype_f8.npy")).asInt64s()
        }
    }

    @Test func readsScalarsEmptyAndThreeDimensionalArrays() throws {
        let scalar = try NPY.read(contentsOf: Fixtures.url("scalar.npy"))
        #expect(scalar.shape == [] && scalar.storage == .float64([42.5]))
        let empty = try NPY.read(contentsOf: Fixtures.url("empty.npy"))
        #expect(empty.shape == [0] && empty.storage == .float64([]))
        let emptyCube = try NPY.read(contentsOf: Fixtures.url("empty_2x0x3.npy"))
        #expect(emptyCube.shape == [2, 0, 3] && emptyCube.storage == .int32([]))
        let cube = try NPY.read(contentsOf: Fixtures.url("cube.npy"))
        #expect(cube.shape == [2, 3, 4] && cube.storage == .int64(Array(0..<24)))
    }

    @Test(arguments: ["version2.npy", "version3.npy"])
    func readsLaterFormatVersions(_ file: String) throws {
        let array = try NPY.read(contentsOf: Fixtures.url(file))
        #expect(array.shape == [1, 5] && array.storage == .float64([0, 1, 2, 3, 4]))
    }

    @Test func readsNativeByteOrder() throws {
        #expect(try NPY.read(contentsOf: Fixtures.url("native_order.npy")).storage == .int32([0, 1, 2]))
        let equals = npyFile(header: dictionary(descr: "=i2", shape: "(1,)"), body: [5, 1])
        #expect(try NPY.read(equals).storage == .int16([261]))
        let bare = npyFile(header: dictionary(descr: "u2", shape: "(1,)"), body: [5, 1])
        #expect(try NPY.read(bare).storage == .uint16([261]))
        let bigByte = npyFile(header: dictionary(descr: ">u1", shape: "(2,)"), body: [5, 1])
        #expect(try NPY.read(bigByte).storage == .uint8([5, 1]))
        let questionMark = npyFile(header: dictionary(descr: "?", shape: "(2,)"), body: [0, 2])
        #expect(try NPY.read(questionMark).storage == .bool([false, true]))
    }

    @Test func fortranOrderWithOneLongAxisIsTheSameLayout() throws {
        let data = npyFile(header: dictionary(descr: "|u1", fortran: "True", shape: "(1, 3)"), body: [1, 2, 3])
        #expect(try NPY.read(data).storage == .uint8([1, 2, 3]))
    }

    @Test func ignoresBytesAfterTheData() throws {
        let data = npyFile(header: dictionary(descr: "|u1", shape: "(2,)"), body: [1, 2, 3, 4])
        #expect(try NPY.read(data).storage == .uint8([1, 2]))
    }

    @Test func acceptsHeaderSpellingsNumpyHasUsed() throws {
        let spellings = [
            "{\"descr\": \"<i2\", \"fortran_order\": False, \"shape\": (2,)}",
            "{'shape': (2L,), 'fortran_order': False, 'descr': '<i2'}",
            "{'descr':'<i2','fortran_order':False,'shape':(2,),}",
            "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 1)}",
        ]
        for header in spellings {
            #expect(try NPY.read(npyFile(header: header, body: [1, 0, 2, 0])).storage == .int16([1, 2]))
        }
    }
}

@Suite struct NPYRejectionTests {
    struct Rejection: Sendable, CustomTestStringConvertible {
        let file: String
        let expected: NPYError
        var testDescription: String { file }
    }

    static func unsupported(_ file: String, _ descr: String, _ reason: String) -> Rejection {
        Rejection(file: file, expected: .unsupportedDType(descr: descr, reason: reason))
    }

    static let rejectedFixtures: [Rejection] = [
        Rejection(file: "fortran.npy", expected: .fortranOrder),
        unsupported("bigendian.npy", ">f8", "big-endian arrays are not supported"),
        unsupported("complex.npy", "<c16", "complex arrays are not supported"),
        unsupported("strings.npy", "<U3", "string arrays are not supported"),
        unsupported("structured.npy", "[...]", "structured arrays are not supported"),
        unsupported("float16.npy", "<f2", "float16 arrays are not supported"),
        unsupported("object.npy", "|O", "object arrays are not supported"),
    ]

    @Test(arguments: rejectedFixtures)
    func rejectsFixture(_ rejection: Rejection) {
        #expect(throws: rejection.expected) { try NPY.read(contentsOf: Fixtures.url(rejection.file)) }
    }

    @Test func rejectsTruncatedData() {
        let data = npyFile(header: dictionary(shape: "(784,)"), body: [UInt8](repeating: 0, count: 100))
        #expect(throws: NPYError.truncatedData(elementCount: 784, byteCount: 6272, availableBytes: 100)) {
            try NPY.read(data)
        }
    }

    @Test func rejectsBadPrefixes() {
        #expect(throws: NPYError.badMagic) { try NPY.read(Data()) }
        #expect(throws: NPYError.badMagic) { try NPY.read(Data("PK\u{3}\u{4}".utf8)) }
        #expect(throws: NPYError.truncatedHeader(declaredBytes: 8, availableBytes: 3)) {
            try NPY.read(Data([0x93, 0x4e, 0x55]))
        }
        #expect(throws: NPYError.truncatedHeader(declaredBytes: 10, availableBytes: 9)) {
            try NPY.read(Data(NPY.magic + [1, 0, 0x76]))
        }
        #expect(throws: NPYError.truncatedHeader(declaredBytes: 10 + 0x76, availableBytes: 20)) {
            try NPY.read(Data(NPY.magic + [1, 0, 0x76, 0] + [UInt8](repeating: 0x20, count: 10)))
        }
        #expect(throws: NPYError.unsupportedVersion(major: 4, minor: 0)) {
            try NPY.read(npyFile(header: dictionary(shape: "()")).replacing(at: 6, with: 4))
        }
        #expect(throws: NPYError.unsupportedVersion(major: 1, minor: 1)) {
            try NPY.read(npyFile(header: dictionary(shape: "()")).replacing(at: 7, with: 1))
        }
    }

    /// Headers that are not what numpy writes: each must give a malformed-header error, not a trap.
    static let malformedHeaders = [
        "", "[]", "{", "{}", "{'descr': '<f8'}", "{'descr': '<f8', 'fortran_order': False}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
        "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3,)}",
        "{'descr': 8, 'fortran_order': False, 'shape': (3,)}",
        "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': [3]}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3.5,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1180591620717411303424,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)} trailing",
        "{'descr': '<f8, 'fortran_order': False, 'shape': (3,)}",
        "{'descr': '<f8' 'fortran_order': False, 'shape': (3,)}",
        "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (3,)}",
        "{'descr': '<f\\q8', 'fortran_order': False, 'shape': (3,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (-,)}",
        "{3: '<f8'}",
        String(repeating: "(", count: 10000),
        "{'descr': '<f8', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 50) + "}",
    ]

    @Test(arguments: malformedHeaders)
    func rejectsMalformedHeader(_ header: String) {
        #expect(readFails(npyFile(header: header)) { if case .malformedHeader = $0 { true } else { false } })
    }

    @Test func rejectsImpossibleShapes() {
        #expect(throws: NPYError.invalidShape([2, -1])) { try NPY.read(npyFile(header: dictionary(shape: "(2, -1)"))) }
        let huge = "(4611686018427387904, 4)"
        #expect(throws: NPYError.invalidShape([1 << 62, 4])) { try NPY.read(npyFile(header: dictionary(shape: huge))) }
        // Elements fit in an Int, bytes do not.
        let wide = "(2305843009213693952,)"
        #expect(throws: NPYError.invalidShape([1 << 61])) { try NPY.read(npyFile(header: dictionary(shape: wide))) }
    }

    @Test func zeroDimensionMakesAnyShapeEmpty() throws {
        let array = try NPY.read(npyFile(header: dictionary(shape: "(0, 4611686018427387904, 4)")))
        #expect(array.shape == [0, 1 << 62, 4] && array.elementCount == 0)
    }

    @Test func unreadableFileNamesTheReason() {
        #expect(throws: NPYError.unreadableFile(path: "/nonexistent/x.npy", reason: "no such file or directory")) {
            try NPY.read(contentsOf: URL(fileURLWithPath: "/nonexistent/x.npy"))
        }
    }
}

extension Data {
    /// A copy with the byte at `index` replaced.
    func replacing(at index: Int, with byte: UInt8) -> Data {
        var copy = self
        copy[copy.startIndex + index] = byte
        return copy
    }
}
