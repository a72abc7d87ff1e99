// The ONNX reader on the fixtures (what it decodes) and on mangled copies of them: truncated, bit-flipped and
// otherwise mutated models decode and import, or throw an ImportError; none may trap or hang.

@testable import TFEImport
import Testing
import TFETestSupport

@Suite struct ONNXModelTests {
    @Test func decodesThePyTorchStyleMNISTModel() throws {
        let model = try ONNXModel.decode(ImportFixtures.bytes("mnist/mnist-cnn.onnx"))
        #expect(model.opset == 17)
        #expect(model.producer == "pytorch")
        #expect(model.graph.nodes.map(\.opType) == [
            "Conv", "Relu", "MaxPool", "Shape", "Constant", "Gather", "Constant", "Unsqueeze", "Constant", "Concat",
            "Reshape", "Gemm",
        ])
        #expect(model.graph.inputs.map(\.name) == ["input"])
        #expect(model.graph.inputs[0].dimensions == [.parameter("batch_size"), .value(1), .value(28), .value(28)])
        let kernel = try #require(model.graph.initializers.first { $0.name == "conv1.weight" })
        #expect(kernel.dims == [8, 1, 5, 5])
        guard case .floats(let values) = kernel.data else { Issue.record("conv1.weight is not float"); return }
        #expect(values.count == 200)
        guard case .ints(let pads)? = model.graph.nodes[0].attributes["pads"] else {
            Issue.record("Conv has no pads")
            return
        }
        #expect(pads == [0, 0, 0, 0])
    }

    @Test func externalDataHasItsOwnError() {
        #expect(throws: ImportError.externalData(tensor: "w")) {
            try ONNXModel.decode(ImportFixtures.bytes("errors/external-data.onnx"))
        }
    }

    @Test func aFileWithoutAGraphIsRefused() {
        #expect(throws: ImportError.missing("the graph")) { try ONNXModel.decode([0x08, 0x08]) }
    }

    /// Ten seeds of 400 mutations each over every fixture model. A trap kills the test process, so each seed
    /// is printed before its run starts.
    @Test(arguments: (1...10).map { UInt64(0x0_11ec_0000) + $0 })
    func mangledModelsNeverTrap(seed: UInt64) {
        print("ONNXModelTests: seed 0x\(String(seed, radix: 16))")
        let originals = ImportFixtures.models(in: "ops").map { ImportFixtures.bytes("ops/\($0).onnx") }
            + [ImportFixtures.bytes("mnist/mnist-cnn.onnx")]
        var random = SplitMix64(seed: seed)
        var imported = 0, rejected = 0
        for iteration in 0..<400 {
            let original = originals[Int(random.next() % UInt64(originals.count))]
            let bytes = ImportFixtures.mangle(original, iteration: iteration, random: &random)
            do {
                let model = try ONNXModel.decode(bytes)
                _ = try ONNXImporter.importModel(model)
                imported += 1
            } catch {
                rejected += 1
                #expect(!error.message.isEmpty, "seed 0x\(String(seed, radix: 16)) iteration \(iteration)")
            }
        }
        // Both outcomes must occur, or the mutations prove little.
        #expect(rejected > 100 && imported > 10, "seed 0x\(String(seed, radix: 16)): \(imported) imported")
    }
}
