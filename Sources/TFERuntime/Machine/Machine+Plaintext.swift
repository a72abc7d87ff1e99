// Plaintext work on public and local values: functions, comparisons, selections, reductions, printing.

import Foundation
import TFEBytecode
import TFECore

extension Machine {
    // MARK: - Plaintext operands

    /// A public value decoded by its element type, or a local value as it is.
    func plain(_ register: Register, at index: Int) throws(MachineError) -> [Double] {
        switch register {
        case .public:
            return fixedPoint.decode(try ring(register, at: index), as: element(register))
        case .local(let r):
            return try local(r, at: index)
        case .private:
            throw .invalidProgram(
                instruction: index, reason: "\(register) is private where a public or local value is needed")
        }
    }

    /// Stores plaintext results: encoded by the element type into a public register (identically on both
    /// servers), as they are into a local one.
    mutating func storePlain(_ values: [Double], into dst: Register, at index: Int) throws(MachineError) {
        switch dst {
        case .local(let r):
            try store(values, into: r, at: index)
        case .public:
            switch fixedPoint.encode(values, as: element(dst)) {
            case .success(let encoded): try store(encoded, into: dst, at: index)
            case .failure(let failure):
                throw .valueOutOfRange(
                    instruction: index,
                    reason: "element \(failure.index) of the result is NaN, infinite "
                        + "or too large for '\(element(dst).rawValue)'")
            }
        case .private:
            throw .invalidProgram(instruction: index, reason: "writes a plaintext result to private \(dst)")
        }
    }

    // MARK: - Operations

    mutating func executeMap(_ dst: Register, _ src: Register, _ function: MapFunction, index: Int) throws(MachineError)
    {
        let f = PlaintextFunctions.function(function)
        try storePlain(plain(src, at: index).map(f), into: dst, at: index)
    }

    mutating func executeCompare(
        _ dst: Register, _ lhs: Register, _ rhs: Register, _ comparison: Comparison, index: Int
    ) throws(MachineError) {
        let a = try plain(lhs, at: index), b = try plain(rhs, at: index)
        let test = PlaintextFunctions.comparison(comparison)
        let result = try kernel(index) { () throws(NaiveKernels.ShapeError) in
            try NaiveKernels.binary(a, shape(lhs), b, shape(rhs)) { test($0, $1) ? 1.0 : 0.0 }.values
        }
        try storePlain(result, into: dst, at: index)
    }

    mutating func executeSelect(
        _ dst: Register, _ condition: Register, _ lhs: Register, _ rhs: Register, index: Int
    ) throws(MachineError) {
        let c = try plain(condition, at: index), a = try plain(lhs, at: index), b = try plain(rhs, at: index)
        let result = try kernel(index) { () throws(NaiveKernels.ShapeError) in
            try NaiveKernels.select(c, shape(condition), a, shape(lhs), b, shape(rhs)) { $0 != 0 }.values
        }
        try storePlain(result, into: dst, at: index)
    }

    mutating func executeReduce(
        _ dst: Register, _ src: Register, _ reduction: Reduction, axis: Int?, index: Int
    ) throws(MachineError) {
        let x = try plain(src, at: index)
        let result = try kernel(index) { () throws(NaiveKernels.ShapeError) in
            switch reduction {
            case .argmax: return try NaiveKernels.argmax(x, shape(src), axis: axis).values
            case .softmax: return try NaiveKernels.softmax(x, shape(src), axis: axis)
            }
        }
        try storePlain(result, into: dst, at: index)
    }

    /// Fills the `{}` placeholders of `format` with the decoded values, in order, and keeps the line.
    mutating func executePrint(_ format: String, _ values: [Register], index: Int) throws(MachineError) {
        var texts: [String] = []
        for register in values {
            texts.append(
                PlaintextFunctions.format(try plain(register, at: index), shape: shape(register), element(register)))
        }
        var line = ""
        var remaining = texts[...]
        var rest = Substring(format)
        while let range = rest.range(of: "{}") {
            line += rest[..<range.lowerBound]
            line += remaining.popFirst() ?? "{}"
            rest = rest[range.upperBound...]
        }
        line += rest
        if !remaining.isEmpty { line += " " + remaining.joined(separator: " ") }
        result.printed.append(line)
    }
}

