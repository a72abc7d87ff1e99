import TFECore
import TFEFrontend

/// How `tfec import` writes a program.
public struct ImportOptions: Sendable {
    /// The protocols a program can declare.
    public typealias ProtocolChoice = ProtocolKind

    /// The protocol; nil picks the cheapest that computes every operator (pond, unless one needs SecureNN).
    public var protocolChoice: ProtocolChoice?
    public var owner = "model_owner"
    public var client = "client"
    /// Weights as `public_input`s: a plaintext model on private data.
    public var publicWeights = false
    /// The model's file name, for the program's first comment.
    public var modelName = "model.onnx"

    public init() {}
}

/// One weight of an imported program: the model owner's input `name`, already in tfe's layout.
public struct ImportedWeight: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Double]
}

/// What `ONNXImporter` makes of a model: the `.tfe` text and the weights it reads.
public struct ImportedProgram: Sendable {
    public var source: String
    public var weights: [ImportedWeight]
    public var protocolChoice: ImportOptions.ProtocolChoice
    /// The player that provides the weights.
    public var owner: String
}

/// Turns an ONNX graph into a readable `.tfe` program: one statement per node (or fused group, such as a
/// Conv with the BatchNormalization folded into it) with a comment naming the ONNX nodes, the weights as the
/// model owner's inputs in tfe's layout (dense weights [in, out], kernels HWIO), the graph inputs as the
/// client's private inputs and the outputs sent to the client. Images are NCHW at the boundary, as the
/// client feeds onnxruntime, and NHWC inside, where convolutions and pools want them; the transposes between
/// the two are local to each server and cost nothing. A leading batch dimension becomes `param batch`.
///
/// Shape arithmetic that exporters write (Shape → Gather → Unsqueeze → Concat feeding a Reshape) is folded at
/// import time, with the batch size carried as `batchMarker`, so the program stays valid for `-D batch=N`.
public struct ONNXImporter {
    /// The batch size while importing (`ProgramWriter.batchMarker`).
    static let batchMarker = ProgramWriter.batchMarker
    /// The most elements a value or folded constant may have (per batch item, for values).
    static let maximumElements = ProgramWriter.maximumElements

    /// The operators the importer knows, for the note after an unsupported one.
    public static let supportedOperators = [
        "Add", "ArgMax", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "Div",
        "Dropout", "Flatten", "Gather (of constants)", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Identity",
        "LeakyRelu", "LogSoftmax", "MatMul", "MaxPool", "Mul", "Neg", "Pad (constant)", "Relu", "Reshape", "Shape",
        "Sigmoid", "Slice", "Softmax", "Squeeze", "Sub", "Transpose", "Unsqueeze",
    ]

    /// A value the servers compute (or, after a final Softmax, the client holds).
    struct Value {
        /// The tfe variable.
        var name: String
        /// The ONNX shape (NCHW for images), with the batch as `batchMarker`.
        var shape: [Int]
        /// True when the variable holds the value as NHWC (ONNX rank-4 values that feed convolutions).
        var isNHWC = false
        /// True for a value revealed to the client (Softmax, LogSoftmax, ArgMax at the end of the graph).
        var isLocal = false
    }

    enum Operand {
        case value(Value)
        case constant(ConstantTensor)
    }

    let model: ONNXModel
    let options: ImportOptions
    var operands: [String: Operand] = [:]
    var initializerNames: Set<String> = []
    /// The program's text and weights.
    var writer: ProgramWriter
    /// Variables holding another layout of a value: NHWC ⇄ NCHW, made once.
    var relayouts: [String: Value] = [:]
    /// Nodes consumed by an earlier fused statement (BatchNormalization folded into a Conv or Gemm).
    var fused: Set<Int> = []
    /// How many nodes read each value.
    var consumers: [String: [Int]] = [:]

    /// Imports `model` as a `.tfe` program and its weights.
    public static func importModel(_ model: ONNXModel, options: ImportOptions = ImportOptions())
        throws(ImportError) -> ImportedProgram
    {
        var importer = ONNXImporter(model: model, options: options)
        return try importer.run()
    }

    init(model: ONNXModel, options: ImportOptions) {
        self.model = model
        self.options = options
        writer = ProgramWriter(options: options)
    }

