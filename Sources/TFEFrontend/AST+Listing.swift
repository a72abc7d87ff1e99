import TFECore

extension AST {
    /// The syntax tree as `tfec compile --dump-after parse` (or `resolve-names`) prints it: one line per
    /// statement, nested blocks indented, every expression fully parenthesized so precedence shows, and the
    /// statement's source location as a trailing comment. Deterministic.
    public var listing: String {
        let file = source.path.split(separator: "/").last.map(String.init) ?? source.path
        var out = "; tfe syntax tree (\(file))\n"
        func emit(_ statements: [StmtID], depth: Int) {
            for id in statements {
                let statement = self[id]
                let indent = String(repeating: "  ", count: depth)
                let (line, column) = source.location(of: statement.range.start)
                let text = indent + describe(statement.kind)
                out += text + String(repeating: " ", count: max(1, 64 - text.count)) + "; \(file):\(line):\(column)\n"
                switch statement.kind {
                case .function(_, _, let body, let result):
                    emit(body, depth: depth + 1)
                    out += indent + "  return " + describe(result) + "\n"
                case .for(_, _, _, let body):
                    emit(body, depth: depth + 1)
                default:
                    break
                }
            }
        }
        emit(topLevel, depth: 0)
        return out
    }

    private func describe(_ kind: Stmt.Kind) -> String {
        switch kind {
        case .protocol(let name): return "protocol \(self.name(name.symbol))"
        case .fixedpoint(let arguments): return "fixedpoint(\(describe(arguments)))"
        case .player(let names): return "player " + names.map { self.name($0.symbol) }.joined(separator: ", ")
        case .param(let name, let value): return "param \(self.name(name.symbol)) = \(describe(value))"
        case .function(let name, let parameters, _, _):
            return "def \(self.name(name.symbol))(" + parameters.map { self.name($0.symbol) }.joined(separator: ", ")
                + ")"
        case .assign(let name, let value): return "\(self.name(name.symbol)) = \(describe(value))"
        case .for(let variable, let lower, let upper, _):
            return "for \(self.name(variable.symbol)) in \(describe(lower))..<\(describe(upper))"
        case .expression(let expression): return describe(expression)
        case .error: return "<error>"
        }
    }

    private func describe(_ arguments: [Argument]) -> String {
        arguments.map { argument in
            (argument.label.map { self.name($0.symbol) + ": " } ?? "") + describe(argument.value)
        }.joined(separator: ", ")
    }

    private func describe(_ item: SliceItem) -> String {
        let bound = { (id: ExprID?) in id.map(self.describe) ?? "" }
        guard item.isRange else { return bound(item.start) }
        return bound(item.start) + ":" + bound(item.end) + (item.step.map { ":" + describe($0) } ?? "")
    }

    private func describe(_ id: ExprID) -> String {
        switch self[id].kind {
        case .integer(let value): return String(value)
        case .decimal(let value): return "\(value)"
        case .string(let text): return text.debugDescription
        case .name(let symbol): return name(symbol)
        case .list(let items): return "[" + items.map(describe).joined(separator: ", ") + "]"
        case .unary(let op, let operand): return "(\(op.rawValue)\(describe(operand)))"
        case .binary(let op, let lhs, let rhs): return "(\(describe(lhs)) \(op.rawValue) \(describe(rhs)))"
        case .call(let callee, let arguments): return "\(name(callee.symbol))(\(describe(arguments)))"
        case .subscript(let base, let items):
            return "\(describe(base))[\(items.map(describe).joined(separator: ", "))]"
        case .error: return "<error>"
        }
    }
}
