// Matrix products over Z_2^64: plain, transposed operands, batched, and accumulating forms.

extension RingKernels {
    // MARK: - Matrix product

    /// `A · B` mod 2^64 for row-major `a` (m×k, or k×m when `transposeA`) and `b` (k×n, or n×k when
    /// `transposeB`); the result is m×n, row-major.
    ///
    /// Transposed operands are read in place (packing reads them in a different order), so `A·Bᵀ` and
    /// `Aᵀ·B` cost the same as `A·B`. Products of at least 2^20 multiply-adds use up to `maxThreads`
    /// threads. The implementation is `MatmulDriver`'s, shared with the other element type.
    public static func matmul(
        _ a: [UInt64], _ b: [UInt64], m: Int, k: Int, n: Int,
        transposeA: Bool = false, transposeB: Bool = false, maxThreads: Int = defaultThreadCount
    ) -> [UInt64] {
        MatmulDriver<SelectedRingKernel>.product(
            a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, maxThreads: maxThreads)
    }

    /// Writes `A · B` mod 2^64 into `c` (m×n, row-major), or adds it to `c` when `accumulate`.
    ///
    /// The buffer form of `matmul(_:_:m:k:n:transposeA:transposeB:maxThreads:)`, for callers that
    /// fold several products into one result (a Beaver product adds three) without intermediate arrays.
    /// When `accumulate` is false `c` may be uninitialized memory. `c` must not overlap `a` or `b`.
    public static func matmul(
        _ a: UnsafeBufferPointer<UInt64>, _ b: UnsafeBufferPointer<UInt64>, into c: UnsafeMutableBufferPointer<UInt64>,
        m: Int, k: Int, n: Int, transposeA: Bool = false, transposeB: Bool = false,
        accumulate: Bool = false, maxThreads: Int = defaultThreadCount
    ) {
        MatmulDriver<SelectedRingKernel>.product(
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
        _ a: [UInt64], _ b: [UInt64], batch: Int, m: Int, k: Int, n: Int, sharedB: Bool = false,
        transposeA: Bool = false, transposeB: Bool = false, maxThreads: Int = defaultThreadCount
    ) -> [UInt64] {
        MatmulDriver<SelectedRingKernel>.batchProduct(
            a, b, batch: batch, m: m, k: k, n: n, sharedB: sharedB, transposeA: transposeA, transposeB: transposeB,
            maxThreads: maxThreads)
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
