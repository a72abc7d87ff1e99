// Opt-in AVX-512 micro-kernels: `SIMD8` lanes with a native 64-bit multiply (`vpmullq`) and FMA.

// The default build targets baseline x86-64 (SSE2), where these loops would be emulated lane by lane;
// Swift has no per-function target attributes and no `#if` on CPU features, so the wide kernels are
// chosen at compile time by a flag that must come with a CPU that has AVX-512DQ, for example
//     swift build -c release -Xswiftc -target-cpu -Xswiftc znver4 -Xswiftc -DTFE_AVX512
// A binary built that way stops with an illegal instruction on a CPU without AVX-512.

#if TFE_AVX512
/// The ring kernels' micro-kernel in this build: 4×16 tiles of `SIMD8<UInt64>` (about 24 G
/// multiply-adds/s per core on Zen 4, against about 4.8 G for the SSE2 kernel).
typealias SelectedRingKernel = RingWideMicroKernel
/// The Double kernels' micro-kernel in this build.
typealias SelectedDoubleKernel = DoubleWideMicroKernel
#else
/// The ring kernels' micro-kernel in this build (see `WideMicroKernels.swift` for the AVX-512 one).
typealias SelectedRingKernel = RingMicroKernel
/// The Double kernels' micro-kernel in this build.
typealias SelectedDoubleKernel = DoubleMicroKernel
#endif

/// A 4×16 ring tile in eight `SIMD8<UInt64>` accumulators; A packed as plain values, 4 per k.
///
/// Compiled in every build so it stays type-checked and tested, but only fast with AVX-512DQ.
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
        tile(depth: depth, a: a.assumingMemoryBound(to: UInt64.self), b: b,
             sums: scratch.assumingMemoryBound(to: SIMD8<UInt64>.self))
        let sums = scratch.assumingMemoryBound(to: UInt64.self)
        for r in 0..<rowCount {
            let row = c.pointer(row: r, column: 0)
            for q in 0..<columnCount {
                row[q * c.columnStride] &+= sums[16 * r + q]
            }
        }
    }

    /// The hot loop: `sums[2r]` and `sums[2r + 1]` get row r's columns 0–7 and 8–15.
    @inline(never)
    static func tile(
        depth: Int, a: UnsafePointer<UInt64>, b: UnsafeRawPointer, sums: UnsafeMutablePointer<SIMD8<UInt64>>
    ) {
        typealias V = SIMD8<UInt64>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var pa = a, pb = b
        for _ in 0..<depth {
            let b0 = pb.load(as: V.self), b1 = pb.load(fromByteOffset: 64, as: V.self)
            let a0 = V(repeating: pa[0]), a1 = V(repeating: pa[1]), a2 = V(repeating: pa[2]), a3 = V(repeating: pa[3])
            c00 &+= a0 &* b0
            c01 &+= a0 &* b1
            c10 &+= a1 &* b0
            c11 &+= a1 &* b1
            c20 &+= a2 &* b0
            c21 &+= a2 &* b1
            c30 &+= a3 &* b0
            c31 &+= a3 &* b1
            pa += 4
            pb += 128
        }
        sums[0] = c00; sums[1] = c01; sums[2] = c10; sums[3] = c11
        sums[4] = c20; sums[5] = c21; sums[6] = c30; sums[7] = c31
    }

    static func multiplyAddThin(
        _ a: MatrixOperand<UInt64>, _ b: MatrixOperand<UInt64>, into c: MatrixTarget<UInt64>, m: Int, k: Int, n: Int
    ) {
        RingMicroKernel.multiplyAddThin(a, b, into: c, m: m, k: k, n: n)
    }
}

/// A 4×16 Double tile in eight `SIMD8<Double>` accumulators with fused multiply-adds.
///
/// Only used with `TFE_AVX512`: without FMA hardware `addingProduct` is a library call per lane.
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
        tile(depth: depth, a: a.assumingMemoryBound(to: Double.self), b: b,
             sums: scratch.assumingMemoryBound(to: SIMD8<Double>.self))
        let sums = scratch.assumingMemoryBound(to: Double.self)
        for r in 0..<rowCount {
            let row = c.pointer(row: r, column: 0)
            for q in 0..<columnCount {
                row[q * c.columnStride] += sums[16 * r + q]
            }
        }
    }

    @inline(never)
    static func tile(
        depth: Int, a: UnsafePointer<Double>, b: UnsafeRawPointer, sums: UnsafeMutablePointer<SIMD8<Double>>
    ) {
        typealias V = SIMD8<Double>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var pa = a, pb = b
        for _ in 0..<depth {
            let b0 = pb.load(as: V.self), b1 = pb.load(fromByteOffset: 64, as: V.self)
            let a0 = V(repeating: pa[0]), a1 = V(repeating: pa[1]), a2 = V(repeating: pa[2]), a3 = V(repeating: pa[3])
            c00.addProduct(a0, b0)
            c01.addProduct(a0, b1)
            c10.addProduct(a1, b0)
            c11.addProduct(a1, b1)
            c20.addProduct(a2, b0)
            c21.addProduct(a2, b1)
            c30.addProduct(a3, b0)
            c31.addProduct(a3, b1)
            pa += 4
            pb += 128
        }
        sums[0] = c00; sums[1] = c01; sums[2] = c10; sums[3] = c11
        sums[4] = c20; sums[5] = c21; sums[6] = c30; sums[7] = c31
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
