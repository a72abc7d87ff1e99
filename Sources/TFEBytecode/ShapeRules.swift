import TFECore

/// The result shapes of the shape-changing opcodes, shared by the verifier and whoever emits instructions.
/// Each returns the shape, or a message saying what does not fit. Dimensions are assumed to lie in
/// `0...Shape.maxElementCount` (the verifier checks the register tables first), so nothing here overflows.
public enum ShapeRules {
    /// NumPy broadcasting of any number of shapes.
    public static func broadcast(_ shapes: [Shape]) -> Result<Shape, ShapeMismatch> {
        guard var result = shapes.first else { return .success(.scalar) }
        for shape in shapes.dropFirst() {
            guard let next = Shape.broadcast(result, shape) else {
                return .failure(ShapeMismatch("cannot broadcast \(result) and \(shape)"))
            }
            result = next
        }
        return .success(result)
    }

    /// `matmul`: both operands have rank 2 or more; the last axis of `a` meets the second-to-last of `b`;
    /// batch axes (all but the last two) broadcast.
    public static func matmul(_ a: Shape, _ b: Shape) -> Result<Shape, ShapeMismatch> {
        guard a.rank >= 2, b.rank >= 2 else {
            return .failure(ShapeMismatch("matmul needs operands of rank 2 or more, not \(a) and \(b)"))
        }
        let (m, k) = (a.dimensions[a.rank - 2], a.dimensions[a.rank - 1])
        let (k2, n) = (b.dimensions[b.rank - 2], b.dimensions[b.rank - 1])
        guard k == k2 else {
            return .failure(ShapeMismatch("cannot multiply \(a) by \(b): inner dimensions \(k) and \(k2) differ"))
        }
        let batchA = Shape(Array(a.dimensions.dropLast(2)))
        let batchB = Shape(Array(b.dimensions.dropLast(2)))
        guard let batch = Shape.broadcast(batchA, batchB) else {
            return .failure(ShapeMismatch("cannot broadcast the batch axes of \(a) and \(b)"))
        }
        return .success(Shape(batch.dimensions + [m, n]))
    }

    /// The output length of one spatial axis under TensorFlow's padding rules: SAME gives
    /// `ceil(input / stride)`, VALID gives `ceil((input - window + 1) / stride)` and needs `input >= window`.
    public static func windowOutput(input: Int, window: Int, stride: Int, padding: Padding) -> Int? {
        switch padding {
        case .same:
            return input / stride + (input % stride == 0 ? 0 : 1)
        case .valid:
            guard input >= window else { return nil }
            return (input - window) / stride + 1
        }
    }

    /// `conv2d`: NHWC input `[n, h, w, c]`, HWIO kernel `[kh, kw, c, o]`, output `[n, oh, ow, o]`.
    public static func conv2d(
        _ input: Shape, _ kernel: Shape, stride: Int, padding: Padding
    )
        -> Result<Shape, ShapeMismatch>
    {
        guard input.rank == 4, kernel.rank == 4 else {
            return .failure(
                ShapeMismatch("conv2d needs an NHWC input and an HWIO kernel of rank 4, not \(input) and \(kernel)"))
        }
        if let problem = strideProblem(stride) { return .failure(problem) }
        let x = input.dimensions
        let k = kernel.dimensions
        guard x[3] == k[2] else {
            return .failure(
                ShapeMismatch("conv2d input \(input) has \(x[3]) channels but kernel \(kernel) expects \(k[2])"))
        }
        guard let height = windowOutput(input: x[1], window: k[0], stride: stride, padding: padding),
            let width = windowOutput(input: x[2], window: k[1], stride: stride, padding: padding)
        else {
            return .failure(ShapeMismatch("conv2d kernel \(kernel) does not fit input \(input) with VALID padding"))
        }
        return .success(Shape([x[0], height, width, k[3]]))
    }

    /// `poolsum`: square `size` windows over an NHWC tensor, output `[n, oh, ow, c]`.
    public static func poolsum(
        _ input: Shape, size: Int, stride: Int, padding: Padding
    ) -> Result<Shape, ShapeMismatch> {
        guard input.rank == 4 else {
            return .failure(ShapeMismatch("poolsum needs an NHWC input of rank 4, not \(input)"))
        }
        guard size >= 1, size <= Shape.maxElementCount else {
            return .failure(ShapeMismatch("window size \(size) must be positive", isOperand: true))
        }
        if let problem = strideProblem(stride) { return .failure(problem) }
        let x = input.dimensions
        guard let height = windowOutput(input: x[1], window: size, stride: stride, padding: padding),
            let width = windowOutput(input: x[2], window: size, stride: stride, padding: padding)
        else {
            return .failure(ShapeMismatch("a \(size)x\(size) window does not fit input \(input) with VALID padding"))
        }
        return .success(Shape([x[0], height, width, x[3]]))
    }

    /// `unpool`: `src` is `[size², n, oh, ow, c]` and `dst` `[n, h, w, c]`, where a pool of `dst` with these
    /// windows has the output `[n, oh, ow, c]`. Nil when they fit.
    public static func unpool(
        _ src: Shape, into dst: Shape, size: Int, stride: Int, padding: Padding
    ) -> ShapeMismatch? {
        guard dst.rank == 4 else { return ShapeMismatch("unpool needs an NHWC destination of rank 4, not \(dst)") }
        switch poolsum(dst, size: size, stride: stride, padding: padding) {
        case .failure(let problem): return problem
        case .success(let pooled):
            guard size <= 1 << 20, src.dimensions == [size * size] + pooled.dimensions else {
                return ShapeMismatch("unpool of \(src) into \(dst) needs a source of shape "
                                     + "\(Shape([size * size] + pooled.dimensions))")
            }
            return nil
        }
    }

