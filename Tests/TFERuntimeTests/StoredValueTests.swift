// The state files of `store` and `load`: their encoding, and damaged files (refused, never a crash).

import Foundation
import TFEBytecode
import TFECore
import TFETestSupport
import Testing

@testable import TFERuntime

struct StoredValueTests {
    static let server0 = StoredValue(
        party: .server0, element: .fixed, fractionalBits: 16, shape: Shape([3, 2]), keys: [Seed(fixed: 7)],
        opened: [1, 2, 3, UInt64.max, 1 << 63, 0])
    static let server2 = StoredValue(
        party: .server2, element: .int, fractionalBits: 12, shape: Shape([]), keys: [Seed(fixed: 1), Seed(fixed: 2)],
        opened: [])

    @Test(arguments: [server0, server2])
    func roundTrip(_ value: StoredValue) throws {
        #expect(try StoredValue(decoding: value.encoded) == value)
    }

    @Test func layoutIsAsDocumented() {
        let bytes = Self.server0.encoded
        #expect(Array(bytes.prefix(8)) == Array("TFESTATE".utf8))
        // magic, version, party, element, frac, rank, 2 dimensions, key count, key, count, 6 elements, SHA-256
        #expect(bytes.count == 8 + 2 + 1 + 1 + 1 + 1 + 2 * 8 + 1 + 32 + 8 + 6 * 8 + 32)
    }

    /// Every truncation and 20,000 random bit flips and byte changes: each is refused with a reason, or (for
    /// a change the checksum cannot see, which would need a SHA-256 collision) decodes; nothing traps.
    @Test func damagedFilesAreRefused() {
        let bytes = Self.server0.encoded
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
