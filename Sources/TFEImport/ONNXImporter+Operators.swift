import Foundation

/// One method per family of ONNX operators: what each node becomes in the program.
extension ONNXImporter {
    mutating func importNode(_ node: ONNXNode) throws(ImportError) {
        guard !node.outputs.isEmpty, !node.outputs[0].isEmpty else { return }
        let arity = Self.requiredInputs[node.opType] ?? 1
        guard node.inputs.count >= arity, !node.inputs.prefix(arity).contains("") else {
            throw .shapeMismatch(op: node.opType, node: node.name,
                                 "expects \(arity) input\(arity == 1 ? "" : "s"), not \(node.inputs.count)")
        }
        // A node whose inputs are all constants is folded at import time when its operator allows it.
        switch node.opType {
        case "Identity", "Dropout":
            operands[node.outputs[0]] = try operand(node.inputs[0], of: node)
        case "Constant": try importConstant(node)
        case "Shape": try importShape(node)
        case "Gather": try importGather(node)
        case "Concat": try importConcat(node)
        case "Cast": try importCast(node)
        case "Unsqueeze", "Squeeze", "Reshape", "Flatten": try importReshape(node)
        case "Pad": try importPad(node)
        case "Slice": try importSlice(node)
        case "Transpose": try importTranspose(node)
        case "Add", "Sub", "Mul", "Div": try importArithmetic(node)
        case "Neg":
            let x = try value(node.inputs[0], of: node)
            define(node, "-\(x.name)", shape: x.shape, nhwc: x.isNHWC)
        case "Relu", "Sigmoid", "LeakyRelu", "Clip": try importActivation(node)
        case "Gemm", "MatMul": try importDense(node)
        case "Conv": try importConv(node)
        case "BatchNormalization": try importBatchNormalization(node)
        case "MaxPool", "AveragePool": try importPool(node)
        case "GlobalAveragePool", "GlobalMaxPool": try importGlobalPool(node)
        case "Softmax", "LogSoftmax", "ArgMax": try importClientFunction(node)
        default:
            throw .unsupportedOperator(op: node.opType, node: node.name, opset: model.opset)
        }
    }

    /// Inputs each operator must have (1 when not listed).
    static let requiredInputs = [
        "Constant": 0, "Gather": 2, "Add": 2, "Sub": 2, "Mul": 2, "Div": 2, "Gemm": 2, "MatMul": 2, "Conv": 2,
        "Reshape": 2, "BatchNormalization": 5,
    ]

    // MARK: - Attributes

    func int(_ node: ONNXNode, _ name: String, default value: Int) -> Int {
        if case .int(let int)? = node.attributes[name] { return Int(clamping: int) }
        return value
    }

    func float(_ node: ONNXNode, _ name: String, default value: Double) -> Double {
        if case .float(let float)? = node.attributes[name] { return Double(float) }
        return value
    }

    func ints(_ node: ONNXNode, _ name: String) -> [Int]? {
        if case .ints(let ints)? = node.attributes[name] { return ints.map { Int(clamping: $0) } }
        return nil
    }

    func string(_ node: ONNXNode, _ name: String) -> String? {
        if case .string(let string)? = node.attributes[name] { return string }
        return nil
    }

    /// `axis` made non-negative for a tensor of `rank`, or an error naming the node.
    func axis(_ raw: Int, rank: Int, _ node: ONNXNode) throws(ImportError) -> Int {
        let axis = raw < 0 ? raw + rank : raw
        guard (0..<rank).contains(axis) else {
            throw .shapeMismatch(op: node.opType, node: node.name, "axis \(raw) is out of range for rank \(rank)")
        }
        return axis
    }

    // MARK: - Constants and shape arithmetic

