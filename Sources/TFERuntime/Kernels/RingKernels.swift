// Arithmetic kernels on Z_2^64 (wrapping UInt64): element-wise operations and reductions.

import Dispatch

/// The VM's arithmetic on ring elements: values of Z_2^64 as wrapping `UInt64`s in contiguous row-major
/// buffers.
///
/// Element-wise kernels run over `UnsafeBufferPointer`s in straight loops that LLVM vectorizes; the
/// matrix products (`matmul`, `batchMatmul`) and convolutions are in extensions. Every result is exact
/// mod 2^64, so the same code serves additive shares and public values, and two's-complement fixed-point
/// encodings wrap like the protocol expects.
public enum RingKernels {
    /// The threads a large product uses unless told otherwise: every processor this process may use.
    public static let defaultThreadCount = defaultKernelThreadCount

    // MARK: - Element-wise

    /// `x + y` element-wise, mod 2^64.
    public static func add(_ x: [UInt64], _ y: [UInt64]) -> [UInt64] {
        zipMap(x, y) { $0 &+ $1 }
    }

    /// `x - y` element-wise, mod 2^64.
    public static func subtract(_ x: [UInt64], _ y: [UInt64]) -> [UInt64] {
        zipMap(x, y) { $0 &- $1 }
    }

    /// `x · y` element-wise, mod 2^64.
    public static func multiply(_ x: [UInt64], _ y: [UInt64]) -> [UInt64] {
        zipMap(x, y) { $0 &* $1 }
    }

    /// `-x` element-wise, mod 2^64.
    public static func negate(_ x: [UInt64]) -> [UInt64] {
        map(x) { 0 &- $0 }
    }

    /// `x · c` element-wise for a public constant `c`, mod 2^64.
    public static func multiply(_ x: [UInt64], byConstant c: UInt64) -> [UInt64] {
        map(x) { $0 &* c }
    }

    /// `x + c` element-wise for a public constant `c`, mod 2^64.
    public static func add(_ x: [UInt64], constant c: UInt64) -> [UInt64] {
        map(x) { $0 &+ c }
    }

    /// `c - x` element-wise for a public constant `c`, mod 2^64.
    public static func subtract(_ x: [UInt64], fromConstant c: UInt64) -> [UInt64] {
        map(x) { c &- $0 }
    }

    /// Adds `y` to `x` in place, element-wise, mod 2^64.
    public static func add(_ y: [UInt64], to x: inout [UInt64]) {
        precondition(x.count == y.count, "element-wise operands must have the same number of values")
        y.withUnsafeBufferPointer { y in
            x.withUnsafeMutableBufferPointer { x in
                for i in 0..<x.count {
                    x[i] &+= y[i]
                }
            }
        }
    }

    /// Subtracts `y` from `x` in place, element-wise, mod 2^64.
    public static func subtract(_ y: [UInt64], from x: inout [UInt64]) {
        precondition(x.count == y.count, "element-wise operands must have the same number of values")
        y.withUnsafeBufferPointer { y in
            x.withUnsafeMutableBufferPointer { x in
                for i in 0..<x.count {
                    x[i] &-= y[i]
                }
            }
        }
    }

