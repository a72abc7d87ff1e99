// Truncated, bit-flipped and otherwise mangled files either decode (and then verify or not) or throw:
// none may trap. Most mutations recompute the content hash, as a hostile file would, so that they reach
// the section parser and the verifier instead of stopping at the hash check.

import TFETestSupport
import TFEBytecode
import Testing

@Suite struct BytecodeFuzzTests {
    /// Ten seeds of 1,400 mutations each: 10,500 truncations and bit flips, 3,500 other changes. A failure
    /// names its seed and iteration; a trap kills the test process, so each seed is also printed before its
    /// run starts.
    static let seeds: [UInt64] = (1...10).map { 0x7fe_b000 + $0 }

    static let originals: [[UInt8]] = TestPrograms.all.map { $0.encoded() }

    @Test(arguments: seeds)
    func mangledFilesNeverTrap(seed: UInt64) {
        print("BytecodeFuzzTests: seed 0x\(String(seed, radix: 16))")
        var random = SplitMix64(seed: seed)
        var decoded = 0
        var verified = 0
        var rejected = 0
        for iteration in 0..<1_400 {
            let original = Self.originals[Int(random.next() % UInt64(Self.originals.count))]
            var bytes: [UInt8]
            switch iteration % 4 {
            case 0: bytes = Self.truncate(original, using: &random)
            case 1: bytes = Self.flipBits(original, using: &random)
            case 2: bytes = Self.flipBits(Self.truncate(original, using: &random), using: &random)
            default: bytes = Self.mutate(original, using: &random)
            }
            if random.next() % 8 != 0 { bytes = rehashed(bytes) }
            let context = "seed 0x\(String(seed, radix: 16)) iteration \(iteration)"
            do {
                let program = try Program.decode(bytes)
                decoded += 1
                #expect(program.encoded() == bytes, "\(context): decoding and encoding again changed the bytes")
                _ = program.asm
                if Verifier.problems(in: program).isEmpty {
                    verified += 1
                    _ = CostModel.cost(of: program)
                }
            } catch {
                rejected += 1
                #expect(!error.description.isEmpty, "\(context)")
            }
        }
        // The mutations must exercise both outcomes, or the test proves little.
        #expect(rejected > 700, "seed 0x\(String(seed, radix: 16))")
        #expect(decoded > 0, "seed 0x\(String(seed, radix: 16))")
        _ = verified
    }

    /// A random position, usually in the content after the 38-byte envelope.
    static func position(in bytes: [UInt8], using random: inout SplitMix64) -> Int {
        guard bytes.count > 38, random.next() % 8 != 0 else { return Int(random.next() % UInt64(max(1, bytes.count))) }
        return 38 + Int(random.next() % UInt64(bytes.count - 38))
    }

    static func truncate(_ bytes: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
    }

    /// One to four flipped bits.
    static func flipBits(_ original: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = original
        guard !bytes.isEmpty else { return bytes }
        for _ in 0...(random.next() % 4) {
            bytes[position(in: bytes, using: &random)] ^= 1 << UInt8(random.next() % 8)
        }
        return bytes
    }

    /// One other random change: byte changes, insertions, deletions, huge varints, or a chunk copied
    /// elsewhere.
    static func mutate(_ original: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = original
        func position() -> Int { Self.position(in: bytes, using: &random) }
        switch random.next() % 6 {
        case 0:
            bytes[position()] = UInt8(truncatingIfNeeded: random.next())
        case 1:
            let values: [UInt8] = [0x00, 0xff, 0x7f, 0x80, 0x01]
            bytes[position()] = values[Int(random.next() % UInt64(values.count))]
        case 2:
            bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position())
        case 3:
            let start = position()
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + Int(random.next() % 8)))
        case 4:
            let start = position()
            let huge: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]
            bytes.replaceSubrange(start..<min(bytes.count, start + huge.count), with: huge)
        default:
            let (from, to) = (position(), position())
            let chunk = bytes[from..<min(bytes.count, from + 1 + Int(random.next() % 16))]
            bytes.replaceSubrange(to..<min(bytes.count, to + chunk.count), with: chunk)
        }
        return bytes
    }
}
