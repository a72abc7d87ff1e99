/// One method per family of TensorFlow operations: what each node becomes in the program.
extension GraphDefImporter {
    mutating func importNode(_ node: GraphDefNode) throws(ImportError) {
        switch node.op {
        case "NoOp": return
        case "Placeholder": try importPlaceholder(node)
        case "Const": try importConst(node)
        case "Identity":
            operands[node.name] = try operand(try dataInputs(node, count: 1)[0], of: node)
        case "Shape", "StridedSlice", "Pack", "Rsqrt": try importShapeArithmetic(node)
        case "ConcatV2": try importConcat(node)
        case "Reshape", "Squeeze": try importReshape(node)
        case "Pad", "PadV2": try importPad(node)
        case "Add", "AddV2", "Sub", "Mul", "BiasAdd": try importArithmetic(node)
        case "Relu", "Relu6", "Sigmoid": try importActivation(node)
        case "MatMul": try importMatMul(node)
        case "Conv2D": try importConv2D(node)
        case "FusedBatchNorm", "FusedBatchNormV3": try importBatchNormalization(node)
        case "MaxPool", "AvgPool": try importPool(node)
        case "Softmax": try importSoftmax(node)
        default: throw .unsupportedOperation(op: node.op, node: node.name)
        }
    }

    // MARK: - Inputs and constants

    private mutating func importPlaceholder(_ node: GraphDefNode) throws(ImportError) {
        if case .type(let type)? = node.attributes["dtype"], ![1, 2, 19].contains(type) {
            throw .nonFloatTensor(tensor: node.name, dataType: type)
        }
        guard case .shape(let dims?)? = node.attributes["shape"] else {
            throw .unsupportedAttribute(op: "Placeholder", node: node.name,
                                        "its shape is unknown; give it one, such as [None, 28, 28, 1]")
        }
        var shape: [Int] = []
        for (axis, size) in dims.enumerated() {
            if axis == 0 {
                writer.batch = size > 0 ? size : 1
                shape.append(ProgramWriter.batchMarker)
            } else {
                guard size > 0 else { throw .dynamicShape(input: node.name, dimension: axis) }
                shape.append(size)
            }
        }
        let name = try writer.declareInput(node.name, shape: shape, op: "Placeholder", fileShape: "\(dims)")
        operands[node.name] = .value(Value(name: name, shape: shape))
    }

    private mutating func importConst(_ node: GraphDefNode) throws(ImportError) {
        switch node.attributes["value"] {
        case .tensor(let tensor)?:
            let constant: ConstantTensor
            switch tensor.data {
            case .floats(let values): constant = ConstantTensor(shape: tensor.dims, values: values)
            case .integers(let values):
                constant = ConstantTensor(shape: tensor.dims, values: values.map(Double.init), isInteger: true)
            }
            operands[node.name] = .constant(constant)
        case .unsupportedTensor(let dataType)?:
            throw .nonFloatTensor(tensor: node.name, dataType: dataType)
        default:
            throw .missing("the value of Const '\(node.name)'")
        }
    }

