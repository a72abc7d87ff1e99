// The float64 reference of a checked program: what a private run must reproduce, and how closely.

import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering

/// A value of a reference run: float64 elements in row-major order and, for each, a bound on how far the
/// machine's fixed-point result may lie from it (see `ReferenceInterpreter`).
struct ReferenceTensor: Sendable {
    var shape: [Int]
    var values: [Double]
    var bounds: [Double]
}

/// An output of a program: who receives it, under which name.
struct OutputKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    var player: PlayerID
    var name: String

    static func < (a: OutputKey, b: OutputKey) -> Bool { (a.player, a.name) < (b.player, b.name) }
    var description: String { "@\(player.rawValue) \"\(name)\"" }
}

/// Evaluates every operation of a `CheckedProgram` in float64 with NumPy semantics: broadcasting, batched
/// matmul, transposes by permutation, reductions over one axis or all, TensorFlow's conv2d and pooling
/// (NHWC, HWIO, SAME padding with the extra cell after, average pools counting only cells inside the input),
/// plaintext functions, comparisons as 0/1, `share` and `reveal` as the identity. `sigmoid` of a private
/// value is `Approximations.sigmoid`, the polynomial the servers evaluate; of any other value the exact
/// logistic function. `relu_approx` is `Approximations.reluApprox` everywhere.
///
/// **Error bounds.** Alongside each value it carries a bound on the machine's deviation, derived from how
/// lowering computes with fixed-point numbers (ulp = 2^-frac):
/// - encoding a fixed value in the ring (an input, a constant next to shared values, a `share`d local
///   value, the result of a plaintext function on public values) rounds to the nearest ulp: the exact
///   distance `|v - round(v * 2^frac) / 2^frac|`, or ulp/2 once the value is already approximate;
/// - ring additions and int arithmetic are exact; local (plaintext) values are float64;
/// - a product of two fixed ring values (element-wise, matmul, conv2d) is truncated with an error of at most
///   1 ulp (DESIGN.md section 3), and errors propagate through a bilinear product exactly as
///   `|a|·eb + ea·|b| + ea·eb` (per term, then summed);
/// - a division of a ring value by a divisor known at compile time (`/` by a constant, `mean`, `avgpool2d`)
///   follows `ConstantDivision`: a product with the integer m, then an exact division by D, within 1 ulp of
///   x·m/D (an input error e becomes e·m/D, and m/D may differ from 1/c by the plan's relative error); without
///   a plan it is a truncated product with 1/c rounded to fixed point;
/// - a smooth function propagates an input error e as `L·e`, with L the largest |f'| within e of the input
///   (sampled, times 1.25); the private polynomials add their own evaluation error, derived by running the
///   lowering's Horner scheme (`x/8`, square, Horner steps, each product truncated, each coefficient
///   rounded) through the same rules with an exact input;
/// - a comparison or `argmax` whose operands are within their bounds of a tie may go either way: its bound
///   becomes 1 (or the axis length).
/// The bound of the second-order terms of smooth functions is not rigorous; the tests compare with twice
/// the bound, which absorbs them and float64 rounding while staying far below any wiring mistake.
struct ReferenceInterpreter {
    enum Failure: Error, CustomStringConvertible {
        case missingInput(player: String, name: String)
        case inputSize(name: String, expected: Int, found: Int)
        case unsupported(String)

        var description: String {
            switch self {
            case .missingInput(let player, let name): return "no input '\(name)' for \(player)"
            case .inputSize(let name, let expected, let found):
                return "input '\(name)' has \(found) values, its shape needs \(expected)"
            case .unsupported(let what): return "the reference does not evaluate \(what)"
            }
        }
    }

    let program: CheckedProgram
    let inputs: [PlayerID: [String: [Double]]]
    /// Evaluate `sigmoid` exactly even on private values (to compare with plaintext NumPy models).
    let exactSigmoid: Bool
    /// Skip error bounds (all zero): for large plaintext cross-checks, where they would only cost time.
    let tracksBounds: Bool
    let ulp: Double
    var tensors: [ReferenceTensor?]
    var outputs: [OutputKey: ReferenceTensor] = [:]
    /// Stored values by name: what earlier runs stored (for `load`), and then what this run stores.
    var stored: [String: ReferenceTensor]