/// The float64 functions of plaintext instructions.
enum PlaintextFunctions {
    /// `ElementwiseFunction.evaluate`: the one definition the checker's constant folding shares.
    static func function(_ function: MapFunction) -> @Sendable (Double) -> Double {
        { function.evaluate($0) }
    }

    static func comparison(_ comparison: Comparison) -> @Sendable (Double, Double) -> Bool {
        switch comparison {
        case .less: return { $0 < $1 }
        case .lessEqual: return { $0 <= $1 }
        case .greater: return { $0 > $1 }
        case .greaterEqual: return { $0 >= $1 }
        case .equal: return { $0 == $1 }
        case .notEqual: return { $0 != $1 }
        }
    }

    /// A value as NumPy prints it in a list: `1.5`, `[1.0, 2.0]`, `[[1, 2], [3, 4]]` (ints without a point).
    static func format(_ values: [Double], shape: [Int], _ element: ElementType) -> String {
        func number(_ value: Double) -> String {
            if element == .int, let integer = Int64(exactly: value) { return String(integer) }
            return String(value)
        }
        func nested(_ axis: Int, _ offset: Int) -> String {
            guard axis < shape.count else { return values.indices.contains(offset) ? number(values[offset]) : "?" }
            let stride = shape[(axis + 1)...].reduce(1, *)
            return "[" + (0..<shape[axis]).map { nested(axis + 1, offset + $0 * stride) }.joined(separator: ", ") + "]"
        }
        return nested(0, 0)
    }
}

extension NaiveKernels {
    /// The index of the largest element along an axis (removed from the shape), or of the flattened tensor;
    /// the first one on ties, and the first NaN if there is one, as NumPy does.
    static func argmax(_ x: [Double], _ shape: [Int], axis: Int?) throws(ShapeError) -> (values: [Double], shape: [Int])
    {
        let (outer, size, inner, outShape) = try reductionLayout(shape, axis: axis)
        guard size > 0 else { throw ShapeError(reason: "argmax of an empty axis") }
        var result = [Double](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = 0
                var bestValue = x[o * size * inner + i]
                for s in 1..<size where !bestValue.isNaN {
                    let value = x[(o * size + s) * inner + i]
                    if value > bestValue || value.isNaN { (best, bestValue) = (s, value) }
                }
                result[o * inner + i] = Double(best)
            }
        }
        return (result, outShape)
    }

    /// Softmax along an axis (or over everything), computed stably by subtracting the maximum.
    static func softmax(_ x: [Double], _ shape: [Int], axis: Int?) throws(ShapeError) -> [Double] {
        let (outer, size, inner, _) = try reductionLayout(shape, axis: axis)
        var result = x
        for o in 0..<outer {
            for i in 0..<inner {
                let indices = (0..<size).map { (o * size + $0) * inner + i }
                let top = indices.map { x[$0] }.max() ?? 0
                let exps = indices.map { Foundation.exp(x[$0] - top) }
                let total = exps.reduce(0, +)
                for (k, flat) in indices.enumerated() { result[flat] = exps[k] / total }
            }
        }
        return result
    }

    /// A tensor seen as [outer, size, inner] around the reduced axis, and the shape without that axis.
    private static func reductionLayout(
        _ shape: [Int], axis: Int?
    ) throws(ShapeError) -> (outer: Int, size: Int, inner: Int, shape: [Int]) {
        guard let axis else { return (1, shape.reduce(1, *), 1, []) }
        let a = try normalize(axis: axis, rank: shape.count)
        var outShape = shape
        outShape.remove(at: a)
        return (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *), outShape)
    }
}
