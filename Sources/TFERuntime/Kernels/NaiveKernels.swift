// Straightforward tensor kernels over ring elements and float64, with NumPy's and TensorFlow's conventions.

import TFECore

/// Numbers the naive kernels compute with: wrapping ring elements or float64.
protocol NaiveKernelScalar: Sendable {
    static var zero: Self { get }
    static func plus(_ a: Self, _ b: Self) -> Self
    static func times(_ a: Self, _ b: Self) -> Self
}

extension UInt64: NaiveKernelScalar {
    static func plus(_ a: UInt64, _ b: UInt64) -> UInt64 { a &+ b }
    static func times(_ a: UInt64, _ b: UInt64) -> UInt64 { a &* b }
}

extension Double: NaiveKernelScalar {
    static func plus(_ a: Double, _ b: Double) -> Double { a + b }
    static func times(_ a: Double, _ b: Double) -> Double { a * b }
}

/// Reference kernels: flat row-major arrays and shapes in, flat arrays and shapes out. Correct and simple
/// rather than fast; shape problems come back as `ShapeError`, never as a trap.
enum NaiveKernels {
    /// Operand shapes that do not fit the operation.
    struct ShapeError: Error, Hashable {
        let reason: String
    }

    // MARK: - Broadcasting

    /// The NumPy broadcast of two shapes.
    static func broadcastShape(_ a: [Int], _ b: [Int]) throws(ShapeError) -> [Int] {
        guard let shape = Shape.broadcast(Shape(a), Shape(b)) else {
            throw ShapeError(reason: "cannot broadcast \(Shape(a)) with \(Shape(b))")
        }
        return shape.dimensions
    }

