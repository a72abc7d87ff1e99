// `RegisterInfo` in 16 bytes with nothing to reference-count: every field reads back as it was set.

import TFECore
import Testing

@testable import TFEBytecode

@Suite struct RegisterInfoTests {
    /// Register tables of unrolled programs hold millions of entries: it was 32 bytes with a shape to retain.
    @Test func registerTypesAreCompact() {
        #expect(MemoryLayout<RegisterInfo>.stride == 16)
        #expect(MemoryLayout<Shape>.size == 4)
        #expect(_isPOD(RegisterInfo.self))
    }

    @Test(arguments: [nil, 0, 1, 2, 3, 1 << 40, Int.max, -1] as [Int?])
    func ownersReadBack(_ raw: Int?) {
        let owner = raw.map(PlayerID.init)
        var info = RegisterInfo(.int, Shape([3, 4]), owner: owner)
        #expect(info.owner == owner)
        #expect(info.element == .int && info.shape == Shape([3, 4]))
        info.owner = .server2
        #expect(info.owner == .server2)
        info.owner = owner
        #expect(info == RegisterInfo(.int, Shape([3, 4]), owner: owner))
        #expect(info != RegisterInfo(.fixed, Shape([3, 4]), owner: owner))
        #expect(info != RegisterInfo(.int, Shape([4, 3]), owner: owner))
    }
}

/// `SourceLocation` in 8 bytes: every position reads back, including those only a hand-made file holds.
@Suite struct SourceLocationTests {
    @Test func locationsAreCompact() {
        #expect(MemoryLayout<TFEBytecode.SourceLocation>.stride == 8)
    }

    @Test(arguments: [
        (0, 0), (1, 1), (12, 7), ((1 << 31) - 1, (1 << 32) - 1), (1 << 31, 0), (0, 1 << 32), (Int.max, Int.max),
        (-1, 5), (5, -1), (Int.min, 3),
    ])
    func positionsReadBack(_ line: Int, _ column: Int) {
        var location = TFEBytecode.SourceLocation(line: line, column: column)
        #expect(location.line == line && location.column == column)
        #expect(location == TFEBytecode.SourceLocation(line: line, column: column))
        #expect(location.hashValue == TFEBytecode.SourceLocation(line: line, column: column).hashValue)
        #expect(location != TFEBytecode.SourceLocation(line: line == 9 ? 8 : 9, column: column))
        location.line = 3
        #expect(location == TFEBytecode.SourceLocation(line: 3, column: column))
        location.column = 4
        #expect(location == TFEBytecode.SourceLocation(line: 3, column: 4))
    }
}