    /// Runs the program on `inputs` (by player, then input name; row-major values) and returns every output.
    static func run(
        _ program: CheckedProgram, inputs: [PlayerID: [String: [Double]]], exactSigmoid: Bool = false,
        tracksBounds: Bool = true
    ) throws(Failure) -> [OutputKey: ReferenceTensor] {
        var stored: [String: ReferenceTensor] = [:]
        return try run(program, inputs: inputs, stored: &stored, exactSigmoid: exactSigmoid, tracksBounds: tracksBounds)
    }

    /// Runs the program with the values earlier runs stored; adds what it stores.
    static func run(
        _ program: CheckedProgram, inputs: [PlayerID: [String: [Double]]], stored: inout [String: ReferenceTensor],
        exactSigmoid: Bool = false, tracksBounds: Bool = true
    ) throws(Failure) -> [OutputKey: ReferenceTensor] {
        var interpreter = ReferenceInterpreter(
            program: program, inputs: inputs, exactSigmoid: exactSigmoid, tracksBounds: tracksBounds,
            ulp: 1 / Double(sign: .plus, exponent: program.fractionalBits, significand: 1),
            tensors: Array(repeating: nil, count: program.operations.count), stored: stored)
        defer { stored = interpreter.stored }
        for (index, operation) in program.operations.enumerated() {
            if let type = operation.type {
                var tensor = try interpreter.evaluate(operation.kind, type)
                if !tracksBounds { tensor.bounds = [Double](repeating: 0, count: tensor.values.count) }
                interpreter.tensors[index] = tensor
            } else {
                try interpreter.perform(operation.kind)
            }
        }
        return interpreter.outputs
    }

    // MARK: - Operands

    /// Whether values of this placement live in the ring (fixed-point) rather than as float64.
    static func isRing(_ placement: Placement) -> Bool {
        if case .local = placement { return false }
        return true  // private, public, and constants, which lowering materializes as public registers
    }

    func type(_ value: ValueID) -> ValueType {
        program[value].type ?? ValueType(.fixed, .scalar, .constant)
    }

    /// How far `v` is from its fixed-point encoding.
    func encodingError(_ v: Double) -> Double {
        abs(v - (v / ulp).rounded() * ulp)
    }

    /// A value as an operand of an operation placed at `placement`: a constant is encoded in the ring (with
    /// its rounding) next to shared values and kept exact next to local ones.
    func operand(_ value: ValueID, at placement: Placement) -> ReferenceTensor {
        if case .constant(let number) = program[value].kind {
            let rounded = Self.isRing(placement) && type(value).element == .fixed
            return ReferenceTensor(shape: [], values: [number], bounds: [rounded ? encodingError(number) : 0])
        }
        guard let tensor = tensors[value.rawValue] else {
            fatalError("%\(value.rawValue) read before it was evaluated")
        }
        return tensor
    }

    /// `ulp / 2` where a plaintext result is encoded into a public fixed register, else 0.
    func encodingSlack(_ type: ValueType) -> Double {
        type.placement == .public && type.element == .fixed ? ulp / 2 : 0
    }

    // MARK: - Operations

