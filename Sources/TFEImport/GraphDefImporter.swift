import TFECore

/// Turns a frozen TensorFlow GraphDef (TF Encrypted's `mnist_model.pb` format) into a readable `.tfe` program,
/// through the same `ProgramWriter` as ONNX: one statement per node or fused group (a Conv2D or MatMul with the
/// BiasAdd and FusedBatchNorm after it folded into its weights) with a comment naming the nodes, the weights
/// as the model owner's inputs, each Placeholder the client's private input and each output sent to the client.
/// TensorFlow's layouts are tfe's (NHWC images, HWIO kernels, [in, out] dense weights), so nothing is
/// transposed at the boundary or inside. A leading unknown (or any) batch dimension becomes `param batch`.
///
/// The outputs are the nodes nothing reads (NoOp, Const and Placeholder aside); only the nodes they depend on
/// are imported, in dependency order, with every subgraph that reads no Placeholder (weights and their
/// reshapes, Keras's decomposed batch normalization) folded first. Shape arithmetic that Keras writes for a
/// Flatten (Shape → StridedSlice → Pack feeding a Reshape) folds with the batch carried as
/// `ProgramWriter.batchMarker`, so the program stays valid for `-D batch=N`.
public struct GraphDefImporter {
    /// The operations the importer knows, for the note after an unsupported one.
    public static let supportedOperations = [
        "Add", "AddV2", "AvgPool", "BiasAdd", "ConcatV2", "Const", "Conv2D", "FusedBatchNorm", "FusedBatchNormV3",
        "Identity", "MatMul", "MaxPool", "Mul", "NoOp", "Pack (of constants)", "Pad (zeros)", "PadV2 (zeros)",
        "Placeholder", "Relu", "Relu6", "Reshape", "Rsqrt (of constants)", "Shape", "Sigmoid", "Softmax", "Squeeze",
        "StridedSlice (of constants)", "Sub",
    ]

    /// A value the servers compute (or, after a final Softmax, the client holds).
    struct Value {
        /// The tfe variable.
        var name: String
        /// TensorFlow's shape, with the batch as `ProgramWriter.batchMarker` (padded, for a pending Pad).
        var shape: [Int]
        /// True for a value revealed to the client (a Softmax at the end of the graph).
        var isLocal = false
        /// Zero padding per axis, (before, after), that the Pad node `padNode` asks for: a following VALID
        /// Conv2D that it makes SAME absorbs it; any other reader gets `pad(name, ...)`, written once.
        var pendingPads: [(Int, Int)]?
        var padNode: String?
    }

    enum Operand {
        case value(Value)
        case constant(ConstantTensor)
    }

    let model: GraphDefModel
    let options: ImportOptions
    var writer: ProgramWriter
    /// What each value (`node` or `node:k`) holds once its node is imported.
    var operands: [String: Operand] = [:]
    /// Node indices by name.
    var indices: [String: Int] = [:]
    /// The nodes that read each value, among the nodes imported.
    var consumers: [String: [Int]] = [:]
    /// The output nodes, in file order.
    var outputs: [Int] = []
    /// Nodes consumed by an earlier fused statement (a BiasAdd or FusedBatchNorm folded into a Conv2D or MatMul).
    var fused: Set<Int> = []
    /// The `pad` statements written for pending Pads, by Pad node.
    var writtenPads: [String: Value] = [:]

    /// Imports `model` as a `.tfe` program and its weights.
    public static func importModel(_ model: GraphDefModel, options: ImportOptions = ImportOptions())
        throws(ImportError) -> ImportedProgram
    {
        var importer = GraphDefImporter(model: model, options: options)
        return try importer.run()
    }

    init(model: GraphDefModel, options: ImportOptions) {
        self.model = model
        self.options = options
        writer = ProgramWriter(options: options)
    }

