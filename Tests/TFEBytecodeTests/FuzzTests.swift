// Truncated, bit-flipped and otherwise mangled files either decode (and then verify or not) or throw:
// none may trap. Most mutations recompute the content hash, as a hostile file would, so that they reach
// the section parser and the verifier instead of stopping at the hash check.

import TFEBytecode
import Testing

@Suite struct BytecodeFuzzTests {
    /// Ten seeds of 1,100 mutations each. A failure names its seed and iteration; a trap kills the test
    /// process, so each seed is also printed before its run starts.
    static let seeds: [UInt64] = (1...10).map { 0x7fe_b000 + $0 }

    static let originals: [[UInt8]] = TestPrograms.all.map { $0.encoded() }

    @Test(arguments: seeds)
    func mangledFilesNeverTrap(seed: UInt64) {
        print("BytecodeFuzzTests: seed 0x\(String(seed, radix: 16))")
        var random = SplitMix64(seed: seed)
        var decoded = 0
        var verified = 0
        var rejected = 0
        for iteration in 0..<1_100 {
            let original = Self.originals[Int(random.next() % UInt64(Self.originals.count))]
            var bytes = Self.mutate(original, using: &random)
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
        #expect(rejected > 500, "seed 0x\(String(seed, radix: 16))")
        #expect(decoded > 0, "seed 0x\(String(seed, radix: 16))")
        _ = verified
    }

    /// One random change: a truncation, bit flips, byte changes, insertions, deletions, huge varints, or a
    /// chunk copied elsewhere. Changes favour the content after the 38-byte envelope.
    static func mutate(_ original: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = original
        func position() -> Int {
            random.next() % 8 == 0
                ? Int(random.next() % UInt64(bytes.count))
                : 38 + Int(random.next() % UInt64(bytes.count - 38))
        }
        switch random.next() % 8 {
        case 0:
            bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
        case 1:
            for _ in 0...(random.next() % 4) { bytes[position()] ^= 1 << UInt8(random.next() % 8) }
        case 2:
            bytes[position()] = UInt8(truncatingIfNeeded: random.next())
        case 3:
            let values: [UInt8] = [0x00, 0xff, 0x7f, 0x80, 0x01]
            bytes[position()] = values[Int(random.next() % UInt64(values.count))]
        case 4:
            bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position())
        case 5:
            let start = position()
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + Int(random.next() % 8)))
        case 6:
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
