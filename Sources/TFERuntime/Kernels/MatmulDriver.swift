// The blocked, packed, multithreaded matrix product shared by the ring and Double kernels.

import Dispatch
import Foundation

/// A register-blocked micro-kernel and the packing it reads: what `MatmulDriver` needs to know about one
/// element type.
///
/// The driver cuts C into `rows × columns` tiles. Packed A holds, for each group of `rows` rows, the
/// `depth` columns one after another, `packedAWords` words per element; packed B holds, for each group
/// of `columns` columns, the `depth` rows one after another, one word per element. Both are padded with
/// zeros to whole groups, so the micro-kernel never branches on edges.
protocol PackedMicroKernel: SendableMetatype {
    associatedtype Element

    /// Rows of a C tile (MR).
    static var rows: Int { get }
    /// Columns of a C tile (NR).
    static var columns: Int { get }
    /// 8-byte words one element of A takes once packed (the ring kernel stores splat halves).
    static var packedAWords: Int { get }
    static var zero: Element { get }

    /// Packs `a[0..<rowCount, 0..<depth]` in groups of `rows` rows.
    static func packA(_ a: MatrixOperand<Element>, rowCount: Int, depth: Int, into packed: UnsafeMutableRawPointer)
    /// Packs `b[0..<depth, 0..<columnCount]` in groups of `columns` columns.
    static func packB(_ b: MatrixOperand<Element>, depth: Int, columnCount: Int, into packed: UnsafeMutableRawPointer)
    /// Adds the product of one packed A group and one packed B group to the `rowCount × columnCount`
    /// corner of the tile at `c`; `scratch` holds 1024 bytes, 64-byte aligned.
    static func multiplyAdd(
        depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer, into c: MatrixTarget<Element>,
        rowCount: Int, columnCount: Int, scratch: UnsafeMutableRawPointer)
    /// Adds `a · b` to `c` for fewer than `rows` rows of A, where tiles would mostly multiply padding.
    static func multiplyAddThin(
        _ a: MatrixOperand<Element>, _ b: MatrixOperand<Element>, into c: MatrixTarget<Element>,
        m: Int, k: Int, n: Int)
}

/// Goto-style blocking: a `depthBlock × columnBlock` panel of B is packed once and reused by every
/// `rowBlock × depthBlock` block of A, whose packed form stays in L2 while one packed B group (NR
/// columns) sits in L1 during a sweep of the micro-kernel down the rows.
enum MatmulDriver<Kernel: PackedMicroKernel> {
    typealias Element = Kernel.Element

    static var depthBlock: Int { 256 }
    static var rowBlock: Int { 64 }
    static var columnBlock: Int { 1024 }
    /// Multiply-adds below which one thread finishes before a second would have started.
    static var parallelThreshold: Int { 1 << 20 }

    /// `c = a · b` (or `c += a · b` when `accumulate`), with `a` m×k, `b` k×n, `c` m×n.
    static func multiply(
        _ a: MatrixOperand<Element>, _ b: MatrixOperand<Element>, into c: MatrixTarget<Element>,
        m: Int, k: Int, n: Int, accumulate: Bool, maxThreads: Int
    ) {
        if m == 0 || n == 0 {
            return
        }
        if !accumulate {
            for row in 0..<m {
                for column in 0..<n {
                    c.pointer(row: row, column: column).pointee = Kernel.zero
                }
            }
        }
        if k == 0 {
            return
        }
        if m > n {
            // Computed as Cᵀ = Bᵀ·Aᵀ so that the shorter side is A: the tile kernels pack A in
            // `packedAWords` words per element, and a side under `Kernel.rows` rows (a matrix–vector
            // product) goes to the thin path rather than to tiles that are mostly padding.
            multiply(b.transposed, a.transposed, into: c.transposed, m: n, k: k, n: m, accumulate: true,
                     maxThreads: maxThreads)
            return
        }
        // m ≤ n: the threads take slices of B's columns; each packs its slice and all of A, the smaller side.
        let threads = m * k * n >= parallelThreshold ? max(1, maxThreads) : 1
        let units = (n + Kernel.columns - 1) / Kernel.columns
        let parts = min(threads, units)
        // A large product stops early (leaving C incomplete) once the run must stop: the machine then throws.
        let stop = m * k * n >= parallelThreshold ? StopSignal.current : nil
        if parts <= 1 {
            multiplySerially(a, b, into: c, m: m, k: k, n: n, stop: stop)
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let start = min(n, units * part / parts * Kernel.columns)
            let end = min(n, units * (part + 1) / parts * Kernel.columns)
            if start < end {
                multiplySerially(a, b.offset(row: 0, column: start), into: c.offset(row: 0, column: start),
                                 m: m, k: k, n: end - start, stop: stop)
            }
        }
    }

    /// Adds `a · b` to `c` on the calling thread; returns early, with C incomplete, once `stop` is raised.
    static func multiplySerially(
        _ a: MatrixOperand<Element>, _ b: MatrixOperand<Element>, into c: MatrixTarget<Element>,
        m: Int, k: Int, n: Int, stop: StopSignal? = nil
    ) {
        if m < Kernel.rows {
            Kernel.multiplyAddThin(a, b, into: c, m: m, k: k, n: n)
            return
        }
        let mr = Kernel.rows, nr = Kernel.columns
        // Blocks hold whole tiles, so the packing (which pads to whole tiles) stays inside the buffers.
        let rowBlock = max(mr, Self.rowBlock / mr * mr), columnBlock = max(nr, Self.columnBlock / nr * nr)
        let kcMax = min(k, depthBlock)
        let mcMax = min((m + mr - 1) / mr * mr, rowBlock)
        let ncMax = min((n + nr - 1) / nr * nr, columnBlock)
        let packedA = UnsafeMutableRawPointer.allocate(
            byteCount: 8 * Kernel.packedAWords * mcMax * kcMax, alignment: 64)
        let packedB = UnsafeMutableRawPointer.allocate(byteCount: 8 * ncMax * kcMax, alignment: 64)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 64)
        defer {
            packedA.deallocate()
            packedB.deallocate()
            scratch.deallocate()
        }
        for jc in stride(from: 0, to: n, by: columnBlock) {
            let nc = min(columnBlock, n - jc)
            for pc in stride(from: 0, to: k, by: depthBlock) {
                if let stop, stop.isRaised { return }
                let kc = min(depthBlock, k - pc)
                Kernel.packB(b.offset(row: pc, column: jc), depth: kc, columnCount: nc, into: packedB)
                for ic in stride(from: 0, to: m, by: rowBlock) {
                    let mc = min(rowBlock, m - ic)
                    Kernel.packA(a.offset(row: ic, column: pc), rowCount: mc, depth: kc, into: packedA)
                    for jr in stride(from: 0, to: nc, by: nr) {
                        let bGroup = UnsafeRawPointer(packedB + 8 * jr * kc)
                        for ir in stride(from: 0, to: mc, by: mr) {
                            Kernel.multiplyAdd(
                                depth: kc, a: UnsafeRawPointer(packedA + 8 * Kernel.packedAWords * ir * kc),
                                b: bGroup, into: c.offset(row: ic + ir, column: jc + jr),
                                rowCount: min(mr, mc - ir), columnCount: min(nr, nc - jr), scratch: scratch)
                        }
                    }
                }
            }
        }
    }
}

/// How many threads a large product uses by default: every processor the system lets this process use.
@usableFromInline let defaultKernelThreadCount = max(1, ProcessInfo.processInfo.activeProcessorCount)
