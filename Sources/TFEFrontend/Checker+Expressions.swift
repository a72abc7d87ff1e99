import TFECore

extension Checker {
    // MARK: - Expressions

    /// Checks an expression. `target` is the variable it is assigned to, which names inputs.
    mutating func evaluate(_ id: ExprID, target: String? = nil) -> Evaluated {
        let expression = ast[id]
        switch expression.kind {
        case .integer(let value):
            return .integer(value)
        case .decimal(let value):
            guard value.isFinite else {
                report(NameError.constantOverflow, at: expression.range)
                return .error
            }
            return .decimal(value)
        case .string(let text):
            return .string(text)
        case .name(let symbol):
            return lookup(symbol, at: expression.range)
        case .list(let elements):
            var values: [Int] = []
            var failed = false
            for element in elements {
                switch evaluate(element) {
                case .integer(let value): values.append(value)
                case .error: failed = true
                default:
                    report(NameError.expectedConstantInteger(what: "a list element"), at: ast[element].range)
                    failed = true
                }
            }
            return failed ? .error : .list(values)
        case .unary(let op, let operand):
            return unary(op, evaluate(operand), operandRange: ast[operand].range, range: expression.range)
        case .binary(let op, let lhs, let rhs):
            let left = evaluate(lhs), right = evaluate(rhs)
            return binary(op, left, right, operatorRange: expression.operatorRange ?? expression.range,
                          lhs: lhs, rhs: rhs, range: expression.range)
        case .call(let callee, let arguments):
            return call(callee, arguments, range: expression.range, target: target)
        case .subscript(let base, let items):
            return checkSubscript(base, items, range: expression.range)
        case .error:
            return .error
        }
    }

    private mutating func unary(_ op: UnaryOperator, _ operand: Evaluated, operandRange: SourceRange,
                                range: SourceRange) -> Evaluated {
        if op == .plus, case .value = operand { return operand }
        switch operand {
        case .integer(let value):
            if op == .plus { return operand }
            guard value != Int.min else {
                report(NameError.constantOverflow, at: range)
                return .error
            }
            return .integer(-value)
        case .decimal(let value):
            return .decimal(op == .plus ? value : -value)
        default:
            guard let value = tensorOperand(operand, at: operandRange) else { return .error }
            return emit(.negate(value), type: type(of: value), at: range)
        }
    }

    mutating func binary(_ op: BinaryOperator, _ left: Evaluated, _ right: Evaluated, operatorRange: SourceRange,
                         lhs: ExprID, rhs: ExprID, range: SourceRange) -> Evaluated {
        if left.isError || right.isError { return .error }
        if let folded = fold(op, left, right, at: operatorRange) { return folded }
        guard let a = tensorOperand(left, at: ast[lhs].range), let b = tensorOperand(right, at: ast[rhs].range) else {
            return .error
        }
        let ta = type(of: a), tb = type(of: b)
        guard let placement = combine(ta.placement, tb.placement, at: operatorRange, operands: lhs, rhs) else {
            return .error
        }
        let shape: Shape
        if op == .matmul {
            guard let product = matmulShape(ta.shape, tb.shape, lhs: lhs, rhs: rhs) else { return .error }
            shape = product
        } else if ta.shape == tb.shape || tb.shape.rank == 0 {
            shape = ta.shape  // what broadcasting gives, without building a new shape
        } else if ta.shape.rank == 0 {
            shape = tb.shape
        } else {
            guard let broadcast = Shape.broadcast(ta.shape, tb.shape) else {
                report(ShapeError.broadcastMismatch(op: op.rawValue, ta.shape, tb.shape), at: operatorRange,
                       related: [ast[lhs].range, ast[rhs].range], notes: declarationNotes([lhs, rhs]))
                return .error
            }
            shape = broadcast
        }
        if op.isComparison, placement == .private,
            !computesPrivately(.comparison, "comparison '\(op.rawValue)'", at: operatorRange,
                               related: [ast[lhs].range, ast[rhs].range])
        {
            return .error
        }
        if op == .divide {
            if tb.placement == .private, !secretSharing.computesPrivately(.divisionByPrivate) {
                let capable = ProtocolKind.firstComputing(.divisionByPrivate)?.rawValue ?? "of another kind"
                report(PlacementError.divisionByPrivate(capable: capable, current: program.protocolKind.rawValue),
                       at: ast[rhs].range)
                return .error
            }
            if case .constant(0) = program[b].kind {
                report(NameError.divisionByZero, at: ast[rhs].range)
                return .error
            }
        }
        let element: ElementType
        if op.isComparison {
            element = .int
        } else if op == .divide {
            element = .fixed
        } else {
            element = ta.element == .int && tb.element == .int ? .int : .fixed
        }
        return emit(.binary(op, a, b), type: ValueType(element, shape, placement), at: range)
    }

