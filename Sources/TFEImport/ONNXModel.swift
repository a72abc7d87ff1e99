/// An ONNX model as `ONNXModel.decode` reads it from `onnx.proto`'s ModelProto: only what the importer
/// uses, with every length and count checked.
public struct ONNXModel: Sendable {
    public var irVersion: Int64
    public var producer: String
    /// Opset versions by domain ("" is the default domain, `ai.onnx`).
    public var opsets: [String: Int]
    public var graph: ONNXGraph

    /// The default domain's opset (ONNX's rules for a model that names none: 1).
    public var opset: Int { opsets[""] ?? opsets["ai.onnx"] ?? 1 }
}

/// GraphProto: nodes in topological order, the initializers (weights), and the inputs and outputs.
public struct ONNXGraph: Sendable {
    public var name = ""
    public var nodes: [ONNXNode] = []
    public var initializers: [ONNXTensor] = []
    public var inputs: [ONNXValueInfo] = []
    public var outputs: [ONNXValueInfo] = []
}

/// NodeProto: one operator application.
public struct ONNXNode: Sendable {
    public var name = ""
    public var opType = ""
    public var domain = ""
    public var inputs: [String] = []
    public var outputs: [String] = []
    public var attributes: [String: ONNXAttribute] = [:]
}

/// AttributeProto's value, by its type.
public enum ONNXAttribute: Sendable {
    case float(Float)
    case int(Int64)
    case string(String)
    case tensor(ONNXTensor)
    case floats([Float])
    case ints([Int64])
    case strings([String])
    /// Graphs, sparse tensors and type protos, which no supported operator takes.
    case other(type: Int)
}

/// TensorProto, with its data decoded from `raw_data` or the typed repeated fields.
public struct ONNXTensor: Sendable {
    public var name = ""
    public var dims: [Int] = []
    public var dataType = 0
    public var data: Data = .floats([])

    /// A tensor's elements: floating point (float, double, float16 as float) or integers.
    public enum Data: Sendable {
        case floats([Double])
        case integers([Int64])
    }

    public var elementCount: Int { dims.reduce(1, *) }
}

/// ValueInfoProto for a tensor: its element type and shape, each dimension a number or a name.
public struct ONNXValueInfo: Sendable {
    public var name = ""
    public var elementType = 0
    public var dimensions: [Dimension]?

    public enum Dimension: Sendable, Equatable, CustomStringConvertible {
        case value(Int)
        case parameter(String)
        case unknown

        /// As a message shows it: the size, the parameter's name, or `?`.
        public var description: String {
            switch self {
            case .value(let size): return "\(size)"
            case .parameter(let name): return name
            case .unknown: return "?"
            }
        }
    }
}

// MARK: - Decoding

extension ONNXModel {
    /// Decodes a serialized ModelProto.
    public static func decode(_ bytes: [UInt8]) throws(ImportError) -> ONNXModel {
        var model = ONNXModel(irVersion: 0, producer: "", opsets: [:], graph: ONNXGraph())
        var sawGraph = false
        for field in try ProtobufReader.fields(of: bytes) {
            switch field.number {
            case 1: model.irVersion = try field.integer()
            case 2: model.producer = try field.string(in: bytes)
            case 7:
                model.graph = try ONNXGraph.decode(bytes, try field.range())
                sawGraph = true
            case 8:
                var domain = "", version: Int64 = 1
                for inner in try ProtobufReader.fields(of: bytes, in: try field.range()) {
                    switch inner.number {
                    case 1: domain = try inner.string(in: bytes)
                    case 2: version = try inner.integer()
                    default: break
                    }
                }
                model.opsets[domain] = Int(clamping: version)
            default: break
            }
        }
        guard sawGraph else { throw .missing("the graph") }
        return model
    }
}

