// The AVX-512 micro-kernels: packing and the sums' way into C here, in baseline code; the hot loops in
// `TFEKernelsAVX512`, compiled for x86-64-v4. Only `MatmulKernel.avx512` reaches them, so only a CPU that has
// AVX-512 runs them.

import TFEKernelsAVX512

/// A 4×16 ring tile in eight `SIMD8<UInt64>` accumulators; A packed as plain values, 4 per k.
///
/// The thin path (fewer than four rows) runs the same loops as `RingMicroKernel`'s, compiled for AVX-512.
enum RingWideMicroKernel: PackedMicroKernel {
    typealias Element = UInt64

    static var rows: Int { 4 }
    static var columns: Int { 16 }
    static var packedAWords: Int { 1 }
    static var zero: UInt64 { 0 }

    static func packA(_ a: MatrixOperand<UInt64>, rowCount: Int, depth: Int, into packed: UnsafeMutableRawPointer) {
        packRowGroups(a, rowCount: rowCount, depth: depth, into: packed.assumingMemoryBound(to: UInt64.self), zero: 0)
    }

    static func packB(_ b: MatrixOperand<UInt64>, depth: Int, columnCount: Int, into packed: UnsafeMutableRawPointer) {
        packColumnGroups(
            b, depth: depth, columnCount: columnCount, width: 16, into: packed.assumingMemoryBound(to: UInt64.self),
            zero: 0)
    }

    static func multiplyAdd(
        depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer, into c: MatrixTarget<UInt64>,
        rowCount: Int, columnCount: Int, scratch: UnsafeMutableRawPointer
    ) {
        WideTiles.ringTile(depth: depth, a: a.assumingMemoryBound(to: UInt64.self), b: b, sums: scratch)
        let sums = scratch.assumingMemoryBound(to: UInt64.self)
        for r in 0..<rowCount {
            let row = c.pointer(row: r, column: 0)
            for q in 0..<columnCount {
                row[q * c.columnStride] &+= sums[16 * r + q]
            }
        }
    }

    static func multiplyAddThin(
        _ a: MatrixOperand<UInt64>, _ b: MatrixOperand<UInt64>, into c: MatrixTarget<UInt64>, m: Int, k: Int, n: Int
    ) {
        ringMultiplyAddThin(a, b, into: c, m: m, k: k, n: n, rowTimesMatrix: WideTiles.ringRowTimesMatrix,
                            dot: WideTiles.ringDot)
    }
}

/// A 4×16 Double tile in eight `SIMD8<Double>` accumulators, multiplying and adding separately (no FMA).
///
/// It adds in the same order as `DoubleMicroKernel` (and shares its thin path), so the two agree bit for bit.
enum DoubleWideMicroKernel: PackedMicroKernel {
    typealias Element = Double

    static var rows: Int { 4 }
    static var columns: Int { 16 }
    static var packedAWords: Int { 1 }
    static var zero: Double { 0 }

    static func packA(_ a: MatrixOperand<Double>, rowCount: Int, depth: Int, into packed: UnsafeMutableRawPointer) {
        packRowGroups(a, rowCount: rowCount, depth: depth, into: packed.assumingMemoryBound(to: Double.self), zero: 0)
    }

    static func packB(_ b: MatrixOperand<Double>, depth: Int, columnCount: Int, into packed: UnsafeMutableRawPointer) {
        packColumnGroups(
            b, depth: depth, columnCount: columnCount, width: 16, into: packed.assumingMemoryBound(to: Double.self),
            zero: 0)
    }

    static func multiplyAdd(
        depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer, into c: MatrixTarget<Double>,
        rowCount: Int, columnCount: Int, scratch: UnsafeMutableRawPointer
    ) {
        WideTiles.doubleTile(depth: depth, a: a.assumingMemoryBound(to: Double.self), b: b, sums: scratch)
        let sums = scratch.assumingMemoryBound(to: Double.self)
        for r in 0..<rowCount {
            let row = c.pointer(row: r, column: 0)
            for q in 0..<columnCount {
                row[q * c.columnStride] += sums[16 * r + q]
            }
        }
    }

    static func multiplyAddThin(
        _ a: MatrixOperand<Double>, _ b: MatrixOperand<Double>, into c: MatrixTarget<Double>, m: Int, k: Int, n: Int
    ) {
        DoubleMicroKernel.multiplyAddThin(a, b, into: c, m: m, k: k, n: n)
    }
}

/// Packs `a[0..<rowCount, 0..<depth]` as groups of four rows, each group `depth` columns of four
/// values, zero-padding the last group.
func packRowGroups<Element>(
    _ a: MatrixOperand<Element>, rowCount: Int, depth: Int, into words: UnsafeMutablePointer<Element>, zero: Element
) {
    var out = words
    for i0 in stride(from: 0, to: rowCount, by: 4) {
        let live = min(4, rowCount - i0)
        for p in 0..<depth {
            for r in 0..<4 {
                out[r] = r < live ? a[i0 + r, p] : zero
            }
            out += 4
        }
    }
}
