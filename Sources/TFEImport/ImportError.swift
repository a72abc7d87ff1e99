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
    /// A supported operator with an attribute value tfe cannot express.
    case unsupportedAttribute(op: String, node: String, String)
    /// An operator that needs SecureNN, in a model imported for pond.
    case needsSecureNN(op: String, node: String)
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

    /// The message, in the compiler's style: lowercase, names in quotes, no final period.
    public var message: String {
        switch self {
        case .malformed(let offset, let reason):
            return "not a valid ONNX model: \(reason) at offset 0x\(String(offset, radix: 16))"
        case .missing(let what):
            return "not a valid ONNX model: \(what) is missing"
        case .externalData(let tensor):
            return "tensor '\(tensor)' keeps its data in an external file, which tfe does not read; "
                + "save the model with its data inside (onnx.save_model(model, path, save_as_external_data=False))"
        case .nonFloatTensor(let tensor, let dataType):
            return "tensor '\(tensor)' has element type \(Self.dataTypeName(dataType)); "
                + "tfe imports float inputs and weights only"
        case .tensorSize(let tensor, let expected, let found):
            return "tensor '\(tensor)' has \(found) values for a shape of \(expected)"
        case .unsupportedOperator(let op, let node, let opset):
            return "operator '\(op)' (node '\(node)', opset \(opset)) has no private implementation"
        case .unsupportedAttribute(let op, let node, let detail):
            return "operator '\(op)' (node '\(node)'): \(detail)"
        case .needsSecureNN(let op, let node):
            return "operator '\(op)' (node '\(node)') needs protocol 'securenn'; pond cannot compute it privately"
        case .dynamicShape(let input, let dimension):
            return "input '\(input)' has a dynamic dimension \(dimension); only the leading batch dimension may be "
                + "symbolic"
        case .trainingBatchNormalization(let node):
            return "BatchNormalization '\(node)' is in training mode; export the model in inference mode "
                + "(model.eval() in PyTorch)"
        case .undefinedValue(let name, let node):
            return "node '\(node)' reads '\(name)', which no node, input or initializer defines"
        case .shapeMismatch(let op, let node, let detail):
            return "operator '\(op)' (node '\(node)'): \(detail)"
        case .unsupportedOpset(let domain, let version):
            return "opset \(version) of '\(domain.isEmpty ? "ai.onnx" : domain)' is not supported (opsets 7 to 22 of "
                + "'ai.onnx' are)"
        }
    }

    /// Notes that follow the error: what is supported, or what to do instead.
    public var notes: [String] {
        switch self {
        case .unsupportedOperator:
            return ["supported operators: " + ONNXImporter.supportedOperators.joined(separator: ", ")]
        case .needsSecureNN:
            return ["import with '--protocol securenn'"]
        default:
            return []
        }
    }

    static func dataTypeName(_ type: Int) -> String {
        let names = [1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
                     8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64", 16: "bfloat16"]
        return names[type] ?? "\(type)"
    }
}