    /// `sum` and `argmax`: the shape without `axis`, or a scalar for nil (all axes).
    public static func reduced(_ shape: Shape, axis: Int?) -> Result<Shape, ShapeMismatch> {
        guard let axis else { return .success(.scalar) }
        guard axis >= 0, axis < shape.rank else {
            return .failure(ShapeMismatch("axis \(axis) out of range for shape \(shape)", isOperand: true))
        }
        var dimensions = shape.dimensions
        dimensions.remove(at: axis)
        return .success(Shape(dimensions))
    }

    /// `concat`: every shape has the same rank and agrees on every axis but `axis`, whose lengths add up.
    public static func concatenated(_ shapes: [Shape], axis: Int) -> Result<Shape, ShapeMismatch> {
        guard let first = shapes.first else {
            return .failure(ShapeMismatch("concat needs at least one source", isOperand: true))
        }
        guard axis >= 0, axis < first.rank else {
            return .failure(ShapeMismatch("axis \(axis) out of range for shape \(first)", isOperand: true))
        }
        var dimensions = first.dimensions
        dimensions[axis] = 0
        for shape in shapes {
            var other = shape.dimensions
            guard other.count == dimensions.count else {
                return .failure(ShapeMismatch("cannot concatenate \(first) and \(shape): ranks differ"))
            }
            let length = other[axis]
            other[axis] = dimensions[axis]
            guard other == dimensions else {
                return .failure(ShapeMismatch("cannot concatenate \(first) and \(shape) along axis \(axis)"))
            }
            dimensions[axis] += length
        }
        return .success(Shape(dimensions))
    }

    /// `slice`: `dst[i] = src[begin + i * step]` stays inside `src` for every index of `dst` (of `src`'s rank).
    /// Nil when it does.
    public static func slice(_ src: Shape, into dst: Shape, begin: [Int], step: [Int]) -> ShapeMismatch? {
        guard begin.count == src.rank, step.count == src.rank, dst.rank == src.rank else {
            return ShapeMismatch("a slice of \(src) into \(dst) needs a begin and a step per axis", isOperand: true)
        }
        for axis in 0..<src.rank where dst.dimensions[axis] > 0 {
            let (first, stride, count) = (begin[axis], step[axis], dst.dimensions[axis])
            let limit = Shape.maxElementCount
            guard stride != 0, stride >= -limit, stride <= limit, first >= 0, first < src.dimensions[axis] else {
                return ShapeMismatch("slice \(begin) step \(step) does not fit \(src)", isOperand: true)
            }
            let (distance, overflow) = (count - 1).multipliedReportingOverflow(by: stride)
            let last = overflow ? -1 : first + distance
            guard last >= 0, last < src.dimensions[axis] else {
                return ShapeMismatch("a slice of \(dst) from \(begin) step \(step) leaves \(src)")
            }
        }
        return nil
    }

    /// `pad`: `src` at offset `before` fits inside `dst`, of the same rank. Nil when it does.
    public static func pad(_ src: Shape, into dst: Shape, before: [Int]) -> ShapeMismatch? {
        guard before.count == src.rank, dst.rank == src.rank else {
            return ShapeMismatch("padding \(src) into \(dst) needs an offset per axis", isOperand: true)
        }
        for axis in 0..<src.rank {
            guard before[axis] >= 0, before[axis] <= Shape.maxElementCount else {
                return ShapeMismatch("padding offsets \(before) must not be negative", isOperand: true)
            }
            guard before[axis] + src.dimensions[axis] <= dst.dimensions[axis] else {
                return ShapeMismatch("\(src) at offset \(before) does not fit \(dst)")
            }
        }
        return nil
    }

    /// `transpose`: `result[i] = shape[permutation[i]]`; the permutation lists every axis once.
    public static func transposed(_ shape: Shape, _ permutation: [Int]) -> Result<Shape, ShapeMismatch> {
        var seen = [Bool](repeating: false, count: shape.rank)
        guard permutation.count == shape.rank else {
            return .failure(
                ShapeMismatch("permutation \(permutation) does not fit rank \(shape.rank)", isOperand: true))
        }
        for axis in permutation {
            guard axis >= 0, axis < shape.rank, !seen[axis] else {
                return .failure(
                    ShapeMismatch("\(permutation) is not a permutation of the axes of \(shape)", isOperand: true))
            }
            seen[axis] = true
        }
        return .success(Shape(permutation.map { shape.dimensions[$0] }))
    }

    private static func strideProblem(_ stride: Int) -> ShapeMismatch? {
        stride >= 1 && stride <= Shape.maxElementCount
            ? nil : ShapeMismatch("stride \(stride) must be positive", isOperand: true)
    }
}

/// Why shapes do not fit an operation.
public struct ShapeMismatch: Error, Hashable, Sendable {
    public var message: String
    /// Whether an integer operand (axis, stride, window size, permutation) is at fault rather than a shape.
    public var isOperand: Bool

    public init(_ message: String, isOperand: Bool = false) {
        self.message = message
        self.isOperand = isOperand
    }
}