    /// Replaces `y` with `x - y` in place, element-wise, mod 2^64.
    public static func subtract(_ x: [UInt64], replacing y: inout [UInt64]) {
        precondition(x.count == y.count, "element-wise operands must have the same number of values")
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                for i in 0..<y.count {
                    y[i] = x[i] &- y[i]
                }
            }
        }
    }

    // MARK: - Broadcasting and reductions

    /// `x + row` with `row` broadcast over every leading index: `x` holds a whole number of rows of
    /// `row.count` values (a bias added to each output of a dense layer, say).
    public static func addBroadcastingLastAxis(_ x: [UInt64], _ row: [UInt64]) -> [UInt64] {
        let width = row.count
        precondition(width > 0 ? x.count % width == 0 : x.isEmpty, "x must hold a whole number of rows")
        return [UInt64](unsafeUninitializedCapacity: x.count) { out, initialized in
            x.withUnsafeBufferPointer { x in
                row.withUnsafeBufferPointer { row in
                    // Pointer arithmetic rather than `out[start + j]`: the overflow check on the index
                    // sum keeps LLVM from vectorizing.
                    guard var source = x.baseAddress, var target = out.baseAddress, let bias = row.baseAddress else {
                        return
                    }
                    for _ in 0..<x.count / width {
                        for j in 0..<width {
                            target[j] = source[j] &+ bias[j]
                        }
                        source += width
                        target += width
                    }
                }
            }
            initialized = x.count
        }
    }

    /// The sum mod 2^64 of `x` (row-major with `shape`) over `axis`; the result has `shape` without
    /// that axis, row-major.
    public static func sum(_ x: [UInt64], shape: [Int], axis: Int) -> [UInt64] {
        precondition(shape.indices.contains(axis), "axis \(axis) is out of range for rank \(shape.count)")
        precondition(shape.allSatisfy { $0 >= 0 } && x.count == shape.reduce(1, *), "x must hold shape's values")
        let outer = shape[..<axis].reduce(1, *)
        let length = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        if outer * inner * length == 0 {
            return [UInt64](repeating: 0, count: outer * inner)
        }
        return [UInt64](unsafeUninitializedCapacity: outer * inner) { out, initialized in
            out.initialize(repeating: 0)
            x.withUnsafeBufferPointer { x in
                for o in 0..<outer {
                    let target = UnsafeMutableBufferPointer(rebasing: out[o * inner..<(o + 1) * inner])
                    let block = o * length * inner
                    if inner == 1 {
                        target[0] = sumContiguous(UnsafeBufferPointer(rebasing: x[block..<block + length]))
                        continue
                    }
                    for a in 0..<length {
                        let source = x.baseAddress! + (block + a * inner), sums = target.baseAddress!
                        for i in 0..<inner {
                            sums[i] &+= source[i]
                        }
                    }
                }
            }
            initialized = outer * inner
        }
    }

    /// The sum of all values of `x`, mod 2^64.
    public static func sum(_ x: [UInt64]) -> UInt64 {
        x.withUnsafeBufferPointer { sumContiguous($0) }
    }

    private static func sumContiguous(_ x: UnsafeBufferPointer<UInt64>) -> UInt64 {
        var total: UInt64 = 0
        for value in x {
            total &+= value
        }
        return total
    }

    // MARK: - Layout

    /// The transpose of the row-major `rows × columns` matrix `x` (a `columns × rows` matrix).
    ///
    /// The matmul kernels read transposed operands in place; this is for the values themselves
    /// (a `transpose` in the program, or a layout change before sending).
    public static func transpose(_ x: [UInt64], rows: Int, columns: Int) -> [UInt64] {
        transposed(x, rows: rows, columns: columns)
    }

    // MARK: - Loops

    @inline(__always)
    private static func map(_ x: [UInt64], _ body: (UInt64) -> UInt64) -> [UInt64] {
        [UInt64](unsafeUninitializedCapacity: x.count) { out, initialized in
            x.withUnsafeBufferPointer { x in
                for i in 0..<x.count {
                    out[i] = body(x[i])
                }
            }
            initialized = x.count
        }
    }

    @inline(__always)
    private static func zipMap(_ x: [UInt64], _ y: [UInt64], _ body: (UInt64, UInt64) -> UInt64) -> [UInt64] {
        precondition(x.count == y.count, "element-wise operands must have the same number of values")
        return [UInt64](unsafeUninitializedCapacity: x.count) { out, initialized in
            x.withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in
                    for i in 0..<x.count {
                        out[i] = body(x[i], y[i])
                    }
                }
            }
            initialized = x.count
        }
    }
}

/// Runs `body(item, threads)` for each item of a batch of `batch` independent products of `work`
/// multiply-adds each: large items one after another with all `maxThreads` threads each, small ones
/// spread over the threads one thread apiece.
func forEachInBatch(_ batch: Int, work: Int, maxThreads: Int, _ body: @Sendable (Int, Int) -> Void) {
    let threads = max(1, maxThreads)
    if batch <= 1 || threads == 1 || work >= MatmulDriver<RingMicroKernel>.parallelThreshold
        || batch * work < MatmulDriver<RingMicroKernel>.parallelThreshold {
        for item in 0..<batch {
            body(item, threads)
        }
        return
    }
    let parts = min(threads, batch)
    DispatchQueue.concurrentPerform(iterations: parts) { part in
        for item in (batch * part / parts)..<(batch * (part + 1) / parts) {
            body(item, 1)
        }
    }
}

/// The transpose of a row-major `rows × columns` matrix, in 16×16 tiles so that both the reads and
/// the writes stay within a few cache lines at a time.
func transposed<Element>(_ x: [Element], rows: Int, columns: Int) -> [Element] {
    precondition(rows >= 0 && columns >= 0 && x.count == rows * columns, "x must hold rows × columns values")
    let tile = 16
    return [Element](unsafeUninitializedCapacity: x.count) { out, initialized in
        x.withUnsafeBufferPointer { x in
            guard let source = x.baseAddress, let target = out.baseAddress else {
                return
            }
            for i0 in stride(from: 0, to: rows, by: tile) {
                let i1 = min(rows, i0 + tile)
                for j0 in stride(from: 0, to: columns, by: tile) {
                    let j1 = min(columns, j0 + tile)
                    for i in i0..<i1 {
                        for j in j0..<j1 {
                            (target + (j * rows + i)).initialize(to: source[i * columns + j])
                        }
                    }
                }
            }
        }
        initialized = x.count
    }
}
