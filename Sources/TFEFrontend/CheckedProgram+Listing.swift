import TFECore

extension CheckedProgram {
    /// The listing printed by `tfec compile --emit ast`: one line per operation with its type and
    /// source location. Deterministic, so golden files can compare it.
    public var listing: String {
        let file = source.path.split(separator: "/").last.map(String.init) ?? source.path
        var out = "; tfe checked program (\(file)): protocol \(protocolKind.rawValue), frac \(fractionalBits)\n"
        out += "; players: " + players.joined(separator: " ") + "\n"
        for (index, operation) in operations.enumerated() {
            var line = operation.type == nil ? "" : "%\(index) = "
            line += describe(operation.kind)
            if let type = operation.type { line += " : \(describe(type))" }
            let (row, column) = source.location(of: operation.range.start)
            var comment = "\(file):\(row):\(column)"
            if let name = operation.name { comment = "\(name), " + comment }
            let padding = max(1, 64 - line.count)
            out += line + String(repeating: " ", count: padding) + "; " + comment + "\n"
        }
        return out
    }

    /// `private fixed[100, 784]`, `local(client) int[]`.
    public func describe(_ type: ValueType) -> String {
        let placement: String
        switch type.placement {
        case .constant: placement = "constant"
        case .private: placement = "private"
        case .public: placement = "public"
        case .local(let player): placement = "local(\(players[player.rawValue]))"
        }
        return "\(placement) \(type.element.rawValue)\(type.shape)"
    }

    private func describe(_ kind: Operation.Kind) -> String {
        func v(_ value: ValueID) -> String { "%\(value.rawValue)" }
        func p(_ player: PlayerID) -> String { "@" + players[player.rawValue] }
        func window(_ size: Int, _ stride: Int, _ padding: Padding) -> String {
            "size=\(size) stride=\(stride) padding=\(padding.rawValue)"
        }
        func axis(_ axis: Int?) -> String { axis.map { " axis=\($0)" } ?? "" }
        func list(_ numbers: [Int]) -> String { "[" + numbers.map(String.init).joined(separator: ", ") + "]" }
        switch kind {
        case .constant(let value):
            return "const " + (Int(exactly: value).map(String.init) ?? "\(value)")
        case .input(let inputKind, let player, let name): return "\(inputKind.rawValue) \(p(player)) \"\(name)\""
        case .load(let name): return "load \"\(name)\""
        case .share(let value): return "share \(v(value))"
        case .reveal(let value, let player): return "reveal \(v(value))" + (player.map { " " + p($0) } ?? "")
        case .negate(let value): return "neg \(v(value))"
        case .binary(let op, let a, let b): return "\(op.mnemonic) \(v(a)), \(v(b))"
        case .elementwise(let function, let value): return "\(function.name) \(v(value))"
        case .sum(let value, let a): return "sum \(v(value))" + axis(a)
        case .mean(let value, let a): return "mean \(v(value))" + axis(a)
        case .softmax(let value, let a): return "softmax \(v(value))" + axis(a)
        case .argmax(let value, let a): return "argmax \(v(value))" + axis(a)
        case .transpose(let value, let permutation):
            return "transpose \(v(value)) [" + permutation.map(String.init).joined(separator: ", ") + "]"
        case .reshape(let value): return "reshape \(v(value))"
        case .concat(let values, let a): return "concat " + values.map(v).joined(separator: ", ") + " axis=\(a)"
        case .slice(let value, let begin, let step, let counts):
            return "slice \(v(value)) begin=\(list(begin)) step=\(list(step)) counts=\(list(counts))"
        case .pad(let value, let before): return "pad \(v(value)) before=\(list(before))"
        case .conv2d(let x, let kernel, let stride, let padding):
            return "conv2d \(v(x)), \(v(kernel)) stride=\(stride) padding=\(padding.rawValue)"
        case .avgpool2d(let x, let size, let stride, let padding): return "avgpool2d \(v(x)) " + window(size, stride, padding)
        case .maxpool2d(let x, let size, let stride, let padding): return "maxpool2d \(v(x)) " + window(size, stride, padding)
        case .maxpool2dGrad(let x, let dy, let size, let stride, let padding):
            return "maxpool2d_grad \(v(x)), \(v(dy)) " + window(size, stride, padding)
        case .where(let c, let a, let b): return "where \(v(c)), \(v(a)), \(v(b))"
        case .output(let player, let name, let value): return "output \(p(player)) \"\(name)\" \(v(value))"
        case .store(let name, let value): return "store \"\(name)\" \(v(value))"
        case .print(let items):
            return "print " + items.map { item -> String in
                switch item {
                case .text(let text): return "\"\(text)\""
                case .value(let value): return v(value)
                }
            }.joined(separator: ", ")
        }
    }
}

extension BinaryOperator {
    /// The listing's name for the operator.
    public var mnemonic: String {
        switch self {
        case .add: return "add"
        case .subtract: return "sub"
        case .multiply: return "mul"
        case .divide: return "div"
        case .matmul: return "matmul"
        case .less: return "lt"
        case .lessEqual: return "le"
        case .greater: return "gt"
        case .greaterEqual: return "ge"
        case .equal: return "eq"
        case .notEqual: return "ne"
        }
    }
}