    /// For every element of `target` (row-major), the flat index of the element of a `shape` tensor that
    /// broadcasting maps there. `shape` must broadcast to `target`.
    static func broadcastIndices(from shape: [Int], to target: [Int]) -> [Int] {
        let count = target.reduce(1, *)
        let offset = target.count - shape.count
        // Strides of the source, zero along broadcast (size-1 or missing) axes.
        var strides = [Int](repeating: 0, count: target.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis + offset] = shape[axis] == 1 ? 0 : running
            running *= shape[axis]
        }
        var result = [Int](repeating: 0, count: count)
        guard count > 0 else { return result }
        var position = [Int](repeating: 0, count: target.count)
        var flat = 0
        for index in 0..<count {
            result[index] = flat
            var axis = target.count - 1
            while axis >= 0 {
                position[axis] += 1
                flat += strides[axis]
                if position[axis] < target[axis] { break }
                flat -= strides[axis] * position[axis]
                position[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// `op` element-wise with NumPy broadcasting.
    static func binary<T, R>(
        _ a: [T], _ aShape: [Int], _ b: [T], _ bShape: [Int], _ op: (T, T) -> R
    ) throws(ShapeError) -> (values: [R], shape: [Int]) {
        let shape = try broadcastShape(aShape, bShape)
        if aShape == bShape { return (zip(a, b).map(op), shape) }
        if b.count == 1, shape == aShape { return (a.map { op($0, b[0]) }, shape) }
        if a.count == 1, shape == bShape { return (b.map { op(a[0], $0) }, shape) }
        let ai = broadcastIndices(from: aShape, to: shape)
        let bi = broadcastIndices(from: bShape, to: shape)
        return ((0..<ai.count).map { op(a[ai[$0]], b[bi[$0]]) }, shape)
    }

    /// `where(condition, a, b)` with NumPy broadcasting of all three.
    static func select<C, T>(
        _ condition: [C], _ cShape: [Int], _ a: [T], _ aShape: [Int], _ b: [T], _ bShape: [Int],
        isTrue: (C) -> Bool
    ) throws(ShapeError) -> (values: [T], shape: [Int]) {
        let shape = try broadcastShape(try broadcastShape(cShape, aShape), bShape)
        let ci = broadcastIndices(from: cShape, to: shape)
        let ai = broadcastIndices(from: aShape, to: shape)
        let bi = broadcastIndices(from: bShape, to: shape)
        return ((0..<ci.count).map { isTrue(condition[ci[$0]]) ? a[ai[$0]] : b[bi[$0]] }, shape)
    }

    // MARK: - Matrix products

    /// The product over the last two axes, batch axes broadcast (NumPy's `matmul`, rank-1 operands included).
    static func matmul<T: NaiveKernelScalar>(
        _ a: [T], _ aShape: [Int], _ b: [T], _ bShape: [Int]
    ) throws(ShapeError) -> (values: [T], shape: [Int]) {
        guard !aShape.isEmpty, !bShape.isEmpty else {
            throw ShapeError(reason: "cannot multiply scalars as matrices")
        }
        let a2 = aShape.count == 1 ? [1] + aShape : aShape
        let b2 = bShape.count == 1 ? bShape + [1] : bShape
        let (m, k) = (a2[a2.count - 2], a2[a2.count - 1])
        let (k2, n) = (b2[b2.count - 2], b2[b2.count - 1])
        guard k == k2 else {
            throw ShapeError(reason: "cannot multiply \(Shape(aShape)) by \(Shape(bShape)): inner dimensions differ")
        }
        let aBatch = Array(a2.dropLast(2)), bBatch = Array(b2.dropLast(2))
        let batch = try broadcastShape(aBatch, bBatch)
        let ai = broadcastIndices(from: aBatch, to: batch), bi = broadcastIndices(from: bBatch, to: batch)
        var result = [T](repeating: .zero, count: ai.count * m * n)
        for item in 0..<ai.count {
            let aBase = ai[item] * m * k, bBase = bi[item] * k * n, cBase = item * m * n
            for i in 0..<m {
                for p in 0..<k {
                    let x = a[aBase + i * k + p]
                    let row = bBase + p * n
                    for j in 0..<n {
                        result[cBase + i * n + j] = T.plus(result[cBase + i * n + j], T.times(x, b[row + j]))
                    }
                }
            }
        }
        var shape = batch
        if aShape.count > 1 { shape.append(m) }
        if bShape.count > 1 { shape.append(n) }
        return (result, shape)
    }

    // MARK: - Reductions and layout

    /// The sum over one axis (removed from the shape), or over everything (a scalar) when `axis` is nil.
    static func sum<T: NaiveKernelScalar>(
        _ x: [T], _ shape: [Int], axis: Int?
    ) throws(ShapeError) -> (values: [T], shape: [Int]) {
        guard let requested = axis else { return ([x.reduce(.zero, T.plus)], []) }
        let axis = try normalize(axis: requested, rank: shape.count)
        let outer = shape[..<axis].reduce(1, *), size = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        var result = [T](repeating: .zero, count: outer * inner)
        for o in 0..<outer {
            for s in 0..<size {
                let base = (o * size + s) * inner
                for i in 0..<inner { result[o * inner + i] = T.plus(result[o * inner + i], x[base + i]) }
            }
        }
        var outShape = shape
        outShape.remove(at: axis)
        return (result, outShape)
    }

    /// Axes permuted: axis `i` of the result is axis `permutation[i]` of `x`.
    static func transpose<T>(
        _ x: [T], _ shape: [Int], permutation: [Int]
    ) throws(ShapeError) -> (values: [T], shape: [Int]) {
        guard permutation.sorted() == Array(0..<shape.count) else {
            throw ShapeError(reason: "\(permutation) is not a permutation of the axes of \(Shape(shape))")
        }
        let outShape = permutation.map { shape[$0] }
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        // Reading the source with permuted strides is broadcasting-free index arithmetic.
        let permutedStrides = permutation.map { strides[$0] }
        let count = x.count
        var result: [T] = []
        result.reserveCapacity(count)
        guard count > 0 else { return (result, outShape) }
        var position = [Int](repeating: 0, count: outShape.count)
        var flat = 0
        for _ in 0..<count {
            result.append(x[flat])
            var axis = outShape.count - 1
            while axis >= 0 {
                position[axis] += 1
                flat += permutedStrides[axis]
                if position[axis] < outShape[axis] { break }
                flat -= permutedStrides[axis] * position[axis]
                position[axis] = 0
                axis -= 1
            }
        }
        return (result, outShape)
    }

    /// A possibly negative axis as an index into the shape.
    static func normalize(axis: Int, rank: Int) throws(ShapeError) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized >= 0, normalized < rank else {
            throw ShapeError(reason: "axis \(axis) is out of range for rank \(rank)")
        }
        return normalized
    }
}