extension ONNXGraph {
    static func decode(_ bytes: [UInt8], _ range: Range<Int>) throws(ImportError) -> ONNXGraph {
        var graph = ONNXGraph()
        for field in try ProtobufReader.fields(of: bytes, in: range) {
            switch field.number {
            case 1: graph.nodes.append(try ONNXNode.decode(bytes, try field.range()))
            case 2: graph.name = try field.string(in: bytes)
            case 5: graph.initializers.append(try ONNXTensor.decode(bytes, try field.range()))
            case 11: graph.inputs.append(try ONNXValueInfo.decode(bytes, try field.range()))
            case 12: graph.outputs.append(try ONNXValueInfo.decode(bytes, try field.range()))
            case 15: throw .nonFloatTensor(tensor: "(sparse initializer)", dataType: 0)
            default: break
            }
        }
        return graph
    }
}

extension ONNXNode {
    static func decode(_ bytes: [UInt8], _ range: Range<Int>) throws(ImportError) -> ONNXNode {
        var node = ONNXNode()
        for field in try ProtobufReader.fields(of: bytes, in: range) {
            switch field.number {
            case 1: node.inputs.append(try field.string(in: bytes))
            case 2: node.outputs.append(try field.string(in: bytes))
            case 3: node.name = try field.string(in: bytes)
            case 4: node.opType = try field.string(in: bytes)
            case 7: node.domain = try field.string(in: bytes)
            case 5:
                let (name, value) = try ONNXAttribute.decode(bytes, try field.range())
                node.attributes[name] = value
            default: break
            }
        }
        return node
    }
}

extension ONNXAttribute {
    static func decode(_ bytes: [UInt8], _ range: Range<Int>) throws(ImportError) -> (String, ONNXAttribute) {
        var name = "", type = 0
        var float: Float?, int: Int64?, string: String?, tensor: ONNXTensor?
        var floats: [Float] = [], ints: [Int64] = [], strings: [String] = []
        for field in try ProtobufReader.fields(of: bytes, in: range) {
            switch field.number {
            case 1: name = try field.string(in: bytes)
            case 20: type = Int(clamping: try field.integer())
            case 2: float = try field.float()
            case 3: int = try field.integer()
            case 4: string = try field.string(in: bytes)
            case 5: tensor = try ONNXTensor.decode(bytes, try field.range())
            case 7: floats += try field.floats(in: bytes)
            case 8: ints += try field.integers(in: bytes)
            case 9: strings.append(try field.string(in: bytes))
            default: break
            }
        }
        // ONNX writers always set `type`; older files may not, so fall back on the field that is present.
        switch type {
        case 1: return (name, .float(float ?? 0))
        case 2: return (name, .int(int ?? 0))
        case 3: return (name, .string(string ?? ""))
        case 4:
            guard let tensor else { throw .missing("the tensor of attribute '\(name)'") }
            return (name, .tensor(tensor))
        case 6: return (name, .floats(floats))
        case 7: return (name, .ints(ints))
        case 8: return (name, .strings(strings))
        case 0:
            if let float { return (name, .float(float)) }
            if let int { return (name, .int(int)) }
            if let string { return (name, .string(string)) }
            if let tensor { return (name, .tensor(tensor)) }
            if !floats.isEmpty { return (name, .floats(floats)) }
            if !ints.isEmpty { return (name, .ints(ints)) }
            return (name, .strings(strings))
        default: return (name, .other(type: type))
        }
    }
}

extension ONNXTensor {
    /// The largest tensor the importer accepts, in elements (2^31: far beyond what private inference can use).
    static let maximumElements = 1 << 31

