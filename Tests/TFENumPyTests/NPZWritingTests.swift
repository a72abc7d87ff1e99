// NPZ.encode: what it writes NPZ.read (and numpy) reads back, member for member.

import Foundation
import Testing
import TFENumPy

@Suite struct NPZWritingTests {
    @Test func roundTripsMembersInOrder() throws {
        let members: [(name: String, array: NPYArray)] = [
            ("w0", try NPYArray(shape: [2, 3], storage: .float64([1, -2, 3.5, 0, 1e-9, 7]))),
            ("scalar", try NPYArray(shape: [], storage: .float64([42]))),
            ("labels", try NPYArray(shape: [3], storage: .int64([1, 2, -3]))),
        ]
        let read = try NPZ.read(NPZ.encode(members))
        #expect(read.map(\.name) == ["w0", "scalar", "labels"])
        #expect(read.map(\.array) == members.map(\.array))
    }

    @Test func anEmptyArchiveReadsAsNoMembers() throws {
        #expect(try NPZ.read(NPZ.encode([])).isEmpty)
    }
}
