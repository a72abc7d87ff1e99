// Matrix products over Z_2^64: plain, transposed operands, batched, and accumulating forms.

extension RingKernels {
    // MARK: - Matrix product

    /// `A · B` mod 2^64 for row-major `a` (m×k, or k×m when `transposeA`) and `b` (k×n, or n×k when
    /// `transposeB`); the result is m×n, row-major.
    ///
    /// Transposed operands are read in place (packing reads them in a different order), so `A·Bᵀ` and
    /// `Aᵀ·B` cost the same as `A·B`. Products of at least 2^20 multiply-adds use up to `maxThreads`
    /// threads.
    public static func matmul(
        _ a: [UInt64], _ b: [UInt64], m: Int, k: Int, n: Int,
        transposeA: Bool = false, transposeB: Bool = false, maxThreads: Int = defaultThreadCount
    ) -> [UInt64] {
        precondition(m >= 0 && k >= 0 && n >= 0, "matmul dimensions must not be negative")
        return [UInt64](unsafeUninitializedCapacity: m * n) { c, initialized in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    matmul(a, b, into: c, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB,
                           accumulate: false, maxThreads: maxThreads)
                }
            }
            initialized = m * n
        }
    }

    /// Writes `A · B` mod 2^64 into `c` (m×n, row-major), or adds it to `c` when `accumulate`.
    ///
    /// The buffer form of `matmul(_:_:m:k:n:transposeA:transposeB:maxThreads:)`, for callers that
    /// fold several products into one result (a Beaver product adds three) without intermediate
    /// arrays. When `accumulate` is false `c` may be uninitialized memory. `c` must not overlap `a` or `b`.
    public static func matmul(
        _ a: UnsafeBufferPointer<UInt64>, _ b: UnsafeBufferPointer<UInt64>, into c: UnsafeMutableBufferPointer<UInt64>,
        m: Int, k: Int, n: Int, transposeA: Bool = false, transposeB: Bool = false,
        accumulate: Bool = false, maxThreads: Int = defaultThreadCount
    ) {
        precondition(m >= 0 && k >= 0 && n >= 0, "matmul dimensions must not be negative")
        precondition(a.count == m * k && b.count == k * n && c.count == m * n, "matmul buffer sizes must match m, k, n")
        if m == 0 || n == 0 {
            return
        }
        let empty = UnsafePointer<UInt64>(bitPattern: 8)!
        let left = MatrixOperand(rowMajor: a.baseAddress ?? empty, rows: m, columns: k, transposed: transposeA)
        let right = MatrixOperand(rowMajor: b.baseAddress ?? empty, rows: k, columns: n, transposed: transposeB)
        MatmulDriver<SelectedRingKernel>.multiply(
            left, right, into: MatrixTarget(base: c.baseAddress!, rowStride: n), m: m, k: k, n: n,
            accumulate: accumulate, maxThreads: maxThreads)
    }

    // MARK: - Batched products

    /// `batch` products `A[i] · B[i]` (or `A[i] · B` when `sharedB`), each as in
    /// `matmul(_:_:m:k:n:transposeA:transposeB:maxThreads:)`, stacked: the result is batch×m×n.
    ///
    /// `a` holds `batch` matrices of m·k values; `b` holds one (`sharedB`) or `batch` matrices of
    /// k·n values. Against a shared B with untransposed A the batch is one (batch·m)×k product, which
    /// packs B once; otherwise small products run in parallel across the batch and large ones one after
    /// another, each using the threads itself.
    public static func batchMatmul(
        _ a: [UInt64], _ b: [UInt64], batch: Int, m: Int, k: Int, n: Int, sharedB: Bool = false,
        transposeA: Bool = false, transposeB: Bool = false, maxThreads: Int = defaultThreadCount
    ) -> [UInt64] {
        precondition(batch >= 0 && m >= 0 && k >= 0 && n >= 0, "batchMatmul dimensions must not be negative")
        precondition(a.count == batch * m * k, "batchMatmul: a must hold batch × m × k values")
        precondition(b.count == (sharedB ? 1 : batch) * k * n, "batchMatmul: b must hold (1 or batch) × k × n values")
        if sharedB && !transposeA {
            return matmul(a, b, m: batch * m, k: k, n: n, transposeB: transposeB, maxThreads: maxThreads)
        }
        return [UInt64](unsafeUninitializedCapacity: batch * m * n) { c, initialized in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    let job = BatchJob(a: a, b: b, c: c, m: m, k: k, n: n, sharedB: sharedB)
                    forEachInBatch(batch, work: m * k * n, maxThreads: maxThreads) { item, threads in
                        matmul(job.a(item), job.b(item), into: job.c(item), m: m, k: k, n: n,
                               transposeA: transposeA, transposeB: transposeB, maxThreads: threads)
                    }
                }
            }
            initialized = batch * m * n
        }
    }
}

/// The slices of one batched product's buffers, shareable across the threads of the batch (each item
/// writes its own slice of `c`).
struct BatchJob<Element>: @unchecked Sendable {
    let a: UnsafeBufferPointer<Element>
    let b: UnsafeBufferPointer<Element>
    let c: UnsafeMutableBufferPointer<Element>
    let m: Int, k: Int, n: Int
    let sharedB: Bool

    func a(_ item: Int) -> UnsafeBufferPointer<Element> {
        UnsafeBufferPointer(rebasing: a[item * m * k..<(item + 1) * m * k])
    }

    func b(_ item: Int) -> UnsafeBufferPointer<Element> {
        sharedB ? b : UnsafeBufferPointer(rebasing: b[item * k * n..<(item + 1) * k * n])
    }

    func c(_ item: Int) -> UnsafeMutableBufferPointer<Element> {
        UnsafeMutableBufferPointer(rebasing: c[item * m * n..<(item + 1) * m * n])
    }
}
