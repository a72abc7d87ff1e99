/// The element type of a value: fixed-point (the default) or integer.
public enum ElementType: String, Hashable, Sendable, CaseIterable {
    case fixed
    case int
}

/// A static tensor shape. `[]` is a scalar.
///
/// A shape is a 32-bit number in a process-wide table of interned dimension lists (`IntegerListTable.shapes`):
/// equal shapes have equal numbers, so a shape copies, compares and hashes as one word, with no reference count to
/// update (compilers and the machine copy millions of register types, each holding a shape). `dimensions` returns the
/// interned array itself (a retain, no allocation); making a shape interns its dimensions (a hash lookup).
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    /// The shape's number in `IntegerListTable.shapes`.
    let number: UInt32

    /// The scalar's number: the table's first.
    static let scalarNumber: UInt32 = 0

    public init(_ dimensions: [Int]) {
        number = IntegerListTable.shapes.intern(dimensions)
    }

    /// The shape of `dimensions`, or nil when they are new and the process already holds
    /// `IntegerListTable.capacity` distinct shapes (a decoder refuses such a file instead of stopping).
    public init?(ifRoom dimensions: [Int]) {
        guard let number = IntegerListTable.shapes.intern(dimensions, ifRoom: ()) else { return nil }
        self.number = number
    }

    public var dimensions: [Int] {
        get { IntegerListTable.shapes.list(number) }
        set { self = Shape(newValue) }
    }

    public static let scalar = Shape([])

    public var rank: Int { dimensions.count }

    /// The number of elements, or nil when it does not fit `Shape.maxElementCount`.
    public var elementCount: Int? {
        var count = 1
        for dimension in dimensions {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow || product > Shape.maxElementCount { return nil }
            count = product
        }
        return count
    }

    /// The largest tensor the tools accept: 2^40 elements (8 TiB of ring elements).
    public static let maxElementCount = 1 << 40

    /// `[100, 784]`, as the language writes shapes.
    public var description: String { Shape.description(of: dimensions) }

    /// `[100, 784]` for dimensions that need not become a shape: a file's, named in an error, which would
    /// otherwise stay in the process-wide table for good.
    public static func description(of dimensions: [Int]) -> String {
        "[" + dimensions.map(String.init).joined(separator: ", ") + "]"
    }

    /// NumPy broadcasting of two shapes, or nil when they are incompatible.
    public static func broadcast(_ a: Shape, _ b: Shape) -> Shape? {
        // Equal shapes, or a scalar against anything (most often): no shape to intern.
        if a == b || b.number == Shape.scalarNumber { return a }
        if a.number == Shape.scalarNumber { return b }
        let (a, b) = (a.dimensions, b.dimensions)
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for k in 0..<rank {
            let x = k < rank - a.count ? 1 : a[k - (rank - a.count)]
            let y = k < rank - b.count ? 1 : b[k - (rank - b.count)]
            if x == y || y == 1 {
                result[k] = x
            } else if x == 1 {
                result[k] = y
            } else {
                return nil
            }
        }
        return Shape(result)
    }
}

/// Who holds a value in the clear.
public enum Placement: Hashable, Sendable {
    /// A compile-time constant (literal or `param`): mixes with every other placement.
    case constant
    /// Secret-shared among server0 and server1: no single party sees it.
    case `private`
    /// Plaintext known to every server.
    case `public`
    /// Plaintext held by one player alone.
    case local(PlayerID)
}

/// The protocol a program runs under.
public enum ProtocolKind: String, Hashable, Sendable, CaseIterable {
    case pond
    case securenn
    /// ABY3 (Mohassel and Rindal, CCS 2018): 2-out-of-3 replicated sharing among the three servers.
    case aby3
}

/// Padding of convolutions and pooling, as TensorFlow defines it.
public enum Padding: String, Hashable, Sendable {
    case same = "SAME", valid = "VALID"
}

