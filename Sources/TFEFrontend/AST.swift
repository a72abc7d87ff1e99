import TFECore

/// Tag for `ExprID`.
public enum ExprTag {}
/// Tag for `StmtID`.
public enum StmtTag {}
/// An expression in `AST.exprs`.
public typealias ExprID = TypedIndex<ExprTag>
/// A statement in `AST.stmts`.
public typealias StmtID = TypedIndex<StmtTag>

/// An interned identifier: equal names have equal symbols within one `AST`.
public struct Symbol: Hashable, Sendable {
    public let rawValue: Int32
}

/// A name as written, with where it was written.
public struct Name: Hashable, Sendable {
    public var symbol: Symbol
    public var range: SourceRange
}

/// The parsed program, stored flat: expressions and statements live in arrays and refer to each other
/// by typed index, which keeps parsing of million-line programs cheap.
public struct AST: Sendable {
    public var source: SourceFile
    public var exprs: [Expr] = []
    public var stmts: [Stmt] = []
    /// The statements of the program, in order.
    public var topLevel: [StmtID] = []
    /// Interned names: `names[Int(symbol.rawValue)]`.
    public var names: [String] = [] {
        didSet { predefined = PredefinedName.classify(names) }
    }
    /// What each name means before any declaration, parallel to `names`: the passes ask this array instead of
    /// looking every name up again.
    private(set) var predefined: [PredefinedName] = []

    public init(source: SourceFile) {
        self.source = source
    }

    public subscript(_ id: ExprID) -> Expr { exprs[id.rawValue] }
    public subscript(_ id: StmtID) -> Stmt { stmts[id.rawValue] }
    public func name(_ symbol: Symbol) -> String { names[Int(symbol.rawValue)] }
    func predefined(_ symbol: Symbol) -> PredefinedName { predefined[Int(symbol.rawValue)] }
}

/// What a name means before any declaration: a built-in function, a server, an element type, or nothing.
enum PredefinedName: Equatable {
    case none
    case builtin(Builtin)
    case server(PlayerID)
    case elementType(ElementType)

    var builtin: Builtin? {
        if case .builtin(let builtin) = self { return builtin }
        return nil
    }

    /// Each name's meaning, one table lookup per name.
    static func classify(_ names: [String]) -> [PredefinedName] {
        let table = byName
        return names.map { table[$0] ?? .none }
    }

    private static let byName: [String: PredefinedName] = {
        var table: [String: PredefinedName] = [:]
        for builtin in Builtin.allCases { table[builtin.rawValue] = .builtin(builtin) }
        for (index, name) in PlayerID.serverNames.enumerated() { table[name] = .server(PlayerID(index)) }
        for element in ElementType.allCases { table[element.rawValue] = .elementType(element) }
        return table
    }()
}

/// Binary operators, by precedence group.
public enum BinaryOperator: String, Hashable, Sendable {
    case add = "+", subtract = "-"
    case multiply = "*", divide = "/", matmul = "@"
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">=", equal = "==", notEqual = "!="

    public var isComparison: Bool {
        switch self {
        case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: return true
        default: return false
        }
    }
}

/// Unary operators.
public enum UnaryOperator: String, Hashable, Sendable {
    case negate = "-", plus = "+"
}

/// A call argument, positional or labelled (`axis: 1`).
public struct Argument: Hashable, Sendable {
    public var label: Name?
    public var value: ExprID
}

/// One item of a subscript `x[a:b, :, k]`: an integer index (`start` alone, not a range), or a slice whose
/// omitted bounds and step are nil.
public struct SliceItem: Hashable, Sendable {
    public var start: ExprID?
    public var end: ExprID?
    public var step: ExprID?
    /// False for an index (`k`), which drops its axis.
    public var isRange: Bool
    public var range: SourceRange
}

/// An expression node.
public struct Expr: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case integer(Int)
        case decimal(Double)
        case string(String)
        case name(Symbol)
        case list([ExprID])
        case unary(UnaryOperator, ExprID)
        case binary(BinaryOperator, ExprID, ExprID)
        case call(Name, [Argument])
        /// `x[a:b, :, k]`: the value and one item per leading axis.
        case `subscript`(ExprID, [SliceItem])
        /// A syntax error already reported; checking it reports nothing more.
        case error
    }

    public var kind: Kind
    public var range: SourceRange
    /// For binary expressions, the operator token's range (where the caret goes).
    public var operatorRange: SourceRange?
}

/// A statement or declaration node.
public struct Stmt: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case `protocol`(Name)
        case fixedpoint([Argument])
        case player([Name])
        case param(Name, ExprID)
        /// `def f(a, b) = e` has an empty body; `def f(a, b) { ...; return e }` has the statements
        /// before the `return`.
        case function(Name, parameters: [Name], body: [StmtID], result: ExprID)
        case assign(Name, ExprID)
        case `for`(Name, lower: ExprID, upper: ExprID, body: [StmtID])
        case expression(ExprID)
        /// A syntax error already reported.
        case error
    }

    public var kind: Kind
    public var range: SourceRange
}
