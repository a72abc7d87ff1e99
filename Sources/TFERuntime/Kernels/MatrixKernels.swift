// Matrix products, written once for every element type: plain, transposed operands, batched, and accumulating
// forms. `RingKernels` (Z_2^64) and `DoubleKernels` offer them through `MatrixKernels`; each element type's
// blocked, packed, multithreaded product is `MatmulDriver` over that type's micro-kernel.

/// An element type with a blocked matrix product: `UInt64` (Z_2^64, wrapping) and `Double`.
public protocol MatmulElement: BitwiseCopyable, Sendable {
    /// Writes `A · B` into `c` (or adds it to `c` when `shape.accumulate`) on this type's micro-kernel.
    /// Call it through `MatrixKernels.matmul(_:_:into:m:k:n:transposeA:transposeB:accumulate:maxThreads:)`.
    static func multiply(
        _ a: UnsafeBufferPointer<Self>, _ b: UnsafeBufferPointer<Self>, into c: UnsafeMutableBufferPointer<Self>,
        _ shape: MatmulShape)
}

/// The dimensions and options of one matrix product: `a` is m×k (k×m when `transposeA`), `b` k×n (n×k when
/// `transposeB`), the result m×n, row-major.
public struct MatmulShape: Sendable {
    public var m: Int, k: Int, n: Int
    public var transposeA: Bool, transposeB: Bool
    /// Add the product to the result instead of overwriting it.
    public var accumulate: Bool
    public var maxThreads: Int
    /// The micro-kernels that compute it: `MatmulKernel.selected` unless a test or benchmark picks one.
    public var kernel: MatmulKernel
}

extension UInt64: MatmulElement {
    public static func multiply(
        _ a: UnsafeBufferPointer<Self>, _ b: UnsafeBufferPointer<Self>, into c: UnsafeMutableBufferPointer<Self>,
        _ shape: MatmulShape
    ) {
        switch shape.kernel {
        case .portable: MatmulDriver<RingMicroKernel>.product(a, b, into: c, shape)
        case .avx512: MatmulDriver<RingWideMicroKernel>.product(a, b, into: c, shape)
        }
    }
}

extension Double: MatmulElement {
    public static func multiply(
        _ a: UnsafeBufferPointer<Self>, _ b: UnsafeBufferPointer<Self>, into c: UnsafeMutableBufferPointer<Self>,
        _ shape: MatmulShape
    ) {
        switch shape.kernel {
        case .portable: MatmulDriver<DoubleMicroKernel>.product(a, b, into: c, shape)
        case .avx512: MatmulDriver<DoubleWideMicroKernel>.product(a, b, into: c, shape)
        }
    }
}

/// A family of kernels over one element type that offers its matrix products.
public protocol MatrixKernels {
    associatedtype Element: MatmulElement
    /// The threads a large product uses unless told otherwise.
    static var defaultThreadCount: Int { get }
}

extension RingKernels: MatrixKernels {
    public typealias Element = UInt64
}

extension DoubleKernels: MatrixKernels {
    public typealias Element = Double
}

extension MatrixKernels {
    // MARK: - Matrix product

    /// `A · B` for row-major `a` (m×k, or k×m when `transposeA`) and `b` (k×n, or n×k when `transposeB`); the
    /// result is m×n, row-major (over `UInt64`, mod 2^64).
    ///
    /// Transposed operands are read in place (packing reads them in a different order), so `A·Bᵀ` and
    /// `Aᵀ·B` cost the same as `A·B`. Products of at least 2^20 multiply-adds use up to `maxThreads` threads.
    /// `kernel` is for tests and benchmarks, and must be one this CPU supports.
    public static func matmul(
        _ a: [Element], _ b: [Element], m: Int, k: Int, n: Int,
        transposeA: Bool = false, transposeB: Bool = false, maxThreads: Int = defaultKernelThreadCount,
        kernel: MatmulKernel = .selected
    ) -> [Element] {
        precondition(m >= 0 && k >= 0 && n >= 0, "matmul dimensions must not be negative")
        return [Element](unsafeUninitializedCapacity: m * n) { c, initialized in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    Element.multiply(a, b, into: c, MatmulShape(
                        m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, accumulate: false,
                        maxThreads: maxThreads, kernel: checked(kernel)))
                }
            }
            initialized = m * n
        }
    }

    /// Writes `A · B` into `c` (m×n, row-major), or adds it to `c` when `accumulate`.
    ///
    /// The buffer form of `matmul(_:_:m:k:n:transposeA:transposeB:maxThreads:)`, for callers that
    /// fold several products into one result (a Beaver product adds three) without intermediate arrays.
    /// When `accumulate` is false `c` may be uninitialized memory. `c` must not overlap `a` or `b`.
    public static func matmul(
        _ a: UnsafeBufferPointer<Element>, _ b: UnsafeBufferPointer<Element>,
        into c: UnsafeMutableBufferPointer<Element>, m: Int, k: Int, n: Int,
        transposeA: Bool = false, transposeB: Bool = false,
        accumulate: Bool = false, maxThreads: Int = defaultKernelThreadCount, kernel: MatmulKernel = .selected
    ) {
        Element.multiply(a, b, into: c, MatmulShape(
            m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, accumulate: accumulate,
            maxThreads: maxThreads, kernel: checked(kernel)))
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
        _ a: [Element], _ b: [Element], batch: Int, m: Int, k: Int, n: Int, sharedB: Bool = false,
        transposeA: Bool = false, transposeB: Bool = false, maxThreads: Int = defaultKernelThreadCount,
        kernel: MatmulKernel = .selected
    ) -> [Element] {
        precondition(batch >= 0 && m >= 0 && k >= 0 && n >= 0, "batchMatmul dimensions must not be negative")
        precondition(a.count == batch * m * k, "batchMatmul: a must hold batch × m × k values")
        precondition(b.count == (sharedB ? 1 : batch) * k * n,
                     "batchMatmul: b must hold (1 or batch) × k × n values")
        if sharedB && !transposeA {
            return matmul(a, b, m: batch * m, k: k, n: n, transposeB: transposeB, maxThreads: maxThreads,
                          kernel: kernel)
        }
        return [Element](unsafeUninitializedCapacity: batch * m * n) { c, initialized in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    let job = BatchJob(a: a, b: b, c: c, m: m, k: k, n: n, sharedB: sharedB)
                    forEachInBatch(batch, work: m * k * n, maxThreads: maxThreads) { item, threads in
                        Element.multiply(job.a(item), job.b(item), into: job.c(item), MatmulShape(
                            m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, accumulate: false,
                            maxThreads: threads, kernel: checked(kernel)))
                    }
                }
            }
            initialized = batch * m * n
        }
    }
}

/// `kernel`, once checked that this CPU can run it (an unsupported one would stop on an illegal instruction).
private func checked(_ kernel: MatmulKernel) -> MatmulKernel {
    precondition(kernel.isSupported, "the \(kernel.rawValue) matmul kernel needs a CPU with AVX-512")
    return kernel
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
