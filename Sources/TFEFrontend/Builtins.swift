/// The built-in functions of the language: the checker's single table. `Grammar/tfe.ebnf` lists the
/// same names (a test keeps the two in step).
public enum Builtin: String, CaseIterable, Sendable {
    case privateInput = "private_input", publicInput = "public_input", input
    case share, reveal, output, store, load, print
    case matmul, square, sigmoid, relu, reluApprox = "relu_approx", reluDeriv = "relu_deriv", exp, log
    case transpose, reshape, flatten, sum, mean, softmax, argmax
    case conv2d, avgpool2d, maxpool2d, maxpool2dGrad = "maxpool2d_grad"
    case `where`

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
        case .square, .sigmoid, .relu, .reluApprox, .reluDeriv, .exp, .log, .flatten: return ["x"]
        case .transpose: return ["x", "axes?"]
        case .reshape: return ["x", "shape"]
        case .sum, .mean, .softmax, .argmax: return ["x", "axis?"]
        case .conv2d: return ["x", "kernel", "stride?", "padding?"]
        case .avgpool2d, .maxpool2d: return ["x", "size", "stride?", "padding?"]
        case .maxpool2dGrad: return ["x", "dy", "size", "stride?", "padding?"]
        case .where: return ["condition", "a", "b"]
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