    mutating func evaluate(_ kind: TFEFrontend.Operation.Kind, _ type: ValueType) throws(Failure) -> ReferenceTensor {
        let shape = type.shape.dimensions
        let ring = Self.isRing(type.placement)
        switch kind {
        case .constant(let number):
            return ReferenceTensor(shape: [], values: [number], bounds: [0])

        case .input(let inputKind, let player, let name):
            guard let values = inputs[player]?[name] else {
                throw .missingInput(player: program.players[player.rawValue], name: name)
            }
            let expected = ReferenceKernels.count(shape)
            guard values.count == expected else {
                throw .inputSize(name: name, expected: expected, found: values.count)
            }
            let encoded = inputKind != InputKind.local && type.element == .fixed
            return ReferenceTensor(shape: shape, values: values, bounds: values.map { encoded ? encodingError($0) : 0 })

        case .load(let name):
            // A stored value comes back exactly as it was (its masked form is exact in the ring).
            guard let tensor = stored[name], tensor.values.count == ReferenceKernels.count(shape) else {
                throw .unsupported("load(\"\(name)\") of a value no earlier run stored with this shape")
            }
            return tensor

        case .share(let source):
            var tensor = operand(source, at: .private)
            if case .local = self.type(source).placement, type.element == .fixed {
                tensor.bounds = zip(tensor.values, tensor.bounds).map { $1 == 0 ? encodingError($0) : $1 + ulp / 2 }
            }
            return tensor

        case .reveal(let source, _):
            return operand(source, at: .private)

        case .negate(let source):
            let x = operand(source, at: type.placement)
            return ReferenceTensor(shape: shape, values: x.values.map { -$0 }, bounds: x.bounds)

        case .binary(let op, let lhs, let rhs):
            return binary(op, lhs, rhs, type)

        case .elementwise(let function, let source):
            return elementwise(function, source, type)

        case .sum(let source, let axis):
            let x = operand(source, at: type.placement)
            return ReferenceTensor(
                shape: shape, values: ReferenceKernels.sum(x.values, x.shape, axis: axis).values,
                bounds: ReferenceKernels.sum(x.bounds, x.shape, axis: axis).values)

        case .mean(let source, let axis):
            let x = operand(source, at: type.placement)
            let sums = ReferenceKernels.sum(x.values, x.shape, axis: axis).values
            let sumBounds = ReferenceKernels.sum(x.bounds, x.shape, axis: axis).values
            let n = Double(x.values.count / max(1, sums.count))
            let truncates = ring && self.type(source).element == .fixed
            let divisorError = ring ? encodingError(1 / n) : 0
            let exact = ring
                && ConstantDivision.averaging(counts: [Int(n)], fractionalBits: program.fractionalBits) != nil
            var bounds: [Double] = []
            for (s, e) in zip(sums, sumBounds) {
                bounds.append(exact ? e / n + ulp
                              : quotientBound(s, e, count: n, divisorError: divisorError, truncates: truncates))
            }
            return ReferenceTensor(shape: shape, values: sums.map { $0 / n }, bounds: bounds)

        case .softmax(let source, let axis):
            let x = operand(source, at: type.placement)
            let values = ReferenceKernels.mapSlices(x.values, x.shape, axis: axis, ReferenceKernels.softmax)
            // Σ_j |∂p_i/∂x_j| = 2 p_i (1 - p_i) <= 1/2, so the largest input error in the slice bounds it.
            let bounds = ReferenceKernels.mapSlices(x.bounds, x.shape, axis: axis) { slice in
                let top = slice.max() ?? 0
                return slice.map { _ in top }
            }
            return ReferenceTensor(shape: shape, values: values, bounds: bounds.map { $0 + encodingSlack(type) })

        case .argmax(let source, let axis):
            let x = operand(source, at: type.placement)
            let layout = ReferenceKernels.reductionLayout(x.shape, axis: axis)
            var values: [Double] = [], bounds: [Double] = []
            for o in 0..<layout.outer {
                for i in 0..<layout.inner {
                    let flat = (0..<layout.size).map { (o * layout.size + $0) * layout.inner + i }
                    let index = ReferenceKernels.argmax(flat.map { x.values[$0] })
                    let best = flat[index]
                    // Ambiguous when another element may overtake the largest within the bounds.
                    let ambiguous = flat.contains { other in
                        other != best && x.bounds[other] + x.bounds[best] > 0
                            && x.values[other] + x.bounds[other] >= x.values[best] - x.bounds[best]
                    }
                    values.append(Double(index))
                    bounds.append(ambiguous ? Double(layout.size) : 0)
                }
            }
            return ReferenceTensor(shape: shape, values: values, bounds: bounds)

        case .transpose(let source, let permutation):
            let x = operand(source, at: type.placement)
            return ReferenceTensor(
                shape: shape, values: ReferenceKernels.transpose(x.values, x.shape, permutation).values,
                bounds: ReferenceKernels.transpose(x.bounds, x.shape, permutation).values)

        case .reshape(let source):
            let x = operand(source, at: type.placement)
            return ReferenceTensor(shape: shape, values: x.values, bounds: x.bounds)

        case .concat(let sources, let axis):
            let parts = sources.map { operand($0, at: type.placement) }
            return ReferenceTensor(
                shape: shape, values: ReferenceKernels.concatenate(parts.map { ($0.values, $0.shape) }, axis: axis),
                bounds: ReferenceKernels.concatenate(parts.map { ($0.bounds, $0.shape) }, axis: axis))

        case .slice(let source, let begin, let step, let counts):
            let x = operand(source, at: type.placement)
            func slice(_ values: [Double]) -> [Double] {
                ReferenceKernels.slice(values, x.shape, begin: begin, step: step, counts: counts)
            }
            return ReferenceTensor(shape: shape, values: slice(x.values), bounds: slice(x.bounds))

        case .pad(let source, let before):
            let x = operand(source, at: type.placement)
            return ReferenceTensor(
                shape: shape, values: ReferenceKernels.pad(x.values, x.shape, before: before, output: shape),
                bounds: ReferenceKernels.pad(x.bounds, x.shape, before: before, output: shape))

        case .conv2d(let input, let kernel, let stride, let padding):
            let x = operand(input, at: type.placement), k = operand(kernel, at: type.placement)
            let convolve: ([Double], [Double]) -> [Double] = { a, b in
                ReferenceKernels.conv2d(a, x.shape, b, k.shape, stride: stride, padding: padding).values
            }
            let truncates = ring && self.type(input).element == .fixed && self.type(kernel).element == .fixed
            return ReferenceTensor(shape: shape, values: convolve(x.values, k.values),
                                   bounds: bilinearBounds(convolve, x, k, truncates: truncates))

        case .avgpool2d(let input, let size, let stride, let padding):
            let x = operand(input, at: type.placement)
            let (windows, _) = ReferenceKernels.poolWindows(x.shape, size: size, stride: stride, padding: padding)
            let truncates = ring && self.type(input).element == .fixed
            let exact = ring && ConstantDivision.averaging(
                counts: Array(Set(windows.map(\.count))), fractionalBits: program.fractionalBits) != nil
            var values: [Double] = [], bounds: [Double] = []
            for cells in windows {
                let n = Double(cells.count)
                var sum = 0.0, error = 0.0
                for cell in cells {
                    sum += x.values[cell]
                    error += x.bounds[cell]
                }
                let divisorError = ring ? encodingError(1 / n) : 0
                values.append(sum / n)
                bounds.append(exact ? error / n + ulp
                              : quotientBound(sum, error, count: n, divisorError: divisorError, truncates: truncates))
            }
            return ReferenceTensor(shape: shape, values: values, bounds: bounds)

        case .maxpool2d(let input, let size, let stride, let padding):
            let x = operand(input, at: type.placement)
            let (windows, _) = ReferenceKernels.poolWindows(x.shape, size: size, stride: stride, padding: padding)
            return ReferenceTensor(
                shape: shape, values: windows.map { $0.map { x.values[$0] }.max() ?? 0 },
                bounds: windows.map { $0.map { x.bounds[$0] }.max() ?? 0 })

        case .maxpool2dGrad(let input, let gradient, let size, let stride, let padding):
            return maxPoolGradient(operand(input, at: self.type(input).placement), operand(gradient, at: type.placement),
                                   size: size, stride: stride, padding: padding, shape: shape)

        case .where(let condition, let lhs, let rhs):
            let c = operand(condition, at: type.placement)
            let a = operand(lhs, at: type.placement), b = operand(rhs, at: type.placement)
            let ic = ReferenceKernels.broadcastIndices(from: c.shape, to: shape)
            let ia = ReferenceKernels.broadcastIndices(from: a.shape, to: shape)
            let ib = ReferenceKernels.broadcastIndices(from: b.shape, to: shape)
            var values: [Double] = [], bounds: [Double] = []
            for k in ic.indices {
                let (x, y) = (a.values[ia[k]], b.values[ib[k]])
                let (ex, ey) = (a.bounds[ia[k]], b.bounds[ib[k]])
                let picksA = c.values[ic[k]] != 0
                values.append(picksA ? x : y)
                // An uncertain condition may pick either side.
                let uncertain: Bool = c.bounds[ic[k]] > 0
                let bound: Double = uncertain ? Swift.abs(x - y) + Swift.max(ex, ey) : (picksA ? ex : ey)
                bounds.append(bound)
            }
            return ReferenceTensor(shape: shape, values: values, bounds: bounds)

        case .output, .store, .print:
            fatalError("effects have no type")
        }
    }

