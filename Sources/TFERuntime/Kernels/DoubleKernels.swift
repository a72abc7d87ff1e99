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
    // MARK: - Matrix products
    // The same products as `RingKernels+Matmul.swift` in Double, through the same `MatmulDriver` (blocking,
    // packing, threads, transposes read in place); only the micro-kernel differs. See there for each form.

    /// `A · B`, m×n row-major, as `RingKernels.matmul(_:_:m:k:n:transposeA:transposeB:maxThreads:)`.
    public static func matmul(
        _ a: [Double], _ b: [Double], m: Int, k: Int, n: Int,
        transposeA: Bool = false, transposeB: Bool = false, maxThreads: Int = defaultThreadCount
    ) -> [Double] {
        MatmulDriver<SelectedDoubleKernel>.product(
            a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, maxThreads: maxThreads)
    }

    /// `A · B` written into (or, with `accumulate`, added to) `c`, as the ring's buffer form.
    public static func matmul(
        _ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, into c: UnsafeMutableBufferPointer<Double>,
        m: Int, k: Int, n: Int, transposeA: Bool = false, transposeB: Bool = false,
        accumulate: Bool = false, maxThreads: Int = defaultThreadCount
    ) {
        MatmulDriver<SelectedDoubleKernel>.product(
            a, b, into: c, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, accumulate: accumulate,
            maxThreads: maxThreads)
    }

    /// `batch` stacked products, as `RingKernels.batchMatmul`.
    public static func batchMatmul(
        _ a: [Double], _ b: [Double], batch: Int, m: Int, k: Int, n: Int, sharedB: Bool = false,
        transposeA: Bool = false, transposeB: Bool = false, maxThreads: Int = defaultThreadCount
    ) -> [Double] {
        MatmulDriver<SelectedDoubleKernel>.batchProduct(
            a, b, batch: batch, m: m, k: k, n: n, sharedB: sharedB, transposeA: transposeA, transposeB: transposeB,
            maxThreads: maxThreads)
    }
}
