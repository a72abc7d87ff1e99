import TFECore

/// Concat, Pad and Slice of computed values: `concat`, `pad` and slicing in the program, on the layout the
/// values are stored in (an NHWC variable's axes are the ONNX axes [0, 2, 3, 1]).
extension ONNXImporter {
    /// The variable's axis that holds ONNX axis `axis` of `value`.
    private func storedAxis(_ axis: Int, of value: Value) -> Int {
        value.isNHWC ? [0, 3, 1, 2][axis] : axis
    }

    /// Per ONNX axis values, in the order of the variable's axes.
    private func stored<T>(_ perAxis: [T], of value: Value) -> [T] {
        value.isNHWC ? [0, 2, 3, 1].map { perAxis[$0] } : perAxis
    }

    /// Concat with a computed input: every input a computed value of one rank (constants would need the batch),
    /// all in one layout (NHWC when one is and all are images), joined along the axis on every server.
    mutating func importValueConcat(_ node: ONNXNode) throws(ImportError) {
        var values: [Value] = []
        for input in node.inputs {
            guard case .value(let value) = try operand(input, of: node) else {
                throw .unsupportedAttribute(op: "Concat", node: node.name,
                                            "a Concat of computed values and constants ('\(input)') is not supported")
            }
            values.append(value)
        }
        let rank = values[0].shape.count
        guard values.allSatisfy({ $0.shape.count == rank }) else {
            throw .shapeMismatch(op: "Concat", node: node.name, "the inputs' ranks differ")
        }
        let joined = try axis(int(node, "axis", default: 0), rank: rank, node)
        let nhwc = rank == 4 && values.contains(where: \.isNHWC)
        values = try node.inputs.map { input throws(ImportError) in try value(input, of: node, nhwc: nhwc) }
        let shape: [Int]
        switch ProgramWriter.concatenatedShape(values.map(\.shape), axis: joined) {
        case .success(let joinedShape) where joined != 0 || values[0].shape[0] % Self.batchMarker != 0:
            shape = joinedShape
        case .success:
            throw .shapeMismatch(op: "Concat", node: node.name, "cannot join along axis 0, the batch axis")
        case .failure(let misfit):
            throw .shapeMismatch(op: "Concat", node: node.name,
                                 "cannot join \(writer.shapeText(values[0].shape)) and "
                                 + "\(writer.shapeText(values[misfit.index].shape)) along axis \(joined)")
        }
        let names = values.map(\.name).joined(separator: ", ")
        define(node, "concat(\(names), axis: \(storedAxis(joined, of: values[0])))", shape: shape, nhwc: nhwc)
    }