    mutating func perform(_ kind: TFEFrontend.Operation.Kind) throws(Failure) {
        switch kind {
        case .output(let player, let name, let value):
            var tensor = operand(value, at: .public)
            tensor.shape = type(value).shape.dimensions
            outputs[OutputKey(player: player, name: name)] = tensor
        case .store(let name, let value):
            stored[name] = operand(value, at: .private)
        default:
            break  // print
        }
    }

    // MARK: - Arithmetic

    /// The bound of `s / n` computed as a product of the sum s (bound e) with 1/n rounded to fixed point
    /// (error `divisorError`), truncated when s is fixed: `mean`, `avgpool2d`.
    func quotientBound(_ s: Double, _ e: Double, count n: Double, divisorError: Double, truncates: Bool) -> Double {
        let propagated: Double = Swift.abs(s) * divisorError + e / n + e * divisorError
        return propagated + (truncates ? ulp : 0)
    }

    /// Bounds of a bilinear product B(a, b) (element-wise, matmul, conv2d) of approximate operands:
    /// B(|a|, eb) + B(ea, |b|) + B(ea, eb), plus one ulp when the result is truncated.
    func bilinearBounds(
        _ product: ([Double], [Double]) -> [Double], _ a: ReferenceTensor, _ b: ReferenceTensor, truncates: Bool
    ) -> [Double] {
        var result = product(a.values.map { _ in 0 }, b.values.map { _ in 0 })
        if b.bounds.contains(where: { $0 != 0 }) {
            for (k, term) in product(a.values.map(abs), b.bounds).enumerated() { result[k] += term }
        }
        if a.bounds.contains(where: { $0 != 0 }) {
            for (k, term) in product(a.bounds, b.values.map(abs)).enumerated() { result[k] += term }
            if b.bounds.contains(where: { $0 != 0 }) {
                for (k, term) in product(a.bounds, b.bounds).enumerated() { result[k] += term }
            }
        }
        return truncates ? result.map { $0 + ulp } : result
    }

