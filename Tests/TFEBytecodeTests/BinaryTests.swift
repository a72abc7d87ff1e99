// The binary form: layout, determinism, and one hostile file per decoder check.

import TFECore
import Testing

@testable import TFEBytecode

/// The error `Program.decode` throws, or nil when it decodes.
func decodeError(_ bytes: [UInt8]) -> BytecodeError? {
    do {
        _ = try Program.decode(bytes)
        return nil
    } catch {
        return error
    }
}

/// The sections of an encoded program as (tag, payload), in file order.
func sections(_ bytes: [UInt8]) -> [(tag: UInt8, payload: [UInt8])] {
    var result: [(UInt8, [UInt8])] = []
    for (tag, offset) in sectionOffsets(bytes).sorted(by: { $0.value < $1.value }) {
        let length =
            Int(bytes[offset + 1]) | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]) << 16
            | Int(bytes[offset + 4]) << 24
        result.append((tag, Array(bytes[offset + 5..<offset + 5 + length])))
    }
    return result
}

/// A file with the given sections, a correct hash, and the current version.
func file(_ sections: [(tag: UInt8, payload: [UInt8])]) -> [UInt8] {
    var writer = BinaryWriter()
    writer.raw(Program.magic)
    writer.uint16(Program.formatVersion)
    writer.raw([UInt8](repeating: 0, count: 32))
    for (tag, payload) in sections {
        writer.byte(tag)
        writer.uint32(UInt32(payload.count))
        writer.raw(payload)
    }
    return rehashed(writer.bytes)
}

/// `program`'s encoding with one section's payload replaced (and the hash fixed up).
func replacing(_ tag: SectionTag, in program: Program, with payload: [UInt8]) -> [UInt8] {
    file(sections(program.encoded()).map { $0.tag == tag.rawValue ? (tag.rawValue, payload) : $0 })
}

/// A code section payload with the given offline and online instruction bytes, one round each (none when
/// empty).
func codePayload(offline: [UInt8] = [], online: [UInt8]) -> [UInt8] {
    var writer = BinaryWriter()
    for instruction in [offline, online] {
        if instruction.isEmpty {
            writer.unsigned(0)
        } else {
            writer.unsigned(1)
            writer.unsigned(1)
            writer.raw(instruction)
        }
    }
    return writer.bytes
}

func payload(_ build: (inout BinaryWriter) -> Void) -> [UInt8] {
    var writer = BinaryWriter()
    build(&writer)
    return writer.bytes
}

@Suite struct BinaryTests {
    let dense = TestPrograms.dense

    // MARK: - Layout

    @Test func fileStartsWithMagicVersionAndHash() {
        let bytes = dense.encoded()
        #expect(Array(bytes[0..<4]) == Array("TFEB".utf8))
        #expect(bytes[4] == 5 && bytes[5] == 0)
        #expect(Array(bytes[6..<38]) == SHA256.hash(Array(bytes[38...])))
        #expect(dense.contentHash == SHA256.hex(Array(bytes[6..<38])))
        #expect(sections(bytes).map(\.tag) == SectionTag.allCases.map(\.rawValue))
    }

    @Test func encodingIsDeterministic() {
        #expect(dense.encoded() == TestPrograms.dense.encoded())
        var renamed = dense
        renamed.name = "other.tfe"
        #expect(renamed.contentHash != dense.contentHash)
    }

    // MARK: - Envelope

    @Test(arguments: [[], [0x54, 0x46, 0x45], Array("TFEC".utf8) + [1, 0], Array("tfeb".utf8) + [1, 0]])
    func badMagic(_ bytes: [UInt8]) {
        let error = decodeError(bytes)
        #expect(error?.kind == .badMagic)
        #expect(error?.description == "not a tfe bytecode file (bad magic)")
    }

    @Test func unsupportedVersion() {
        var bytes = dense.encoded()
        bytes[4] = 9
        #expect(decodeError(bytes)?.description == "unsupported format version 9 (this tfe-vm reads version 5)")
    }

