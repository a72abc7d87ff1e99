// Damaged fixtures: every truncation or byte flip must be read or rejected with an error, never trap.

import Foundation
import Testing
@testable import TFENumPy
import TFERuntime  // its seeded PRG

@Suite struct NPYFuzzTests {
    /// Fixed so that runs are reproducible; set TFE_FUZZ_SEED to explore other mutations.
    static let seed = ProcessInfo.processInfo.environment["TFE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_261_122
    static let mutationCount = 6000

    @Test func damagedFilesNeverTrap() throws {
        // A trap kills the test process before any report, so say up front how to replay the run.
        print("NPYFuzzTests: seed \(Self.seed) (replay with TFE_FUZZ_SEED=\(Self.seed))")
        let originals = try Fixtures.all().map { try Fixtures.data($0) }
        var prg = PRG(seed: Seed(fixed: Self.seed), stream: 0)
        var outcomes = (read: 0, rejected: 0)
        for _ in 0..<Self.mutationCount {
            let original = originals[Int(prg.nextBelow(UInt64(originals.count)))]
            let damaged = mutate(original, with: &prg)
            for reader in [readNPY, readNPZ] {
                switch reader(damaged) {
                case .success(let count):
                    outcomes.read += 1
                    #expect(count >= 0, "inconsistent array from a damaged file (seed \(Self.seed))")
                case .failure:
                    outcomes.rejected += 1
                }
            }
        }
        // Both outcomes must occur, or the mutations are not reaching the interesting code.
        #expect(outcomes.read > 0 && outcomes.rejected > 0, "seed \(Self.seed): \(outcomes)")
    }

    /// The element count of the array(s) read, after checking each against its shape; -1 if inconsistent.
    func readNPY(_ data: Data) -> Result<Int, NPYError> {
        Result { () throws(NPYError) -> Int in
            let array = try NPY.read(data)
            return NPYArray.elementCount(of: array.shape) == array.storage.count ? array.elementCount : -1
        }
    }

    func readNPZ(_ data: Data) -> Result<Int, NPYError> {
        Result { () throws(NPYError) -> Int in
            try NPZ.read(data).reduce(0) { total, member in
                let array = member.array
                return NPYArray.elementCount(of: array.shape) == array.storage.count && total >= 0
                    ? total + array.elementCount : -1
            }
        }
    }

    /// One of: a truncation, a few flipped bits, a few bytes set to values that matter to parsers
    /// (0, 0xff, digits, quotes, brackets), or a few bytes inserted or deleted. Positions favour the
    /// header and the zip end records, where the structure lives.
    func mutate(_ original: Data, with prg: inout PRG) -> Data {
        var bytes = [UInt8](original)
        guard !bytes.isEmpty else { return Data(bytes) }
        func position() -> Int {
            let count = UInt64(bytes.count)
            switch prg.nextBelow(3) {
            case 0: return Int(prg.nextBelow(min(count, 128)))
            case 1: return bytes.count - 1 - Int(prg.nextBelow(min(count, 256)))
            default: return Int(prg.nextBelow(count))
            }
        }
        let interesting: [UInt8] = [0, 0xff, 0x7f, 0x80, 0x30, 0x39, 0x27, 0x28, 0x29, 0x2c, 0x7b, 0x7d, 0x2d]
        switch prg.nextBelow(4) {
        case 0:
            bytes.removeLast(1 + Int(prg.nextBelow(UInt64(bytes.count))))
        case 1:
            for _ in 0...prg.nextBelow(4) {
                bytes[position()] ^= 1 << UInt8(prg.nextBelow(8))
            }
        case 2:
            for _ in 0...prg.nextBelow(4) {
                bytes[position()] = interesting[Int(prg.nextBelow(UInt64(interesting.count)))]
            }
        default:
            let at = position()
            if prg.nextBelow(2) == 0 {
                bytes.insert(UInt8(truncatingIfNeeded: prg.next()), at: at)
            } else {
                bytes.remove(at: at)
            }
        }
        return Data(bytes)
    }
}
