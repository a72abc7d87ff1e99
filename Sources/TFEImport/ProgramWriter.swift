import TFECore
import TFEFrontend

/// The `.tfe` text and the weights of an imported program, whatever the model's format: fresh identifiers made
/// from the model's names, the model owner's weights declared once each, the client's inputs and outputs, and
/// the header (protocol, players, `param batch`). `ONNXImporter` and `GraphDefImporter` append statements; this
/// writer owns how they read.
struct ProgramWriter {
    /// The batch size while importing: a prime no real dimension is a multiple of, so a folded shape says
    /// which dimensions are the batch (`batchMarker * 3` prints as `batch * 3`).
    static let batchMarker = 1_000_003
    /// The most elements a value or folded constant may have (per batch item, for values).
    static let maximumElements = 1 << 28

    let options: ImportOptions
    var declarations: [String] = []
    var statements: [String] = []
    var outputs: [String] = []
    var weights: [ImportedWeight] = []
    /// The batch size `param batch` defaults to: the model's own, or 1 when it is symbolic.
    var batch = 1
    /// An operator computes what Pond cannot: with no protocol asked for, the program declares SecureNN.
    var needsSecureNN = false
    private var usedNames: Set<String>
    /// Keywords, built-ins, players and `batch`: never a variable's name.
    private let reserved: Set<String>
    /// Weights already declared, by hint and layout, so a reused weight is read once.
    private var declaredWeights: [String: String] = [:]

    init(options: ImportOptions) {
        self.options = options
        reserved = Set(Token.Kind.keywords.keys).union(Builtin.allCases.map(\.rawValue))
            .union(["batch", options.owner, options.client, "server0", "server1", "server2", "fixed", "int"])
        usedNames = reserved
    }

    // MARK: - Inputs, weights and outputs

    /// `name = private_input(client, "io name", [batch, ...])`: a model input the client provides. Its shape is
    /// bounded so that every shape product an importer computes fits an Int, whatever the file says; `op` and
    /// `fileShape` (as the file gives it) name it in the error otherwise.
    mutating func declareInput(_ modelName: String, shape: [Int], op: String, fileShape: String)
        throws(ImportError) -> String
    {
        let count = ConstantTensor.product(Array(shape.dropFirst())) ?? 0
        guard shape.count <= 8, count > 0, count <= Self.maximumElements, batch <= 1 << 20 else {
            throw .shapeMismatch(op: op, node: modelName, "the shape \(fileShape) is too large for tfe")
        }
        let name = makeName(modelName)
        declarations.append("\(name) = private_input(\(options.client), \"\(ioName(modelName))\", "
                            + "\(shapeText(shape)))")
        return name
    }

    /// A weight as the model owner's input, declared once per hint and layout. `hint` (the model's name of
    /// the tensor) names it unless `displayName` is given; `layout` tells apart two layouts of one tensor.
    mutating func weight(_ tensor: ConstantTensor, hint: String, layout: String = "", comment: String? = nil,
                         displayName: String? = nil) -> String
    {
        let key = hint + "\u{0}" + layout
        if let name = declaredWeights[key] { return name }
        let name = makeName(displayName ?? hint)
        declaredWeights[key] = name
        let kind = options.publicWeights ? "public_input" : "private_input"
        let tail = comment.map { "  # \($0)" } ?? ""
        declarations.append("\(name) = \(kind)(\(options.owner), \(shapeText(tensor.shape)))\(tail)")
        weights.append(ImportedWeight(name: name, shape: tensor.shape, values: tensor.values))
        return name
    }

    /// Notes that an operator computes `operation` privately: refused when the protocol asked for cannot (the
    /// error names the first protocol that can, as the checker's does), and otherwise, with no protocol asked
    /// for, a reason to declare SecureNN.
    mutating func require(_ operation: PrivateOperation, op: String, node: String) throws(ImportError) {
        guard let chosen = options.protocolChoice else {
            needsSecureNN = true
            return
        }
        guard chosen.definition.computesPrivately(operation) else {
            let capable = ProtocolKind.firstComputing(operation) ?? .securenn
            throw .needsProtocol(op: op, node: node, chosen: chosen, capable: capable)
        }
    }

    /// `output(client, "io name", variable)`: a model output sent to the client.
    mutating func declareOutput(_ modelName: String, variable: String) {
        outputs.append("output(\(options.client), \"\(ioName(modelName))\", \(variable))")
    }

    /// The program: `headline` as its first comment, then the protocol (the one asked for, or the cheapest that
    /// computes every operator), the players, `param batch`, the inputs and weights, the statements and outputs.
    func program(headline: String) -> ImportedProgram {
        let chosen = options.protocolChoice ?? (needsSecureNN ? .securenn : .pond)
        var lines = [
            "# \(headline)",
            "protocol \(chosen.rawValue)",
            "",
            "player \(options.owner)",
            "player \(options.client)",
            "",
            "param batch = \(batch)",
            "",
        ]
        lines += declarations + [""] + statements + [""] + outputs
        return ImportedProgram(source: lines.joined(separator: "\n") + "\n", weights: weights,
                               protocolChoice: chosen, owner: options.owner)
    }