    /// Compile-time arithmetic on integer and decimal constants; nil when an operand is not a constant.
    private mutating func fold(_ op: BinaryOperator, _ left: Evaluated, _ right: Evaluated, at range: SourceRange)
        -> Evaluated?
    {
        if case .integer(let a) = left, case .integer(let b) = right {
            let result: (Int, Bool)
            switch op {
            case .add: result = a.addingReportingOverflow(b)
            case .subtract: result = a.subtractingReportingOverflow(b)
            case .multiply: result = a.multipliedReportingOverflow(by: b)
            case .divide:
                guard b != 0 else {
                    report(NameError.divisionByZero, at: range)
                    return .error
                }
                return .decimal(Double(a) / Double(b))
            case .matmul:
                report(ShapeError.matmulRank(.scalar), at: range)
                return .error
            default:
                return .integer(compare(op, Double(a), Double(b)) ? 1 : 0)
            }
            if result.1 {
                report(NameError.constantOverflow, at: range)
                return .error
            }
            return .integer(result.0)
        }
        guard let a = constantValue(left), let b = constantValue(right) else { return nil }
        let value: Double
        switch op {
        case .add: value = a + b
        case .subtract: value = a - b
        case .multiply: value = a * b
        case .divide:
            guard b != 0 else {
                report(NameError.divisionByZero, at: range)
                return .error
            }
            value = a / b
        case .matmul:
            report(ShapeError.matmulRank(.scalar), at: range)
            return .error
        default:
            return .integer(compare(op, a, b) ? 1 : 0)
        }
        guard value.isFinite else {
            report(NameError.constantOverflow, at: range)
            return .error
        }
        return .decimal(value)
    }

    private func constantValue(_ evaluated: Evaluated) -> Double? {
        switch evaluated {
        case .integer(let value): return Double(value)
        case .decimal(let value): return value
        default: return nil
        }
    }

    private func compare(_ op: BinaryOperator, _ a: Double, _ b: Double) -> Bool {
        switch op {
        case .less: return a < b
        case .lessEqual: return a <= b
        case .greater: return a > b
        case .greaterEqual: return a >= b
        case .equal: return a == b
        default: return a != b
        }
    }

    mutating func matmulShape(_ a: Shape, _ b: Shape, lhs: ExprID, rhs: ExprID) -> Shape? {
        let ranges = (ast[lhs].range, ast[rhs].range)
        guard a.rank >= 2 else {
            report(ShapeError.matmulRank(a), at: ranges.0, notes: vectorNotes(a))
            return nil
        }
        guard b.rank >= 2 else {
            report(ShapeError.matmulRank(b), at: ranges.1, notes: vectorNotes(b))
            return nil
        }
        let inner = (a.dimensions[a.rank - 1], b.dimensions[b.rank - 2])
        guard inner.0 == inner.1 else {
            report(ShapeError.matmulShapeMismatch(a, b, inner.0, inner.1), at: ranges.1, related: [ranges.0],
                   notes: declarationNotes([rhs]))
            return nil
        }
        let batchA = Shape(Array(a.dimensions.dropLast(2))), batchB = Shape(Array(b.dimensions.dropLast(2)))
        guard let batch = Shape.broadcast(batchA, batchB) else {
            report(ShapeError.broadcastMismatch(op: "@", a, b), at: ranges.1, related: [ranges.0])
            return nil
        }
        return Shape(batch.dimensions + [a.dimensions[a.rank - 2], b.dimensions[b.rank - 1]])
    }

    /// For a vector operand of a matrix product: how to make it a matrix.
    func vectorNotes(_ shape: Shape) -> [Diagnostic.Note] {
        guard shape.rank == 1, let n = shape.dimensions.first else { return [] }
        return [.init("reshape it to [1, \(n)] for a row or to [\(n), 1] for a column")]
    }