    private mutating func importConstant(_ node: ONNXNode) throws(ImportError) {
        let tensor: ConstantTensor
        switch node.attributes["value"] ?? node.attributes["value_float"] ?? node.attributes["value_floats"]
            ?? node.attributes["value_int"] ?? node.attributes["value_ints"]
        {
        case .tensor(let value)?: tensor = ConstantTensor(value)
        case .float(let value)?: tensor = ConstantTensor(shape: [], values: [Double(value)])
        case .floats(let values)?: tensor = ConstantTensor(shape: [values.count], values: values.map(Double.init))
        case .int(let value)?: tensor = ConstantTensor(shape: [], values: [Double(value)], isInteger: true)
        case .ints(let values)?:
            tensor = ConstantTensor(shape: [values.count], values: values.map(Double.init), isInteger: true)
        default:
            throw .unsupportedAttribute(op: "Constant", node: node.name,
                                        "only tensor, float and int values are supported")
        }
        operands[node.outputs[0]] = .constant(tensor)
    }

    private mutating func importShape(_ node: ONNXNode) throws(ImportError) {
        let shape: [Int]
        switch try operand(node.inputs[0], of: node) {
        case .value(let value): shape = value.shape
        case .constant(let tensor): shape = tensor.shape
        }
        let rank = shape.count
        var start = int(node, "start", default: 0), end = int(node, "end", default: rank)
        start = min(max(start < 0 ? start + rank : start, 0), rank)
        end = min(max(end < 0 ? end + rank : end, start), rank)
        let dims = Array(shape[start..<end])
        operands[node.outputs[0]] = .constant(ConstantTensor(shape: [dims.count], values: dims.map(Double.init),
                                                             isInteger: true))
    }

    private mutating func importGather(_ node: ONNXNode) throws(ImportError) {
        let data = try requireConstant(node.inputs[0], of: node, what: "the data of Gather")
        let indices = try requireConstant(node.inputs[1], of: node, what: "the indices of Gather")
        let axis = try axis(int(node, "axis", default: 0), rank: data.shape.count, node)
        guard let result = data.gathered(indices, axis: axis) else {
            throw .shapeMismatch(op: "Gather", node: node.name, "an index is out of range")
        }
        operands[node.outputs[0]] = .constant(result)
    }

    private mutating func importConcat(_ node: ONNXNode) throws(ImportError) {
        var parts: [ConstantTensor] = []
        for input in node.inputs {
            guard let part = try constant(input, of: node) else { return try importValueConcat(node) }
            parts.append(part)
        }
        let rank = parts.first?.shape.count ?? 0
        let joined = try axis(int(node, "axis", default: 0), rank: rank, node)
        guard let result = ConstantTensor.concatenated(parts, axis: joined) else {
            throw .shapeMismatch(op: "Concat", node: node.name, "the inputs' shapes differ off the axis")
        }
        operands[node.outputs[0]] = .constant(result)
    }

    private mutating func importCast(_ node: ONNXNode) throws(ImportError) {
        let target = int(node, "to", default: 1)
        let isFloat = [1, 10, 11, 16].contains(target)
        switch try operand(node.inputs[0], of: node) {
        case .constant(var tensor):
            if !isFloat { tensor.values = tensor.values.map { $0.rounded(.towardZero) } }
            tensor.isInteger = !isFloat
            operands[node.outputs[0]] = .constant(tensor)
        case .value(let value):
            guard isFloat else {
                throw .unsupportedAttribute(op: "Cast", node: node.name,
                                            "a cast of a computed value to \(ImportError.dataTypeName(target))")
            }
            operands[node.outputs[0]] = .value(value)
        }
    }

    // MARK: - Layout

