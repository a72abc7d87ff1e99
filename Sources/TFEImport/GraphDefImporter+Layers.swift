/// Dense layers, convolutions, batch normalization and pools: the operations with weights or windows.
extension GraphDefImporter {
    // MARK: - Dense

    /// MatMul. A constant right operand is a weight in tfe's [in, out] layout already (transposed once here for
    /// `transpose_b`), with the BiasAdd and FusedBatchNorm that follow folded in.
    mutating func importMatMul(_ node: GraphDefNode) throws(ImportError) {
        let inputs = try dataInputs(node, count: 2)
        let transposeA = bool(node, "transpose_a", default: false)
        let transposeB = bool(node, "transpose_b", default: false)
        let x = try value(inputs[0], of: node)
        guard x.shape.count == 2 else {
            throw .shapeMismatch(op: "MatMul", node: node.name, "expects a matrix, not \(writer.shapeText(x.shape))")
        }
        let xText = transposeA ? "transpose(\(x.name))" : x.name
        let rows = transposeA ? x.shape[1] : x.shape[0], inner = transposeA ? x.shape[0] : x.shape[1]
        guard let b = try constant(inputs[1], of: node) else {
            let y = try value(inputs[1], of: node)
            let yText = transposeB ? "transpose(\(y.name))" : y.name
            let yShape = transposeB ? y.shape.reversed() : y.shape
            guard y.shape.count == 2, yShape[0] == inner else {
                throw .shapeMismatch(op: "MatMul", node: node.name, "cannot multiply "
                                     + "\(writer.shapeText([rows, inner])) by \(writer.shapeText(yShape))")
            }
            define(node, "\(xText) @ \(yText)", shape: [rows, yShape[1]])
            return
        }
        var w = transposeB && b.shape.count == 2 ? b.transposed([1, 0]) : b
        guard w.shape.count == 2, w.shape[0] == inner, w.shape[1] > 0 else {
            throw .shapeMismatch(op: "MatMul", node: node.name, "cannot multiply \(writer.shapeText([rows, inner])) "
                                 + "by \(writer.shapeText(w.shape))")
        }
        let outputs = w.shape[1]
        let tail = try foldableTail(after: node, channels: outputs)
        if let scale = tail.scale { w.values = w.values.indices.map { w.values[$0] * scale[$0 % outputs] } }
        var notes = transposeB ? ["[out, in] in the model (transpose_b): transposed to [in, out]"] : []
        if tail.scale != nil { notes.append("scaled by the folded batch normalization") }
        let layout = tail.nodes.map(\.name).joined(separator: "+")
        let weightName = writer.weight(w, hint: inputs[1].valueKey, layout: layout,
                                       comment: notes.isEmpty ? nil : notes.joined(separator: ", "),
                                       displayName: Self.layerName(node) + "/kernel")
        let expression = "\(xText) @ \(weightName)" + biasTerm(tail, count: outputs, layout: layout, node: node)
        define(node, expression, shape: [rows, outputs], also: tail.nodes)
    }

    // MARK: - Convolution

    /// Conv2D of an NHWC image with a constant HWIO kernel (tfe's layout, as TensorFlow's), padding SAME or
    /// VALID (a Pad before a VALID one that amounts to SAME is absorbed; any other is a `pad` before it), with
    /// the BiasAdd and FusedBatchNorm after it folded in.
    mutating func importConv2D(_ node: GraphDefNode) throws(ImportError) {
        try requireNHWC(node)
        let inputs = try dataInputs(node, count: 2)
        var x = try value(inputs[0], of: node, absorbingPads: true)
        var kernel = try requireConstant(inputs[1], of: node, what: "the kernel of Conv2D")
        guard x.shape.count == 4, kernel.shape.count == 4 else {
            throw .unsupportedAttribute(op: "Conv2D", node: node.name, "expects an NHWC image and an HWIO kernel, "
                                        + "not \(writer.shapeText(x.shape)) and \(writer.shapeText(kernel.shape))")
        }
        guard (ints(node, "dilations") ?? [1, 1, 1, 1]).allSatisfy({ $0 == 1 }) else {
            throw .unsupportedAttribute(op: "Conv2D", node: node.name, "dilations other than 1 are not supported")
        }
        let extent = [kernel.shape[0], kernel.shape[1]]
        var absorbed: (stride: Int, padding: String, output: [Int])?
        if let pads = x.pendingPads {
            // Zero padding by exactly what SAME would add, then a VALID convolution, is a SAME convolution.
            let padded = [x.shape[1], x.shape[2]]
            let spatial = (0..<2).map { padded[$0] - pads[$0 + 1].0 - pads[$0 + 1].1 }
            let window = try spatialWindow(node, input: padded, kernel: extent)
            let same = sameOutput(input: spatial, kernel: extent, stride: window.stride)
            if window.padding == "VALID", pads[0] == (0, 0), pads[3] == (0, 0), pads[1] == same.pads[0],
               pads[2] == same.pads[1] {
                absorbed = (window.stride, "SAME", same.output)
            } else {
                x = writingPad(x)
            }
        }
        guard kernel.shape[2] == x.shape[3] else {
            throw .shapeMismatch(op: "Conv2D", node: node.name, "the kernel \(writer.shapeText(kernel.shape)) "
                                 + "expects \(kernel.shape[2]) channels, not \(x.shape[3])")
        }
        let channels = kernel.shape[3]
        guard channels > 0 else { throw .shapeMismatch(op: "Conv2D", node: node.name, "the kernel has no channels") }
        let window: (stride: Int, padding: String, output: [Int])
        var preceding: [GraphDefNode] = []
        if let absorbed {
            window = absorbed
            if let pad = x.padNode.flatMap({ indices[$0] }) { preceding = [model.nodes[pad]] }
        } else {
            window = try spatialWindow(node, input: [x.shape[1], x.shape[2]], kernel: extent)
        }
        let tail = try foldableTail(after: node, channels: channels)
        if let scale = tail.scale {
            kernel.values = kernel.values.indices.map { kernel.values[$0] * scale[$0 % channels] }
        }
        let layout = tail.nodes.map(\.name).joined(separator: "+")
        let kernelName = writer.weight(kernel, hint: inputs[1].valueKey, layout: layout,
                                       comment: tail.scale == nil ? nil : "scaled by the folded batch normalization",
                                       displayName: Self.layerName(node) + "/kernel")
        let expression = "conv2d(\(x.name), \(kernelName), stride: \(window.stride), padding: \"\(window.padding)\")"
            + biasTerm(tail, count: channels, layout: layout, node: node)
        let shape = [x.shape[0]] + window.output + [channels]
        define(node, expression, shape: shape, preceding: preceding, also: tail.nodes)
    }