    func binary(_ op: BinaryOperator, _ lhs: ValueID, _ rhs: ValueID, _ type: ValueType) -> ReferenceTensor {
        let ring = Self.isRing(type.placement)
        let a = operand(lhs, at: type.placement), b = operand(rhs, at: type.placement)
        let fixedFactors = self.type(lhs).element == .fixed && self.type(rhs).element == .fixed
        func elementwise(_ f: (Double, Double) -> Double) -> [Double] {
            ReferenceKernels.binary(a.values, a.shape, b.values, b.shape, f).values
        }
        func broadcastProduct(_ x: [Double], _ y: [Double]) -> [Double] {
            ReferenceKernels.binary(x, a.shape, y, b.shape, *).values
        }
        func boundsSum() -> [Double] { ReferenceKernels.binary(a.bounds, a.shape, b.bounds, b.shape, +).values }
        switch op {
        case .add:
            return ReferenceTensor(shape: type.shape.dimensions, values: elementwise(+), bounds: boundsSum())
        case .subtract:
            return ReferenceTensor(shape: type.shape.dimensions, values: elementwise(-), bounds: boundsSum())
        case .multiply:
            return ReferenceTensor(
                shape: type.shape.dimensions, values: elementwise(*),
                bounds: bilinearBounds(broadcastProduct, a, b, truncates: ring && fixedFactors))
        case .matmul:
            let product = { (x: [Double], y: [Double]) in ReferenceKernels.matmul(x, a.shape, y, b.shape).values }
            return ReferenceTensor(
                shape: type.shape.dimensions, values: product(a.values, b.values),
                bounds: bilinearBounds(product, a, b, truncates: ring && fixedFactors))
        case .divide where self.type(rhs).placement == .private:
            return privateQuotient(a, b, shape: type.shape.dimensions)
        case .divide:
            if ring, case .constant(let c) = program[rhs].kind,
                let plan = ConstantDivision.dividing(by: c, fractionalBits: program.fractionalBits)
            {
                let factor = Double(plan.multipliers[0]) / Double(plan.divisor)
                let quotients = elementwise(/)
                return ReferenceTensor(
                    shape: type.shape.dimensions, values: quotients,
                    bounds: zip(quotients, a.bounds).map { q, e in
                        e * abs(factor) + abs(q) * plan.relativeError(dividing: c) + ulp
                    })
            }
            // Otherwise lowering multiplies by the reciprocal: a constant's rounded in the ring, a public value's
            // computed in float64 and rounded, a local value's exact.
            var divisor = ReferenceTensor(shape: b.shape, values: b.values.map { 1 / $0 }, bounds: [])
            if case .constant = program[rhs].kind {
                divisor.bounds = divisor.values.map { ring ? encodingError($0) : 0 }
            } else {
                let slack = Self.isRing(self.type(rhs).placement) ? ulp / 2 : 0
                divisor.bounds = zip(b.values, b.bounds).map { v, e in
                    abs(v) > e ? e / (abs(v) * (abs(v) - e)) + slack : .infinity
                }
            }
            let truncates = ring && self.type(lhs).element == .fixed
            return ReferenceTensor(
                shape: type.shape.dimensions, values: elementwise(/),
                bounds: bilinearBounds(
                    { x, y in ReferenceKernels.binary(x, a.shape, y, b.shape, *).values }, a, divisor,
                    truncates: truncates))
        case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual:
            let test: (Double, Double) -> Bool
            switch op {
            case .less: test = { $0 < $1 }
            case .lessEqual: test = { $0 <= $1 }
            case .greater: test = { $0 > $1 }
            case .greaterEqual: test = { $0 >= $1 }
            case .equal: test = { $0 == $1 }
            default: test = { $0 != $1 }
            }
            // Within the operands' bounds of a tie, the machine's comparison may go either way.
            let gaps = elementwise { abs($0 - $1) }
            let slack = boundsSum()
            return ReferenceTensor(
                shape: type.shape.dimensions, values: elementwise { test($0, $1) ? 1 : 0 },
                bounds: zip(gaps, slack).map { gap, e in e > 0 && gap <= e ? 1 : 0 })
        }
    }