    /// Reshape, Flatten, Squeeze and Unsqueeze: the new ONNX shape, then a `reshape` (or a fold).
    private mutating func importReshape(_ node: ONNXNode) throws(ImportError) {
        let input = try operand(node.inputs[0], of: node)
        let shape: [Int]
        switch input {
        case .value(let value): shape = value.shape
        case .constant(let tensor): shape = tensor.shape
        }
        var target: [Int]
        switch node.opType {
        case "Flatten":
            let axis = try axis(int(node, "axis", default: 1), rank: shape.count + 1, node)
            target = [shape[..<axis].reduce(1, *), shape[axis...].reduce(1, *)]
        case "Reshape":
            let requested = try requireConstant(node.inputs[1], of: node, what: "the shape of Reshape").integers
            let allowZero = int(node, "allowzero", default: 0) == 1
            target = requested.enumerated().map { axis, size in
                size == 0 && !allowZero && axis < shape.count ? shape[axis] : size
            }
            let inferred = target.indices.filter { target[$0] == -1 }
            let known = ConstantTensor.product(target.filter { $0 != -1 }) ?? 0
            let count = shape.reduce(1, *)
            guard inferred.count <= 1, target.allSatisfy({ (-1...Self.maximumElements).contains($0) }),
                  target.count <= 8, known > 0, inferred.isEmpty ? known == count : count % known == 0
            else {
                throw .shapeMismatch(op: "Reshape", node: node.name,
                                     "cannot reshape \(writer.shapeText(shape)) to \(writer.shapeText(requested))")
            }
            if let axis = inferred.first { target[axis] = count / known }
        case "Squeeze":
            var axes = ints(node, "axes")
            if axes == nil, node.inputs.count > 1, !node.inputs[1].isEmpty {
                axes = try requireConstant(node.inputs[1], of: node, what: "the axes of Squeeze").integers
            }
            var drop: Set<Int> = []
            for raw in axes ?? shape.indices.filter({ shape[$0] == 1 }) {
                let axis = try axis(raw, rank: shape.count, node)
                guard shape[axis] == 1 else {
                    throw .shapeMismatch(op: "Squeeze", node: node.name, "axis \(raw) has size \(shape[axis]), not 1")
                }
                drop.insert(axis)
            }
            target = shape.indices.filter { !drop.contains($0) }.map { shape[$0] }
        default:  // Unsqueeze
            var axes = ints(node, "axes")
            if axes == nil, node.inputs.count > 1 {
                axes = try requireConstant(node.inputs[1], of: node, what: "the axes of Unsqueeze").integers
            }
            let rank = shape.count + (axes?.count ?? 0)
            var inserted: Set<Int> = []
            for raw in axes ?? [] { inserted.insert(try axis(raw, rank: rank, node)) }
            var remaining = shape.makeIterator()
            target = (0..<rank).map { inserted.contains($0) ? 1 : remaining.next() ?? 1 }
        }
        switch input {
        case .constant(let tensor):
            operands[node.outputs[0]] = .constant(tensor.reshaped(target))
        case .value:
            let x = try value(node.inputs[0], of: node, nhwc: false)
            if target == x.shape {
                operands[node.outputs[0]] = .value(x)
            } else if node.opType == "Flatten", target.count == 2, target[0] == x.shape.first {
                define(node, "flatten(\(x.name))", shape: target)
            } else {
                define(node, "reshape(\(x.name), \(writer.shapeText(target)))", shape: target)
            }
        }
    }

    private mutating func importTranspose(_ node: ONNXNode) throws(ImportError) {
        let input = try operand(node.inputs[0], of: node)
        let rank: Int
        switch input {
        case .value(let value): rank = value.shape.count
        case .constant(let tensor): rank = tensor.shape.count
        }
        let permutation = ints(node, "perm") ?? Array((0..<rank).reversed())
        guard permutation.sorted() == Array(0..<rank) else {
            throw .shapeMismatch(op: "Transpose", node: node.name, "perm \(permutation) does not permute \(rank) axes")
        }
        switch input {
        case .constant(let tensor):
            operands[node.outputs[0]] = .constant(tensor.transposed(permutation))
        case .value(let x):
            let shape = permutation.map { x.shape[$0] }
            guard !x.isLocal else { _ = try value(node.inputs[0], of: node); return }
            // The variable of an NHWC value holds axis nhwc[j] of the ONNX value at its axis j.
            let stored = x.isNHWC ? [0, 2, 3, 1] : Array(0..<rank)
            let onVariable = permutation.map { stored.firstIndex(of: $0)! }
            if onVariable == Array(0..<rank) {
                operands[node.outputs[0]] = .value(Value(name: x.name, shape: shape))
            } else if !x.isNHWC, permutation == [0, 3, 1, 2] {
                // NHWC to NCHW, as tf2onnx writes before a Conv: the variable already holds the NHWC layout.
                operands[node.outputs[0]] = .value(Value(name: x.name, shape: shape, isNHWC: true))
            } else {
                define(node, "transpose(\(x.name), \(onVariable))", shape: shape)
            }
        }
    }