    // MARK: - Names and text

    /// A fresh tfe identifier made from a model's name: `/conv1/Conv_output_0` → `conv1_Conv`.
    mutating func makeName(_ modelName: String) -> String {
        var base = modelName.hasSuffix("_output_0") ? String(modelName.dropLast(9)) : modelName
        if base.hasPrefix("onnx::") { base = String(base.dropFirst(6)) }
        var name = ""
        for scalar in base.unicodeScalars {
            let isWord = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
            if isWord {
                name.unicodeScalars.append(scalar)
            } else if !name.isEmpty, name.last != "_" {
                name += "_"
            }
        }
        while name.hasSuffix("_") { name.removeLast() }
        if name.isEmpty || name.first!.isNumber { name = "v" + (name.isEmpty ? "" : "_") + name }
        if name.count > 60 { name = String(name.suffix(60)).trimmingLeadingUnderscores() }
        // A name the language reserves (`input`, `sum`, `for`) reads better as `input_tensor` than `input_2`.
        if reserved.contains(name) { name += "_tensor" }
        var candidate = name, suffix = 2
        while usedNames.contains(candidate) {
            candidate = "\(name)_\(suffix)"
            suffix += 1
        }
        usedNames.insert(candidate)
        return candidate
    }

    /// An input's or output's name in the program's I/O table (and the client's file names): the model's name
    /// when it is a plain file name, otherwise with every other character made `_`.
    func ioName(_ modelName: String) -> String {
        let allowed = modelName.unicodeScalars.map { scalar -> Character in
            let ok = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                                        || scalar == "_" || scalar == "-" || scalar == ".")
            return ok ? Character(scalar) : "_"
        }
        var name = String(allowed)
        if name.isEmpty || name.first == "." || name.first == "-" { name = "v" + name }
        return String(name.prefix(100))
    }

    /// `[batch, 1, 28, 28]`.
    func shapeText(_ shape: [Int]) -> String {
        "[" + shape.map(dimensionText).joined(separator: ", ") + "]"
    }

    func dimensionText(_ size: Int) -> String {
        guard size != 0, size % Self.batchMarker == 0 else { return "\(size)" }
        let factor = size / Self.batchMarker
        return factor == 1 ? "batch" : "batch * \(factor)"
    }

    /// A constant as a literal: float32 values print as float32 does (`0.1`, not `0.10000000149011612`).
    func literal(_ value: Double) -> String {
        let text: String
        if value == value.rounded(), abs(value) < 1e15 {
            text = "\(Int(value))"
        } else {
            let float = Float(value)
            text = Double(float) == value ? "\(float)" : "\(value)"
        }
        return value < 0 ? "(\(text))" : text
    }

    /// `x` clipped to [low, high] with ReLUs only (either bound may be infinite): max(x, low) = low + relu(x −
    /// low) and min(y, high) = high − relu(high − y). ONNX's Clip and TensorFlow's Relu6 both use it.
    func clipExpression(_ x: String, low: Double, high: Double) -> String {
        var text = x
        if low.isFinite {
            text = low == 0 ? "relu(\(text))" : "\(literal(low)) + relu(\(text) - \(literal(low)))"
        }
        if high.isFinite {
            let operand = text.contains(" ") ? "(\(text))" : text
            text = "\(literal(high)) - relu(\(literal(high)) - \(operand))"
        }
        return text
    }

    // MARK: - Layout

    /// The shape of `concat` along `axis` of values of `shapes`, or the index of the first one that does not fit
    /// the first (its rank, or a size off the axis, differs). Both importers join computed values with it.
    static func concatenatedShape(_ shapes: [[Int]], axis: Int) -> Result<[Int], Misfit> {
        var shape = shapes[0]
        shape[axis] = 0
        for (index, part) in shapes.enumerated() {
            guard part.count == shape.count else { return .failure(Misfit(index: index)) }
            var other = part
            other[axis] = 0
            guard other == shape else { return .failure(Misfit(index: index)) }
        }
        shape[axis] = shapes.reduce(0) { $0 + $1[axis] }
        return .success(shape)
    }

    /// The input of a `concat` that does not fit the others.
    struct Misfit: Error {
        let index: Int
    }

    /// `pad(x, [[before, after], ...])` with one pair per axis of the variable, and the padded shape.
    static func padExpression(_ x: String, shape: [Int], pairs: [[Int]]) -> (text: String, shape: [Int]) {
        let text = pairs.map { "[\($0[0]), \($0[1])]" }.joined(separator: ", ")
        return ("pad(\(x), [\(text)])", shape.indices.map { shape[$0] + pairs[$0][0] + pairs[$0][1] })
    }
}

extension String {
    fileprivate func trimmingLeadingUnderscores() -> String {
        String(drop { $0 == "_" })
    }
}