    /// Shape, StridedSlice (of a vector), Pack, Rsqrt and ConcatV2 of constants, folded at import time; Shape
    /// of a computed value is its static shape, with the batch as its marker.
    private mutating func importShapeArithmetic(_ node: GraphDefNode) throws(ImportError) {
        let inputs = try dataInputs(node, count: node.op == "StridedSlice" ? 4 : 1)
        if node.op == "Shape" {
            let shape: [Int]
            switch try operand(inputs[0], of: node) {
            case .value(let value): shape = value.shape
            case .constant(let tensor): shape = tensor.shape
            }
            operands[node.name] = .constant(ConstantTensor(shape: [shape.count], values: shape.map(Double.init),
                                                           isInteger: true))
            return
        }
        var parts: [ConstantTensor] = []
        for input in inputs {
            guard let part = try constant(input, of: node) else {
                throw .unsupportedAttribute(op: node.op, node: node.name,
                                            "tfe folds it only when its inputs are constants")
            }
            parts.append(part)
        }
        let result: ConstantTensor
        switch node.op {
        case "Rsqrt":
            result = ConstantTensor(shape: parts[0].shape, values: parts[0].values.map { 1 / $0.squareRoot() })
        case "Pack":
            let rank = parts[0].shape.count
            let packed = try axis(int(node, "axis", default: 0), rank: rank + 1, node)
            let expanded = parts.map { part in
                var shape = part.shape
                shape.insert(1, at: min(packed, shape.count))
                return part.reshaped(shape)
            }
            guard let joined = ConstantTensor.concatenated(expanded, axis: packed) else {
                throw .shapeMismatch(op: "Pack", node: node.name, "the inputs' shapes differ")
            }
            result = joined
        case "ConcatV2":
            let axisTensor = parts.removeLast()
            guard let first = parts.first, axisTensor.isScalar else {
                throw .shapeMismatch(op: "ConcatV2", node: node.name, "expects values and a scalar axis")
            }
            let joined = try axis(axisTensor.integers[0], rank: first.shape.count, node)
            guard let concatenated = ConstantTensor.concatenated(parts, axis: joined) else {
                throw .shapeMismatch(op: "ConcatV2", node: node.name, "the inputs' shapes differ off the axis")
            }
            result = concatenated
        default:
            result = try stridedSlice(node, parts)
        }
        operands[node.name] = .constant(result)
    }

    /// ConcatV2: folded when every input is a constant; otherwise `concat(a, b, ..., axis: k)` of computed
    /// values of one rank along TensorFlow's axis (NHWC is tfe's layout too), never the batch axis.
    private mutating func importConcat(_ node: GraphDefNode) throws(ImportError) {
        let inputs = try dataInputs(node, count: 2)
        let parts = Array(inputs.dropLast())
        var isComputed: [Bool] = []
        for input in parts {
            if case .value = try operand(input, of: node) { isComputed.append(true) } else { isComputed.append(false) }
        }
        guard isComputed.contains(true) else { return try importShapeArithmetic(node) }
        if let constant = parts.indices.first(where: { !isComputed[$0] }) {
            throw .unsupportedAttribute(op: "ConcatV2", node: node.name,
                                        "a ConcatV2 of computed values and constants ('\(inputs[constant].node)') "
                                        + "is not supported")
        }
        let axisTensor = try requireConstant(inputs[inputs.count - 1], of: node, what: "the axis of ConcatV2")
        guard axisTensor.isScalar, axisTensor.isInteger else {
            throw .shapeMismatch(op: "ConcatV2", node: node.name, "expects a scalar integer axis")
        }
        var values: [Value] = []
        for input in parts { values.append(try value(input, of: node)) }
        let rank = values[0].shape.count
        guard values.allSatisfy({ $0.shape.count == rank }) else {
            throw .shapeMismatch(op: "ConcatV2", node: node.name, "the inputs' ranks differ")
        }
        let joined = try axis(axisTensor.integers[0], rank: rank, node)
        guard joined != 0 || values[0].shape[0] % ProgramWriter.batchMarker != 0 else {
            throw .unsupportedAttribute(op: "ConcatV2", node: node.name,
                                        "joining along axis 0, the batch axis, is not supported")
        }
        if values.count == 1 {
            operands[node.name] = .value(values[0])
            return
        }
        switch ProgramWriter.concatenatedShape(values.map(\.shape), axis: joined) {
        case .success(let shape):
            let names = values.map(\.name).joined(separator: ", ")
            define(node, "concat(\(names), axis: \(joined))", shape: shape)
        case .failure(let misfit):
            throw .shapeMismatch(op: "ConcatV2", node: node.name,
                                 "cannot join \(writer.shapeText(values[0].shape)) and "
                                 + "\(writer.shapeText(values[misfit.index].shape)) along axis \(joined)")
        }
    }

