/// A TensorFlow frozen graph as `GraphDefModel.decode` reads it from `graph.proto`'s GraphDef (`node_def.proto`,
/// `attr_value.proto`, `tensor.proto`, `tensor_shape.proto`, `types.proto`): only what the importer uses, with
/// every length and count checked, so a truncated or mutated file is an `ImportError`, never a crash.
public struct GraphDefModel: Sendable {
    /// The nodes in file order (not necessarily topological).
    public var nodes: [GraphDefNode] = []
    /// `versions.producer`: the TensorFlow graph version that wrote the file (0 when absent).
    public var producer = 0
}

/// NodeDef: one operation, its inputs and its attributes.
public struct GraphDefNode: Sendable {
    public var name = ""
    public var op = ""
    public var inputs: [GraphDefInput] = []
    public var attributes: [String: GraphDefAttribute] = [:]
}

/// One input of a node as GraphDef spells it: `node`, `node:k` (output k), or `^node` (a control dependency,
/// which orders execution but carries no value).
public struct GraphDefInput: Sendable, Equatable {
    public var node: String
    public var output: Int
    public var isControl: Bool

    /// Parses `name`, `name:3` or `^name`; a suffix that is not a number stays part of the name.
    public init(parsing text: String) {
        if text.hasPrefix("^") {
            self.init(node: String(text.dropFirst()), output: 0, isControl: true)
            return
        }
        if let colon = text.lastIndex(of: ":"), let index = Int(text[text.index(after: colon)...]), index >= 0 {
            self.init(node: String(text[..<colon]), output: index, isControl: false)
        } else {
            self.init(node: text, output: 0, isControl: false)
        }
    }

    public init(node: String, output: Int, isControl: Bool) {
        self.node = node
        self.output = output
        self.isControl = isControl
    }

    /// The key of the value it reads: `node` for output 0, `node:k` otherwise.
    var valueKey: String { output == 0 ? node : "\(node):\(output)" }
}

/// AttrValue, by the member of its `value` oneof that is set.
public enum GraphDefAttribute: Sendable {
    case string(String)
    case int(Int64)
    case float(Float)
    case bool(Bool)
    /// A `DataType` (`types.proto`: 1 float, 2 double, 3 int32, 9 int64, 19 half, …).
    case type(Int)
    /// A shape; nil when its rank is unknown. A dimension of -1 is unknown.
    case shape([Int]?)
    case tensor(GraphDefTensor)
    case list(List)
    /// A tensor of an element type with no fixed-point meaning (strings, complex numbers, resources): an error
    /// only if the importer needs it.
    case unsupportedTensor(dataType: Int)
    /// A function or placeholder, which no supported operation takes.
    case other

    /// ListValue: the lists one attribute may carry (only one is non-empty in practice).
    public struct List: Sendable {
        public var strings: [String] = []
        public var ints: [Int64] = []
        public var floats: [Float] = []
        public var bools: [Bool] = []
        public var types: [Int] = []
    }
}

/// TensorProto, with its data decoded from `tensor_content` or the typed repeated fields. A typed field with
/// fewer values than the shape holds is splatted as TensorFlow does: the last value fills the rest.
public struct GraphDefTensor: Sendable {
    public var dataType = 0
    public var dims: [Int] = []
    public var data: ONNXTensor.Data = .floats([])

    public var elementCount: Int { dims.reduce(1, *) }
}

// MARK: - Decoding

extension GraphDefModel {
    /// Decodes a serialized GraphDef.
    public static func decode(_ bytes: [UInt8]) throws(ImportError) -> GraphDefModel {
        var model = GraphDefModel()
        for field in try ProtobufReader.fields(of: bytes) {
            switch field.number {
            case 1: model.nodes.append(try GraphDefNode.decode(bytes, try field.range()))
            case 2: throw .unsupportedAttribute(op: "GraphDef", node: "library",
                                                "the graph holds a function library; freeze it to plain nodes "
                                                + "(convert_variables_to_constants_v2)")
            case 4:
                for inner in try ProtobufReader.fields(of: bytes, in: try field.range()) where inner.number == 1 {
                    model.producer = Int(clamping: try inner.integer())
                }
            default: break
            }
        }
        guard !model.nodes.isEmpty else { throw .missing("the graph's nodes") }
        return model
    }
}

