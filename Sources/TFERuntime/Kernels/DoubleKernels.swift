// Kernels in Double: the plaintext baseline and the VM's `local` arithmetic (its matrix products are
// `MatrixKernels`', shared with `RingKernels`).

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
