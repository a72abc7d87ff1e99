// conv2d as im2col + matmul, and the window sums of average pooling, on NHWC tensors.

extension RingKernels {
    // MARK: - conv2d

    /// The 2-D convolution (TensorFlow's `conv2d`, really a cross-correlation) of an NHWC `input` with an
    /// HWIO `filter` of `geometry.windowHeight × windowWidth × channels × outputChannels`, mod 2^64.
    ///
    /// The result is NHWC, `[batch, outputHeight, outputWidth, outputChannels]`. It is computed as
    /// `im2col(input) · filter` (the HWIO filter, row-major, already is the `patchSize × outputChannels`
    /// matrix), a slice of output rows at a time so the patch matrix stays small.
    public static func conv2d(
        _ input: [UInt64], _ filter: [UInt64], geometry: WindowGeometry, outputChannels: Int,
        maxThreads: Int = defaultThreadCount, kernel: MatmulKernel = .selected
    ) -> [UInt64] {
        convolve(input, filter, geometry: geometry, outputChannels: outputChannels) { patches, filter, out, rows in
            matmul(patches, filter, into: out, m: rows, k: geometry.patchSize, n: outputChannels,
                   maxThreads: maxThreads, kernel: kernel)
        }
    }

    /// The patch matrix of `input` under `geometry`: row `(b · outputHeight + oh) · outputWidth + ow` holds
    /// the window of output cell `(b, oh, ow)` in `(dy, dx, channel)` order, zeros where it overhangs
    /// the input; `patchCount × patchSize` values.
    ///
    /// `im2col(x) · W` is the convolution with an HWIO filter `W`; a secure convolution is a secure matmul
    /// of the shared patches with the shared filter.
    public static func im2col(_ input: [UInt64], geometry: WindowGeometry) -> [UInt64] {
        extractPatches(input, geometry: geometry, zero: 0)
    }

    // MARK: - Average pooling

    /// The window sums of 2-D average pooling over an NHWC `input`, mod 2^64, and how many input cells
    /// each window covers.
    ///
    /// `sums` is `[batch, outputHeight, outputWidth, channels]`; `counts[oh · outputWidth + ow]` is the
    /// number of cells of window `(oh, ow)` inside the input, the divisor of TensorFlow's `avg_pool`
    /// (SAME padding averages only the valid cells, so border windows divide by less than
    /// `windowHeight · windowWidth`; under VALID every count is the full window).
    public static func averagePoolWindowSums(
        _ input: [UInt64], geometry g: WindowGeometry
    ) -> (sums: [UInt64], counts: [Int]) {
        precondition(input.count == g.inputCount, "input must hold batch × height × width × channels values")
        let counts = (0..<g.outputHeight * g.outputWidth).map { cell in
            let rows = g.validRange(output: cell / g.outputWidth, stride: g.strideHeight, pad: g.padTop,
                                    window: g.windowHeight, size: g.height)
            let columns = g.validRange(output: cell % g.outputWidth, stride: g.strideWidth, pad: g.padLeft,
                                       window: g.windowWidth, size: g.width)
            return rows.count * columns.count
        }
        let c = g.channels
        let sums = [UInt64](unsafeUninitializedCapacity: g.patchCount * c) { out, initialized in
            out.initialize(repeating: 0)
            input.withUnsafeBufferPointer { x in
                var target = 0
                for b in 0..<g.batch {
                    for oh in 0..<g.outputHeight {
                        let rows = g.validRange(output: oh, stride: g.strideHeight, pad: g.padTop,
                                                window: g.windowHeight, size: g.height)
                        for ow in 0..<g.outputWidth {
                            let columns = g.validRange(output: ow, stride: g.strideWidth, pad: g.padLeft,
                                                       window: g.windowWidth, size: g.width)
                            for ih in rows {
                                for iw in columns {
                                    let source = x.baseAddress! + ((b * g.height + ih) * g.width + iw) * c
                                    let sums = out.baseAddress! + target
                                    for channel in 0..<c {
                                        sums[channel] &+= source[channel]
                                    }
                                }
                            }
                            target += c
                        }
                    }
                }
            }
            initialized = g.patchCount * c
        }
        return (sums, counts)
    }
}