    /// StridedSlice of a vector (what Keras writes to take the batch size from a Shape): one axis, a positive
    /// stride, begin/end masks and shrink_axis_mask.
    private func stridedSlice(_ node: GraphDefNode, _ parts: [ConstantTensor]) throws(ImportError)
        -> ConstantTensor
    {
        let (input, begin, end, strides) = (parts[0], parts[1].integers, parts[2].integers, parts[3].integers)
        guard input.shape.count == 1, begin.count == 1, end.count == 1, strides.count == 1, strides[0] > 0,
              int(node, "ellipsis_mask", default: 0) == 0, int(node, "new_axis_mask", default: 0) == 0 else {
            throw .unsupportedAttribute(op: "StridedSlice", node: node.name,
                                        "only a slice of a vector with a positive stride is supported")
        }
        let count = input.shape[0]
        func clamp(_ index: Int) -> Int { min(max(index < 0 ? index + count : index, 0), count) }
        let start = int(node, "begin_mask", default: 0) & 1 == 1 ? 0 : clamp(begin[0])
        let stop = int(node, "end_mask", default: 0) & 1 == 1 ? count : clamp(end[0])
        if int(node, "shrink_axis_mask", default: 0) & 1 == 1 {
            let index = begin[0] < 0 ? begin[0] + count : begin[0]
            guard (0..<count).contains(index) else {
                throw .shapeMismatch(op: "StridedSlice", node: node.name, "index \(begin[0]) is out of range")
            }
            return ConstantTensor(shape: [], values: [input.values[index]], isInteger: input.isInteger)
        }
        let values = stride(from: start, to: max(start, stop), by: strides[0]).map { input.values[$0] }
        return ConstantTensor(shape: [values.count], values: values, isInteger: input.isInteger)
    }

    // MARK: - Layout

    /// Reshape (a constant shape, with -1 inferred) and Squeeze: a `reshape`, or a fold of a constant.
    private mutating func importReshape(_ node: GraphDefNode) throws(ImportError) {
        let inputs = try dataInputs(node, count: node.op == "Reshape" ? 2 : 1)
        let input = try operand(inputs[0], of: node)
        let shape: [Int]
        switch input {
        case .value(let value): shape = value.shape
        case .constant(let tensor): shape = tensor.shape
        }
        var target: [Int]
        if node.op == "Reshape" {
            let requested = try requireConstant(inputs[1], of: node, what: "the shape of Reshape").integers
            target = requested
            let inferred = target.indices.filter { target[$0] == -1 }
            let known = ConstantTensor.product(target.filter { $0 != -1 }) ?? 0
            let count = ConstantTensor.product(shape) ?? 0
            guard inferred.count <= 1, target.allSatisfy({ $0 == -1 || $0 > 0 }), target.count <= 8, known > 0,
                  inferred.isEmpty ? known == count : count % known == 0
            else {
                throw .shapeMismatch(op: "Reshape", node: node.name, "cannot reshape \(writer.shapeText(shape)) "
                                     + "to \(writer.shapeText(requested))")
            }
            if let axis = inferred.first { target[axis] = count / known }
        } else {
            var drop: Set<Int> = []
            for raw in ints(node, "squeeze_dims") ?? [] {
                let axis = try axis(raw, rank: shape.count, node)
                guard shape[axis] == 1 else {
                    throw .shapeMismatch(op: "Squeeze", node: node.name, "axis \(raw) has size \(shape[axis]), not 1")
                }
                drop.insert(axis)
            }
            if drop.isEmpty { drop = Set(shape.indices.filter { shape[$0] == 1 }) }
            target = shape.indices.filter { !drop.contains($0) }.map { shape[$0] }
        }
        switch input {
        case .constant(let tensor):
            operands[node.name] = .constant(tensor.reshaped(target))
        case .value:
            let x = try value(inputs[0], of: node)
            if target == x.shape {
                operands[node.name] = .value(x)
            } else {
                define(node, "reshape(\(x.name), \(writer.shapeText(target)))", shape: target)
            }
        }
    }