extension GraphDefNode {
    static func decode(_ bytes: [UInt8], _ range: Range<Int>) throws(ImportError) -> GraphDefNode {
        var node = GraphDefNode()
        var attributes: [Range<Int>] = []
        for field in try ProtobufReader.fields(of: bytes, in: range) {
            switch field.number {
            case 1: node.name = try field.string(in: bytes)
            case 2: node.op = try field.string(in: bytes)
            case 3: node.inputs.append(GraphDefInput(parsing: try field.string(in: bytes)))
            case 5: attributes.append(try field.range())
            default: break
            }
        }
        guard !node.name.isEmpty else { throw .missing("the name of a node") }
        for attribute in attributes {
            // map<string, AttrValue> entry: key (1), value (2).
            var key = "", value = GraphDefAttribute.other
            for entry in try ProtobufReader.fields(of: bytes, in: attribute) {
                switch entry.number {
                case 1: key = try entry.string(in: bytes)
                case 2:
                    do throws(ImportError) {
                        value = try GraphDefAttribute.decode(bytes, try entry.range())
                    } catch .nonFloatTensor(_, let dataType) {
                        value = .unsupportedTensor(dataType: dataType)
                    } catch .tensorSize(_, let expected, let found) {
                        throw .tensorSize(tensor: node.name, expected: expected, found: found)
                    }
                default: break
                }
            }
            node.attributes[key] = value
        }
        return node
    }
}

extension GraphDefAttribute {
    static func decode(_ bytes: [UInt8], _ range: Range<Int>) throws(ImportError) -> GraphDefAttribute {
        var result = GraphDefAttribute.other
        for field in try ProtobufReader.fields(of: bytes, in: range) {
            switch field.number {
            case 1: result = .list(try List.decode(bytes, try field.range()))
            case 2: result = .string(try field.string(in: bytes))
            case 3: result = .int(try field.integer())
            case 4: result = .float(try field.float())
            case 5: result = .bool(try field.integer() != 0)
            case 6: result = .type(Int(clamping: try field.integer()))
            case 7: result = .shape(try GraphDefTensor.decodeShape(bytes, try field.range(), at: field.offset))
            case 8: result = .tensor(try GraphDefTensor.decode(bytes, try field.range()))
            default: result = .other
            }
        }
        return result
    }
}

extension GraphDefAttribute.List {
    static func decode(_ bytes: [UInt8], _ range: Range<Int>) throws(ImportError) -> Self {
        var list = Self()
        for field in try ProtobufReader.fields(of: bytes, in: range) {
            switch field.number {
            case 2: list.strings.append(try field.string(in: bytes))
            case 3: list.ints += try field.integers(in: bytes)
            case 4: list.floats += try field.floats(in: bytes)
            case 5: list.bools += try field.integers(in: bytes).map { $0 != 0 }
            case 6: list.types += try field.integers(in: bytes).map { Int(clamping: $0) }
            default: break
            }
        }
        return list
    }
}

extension GraphDefTensor {
    /// The largest tensor the importer accepts, in elements (as for ONNX).
    static let maximumElements = ONNXTensor.maximumElements

    /// TensorShapeProto: `dim` (2) = { size (1) }, `unknown_rank` (3). Nil for an unknown rank.
    static func decodeShape(_ bytes: [UInt8], _ range: Range<Int>, at offset: Int) throws(ImportError) -> [Int]? {
        var dims: [Int] = []
        var unknownRank = false
        for field in try ProtobufReader.fields(of: bytes, in: range) {
            switch field.number {
            case 2:
                var size: Int64 = 0
                for part in try ProtobufReader.fields(of: bytes, in: try field.range()) where part.number == 1 {
                    size = try part.integer()
                }
                guard size >= -1, size <= maximumElements else {
                    throw .malformed(offset: field.offset, "tensor dimension \(size)")
                }
                dims.append(Int(size))
            case 3: unknownRank = try field.integer() != 0
            default: break
            }
        }
        guard dims.count <= 32 else { throw .malformed(offset: offset, "a shape of rank \(dims.count)") }
        return unknownRank ? nil : dims
    }