    mutating func run() throws(ImportError) -> ImportedProgram {
        for (index, node) in model.nodes.enumerated() {
            guard indices.updateValue(index, forKey: node.name) == nil else {
                throw .unsupportedAttribute(op: node.op, node: node.name, "two nodes have this name")
            }
        }
        var isRead = Set<String>()
        for node in model.nodes { for input in node.inputs where !input.isControl { isRead.insert(input.node) } }
        outputs = model.nodes.indices.filter {
            !isRead.contains(model.nodes[$0].name) && !["NoOp", "Const", "Placeholder"].contains(model.nodes[$0].op)
        }
        guard !outputs.isEmpty else { throw .missing("an output (a node that no other node reads)") }
        let order = try dependencyOrder()
        for index in order {
            for input in model.nodes[index].inputs where !input.isControl {
                consumers[input.valueKey, default: []].append(index)
            }
        }
        // Subgraphs that read no Placeholder are constants: fold them first, so a fused layer finds its bias.
        var readsInput = [Bool](repeating: false, count: model.nodes.count)
        for index in order {
            let node = model.nodes[index]
            readsInput[index] = node.op == "Placeholder"
                || node.inputs.contains { !$0.isControl && readsInput[indices[$0.node]!] }
        }
        for index in order where !readsInput[index] { try importNode(model.nodes[index]) }
        for index in order where readsInput[index] && !fused.contains(index) { try importNode(model.nodes[index]) }
        for index in outputs {
            let node = model.nodes[index]
            guard case .value(var value)? = operands[node.name] else {
                throw .unsupportedAttribute(op: node.op, node: node.name,
                                            "the output is a constant; it reads no Placeholder")
            }
            value = writingPad(value)
            writer.declareOutput(node.name, variable: value.name)
        }
        let producer = model.producer > 0 ? ", producer \(model.producer)" : ""
        return writer.program(headline: "Imported from \(options.modelName) (TensorFlow GraphDef\(producer)) "
                              + "by tfec import")
    }

    /// The nodes the outputs depend on, each after its inputs (depth first from the outputs, in file order),
    /// without recursion, so a long chain cannot overflow the stack.
    private func dependencyOrder() throws(ImportError) -> [Int] {
        enum State { case unvisited, open, done }
        var state = [State](repeating: .unvisited, count: model.nodes.count)
        var order: [Int] = []
        for output in outputs {
            var stack: [(node: Int, nextInput: Int)] = [(output, 0)]
            state[output] = .open
            while let (index, next) = stack.last {
                let node = model.nodes[index]
                guard next < node.inputs.count else {
                    state[index] = .done
                    order.append(index)
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].nextInput += 1
                let input = node.inputs[next]
                guard !input.isControl else { continue }
                guard let producer = indices[input.node] else {
                    throw .undefinedValue(name: input.node, node: node.name)
                }
                switch state[producer] {
                case .done: continue
                case .open:
                    throw .unsupportedAttribute(op: node.op, node: node.name,
                                                "the graph has a cycle through '\(input.node)'")
                case .unvisited:
                    state[producer] = .open
                    stack.append((producer, 0))
                }
            }
        }
        return order
    }

    // MARK: - Operands

    func operand(_ input: GraphDefInput, of node: GraphDefNode) throws(ImportError) -> Operand {
        guard let operand = operands[input.valueKey] else {
            throw .unsupportedAttribute(op: node.op, node: node.name,
                                        "it reads output \(input.output) of '\(input.node)', which tfe does not "
                                        + "compute")
        }
        return operand
    }

    /// The node's data inputs (control dependencies dropped), at least `count` of them.
    func dataInputs(_ node: GraphDefNode, count: Int) throws(ImportError) -> [GraphDefInput] {
        let inputs = node.inputs.filter { !$0.isControl }
        guard inputs.count >= count else {
            throw .shapeMismatch(op: node.op, node: node.name,
                                 "expects \(count) input\(count == 1 ? "" : "s"), not \(inputs.count)")
        }
        return inputs
    }

    /// A computed value (not a constant) the servers hold. `absorbingPads` lets a Conv2D read a pending Pad;
    /// other readers get its `pad` statement.
    mutating func value(_ input: GraphDefInput, of node: GraphDefNode, absorbingPads: Bool = false)
        throws(ImportError) -> Value
    {
        guard case .value(let value) = try operand(input, of: node) else {
            throw .unsupportedAttribute(op: node.op, node: node.name,
                                        "input '\(input.node)' is a constant where tfe needs a computed value")
        }
        guard !value.isLocal else {
            throw .unsupportedAttribute(op: node.op, node: node.name,
                                        "'\(input.node)' comes from a Softmax, which tfe runs on the client at "
                                        + "the end of the graph only")
        }
        return absorbingPads ? value : writingPad(value)
    }

    /// `value` itself, or for a pending Pad the variable `pad(x, ...)` defines (written at the first reader).
    mutating func writingPad(_ value: Value) -> Value {
        guard let pads = value.pendingPads, let padName = value.padNode, let index = indices[padName] else {
            return value
        }
        if let written = writtenPads[padName] { return written }
        // `value.shape` is the padded shape already; `value.name` the variable before the Pad.
        let padded = ProgramWriter.padExpression(value.name, shape: value.shape, pairs: pads.map { [$0.0, $0.1] })
        let written = define(model.nodes[index], padded.text, shape: value.shape)
        writtenPads[padName] = written
        return written
    }

