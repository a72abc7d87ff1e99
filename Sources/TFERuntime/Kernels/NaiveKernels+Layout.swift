import TFEBytecode
import TFECore

// Layout operations (`concat`, `slice`, `pad`): they move elements and add zeros, so they work alike on shares,
// public ring values and float64.

extension NaiveKernels {
    /// Sources joined along `axis`; every other axis agrees.
    static func concat<T>(_ sources: [([T], [Int])], axis: Int) throws(ShapeError) -> (values: [T], shape: [Int]) {
        switch ShapeRules.concatenated(sources.map { Shape($0.1) }, axis: axis) {
        case .failure(let problem): throw ShapeError(reason: problem.message)
        case .success(let shape):
            let outer = shape.dimensions[..<axis].reduce(1, *)
            var result: [T] = []
            result.reserveCapacity(shape.elementCount ?? 0)
            let blocks = sources.map { source in source.1[axis...].reduce(1, *) }
            for block in 0..<outer {
                for (source, length) in zip(sources, blocks) {
                    result.append(contentsOf: source.0[block * length..<(block + 1) * length])
                }
            }
            return (result, shape.dimensions)
        }
    }

    /// `result[i] = x[begin + i * step]` for every index i of `output` (of `shape`'s rank).
    static func slice<T>(
        _ x: [T], _ shape: [Int], output: [Int], begin: [Int], step: [Int]
    ) throws(ShapeError) -> (values: [T], shape: [Int]) {
        if let problem = ShapeRules.slice(Shape(shape), into: Shape(output), begin: begin, step: step) {
            throw ShapeError(reason: problem.message)
        }
        let strides = rowMajorStrides(shape)
        let count = output.reduce(1, *)
        var result: [T] = []
        result.reserveCapacity(count)
        guard count > 0 else { return (result, output) }
        let start = zip(begin, strides).reduce(0) { $0 + $1.0 * $1.1 }
        walk(output, from: start, strides: zip(step, strides).map { $0 * $1 }) { result.append(x[$0]) }
        return (result, output)
    }

    /// `x` at offset `before` in zeros of shape `output`.
    static func pad<T: NaiveKernelScalar>(
        _ x: [T], _ shape: [Int], output: [Int], before: [Int]
    ) throws(ShapeError) -> (values: [T], shape: [Int]) {
        if let problem = ShapeRules.pad(Shape(shape), into: Shape(output), before: before) {
            throw ShapeError(reason: problem.message)
        }
        var result = [T](repeating: .zero, count: output.reduce(1, *))
        guard !x.isEmpty else { return (result, output) }
        let strides = rowMajorStrides(output)
        let start = zip(before, strides).reduce(0) { $0 + $1.0 * $1.1 }
        var next = 0
        walk(shape, from: start, strides: strides) { offset in
            result[offset] = x[next]
            next += 1
        }
        return (result, output)
    }

    /// Strides of a row-major tensor, in elements.
    static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        return strides
    }

    /// Calls `body` with `start + Σ i[a] * strides[a]` for every index i of `shape`, in row-major order.
    private static func walk(_ shape: [Int], from start: Int, strides: [Int], _ body: (Int) -> Void) {
        let count = shape.reduce(1, *)
        guard count > 0 else { return }
        var position = [Int](repeating: 0, count: shape.count)
        var flat = start
        for _ in 0..<count {
            body(flat)
            var axis = shape.count - 1
            while axis >= 0 {
                position[axis] += 1
                flat += strides[axis]
                if position[axis] < shape[axis] { break }
                flat -= strides[axis] * position[axis]
                position[axis] = 0
                axis -= 1
            }
        }
    }
}
