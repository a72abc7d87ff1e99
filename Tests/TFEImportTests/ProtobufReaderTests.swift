// The wire-format reader on hand-written bytes: each field kind, packed and unpacked repeated fields, and
// every way a message can be cut short or malformed.

@testable import TFEImport
import Testing

@Suite struct ProtobufReaderTests {
    /// Reads every field of `bytes` as (number, value).
    func fields(_ bytes: [UInt8]) throws -> [ProtobufReader.Field] {
        try ProtobufReader.fields(of: bytes)
    }

    @Test func varintsIncludingNegativeInt64() throws {
        // field 1 = 150 (the protobuf guide's example), field 2 = -1 as a 10-byte varint.
        let read = try fields([0x08, 0x96, 0x01, 0x10] + [UInt8](repeating: 0xff, count: 9) + [0x01])
        #expect(read.map(\.number) == [1, 2])
        #expect(try read[0].integer() == 150)
        #expect(try read[1].integer() == -1)
    }

    @Test func fixedWidthFields() throws {
        let one = Float(1.5).bitPattern, two = Double(-2.25).bitPattern
        var bytes: [UInt8] = [0x0d] + (0..<4).map { UInt8(truncatingIfNeeded: one >> (8 * $0)) }
        bytes += [0x11] + (0..<8).map { UInt8(truncatingIfNeeded: two >> (8 * UInt64($0))) }
        let read = try fields(bytes)
        #expect(try read[0].float() == 1.5)
        #expect(try read[1].doubles(in: bytes) == [-2.25])
    }

    @Test func lengthDelimitedStringAndNestedMessage() throws {
        let bytes: [UInt8] = [0x12, 0x02, 0x68, 0x69, 0x1a, 0x02, 0x08, 0x07]
        let read = try fields(bytes)
        #expect(try read[0].string(in: bytes) == "hi")
        let inner = try ProtobufReader.fields(of: bytes, in: try read[1].range())
        #expect(try inner[0].integer() == 7)
    }

    @Test func packedAndUnpackedRepeatedFieldsAgree() throws {
        let packed: [UInt8] = [0x0a, 0x04, 0x01, 0x96, 0x01, 0x03]
        let unpacked: [UInt8] = [0x08, 0x01, 0x08, 0x96, 0x01, 0x08, 0x03]
        #expect(try fields(packed).flatMap { try $0.integers(in: packed) } == [1, 150, 3])
        #expect(try fields(unpacked).flatMap { try $0.integers(in: unpacked) } == [1, 150, 3])
        let floats: [UInt8] = [0x22, 0x08, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]
        #expect(try fields(floats)[0].floats(in: floats) == [1, 2])
    }

    @Test(arguments: [
        [0x08] as [UInt8],                          // varint cut off after the key
        [0x08, 0x80],                               // varint with its continuation bit set at the end
        [0x12, 0x05, 0x61],                         // a string longer than what remains
        [0x0d, 0x00, 0x00],                         // a fixed32 cut short
        [0x09, 0x00],                               // a fixed64 cut short
        [0x0b],                                     // a group (wire type 3)
        [0x0f, 0, 0, 0, 0],                         // wire type 7
        [0x00, 0x01],                               // field number 0
        [0x08] + [UInt8](repeating: 0xff, count: 11),  // a varint longer than 10 bytes
    ])
    func malformedMessagesThrow(_ bytes: [UInt8]) {
        #expect(throws: ImportError.self) { try ProtobufReader.fields(of: bytes) }
    }

    @Test func wrongWireTypeForTheSchemaThrows() throws {
        let bytes: [UInt8] = [0x08, 0x01]
        let field = try fields(bytes)[0]
        #expect(throws: ImportError.self) { try field.float() }
        #expect(throws: ImportError.self) { try field.range() }
        let packed: [UInt8] = [0x22, 0x03, 0, 0, 0]  // 3 bytes cannot be packed floats
        #expect(throws: ImportError.self) { try fields(packed)[0].floats(in: packed) }
    }
}
