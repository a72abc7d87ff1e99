// Matrix products in Double: the plaintext baseline and the VM's `local` arithmetic.

/// Double-precision counterparts of `RingKernels`' matrix products, blocked and threaded the same way:
/// the plaintext baseline private inference is measured against, and the VM's arithmetic on `local`
/// floating-point values.
public enum DoubleKernels {
    /// The threads a large product uses unless told otherwise: every processor this process may use.
    public static let defaultThreadCount = defaultKernelThreadCount

    /// The transpose of the row-major `rows × columns` matrix `x` (a `columns × rows` matrix).
    public static func transpose(_ x: [Double], rows: Int, columns: Int) -> [Double] {
        transposed(x, rows: rows, columns: columns)
    }
}

extension DoubleKernels {
    // MARK: - Matrix product

    /// `A · B` for row-major `a` (m×k, or k×m when `transposeA`) and `b` (k×n, or n×k when
    /// `transposeB`); the result is m×n, row-major.
    ///
    /// Transposed operands are read in place (packing reads them in a different order), so `A·Bᵀ` and
    /// `Aᵀ·B` cost the same as `A·B`. Products of at least 2^20 multiply-adds use up to `maxThreads`
    /// threads. The implementation is `MatmulDriver`'s, shared with the other element type.
    public static func matmul(
        _ a: [Double], _ b: [Double], m: Int, k: Int, n: Int,
        transposeA: Bool = false, transposeB: Bool = false, maxThreads: Int = defaultThreadCount
    ) -> [Double] {
        MatmulDriver<SelectedDoubleKernel>.product(
            a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, maxThreads: maxThreads)
    }

    /// Writes `A · B` into `c` (m×n, row-major), or adds it to `c` when `accumulate`.
    ///
    /// The buffer form of `matmul(_:_:m:k:n:transposeA:transposeB:maxThreads:)`, for callers that
    /// fold several products into one result without intermediate arrays. When `accumulate` is false
    /// `c` may be uninitialized memory. `c` must not overlap `a` or `b`.
    public static func matmul(
        _ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, into c: UnsafeMutableBufferPointer<Double>,
        m: Int, k: Int, n: Int, transposeA: Bool = false, transposeB: Bool = false,
        accumulate: Bool = false, maxThreads: Int = defaultThreadCount
    ) {
        MatmulDriver<SelectedDoubleKernel>.product(
            a, b, into: c, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, accumulate: accumulate,
            maxThreads: maxThreads)
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
        _ a: [Double], _ b: [Double], batch: Int, m: Int, k: Int, n: Int, sharedB: Bool = false,
        transposeA: Bool = false, transposeB: Bool = false, maxThreads: Int = defaultThreadCount
    ) -> [Double] {
        MatmulDriver<SelectedDoubleKernel>.batchProduct(
            a, b, batch: batch, m: m, k: k, n: n, sharedB: sharedB, transposeA: transposeA, transposeB: transposeB,
            maxThreads: maxThreads)
    }
}