    mutating func run() throws(ImportError) -> ImportedProgram {
        let opset = model.opset
        guard (7...22).contains(opset) else { throw .unsupportedOpset(domain: "", version: opset) }
        for tensor in model.graph.initializers {
            operands[tensor.name] = .constant(ConstantTensor(tensor))
            initializerNames.insert(tensor.name)
        }
        for (index, node) in model.graph.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty { consumers[input, default: []].append(index) }
        }
        for input in model.graph.inputs where !initializerNames.contains(input.name) {
            try declareInput(input)
        }
        for (index, node) in model.graph.nodes.enumerated() where !fused.contains(index) {
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                throw .unsupportedOperator(op: node.opType, node: node.name, opset: model.opsets[node.domain] ?? 1)
            }
            try importNode(node)
        }
        for output in model.graph.outputs {
            guard case .value(var value)? = operands[output.name] else {
                throw .undefinedValue(name: output.name, node: "graph output")
            }
            if value.isNHWC { value = relayout(value, toNHWC: false, node: nil) }
            writer.declareOutput(output.name, variable: value.name)
        }
        return writer.program(headline: "Imported from \(options.modelName) (\(describeProducer()), opset \(opset)) "
                              + "by tfec import")
    }

    private func describeProducer() -> String {
        model.producer.isEmpty ? "unknown producer" : model.producer
    }

    // MARK: - Inputs and weights

    private mutating func declareInput(_ input: ONNXValueInfo) throws(ImportError) {
        guard input.elementType == 1 || input.elementType == 11 || input.elementType == 10 else {
            throw .nonFloatTensor(tensor: input.name, dataType: input.elementType)
        }
        guard let dimensions = input.dimensions else { throw .dynamicShape(input: input.name, dimension: 0) }
        var shape: [Int] = []
        for (axis, dimension) in dimensions.enumerated() {
            switch dimension {
            case .value(let size) where axis == 0:
                writer.batch = size > 0 ? size : 1
                shape.append(Self.batchMarker)
            case .parameter, .unknown:
                guard axis == 0 else { throw .dynamicShape(input: input.name, dimension: axis) }
                shape.append(Self.batchMarker)
            case .value(let size):
                guard size > 0 else { throw .dynamicShape(input: input.name, dimension: axis) }
                shape.append(size)
            }
        }
        let name = try writer.declareInput(input.name, shape: shape, op: "input", fileShape: "\(dimensions)")
        operands[input.name] = .value(Value(name: name, shape: shape))
    }

    // MARK: - Values

    func operand(_ name: String, of node: ONNXNode) throws(ImportError) -> Operand {
        guard let operand = operands[name] else { throw .undefinedValue(name: name, node: node.name) }
        return operand
    }

    /// A computed value (not a constant), in the layout `nhwc` asks for when given.
    mutating func value(_ name: String, of node: ONNXNode, nhwc: Bool? = nil) throws(ImportError) -> Value {
        guard case .value(let value) = try operand(name, of: node) else {
            throw .unsupportedAttribute(op: node.opType, node: node.name,
                                        "input '\(name)' is a constant where tfe needs a computed value")
        }
        guard !value.isLocal else {
            throw .unsupportedAttribute(op: node.opType, node: node.name,
                                        "'\(name)' comes from a Softmax, LogSoftmax or ArgMax, which tfe runs on "
                                        + "the client at the end of the graph only")
        }
        guard let nhwc, nhwc != value.isNHWC else { return value }
        guard value.shape.count == 4 else {
            throw .shapeMismatch(op: node.opType, node: node.name,
                                 "expects an NCHW image of rank 4, not \(writer.shapeText(value.shape))")
        }
        return relayout(value, toNHWC: nhwc, node: node)
    }

    /// The constant `name`, or nil when it is computed.
    func constant(_ name: String, of node: ONNXNode) throws(ImportError) -> ConstantTensor? {
        if case .constant(let tensor) = try operand(name, of: node) { return tensor }
        return nil
    }

    /// The constant `name`; an error naming the node when it is computed.
    func requireConstant(_ name: String, of node: ONNXNode, what: String) throws(ImportError) -> ConstantTensor {
        guard let tensor = try constant(name, of: node) else {
            throw .unsupportedAttribute(op: node.opType, node: node.name, "\(what) must be a constant")
        }
        return tensor
    }

    /// The same value in the other layout, made once: NCHW → NHWC is `transpose(x, [0, 2, 3, 1])`.
    mutating func relayout(_ value: Value, toNHWC: Bool, node: ONNXNode?) -> Value {
        if let done = relayouts[value.name] { return done }
        let name = writer.makeName(value.name + (toNHWC ? "_nhwc" : "_nchw"))
        let permutation = toNHWC ? "[0, 2, 3, 1]" : "[0, 3, 1, 2]"
        writer.statements.append("\(name) = transpose(\(value.name), \(permutation))  # "
                          + (toNHWC ? "NCHW to NHWC" : "NHWC to NCHW"))
        let result = Value(name: name, shape: value.shape, isNHWC: toNHWC)
        relayouts[value.name] = result
        relayouts[name] = value
        return result
    }

    /// Appends `name = expression  # Op 'node'` for the node's first output.
    mutating func define(_ node: ONNXNode, _ expression: String, shape: [Int], nhwc: Bool = false,
                         local: Bool = false, also: [ONNXNode] = []) {
        let name = writer.makeName(node.outputs[0])
        let names = ([node] + also).map { "\($0.opType) '\($0.name)'" }.joined(separator: " + ")
        writer.statements.append("\(name) = \(expression)  # \(names)")
        let value = Value(name: name, shape: shape, isNHWC: nhwc, isLocal: local)
        operands[node.outputs[0]] = .value(value)
        for other in also { operands[other.outputs[0]] = .value(value) }
    }

    /// Notes that the node computes `operation` privately: refused when the protocol asked for cannot, and
    /// otherwise, with no protocol asked for, a reason to pick SecureNN.
    mutating func require(_ operation: PrivateOperation, _ node: ONNXNode) throws(ImportError) {
        try writer.require(operation, op: node.opType, node: node.name)
    }
}
