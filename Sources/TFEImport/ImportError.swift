import TFECore

/// The model formats `tfec import` reads.
public enum ModelFormat: Sendable, CaseIterable {
    case onnx, graphDef

    /// What a file of this format is called in messages.
    public var name: String {
        switch self {
        case .onnx: return "ONNX model"
        case .graphDef: return "TensorFlow GraphDef"
        }
    }

    /// What a node's kind is called: ONNX has operators, TensorFlow operations.
    public var operatorWord: String {
        switch self {
        case .onnx: return "operator"
        case .graphDef: return "operation"
        }
    }
}

/// Why a model cannot be imported. `tfec import` prints `MODEL: error: MESSAGE` and, for some, notes.
public enum ImportError: Error, Equatable, Sendable {
    /// The bytes are not a well-formed protocol buffer (a truncated or corrupted file).
    case malformed(offset: Int, String)
    /// The model has no graph, or a field the schema requires is missing.
    case missing(String)
    /// A tensor's data lives in another file (ONNX external data), which the importer does not follow.
    case externalData(tensor: String)
    /// A tensor whose element type has no fixed-point meaning (strings, booleans used as data, …).
    case nonFloatTensor(tensor: String, dataType: Int)
    /// A tensor whose data does not match its shape.
    case tensorSize(tensor: String, expected: Int, found: Int)
    /// An operator with no private implementation in tfe (or none under its attributes).
    case unsupportedOperator(op: String, node: String, opset: Int)
    /// A TensorFlow operation with no private implementation in tfe.
    case unsupportedOperation(op: String, node: String)
    /// A supported operator with an attribute value tfe cannot express.
    case unsupportedAttribute(op: String, node: String, String)
    /// An operator the protocol asked for cannot compute privately (a ReLU under pond): `capable` can.
    case needsProtocol(op: String, node: String, chosen: ProtocolKind, capable: ProtocolKind)
    /// A graph input with a dynamic dimension other than the leading batch dimension.
    case dynamicShape(input: String, dimension: Int)
    /// BatchNormalization in training mode.
    case trainingBatchNormalization(node: String)
    /// A node reads a value nothing defines.
    case undefinedValue(name: String, node: String)
    /// Shapes that the operator's rules reject.
    case shapeMismatch(op: String, node: String, String)
    /// An opset outside the range the importer knows.
    case unsupportedOpset(domain: String, version: Int)

    /// The message for an ONNX model.
    public var message: String { message(for: .onnx) }

    /// The message, in the compiler's style: lowercase, names in quotes, no final period.
    public func message(for format: ModelFormat) -> String {
        switch self {
        case .malformed(let offset, let reason):
            return "not a valid \(format.name): \(reason) at offset 0x\(String(offset, radix: 16))"
        case .missing(let what):
            return "not a valid \(format.name): \(what) is missing"
        case .externalData(let tensor):
            return "tensor '\(tensor)' keeps its data in an external file, which tfe does not read; "
                + "save the model with its data inside (onnx.save_model(model, path, save_as_external_data=False))"
        case .nonFloatTensor(let tensor, let dataType):
            let type = format == .onnx ? Self.dataTypeName(dataType) : Self.tensorFlowTypeName(dataType)
            return "tensor '\(tensor)' has element type \(type); tfe imports float inputs and weights only"
        case .tensorSize(let tensor, let expected, let found):
            return "tensor '\(tensor)' has \(found) values for a shape of \(expected)"
        case .unsupportedOperator(let op, let node, let opset):
            return "operator '\(op)' (node '\(node)', opset \(opset)) has no private implementation"
        case .unsupportedOperation(let op, let node):
            return "operation '\(op)' (node '\(node)') has no private implementation"
        case .unsupportedAttribute(let op, let node, let detail):
            return "\(format.operatorWord) '\(op)' (node '\(node)'): \(detail)"
        case .needsProtocol(let op, let node, let chosen, let capable):
            return "\(format.operatorWord) '\(op)' (node '\(node)') needs protocol '\(capable.rawValue)'; "
                + "\(chosen.rawValue) cannot compute it privately"
        case .dynamicShape(let input, let dimension):
            return "input '\(input)' has a dynamic dimension \(dimension); only the leading batch dimension may be "
                + "symbolic"
        case .trainingBatchNormalization(let node) where format == .graphDef:
            return "batch normalization '\(node)' is in training mode (is_training is true); freeze the graph for "
                + "inference (call the Keras model with training=False)"
        case .trainingBatchNormalization(let node):
            return "BatchNormalization '\(node)' is in training mode; export the model in inference mode "
                + "(model.eval() in PyTorch)"
        case .undefinedValue(let name, let node) where format == .graphDef:
            return "node '\(node)' reads '\(name)', which no node defines"
        case .undefinedValue(let name, let node):
            return "node '\(node)' reads '\(name)', which no node, input or initializer defines"
        case .shapeMismatch(let op, let node, let detail):
            return "\(format.operatorWord) '\(op)' (node '\(node)'): \(detail)"
        case .unsupportedOpset(let domain, let version):
            return "opset \(version) of '\(domain.isEmpty ? "ai.onnx" : domain)' is not supported (opsets 7 to 22 of "
                + "'ai.onnx' are)"
        }
    }

    /// Notes that follow the error for an ONNX model.
    public var notes: [String] { notes(for: .onnx) }

    /// Notes that follow the error: what is supported, or what to do instead.
    public func notes(for format: ModelFormat) -> [String] {
        switch self {
        case .unsupportedOperator:
            return ["supported operators: " + ONNXImporter.supportedOperators.joined(separator: ", ")]
        case .unsupportedOperation:
            return ["supported operations: " + GraphDefImporter.supportedOperations.joined(separator: ", ")]
        case .needsProtocol(_, _, _, let capable):
            return ["import with '--protocol \(capable.rawValue)'"]
        default:
            return []
        }
    }

    /// A TensorFlow `DataType`'s name (`types.proto`).
    static func tensorFlowTypeName(_ type: Int) -> String {
        let names = [1: "float", 2: "double", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string",
                     8: "complex64", 9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16", 18: "complex128",
                     19: "half", 20: "resource", 21: "variant", 22: "uint32", 23: "uint64"]
        return names[type] ?? "\(type)"
    }

    static func dataTypeName(_ type: Int) -> String {
        let names = [1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
                     8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64", 16: "bfloat16"]
        return names[type] ?? "\(type)"
    }
}

extension ModelFormat {
    /// The format of a model file, from its first top-level fields: an ONNX ModelProto starts with `ir_version`
    /// (field 1, a varint), a GraphDef with its nodes (field 1, length-delimited). When the bytes do not say
    /// (an empty or garbled file), the extension decides: `.onnx` or `.pb`. Nil when neither does.
    public static func of(_ bytes: [UInt8], fileName: String) -> ModelFormat? {
        var reader = ProtobufReader(bytes)
        var sawGraph = false
        for _ in 0..<64 {
            guard let field = try? reader.next() else { break }
            switch (field.number, field.value) {
            case (1, .varint): return .onnx
            case (1, .bytes): return .graphDef
            case (7, .bytes): sawGraph = true
            default: continue
            }
        }
        if sawGraph { return .onnx }
        if fileName.hasSuffix(".onnx") { return .onnx }
        if fileName.hasSuffix(".pb") { return .graphDef }
        return nil
    }
}
