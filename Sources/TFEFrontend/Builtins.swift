import TFECore

/// The built-in functions of the language: the checker's single table. `Grammar/tfe.ebnf` lists the
/// same names (a test keeps the two in step). The element-wise functions are `ElementwiseFunction`'s list.
public enum Builtin: Hashable, CaseIterable, Sendable {
    case privateInput, publicInput, input
    case share, reveal, output, store, load, print
    case matmul
    case elementwise(ElementwiseFunction)
    case transpose, reshape, flatten, sum, mean, softmax, argmax
    case conv2d, avgpool2d, maxpool2d, maxpool2dGrad
    case `where`
    case concat, pad, squeeze, expandDims, maximum, minimum

    /// Every built-in, in the language's order (suggestions prefer earlier names on ties).
    public static let allCases: [Builtin] = [
        .privateInput, .publicInput, .input, .share, .reveal, .output, .store, .load, .print, .matmul,
    ] + ElementwiseFunction.allCases.filter(\.isBuiltin).map(Builtin.elementwise) + [
        .transpose, .reshape, .flatten, .sum, .mean, .softmax, .argmax,
        .conv2d, .avgpool2d, .maxpool2d, .maxpool2dGrad, .where,
        .concat, .pad, .squeeze, .expandDims, .maximum, .minimum,
    ]

    /// The name a program calls it by.
    public var rawValue: String {
        switch self {
        case .privateInput: return "private_input"
        case .publicInput: return "public_input"
        case .input: return "input"
        case .share: return "share"
        case .reveal: return "reveal"
        case .output: return "output"
        case .store: return "store"
        case .load: return "load"
        case .print: return "print"
        case .matmul: return "matmul"
        case .elementwise(let function): return function.name
        case .transpose: return "transpose"
        case .reshape: return "reshape"
        case .flatten: return "flatten"
        case .sum: return "sum"
        case .mean: return "mean"
        case .softmax: return "softmax"
        case .argmax: return "argmax"
        case .conv2d: return "conv2d"
        case .avgpool2d: return "avgpool2d"
        case .maxpool2d: return "maxpool2d"
        case .maxpool2dGrad: return "maxpool2d_grad"
        case .where: return "where"
        case .concat: return "concat"
        case .pad: return "pad"
        case .squeeze: return "squeeze"
        case .expandDims: return "expand_dims"
        case .maximum: return "maximum"
        case .minimum: return "minimum"
        }
    }

    /// The built-in a program's name calls, if any.
    public init?(rawValue: String) {
        guard let builtin = Builtin.byName[rawValue] else { return nil }
        self = builtin
    }

    private static let byName: [String: Builtin] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// Parameter names in order, for positional and labelled arguments. Optional ones end in `?`.
    /// Inputs and `output` may leave out their optional name: `private_input(P, SHAPE)`, `output(P, v)`.
    var parameters: [String] {
        switch self {
        case .privateInput, .publicInput, .input: return ["player", "name?", "shape", "dtype?"]
        case .output: return ["player", "name?", "value"]
        case .print: return []
        case .share: return ["value"]
        case .reveal: return ["value", "player?"]
        case .store: return ["name", "value"]
        case .load: return ["name", "shape", "dtype?"]
        case .matmul: return ["a", "b"]
        case .elementwise, .flatten: return ["x"]
        case .transpose: return ["x", "axes?"]
        case .reshape: return ["x", "shape"]
        case .sum, .mean, .softmax, .argmax: return ["x", "axis?"]
        case .conv2d: return ["x", "kernel", "stride?", "padding?"]
        case .avgpool2d, .maxpool2d: return ["x", "size", "stride?", "padding?"]
        case .maxpool2dGrad: return ["x", "dy", "size", "stride?", "padding?"]
        case .where: return ["condition", "a", "b"]
        case .concat: return ["values", "axis?"]  // any number of values: `Checker.checkConcat` binds them
        case .pad: return ["x", "pads"]
        case .squeeze: return ["x", "axis?"]
        case .expandDims: return ["x", "axis"]
        case .maximum, .minimum: return ["a", "b"]
        }
    }

    /// Parameter names and which are optional, computed once per built-in.
    var signature: Signature { Builtin.signatures[Builtin.allCases.firstIndex(of: self)!] }

    /// A built-in's parameters without the optional markers.
    struct Signature {
        var names: [String]
        var optional: [Bool]
    }

    private static let signatures: [Signature] = allCases.map { builtin in
        Signature(names: builtin.parameters.map { $0.hasSuffix("?") ? String($0.dropLast()) : $0 },
                  optional: builtin.parameters.map { $0.hasSuffix("?") })
    }

    /// "1 argument", "2 to 4 arguments", for arity messages.
    var arityDescription: String {
        let required = parameters.count { !$0.hasSuffix("?") }
        if parameters.count == required { return required == 1 ? "1 argument" : "\(required) arguments" }
        return "\(required) to \(parameters.count) arguments"
    }
}

/// A call's arguments matched to a built-in's parameters: `arguments["x"]` is the expression passed
/// for `x`, if any.
struct BoundArguments {
    let names: [String]
    var values: [ExprID?]

    init(names: [String]) {
        self.names = names
        self.values = [ExprID?](repeating: nil, count: names.count)
    }

    subscript(_ name: String) -> ExprID? {
        guard let index = names.firstIndex(of: name) else { return nil }
        return values[index]
    }
}