    // MARK: - Arithmetic

    private mutating func importArithmetic(_ node: ONNXNode) throws(ImportError) {
        let symbol = ["Add": "+", "Sub": "-", "Mul": "*", "Div": "/"][node.opType]!
        let left = try operand(node.inputs[0], of: node), right = try operand(node.inputs[1], of: node)
        switch (left, right) {
        case (.constant(let a), .constant(let b)):
            let combine: (Double, Double) -> Double
            switch symbol {
            case "+": combine = (+)
            case "-": combine = (-)
            case "*": combine = (*)
            default: combine = { a.isInteger && b.isInteger ? ($0 / $1).rounded(.towardZero) : $0 / $1 }
            }
            let shape = ConstantTensor.broadcastShape(a.shape, b.shape)
            guard let shape, let count = ConstantTensor.product(shape), count <= Self.maximumElements,
                  let result = ConstantTensor.broadcast(a, b, combine) else {
                throw .shapeMismatch(op: node.opType, node: node.name,
                                     "\(writer.shapeText(a.shape)) and \(writer.shapeText(b.shape)) do not broadcast")
            }
            operands[node.outputs[0]] = .constant(result)
        case (.value, .value):
            guard symbol != "/" else {
                throw .unsupportedAttribute(op: "Div", node: node.name, "division by a computed value")
            }
            var a = try value(node.inputs[0], of: node), b = try value(node.inputs[1], of: node)
            // Both in one layout: NHWC when one is and the other is an image too, NCHW otherwise.
            if a.isNHWC != b.isNHWC {
                let nhwc = (a.isNHWC ? b : a).shape.count == 4
                a = try value(node.inputs[0], of: node, nhwc: nhwc)
                b = try value(node.inputs[1], of: node, nhwc: nhwc)
            }
            guard let shape = ConstantTensor.broadcastShape(a.shape, b.shape) else {
                throw .shapeMismatch(op: node.opType, node: node.name,
                                     "\(writer.shapeText(a.shape)) and \(writer.shapeText(b.shape)) do not broadcast")
            }
            define(node, "\(a.name) \(symbol) \(b.name)", shape: shape, nhwc: a.isNHWC)
        case (.value, .constant(var c)), (.constant(var c), .value):
            let valueOnLeft: Bool
            if case .value = left { valueOnLeft = true } else { valueOnLeft = false }
            let x = try value(node.inputs[valueOnLeft ? 0 : 1], of: node)
            guard let shape = ConstantTensor.broadcastShape(x.shape, c.shape) else {
                throw .shapeMismatch(op: node.opType, node: node.name,
                                     "\(writer.shapeText(x.shape)) and \(writer.shapeText(c.shape)) do not broadcast")
            }
            if symbol == "/" {
                guard valueOnLeft else {
                    throw .unsupportedAttribute(op: "Div", node: node.name, "division by a computed value")
                }
                if !c.isScalar {
                    c.values = c.values.map { 1 / $0 }
                    return try defineWithConstant(node, x, "*", c, valueOnLeft: true, shape: shape,
                                                  hint: node.inputs[1] + "_reciprocal")
                }
            }
            try defineWithConstant(node, x, symbol, c, valueOnLeft: valueOnLeft, shape: shape)
        }
    }

