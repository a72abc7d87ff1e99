import Foundation
import Testing
import TFEBytecode
import TFECommands
import TFECore
import TFEFrontend
import TFENumPy
import TFERuntime
import TFETestSupport

/// The tools in-process: `tfe-vm dis` against `tfec compile --emit asm`, and `tfe-vm run` on the data committed
/// next to the programs.
struct CommandLineTests {
    /// A fresh temporary folder, removed by the caller.
    static func makeTemporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static let disassembled = [
        "programs/average/average.tfe",
        "programs/logistic-regression/logistic-regression.tfe",
        "programs/mnist/mnist-pond.tfe",
        EndToEndTests.goldenFolder + "/conv2d-same-stride2.tfe",
        EndToEndTests.goldenFolder + "/elementwise-pond.tfe",
        EndToEndTests.goldenFolder + "/local-preprocessing.tfe",
        EndToEndTests.goldenFolder + "/print-local.tfe",
        EndToEndTests.goldenFolder + "/plaintext-exp-log-softmax.tfe",
    ]

    /// DESIGN.md section 4: both print the same deterministic text, with and without round batching.
    @Test("tfe-vm dis prints what tfec compile --emit asm prints", arguments: disassembled, [true, false])
    func disassemblyMatchesAsm(_ relative: String, optimize: Bool) throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = EndToEnd.path(relative)
        let bytecode = directory.appendingPathComponent("program.tfeb").path
        let flags = optimize ? [] : ["-O0"]

        let compiled = CommandOutput.capture { Tfec.main(["compile", source, "-o", bytecode] + flags, console: $0) }
        #expect(compiled.exitCode == .success, "tfec compile failed:\n\(compiled.error)")
        let asm = CommandOutput.capture { Tfec.main(["compile", source, "--emit", "asm"] + flags, console: $0) }
        #expect(asm.exitCode == .success, "tfec compile --emit asm failed:\n\(asm.error)")
        let dis = CommandOutput.capture { TfeVM.main(["dis", bytecode], console: $0) }
        #expect(dis.exitCode == .success, "tfe-vm dis failed:\n\(dis.error)")
        #expect(asm.output.hasPrefix("; tfe asm "))
        if dis.output != asm.output {
            Issue.record(Comment(rawValue: "tfe-vm dis differs from tfec compile --emit asm:\n"
                + LineDiff.render(expected: asm.output, actual: dis.output)))
        }
    }

    // MARK: - Hand-made bytecode

    /// A `.tfeb` edited to send the output to a server (which the checker would refuse in source) is refused
    /// by `tfe-vm run` and `tfe-vm dis` before anything runs, naming the instruction.
    @Test func outputToAServerIsRefused() throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = "player client\nx = private_input(client, [2])\noutput(client, \"y\", x * x)\n"
        var program = try #require(EndToEnd.compile(text, path: "square.tfe", optimize: true).program)
        try #require(Verifier.problems(in: program).isEmpty)
        program.outputs[0].player = .server1
        var edited = 0
        for round in program.online.indices {
            for index in program.online[round].instructions.indices {
                let instruction = program.online[round].instructions[index]
                if instruction.opcode == .output {
                    let (name, src) = (instruction.string(1), instruction.register(2))
                    program.online[round].instructions[index] = .output(player: .server1, name: name, src: src)
                    edited += 1
                }
            }
        }
        try #require(edited == 1)
        let bytecode = directory.appendingPathComponent("square.tfeb").path
        try Data(program.encoded()).write(to: URL(fileURLWithPath: bytecode))
        for command in [["run", bytecode, "--seed", "1"], ["dis", bytecode]] {
            let result = CommandOutput.capture { TfeVM.main(command, console: $0) }
            #expect(result.exitCode == .failure, "\(command[0])")
            #expect(result.output.isEmpty, "\(command[0])")
            #expect(result.error.hasPrefix("tfe-vm: error: \(bytecode): instruction "), "\(result.error)")
            #expect(result.error.contains(
                "output to 'server1' would give a server a private value in the clear\n"), "\(result.error)")
        }
    }

    // MARK: - Committed data

    struct DataRun: CustomTestStringConvertible, Sendable {
        var program: String
        /// `--input` arguments, paths relative to the repository.
        var inputs: [String]
        var testDescription: String { program }
    }

    static let dataRuns = [
        DataRun(program: "programs/average/average.tfe",
                inputs: (0..<5).map { "provider\($0):x=programs/average/data/provider\($0).npy" }),
        DataRun(program: "programs/logistic-regression/logistic-regression.tfe",
                inputs: ["data_owner=programs/logistic-regression/data/data_owner.npz",
                         "model_owner=programs/logistic-regression/data/model_owner.npz"]),
    ]

    /// The command each `make_data.py` documents runs from a fresh clone, and its outputs (read back from the
    /// `.npy` files it writes) match the reference on the same inputs.
    @Test("tfe-vm run on the committed data matches the reference", arguments: dataRuns)
    func runOnCommittedData(_ run: DataRun) throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = EndToEnd.path(run.program)
        var arguments = ["run", source, "--out", directory.path, "--seed", "5"]
        for input in run.inputs {
            let (target, file) = (input.prefix { $0 != "=" }, input.drop { $0 != "=" }.dropFirst())
            arguments += ["--input", "\(target)=\(EndToEnd.path(String(file)))"]
        }
        let result = CommandOutput.capture { TfeVM.main(arguments, console: $0) }
        #expect(result.exitCode == .success, "tfe-vm run failed:\n\(result.error)")

        // The same inputs, for the reference.
        let checked = Frontend.check(SourceFile(path: source, text: EndToEnd.read(source)))
        let players = checked.program.players
        var inputs: [PlayerID: [String: [Double]]] = [:]
        for input in run.inputs {
            let target = input.prefix { $0 != "=" }, file = EndToEnd.path(String(input.drop { $0 != "=" }.dropFirst()))
            let parts = target.split(separator: ":").map(String.init)
            let player = PlayerID(try #require(players.firstIndex(of: parts[0])))
            if parts.count == 2 {
                let array = try NPY.read(contentsOf: URL(fileURLWithPath: file))
                inputs[player, default: [:]][parts[1]] = array.asDoubles()
            } else {
                for member in try NPZ.read(contentsOf: URL(fileURLWithPath: file)) {
                    inputs[player, default: [:]][member.name] = member.array.asDoubles()
                }
            }
        }
        let reference = try ReferenceInterpreter.run(checked.program, inputs: inputs)
        #expect(!reference.isEmpty)
        for (key, expected) in reference {
            let file = directory.appendingPathComponent(players[key.player.rawValue])
                .appendingPathComponent(key.name + ".npy")
            let actual = try NPY.read(contentsOf: file)
            #expect(actual.shape == expected.shape, "\(key.name)")
            for (index, value) in actual.asDoubles().enumerated() {
                let tolerance = EndToEnd.tolerance(bound: expected.bounds[index], expected: expected.values[index])
                #expect(abs(value - expected.values[index]) <= tolerance,
                        "\(key.name)[\(index)]: \(value), reference \(expected.values[index])")
            }
        }
    }
}