    /// Pad, and PadV2 with a constant scalar fill: folded for a constant; for a computed value, zeros only and
    /// not on the batch axis, pending until read: a VALID Conv2D it makes SAME absorbs it, and any other reader
    /// gets `pad(x, [[before, after], ...])`.
    private mutating func importPad(_ node: GraphDefNode) throws(ImportError) {
        let inputs = try dataInputs(node, count: node.op == "PadV2" ? 3 : 2)
        let paddings = try requireConstant(inputs[1], of: node, what: "the paddings of \(node.op)")
        var fill = 0.0
        if node.op == "PadV2" {
            let constant = try requireConstant(inputs[2], of: node, what: "the constant_values of PadV2")
            guard constant.isScalar else {
                throw .shapeMismatch(op: "PadV2", node: node.name, "constant_values must be a scalar")
            }
            fill = constant.values[0]
        }
        let input = try operand(inputs[0], of: node)
        let rank: Int
        switch input {
        case .value(let value): rank = value.shape.count
        case .constant(let tensor): rank = tensor.shape.count
        }
        let amounts = paddings.integers
        guard paddings.shape == [rank, 2], amounts.allSatisfy({ (0...(1 << 20)).contains($0) }) else {
            throw .shapeMismatch(op: node.op, node: node.name,
                                 "paddings of shape \(paddings.shape) for rank \(rank), or a negative or huge pad")
        }
        let pads = (0..<rank).map { (amounts[2 * $0], amounts[2 * $0 + 1]) }
        switch input {
        case .constant(let tensor):
            operands[node.name] = .constant(try padded(tensor, pads, fill: fill, node))
        case .value:
            let x = try value(inputs[0], of: node)
            guard fill == 0 else {
                throw .unsupportedAttribute(op: node.op, node: node.name,
                                            "padding with \(writer.literal(fill)): only zeros are supported")
            }
            guard pads[0] == (0, 0) || x.shape[0] % ProgramWriter.batchMarker != 0 else {
                throw .unsupportedAttribute(op: node.op, node: node.name,
                                            "padding axis 0, the batch axis, is not supported")
            }
            if pads.allSatisfy({ $0 == (0, 0) }) {
                operands[node.name] = .value(x)
                return
            }
            let shape = x.shape.indices.map { x.shape[$0] + pads[$0].0 + pads[$0].1 }
            guard let count = ConstantTensor.product(Array(shape.dropFirst())), count <= ProgramWriter.maximumElements
            else {
                throw .shapeMismatch(op: node.op, node: node.name, "the padded value is too large")
            }
            operands[node.name] = .value(Value(name: x.name, shape: shape, pendingPads: pads, padNode: node.name))
        }
    }