    /// Pad in constant mode with zeros, of a computed value: `pad(x, [[before, after], ...])`; the batch axis
    /// is not padded.
    mutating func importPad(_ node: ONNXNode) throws(ImportError) {
        let mode = string(node, "mode") ?? "constant"
        guard mode == "constant" else {
            throw .unsupportedAttribute(op: "Pad", node: node.name, "mode '\(mode)': only constant padding")
        }
        let x = try value(node.inputs[0], of: node)
        let rank = x.shape.count
        var pads = ints(node, "pads")
        if pads == nil, node.inputs.count > 1, !node.inputs[1].isEmpty {
            pads = try requireConstant(node.inputs[1], of: node, what: "the pads of Pad").integers
        }
        var fill = float(node, "value", default: 0)
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            fill = try requireConstant(node.inputs[2], of: node, what: "the constant of Pad").values.first ?? 0
        }
        guard node.inputs.count < 4 || node.inputs[3].isEmpty else {
            throw .unsupportedAttribute(op: "Pad", node: node.name, "the axes input is not supported")
        }
        guard fill == 0 else {
            throw .unsupportedAttribute(op: "Pad", node: node.name, "padding with \(fill): only zeros are supported")
        }
        guard let pads, pads.count == 2 * rank, pads.allSatisfy({ (0...(1 << 20)).contains($0) }) else {
            throw .unsupportedAttribute(op: "Pad", node: node.name,
                                        "pads \(pads ?? []): one non-negative [begin, end] per axis of rank \(rank)")
        }
        guard pads[0] == 0, pads[rank] == 0 || x.shape[0] != Self.batchMarker else {
            throw .unsupportedAttribute(op: "Pad", node: node.name, "padding the batch axis is not supported")
        }
        let pairs = (0..<rank).map { [pads[$0], pads[rank + $0]] }
        guard pairs.contains(where: { $0 != [0, 0] }) else {
            operands[node.outputs[0]] = .value(x)
            return
        }
        let shape = (0..<rank).map { x.shape[$0] + pairs[$0][0] + pairs[$0][1] }
        let text = ProgramWriter.padExpression(x.name, shape: x.shape, pairs: stored(pairs, of: x)).text
        define(node, text, shape: shape, nhwc: x.isNHWC)
    }

    /// Slice of a computed value with constant starts, ends, axes and steps (NumPy's clamping), as `x[a:b:s, ...]`
    /// over the variable's axes; the batch axis is kept whole. A slice of a constant is folded.
    mutating func importSlice(_ node: ONNXNode) throws(ImportError) {
        // A slice of a constant (tf2onnx's strided_slice of a Shape, say) is folded at import time.
        var data = try constant(node.inputs[0], of: node)
        let x = data == nil ? try value(node.inputs[0], of: node) : nil
        let fullShape = data?.shape ?? x?.shape ?? []
        let rank = fullShape.count
        func list(_ index: Int, _ attribute: String, _ what: String) throws(ImportError) -> [Int]? {
            if let values = ints(node, attribute) { return values }
            guard node.inputs.count > index, !node.inputs[index].isEmpty else { return nil }
            return try requireConstant(node.inputs[index], of: node, what: what).saturatedIntegers
        }
        guard let starts = try list(1, "starts", "the starts of Slice"),
              let ends = try list(2, "ends", "the ends of Slice") else {
            throw .shapeMismatch(op: "Slice", node: node.name, "expects starts and ends")
        }
        let axes = try list(3, "axes", "the axes of Slice") ?? Array(0..<starts.count)
        let steps = try list(4, "steps", "the steps of Slice") ?? [Int](repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw .shapeMismatch(op: "Slice", node: node.name, "starts, ends, axes and steps differ in length")
        }
        var items = [String](repeating: ":", count: rank)
        var shape = fullShape
        var seen: Set<Int> = []
        for (index, raw) in axes.enumerated() {
            let axis = try axis(raw, rank: rank, node)
            guard seen.insert(axis).inserted, steps[index] != 0 else {
                throw .shapeMismatch(op: "Slice", node: node.name, "axis \(raw) twice, or a step of 0")
            }
            let length = fullShape[axis]
            guard let (first, count) = SliceIndices.resolve(starts[index], ends[index], steps[index], length: length),
                  count > 0 else {
                throw .shapeMismatch(op: "Slice", node: node.name, "the slice of axis \(axis) is empty")
            }
            if let folded = data {
                let positions = (0..<count).map { Double(first + $0 * steps[index]) }
                let indices = ConstantTensor(shape: [count], values: positions, isInteger: true)
                guard let sliced = folded.gathered(indices, axis: axis) else {
                    throw .shapeMismatch(op: "Slice", node: node.name, "the slice of axis \(axis) is out of range")
                }
                data = sliced
                continue
            }
            if count == length, steps[index] == 1 { continue }
            guard length != Self.batchMarker || axis != 0 else {
                throw .unsupportedAttribute(op: "Slice", node: node.name, "slicing the batch axis is not supported")
            }
            let step = steps[index]
            let last = first + (count - 1) * step
            let end = step > 0 ? "\(last + 1)" : last == 0 ? "" : "\(last - 1)"
            items[axis] = "\(first):\(end)" + (step == 1 ? "" : ":\(step)")
            shape[axis] = count
        }
        if let data {
            operands[node.outputs[0]] = .constant(data)
            return
        }
        guard let x else { return }
        var variableItems = stored(items, of: x)
        while variableItems.last == ":" { variableItems.removeLast() }
        guard !variableItems.isEmpty else {
            operands[node.outputs[0]] = .value(x)
            return
        }
        define(node, "\(x.name)[\(variableItems.joined(separator: ", "))]", shape: shape, nhwc: x.isNHWC)
    }
}