    /// "'w1' declared here with shape [512, 10]" for operands that are plain variable names.
    func declarationNotes(_ operands: [ExprID]) -> [Diagnostic.Note] {
        operands.compactMap { operand -> Diagnostic.Note? in
            guard case .name(let symbol) = ast[operand].kind, let (binding, range) = bindingWithRange(symbol),
                case .value(let id) = binding.value, let type = program[id].type
            else { return nil }
            return .init("'\(ast.name(symbol))' declared here with shape \(type.shape)", at: range)
        }
    }

    private func bindingWithRange(_ symbol: Symbol) -> (Binding, SourceRange)? {
        guard let binding = environment.lookup(symbol), let assignment = binding.assignment else { return nil }
        return (binding, assignments[assignment].range)
    }

    // MARK: - Values

    func type(of value: ValueID) -> ValueType {
        program.operations[value.rawValue].type ?? ValueType(.fixed, .scalar, .constant)
    }

    /// Appends an effect (`output`, `store`, `print`), which gives no value.
    mutating func emitEffect(_ kind: Operation.Kind, of builtin: Builtin, at range: SourceRange) -> Evaluated {
        emit(kind, type: nil, at: range).isError ? .error : .effect(builtin)
    }

    /// Appends an operation and returns its value (or an error past the work limit).
    mutating func emit(_ kind: Operation.Kind, type: ValueType?, at range: SourceRange) -> Evaluated {
        guard spendWork(at: range) else { return .error }
        // Broadcasting and batched products can build shapes no machine could hold.
        if let type, type.shape.elementCount == nil {
            report(ShapeError.shapeTooLarge(type.shape), at: range)
            return .error
        }
        program.operations.append(Operation(kind: kind, type: type, name: nil, range: range))
        return .value(ValueID(program.operations.count - 1))
    }

    /// The value an operand stands for, materializing constants; reports operands that are not tensors.
    mutating func tensorOperand(_ evaluated: Evaluated, at range: SourceRange) -> ValueID? {
        switch evaluated {
        case .value(let id):
            return id
        case .integer(let value):
            if case .value(let id) = emit(.constant(Double(value)), type: ValueType(.int, .scalar, .constant), at: range) {
                return id
            }
            return nil
        case .decimal(let value):
            if case .value(let id) = emit(.constant(value), type: ValueType(.fixed, .scalar, .constant), at: range) {
                return id
            }
            return nil
        case .string:
            report(NameError.expectedTensor(found: "a string"), at: range)
        case .list:
            report(NameError.expectedTensor(found: "a list"), at: range)
        case .player:
            report(NameError.notAValue(ast.source.text(range), what: "a player"), at: range)
        case .function:
            report(NameError.notAValue(ast.source.text(range), what: "a function"), at: range)
        case .elementType:
            report(NameError.notAValue(ast.source.text(range), what: "an element type"), at: range)
        case .effect(let builtin):
            report(NameError.expectedTensor(found: "the result of '\(builtin.rawValue)', which has none"), at: range)
        case .error:
            break
        }
        return nil
    }

    /// The placement of an operation on two values (DESIGN.md section 2), or nil after reporting a clash.
    mutating func combine(_ a: Placement, _ b: Placement, at range: SourceRange, related: [SourceRange]) -> Placement? {
        switch (a, b) {
        case (.constant, _): return b
        case (_, .constant): return a
        case (.private, .private), (.private, .public), (.public, .private): return .private
        case (.public, .public): return .public
        case (.local(let p), .local(let q)):
            if p == q { return a }
            report(PlacementError.mixedLocal(playerName(p), playerName(q)), at: range, related: related)
            return nil
        case (.local(let p), let other), (let other, .local(let p)):
            report(PlacementError.localWithShared(player: playerName(p), other: describe(other)), at: range,
                   related: related)
            return nil
        }
    }

    /// `combine` for the operands of a binary operation: their ranges are gathered only when a clash is reported,
    /// which spares an array per operation.
    mutating func combine(_ a: Placement, _ b: Placement, at range: SourceRange, operands lhs: ExprID, _ rhs: ExprID)
        -> Placement?
    {
        switch (a, b) {
        case (.local, _), (_, .local): return combine(a, b, at: range, related: [ast[lhs].range, ast[rhs].range])
        default: return combine(a, b, at: range, related: [])
        }
    }

    func playerName(_ id: PlayerID) -> String { program.players[id.rawValue] }

    func describe(_ placement: Placement) -> String {
        switch placement {
        case .constant: return "a compile-time constant"
        case .private: return "private"
        case .public: return "public"
        case .local(let player): return "local to '\(playerName(player))'"
        }
    }
}
