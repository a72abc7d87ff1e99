// Payload writing: bytes appended in place land after what the payload held, whatever its capacity.

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
}