    // MARK: - Functions

    func elementwise(_ function: ElementwiseFunction, _ source: ValueID, _ type: ValueType) -> ReferenceTensor {
        let x = operand(source, at: type.placement)
        let shape = type.shape.dimensions
        let sourcePlacement = self.type(source).placement
        let isPrivate = sourcePlacement == .private
        let slack = encodingSlack(type)
        func smooth(_ f: @escaping (Double) -> Double, evaluationError: ((Double) -> Double)? = nil)
            -> ReferenceTensor
        {
            ReferenceTensor(
                shape: shape, values: x.values.map(f),
                bounds: zip(x.values, x.bounds).map { v, e in
                    slopeBound(f, at: v, within: e) * e + (evaluationError?(v) ?? 0) + slack
                })
        }
        switch function {
        case .square:
            let product = { (a: [Double], b: [Double]) in zip(a, b).map(*) }
            let truncates = Self.isRing(type.placement) && self.type(source).element == .fixed
            return ReferenceTensor(shape: shape, values: x.values.map { $0 * $0 },
                                   bounds: bilinearBounds(product, x, x, truncates: truncates))
        case .sigmoid:
            if isPrivate && !exactSigmoid {
                return smooth(Approximations.sigmoid, evaluationError: privateSigmoidError)
            }
            return smooth { 1 / (1 + Foundation.exp(-$0)) }
        case .reluApprox:
            if isPrivate { return smooth(Approximations.reluApprox, evaluationError: privateReluApproxError) }
            return smooth(Approximations.reluApprox)
        case .relu:
            return ReferenceTensor(
                shape: shape, values: x.values.map { max($0, 0) }, bounds: x.bounds.map { $0 + slack })
        case .reluDeriv:
            return reluDerivative(x, shape: shape)
        case .exp:
            return ReferenceTensor(
                shape: shape, values: x.values.map { Foundation.exp($0) },
                bounds: zip(x.values, x.bounds).map { Foundation.exp($0) * Foundation.expm1($1) + slack })
        case .log:
            return ReferenceTensor(
                shape: shape, values: x.values.map { Foundation.log($0) },
                bounds: zip(x.values, x.bounds).map { v, e in v > e ? -Foundation.log1p(-e / v) + slack : .infinity })
        case .reciprocal:  // an instruction's function only: no checked program holds it
            return smooth { 1 / $0 }
        }
    }

