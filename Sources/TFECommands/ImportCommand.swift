import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFEImport
import TFENumPy

/// `tfec import`: an ONNX model or a frozen TensorFlow GraphDef as a readable `.tfe` program and an `.npz` of
/// its weights, and the same import in memory for `tfe-vm run MODEL.onnx` (or `MODEL.pb`).
public enum ImportCommand {
    public static let spec = CommandSpec(
        tool: "tfec", name: "import",
        overview: "Import an ONNX model or a frozen TensorFlow GraphDef as a .tfe program and an .npz of its weights.",
        arguments: [ArgumentSpec("model", help: "The .onnx model, or the .pb frozen TensorFlow GraphDef.")],
        options: [
            .option("--output", short: "o", value: "program",
                    help: "Where to write the program; the weights go beside it, as PROGRAM.npz.",
                    defaultText: "<model>.tfe"),
            .option("--protocol", value: "protocol",
                    help: "pond, securenn or aby3 (default: pond unless an operator needs securenn).",
                    allowedValues: ImportOptions.ProtocolChoice.allCases.map(\.rawValue)),
            .option("--owner", value: "name", help: "The player who provides the weights.",
                    defaultText: "model_owner"),
            .option("--client", value: "name", help: "The player who provides the inputs and gets the outputs.",
                    defaultText: "client"),
            .flag("--public-weights", help: "Make the weights public inputs: a plaintext model on private data."),
        ])

    /// `tfec import MODEL.onnx|MODEL.pb [-o PROGRAM.tfe] [--protocol P] [--owner NAME] [--client NAME]
    /// [--public-weights]`.
    public static func run(_ arguments: ParsedArguments, console: Console) -> ExitCode {
        guard let path = arguments.argument("model") else { return .usage }
        let options: ImportOptions
        switch importOptions(arguments, modelPath: path, console: console) {
        case .success(let parsed): options = parsed
        case .failure(let code): return code
        }
        guard let imported = importModel(path, options: options, tool: "tfec", console: console) else {
            return .failure
        }
        let program = arguments.value("--output") ?? defaultProgramPath(for: path)
        let weightsPath = (program.hasSuffix(".tfe") ? String(program.dropLast(4)) : program) + ".npz"
        let archive: Data
        do throws(NPYError) {
            archive = try weightsArchive(imported)
        } catch {
            console.writeError("tfec: error: \(weightsPath): \(error)\n")
            return .failure
        }
        var files = FileTransaction()
        files.add(Data(imported.source.utf8), at: program)
        files.add(archive, at: weightsPath)
        do throws(FileTransaction.Failure) {
            try files.commit()
        } catch {
            console.writeError("tfec: error: \(error.message)\n")
            return .failure
        }
        console.write("wrote \(program) (protocol \(imported.protocolChoice.rawValue)) and \(weightsPath) "
                      + "(\(imported.weights.count) weights of '\(imported.owner)')\n")
        return .success
    }

    /// `model.onnx` (or `model.pb`) → `model.tfe`, in the working directory's terms the user typed.
    static func defaultProgramPath(for path: String) -> String {
        let base = path.hasSuffix(".onnx") ? String(path.dropLast(5))
            : path.hasSuffix(".pb") ? String(path.dropLast(3)) : path
        return base + ".tfe"
    }

    /// Whether `tfe-vm run` should import `path` as a model: an `.onnx` or `.pb` file, or any file but a `.tfe`
    /// source or `.tfeb` bytecode whose contents read as one.
    static func isModel(_ path: String) -> Bool {
        if path.hasSuffix(".onnx") || path.hasSuffix(".pb") { return true }
        if path.hasSuffix(".tfe") || path.hasSuffix(".tfeb") { return false }
        guard let data = FileManager.default.contents(atPath: path), !data.starts(with: Array("TFEB".utf8)) else {
            return false
        }
        return ModelFormat.of([UInt8](data.prefix(1 << 16)), fileName: path) != nil
    }

