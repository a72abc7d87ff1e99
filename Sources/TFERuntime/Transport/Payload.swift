// Ring elements in frame payloads: 8 little-endian bytes each.

import TFEBytecode

/// Appends ring elements to a payload.
func appendRingElements(_ values: [UInt64], to payload: inout [UInt8]) {
    values.withUnsafeBufferPointer { appendRingElements($0, to: &payload) }
}

/// Appends ring elements to a payload.
func appendRingElements(_ values: UnsafeBufferPointer<UInt64>, to payload: inout [UInt8]) {
    #if _endian(little)
        payload.append(contentsOf: UnsafeRawBufferPointer(values))
    #else
        for value in values {
            withUnsafeBytes(of: value.littleEndian) { payload.append(contentsOf: $0) }
        }
    #endif
}

/// Appends the ring elements `minuend - subtrahend`, element-wise, written in place: no array of the
/// differences on the way.
func appendRingDifferences(_ minuend: [UInt64], _ subtrahend: [UInt64], to payload: inout [UInt8]) {
    precondition(minuend.count == subtrahend.count, "element-wise operands must have the same number of values")
    let count = minuend.count
    appendBytes(count: count * WireFormat.elementBytes, to: &payload) { bytes in
        let target = UnsafeMutableRawPointer(bytes)
        minuend.withUnsafeBufferPointer { minuend in
            subtrahend.withUnsafeBufferPointer { subtrahend in
                for i in 0..<count {
                    let difference = (minuend[i] &- subtrahend[i]).littleEndian
                    target.storeBytes(of: difference, toByteOffset: 8 * i, as: UInt64.self)
                }
            }
        }
    }
}

/// Appends `count` bytes that `body` writes in place, given where the first goes: into a fresh array of the
/// payload's capacity when the payload is empty (no byte written twice, no copy), else after zeros appended.
/// - Precondition: `body` writes all `count` bytes.
func appendBytes(count: Int, to payload: inout [UInt8], _ body: (UnsafeMutablePointer<UInt8>) -> Void) {
    guard count > 0 else { return }
    if payload.isEmpty {
        payload = [UInt8](unsafeUninitializedCapacity: max(count, payload.capacity)) { bytes, initialized in
            body(bytes.baseAddress!)
            initialized = count
        }
        return
    }
    let start = payload.count
    payload.append(contentsOf: repeatElement(0, count: count))
    payload.withUnsafeMutableBufferPointer { body($0.baseAddress! + start) }
}

/// Appends `count` elements of SecureNN's field Z_p (each below 67), one byte each, from packed words (the
/// bytes of `words` in memory order, as a register of bit shares holds them).
func appendFieldElements(packed words: [UInt64], count: Int, to payload: inout [UInt8]) {
    precondition(count <= 8 * words.count, "more field elements than the words hold")
    words.withUnsafeBytes { payload.append(contentsOf: $0.prefix(count)) }
}

/// Reads a received payload front to back, one instruction's slice at a time.
struct PayloadReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }
    var remaining: Int { bytes.count - offset }

    /// The next `count` ring elements, or nil when fewer remain. The elements are copied straight into a new
    /// array (no zero-fill first: a frame's slice is often megabytes).
    mutating func readRingElements(_ count: Int) -> [UInt64]? {
        guard count >= 0, count <= remaining / WireFormat.elementBytes else { return nil }
        let byteCount = count * WireFormat.elementBytes
        let start = offset
        var values = [UInt64](unsafeUninitializedCapacity: count) { target, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(target).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: source[start..<(start + byteCount)]))
            }
            initialized = count
        }
        #if _endian(big)
            for index in values.indices { values[index] = UInt64(littleEndian: values[index]) }
        #endif
        offset += byteCount
        return values
    }

    /// The next `count` ring elements, each added to the element of `addend` at its position, or nil when fewer
    /// remain: an opening's sum in one pass, with no array of the peer's elements on the way.
    /// - Precondition: `addend` holds `count` elements.
    mutating func readRingElements(_ count: Int, adding addend: [UInt64]) -> [UInt64]? {
        precondition(addend.count == count, "the addend must hold one element per element read")
        guard count >= 0, count <= remaining / WireFormat.elementBytes else { return nil }
        guard count > 0 else { return [] }
        let start = offset
        let values = [UInt64](unsafeUninitializedCapacity: count) { target, initialized in
            bytes.withUnsafeBytes { source in
                addend.withUnsafeBufferPointer { addend in
                    let first = source.baseAddress! + start
                    for i in 0..<count {
                        let element = first.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                        target[i] = UInt64(littleEndian: element) &+ addend[i]
                    }
                }
            }
            initialized = count
        }
        offset += count * WireFormat.elementBytes
        return values
    }

    /// The next `count` bytes, in place (a slice of the frame, not a copy), or nil when fewer remain.
    mutating func readByteSlice(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// The next `count` bytes packed into words in memory order (the last word padded with zeros), or nil when
    /// fewer remain.
    mutating func readPackedBytes(_ count: Int) -> [UInt64]? {
        guard count >= 0, count <= remaining else { return nil }
        var words = [UInt64](repeating: 0, count: (count + 7) / 8)
        words.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count)]))
            }
        }
        offset += count
        return words
    }

    /// The next `count` raw bytes, or nil when fewer remain.
    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }
}