    /// 1.25 times the largest |f'| sampled at v - e, v and v + e (central differences): how much an input
    /// error of e can move f(v).
    func slopeBound(_ f: (Double) -> Double, at v: Double, within e: Double) -> Double {
        guard e > 0 else { return 0 }
        let h = 1e-6 * max(1, abs(v))
        let slopes = [v - e, v, v + e].map { abs(f($0 + h) - f($0 - h)) / (2 * h) }
        return 1.25 * (slopes.max() ?? 0)
    }

    // MARK: - Evaluation error of the private polynomials

    /// A fixed-point intermediate: its float64 value and a bound on its error.
    struct Tracked {
        var value: Double
        var error: Double
    }

    /// A truncated product of two private values.
    func multiply(_ a: Tracked, _ b: Tracked) -> Tracked {
        Tracked(value: a.value * b.value,
                error: abs(a.value) * b.error + a.error * abs(b.value) + a.error * b.error + ulp)
    }

    /// A truncated product with a public constant, rounded to fixed point.
    func multiply(_ a: Tracked, byConstant c: Double) -> Tracked {
        multiply(a, Tracked(value: c, error: encodingError(c)))
    }

    func add(_ a: Tracked, constant c: Double) -> Tracked {
        Tracked(value: a.value + c, error: a.error + encodingError(c))
    }

    /// The rounding error of `Lowerer.sigmoid` at an exact input: u = x / 8, t = u², p = c5 t + c4, Horner
    /// steps p t + c_k, then u p + 1/2.
    func privateSigmoidError(_ x: Double) -> Double {
        let c = Approximations.sigmoidCoefficients
        let u = multiply(Tracked(value: x, error: 0), byConstant: 0.125)
        let t = multiply(u, u)
        var p = add(multiply(t, byConstant: c[c.count - 1]), constant: c[c.count - 2])
        for k in stride(from: c.count - 3, through: 0, by: -1) { p = add(multiply(p, t), constant: c[k]) }
        return add(multiply(u, p), constant: 0.5).error
    }

    /// The rounding error of `Lowerer.reluApprox` at an exact input: u = x / 8, t = u²,
    /// q = (a2/2 t + a1/2) t + a0/2, then x/2 + q.
    func privateReluApproxError(_ x: Double) -> Double {
        let a = Approximations.reluCoefficients
        let u = multiply(Tracked(value: x, error: 0), byConstant: 0.125)
        let t = multiply(u, u)
        let q = add(multiply(add(multiply(t, byConstant: a[2] / 2), constant: a[1] / 2), t), constant: a[0] / 2)
        let half = multiply(Tracked(value: x, error: 0), byConstant: 0.5)
        return half.error + q.error
    }
}
