import TFECore

extension Checker {
    // MARK: - Layout: slicing, concat, pad, squeeze, expand_dims; maximum and minimum

    /// `x[a:b, :, k]` with constant bounds, as NumPy: items cover the leading axes (the rest are kept whole); an
    /// integer index drops its axis; negative indices and bounds count from the end, bounds out of range are
    /// clamped, a step may be negative but not zero. An empty result is an error.
    mutating func checkSubscript(_ base: ExprID, _ items: [SliceItem], range: SourceRange) -> Evaluated {
        let value = tensor(base)
        var bounds: [(start: Int?, end: Int?, step: Int?)] = []
        var failed = false
        for item in items {
            func constant(_ expression: ExprID?, what: String) -> Int? {
                guard let expression else { return nil }
                guard let number = expectInteger(expression, what: what) else {
                    failed = true
                    return nil
                }
                return number
            }
            let start = constant(item.start, what: item.isRange ? "a slice bound" : "an index")
            let end = constant(item.end, what: "a slice bound")
            bounds.append((start, end, constant(item.step, what: "a slice step")))
        }
        guard let value, !failed else { return .error }
        let operand = type(of: value)
        let dimensions = operand.shape.dimensions
        guard items.count <= dimensions.count else {
            report(ShapeError.tooManyIndices(count: items.count, operand.shape), at: items[dimensions.count].range,
                   related: [ast[base].range])
            return .error
        }
        var begin = [Int](repeating: 0, count: dimensions.count)
        var step = [Int](repeating: 1, count: dimensions.count)
        var counts = dimensions
        var kept: [Int] = []
        for (axis, length) in dimensions.enumerated() {
            guard axis < items.count else {
                kept.append(length)
                continue
            }
            let item = items[axis], bound = bounds[axis]
            if !item.isRange {
                let index = bound.start ?? 0
                let normalized = index < 0 ? index + length : index
                guard normalized >= 0, normalized < length else {
                    report(ShapeError.indexOutOfRange(index: index, axis: axis, length: length), at: item.range,
                           related: [ast[base].range])
                    return .error
                }
                (begin[axis], counts[axis]) = (normalized, 1)
                continue
            }
            let stride = bound.step ?? 1
            guard stride != 0 else {
                report(ShapeError.zeroStep, at: item.step.map { ast[$0].range } ?? item.range)
                return .error
            }
            guard let (first, count) = SliceIndices.resolve(bound.start, bound.end, stride, length: length),
                count > 0
            else {
                report(ShapeError.emptySlice(axis: axis, operand.shape), at: item.range, related: [ast[base].range])
                return .error
            }
            (begin[axis], step[axis], counts[axis]) = (first, stride, count)
            kept.append(count)
        }
        if counts == dimensions, step.allSatisfy({ $0 == 1 }) {
            if kept.count == dimensions.count { return .value(value) }  // `x[:]` is x itself
            return emit(.reshape(value), type: ValueType(operand.element, Shape(kept), operand.placement), at: range)
        }
        return emit(.slice(value, begin: begin, step: step, counts: counts),
                    type: ValueType(operand.element, Shape(kept), operand.placement), at: range)
    }

    /// `concat(a, b, ..., axis: k)`: values of one element type and rank, equal on every axis but `k` (default 0,
    /// negative from the end). Public and private values mix (the result is private); local values join only
    /// values local to the same player.
    mutating func checkConcat(_ arguments: [Argument], range: SourceRange) -> Evaluated {
        var values: [(value: ValueID, range: SourceRange)] = []
        var axisExpression: ExprID?
        var failed = false
        for argument in arguments {
            if let label = argument.label {
                let text = ast.name(label.symbol)
                if text != "axis" {
                    report(NameError.unknownArgumentLabel(label: text, callee: "concat"), at: label.range,
                           notes: suggestion(for: text, among: ["axis"]))
                    failed = true
                } else if axisExpression != nil {
                    report(NameError.duplicateArgument(label: "axis", callee: "concat"), at: label.range)
                    failed = true
                } else {
                    axisExpression = argument.value
                }
                continue
            }
            guard let value = tensor(argument.value) else {
                failed = true
                continue
            }
            values.append((value, ast[argument.value].range))
        }
        if failed { return .error }
        guard let first = values.first else {
            report(NameError.wrongArgumentCount(callee: "concat", expected: "1 or more values", found: 0), at: range)
            return .error
        }
        let head = type(of: first.value)
        guard head.shape.rank > 0 else {
            report(ShapeError.rankMismatch(function: "concat", expected: "values of rank 1 or more", head.shape),
                   at: first.range)
            return .error
        }
        var axis = 0
        if let axisExpression {
            guard let normalized = expectAxis(axisExpression, rank: head.shape.rank) else { return .error }
            axis = normalized
        }
        var placement = head.placement
        var dimensions = head.shape.dimensions
        for (value, valueRange) in values.dropFirst() {
            let next = type(of: value)
            guard next.element == head.element else {
                report(ShapeError.concatElementMismatch(head.element, next.element), at: valueRange,
                       related: [first.range])
                return .error
            }
            var other = next.shape.dimensions
            guard other.count == dimensions.count else {
                report(ShapeError.concatMismatch(head.shape, next.shape, axis: axis), at: valueRange,
                       related: [first.range])
                return .error
            }
            let length = other[axis]
            other[axis] = head.shape.dimensions[axis]
            guard other == head.shape.dimensions else {
                report(ShapeError.concatMismatch(head.shape, next.shape, axis: axis), at: valueRange,
                       related: [first.range])
                return .error
            }
            dimensions[axis] += length
            guard let combined = combine(placement, next.placement, at: valueRange, related: [first.range]) else {
                return .error
            }
            placement = combined
        }
        if values.count == 1 { return .value(first.value) }
        return emit(.concat(values.map(\.value), axis: axis),
                    type: ValueType(head.element, Shape(dimensions), placement), at: range)
    }

