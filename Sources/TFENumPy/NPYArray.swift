// Arrays as `.npy` files hold them: a shape and a flat, C-ordered list of typed elements.

/// The element types tfe reads from `.npy` files, named by numpy's little-endian type strings.
public enum NPYDType: String, CaseIterable, Hashable, Sendable {
    case bool = "|b1"
    case int8 = "|i1"
    case int16 = "<i2"
    case int32 = "<i4"
    case int64 = "<i8"
    case uint8 = "|u1"
    case uint16 = "<u2"
    case uint32 = "<u4"
    case uint64 = "<u8"
    case float32 = "<f4"
    case float64 = "<f8"

    /// The `descr` numpy writes for this type, such as `<f8`.
    public var descr: String {
        rawValue
    }

    /// numpy's name for the type, for messages (`float64`).
    public var name: String {
        String(describing: self)
    }

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .bool, .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// Whether the elements are integers (or booleans) rather than floating-point numbers.
    public var isIntegral: Bool {
        self != .float32 && self != .float64
    }
}

/// An n-dimensional array read from or written to a `.npy` file, in C (row-major) order.
///
/// The elements keep their file type; `asDoubles()` and `asInt64s()` convert them for the machine.
public struct NPYArray: Equatable, Sendable {
    /// The elements, flat and in C order, in their file type.
    public enum Storage: Equatable, Sendable {
        case bool([Bool])
        case int8([Int8])
        case int16([Int16])
        case int32([Int32])
        case int64([Int64])
        case uint8([UInt8])
        case uint16([UInt16])
        case uint32([UInt32])
        case uint64([UInt64])
        case float32([Float])
        case float64([Double])

        /// The element type.
        public var dtype: NPYDType {
            switch self {
            case .bool: .bool
            case .int8: .int8
            case .int16: .int16
            case .int32: .int32
            case .int64: .int64
            case .uint8: .uint8
            case .uint16: .uint16
            case .uint32: .uint32
            case .uint64: .uint64
            case .float32: .float32
            case .float64: .float64
            }
        }

        /// The number of elements.
        public var count: Int {
            switch self {
            case .bool(let values): values.count
            case .int8(let values): values.count
            case .int16(let values): values.count
            case .int32(let values): values.count
            case .int64(let values): values.count
            case .uint8(let values): values.count
            case .uint16(let values): values.count
            case .uint32(let values): values.count
            case .uint64(let values): values.count
            case .float32(let values): values.count
            case .float64(let values): values.count
            }
        }
    }

    /// The dimensions; `[]` for a scalar, which holds one element.
    public let shape: [Int]
    /// The elements.
    public let storage: Storage

    /// An array of `storage` viewed with `shape`.
    ///
    /// Throws `NPYError.invalidShape` if a dimension is negative and `.shapeMismatch` if the shape's
    /// element count differs from `storage.count`.
    public init(shape: [Int], storage: Storage) throws(NPYError) {
        guard let count = NPYArray.elementCount(of: shape) else {
            throw .invalidShape(shape)
        }
        guard count == storage.count else {
            throw .shapeMismatch(shape: shape, elementCount: storage.count)
        }
        self.shape = shape
        self.storage = storage
    }

    /// Checked elsewhere: `shape`'s element count is `storage.count`.
    public init(validatedShape shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
    }

    /// The element type.
    public var dtype: NPYDType {
        storage.dtype
    }

    /// The number of elements (the product of `shape`).
    public var elementCount: Int {
        storage.count
    }

    /// The elements as `Double`s. Exact except for 64-bit integers beyond 2^53, which round.
    public func asDoubles() -> [Double] {
        switch storage {
        case .bool(let values): values.map { $0 ? 1 : 0 }
        case .int8(let values): values.map(Double.init)
        case .int16(let values): values.map(Double.init)
        case .int32(let values): values.map(Double.init)
        case .int64(let values): values.map(Double.init)
        case .uint8(let values): values.map(Double.init)
        case .uint16(let values): values.map(Double.init)
        case .uint32(let values): values.map(Double.init)
        case .uint64(let values): values.map(Double.init)
        case .float32(let values): values.map(Double.init)
        case .float64(let values): values
        }
    }

    /// The elements as `Int64`s; booleans read as 0 and 1.
    ///
    /// Throws `NPYError.notIntegral` for floating-point arrays (rounding them silently would hide a
    /// wrong input file) and `.valueOutOfRange` for a `uint64` element above `Int64.max`.
    public func asInt64s() throws(NPYError) -> [Int64] {
        switch storage {
        case .bool(let values): return values.map { $0 ? 1 : 0 }
        case .int8(let values): return values.map(Int64.init)
        case .int16(let values): return values.map(Int64.init)
        case .int32(let values): return values.map(Int64.init)
        case .int64(let values): return values
        case .uint8(let values): return values.map(Int64.init)
        case .uint16(let values): return values.map(Int64.init)
        case .uint32(let values): return values.map(Int64.init)
        case .uint64(let values):
            if let index = values.firstIndex(where: { $0 > UInt64(Int64.max) }) {
                throw .valueOutOfRange(index: index, dtype: .uint64)
            }
            return values.map { Int64($0) }
        case .float32, .float64:
            throw .notIntegral(dtype)
        }
    }

    /// The product of `shape`, or nil if a dimension is negative or the product overflows `Int`.
    ///
    /// A zero dimension makes the count zero however large the others are, as in numpy.
    static func elementCount(of shape: [Int]) -> Int? {
        if shape.contains(where: { $0 < 0 }) {
            return nil
        }
        if shape.contains(0) {
            return 0
        }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow {
                return nil
            }
            count = product
        }
        return count
    }
}
