// `tfec import`'s command line: options, defaults, and what it refuses.

import Foundation
import Testing
import TFECommands
import TFENumPy
import TFECore
import TFERuntime

@Suite struct ImportCommandTests {
    @Test func writesTheProgramAndWeightsBesideIt() throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = ImportFixtures.tfec([
            "import", ImportFixtures.path("ops/gemm-relu-mlp.onnx"), "-o", "\(directory)/mlp.tfe",
            "--owner", "hospital", "--client", "patient", "--public-weights",
        ])
        #expect(result.exitCode == .success, "\(result.error)")
        let contents = FileManager.default.contents(atPath: "\(directory)/mlp.tfe") ?? Data()
        let text = String(decoding: contents, as: UTF8.self)
        #expect(text.contains("player hospital\nplayer patient\n"))
        #expect(text.contains("fc1_weight = public_input(hospital, [8, 16])"))
        #expect(text.contains("x = private_input(patient, \"x\", [batch, 8])"))
        let weights = try NPZ.read(contentsOf: URL(fileURLWithPath: "\(directory)/mlp.npz"))
        #expect(weights.map(\.name) == ["fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"])
        #expect(weights[0].array.shape == [8, 16])
    }

    @Test func pondIsTheDefaultWhenNoOperatorNeedsSecureNN() {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pond = ImportFixtures.tfec(["import", ImportFixtures.path("ops/matmul-sigmoid-arithmetic.onnx"),
                                        "-o", "\(directory)/a.tfe"])
        #expect(pond.output.contains("(protocol pond)"))
        let secureNN = ImportFixtures.tfec(["import", ImportFixtures.path("ops/gemm-relu-mlp.onnx"),
                                            "-o", "\(directory)/b.tfe"])
        #expect(secureNN.output.contains("(protocol securenn)"))
    }

    @Test(arguments: [
        ["--owner", "server0"], ["--client", "relu"], ["--owner", "a b"], ["--owner", "x", "--client", "x"],
        ["--protocol", "aby4"],
    ])
    func badOptionsAreUsageErrors(_ options: [String]) {
        let model = ImportFixtures.path("ops/argmax.onnx")
        let result = ImportFixtures.tfec(["import", model, "-o", "/dev/null"] + options)
        #expect(result.exitCode == .usage, "\(result.error)")
    }

    /// `--protocol aby3` writes `protocol aby3` for a model whose operators aby3 computes privately.
    @Test func aby3IsAChoice() {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for model in ["ops/matmul-sigmoid-arithmetic.onnx", "graphdef-ops/matmul-transpose-sigmoid-arithmetic.pb"] {
            let result = ImportFixtures.tfec(["import", ImportFixtures.path(model), "-o", "\(directory)/a.tfe",
                                              "--protocol", "aby3"])
            #expect(result.exitCode == .success, "\(model): \(result.error)")
            #expect(result.output.contains("(protocol aby3)"), "\(model): \(result.output)")
            let text = String(decoding: FileManager.default.contents(atPath: "\(directory)/a.tfe") ?? Data(),
                              as: UTF8.self)
            #expect(text.contains("\nprotocol aby3\n"), "\(model)")
        }
    }

    /// A ReLU model under `--protocol aby3` imports (aby3 computes comparisons privately) and its program says
    /// `protocol aby3`.
    @Test(arguments: ["ops/gemm-relu-mlp.onnx", "graphdef-ops/keras-mlp-relu.pb"])
    func aReLUModelImportsUnderABY3(_ model: String) throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = ImportFixtures.path(model)
        let result = ImportFixtures.tfec(["import", path, "-o", "\(directory)/r.tfe", "--protocol", "aby3"])
        #expect(result.exitCode == .success, "\(result.error)")
        let text = try String(contentsOfFile: "\(directory)/r.tfe", encoding: .utf8)
        #expect(text.contains("\nprotocol aby3\n"))
        #expect(text.contains("relu("))
    }

    @Test func aFileOfNeitherFormatIsOneError() {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        FileManager.default.createFile(atPath: "\(directory)/model.bin", contents: Data("hello".utf8))
        let result = ImportFixtures.tfec(["import", "\(directory)/model.bin"])
        #expect(result.exitCode == .failure)
        #expect(result.error.contains("model.bin: error: cannot tell whether this is an ONNX model or a TensorFlow "
                                      + "GraphDef\n"))
    }

    /// The format comes from the contents: a GraphDef named `.onnx` still imports as a GraphDef.
    @Test func theContentsDecideTheFormat() throws {
        let directory = ImportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bytes = ImportFixtures.bytes("graphdef-ops/keras-mlp-relu.pb")
        FileManager.default.createFile(atPath: "\(directory)/misnamed.onnx", contents: Data(bytes))
        let result = ImportFixtures.tfec(["import", "\(directory)/misnamed.onnx", "-o", "\(directory)/p.tfe"])
        #expect(result.exitCode == .success, "\(result.error)")
        let contents = FileManager.default.contents(atPath: "\(directory)/p.tfe") ?? Data()
        let text = String(decoding: contents, as: UTF8.self)
        #expect(text.hasPrefix("# Imported from misnamed.onnx (TensorFlow GraphDef"))
    }

    @Test func aMissingModelIsOneError() {
        let result = ImportFixtures.tfec(["import", "/nonexistent/model.onnx"])
        #expect(result.exitCode == .failure)
        #expect(result.error == "tfec: error: cannot read '/nonexistent/model.onnx': no such file\n")
    }

    @Test func oneStepRunRefusesAnUnsupportedModel() {
        let result = ImportFixtures.tfeVM(["run", ImportFixtures.path("errors/unsupported-erf.onnx"),
                                           "--input", "client:x=/dev/null"])
        #expect(result.exitCode == .failure)
        #expect(result.error.contains(
            "error: operator 'Erf' (node '/act/Erf', opset 13) has no private implementation"))
    }
}