extension DoubleKernels {
    /// The 2-D convolution of an NHWC `input` with an HWIO `filter`, as
    /// `RingKernels.conv2d(_:_:geometry:outputChannels:maxThreads:)` but in Double: the plaintext baseline.
    public static func conv2d(
        _ input: [Double], _ filter: [Double], geometry: WindowGeometry, outputChannels: Int,
        maxThreads: Int = defaultThreadCount, kernel: MatmulKernel = .selected
    ) -> [Double] {
        convolve(input, filter, geometry: geometry, outputChannels: outputChannels) { patches, filter, out, rows in
            matmul(patches, filter, into: out, m: rows, k: geometry.patchSize, n: outputChannels,
                   maxThreads: maxThreads, kernel: kernel)
        }
    }
}

/// Patch-matrix rows built per slice of a convolution: about 2^21 values (16 MB).
private let patchSliceValues = 1 << 21

/// Runs a convolution as slices of `im2col(input) · filter`; `multiply(patches, filter, out, rows)`
/// writes one slice's `rows × outputChannels` outputs.
private func convolve<Element: Numeric>(
    _ input: [Element], _ filter: [Element], geometry g: WindowGeometry, outputChannels: Int,
    multiply: (UnsafeBufferPointer<Element>, UnsafeBufferPointer<Element>, UnsafeMutableBufferPointer<Element>, Int)
        -> Void
) -> [Element] {
    precondition(input.count == g.inputCount, "input must hold batch × height × width × channels values")
    precondition(outputChannels >= 0 && filter.count == g.patchSize * outputChannels,
                 "filter must hold windowHeight × windowWidth × channels × outputChannels values")
    let total = g.patchCount
    let sliceRows = max(1, patchSliceValues / max(1, g.patchSize))
    let patches = UnsafeMutablePointer<Element>.allocate(capacity: min(total, sliceRows) * g.patchSize)
    defer { patches.deallocate() }
    return [Element](unsafeUninitializedCapacity: total * outputChannels) { out, initialized in
        input.withUnsafeBufferPointer { x in
            filter.withUnsafeBufferPointer { w in
                for start in stride(from: 0, to: total, by: sliceRows) {
                    let rows = min(sliceRows, total - start)
                    writePatches(x, geometry: g, rows: start..<start + rows, into: patches, zero: 0)
                    let slice = out[start * outputChannels..<(start + rows) * outputChannels]
                    multiply(UnsafeBufferPointer(start: patches, count: rows * g.patchSize), w,
                             UnsafeMutableBufferPointer(rebasing: slice), rows)
                }
            }
        }
        initialized = total * outputChannels
    }
}

/// The whole patch matrix of `input` (see `RingKernels.im2col(_:geometry:)`).
func extractPatches<Element>(_ input: [Element], geometry g: WindowGeometry, zero: Element) -> [Element] {
    precondition(input.count == g.inputCount, "input must hold batch × height × width × channels values")
    return [Element](unsafeUninitializedCapacity: g.patchCount * g.patchSize) { out, initialized in
        if let base = out.baseAddress {
            input.withUnsafeBufferPointer { x in
                writePatches(x, geometry: g, rows: 0..<g.patchCount, into: base, zero: zero)
            }
        }
        initialized = g.patchCount * g.patchSize
    }
}

/// Writes patch-matrix rows `rows` to `out`, `patchSize` values per row.
private func writePatches<Element>(
    _ x: UnsafeBufferPointer<Element>, geometry g: WindowGeometry, rows: Range<Int>,
    into out: UnsafeMutablePointer<Element>, zero: Element
) {
    let c = g.channels
    let windowRow = g.windowWidth * c
    var target = out
    for row in rows {
        let ow = row % g.outputWidth
        let oh = row / g.outputWidth % g.outputHeight
        let b = row / (g.outputWidth * g.outputHeight)
        let left = ow * g.strideWidth - g.padLeft
        for dy in 0..<g.windowHeight {
            let ih = oh * g.strideHeight - g.padTop + dy
            if ih < 0 || ih >= g.height {
                target.update(repeating: zero, count: windowRow)
            } else {
                // A nil base only happens for an empty input, where no cell is inside (or channels is 0).
                let line = (x.baseAddress ?? UnsafePointer(bitPattern: 8)!) + (b * g.height + ih) * g.width * c
                if left >= 0 && left + g.windowWidth <= g.width {
                    target.update(from: line + left * c, count: windowRow)
                } else {
                    for dx in 0..<g.windowWidth {
                        let iw = left + dx
                        if iw < 0 || iw >= g.width {
                            (target + dx * c).update(repeating: zero, count: c)
                        } else {
                            (target + dx * c).update(from: line + iw * c, count: c)
                        }
                    }
                }
            }
            target += windowRow
        }
    }
}