    /// `x OP c` (or `c OP x`): a scalar constant is a literal, any other a weight laid out like `x`.
    private mutating func defineWithConstant(_ node: ONNXNode, _ x: Value, _ symbol: String, _ c: ConstantTensor,
                                             valueOnLeft: Bool, shape: [Int], hint: String? = nil) throws(ImportError) {
        let text = c.isScalar ? writer.literal(c.values[0])
            : writer.weight(layOut(c, like: x), hint: hint ?? node.inputs[valueOnLeft ? 1 : 0],
                            layout: x.isNHWC ? "nhwc" : "")
        let expression = valueOnLeft ? "\(x.name) \(symbol) \(text)" : "\(text) \(symbol) \(x.name)"
        define(node, expression, shape: shape, nhwc: x.isNHWC)
    }

    // MARK: - Activations

    private mutating func importActivation(_ node: ONNXNode) throws(ImportError) {
        let x = try value(node.inputs[0], of: node)
        switch node.opType {
        case "Sigmoid":
            define(node, "sigmoid(\(x.name))", shape: x.shape, nhwc: x.isNHWC)
        case "Relu":
            try require(.relu, node)
            define(node, "relu(\(x.name))", shape: x.shape, nhwc: x.isNHWC)
        case "LeakyRelu":
            // alpha·x + (1 − alpha)·relu(x): exact, with one ReLU.
            try require(.relu, node)
            let alpha = float(node, "alpha", default: 0.01)
            let keep = writer.literal(Double(1 - Float(alpha)))
            define(node, "\(x.name) * \(writer.literal(alpha)) + relu(\(x.name)) * \(keep)",
                   shape: x.shape, nhwc: x.isNHWC)
        default:  // Clip
            try require(.relu, node)
            var low = float(node, "min", default: -.infinity), high = float(node, "max", default: .infinity)
            if node.inputs.count > 1, !node.inputs[1].isEmpty {
                low = try requireConstant(node.inputs[1], of: node, what: "the minimum of Clip").values.first ?? low
            }
            if node.inputs.count > 2, !node.inputs[2].isEmpty {
                high = try requireConstant(node.inputs[2], of: node, what: "the maximum of Clip").values.first ?? high
            }
            let text = writer.clipExpression(x.name, low: low, high: high)
            define(node, text, shape: x.shape, nhwc: x.isNHWC)
        }
    }

    // MARK: - Client-side functions at the end of the graph

    /// Softmax, LogSoftmax and ArgMax of the last values: revealed to the client, who computes them in the clear.
    private mutating func importClientFunction(_ node: ONNXNode) throws(ImportError) {
        guard consumers[node.outputs[0]] == nil else {
            throw .unsupportedAttribute(op: node.opType, node: node.name,
                                        "tfe computes it on the client, so it must be at the end of the graph")
        }
        let x = try value(node.inputs[0], of: node, nhwc: false)
        let rank = x.shape.count
        let opset = model.opset
        let revealed = "reveal(\(x.name), \(options.client))"
        switch node.opType {
        case "ArgMax":
            let axis = try axis(int(node, "axis", default: 0), rank: rank, node)
            var shape = x.shape
            let keep = int(node, "keepdims", default: 1) == 1
            if keep { shape[axis] = 1 } else { shape.remove(at: axis) }
            let call = "argmax(\(revealed), axis: \(axis))"
            define(node, keep ? "reshape(\(call), \(writer.shapeText(shape)))" : call, shape: shape, local: true)
        default:
            let axis = try axis(int(node, "axis", default: opset < 13 ? 1 : -1), rank: rank, node)
            guard axis == rank - 1 else {
                throw .unsupportedAttribute(op: node.opType, node: node.name,
                                            "only the last axis is supported, not axis \(axis) of rank \(rank)")
            }
            let call = "softmax(\(revealed), axis: \(axis))"
            define(node, node.opType == "Softmax" ? call : "log(\(call))", shape: x.shape, local: true)
        }
    }
}