    private func padded(_ tensor: ConstantTensor, _ pads: [(Int, Int)], fill: Double, _ node: GraphDefNode)
        throws(ImportError) -> ConstantTensor
    {
        let shape = tensor.shape.indices.map { tensor.shape[$0] + pads[$0].0 + pads[$0].1 }
        guard let count = ConstantTensor.product(shape), count <= ProgramWriter.maximumElements else {
            throw .shapeMismatch(op: node.op, node: node.name, "the padded constant is too large")
        }
        var values = [Double](repeating: fill, count: count)
        let strides = ConstantTensor.strides(shape)
        var index = [Int](repeating: 0, count: tensor.shape.count)
        for value in tensor.values {
            var position = 0
            for axis in index.indices { position += (index[axis] + pads[axis].0) * strides[axis] }
            values[position] = value
            var axis = index.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < tensor.shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return ConstantTensor(shape: shape, values: values, isInteger: tensor.isInteger)
    }

    // MARK: - Arithmetic

    /// Add, AddV2, Sub, Mul and BiasAdd: folded for constants, `a OP b` for values, and a value with a constant
    /// as `x OP literal` (a scalar) or `x OP weight`.
    private mutating func importArithmetic(_ node: GraphDefNode) throws(ImportError) {
        if node.op == "BiasAdd" { try requireNHWC(node) }
        // The dispatch sends only these five operations here.
        let symbol: String, combine: (Double, Double) -> Double
        switch node.op {
        case "Sub": (symbol, combine) = ("-", { $0 - $1 })
        case "Mul": (symbol, combine) = ("*", { $0 * $1 })
        default: (symbol, combine) = ("+", { $0 + $1 })  // Add, AddV2, BiasAdd
        }
        let inputs = try dataInputs(node, count: 2)
        let left = try operand(inputs[0], of: node), right = try operand(inputs[1], of: node)
        switch (left, right) {
        case (.constant(let a), .constant(let b)):
            let shape = ConstantTensor.broadcastShape(a.shape, b.shape)
            guard let shape, let count = ConstantTensor.product(shape), count <= ProgramWriter.maximumElements,
                  let result = ConstantTensor.broadcast(a, b, combine) else {
                throw .shapeMismatch(op: node.op, node: node.name, "\(writer.shapeText(a.shape)) and "
                                     + "\(writer.shapeText(b.shape)) do not broadcast")
            }
            operands[node.name] = .constant(result)
        case (.value, .value):
            let a = try value(inputs[0], of: node), b = try value(inputs[1], of: node)
            guard let shape = ConstantTensor.broadcastShape(a.shape, b.shape) else {
                throw .shapeMismatch(op: node.op, node: node.name, "\(writer.shapeText(a.shape)) and "
                                     + "\(writer.shapeText(b.shape)) do not broadcast")
            }
            define(node, "\(a.name) \(symbol) \(b.name)", shape: shape)
        case (.value, .constant(let c)), (.constant(let c), .value):
            let valueOnLeft: Bool
            if case .value = left { valueOnLeft = true } else { valueOnLeft = false }
            let x = try value(inputs[valueOnLeft ? 0 : 1], of: node)
            guard let shape = ConstantTensor.broadcastShape(x.shape, c.shape), shape == x.shape,
                  node.op != "BiasAdd" || c.shape == [x.shape.last ?? 0] else {
                throw .shapeMismatch(op: node.op, node: node.name, "\(writer.shapeText(x.shape)) and "
                                     + "\(writer.shapeText(c.shape)) do not broadcast to the value's shape")
            }
            var laidOut = c
            while laidOut.shape.count > 1, laidOut.shape[0] == 1 { laidOut.shape.removeFirst() }
            let text = c.isScalar ? writer.literal(c.values[0])
                : writer.weight(laidOut, hint: inputs[valueOnLeft ? 1 : 0].valueKey,
                                displayName: Self.shortName(inputs[valueOnLeft ? 1 : 0].node))
            define(node, valueOnLeft ? "\(x.name) \(symbol) \(text)" : "\(text) \(symbol) \(x.name)", shape: shape)
        }
    }

    // MARK: - Activations

    private mutating func importActivation(_ node: GraphDefNode) throws(ImportError) {
        let x = try value(try dataInputs(node, count: 1)[0], of: node)
        switch node.op {
        case "Sigmoid":
            define(node, "sigmoid(\(x.name))", shape: x.shape)
        case "Relu":
            try require(.relu, node)
            define(node, "relu(\(x.name))", shape: x.shape)
        default:  // Relu6: min(max(x, 0), 6) with two ReLUs
            try require(.relu, node)
            define(node, writer.clipExpression(x.name, low: 0, high: 6), shape: x.shape)
        }
    }

    // MARK: - Client-side functions at the end of the graph

    /// A Softmax whose result only Identity nodes pass on to outputs: revealed to the client, who computes it in
    /// the clear (TensorFlow's Softmax is over the last axis).
    private mutating func importSoftmax(_ node: GraphDefNode) throws(ImportError) {
        var pending = [node.name]
        while let key = pending.popLast() {
            for reader in consumers[key] ?? [] {
                guard model.nodes[reader].op == "Identity" else {
                    throw .unsupportedAttribute(op: "Softmax", node: node.name,
                                                "tfe computes it on the client, so it must be at the end of the graph")
                }
                pending.append(model.nodes[reader].name)
            }
        }
        let x = try value(try dataInputs(node, count: 1)[0], of: node)
        guard !x.shape.isEmpty else {
            throw .shapeMismatch(op: "Softmax", node: node.name, "a scalar has no axis to normalise")
        }
        define(node, "softmax(reveal(\(x.name), \(options.client)), axis: \(x.shape.count - 1))", shape: x.shape,
               local: true)
    }
}
