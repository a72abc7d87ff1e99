/// Dense layers, convolutions, batch normalization and pools: the operators with weights or windows.
extension ONNXImporter {
    // MARK: - Dense

    /// Gemm and MatMul. PyTorch stores dense weights as [out, in] (`transB = 1`); tfe's matmul takes [in, out],
    /// so the weight is transposed here, once, and alpha, beta and a following BatchNormalization folded in.
    mutating func importDense(_ node: ONNXNode) throws(ImportError) {
        let isGemm = node.opType == "Gemm"
        guard let b = try constant(node.inputs[1], of: node) else {
            let x = try value(node.inputs[0], of: node, nhwc: false)
            let y = try value(node.inputs[1], of: node, nhwc: false)
            guard !isGemm || (int(node, "transA", default: 0) == 0 && int(node, "transB", default: 0) == 0),
                  x.shape.count == 2, y.shape.count == 2, x.shape[1] == y.shape[0] else {
                throw .unsupportedAttribute(op: node.opType, node: node.name,
                                            "only a product of two rank-2 values without transposes is supported")
            }
            define(node, "\(x.name) @ \(y.name)", shape: [x.shape[0], y.shape[1]])
            return
        }
        var x = try value(node.inputs[0], of: node, nhwc: false)
        var xText = x.name
        if isGemm, int(node, "transA", default: 0) == 1 {
            guard x.shape.count == 2 else { throw .shapeMismatch(op: "Gemm", node: node.name, "transA needs rank 2") }
            xText = "transpose(\(x.name))"
            x.shape.reverse()
        }
        guard b.shape.count == 2, let inner = x.shape.last else {
            throw .shapeMismatch(op: node.opType, node: node.name, "the weight must have rank 2, not \(b.shape.count)")
        }
        var w = isGemm && int(node, "transB", default: 0) == 1 ? b.transposed([1, 0]) : b
        guard w.shape[0] == inner else {
            throw .shapeMismatch(op: node.opType, node: node.name,
                                 "cannot multiply \(writer.shapeText(x.shape)) by \(writer.shapeText(w.shape))")
        }
        let outputs = w.shape[1]
        guard outputs > 0 else { throw .shapeMismatch(op: node.opType, node: node.name, "the weight has no columns") }
        let alpha = isGemm ? float(node, "alpha", default: 1) : 1
        var bias: [Double]?
        if isGemm, node.inputs.count > 2, !node.inputs[2].isEmpty {
            let c = try requireConstant(node.inputs[2], of: node, what: "Gemm's C")
            guard ConstantTensor.broadcastShape(c.shape, [outputs]) == [outputs] else {
                throw .unsupportedAttribute(op: "Gemm", node: node.name, "C must be a bias of shape [\(outputs)]")
            }
            let beta = float(node, "beta", default: 1)
            bias = c.expanded(to: [outputs]).map { $0 * beta }
        }
        var layout = "dense"
        var folded: [ONNXNode] = []
        if let (bn, scale, shift) = try foldableBatchNormalization(after: node, channels: outputs) {
            w.values = w.values.indices.map { w.values[$0] * scale[$0 % outputs] }
            bias = (0..<outputs).map { (bias?[$0] ?? 0) * scale[$0] + shift[$0] }
            layout += "+" + bn.name
            folded = [bn]
        }
        if alpha != 1 { w.values = w.values.map { $0 * alpha } }
        let transposed = isGemm && int(node, "transB", default: 0) == 1
        var notes = transposed ? ["[out, in] in the model: transposed to [in, out]"] : []
        if !folded.isEmpty { notes.append("scaled by the folded BatchNormalization") }
        let weightName = writer.weight(w, hint: node.inputs[1], layout: layout,
                                       comment: notes.isEmpty ? nil : notes.joined(separator: ", "))
        var expression = "\(xText) @ \(weightName)"
        if let bias {
            let biasName = writer.weight(ConstantTensor(shape: [outputs], values: bias),
                                         hint: isGemm ? node.inputs[2] : node.outputs[0] + "_bias", layout: layout)
            expression += " + \(biasName)"
        }
        define(node, expression, shape: Array(x.shape.dropLast()) + [outputs], also: folded)
    }

    // MARK: - Convolution

