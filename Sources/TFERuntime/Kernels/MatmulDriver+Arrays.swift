// The entry of the blocked product from buffers, once for every element type: each `MatmulElement` conformance
// calls it with its micro-kernel.

extension MatmulDriver {
    /// Writes `A · B` into `c` (m×n, row-major), or adds it to `c` when `shape.accumulate`; when it does not
    /// accumulate, `c` may be uninitialized memory. `c` must not overlap `a` or `b`.
    static func product(
        _ a: UnsafeBufferPointer<Element>, _ b: UnsafeBufferPointer<Element>,
        into c: UnsafeMutableBufferPointer<Element>, _ shape: MatmulShape
    ) {
        let (m, k, n) = (shape.m, shape.k, shape.n)
        precondition(m >= 0 && k >= 0 && n >= 0, "matmul dimensions must not be negative")
        precondition(a.count == m * k && b.count == k * n && c.count == m * n,
                     "matmul buffer sizes must match m, k, n")
        if m == 0 || n == 0 {
            return
        }
        let empty = UnsafePointer<Element>(bitPattern: 8)!
        let left = MatrixOperand(rowMajor: a.baseAddress ?? empty, rows: m, columns: k, transposed: shape.transposeA)
        let right = MatrixOperand(rowMajor: b.baseAddress ?? empty, rows: k, columns: n, transposed: shape.transposeB)
        multiply(left, right, into: MatrixTarget(base: c.baseAddress!, rowStride: n), m: m, k: k, n: n,
                 accumulate: shape.accumulate, maxThreads: shape.maxThreads)
    }
}
