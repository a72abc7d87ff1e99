// The one place the machine picks its ring kernels.

import TFECore

/// The ring kernels the machine calls: flat `[UInt64]` and a shape in, `[UInt64]` and a shape out, shape
/// problems as `NaiveKernels.ShapeError`. The common shapes go to the blocked, threaded `RingKernels`;
/// anything else (general broadcasting, batched products with broadcast batch axes, transposes of higher
/// rank) falls back to the straightforward `NaiveKernels`, which define the semantics.
enum MachineKernels {
    static func add(
        _ a: [UInt64], _ aShape: [Int], _ b: [UInt64], _ bShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        if aShape == bShape { return (RingKernels.add(a, b), aShape) }
        if b.count == 1, bShape.count <= aShape.count { return (RingKernels.add(a, constant: b[0]), aShape) }
        if a.count == 1, aShape.count <= bShape.count { return (RingKernels.add(b, constant: a[0]), bShape) }
        if isTrailingRow(bShape, of: aShape) { return (RingKernels.addBroadcastingLastAxis(a, b), aShape) }
        if isTrailingRow(aShape, of: bShape) { return (RingKernels.addBroadcastingLastAxis(b, a), bShape) }
        return try NaiveKernels.binary(a, aShape, b, bShape, &+)
    }

    static func subtract(
        _ a: [UInt64], _ aShape: [Int], _ b: [UInt64], _ bShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        if aShape == bShape { return (RingKernels.subtract(a, b), aShape) }
        if b.count == 1, bShape.count <= aShape.count { return (RingKernels.add(a, constant: 0 &- b[0]), aShape) }
        if a.count == 1, aShape.count <= bShape.count { return (RingKernels.subtract(b, fromConstant: a[0]), bShape) }
        return try NaiveKernels.binary(a, aShape, b, bShape, &-)
    }

    static func multiply(
        _ a: [UInt64], _ aShape: [Int], _ b: [UInt64], _ bShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        if aShape == bShape { return (RingKernels.multiply(a, b), aShape) }
        if b.count == 1, bShape.count <= aShape.count { return (RingKernels.multiply(a, byConstant: b[0]), aShape) }
        if a.count == 1, aShape.count <= bShape.count { return (RingKernels.multiply(b, byConstant: a[0]), bShape) }
        return try NaiveKernels.binary(a, aShape, b, bShape, &*)
    }

    static func negate(_ a: [UInt64]) -> [UInt64] {
        RingKernels.negate(a)
    }

    /// Rank-2 products, and a batch of matrices against one matrix, run as one blocked product.
    static func matmul(
        _ a: [UInt64], _ aShape: [Int], _ b: [UInt64], _ bShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        if aShape.count >= 2, bShape.count == 2, aShape[aShape.count - 1] == bShape[0] {
            let k = bShape[0], n = bShape[1]
            let rows = aShape.dropLast().reduce(1, *)
            let values = RingKernels.matmul(a, b, m: rows, k: k, n: n)
            return (values, Array(aShape.dropLast()) + [n])
        }
        return try NaiveKernels.matmul(a, aShape, b, bShape)
    }

    static func conv2d(
        _ x: [UInt64], _ xShape: [Int], _ k: [UInt64], _ kShape: [Int], stride: Int, padding: Padding
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        if xShape.count == 4, kShape.count == 4, xShape[3] == kShape[2],
            let geometry = WindowGeometry(
                batch: xShape[0], height: xShape[1], width: xShape[2], channels: xShape[3],
                windowHeight: kShape[0], windowWidth: kShape[1], strideHeight: stride, strideWidth: stride,
                padding: padding == .same ? .same : .valid)
        {
            let values = RingKernels.conv2d(x, k, geometry: geometry, outputChannels: kShape[3])
            return (values, [xShape[0], geometry.outputHeight, geometry.outputWidth, kShape[3]])
        }
        return try NaiveKernels.conv2d(x, xShape, k, kShape, stride: stride, padding: padding)
    }

    static func sum(
        _ x: [UInt64], _ shape: [Int], axis: Int?
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        guard let axis else { return ([RingKernels.sum(x)], []) }
        let normalized = try NaiveKernels.normalize(axis: axis, rank: shape.count)
        var reduced = shape
        reduced.remove(at: normalized)
        return (RingKernels.sum(x, shape: shape, axis: normalized), reduced)
    }

    static func transpose(
        _ x: [UInt64], _ shape: [Int], permutation: [Int]
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        if shape.count == 2, permutation == [1, 0] {
            return (RingKernels.transpose(x, rows: shape[0], columns: shape[1]), [shape[1], shape[0]])
        }
        return try NaiveKernels.transpose(x, shape, permutation: permutation)
    }

    static func poolsum(
        _ x: [UInt64], _ shape: [Int], size: Int, stride: Int, padding: Padding
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        if shape.count == 4,
            let geometry = WindowGeometry(
                batch: shape[0], height: shape[1], width: shape[2], channels: shape[3], windowHeight: size,
                windowWidth: size, strideHeight: stride, strideWidth: stride, padding: padding == .same ? .same : .valid)
        {
            let values = RingKernels.averagePoolWindowSums(x, geometry: geometry).sums
            return (values, [shape[0], geometry.outputHeight, geometry.outputWidth, shape[3]])
        }
        return try NaiveKernels.poolsum(x, shape, size: size, stride: stride, padding: padding)
    }

    /// Whether `row` broadcasts along the last axis of `shape` only (a bias added to every row).
    private static func isTrailingRow(_ row: [Int], of shape: [Int]) -> Bool {
        guard let last = shape.last, shape.count >= 2 else { return false }
        let trimmed = row.drop { $0 == 1 }
        return trimmed.count == 1 && trimmed.first == last && row.count <= shape.count
    }
}