    /// Conv with one group: the kernel goes from ONNX's OIHW to tfe's HWIO, the padding must be what
    /// TensorFlow calls VALID or SAME, and a BatchNormalization that only this Conv feeds is folded in.
    mutating func importConv(_ node: ONNXNode) throws(ImportError) {
        let x = try value(node.inputs[0], of: node, nhwc: true)
        let w = try requireConstant(node.inputs[1], of: node, what: "the kernel of Conv")
        guard x.shape.count == 4, w.shape.count == 4 else {
            throw .unsupportedAttribute(op: "Conv", node: node.name,
                                        "only 2-D convolutions of NCHW images are supported")
        }
        guard int(node, "group", default: 1) == 1 else {
            throw .unsupportedAttribute(op: "Conv", node: node.name,
                                        "group \(int(node, "group", default: 1)): only group 1 is supported")
        }
        guard (ints(node, "dilations") ?? [1, 1]).allSatisfy({ $0 == 1 }) else {
            throw .unsupportedAttribute(op: "Conv", node: node.name, "dilations other than 1 are not supported")
        }
        guard w.shape[1] == x.shape[1] else {
            throw .shapeMismatch(op: "Conv", node: node.name, "the kernel \(writer.shapeText(w.shape)) expects "
                                 + "\(w.shape[1]) channels, not \(x.shape[1])")
        }
        let channels = w.shape[0]
        guard channels > 0 else { throw .shapeMismatch(op: "Conv", node: node.name, "the kernel has no channels") }
        let window = try spatialWindow(node, input: Array(x.shape[2...]), kernel: Array(w.shape[2...]),
                                       zeroPads: true)
        var kernel = w.transposed([2, 3, 1, 0])
        var bias: [Double]?
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            bias = try requireConstant(node.inputs[2], of: node, what: "the bias of Conv").values
        }
        var layout = "hwio"
        var folded: [ONNXNode] = []
        if let (bn, scale, shift) = try foldableBatchNormalization(after: node, channels: channels) {
            kernel.values = kernel.values.indices.map { kernel.values[$0] * scale[$0 % channels] }
            bias = (0..<channels).map { (bias?[$0] ?? 0) * scale[$0] + shift[$0] }
            layout += "+" + bn.name
            folded = [bn]
        }
        let kernelName = writer.weight(kernel, hint: node.inputs[1], layout: layout,
                                       comment: "OIHW in the model: transposed to HWIO"
                                           + (folded.isEmpty ? "" : ", scaled by the folded BatchNormalization"))
        var expression = "conv2d(\(padded(x.name, window.prePad)), \(kernelName), stride: \(window.stride), "
            + "padding: \"\(window.padding)\")"
        if let bias, bias.count == channels {
            let biasName = writer.weight(ConstantTensor(shape: [channels], values: bias),
                                         hint: node.inputs.count > 2 && !node.inputs[2].isEmpty
                                             ? node.inputs[2] : node.outputs[0] + "_bias", layout: layout)
            expression += " + \(biasName)"
        }
        define(node, expression, shape: [x.shape[0], channels] + window.output, nhwc: true, also: folded)
    }

    /// A window's stride and padding as tfe writes them, and the output's spatial size. ONNX's pads become
    /// TensorFlow's VALID (none) or SAME (the total split with the extra cell at the end); other pads (asymmetric,
    /// larger) become zeros around the input (`prePad`, [top, left, bottom, right]) and VALID, where `zeroPads`
    /// allows it (a Conv, or an AveragePool that counts the padding). With `countsPadding` SAME pads are zeros too.
    func spatialWindow(
        _ node: ONNXNode, input: [Int], kernel: [Int], zeroPads: Bool = false, countsPadding: Bool = false
    ) throws(ImportError) -> (stride: Int, padding: String, output: [Int], prePad: [Int]?) {
        let strides = ints(node, "strides") ?? [1, 1]
        guard strides.count == 2, strides[0] == strides[1], strides[0] >= 1, kernel.count == 2 else {
            throw .unsupportedAttribute(op: node.opType, node: node.name,
                                        "strides \(strides): only equal strides over two axes are supported")
        }
        let stride = strides[0]
        let limit = 1 << 20
        guard stride <= limit, kernel.allSatisfy({ (1...limit).contains($0) }),
              (ints(node, "pads") ?? []).allSatisfy({ (0...limit).contains($0) }) else {
            throw .unsupportedAttribute(op: node.opType, node: node.name, "a window, stride or pad is out of range")
        }
        let same = (0..<2).map { axis in
            let total = max(((input[axis] + stride - 1) / stride - 1) * stride + kernel[axis] - input[axis], 0)
            return (total / 2, total - total / 2)
        }
        var pads = ints(node, "pads") ?? [0, 0, 0, 0]
        switch string(node, "auto_pad") ?? "NOTSET" {
        case "VALID": pads = [0, 0, 0, 0]
        case "SAME_UPPER": pads = [same[0].0, same[1].0, same[0].1, same[1].1]
        case "SAME_LOWER": pads = [same[0].1, same[1].1, same[0].0, same[1].0]
        default: break
        }
        guard pads.count == 4 else {
            throw .unsupportedAttribute(op: node.opType, node: node.name, "pads \(pads) are not for two axes")
        }
        let ceilMode = int(node, "ceil_mode", default: 0) == 1
        if pads.allSatisfy({ $0 == 0 }) {
            let output = (0..<2).map { (input[$0] - kernel[$0]) / stride + 1 }
            if ceilMode, (0..<2).contains(where: { (input[$0] - kernel[$0]) % stride != 0 }) {
                throw .unsupportedAttribute(op: node.opType, node: node.name, "ceil_mode 1 with a partial window")
            }
            guard output.allSatisfy({ $0 >= 1 }) else {
                throw .shapeMismatch(op: node.opType, node: node.name, "the window is larger than the input")
            }
            return (stride, "VALID", output, nil)
        }
        if pads == [same[0].0, same[1].0, same[0].1, same[1].1], !ceilMode, !countsPadding {
            return (stride, "SAME", (0..<2).map { (input[$0] + stride - 1) / stride }, nil)
        }
        guard zeroPads, !ceilMode else {
            throw .unsupportedAttribute(op: node.opType, node: node.name,
                                        "pads \(pads) are neither VALID (none) nor SAME "
                                        + "(\([same[0].0, same[1].0, same[0].1, same[1].1]))")
        }
        let padded = [input[0] + pads[0] + pads[2], input[1] + pads[1] + pads[3]]
        let output = (0..<2).map { padded[$0] < kernel[$0] ? 0 : (padded[$0] - kernel[$0]) / stride + 1 }
        guard output.allSatisfy({ $0 >= 1 }) else {
            throw .shapeMismatch(op: node.opType, node: node.name, "the window is larger than the padded input")
        }
        return (stride, "VALID", output, pads)
    }

    /// `x` with `prePad` ([top, left, bottom, right]) zeros around its NHWC image, or `x` itself.
    func padded(_ x: String, _ prePad: [Int]?) -> String {
        guard let p = prePad else { return x }
        return "pad(\(x), [[0, 0], [\(p[0]), \(p[2])], [\(p[1]), \(p[3])], [0, 0]])"
    }

    // MARK: - Batch normalization

    /// BatchNormalization in inference mode as `y = x·scale + shift` per channel.
    func batchNormalizationAffine(_ node: ONNXNode) throws(ImportError) -> (scale: [Double], shift: [Double]) {
        if int(node, "training_mode", default: 0) == 1 || node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw .trainingBatchNormalization(node: node.name)
        }
        guard node.inputs.count == 5 else {
            throw .shapeMismatch(op: node.opType, node: node.name, "expects 5 inputs, not \(node.inputs.count)")
        }
        var parameters: [[Double]] = []
        for input in node.inputs.dropFirst() {
            parameters.append(try requireConstant(input, of: node, what: "'\(input)'").values)
        }
        let epsilon = float(node, "epsilon", default: 1e-5)
        guard let affine = ConstantTensor.batchNormalizationAffine(parameters, epsilon: epsilon) else {
            throw .shapeMismatch(op: node.opType, node: node.name, "its parameters have different sizes")
        }
        return affine
    }

    /// The BatchNormalization that alone reads `node`'s output, when it can be folded into its weights.
    mutating func foldableBatchNormalization(after node: ONNXNode, channels: Int) throws(ImportError)
        -> (ONNXNode, [Double], [Double])?
    {
        guard let readers = consumers[node.outputs[0]], readers.count == 1,
              !model.graph.outputs.contains(where: { $0.name == node.outputs[0] })
        else { return nil }
        let bn = model.graph.nodes[readers[0]]
        guard bn.opType == "BatchNormalization", bn.domain.isEmpty, bn.inputs.count == 5 else { return nil }
        for input in bn.inputs.dropFirst() where try constant(input, of: bn) == nil { return nil }
        let (scale, shift) = try batchNormalizationAffine(bn)
        guard scale.count == channels else { return nil }
        fused.insert(readers[0])
        return (bn, scale, shift)
    }

    /// A BatchNormalization that could not be folded: a public affine map per channel (axis 1).
    mutating func importBatchNormalization(_ node: ONNXNode) throws(ImportError) {
        let x = try value(node.inputs[0], of: node)
        let (scale, shift) = try batchNormalizationAffine(node)
        guard x.shape.count >= 2, x.shape[1] == scale.count else {
            throw .shapeMismatch(op: node.opType, node: node.name,
                                 "\(scale.count) channels for an input of shape \(writer.shapeText(x.shape))")
        }
        let perChannel = [scale.count] + [Int](repeating: 1, count: x.shape.count - 2)
        let scaleName = writer.weight(layOut(ConstantTensor(shape: perChannel, values: scale), like: x),
                                      hint: node.name + "_scale")
        let shiftName = writer.weight(layOut(ConstantTensor(shape: perChannel, values: shift), like: x),
                                      hint: node.name + "_shift")
        define(node, "\(x.name) * \(scaleName) + \(shiftName)", shape: x.shape, nhwc: x.isNHWC)
    }

    /// A constant that broadcasts against the ONNX value `x`, laid out to broadcast against its variable.
    func layOut(_ c: ConstantTensor, like x: Value) -> ConstantTensor {
        var laidOut = c
        if x.isNHWC, c.shape.count <= 4 {
            laidOut = c.reshaped([Int](repeating: 1, count: 4 - c.shape.count) + c.shape).transposed([0, 2, 3, 1])
        }
        while laidOut.shape.count > 1, laidOut.shape[0] == 1 { laidOut.shape.removeFirst() }
        return laidOut
    }

    // MARK: - Pools

    mutating func importPool(_ node: ONNXNode) throws(ImportError) {
        let x = try value(node.inputs[0], of: node, nhwc: true)
        let kernel = ints(node, "kernel_shape") ?? []
        guard x.shape.count == 4, kernel.count == 2, kernel[0] == kernel[1] else {
            throw .unsupportedAttribute(op: node.opType, node: node.name,
                                        "kernel_shape \(kernel): only square 2-D windows are supported")
        }
        guard (ints(node, "dilations") ?? [1, 1]).allSatisfy({ $0 == 1 }) else {
            throw .unsupportedAttribute(op: node.opType, node: node.name, "dilations other than 1 are not supported")
        }
        // MaxPool pads with -inf, not zeros: only VALID and SAME. An AveragePool counting its padding divides
        // by the whole window, as a VALID pool of the zero-padded input does.
        let countsPadding = node.opType == "AveragePool" && int(node, "count_include_pad", default: 0) == 1
        let window = try spatialWindow(node, input: Array(x.shape[2...]), kernel: kernel, zeroPads: countsPadding,
                                       countsPadding: countsPadding)
        let function: String
        if node.opType == "MaxPool" {
            guard !node.outputs.dropFirst().contains(where: { !$0.isEmpty }) else {
                throw .unsupportedAttribute(op: "MaxPool", node: node.name, "the Indices output is not supported")
            }
            try require(.maxPool, node)
            function = "maxpool2d"
        } else {
            function = "avgpool2d"
        }
        let pooled = padded(x.name, window.prePad)
        define(node, "\(function)(\(pooled), \(kernel[0]), stride: \(window.stride), padding: \"\(window.padding)\")",
               shape: [x.shape[0], x.shape[1]] + window.output, nhwc: true)
    }

    mutating func importGlobalPool(_ node: ONNXNode) throws(ImportError) {
        let x = try value(node.inputs[0], of: node, nhwc: true)
        guard x.shape.count == 4 else {
            throw .unsupportedAttribute(op: node.opType, node: node.name, "only NCHW images are supported")
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let shape = [n, c, 1, 1]
        if node.opType == "GlobalMaxPool" {
            guard h == w else {
                throw .unsupportedAttribute(op: node.opType, node: node.name, "only square images are supported")
            }
            try require(.maxPool, node)
            define(node, "maxpool2d(\(x.name), \(h))", shape: shape, nhwc: true)
        } else {
            let cells = writer.shapeText([n, h * w, c])
            define(node, "reshape(mean(reshape(\(x.name), \(cells)), axis: 1), \(writer.shapeText([n, 1, 1, c])))",
                   shape: shape, nhwc: true)
        }
    }
}