    @Test func corruptedContent() {
        var bytes = dense.encoded()
        bytes[bytes.count / 2] ^= 0x10
        let error = decodeError(bytes)
        #expect(error?.kind == .hashMismatch)
        #expect(error?.description == "content hash mismatch: the file is corrupted")
    }

    @Test func truncatedEnvelope() {
        let bytes = dense.encoded()
        #expect(decodeError(Array(bytes.prefix(5)))?.kind == .truncated)
        #expect(decodeError(Array(bytes.prefix(20)))?.kind == .truncated)
    }

    /// Every proper prefix fails, whether its hash is stale (corruption) or recomputed (a hostile file).
    @Test(arguments: TestPrograms.all)
    func everyTruncationFails(_ program: Program) {
        let bytes = program.encoded()
        for length in 0..<bytes.count {
            let prefix = Array(bytes.prefix(length))
            #expect(decodeError(prefix) != nil, "length \(length)")
            #expect(decodeError(rehashed(prefix)) != nil, "rehashed, length \(length)")
        }
    }

    @Test func truncatedCodeSectionNamesTheOffset() {
        let bytes = dense.encoded()
        let code = sectionOffsets(bytes)[SectionTag.code.rawValue]!
        let error = decodeError(rehashed(Array(bytes.prefix(code + 40))))
        #expect(error?.kind == .truncated)
        #expect(error?.description == "truncated code section at offset 0x" + String(code + 5, radix: 16))
    }

    // MARK: - Sections

    @Test func sectionsOutOfOrder() {
        var parts = sections(dense.encoded())
        parts.swapAt(1, 2)
        #expect(decodeError(file(parts))?.kind == .badSection)
    }

    @Test func missingSection() {
        let error = decodeError(file(Array(sections(dense.encoded()).dropLast())))
        #expect(error?.kind == .truncated)
        #expect(error?.description.hasPrefix("missing locations section") == true)
    }

    @Test func bytesLeftInASection() {
        var parts = sections(dense.encoded())
        parts[1].payload.append(0)
        #expect(decodeError(file(parts))?.kind == .badSection)
    }

    @Test func bytesAfterTheLastSection() {
        #expect(decodeError(rehashed(dense.encoded() + [0]))?.kind == .badSection)
    }

    @Test func sectionLongerThanTheFile() {
        var bytes = dense.encoded()
        let locations = sectionOffsets(bytes)[SectionTag.locations.rawValue]!
        bytes[locations + 4] = 0x7f
        #expect(decodeError(rehashed(bytes))?.kind == .truncated)
    }

    // MARK: - Values

    @Test func unknownProtocol() {
        let header = payload { w in
            w.string("x.tfe")
            w.byte(7)
            w.unsigned(16)
        }
        #expect(decodeError(replacing(.header, in: dense, with: header))?.kind == .unknownEnumValue)
    }

    @Test func hugePlayerCount() {
        let players = payload { $0.varint(1 << 62) }
        let error = decodeError(replacing(.players, in: dense, with: players))
        #expect(error?.kind == .countTooLarge)
    }

    @Test func hugeConstantCount() {
        let constants = payload { w in
            w.unsigned(1)
            w.unsigned(1 << 40)
            w.uint64(0)
        }
        #expect(decodeError(replacing(.constants, in: dense, with: constants))?.kind == .countTooLarge)
    }

    @Test func invalidUTF8() {
        let players = payload { w in
            w.unsigned(1)
            w.unsigned(2)
            w.raw([0xc3, 0x28])
        }
        #expect(decodeError(replacing(.players, in: dense, with: players))?.kind == .invalidUTF8)
    }

