// Convolution and pooling windows, as TensorFlow defines them.

import TFECore

extension NaiveKernels {
    /// The output size along one axis and the padding before the first window.
    ///
    /// VALID: `(size - window) / stride + 1` windows, no padding. SAME: `ceil(size / stride)` windows, with
    /// `max((out - 1) * stride + window - size, 0)` padding split as TensorFlow does (the smaller half first).
    static func windows(
        size: Int, window: Int, stride: Int, padding: Padding
    ) throws(ShapeError) -> (count: Int, before: Int) {
        guard stride >= 1, window >= 1 else {
            throw ShapeError(reason: "window \(window) and stride \(stride) must be positive")
        }
        switch padding {
        case .valid:
            guard size >= window else {
                throw ShapeError(reason: "a VALID window of \(window) does not fit in \(size)")
            }
            return ((size - window) / stride + 1, 0)
        case .same:
            let count = (size + stride - 1) / stride
            let total = max((count - 1) * stride + window - size, 0)
            return (count, total / 2)
        }
    }

    /// 2-D convolution of an NHWC input with an HWIO kernel (TensorFlow's `conv2d`, no dilation).
    static func conv2d<T: NaiveKernelScalar>(
        _ x: [T], _ xShape: [Int], _ k: [T], _ kShape: [Int], stride: Int, padding: Padding
    ) throws(ShapeError) -> (values: [T], shape: [Int]) {
        guard xShape.count == 4, kShape.count == 4 else {
            throw ShapeError(
                reason: "conv2d needs an NHWC input and an HWIO kernel, got \(Shape(xShape)) and \(Shape(kShape))")
        }
        let (n, h, w, c) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (kh, kw, kc, o) = (kShape[0], kShape[1], kShape[2], kShape[3])
        guard kc == c else {
            throw ShapeError(
                reason: "conv2d input \(Shape(xShape)) has \(c) channels, kernel \(Shape(kShape)) expects \(kc)")
        }
        let rows = try windows(size: h, window: kh, stride: stride, padding: padding)
        let cols = try windows(size: w, window: kw, stride: stride, padding: padding)
        var result = [T](repeating: .zero, count: n * rows.count * cols.count * o)
        for image in 0..<n {
            for oy in 0..<rows.count {
                for ox in 0..<cols.count {
                    let out = ((image * rows.count + oy) * cols.count + ox) * o
                    for dy in 0..<kh {
                        let iy = oy * stride - rows.before + dy
                        guard iy >= 0, iy < h else { continue }
                        for dx in 0..<kw {
                            let ix = ox * stride - cols.before + dx
                            guard ix >= 0, ix < w else { continue }
                            let input = ((image * h + iy) * w + ix) * c
                            let kernel = (dy * kw + dx) * c * o
                            for channel in 0..<c {
                                let value = x[input + channel]
                                let row = kernel + channel * o
                                for f in 0..<o { result[out + f] = T.plus(result[out + f], T.times(value, k[row + f])) }
                            }
                        }
                    }
                }
            }
        }
        return (result, [n, rows.count, cols.count, o])
    }

    /// Per-window sums of an NHWC tensor over square `size` windows; SAME windows count only the cells
    /// inside the input.
    static func poolsum<T: NaiveKernelScalar>(
        _ x: [T], _ shape: [Int], size: Int, stride: Int, padding: Padding
    ) throws(ShapeError) -> (values: [T], shape: [Int]) {
        guard shape.count == 4 else { throw ShapeError(reason: "pooling needs an NHWC input, got \(Shape(shape))") }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let rows = try windows(size: h, window: size, stride: stride, padding: padding)
        let cols = try windows(size: w, window: size, stride: stride, padding: padding)
        var result = [T](repeating: .zero, count: n * rows.count * cols.count * c)
        for image in 0..<n {
            for oy in 0..<rows.count {
                for ox in 0..<cols.count {
                    let out = ((image * rows.count + oy) * cols.count + ox) * c
                    for dy in 0..<size {
                        let iy = oy * stride - rows.before + dy
                        guard iy >= 0, iy < h else { continue }
                        for dx in 0..<size {
                            let ix = ox * stride - cols.before + dx
                            guard ix >= 0, ix < w else { continue }
                            let input = ((image * h + iy) * w + ix) * c
                            for channel in 0..<c {
                                result[out + channel] = T.plus(result[out + channel], x[input + channel])
                            }
                        }
                    }
                }
            }
        }
        return (result, [n, rows.count, cols.count, c])
    }
}

extension NaiveKernels {
    /// The adjoint of gathering a pool's windows (`unpool`): `x` is `[size², n, oh, ow, c]`, one tensor of the
    /// pool's output shape per window offset (row-major), and each element is added into the cell of the
    /// NHWC `output` shape `[n, h, w, c]` that its offset covers; cells outside the input are dropped.
    static func unpool<T: NaiveKernelScalar>(
        _ x: [T], _ shape: [Int], output: [Int], size: Int, stride: Int, padding: Padding
    ) throws(ShapeError) -> (values: [T], shape: [Int]) {
        guard output.count == 4 else { throw ShapeError(reason: "unpool needs an NHWC output, got \(Shape(output))") }
        let (n, h, w, c) = (output[0], output[1], output[2], output[3])
        let rows = try windows(size: h, window: size, stride: stride, padding: padding)
        let cols = try windows(size: w, window: size, stride: stride, padding: padding)
        guard size <= 1 << 20, shape == [size * size, n, rows.count, cols.count, c], x.count == shape.reduce(1, *)
        else {
            throw ShapeError(reason: "unpool of \(Shape(shape)) does not fit the output \(Shape(output))")
        }
        var result = [T](repeating: .zero, count: n * h * w * c)
        for dy in 0..<size {
            for dx in 0..<size {
                let offset = dy * size + dx
                for image in 0..<n {
                    for oy in 0..<rows.count {
                        let iy = oy * stride - rows.before + dy
                        guard iy >= 0, iy < h else { continue }
                        for ox in 0..<cols.count {
                            let ix = ox * stride - cols.before + dx
                            guard ix >= 0, ix < w else { continue }
                            let source = (((offset * n + image) * rows.count + oy) * cols.count + ox) * c
                            let target = ((image * h + iy) * w + ix) * c
                            for channel in 0..<c {
                                result[target + channel] = T.plus(result[target + channel], x[source + channel])
                            }
                        }
                    }
                }
            }
        }
        return (result, output)
    }
}
