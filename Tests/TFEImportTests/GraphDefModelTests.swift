// The GraphDef reader on TensorFlow's own files and on hand-written bytes (input suffixes, TensorProto's splat
// of one value, int shapes, content bytes), the format check, and mangled copies of the fixtures: truncated,
// bit-flipped and otherwise mutated graphs decode and import, or throw an ImportError; none may trap or hang.

@testable import TFEImport
import Testing
import TFETestSupport

/// A few protobuf writers, enough to build GraphDefs by hand.
private enum Wire {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value, bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        return bytes + [UInt8(value)]
    }

    static func int(_ field: Int, _ value: Int64) -> [UInt8] {
        varint(UInt64(field << 3)) + varint(UInt64(bitPattern: value))
    }

    static func bytes(_ field: Int, _ payload: [UInt8]) -> [UInt8] {
        varint(UInt64(field << 3 | 2)) + varint(UInt64(payload.count)) + payload
    }

    static func string(_ field: Int, _ text: String) -> [UInt8] { bytes(field, Array(text.utf8)) }

    static func floats(_ field: Int, _ values: [Float]) -> [UInt8] {
        bytes(field, values.flatMap { value in
            (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) }
        })
    }

    /// TensorShapeProto with these dimensions.
    static func shape(_ dims: [Int64]) -> [UInt8] { dims.flatMap { bytes(2, int(1, $0)) } }

    /// NodeDef: name, op, inputs and attributes (map entries of AttrValue bytes).
    static func node(_ name: String, _ op: String, inputs: [String] = [], attributes: [(String, [UInt8])] = [])
        -> [UInt8]
    {
        bytes(1, string(1, name) + string(2, op) + inputs.flatMap { string(3, $0) }
              + attributes.flatMap { bytes(5, string(1, $0.0) + bytes(2, $0.1)) })
    }
}