    @Test(arguments: [[0x80, 0x00], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]] as [[UInt8]])
    func malformedVarint(_ varint: [UInt8]) {
        let players = payload { $0.raw(varint) }
        #expect(decodeError(replacing(.players, in: dense, with: players))?.kind == .valueOutOfRange)
    }

    @Test func dimensionTooLarge() {
        let registers = payload { w in
            w.unsigned(1)
            w.byte(0)
            w.unsigned(1)
            w.varint(1 << 41)
            w.unsigned(0)
            w.unsigned(0)
            w.unsigned(0)
        }
        #expect(decodeError(replacing(.registers, in: dense, with: registers))?.kind == .valueOutOfRange)
    }

    @Test func ownerOutOfRange() {
        let registers = payload { w in
            w.unsigned(0)
            w.unsigned(0)
            w.unsigned(1)
            w.byte(0)
            w.unsigned(0)
            w.unsigned(99)
        }
        #expect(decodeError(replacing(.registers, in: dense, with: registers))?.kind == .valueOutOfRange)
    }

    // MARK: - Code

    @Test func unknownOpcodeNamesTheOffset() {
        let bytes = replacing(.code, in: dense, with: codePayload(online: [0x7f, 0, 0]))
        let opcode = sectionOffsets(bytes)[SectionTag.code.rawValue]! + 5 + 3
        let error = decodeError(bytes)
        #expect(error?.kind == .unknownOpcode)
        #expect(error?.offset == opcode)
        #expect(error?.description == "unknown opcode 0x7f at offset 0x" + String(opcode, radix: 16))
    }

    @Test func invalidOpcodeZero() {
        #expect(decodeError(replacing(.code, in: dense, with: codePayload(online: [0])))?.kind == .unknownOpcode)
    }

    @Test func wrongRegisterKind() {
        // trunc takes public registers: `trunc s0, p0`.
        let trunc = [Opcode.trunc.rawValue, 0, 0, 1, 0]
        #expect(decodeError(replacing(.code, in: dense, with: codePayload(online: trunc)))?.kind == .invalidOperands)
    }

    @Test func unknownSelector() {
        // `p0 = map #9 p1`: there is no map function 9.
        let map = [Opcode.map.rawValue, 1, 0, 1, 1, 9]
        #expect(decodeError(replacing(.code, in: dense, with: codePayload(online: map)))?.kind == .invalidOperands)
    }

    @Test func nonCanonicalTriple() {
        // A mul triple with stride 1 (zigzag 2) where the canonical encoding has 0.
        let triple = [Opcode.triple.rawValue, 0, 0, 0, 1, 0, 2, 0, 2, 0]
        let error = decodeError(replacing(.code, in: dense, with: codePayload(offline: triple, online: [])))
        #expect(error?.kind == .invalidOperands)
        #expect(error?.description.hasPrefix("operands do not fit 'triple'") == true)
    }

    @Test func registerIndexOutOfRange() {
        let neg = payload { w in
            w.byte(Opcode.neg.rawValue)
            w.byte(1)
            w.unsigned(0)
            w.byte(1)
            w.unsigned(dense.publicRegisters.count)
        }
        #expect(decodeError(replacing(.code, in: dense, with: codePayload(online: neg)))?.kind == .valueOutOfRange)
    }

    @Test func unknownRegisterKind() {
        let neg = [Opcode.neg.rawValue, 3, 0, 1, 0]
        #expect(decodeError(replacing(.code, in: dense, with: codePayload(online: neg)))?.kind == .unknownEnumValue)
    }

    @Test func hugeRoundCount() {
        let code = payload { w in
            w.varint(UInt64.max)
        }
        #expect(decodeError(replacing(.code, in: dense, with: code))?.kind == .countTooLarge)
    }

    @Test func hugeRegisterList() {
        let print = payload { w in
            w.byte(Opcode.print.rawValue)
            w.unsigned(0)
            w.string("{}")
            w.varint(1 << 50)
        }
        #expect(decodeError(replacing(.code, in: dense, with: codePayload(online: print)))?.kind == .countTooLarge)
    }

    @Test func decodedProgramsAreNotVerified() throws {
        // The decoder accepts a structurally sound program that breaks the verifier's rules.
        let program = try Program.decode(replacing(.code, in: dense, with: codePayload(online: [])))
        #expect(program.online.isEmpty)
        #expect(!Verifier.problems(in: program).isEmpty)
    }
}
