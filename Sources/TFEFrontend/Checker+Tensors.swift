import Foundation
import TFECore

extension Checker {
    // MARK: - Tensor built-ins

    mutating func checkElementwise(_ function: ElementwiseFunction, _ arguments: BoundArguments, range: SourceRange)
        -> Evaluated
    {
        guard let expression = arguments["x"] else { return .error }
        let evaluated = evaluate(expression)
        // A function of a compile-time constant is a compile-time constant, computed exactly.
        switch evaluated {
        case .integer(let number): return fold(function, Double(number), isInteger: true, range: range)
        case .decimal(let number): return fold(function, number, isInteger: false, range: range)
        default: break
        }
        guard let value = tensorOperand(evaluated, at: ast[expression].range) else { return .error }
        let operand = type(of: value)
        if operand.placement == .private {
            let current = program.protocolKind.rawValue
            switch function {
            case .relu:
                let note = Diagnostic.Note("'relu_approx' is a polynomial approximation that '\(current)' can compute")
                guard computesPrivately(.relu, "'relu'", at: range, notes: [note]) else { return .error }
            case .reluDeriv:
                guard computesPrivately(.reluDerivative, "'relu_deriv'", at: range) else { return .error }
            case .exp, .log:
                report(ProtocolError.plaintextOnly(operation: "'\(function.name)'"), at: range)
                return .error
            case .square, .sigmoid, .reluApprox, .reciprocal:
                break
            }
        }
        let keepsElement = function == .square || function == .relu
        let element = function == .reluDeriv ? .int : keepsElement ? operand.element : .fixed
        return emit(.elementwise(function, value), type: ValueType(element, operand.shape, operand.placement), at: range)
    }

    /// `sigmoid(2.0)`, `square(3)`: the exact value (`relu_approx` gives its polynomial, as everywhere).
    private mutating func fold(_ function: ElementwiseFunction, _ x: Double, isInteger: Bool, range: SourceRange)
        -> Evaluated
    {
        if function == .reluDeriv { return .integer(x >= 0 ? 1 : 0) }
        let value = function.evaluate(x)
        guard value.isFinite else {
            report(NameError.constantOutOfDomain(function: function.name, argument: x), at: range)
            return .error
        }
        if isInteger, function == .square || function == .relu, let integer = Int(exactly: value) {
            return .integer(integer)
        }
        return .decimal(value)
    }

    mutating func checkLayout(_ builtin: Builtin, _ arguments: BoundArguments, range: SourceRange) -> Evaluated {
        guard let expression = arguments["x"], let value = tensor(expression) else { return .error }
        let operand = type(of: value)
        let dimensions = operand.shape.dimensions
        switch builtin {
        case .transpose:
            var permutation = Array((0..<dimensions.count).reversed())
            if let axesExpression = arguments["axes"] {
                guard case .list(let axes)? = expectList(axesExpression) else { return .error }
                let normalized = axes.map { $0 < 0 ? $0 + dimensions.count : $0 }
                guard normalized.sorted() == Array(0..<dimensions.count) else {
                    report(ShapeError.invalidPermutation(axes, rank: dimensions.count), at: ast[axesExpression].range)
                    return .error
                }
                permutation = normalized
            }
            let shape = Shape(permutation.map { dimensions[$0] })
            return emit(.transpose(value, permutation: permutation),
                        type: ValueType(operand.element, shape, operand.placement), at: range)
        case .reshape:
            guard let shapeExpression = arguments["shape"],
                var shape = expectShape(shapeExpression, allowInferred: true)
            else { return .error }
            let count = operand.shape.elementCount ?? 0
            let inferred = shape.dimensions.indices.filter { shape.dimensions[$0] == -1 }
            if !inferred.isEmpty {
                let known = shape.dimensions.filter { $0 != -1 }.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
                guard inferred.count == 1, known > 0, count % known == 0 else {
                    report(ShapeError.reshapeInference(shape), at: ast[shapeExpression].range)
                    return .error
                }
                shape.dimensions[inferred[0]] = count / known
            }
            guard shape.elementCount == count else {
                report(ShapeError.reshapeCount(from: operand.shape, to: shape), at: ast[shapeExpression].range,
                       related: [ast[expression].range])
                return .error
            }
            return emit(.reshape(value), type: ValueType(operand.element, shape, operand.placement), at: range)
        default:  // flatten
            guard let first = dimensions.first else {
                report(ShapeError.rankMismatch(function: "flatten", expected: "a value of rank 1 or more", operand.shape),
                       at: ast[expression].range)
                return .error
            }
            let rest = dimensions.dropFirst().reduce(1, *)
            return emit(.reshape(value), type: ValueType(operand.element, Shape([first, rest]), operand.placement),
                        at: range)
        }
    }

    private mutating func expectList(_ expression: ExprID) -> Evaluated? {
        let evaluated = evaluate(expression)
        switch evaluated {
        case .list: return evaluated
        case .error: return nil
        default:
            report(NameError.expectedShape(found: "'\(ast.source.text(ast[expression].range))'"), at: ast[expression].range)
            return nil
        }
    }

