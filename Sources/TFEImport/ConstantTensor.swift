/// A tensor the importer knows at import time: an initializer, a `Constant` node, or shape arithmetic folded
/// from them. Shapes may hold the batch marker (`ONNXImporter.batchMarker`), so `Shape` of a batched value
/// folds like any other constant.
struct ConstantTensor {
    var shape: [Int]
    var values: [Double]
    /// Whether the elements are integers (shapes, indices, axes), which ONNX keeps as int64.
    var isInteger: Bool

    init(shape: [Int], values: [Double], isInteger: Bool = false) {
        self.shape = shape
        self.values = values
        self.isInteger = isInteger
    }

    init(_ tensor: ONNXTensor) {
        switch tensor.data {
        case .floats(let values): self.init(shape: tensor.dims, values: values)
        case .integers(let values): self.init(shape: tensor.dims, values: values.map(Double.init), isInteger: true)
        }
    }

    var count: Int { values.count }
    var isScalar: Bool { values.count == 1 }
    /// The elements as integers (for shapes and axes).
    var integers: [Int] { values.map { Int(exactly: $0.rounded()) ?? 0 } }
    /// The elements as integers, saturated (Slice's ends are often INT64_MAX, which a Double rounds up).
    var saturatedIntegers: [Int] {
        values.map { $0.isNaN ? 0 : $0 >= 0x1p63 ? Int.max : $0 <= -0x1p63 ? Int.min : Int($0.rounded()) }
    }

    /// The product of `sizes`, or nil when it overflows an Int.
    static func product(_ sizes: [Int]) -> Int? {
        var result = 1
        for size in sizes {
            let (next, overflow) = result.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            result = next
        }
        return result
    }

    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.reversed().dropFirst() { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }

    /// Moves a multi-index to the next element of `shape` in row-major order.
    private static func advance(_ index: inout [Int], in shape: [Int]) {
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { return }
            index[axis] = 0
            axis -= 1
        }
    }

    /// The tensor with its axes permuted as NumPy's `transpose(perm)`.
    func transposed(_ permutation: [Int]) -> ConstantTensor {
        let newShape = permutation.map { shape[$0] }
        let oldStrides = Self.strides(shape)
        var result = [Double](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: newShape.count)
        for position in result.indices {
            var source = 0
            for axis in index.indices { source += index[axis] * oldStrides[permutation[axis]] }
            result[position] = values[source]
            Self.advance(&index, in: newShape)
        }
        return ConstantTensor(shape: newShape, values: result, isInteger: isInteger)
    }

    /// The same elements under another shape.
    func reshaped(_ newShape: [Int]) -> ConstantTensor {
        ConstantTensor(shape: newShape, values: values, isInteger: isInteger)
    }

    /// `self[..., indices, ...]` along `axis`, as ONNX `Gather` (negative indices count from the end).
    func gathered(_ indices: ConstantTensor, axis: Int) -> ConstantTensor? {
        guard shape.indices.contains(axis) else { return nil }
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), size = shape[axis]
        var result: [Double] = []
        for block in 0..<outer {
            for raw in indices.integers {
                let index = raw < 0 ? raw + size : raw
                guard (0..<size).contains(index) else { return nil }
                let start = (block * size + index) * inner
                result += values[start..<start + inner]
            }
        }
        return ConstantTensor(shape: Array(shape[..<axis]) + indices.shape + Array(shape[(axis + 1)...]),
                              values: result, isInteger: isInteger)
    }

    /// Tensors joined along `axis`, as ONNX `Concat`.
    static func concatenated(_ parts: [ConstantTensor], axis: Int) -> ConstantTensor? {
        guard let first = parts.first, first.shape.indices.contains(axis) else { return nil }
        for part in parts where part.shape.count != first.shape.count
            || part.shape.indices.contains(where: { $0 != axis && part.shape[$0] != first.shape[$0] }) {
            return nil
        }
        let outer = first.shape[..<axis].reduce(1, *), inner = first.shape[(axis + 1)...].reduce(1, *)
        var result: [Double] = []
        for block in 0..<outer {
            for part in parts {
                let run = part.shape[axis] * inner
                result += part.values[block * run..<(block + 1) * run]
            }
        }
        var shape = first.shape
        shape[axis] = parts.map { $0.shape[axis] }.reduce(0, +)
        return ConstantTensor(shape: shape, values: result, isInteger: parts.allSatisfy(\.isInteger))
    }

    /// NumPy's broadcast of two shapes, or nil when they do not broadcast.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let left = [Int](repeating: 1, count: rank - a.count) + a
        let right = [Int](repeating: 1, count: rank - b.count) + b
        var shape: [Int] = []
        for (x, y) in zip(left, right) {
            guard x == y || x == 1 || y == 1 else { return nil }
            shape.append(x == 1 ? y : x)
        }
        return shape
    }

    /// `combine` applied element-wise with NumPy broadcasting.
    static func broadcast(_ a: ConstantTensor, _ b: ConstantTensor, _ combine: (Double, Double) -> Double)
        -> ConstantTensor?
    {
        guard let shape = broadcastShape(a.shape, b.shape) else { return nil }
        let expandedA = a.expanded(to: shape), expandedB = b.expanded(to: shape)
        return ConstantTensor(shape: shape, values: zip(expandedA, expandedB).map(combine),
                              isInteger: a.isInteger && b.isInteger)
    }

    /// The elements repeated to fill `target`, a shape this tensor broadcasts to.
    func expanded(to target: [Int]) -> [Double] {
        let padded = [Int](repeating: 1, count: target.count - shape.count) + shape
        let sourceStrides = Self.strides(padded)
        let count = target.reduce(1, *)
        var result = [Double](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: target.count)
        for position in 0..<count {
            var source = 0
            for axis in index.indices where padded[axis] != 1 { source += index[axis] * sourceStrides[axis] }
            result[position] = values[source]
            Self.advance(&index, in: target)
        }
        return result
    }

    /// Inference-mode batch normalization as `y = x·scale + shift` per channel, from its parameters (gamma,
    /// beta, mean, variance, each one value per channel); nil when their sizes differ.
    static func batchNormalizationAffine(_ parameters: [[Double]], epsilon: Double)
        -> (scale: [Double], shift: [Double])?
    {
        guard parameters.count == 4, parameters.allSatisfy({ $0.count == parameters[0].count }) else { return nil }
        let (gamma, beta, mean, variance) = (parameters[0], parameters[1], parameters[2], parameters[3])
        let scale = gamma.indices.map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        let shift = gamma.indices.map { beta[$0] - mean[$0] * scale[$0] }
        return (scale, shift)
    }
}