    /// `pad(x, [[before, after], ...])`: one pair of constant, non-negative integers per axis; zeros around x.
    mutating func checkPad(_ arguments: BoundArguments, range: SourceRange) -> Evaluated {
        guard let expression = arguments["x"], let padsExpression = arguments["pads"] else { return .error }
        let value = tensor(expression)
        var pairs: [[ExprID]]?
        if case .list(let rows) = ast[padsExpression].kind {
            pairs = rows.compactMap { row -> [ExprID]? in
                if case .list(let pair) = ast[row].kind, pair.count == 2 { return pair }
                return nil
            }
            if pairs?.count != rows.count { pairs = nil }
        }
        guard let pairs else {
            report(ShapeError.padFormat, at: ast[padsExpression].range)
            return .error
        }
        var amounts: [(Int, Int)] = []
        var failed = false
        for pair in pairs {
            let numbers = pair.map { expectInteger($0, what: "a padding amount") }
            guard let before = numbers[0], let after = numbers[1] else {
                failed = true
                continue
            }
            for (amount, element) in zip([before, after], pair) where amount < 0 || amount > Shape.maxElementCount {
                report(ShapeError.negativePad(amount), at: ast[element].range)
                failed = true
            }
            amounts.append((before, after))
        }
        guard let value, !failed else { return .error }
        let operand = type(of: value)
        guard amounts.count == operand.shape.rank else {
            report(ShapeError.padPairs(count: amounts.count, operand.shape), at: ast[padsExpression].range,
                   related: [ast[expression].range])
            return .error
        }
        if amounts.allSatisfy({ $0 == (0, 0) }) { return .value(value) }
        let shape = Shape(zip(operand.shape.dimensions, amounts).map { $0 + $1.0 + $1.1 })
        return emit(.pad(value, before: amounts.map(\.0)), type: ValueType(operand.element, shape, operand.placement),
                    at: range)
    }

    /// `squeeze(x)` drops every axis of length 1, `squeeze(x, axis: k)` axis k (which must have length 1);
    /// `expand_dims(x, axis: k)` inserts an axis of length 1 at k (negative from the end of the result).
    mutating func checkSqueeze(_ builtin: Builtin, _ arguments: BoundArguments, range: SourceRange) -> Evaluated {
        guard let expression = arguments["x"], let value = tensor(expression) else { return .error }
        let operand = type(of: value)
        var dimensions = operand.shape.dimensions
        if builtin == .expandDims {
            guard let axisExpression = arguments["axis"],
                let axis = expectAxis(axisExpression, rank: dimensions.count + 1)
            else { return .error }
            dimensions.insert(1, at: axis)
        } else if let axisExpression = arguments["axis"] {
            guard let axis = expectAxis(axisExpression, rank: dimensions.count) else { return .error }
            guard dimensions[axis] == 1 else {
                report(ShapeError.squeezeLength(axis: axis, operand.shape), at: ast[axisExpression].range,
                       related: [ast[expression].range])
                return .error
            }
            dimensions.remove(at: axis)
        } else {
            dimensions.removeAll { $0 == 1 }
            if dimensions.count == operand.shape.rank { return .value(value) }
        }
        return emit(.reshape(value), type: ValueType(operand.element, Shape(dimensions), operand.placement), at: range)
    }

    /// `maximum(a, b)` is `b + relu(a − b)` and `minimum(a, b)` is `a − relu(a − b)`, with NumPy broadcasting:
    /// one DReLU and one product on private values, which SecureNN computes (the checker asks the protocol, as for
    /// `relu`); plaintext values are computed where they live.
    mutating func checkExtremum(_ builtin: Builtin, _ arguments: BoundArguments, range: SourceRange) -> Evaluated {
        guard let a = arguments["a"], let b = arguments["b"] else { return .error }
        let left = evaluate(a), right = evaluate(b)
        func number(_ evaluated: Evaluated) -> Double? {
            switch evaluated {
            case .integer(let value): return Double(value)
            case .decimal(let value): return value
            default: return nil
            }
        }
        if case .integer(let x) = left, case .integer(let y) = right {
            return .integer(builtin == .maximum ? max(x, y) : min(x, y))
        }
        if let x = number(left), let y = number(right) { return .decimal(builtin == .maximum ? max(x, y) : min(x, y)) }
        let difference = binary(.subtract, left, right, operatorRange: range, lhs: a, rhs: b, range: range)
        guard case .value(let d) = difference else { return .error }
        if type(of: d).placement == .private {
            guard computesPrivately(.relu, "'\(builtin.rawValue)'", at: range) else { return .error }
        }
        let differenceType = type(of: d)
        let element = differenceType.element
        guard case .value(let rectified) = emit(.elementwise(.relu, d), type: ValueType(element, differenceType.shape,
                                                                                       differenceType.placement),
                                               at: range)
        else { return .error }
        if builtin == .maximum {
            return binary(.add, right, .value(rectified), operatorRange: range, lhs: b, rhs: a, range: range)
        }
        return binary(.subtract, left, .value(rectified), operatorRange: range, lhs: a, rhs: b, range: range)
    }
}
