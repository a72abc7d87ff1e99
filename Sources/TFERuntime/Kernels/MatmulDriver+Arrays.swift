// The array, buffer and batched forms of the matrix product, once for every element type: `RingKernels` and
// `DoubleKernels` call these with their micro-kernel.

extension MatmulDriver {
    /// `A · B` for row-major `a` (m×k, or k×m when `transposeA`) and `b` (k×n, or n×k when `transposeB`); the
    /// result is m×n, row-major.
    static func product(
        _ a: [Element], _ b: [Element], m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool, maxThreads: Int
    ) -> [Element] {
        precondition(m >= 0 && k >= 0 && n >= 0, "matmul dimensions must not be negative")
        return [Element](unsafeUninitializedCapacity: m * n) { c, initialized in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    product(a, b, into: c, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB,
                            accumulate: false, maxThreads: maxThreads)
                }
            }
            initialized = m * n
        }
    }

    /// Writes `A · B` into `c` (m×n, row-major), or adds it to `c` when `accumulate`; when `accumulate` is false
    /// `c` may be uninitialized memory. `c` must not overlap `a` or `b`.
    static func product(
        _ a: UnsafeBufferPointer<Element>, _ b: UnsafeBufferPointer<Element>,
        into c: UnsafeMutableBufferPointer<Element>, m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool,
        accumulate: Bool, maxThreads: Int
    ) {
        precondition(m >= 0 && k >= 0 && n >= 0, "matmul dimensions must not be negative")
        precondition(a.count == m * k && b.count == k * n && c.count == m * n,
                     "matmul buffer sizes must match m, k, n")
        if m == 0 || n == 0 {
            return
        }
        let empty = UnsafePointer<Element>(bitPattern: 8)!
        let left = MatrixOperand(rowMajor: a.baseAddress ?? empty, rows: m, columns: k, transposed: transposeA)
        let right = MatrixOperand(rowMajor: b.baseAddress ?? empty, rows: k, columns: n, transposed: transposeB)
        multiply(left, right, into: MatrixTarget(base: c.baseAddress!, rowStride: n), m: m, k: k, n: n,
                 accumulate: accumulate, maxThreads: maxThreads)
    }

    /// `batch` products `A[i] · B[i]` (or `A[i] · B` when `sharedB`), stacked: the result is batch×m×n. Against
    /// a shared B with untransposed A the batch is one (batch·m)×k product, which packs B once; otherwise small
    /// products run in parallel across the batch and large ones one after another, each using the threads itself.
    static func batchProduct(
        _ a: [Element], _ b: [Element], batch: Int, m: Int, k: Int, n: Int, sharedB: Bool,
        transposeA: Bool, transposeB: Bool, maxThreads: Int
    ) -> [Element] {
        precondition(batch >= 0 && m >= 0 && k >= 0 && n >= 0, "batchMatmul dimensions must not be negative")
        precondition(a.count == batch * m * k, "batchMatmul: a must hold batch × m × k values")
        precondition(b.count == (sharedB ? 1 : batch) * k * n, "batchMatmul: b must hold (1 or batch) × k × n values")
        if sharedB && !transposeA {
            return product(a, b, m: batch * m, k: k, n: n, transposeA: false, transposeB: transposeB,
                           maxThreads: maxThreads)
        }
        return [Element](unsafeUninitializedCapacity: batch * m * n) { c, initialized in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    let job = BatchJob(a: a, b: b, c: c, m: m, k: k, n: n, sharedB: sharedB)
                    forEachInBatch(batch, work: m * k * n, maxThreads: maxThreads) { item, threads in
                        product(job.a(item), job.b(item), into: job.c(item), m: m, k: k, n: n, transposeA: transposeA,
                                transposeB: transposeB, accumulate: false, maxThreads: threads)
                    }
                }
            }
            initialized = batch * m * n
        }
    }
}