    static func decode(_ bytes: [UInt8], _ range: Range<Int>) throws(ImportError) -> ONNXTensor {
        var tensor = ONNXTensor()
        var raw: Range<Int>?
        var floats: [Float] = [], doubles: [Double] = [], integers: [Int64] = []
        var isExternal = false
        for field in try ProtobufReader.fields(of: bytes, in: range) {
            switch field.number {
            case 1:
                for dim in try field.integers(in: bytes) {
                    guard dim >= 0, dim <= maximumElements else {
                        throw .malformed(offset: field.offset, "tensor dimension \(dim)")
                    }
                    tensor.dims.append(Int(dim))
                }
            case 2: tensor.dataType = Int(clamping: try field.integer())
            case 4: floats += try field.floats(in: bytes)
            case 5, 7, 11: integers += try field.integers(in: bytes)
            case 8: tensor.name = try field.string(in: bytes)
            case 9: raw = try field.range()
            case 10: doubles += try field.doubles(in: bytes)
            case 13: isExternal = true
            case 14: if try field.integer() == 1 { isExternal = true }
            default: break
            }
        }
        if isExternal { throw .externalData(tensor: tensor.name) }
        var count = 1
        for dim in tensor.dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= maximumElements else {
                throw .tensorSize(tensor: tensor.name, expected: Int.max, found: 0)
            }
            count = product
        }
        let width: Int
        switch tensor.dataType {
        case 1, 6, 12: width = 4
        case 11, 7, 13: width = 8
        case 2, 3, 9: width = 1
        case 4, 5, 10: width = 2
        default: throw .nonFloatTensor(tensor: tensor.name, dataType: tensor.dataType)
        }
        if let raw {
            guard raw.count == count * width else {
                throw .tensorSize(tensor: tensor.name, expected: count, found: raw.count / width)
            }
            tensor.data = decodeRaw(bytes, raw, type: tensor.dataType, width: width)
            return tensor
        }
        switch tensor.dataType {
        case 1: tensor.data = .floats(floats.map(Double.init))
        case 11: tensor.data = .floats(doubles)
        case 10: tensor.data = .floats(integers.map { Double(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) })
        default: tensor.data = .integers(integers)
        }
        let found: Int
        switch tensor.data {
        case .floats(let values): found = values.count
        case .integers(let values): found = values.count
        }
        guard found == count else { throw .tensorSize(tensor: tensor.name, expected: count, found: found) }
        return tensor
    }

    /// Little-endian elements of ONNX data type `type`, each `width` bytes; the caller has checked the bounds.
    static func decodeRaw(_ bytes: [UInt8], _ raw: Range<Int>, type: Int, width: Int) -> Data {
        let offsets = stride(from: raw.lowerBound, to: raw.upperBound, by: width)
        switch type {
        case 1: return .floats(offsets.map { Double(Float(bitPattern: load32(bytes, $0))) })
        case 11: return .floats(offsets.map { Double(bitPattern: load64(bytes, $0)) })
        case 10: return .floats(offsets.map { Double(Float16(bitPattern: load16(bytes, $0))) })
        case 6: return .integers(offsets.map { Int64(Int32(bitPattern: load32(bytes, $0))) })
        case 12: return .integers(offsets.map { Int64(load32(bytes, $0)) })
        case 7, 13: return .integers(offsets.map { Int64(bitPattern: load64(bytes, $0)) })
        case 3: return .integers(offsets.map { Int64(Int8(bitPattern: bytes[$0])) })
        case 4: return .integers(offsets.map { Int64(load16(bytes, $0)) })
        case 5: return .integers(offsets.map { Int64(Int16(bitPattern: load16(bytes, $0))) })
        default: return .integers(offsets.map { Int64(bytes[$0]) })  // uint8, bool
        }
    }
}

extension ONNXValueInfo {
    static func decode(_ bytes: [UInt8], _ range: Range<Int>) throws(ImportError) -> ONNXValueInfo {
        var info = ONNXValueInfo()
        for field in try ProtobufReader.fields(of: bytes, in: range) {
            switch field.number {
            case 1: info.name = try field.string(in: bytes)
            case 2:
                // TypeProto: only tensor_type (1) = { elem_type (1), shape (2) = { dim (1)* } }.
                for type in try ProtobufReader.fields(of: bytes, in: try field.range()) where type.number == 1 {
                    for tensor in try ProtobufReader.fields(of: bytes, in: try type.range()) {
                        if tensor.number == 1 { info.elementType = Int(clamping: try tensor.integer()) }
                        guard tensor.number == 2 else { continue }
                        var dimensions: [Dimension] = []
                        for dim in try ProtobufReader.fields(of: bytes, in: try tensor.range()) where dim.number == 1 {
                            var dimension = Dimension.unknown
                            for part in try ProtobufReader.fields(of: bytes, in: try dim.range()) {
                                if part.number == 1 { dimension = .value(Int(clamping: try part.integer())) }
                                if part.number == 2 { dimension = .parameter(try part.string(in: bytes)) }
                            }
                            dimensions.append(dimension)
                        }
                        info.dimensions = dimensions
                    }
                }
            default: break
            }
        }
        return info
    }
}