@Suite struct GraphDefModelTests {
    @Test func decodesTheKerasMNISTModel() throws {
        let model = try GraphDefModel.decode(ImportFixtures.bytes("mnist/mnist-cnn.pb"))
        #expect(model.producer > 0)
        let ops = Set(model.nodes.map(\.op))
        #expect(ops.isSuperset(of: ["Placeholder", "Const", "Conv2D", "BiasAdd", "Relu", "MaxPool", "Reshape",
                                    "MatMul", "Identity"]))
        let input = try #require(model.nodes.first { $0.op == "Placeholder" })
        guard case .shape(let dims)? = input.attributes["shape"] else {
            Issue.record("the placeholder has no shape")
            return
        }
        #expect(dims == [-1, 28, 28, 1])
        let output = try #require(model.nodes.first { $0.name == "Identity" })
        #expect(output.inputs.contains { $0.isControl })
    }

    @Test(arguments: [
        ("conv/Relu", GraphDefInput(node: "conv/Relu", output: 0, isControl: false)),
        ("bn:2", GraphDefInput(node: "bn", output: 2, isControl: false)),
        ("^NoOp", GraphDefInput(node: "NoOp", output: 0, isControl: true)),
        ("a:b", GraphDefInput(node: "a:b", output: 0, isControl: false)),
    ])
    func inputsParse(_ text: String, _ expected: GraphDefInput) {
        #expect(GraphDefInput(parsing: text) == expected)
    }

    /// A float constant with one `float_val` for a [3, 2] shape is six copies of it, as TensorFlow reads it;
    /// an int32 shape in `tensor_content` and an int64 `int64_val` read as integers.
    @Test func tensorProtoSplatsOneValueAndReadsIntegers() throws {
        let splat = Wire.int(1, 1) + Wire.bytes(2, Wire.shape([3, 2])) + Wire.floats(5, [1.5])
        let tensor = try GraphDefTensor.decode(splat, 0..<splat.count)
        #expect(tensor.dims == [3, 2])
        guard case .floats(let values) = tensor.data else { Issue.record("not floats"); return }
        #expect(values == [Double](repeating: 1.5, count: 6))

        let content: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0]  // int32 [-1, 16]
        let shape = Wire.int(1, 3) + Wire.bytes(2, Wire.shape([2])) + Wire.bytes(4, content)
        guard case .integers(let ints) = try GraphDefTensor.decode(shape, 0..<shape.count).data else {
            Issue.record("not integers")
            return
        }
        #expect(ints == [-1, 16])

        let int64 = Wire.int(1, 9) + Wire.bytes(2, Wire.shape([2])) + Wire.int(10, 7) + Wire.int(10, -2)
        guard case .integers(let longs) = try GraphDefTensor.decode(int64, 0..<int64.count).data else {
            Issue.record("not integers")
            return
        }
        #expect(longs == [7, -2])
    }

    @Test func tensorProtoWithTooManyValuesIsRefused() {
        let bytes = Wire.int(1, 1) + Wire.bytes(2, Wire.shape([2])) + Wire.floats(5, [1, 2, 3])
        #expect(throws: ImportError.tensorSize(tensor: "(constant)", expected: 2, found: 3)) {
            try GraphDefTensor.decode(bytes, 0..<bytes.count)
        }
    }

    /// A hand-written graph: Placeholder [-1, 3], a splatted [3, 2] weight through an Identity, MatMul, and an
    /// output Identity with a control input.
    @Test func importsAHandWrittenGraph() throws {
        let weight = Wire.int(1, 1) + Wire.bytes(2, Wire.shape([3, 2])) + Wire.floats(5, [0.5])
        let bytes = Wire.node("input", "Placeholder", attributes: [
            ("dtype", Wire.int(6, 1)), ("shape", Wire.bytes(7, Wire.shape([-1, 3]))),
        ])
            + Wire.node("dense/w", "Const", attributes: [("value", Wire.bytes(8, weight)), ("dtype", Wire.int(6, 1))])
            + Wire.node("dense/w/read", "Identity", inputs: ["dense/w"])
            + Wire.node("dense/MatMul", "MatMul", inputs: ["input", "dense/w/read"])
            + Wire.node("NoOp", "NoOp")
            + Wire.node("out", "Identity", inputs: ["dense/MatMul:0", "^NoOp"])
        let imported = try GraphDefImporter.importModel(try GraphDefModel.decode(bytes))
        #expect(imported.source.contains("input_tensor = private_input(client, \"input\", [batch, 3])\n"))
        #expect(imported.source.contains("dense_MatMul = input_tensor @ dense_kernel  # MatMul 'dense/MatMul'\n"))
        #expect(imported.source.contains("output(client, \"out\", dense_MatMul)\n"))
        #expect(imported.protocolChoice == .pond)
        #expect(imported.weights == [ImportedWeight(name: "dense_kernel", shape: [3, 2],
                                                    values: [Double](repeating: 0.5, count: 6))])
    }

    /// A MatMul followed by an Add of a value computed later is not a bias to fold: the lookahead must not mistake
    /// a value it has not met yet for an error.
    @Test func anAddOfAComputedValueIsNotFoldedIntoAMatMul() throws {
        let weight = Wire.int(1, 1) + Wire.bytes(2, Wire.shape([2, 2])) + Wire.floats(5, [1, 2, 3, 4])
        let bytes = Wire.node("x", "Placeholder", attributes: [("shape", Wire.bytes(7, Wire.shape([-1, 2])))])
            + Wire.node("w", "Const", attributes: [("value", Wire.bytes(8, weight))])
            + Wire.node("m", "MatMul", inputs: ["x", "w"])
            + Wire.node("s", "Sigmoid", inputs: ["x"])
            + Wire.node("y", "AddV2", inputs: ["m", "s"])
        let imported = try GraphDefImporter.importModel(try GraphDefModel.decode(bytes))
        #expect(imported.source.contains("m = x @ m_kernel  # MatMul 'm'\n"))
        #expect(imported.source.contains("y = m + s  # AddV2 'y'\n"))
    }

    @Test func aCycleAndAnUndefinedInputAreErrors() {
        let placeholder = Wire.node("x", "Placeholder", attributes: [("shape", Wire.bytes(7, Wire.shape([-1, 2])))])
        let cycle = placeholder + Wire.node("a", "Add", inputs: ["x", "b"]) + Wire.node("b", "Relu", inputs: ["a"])
            + Wire.node("out", "Identity", inputs: ["b"])
        #expect(throws: ImportError.unsupportedAttribute(op: "Add", node: "a", "the graph has a cycle through 'b'")) {
            try GraphDefImporter.importModel(try GraphDefModel.decode(cycle))
        }
        let undefined = placeholder + Wire.node("out", "Relu", inputs: ["missing:1"])
        #expect(throws: ImportError.undefinedValue(name: "missing", node: "out")) {
            try GraphDefImporter.importModel(try GraphDefModel.decode(undefined))
        }
    }

    @Test func theFormatComesFromTheContentsThenTheExtension() {
        let graph = ImportFixtures.bytes("graphdef-ops/keras-mlp-relu.pb")
        let onnx = ImportFixtures.bytes("ops/argmax.onnx")
        #expect(ModelFormat.of(graph, fileName: "model.onnx") == .graphDef)
        #expect(ModelFormat.of(onnx, fileName: "model.pb") == .onnx)
        #expect(ModelFormat.of([0xff], fileName: "model.pb") == .graphDef)
        #expect(ModelFormat.of([0xff], fileName: "model.onnx") == .onnx)
        #expect(ModelFormat.of([0xff], fileName: "model.bin") == nil)
        #expect(ModelFormat.of([], fileName: "model") == nil)
    }

    /// Ten seeds of 300 mutations each over every fixture graph. A trap kills the test process, so each seed
    /// is printed before its run starts.
    @Test(arguments: (1...10).map { UInt64(0x0_9d3f_0000) + $0 })
    func mangledGraphsNeverTrap(seed: UInt64) {
        print("GraphDefModelTests: seed 0x\(String(seed, radix: 16))")
        let originals = GraphDefImportTests.models.map { ImportFixtures.bytes("graphdef-ops/\($0).pb") }
        var random = SplitMix64(seed: seed)
        var imported = 0, rejected = 0
        for iteration in 0..<300 {
            let original = originals[Int(random.next() % UInt64(originals.count))]
            let bytes = ImportFixtures.mangle(original, iteration: iteration, random: &random)
            do {
                _ = try GraphDefImporter.importModel(try GraphDefModel.decode(bytes))
                imported += 1
            } catch {
                rejected += 1
                #expect(!error.message(for: .graphDef).isEmpty, "seed 0x\(String(seed, radix: 16)) #\(iteration)")
            }
        }
        // Both outcomes must occur, or the mutations prove little.
        #expect(rejected > 50 && imported > 10, "seed 0x\(String(seed, radix: 16)): \(imported) imported")
    }
}
