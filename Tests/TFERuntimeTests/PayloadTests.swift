// Payload writing and reading: bytes appended in place land after what the payload held, whatever its capacity;
// the fused readers and writers agree with the plain ones at any byte offset.

import Testing

@testable import TFERuntime

@Suite struct PayloadTests {
    /// Writes `count` bytes 1, 2, ... in place.
    static func appendCounting(_ count: Int, to payload: inout [UInt8]) {
        appendBytes(count: count, to: &payload) { target in
            for i in 0..<count { target[i] = UInt8(truncatingIfNeeded: i + 1) }
        }
    }

    @Test(arguments: [0, 1, 64, 5000])
    func bytesWrittenInPlaceFollowWhatThePayloadHeld(count: Int) {
        let expected = (0..<count).map { UInt8(truncatingIfNeeded: $0 + 1) }
        // Empty, with and without reserved capacity (the machine reserves each frame's size).
        for reserve in [0, 10, count + 100] {
            var payload: [UInt8] = []
            payload.reserveCapacity(reserve)
            Self.appendCounting(count, to: &payload)
            #expect(payload == expected, "reserve \(reserve)")
            #expect(payload.capacity >= reserve)
        }
        // After earlier bytes, twice.
        var payload: [UInt8] = [9, 8, 7]
        Self.appendCounting(count, to: &payload)
        Self.appendCounting(count, to: &payload)
        #expect(payload == [9, 8, 7] + expected + expected)
    }

    /// Ring elements from a fixed seed, with the extremes.
    static func ringValues(_ count: Int, seed: UInt64) -> [UInt64] {
        var prg = PRG(seed: Seed(fixed: seed), stream: 7)
        return Array((prg.nextUInt64s(count: count) + [0, 1, .max, 1 << 63]).prefix(count))
    }

    @Test(arguments: [0, 1, 3, 1000])
    func differencesWrittenInPlaceEqualTheDifferencesAppended(count: Int) {
        let (a, b) = (Self.ringValues(count, seed: 1), Self.ringValues(count, seed: 2))
        // After an odd number of bytes, so that the elements are not 8-byte aligned, and into an empty payload.
        for prefix in [[], [UInt8](repeating: 5, count: 3)] {
            var expected = prefix, actual = prefix
            appendRingElements(zip(a, b).map { $0 &- $1 }, to: &expected)
            appendRingDifferences(a, b, to: &actual)
            #expect(actual == expected, "prefix \(prefix.count)")
        }
    }

    @Test(arguments: [0, 1, 3, 1000])
    func anOpeningReadEqualsTheElementsReadThenAdded(count: Int) {
        let (own, peer) = (Self.ringValues(count, seed: 3), Self.ringValues(count, seed: 4))
        var payload: [UInt8] = [1, 2, 3]
        appendRingElements(peer, to: &payload)
        payload.append(9)
        var fused = PayloadReader(payload), plain = PayloadReader(payload)
        #expect(fused.readBytes(3) == [1, 2, 3] && plain.readBytes(3) == [1, 2, 3])
        let sums = fused.readRingElements(count, adding: own)
        let elements = plain.readRingElements(count)
        #expect(sums == elements.map { zip($0, own).map { $0 &+ $1 } })
        #expect(fused.remaining == 1 && plain.remaining == 1)
        // One element more than the payload holds: nothing is read.
        #expect(fused.readRingElements(1, adding: [0]) == nil)
        #expect(fused.remaining == 1)
    }

    @Test func aSliceOfBytesEqualsTheBytesCopied() {
        let payload = (0..<200).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var sliced = PayloadReader(payload), copied = PayloadReader(payload)
        for count in [0, 5, 64, 131] {
            let slice = sliced.readByteSlice(count)
            #expect(slice.map(Array.init) == copied.readBytes(count))
        }
        #expect(sliced.readByteSlice(1) == nil && copied.readBytes(1) == nil)
    }
}
