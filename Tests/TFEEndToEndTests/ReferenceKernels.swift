// NumPy/TensorFlow semantics in plain float64, written independently of the machine's kernels so the two
// can be compared. Tensors are flat, row-major `[Double]` with a separate shape.

import Foundation
import TFECore

/// Float64 tensor kernels with NumPy broadcasting and TensorFlow's convolution and pooling conventions.
enum ReferenceKernels {
    // MARK: - Layout

    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major strides.
    static func strides(_ shape: [Int]) -> [Int] {
        var result = [Int](repeating: 1, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            result[axis] = stride
            stride *= shape[axis]
        }
        return result
    }

    /// For each element of a tensor of `outShape`, the flat index of the element of a tensor of `shape` that
    /// NumPy broadcasting maps to it (`shape` is right-aligned; axes of size 1 repeat).
    static func broadcastIndices(from shape: [Int], to outShape: [Int]) -> [Int] {
        let offset = outShape.count - shape.count
        precondition(offset >= 0, "cannot broadcast \(shape) to \(outShape)")
        let sourceStrides = strides(shape)
        // The stride of each output axis in the source: 0 where the source repeats.
        let axisStrides = outShape.indices.map { axis -> Int in
            let k = axis - offset
            return k < 0 || shape[k] == 1 ? 0 : sourceStrides[k]
        }
        var result = [Int](repeating: 0, count: count(outShape))
        var index = [Int](repeating: 0, count: outShape.count)
        var source = 0
        for flat in result.indices {
            result[flat] = source
            // Odometer step over the output index.
            var axis = outShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                source += axisStrides[axis]
                if index[axis] < outShape[axis] { break }
                source -= axisStrides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        guard let shape = Shape.broadcast(Shape(a), Shape(b)) else {
            fatalError("shapes \(a) and \(b) do not broadcast")
        }
        return shape.dimensions
    }

    /// `f(a, b)` element-wise with broadcasting.
    static func binary(_ a: [Double], _ sa: [Int], _ b: [Double], _ sb: [Int], _ f: (Double, Double) -> Double)
        -> (values: [Double], shape: [Int])
    {
        let shape = broadcastShape(sa, sb)
        let ia = broadcastIndices(from: sa, to: shape), ib = broadcastIndices(from: sb, to: shape)
        return (ia.indices.map { f(a[ia[$0]], b[ib[$0]]) }, shape)
    }

    // MARK: - Products

    /// `a @ b` over the last two axes, batch axes broadcast (`numpy.matmul` for rank >= 2).
    static func matmul(_ a: [Double], _ sa: [Int], _ b: [Double], _ sb: [Int]) -> (values: [Double], shape: [Int]) {
        let (m, k) = (sa[sa.count - 2], sa[sa.count - 1])
        let (k2, n) = (sb[sb.count - 2], sb[sb.count - 1])
        precondition(k == k2, "matmul inner dimensions \(k) and \(k2) differ")
        let batchA = Array(sa.dropLast(2)), batchB = Array(sb.dropLast(2))
        let batch = broadcastShape(batchA, batchB)
        let ia = broadcastIndices(from: batchA, to: batch), ib = broadcastIndices(from: batchB, to: batch)
        var result = [Double](repeating: 0, count: count(batch) * m * n)
        for (slice, (sliceA, sliceB)) in zip(ia, ib).enumerated() {
            let baseA = sliceA * m * k, baseB = sliceB * k * n, baseC = slice * m * n
            for i in 0..<m {
                for p in 0..<k {
                    let x = a[baseA + i * k + p]
                    if x == 0 { continue }
                    for j in 0..<n { result[baseC + i * n + j] += x * b[baseB + p * n + j] }
                }
            }
        }
        return (result, batch + [m, n])
    }

    /// The output size and the padding before the first window along one spatial axis, as TensorFlow
    /// computes them: SAME gives ceil(input / stride) with `pad_before = total / 2` (the extra cell after),
    /// VALID gives no padding.
    static func windowLayout(input: Int, window: Int, stride: Int, padding: Padding) -> (output: Int, before: Int) {
        switch padding {
        case .valid:
            return (input < window ? 0 : (input - window) / stride + 1, 0)
        case .same:
            let output = (input + stride - 1) / stride
            let total = max(0, (output - 1) * stride + window - input)
            return (output, total / 2)
        }
    }

    /// `conv2d` with an NHWC input and an HWIO kernel.
    static func conv2d(_ x: [Double], _ sx: [Int], _ k: [Double], _ sk: [Int], stride: Int, padding: Padding)
        -> (values: [Double], shape: [Int])
    {
        let (batch, height, width, channels) = (sx[0], sx[1], sx[2], sx[3])
        let (kh, kw, kc, filters) = (sk[0], sk[1], sk[2], sk[3])
        precondition(kc == channels, "conv2d: \(channels) input channels, kernel expects \(kc)")
        let rows = windowLayout(input: height, window: kh, stride: stride, padding: padding)
        let columns = windowLayout(input: width, window: kw, stride: stride, padding: padding)
        var result = [Double](repeating: 0, count: batch * rows.output * columns.output * filters)
        for b in 0..<batch {
            for i in 0..<rows.output {
                for j in 0..<columns.output {
                    let out = ((b * rows.output + i) * columns.output + j) * filters
                    for di in 0..<kh {
                        let y = i * stride - rows.before + di
                        guard y >= 0, y < height else { continue }
                        for dj in 0..<kw {
                            let xcol = j * stride - columns.before + dj
                            guard xcol >= 0, xcol < width else { continue }
                            for c in 0..<channels {
                                let value = x[((b * height + y) * width + xcol) * channels + c]
                                if value == 0 { continue }
                                let kernelBase = ((di * kw + dj) * channels + c) * filters
                                for f in 0..<filters { result[out + f] += value * k[kernelBase + f] }
                            }
                        }
                    }
                }
            }
        }
        return (result, [batch, rows.output, columns.output, filters])
    }

    /// The input cells of every pooling window of an NHWC tensor (only cells inside the input: SAME
    /// padding's cells are left out), by output element, and the output shape.
    static func poolWindows(_ shape: [Int], size: Int, stride: Int, padding: Padding)
        -> (windows: [[Int]], shape: [Int])
    {
        let (batch, height, width, channels) = (shape[0], shape[1], shape[2], shape[3])
        let rows = windowLayout(input: height, window: size, stride: stride, padding: padding)
        let columns = windowLayout(input: width, window: size, stride: stride, padding: padding)
        var windows: [[Int]] = []
        windows.reserveCapacity(batch * rows.output * columns.output * channels)
        for b in 0..<batch {
            for i in 0..<rows.output {
                for j in 0..<columns.output {
                    for c in 0..<channels {
                        var cells: [Int] = []
                        for di in 0..<size {
                            let y = i * stride - rows.before + di
                            guard y >= 0, y < height else { continue }
                            for dj in 0..<size {
                                let x = j * stride - columns.before + dj
                                guard x >= 0, x < width else { continue }
                                cells.append(((b * height + y) * width + x) * channels + c)
                            }
                        }
                        windows.append(cells)
                    }
                }
            }
        }
        return (windows, [batch, rows.output, columns.output, channels])
    }

    // MARK: - Reductions and layout

    /// The tensor seen as [outer, size, inner] around `axis` (or everything as one axis when nil), and the
    /// shape without that axis.
    static func reductionLayout(_ shape: [Int], axis: Int?) -> (outer: Int, size: Int, inner: Int, shape: [Int]) {
        guard let axis else { return (1, count(shape), 1, []) }
        var reduced = shape
        reduced.remove(at: axis)
        return (count(Array(shape[..<axis])), shape[axis], count(Array(shape[(axis + 1)...])), reduced)
    }

    /// `numpy.sum(x, axis)`; also used for error bounds, which add up the same way.
    static func sum(_ x: [Double], _ shape: [Int], axis: Int?) -> (values: [Double], shape: [Int]) {
        let (outer, size, inner, reduced) = reductionLayout(shape, axis: axis)
        var result = [Double](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for s in 0..<size {
                for i in 0..<inner { result[o * inner + i] += x[(o * size + s) * inner + i] }
            }
        }
        return (result, reduced)
    }

    /// Applies `f` to each 1-D slice along `axis` (all elements when nil), writing a slice of the same size.
    static func mapSlices(_ x: [Double], _ shape: [Int], axis: Int?, _ f: ([Double]) -> [Double]) -> [Double] {
        let (outer, size, inner, _) = reductionLayout(shape, axis: axis)
        var result = x
        for o in 0..<outer {
            for i in 0..<inner {
                let indices = (0..<size).map { (o * size + $0) * inner + i }
                let mapped = f(indices.map { x[$0] })
                for (position, flat) in indices.enumerated() { result[flat] = mapped[position] }
            }
        }
        return result
    }

    /// Applies `f` to each 1-D slice along `axis` (all elements when nil), giving one value per slice.
    static func reduceSlices(_ x: [Double], _ shape: [Int], axis: Int?, _ f: ([Double]) -> Double)
        -> (values: [Double], shape: [Int])
    {
        let (outer, size, inner, reduced) = reductionLayout(shape, axis: axis)
        var result = [Double](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner { result[o * inner + i] = f((0..<size).map { x[(o * size + $0) * inner + i] }) }
        }
        return (result, reduced)
    }

    static func softmax(_ slice: [Double]) -> [Double] {
        let top = slice.max() ?? 0
        let exps = slice.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }

    /// The first index of the largest element, as `numpy.argmax`.
    static func argmax(_ slice: [Double]) -> Int {
        var best = 0
        for index in slice.indices where slice[index] > slice[best] { best = index }
        return best
    }

    /// `numpy.transpose(x, permutation)`: axis `i` of the result is axis `permutation[i]` of `x`.
    static func transpose(_ x: [Double], _ shape: [Int], _ permutation: [Int]) -> (values: [Double], shape: [Int]) {
        let outShape = permutation.map { shape[$0] }
        let sourceStrides = strides(shape)
        let permutedStrides = permutation.map { sourceStrides[$0] }
        var result = [Double](repeating: 0, count: x.count)
        var index = [Int](repeating: 0, count: outShape.count)
        for flat in result.indices {
            var source = 0
            for axis in index.indices { source += index[axis] * permutedStrides[axis] }
            result[flat] = x[source]
            var axis = outShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < outShape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return (result, outShape)
    }
}