    static func decode(_ bytes: [UInt8], _ range: Range<Int>) throws(ImportError) -> GraphDefTensor {
        var tensor = GraphDefTensor()
        var content: Range<Int>?
        var floats: [Float] = [], doubles: [Double] = [], integers: [Int64] = []
        var shapeOffset = range.lowerBound
        for field in try ProtobufReader.fields(of: bytes, in: range) {
            switch field.number {
            case 1: tensor.dataType = Int(clamping: try field.integer())
            case 2:
                shapeOffset = field.offset
                guard let dims = try decodeShape(bytes, try field.range(), at: field.offset) else {
                    throw .malformed(offset: field.offset, "a constant of unknown rank")
                }
                tensor.dims = dims
            case 4: content = try field.range()
            case 5: floats += try field.floats(in: bytes)
            case 6: doubles += try field.doubles(in: bytes)
            case 7, 10, 11, 13, 16, 17: integers += try field.integers(in: bytes)
            default: break
            }
        }
        guard tensor.dims.allSatisfy({ $0 >= 0 }) else {
            throw .malformed(offset: shapeOffset, "a constant with an unknown dimension")
        }
        guard let count = ConstantTensor.product(tensor.dims), count <= maximumElements else {
            throw .tensorSize(tensor: "(constant)", expected: Int.max, found: 0)
        }
        let width: Int
        switch tensor.dataType {
        case 1, 3, 22: width = 4     // float, int32, uint32
        case 2, 9, 23: width = 8     // double, int64, uint64
        case 4, 6, 10: width = 1     // uint8, int8, bool
        case 5, 17, 19: width = 2    // int16, uint16, half
        default: throw .nonFloatTensor(tensor: "(constant)", dataType: tensor.dataType)
        }
        if let content {
            guard content.count == count * width else {
                throw .tensorSize(tensor: "(constant)", expected: count, found: content.count / width)
            }
            tensor.data = decodeContent(bytes, content, type: tensor.dataType, width: width)
            return tensor
        }
        let values: ONNXTensor.Data
        switch tensor.dataType {
        case 1: values = .floats(floats.map(Double.init))
        case 2: values = .floats(doubles)
        case 19: values = .floats(integers.map { Double(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) })
        default: values = .integers(integers)
        }
        tensor.data = try splat(values, count: count)
        return tensor
    }

    /// TensorFlow's rule for the typed fields: none means zeros, fewer than the shape holds repeat the last.
    private static func splat(_ data: ONNXTensor.Data, count: Int) throws(ImportError) -> ONNXTensor.Data {
        switch data {
        case .floats(let values):
            guard values.count <= count else {
                throw .tensorSize(tensor: "(constant)", expected: count, found: values.count)
            }
            return .floats(values + [Double](repeating: values.last ?? 0, count: count - values.count))
        case .integers(let values):
            guard values.count <= count else {
                throw .tensorSize(tensor: "(constant)", expected: count, found: values.count)
            }
            return .integers(values + [Int64](repeating: values.last ?? 0, count: count - values.count))
        }
    }

    /// `types.proto`'s numbers for onnx.proto's, for the element types both have.
    static let onnxDataType = [1: 1, 2: 11, 19: 10, 3: 6, 22: 12, 9: 7, 23: 13, 6: 3, 5: 5, 17: 4, 4: 2, 10: 9]

    /// `tensor_content`: the elements little-endian, decoded as ONNX's `raw_data` is.
    private static func decodeContent(_ bytes: [UInt8], _ raw: Range<Int>, type: Int, width: Int)
        -> ONNXTensor.Data
    {
        ONNXTensor.decodeRaw(bytes, raw, type: onnxDataType[type] ?? 2, width: width)
    }
}