    /// SAME's output size and its padding per spatial axis, (before, after), the extra cell after.
    func sameOutput(input: [Int], kernel: [Int], stride: Int) -> (output: [Int], pads: [(Int, Int)]) {
        let output = input.map { ($0 + stride - 1) / stride }
        let pads = (0..<2).map { axis -> (Int, Int) in
            let total = max((output[axis] - 1) * stride + kernel[axis] - input[axis], 0)
            return (total / 2, total - total / 2)
        }
        return (output, pads)
    }

    /// A window's stride and padding as tfe writes them, and the output's spatial size: `strides` must be
    /// [1, s, s, 1] and `padding` SAME or VALID.
    func spatialWindow(_ node: GraphDefNode, input: [Int], kernel: [Int]) throws(ImportError)
        -> (stride: Int, padding: String, output: [Int])
    {
        let strides = ints(node, "strides") ?? [1, 1, 1, 1]
        guard strides.count == 4, strides[0] == 1, strides[3] == 1, strides[1] == strides[2],
              (1...(1 << 20)).contains(strides[1]) else {
            throw .unsupportedAttribute(op: node.op, node: node.name,
                                        "strides \(strides): only [1, s, s, 1] is supported")
        }
        guard kernel.allSatisfy({ (1...(1 << 20)).contains($0) }) else {
            throw .unsupportedAttribute(op: node.op, node: node.name, "a window of \(kernel) is out of range")
        }
        let stride = strides[1]
        switch string(node, "padding") ?? "" {
        case "VALID":
            let output = (0..<2).map { (input[$0] - kernel[$0]) / stride + 1 }
            guard (0..<2).allSatisfy({ input[$0] >= kernel[$0] }) else {
                throw .shapeMismatch(op: node.op, node: node.name, "the window is larger than the input")
            }
            return (stride, "VALID", output)
        case "SAME":
            return (stride, "SAME", sameOutput(input: input, kernel: kernel, stride: stride).output)
        case let padding:
            throw .unsupportedAttribute(op: node.op, node: node.name,
                                        "padding '\(padding)': only SAME and VALID are supported")
        }
    }

    // MARK: - Batch normalization

    /// What follows a Conv2D or MatMul and folds into its weights: a BiasAdd (or Add of a constant vector) and
    /// then a FusedBatchNorm in inference mode, each the only reader of the value before it.
    struct Tail {
        var bias: [Double]?
        var biasHint = ""
        var scale: [Double]?
        var nodes: [GraphDefNode] = []
    }

    /// ` + bias` for a tail that folded a bias of `count` elements (declared as the layer's `/bias` weight), or
    /// nothing.
    mutating func biasTerm(_ tail: Tail, count: Int, layout: String, node: GraphDefNode) -> String {
        guard let bias = tail.bias else { return "" }
        let name = writer.weight(ConstantTensor(shape: [count], values: bias), hint: tail.biasHint, layout: layout,
                                 displayName: Self.layerName(node) + "/bias")
        return " + \(name)"
    }