    /// An axis in range for `rank`, normalized to be non-negative (NumPy's negative axes count from the end).
    mutating func expectAxis(_ expression: ExprID, rank: Int) -> Int? {
        guard let axis = expectInteger(expression, what: "an axis") else { return nil }
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized >= 0, normalized < rank else {
            report(ShapeError.axisOutOfRange(axis: axis, rank: rank), at: ast[expression].range)
            return nil
        }
        return normalized
    }

    mutating func checkReduction(_ builtin: Builtin, _ arguments: BoundArguments, range: SourceRange) -> Evaluated {
        guard let expression = arguments["x"], let value = tensor(expression) else { return .error }
        let operand = type(of: value)
        let rank = operand.shape.rank
        var axis: Int?
        if let axisExpression = arguments["axis"] {
            guard let normalized = expectAxis(axisExpression, rank: rank) else { return .error }
            axis = normalized
        } else if builtin == .softmax {
            guard rank > 0 else {
                report(ShapeError.axisOutOfRange(axis: -1, rank: 0), at: range)
                return .error
            }
            axis = rank - 1
        }
        var dimensions = operand.shape.dimensions
        if let axis { dimensions.remove(at: axis) } else { dimensions = [] }
        let reduced = Shape(dimensions)
        if operand.placement == .private {
            if builtin == .softmax {
                report(ProtocolError.plaintextOnly(operation: "'softmax'"), at: range)
                return .error
            }
            if builtin == .argmax, !computesPrivately(.argmax, "'argmax'", at: range) { return .error }
        }
        switch builtin {
        case .sum:
            return emit(.sum(value, axis: axis), type: ValueType(operand.element, reduced, operand.placement), at: range)
        case .mean:
            return emit(.mean(value, axis: axis), type: ValueType(.fixed, reduced, operand.placement), at: range)
        case .softmax:
            return emit(.softmax(value, axis: axis ?? 0), type: ValueType(.fixed, operand.shape, operand.placement),
                        at: range)
        default:
            return emit(.argmax(value, axis: axis), type: ValueType(.int, reduced, operand.placement), at: range)
        }
    }

    /// The output size of one spatial axis, as TensorFlow computes it.
    private func windowOutput(_ input: Int, window: Int, stride: Int, padding: Padding) -> Int {
        switch padding {
        case .same: return (input + stride - 1) / stride
        case .valid: return input < window ? 0 : (input - window) / stride + 1
        }
    }

    private mutating func expectPositive(_ expression: ExprID?, what: String, default value: Int) -> Int? {
        guard let expression else { return value }
        guard let integer = expectInteger(expression, what: what) else { return nil }
        guard integer >= 1, integer <= 1 << 20 else {
            report(ShapeError.invalidWindow(what: what, integer), at: ast[expression].range)
            return nil
        }
        return integer
    }

    mutating func checkConv2D(_ arguments: BoundArguments, range: SourceRange) -> Evaluated {
        guard let inputExpression = arguments["x"], let kernelExpression = arguments["kernel"] else { return .error }
        let input = tensor(inputExpression), kernel = tensor(kernelExpression)
        let stride = expectPositive(arguments["stride"], what: "'stride'", default: 1)
        let padding = expectPadding(arguments["padding"])
        guard let input, let kernel, let stride, let padding else { return .error }
        let x = type(of: input), k = type(of: kernel)
        guard x.shape.rank == 4 else {
            report(ShapeError.rankMismatch(function: "conv2d", expected: "an NHWC input of rank 4", x.shape),
                   at: ast[inputExpression].range)
            return .error
        }
        guard k.shape.rank == 4 else {
            report(ShapeError.rankMismatch(function: "conv2d", expected: "an HWIO kernel of rank 4", k.shape),
                   at: ast[kernelExpression].range)
            return .error
        }
        guard x.shape.dimensions[3] == k.shape.dimensions[2] else {
            report(ShapeError.channelMismatch(input: x.shape, kernel: k.shape), at: ast[kernelExpression].range,
                   related: [ast[inputExpression].range])
            return .error
        }
        guard let placement = combine(x.placement, k.placement, at: range,
                                      related: [ast[inputExpression].range, ast[kernelExpression].range])
        else { return .error }
        let height = windowOutput(x.shape.dimensions[1], window: k.shape.dimensions[0], stride: stride, padding: padding)
        let width = windowOutput(x.shape.dimensions[2], window: k.shape.dimensions[1], stride: stride, padding: padding)
        guard height > 0, width > 0 else {
            report(ShapeError.emptyOutput(function: "conv2d", x.shape), at: range)
            return .error
        }
        let shape = Shape([x.shape.dimensions[0], height, width, k.shape.dimensions[3]])
        let element: ElementType = x.element == .int && k.element == .int ? .int : .fixed
        return emit(.conv2d(input, kernel: kernel, stride: stride, padding: padding),
                    type: ValueType(element, shape, placement), at: range)
    }

