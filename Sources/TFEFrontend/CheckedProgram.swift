import TFECore

/// Tag for `ValueID`.
public enum ValueTag {}
/// A value of a `CheckedProgram`: the index of the operation that computes it.
public typealias ValueID = TypedIndex<ValueTag>

/// Element type, shape and placement of a value.
public struct ValueType: Hashable, Sendable {
    public var element: ElementType
    public var shape: Shape
    public var placement: Placement

    public init(_ element: ElementType, _ shape: Shape, _ placement: Placement) {
        self.element = element
        self.shape = shape
        self.placement = placement
    }
}

/// The checked program: every function inlined, every loop unrolled, every value typed with its element
/// type, shape and placement. Operations are in execution order; an operation's result is referred to
/// by its index (`ValueID`). This is what lowering consumes and what `tfec compile --emit ast` prints.
public struct CheckedProgram: Sendable {
    public var source: SourceFile
    public var protocolKind: ProtocolKind = .pond
    public var fractionalBits = 16
    /// Player names by `PlayerID`: the three servers first, then declared players in order.
    public var players: [String] = PlayerID.serverNames
    public var operations: [Operation] = []

    public init(source: SourceFile) {
        self.source = source
    }

    public subscript(_ value: ValueID) -> Operation { operations[value.rawValue] }
}

/// How an input reaches the servers.
public enum InputKind: String, Hashable, Sendable {
    /// `private_input`: secret-shared between server0 and server1.
    case `private` = "private_input"
    /// `public_input`: sent in the clear to every server.
    case `public` = "public_input"
    /// `input`: stays with its player.
    case local = "input"
}

/// One step of a checked program.
public struct Operation: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// A compile-time constant scalar that meets a tensor.
        case constant(Double)
        case input(InputKind, player: PlayerID, name: String)
        /// `load("name", SHAPE)`: a private value stored on the servers by an earlier run.
        case load(name: String)
        case share(ValueID)
        /// `reveal(v)` (to every server) or `reveal(v, P)` (to P alone).
        case reveal(ValueID, to: PlayerID?)
        case negate(ValueID)
        /// Element-wise arithmetic and comparisons with broadcasting, and `matmul`.
        case binary(BinaryOperator, ValueID, ValueID)
        case elementwise(ElementwiseFunction, ValueID)
        case sum(ValueID, axis: Int?)
        case mean(ValueID, axis: Int?)
        case softmax(ValueID, axis: Int)
        case argmax(ValueID, axis: Int?)
        case transpose(ValueID, permutation: [Int])
        case reshape(ValueID)
        /// `concat(a, b, ..., axis: k)`: the values joined along `axis` (non-negative), all of one placement.
        case concat([ValueID], axis: Int)
        /// `x[a:b, :, k]`: `result[i] = x[begin + i * step]` over `counts` (of x's rank); the result's type drops
        /// the axes an integer index selects.
        case slice(ValueID, begin: [Int], step: [Int], counts: [Int])
        /// `pad(x, [[before, after], ...])`: x at offset `before` in zeros of the result's shape.
        case pad(ValueID, before: [Int])
        case conv2d(ValueID, kernel: ValueID, stride: Int, padding: Padding)
        case avgpool2d(ValueID, size: Int, stride: Int, padding: Padding)
        case maxpool2d(ValueID, size: Int, stride: Int, padding: Padding)
        /// `maxpool2d_grad(x, dy, ...)`: the gradient with respect to x of `maxpool2d(x, ...)`, given the
        /// gradient dy with respect to its output: each window's dy goes to the window's first maximum.
        case maxpool2dGrad(ValueID, ValueID, size: Int, stride: Int, padding: Padding)
        case `where`(ValueID, ValueID, ValueID)
        // Effects: no result.
        case output(player: PlayerID, name: String, ValueID)
        case store(name: String, ValueID)
        case print([PrintItem])
    }

    /// An argument of `print`.
    public enum PrintItem: Hashable, Sendable {
        case text(String)
        case value(ValueID)
    }

    public var kind: Kind
    /// The result's type; nil for effects.
    public var type: ValueType?
    /// The variable first assigned this value, if any (for listings and messages).
    public var name: String?
    public var range: SourceRange
}