    mutating func foldableTail(after node: GraphDefNode, channels: Int) throws(ImportError) -> Tail {
        var tail = Tail()
        var current = node
        while let reader = soleReader(of: current) {
            let next = model.nodes[reader]
            let inputs = next.inputs.filter { !$0.isControl }
            if tail.bias == nil, tail.scale == nil, ["BiasAdd", "Add", "AddV2"].contains(next.op), inputs.count == 2,
               inputs[0].valueKey == current.name, (string(next, "data_format") ?? "NHWC") == "NHWC",
               case .constant(let bias)? = operands[inputs[1].valueKey],
               bias.values.count == channels, bias.shape.last == channels {
                tail.bias = bias.values
                tail.biasHint = inputs[1].valueKey
            } else if ["FusedBatchNorm", "FusedBatchNormV3"].contains(next.op), inputs.count == 5,
                      inputs[0].valueKey == current.name,
                      let affine = try batchNormalizationAffine(next, folding: true),
                      affine.scale.count == channels {
                tail.scale = affine.scale
                tail.bias = (0..<channels).map { (tail.bias?[$0] ?? 0) * affine.scale[$0] + affine.shift[$0] }
                if tail.biasHint.isEmpty { tail.biasHint = next.name + "_bias" }
                tail.nodes.append(next)
                fused.insert(reader)
                break
            } else {
                break
            }
            tail.nodes.append(next)
            fused.insert(reader)
            current = next
        }
        return tail
    }

    /// The one node that reads `node`'s first output, when exactly one does and `node` is not an output.
    private func soleReader(of node: GraphDefNode) -> Int? {
        guard let readers = consumers[node.name], readers.count == 1,
              !outputs.contains(where: { model.nodes[$0].name == node.name }) else { return nil }
        return readers[0]
    }

    /// FusedBatchNorm in inference mode as `y = x·scale + shift` per channel (the last axis). When `folding`, a
    /// node whose parameters are not all constants gives nil instead of an error.
    func batchNormalizationAffine(_ node: GraphDefNode, folding: Bool = false) throws(ImportError)
        -> (scale: [Double], shift: [Double])?
    {
        try requireNHWC(node)
        if bool(node, "is_training", default: true) { throw .trainingBatchNormalization(node: node.name) }
        let inputs = try dataInputs(node, count: 5)
        var parameters: [[Double]] = []
        for input in inputs[1..<5] {
            // While folding, a parameter not (yet) known to be constant only means "do not fold".
            let known: Operand? = folding ? operands[input.valueKey] : try operand(input, of: node)
            guard case .constant(let tensor)? = known else {
                if folding { return nil }
                throw .unsupportedAttribute(op: node.op, node: node.name, "'\(input.node)' must be a constant")
            }
            parameters.append(tensor.values)
        }
        let epsilon = float(node, "epsilon", default: 1e-4)
        guard let affine = ConstantTensor.batchNormalizationAffine(parameters, epsilon: epsilon) else {
            throw .shapeMismatch(op: node.op, node: node.name, "its parameters have different sizes")
        }
        return affine
    }

    /// A FusedBatchNorm that could not be folded: `x * scale + shift` with per-channel weights.
    mutating func importBatchNormalization(_ node: GraphDefNode) throws(ImportError) {
        let x = try value(try dataInputs(node, count: 5)[0], of: node)
        guard let (scale, shift) = try batchNormalizationAffine(node) else { return }
        guard x.shape.last == scale.count else {
            throw .shapeMismatch(op: node.op, node: node.name,
                                 "\(scale.count) channels for an input of shape \(writer.shapeText(x.shape))")
        }
        let scaleName = writer.weight(ConstantTensor(shape: [scale.count], values: scale), hint: node.name + "/scale",
                                      displayName: Self.shortName(node.name) + "/scale")
        let shiftName = writer.weight(ConstantTensor(shape: [shift.count], values: shift), hint: node.name + "/shift",
                                      displayName: Self.shortName(node.name) + "/shift")
        define(node, "\(x.name) * \(scaleName) + \(shiftName)", shape: x.shape)
    }

    // MARK: - Pools

    /// MaxPool (SecureNN) and AvgPool (TensorFlow divides by the cells inside the image, as tfe does) over square
    /// windows of NHWC images.
    mutating func importPool(_ node: GraphDefNode) throws(ImportError) {
        try requireNHWC(node)
        let x = try value(try dataInputs(node, count: 1)[0], of: node)
        let size = ints(node, "ksize") ?? []
        guard x.shape.count == 4, size.count == 4, size[0] == 1, size[3] == 1, size[1] == size[2] else {
            throw .unsupportedAttribute(op: node.op, node: node.name,
                                        "ksize \(size): only square windows [1, k, k, 1] are supported")
        }
        let window = try spatialWindow(node, input: [x.shape[1], x.shape[2]], kernel: [size[1], size[2]])
        let function: String
        if node.op == "MaxPool" {
            try require(.maxPool, node)
            function = "maxpool2d"
        } else {
            function = "avgpool2d"
        }
        define(node, "\(function)(\(x.name), \(size[1]), stride: \(window.stride), padding: \"\(window.padding)\")",
               shape: [x.shape[0]] + window.output + [x.shape[3]])
    }
}