    /// The constant `input`, or nil when it is computed.
    func constant(_ input: GraphDefInput, of node: GraphDefNode) throws(ImportError) -> ConstantTensor? {
        if case .constant(let tensor) = try operand(input, of: node) { return tensor }
        return nil
    }

    /// The constant `input`; an error naming the node when it is computed.
    func requireConstant(_ input: GraphDefInput, of node: GraphDefNode, what: String) throws(ImportError)
        -> ConstantTensor
    {
        guard let tensor = try constant(input, of: node) else {
            throw .unsupportedAttribute(op: node.op, node: node.name, "\(what) must be a constant")
        }
        return tensor
    }

    /// Appends `name = expression  # Op 'node'` for the node's first output (and the fused nodes': `preceding`
    /// ones before it in the comment, `also` after).
    @discardableResult
    mutating func define(_ node: GraphDefNode, _ expression: String, shape: [Int], local: Bool = false,
                         preceding: [GraphDefNode] = [], also: [GraphDefNode] = []) -> Value {
        let name = writer.makeName(Self.shortName(node.name))
        let names = (preceding + [node] + also).map { "\($0.op) '\($0.name)'" }.joined(separator: " + ")
        writer.statements.append("\(name) = \(expression)  # \(names)")
        let value = Value(name: name, shape: shape, isLocal: local)
        operands[node.name] = .value(value)
        for other in also { operands[other.name] = .value(value) }
        return value
    }

    /// The last two parts of a scoped name (`model/dense_1/MatMul` → `dense_1/MatMul`): the layer and the
    /// operation, which name a variable well enough without the model's scope.
    static func shortName(_ name: String) -> String {
        let parts = name.split(separator: "/", omittingEmptySubsequences: true)
        return parts.count <= 2 ? name : parts.suffix(2).joined(separator: "/")
    }

    /// The scope of a layer's node (`model/dense_1/MatMul` → `dense_1`), or the node's name when it has none.
    static func layerName(_ node: GraphDefNode) -> String {
        let parts = node.name.split(separator: "/", omittingEmptySubsequences: true)
        return parts.count < 2 ? node.name : String(parts[parts.count - 2])
    }

    /// Notes that the node computes `operation` privately: refused when the protocol asked for cannot, and
    /// otherwise, with no protocol asked for, a reason to pick SecureNN.
    mutating func require(_ operation: PrivateOperation, _ node: GraphDefNode) throws(ImportError) {
        try writer.require(operation, op: node.op, node: node.name)
    }

    // MARK: - Attributes

    func int(_ node: GraphDefNode, _ name: String, default value: Int) -> Int {
        if case .int(let int)? = node.attributes[name] { return Int(clamping: int) }
        return value
    }

    func float(_ node: GraphDefNode, _ name: String, default value: Double) -> Double {
        if case .float(let float)? = node.attributes[name] { return Double(float) }
        return value
    }

    func bool(_ node: GraphDefNode, _ name: String, default value: Bool) -> Bool {
        if case .bool(let bool)? = node.attributes[name] { return bool }
        return value
    }

    func string(_ node: GraphDefNode, _ name: String) -> String? {
        if case .string(let string)? = node.attributes[name] { return string }
        return nil
    }

    func ints(_ node: GraphDefNode, _ name: String) -> [Int]? {
        if case .list(let list)? = node.attributes[name] { return list.ints.map { Int(clamping: $0) } }
        return nil
    }

    /// Refuses a `data_format` other than NHWC (TensorFlow's default, and tfe's).
    func requireNHWC(_ node: GraphDefNode) throws(ImportError) {
        let format = string(node, "data_format") ?? "NHWC"
        guard format == "NHWC" || format.isEmpty else {
            throw .unsupportedAttribute(op: node.op, node: node.name,
                                        "data_format '\(format)': only NHWC is supported")
        }
    }

    /// `axis` made non-negative for a tensor of `rank`, or an error naming the node.
    func axis(_ raw: Int, rank: Int, _ node: GraphDefNode) throws(ImportError) -> Int {
        let axis = raw < 0 ? raw + rank : raw
        guard (0..<rank).contains(axis) else {
            throw .shapeMismatch(op: node.op, node: node.name, "axis \(raw) is out of range for rank \(rank)")
        }
        return axis
    }
}
