// Reading and writing NumPy's `.npy` format (numpy.lib.format, versions 1.0, 2.0 and 3.0).

import Foundation

/// Reads and writes `.npy` files, the format of `numpy.save` and `numpy.load`.
///
/// Layout: the magic `\x93NUMPY`, a major and minor version byte, the header length (2 bytes
/// little-endian in version 1.0, 4 in 2.0 and 3.0), the header (a Python dictionary literal, padded
/// with spaces and a newline so the data starts at a multiple of 64), then the raw elements.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]
    /// numpy aligns the start of the data to this many bytes.
    static let alignment = 64

    // MARK: - Reading

    /// The array stored in `data`, the contents of an `.npy` file.
    ///
    /// Throws an `NPYError` naming the problem for anything but a C-ordered array of a supported dtype;
    /// no byte sequence makes it trap. Bytes after the data are ignored, as numpy does.
    public static func read(_ data: Data) throws(NPYError) -> NPYArray {
        let result: Result<NPYArray, NPYError> = data.withUnsafeBytes { bytes in
            Result { () throws(NPYError) -> NPYArray in try read(bytes: bytes) }
        }
        return try result.get()
    }

    /// The array in the `.npy` file at `url`.
    public static func read(contentsOf url: URL) throws(NPYError) -> NPYArray {
        try read(try FileAccess.contents(of: url))
    }

    /// The array stored in `bytes`; shared with `NPZ`, which hands over members in place.
    static func read(bytes: UnsafeRawBufferPointer) throws(NPYError) -> NPYArray {
        let checked = min(bytes.count, magic.count)
        guard checked > 0, bytes.prefix(checked).elementsEqual(magic.prefix(checked)) else {
            throw .badMagic
        }
        guard bytes.count >= magic.count + 2 else {
            throw .truncatedHeader(declaredBytes: magic.count + 2, availableBytes: bytes.count)
        }
        let major = bytes[6]
        let minor = bytes[7]
        guard (1...3).contains(major), minor == 0 else {
            throw .unsupportedVersion(major: major, minor: minor)
        }
        let lengthSize = major == 1 ? 2 : 4
        let headerStart = magic.count + 2 + lengthSize
        guard bytes.count >= headerStart else {
            throw .truncatedHeader(declaredBytes: headerStart, availableBytes: bytes.count)
        }
        var headerLength = 0
        for index in 0..<lengthSize {
            headerLength |= Int(bytes[magic.count + 2 + index]) << (8 * index)
        }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else {
            throw .truncatedHeader(declaredBytes: dataStart, availableBytes: bytes.count)
        }
        let header = try NPYHeader(parsing: Array(bytes[headerStart..<dataStart]))
        let dtype = try header.dtype()
        if header.fortranOrder && header.shape.filter({ $0 > 1 }).count > 1 {
            // With at most one dimension above 1, both orders lay the elements out identically.
            throw .fortranOrder
        }
        guard let count = NPYArray.elementCount(of: header.shape) else {
            throw .invalidShape(header.shape)
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
        guard !overflow else {
            throw .invalidShape(header.shape)
        }
        let available = bytes.count - dataStart
        guard available >= byteCount else {
            throw .truncatedData(elementCount: count, byteCount: byteCount, availableBytes: available)
        }
        let body = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(dataStart + byteCount)])
        return NPYArray(validatedShape: header.shape, storage: decode(body, as: dtype, count: count))
    }

    private static func decode(_ body: UnsafeRawBufferPointer, as dtype: NPYDType, count: Int) -> NPYArray.Storage {
        switch dtype {
        case .bool: .bool(body.map { $0 != 0 })
        case .int8: .int8(body.map { Int8(bitPattern: $0) })
        case .uint8: .uint8(Array(body))
        case .int16: .int16(load(body, count: count) { (raw: Int16) in raw })
        case .uint16: .uint16(load(body, count: count) { (raw: UInt16) in raw })
        case .int32: .int32(load(body, count: count) { (raw: Int32) in raw })
        case .uint32: .uint32(load(body, count: count) { (raw: UInt32) in raw })
        case .int64: .int64(load(body, count: count) { (raw: Int64) in raw })
        case .uint64: .uint64(load(body, count: count) { (raw: UInt64) in raw })
        case .float32: .float32(load(body, count: count, Float.init(bitPattern:)))
        case .float64: .float64(load(body, count: count, Double.init(bitPattern:)))
        }
    }

    /// `count` elements made from the little-endian `Raw` integers in `body`, which need not be aligned.
    @inline(__always)
    private static func load<Raw: FixedWidthInteger, Element>(
        _ body: UnsafeRawBufferPointer, count: Int, _ convert: (Raw) -> Element
    ) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { values, initialized in
            for index in 0..<count {
                let raw = body.loadUnaligned(fromByteOffset: index * MemoryLayout<Raw>.size, as: Raw.self)
                values.initializeElement(at: index, to: convert(Raw(littleEndian: raw)))
            }
            initialized = count
        }
    }

    // MARK: - Writing

    /// An `.npy` file (format 1.0, byte for byte what `numpy.save` writes) holding `doubles` as `<f8`.
    ///
    /// Throws `NPYError.shapeMismatch` or `.invalidShape` unless `shape` has `doubles.count` elements.
    public static func encode(shape: [Int], doubles: [Double]) throws(NPYError) -> Data {
        try encode(NPYArray(shape: shape, storage: .float64(doubles)))
    }

    /// An `.npy` file (format 1.0, as `numpy.save` writes it) holding `int64s` as `<i8`.
    public static func encode(shape: [Int], int64s: [Int64]) throws(NPYError) -> Data {
        try encode(NPYArray(shape: shape, storage: .int64(int64s)))
    }

    /// An `.npy` file holding `array` in its own dtype, as `numpy.save` writes it.
    public static func encode(_ array: NPYArray) -> Data {
        var data = Data(header(descr: array.dtype.descr, shape: array.shape))
        data.reserveCapacity(data.count + array.elementCount * array.dtype.byteCount)
        switch array.storage {
        case .bool(let values): data.append(contentsOf: values.map { $0 ? 1 : 0 })
        case .int8(let values): data.append(contentsOf: values.map { UInt8(bitPattern: $0) })
        case .uint8(let values): data.append(contentsOf: values)
        case .int16(let values): append(values, to: &data)
        case .uint16(let values): append(values, to: &data)
        case .int32(let values): append(values, to: &data)
        case .uint32(let values): append(values, to: &data)
        case .int64(let values): append(values, to: &data)
        case .uint64(let values): append(values, to: &data)
        case .float32(let values): append(values.map(\.bitPattern), to: &data)
        case .float64(let values): append(values.map(\.bitPattern), to: &data)
        }
        return data
    }

    /// Writes `doubles` with `shape` to an `.npy` file at `url`, replacing it atomically.
    public static func write(to url: URL, shape: [Int], doubles: [Double]) throws(NPYError) {
        try FileAccess.write(try encode(shape: shape, doubles: doubles), to: url)
    }

    /// Writes `int64s` with `shape` to an `.npy` file at `url`, replacing it atomically.
    public static func write(to url: URL, shape: [Int], int64s: [Int64]) throws(NPYError) {
        try FileAccess.write(try encode(shape: shape, int64s: int64s), to: url)
    }

    /// Writes `array` to an `.npy` file at `url`, replacing it atomically.
    public static func write(_ array: NPYArray, to url: URL) throws(NPYError) {
        try FileAccess.write(encode(array), to: url)
    }

    /// Magic, version, length and padded header, following numpy's `_write_array_header`: keys sorted,
    /// then room for the first dimension to grow to 21 digits, then spaces and a newline up to a multiple
    /// of 64. Version 2.0 only when the header outgrows 1.0's 16-bit length, as numpy decides.
    static func header(descr: String, shape: [Int]) -> [UInt8] {
        var text = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(NPYError.render(shape)), }"
        if let first = shape.first {
            text += String(repeating: " ", count: max(0, 21 - String(first).count))
        }
        let body = Array(text.utf8)
        // Version 1.0 stores the header length in 16 bits; numpy falls back to 2.0 only when it overflows.
        var (major, lengthSize): (UInt8, Int) = (1, 2)
        if paddedLength(of: body, lengthSize: 2) > Int(UInt16.max) {
            (major, lengthSize) = (2, 4)
        }
        let headerLength = paddedLength(of: body, lengthSize: lengthSize)
        let padding = [UInt8](repeating: UInt8(ascii: " "), count: headerLength - body.count - 1)
        let length = (0..<lengthSize).map { UInt8(truncatingIfNeeded: headerLength >> (8 * $0)) }
        return magic + [major, 0] + length + body + padding + [UInt8(ascii: "\n")]
    }

    /// The header length once padded so the data starts at a multiple of 64; numpy always adds at least
    /// the newline, and a whole line of 64 when the text would otherwise end exactly on the boundary.
    private static func paddedLength(of body: [UInt8], lengthSize: Int) -> Int {
        let prefixLength = magic.count + 2 + lengthSize
        let padding = alignment - (prefixLength + body.count + 1) % alignment
        return body.count + padding + 1
    }

    private static func append<T: FixedWidthInteger>(_ values: [T], to data: inout Data) {
        let littleEndian = values.map(\.littleEndian)
        littleEndian.withUnsafeBytes { data.append(contentsOf: $0) }
    }
}