    mutating func checkPool(_ builtin: Builtin, _ arguments: BoundArguments, range: SourceRange) -> Evaluated {
        guard let inputExpression = arguments["x"] else { return .error }
        let input = tensor(inputExpression)
        let size = expectPositive(arguments["size"], what: "'size'", default: 1)
        let stride = expectPositive(arguments["stride"], what: "'stride'", default: size ?? 1)
        let padding = expectPadding(arguments["padding"])
        guard let input, let size, let stride, let padding else { return .error }
        let x = type(of: input)
        guard x.shape.rank == 4 else {
            report(ShapeError.rankMismatch(function: builtin.rawValue, expected: "an NHWC input of rank 4", x.shape),
                   at: ast[inputExpression].range)
            return .error
        }
        if builtin == .maxpool2d, x.placement == .private {
            let note = Diagnostic.Note("'avgpool2d' is linear and works under '\(program.protocolKind.rawValue)'")
            guard computesPrivately(.maxPool, "'maxpool2d'", at: range, notes: [note]) else { return .error }
        }
        let height = windowOutput(x.shape.dimensions[1], window: size, stride: stride, padding: padding)
        let width = windowOutput(x.shape.dimensions[2], window: size, stride: stride, padding: padding)
        guard height > 0, width > 0 else {
            report(ShapeError.emptyOutput(function: builtin.rawValue, x.shape), at: range)
            return .error
        }
        let shape = Shape([x.shape.dimensions[0], height, width, x.shape.dimensions[3]])
        if builtin == .avgpool2d {
            return emit(.avgpool2d(input, size: size, stride: stride, padding: padding),
                        type: ValueType(.fixed, shape, x.placement), at: range)
        }
        return emit(.maxpool2d(input, size: size, stride: stride, padding: padding),
                    type: ValueType(x.element, shape, x.placement), at: range)
    }

    /// `maxpool2d_grad(x, dy, size, stride, padding)`: x is the pool's NHWC input, dy has the pool's output
    /// shape; the result has x's shape and dy's element type.
    mutating func checkPoolGradient(_ arguments: BoundArguments, range: SourceRange) -> Evaluated {
        guard let inputExpression = arguments["x"], let gradientExpression = arguments["dy"] else { return .error }
        let input = tensor(inputExpression), gradient = tensor(gradientExpression)
        let size = expectPositive(arguments["size"], what: "'size'", default: 1)
        let stride = expectPositive(arguments["stride"], what: "'stride'", default: size ?? 1)
        let padding = expectPadding(arguments["padding"])
        guard let input, let gradient, let size, let stride, let padding else { return .error }
        let x = type(of: input), dy = type(of: gradient)
        let function = Builtin.maxpool2dGrad.rawValue
        guard x.shape.rank == 4 else {
            report(ShapeError.rankMismatch(function: function, expected: "an NHWC input of rank 4", x.shape),
                   at: ast[inputExpression].range)
            return .error
        }
        let height = windowOutput(x.shape.dimensions[1], window: size, stride: stride, padding: padding)
        let width = windowOutput(x.shape.dimensions[2], window: size, stride: stride, padding: padding)
        guard height > 0, width > 0 else {
            report(ShapeError.emptyOutput(function: function, x.shape), at: range)
            return .error
        }
        let pooled = Shape([x.shape.dimensions[0], height, width, x.shape.dimensions[3]])
        guard dy.shape == pooled else {
            report(ShapeError.gradientShape(function: function, expected: pooled, found: dy.shape),
                   at: ast[gradientExpression].range, related: [ast[inputExpression].range])
            return .error
        }
        guard let placement = combine(x.placement, dy.placement, at: range,
                                      related: [ast[inputExpression].range, ast[gradientExpression].range])
        else { return .error }
        if placement == .private, !computesPrivately(.maxPoolGradient, "'\(function)'", at: range) { return .error }
        return emit(.maxpool2dGrad(input, gradient, size: size, stride: stride, padding: padding),
                    type: ValueType(dy.element, x.shape, placement), at: range)
    }

    mutating func checkWhere(_ arguments: BoundArguments, range: SourceRange) -> Evaluated {
        guard let c = arguments["condition"], let a = arguments["a"], let b = arguments["b"] else { return .error }
        let condition = tensor(c), left = tensor(a), right = tensor(b)
        guard let condition, let left, let right else { return .error }
        let types = [type(of: condition), type(of: left), type(of: right)]
        let ranges = [ast[c].range, ast[a].range, ast[b].range]
        guard let partial = combine(types[0].placement, types[1].placement, at: range, related: ranges),
            let placement = combine(partial, types[2].placement, at: range, related: ranges)
        else { return .error }
        guard let pair = Shape.broadcast(types[0].shape, types[1].shape),
            let shape = Shape.broadcast(pair, types[2].shape)
        else {
            report(ShapeError.broadcastMismatch(op: "where", types[0].shape, types[1].shape == types[0].shape
                    ? types[2].shape : types[1].shape), at: range, related: ranges)
            return .error
        }
        if placement == .private, !computesPrivately(.select, "'where'", at: range) { return .error }
        let element: ElementType = types[1].element == .int && types[2].element == .int ? .int : .fixed
        return emit(.where(condition, left, right), type: ValueType(element, shape, placement), at: range)
    }
}