    /// The options of `tfec import` (and of `tfe-vm run MODEL.onnx`, which has none of its own).
    static func importOptions(_ arguments: ParsedArguments, modelPath: String, console: Console)
        -> RunCommand.Loaded<ImportOptions>
    {
        var options = ImportOptions()
        options.modelName = URL(fileURLWithPath: modelPath).lastPathComponent
        if let choice = arguments.value("--protocol") {
            options.protocolChoice = ImportOptions.ProtocolChoice(rawValue: choice)
        }
        options.publicWeights = arguments.isSet("--public-weights")
        for (option, keyPath) in [("--owner", \ImportOptions.owner), ("--client", \ImportOptions.client)] {
            guard let name = arguments.value(option) else { continue }
            guard isPlayerName(name) else {
                console.writeError(arguments.command.failure(.malformedValue(
                    name, option: "\(option) <name>", expected: "a player name such as 'model_owner'")).rendered)
                return .failure(.usage)
            }
            options[keyPath: keyPath] = name
        }
        guard options.owner != options.client else {
            console.writeError(arguments.command.failure(.malformedValue(
                options.client, option: "--client <name>", expected: "a name other than the owner's")).rendered)
            return .failure(.usage)
        }
        return .success(options)
    }

    /// A name `player NAME` accepts: an identifier that is no keyword, built-in or server.
    static func isPlayerName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        let word = name.unicodeScalars.allSatisfy {
            $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
        }
        let reserved = Set(Token.Kind.keywords.keys).union(Builtin.allCases.map(\.rawValue))
            .union(["server0", "server1", "server2", "batch"])
        return word && !reserved.contains(name)
    }

    /// Reads and imports a model, ONNX or GraphDef as its contents (or else its extension) say, or prints why
    /// not (`model.onnx: error: ...` and its notes) and returns nil.
    static func importModel(_ path: String, options: ImportOptions, tool: String, console: Console)
        -> ImportedProgram?
    {
        guard let bytes = CompileCommand.readFile(path, tool: tool, console: console) else { return nil }
        guard let format = ModelFormat.of(bytes, fileName: path) else {
            console.writeError("\(path): error: cannot tell whether this is an ONNX model or a TensorFlow GraphDef\n"
                               + "\(path): note: name an ONNX model '.onnx' and a frozen GraphDef '.pb'\n")
            return nil
        }
        do throws(ImportError) {
            switch format {
            case .onnx: return try ONNXImporter.importModel(try ONNXModel.decode(bytes), options: options)
            case .graphDef: return try GraphDefImporter.importModel(try GraphDefModel.decode(bytes), options: options)
            }
        } catch {
            var text = "\(path): error: \(error.message(for: format))\n"
            for note in error.notes(for: format) { text += "\(path): note: \(note)\n" }
            console.writeError(text)
            return nil
        }
    }

    /// The weights as an `.npz` archive (float64, so folded BatchNormalization loses nothing).
    static func weightsArchive(_ imported: ImportedProgram) throws(NPYError) -> Data {
        var members: [(name: String, array: NPYArray)] = []
        for weight in imported.weights {
            members.append((weight.name, try NPYArray(shape: weight.shape, storage: .float64(weight.values))))
        }
        return try NPZ.encode(members)
    }

    /// The weights as the owner's inputs, for a run that imports in memory.
    static func weightInputs(_ imported: ImportedProgram) throws(NPYError) -> [String: NPYArray] {
        var inputs: [String: NPYArray] = [:]
        for weight in imported.weights {
            inputs[weight.name] = try NPYArray(shape: weight.shape, storage: .float64(weight.values))
        }
        return inputs
    }

    /// `tfe-vm run MODEL.onnx` (or `MODEL.pb`): the model imported with the default options, compiled, and its
    /// weights as the owner's inputs.
    static func loadModel(_ path: String, _ arguments: ParsedArguments, console: Console)
        -> RunCommand.Loaded<(Program, SourceFile?, (owner: String, inputs: [String: NPYArray])?)>
    {
        var options = ImportOptions()
        options.modelName = URL(fileURLWithPath: path).lastPathComponent
        guard let imported = importModel(path, options: options, tool: "tfe-vm", console: console) else {
            return .failure(.failure)
        }
        let weights: [String: NPYArray]
        do throws(NPYError) {
            weights = try weightInputs(imported)
        } catch {
            console.writeError("tfe-vm: error: \(path): \(error)\n")
            return .failure(.failure)
        }
        let source = SourceFile(path: defaultProgramPath(for: path), bytes: Array(imported.source.utf8))
        return RunCommand.compileSource(source, arguments, console: console).map {
            ($0.program, $0.source, (imported.owner, weights))
        }
    }
}
