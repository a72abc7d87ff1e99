// The hot loops of the wide matmul micro-kernels, in a module of their own that `Package.swift` compiles for
// x86-64-v4 (AVX-512F/DQ/BW/VL/CD), so that `SIMD8<UInt64>` multiplies become `vpmullq` on zmm registers.
//
// Nothing here is `@inlinable` and every entry point is `@inline(never)`: the code compiled for AVX-512 stays in
// this module, and TFERuntime (baseline x86-64) calls it only after checking at run time that the CPU and the OS
// support AVX-512 (`MatmulKernel.selected`). Built for another architecture (no flag), the same source is plain
// portable Swift, correct but never chosen.

/// The wide micro-kernels' tiles and row loops over packed operands; TFERuntime's `RingWideMicroKernel` and
/// `DoubleWideMicroKernel` pack the operands and add the sums into C.
public enum WideTiles {
    /// Sums one 4×16 tile of a ring (Z_2^64, wrapping) product over `depth` steps.
    ///
    /// `a` holds `depth` groups of 4 values (one per row), `b` holds `depth` rows of 16 values, 64-byte aligned;
    /// `sums` (64-byte aligned, 512 bytes) gets the tile row-major: row r's 16 sums at `sums[16 r ..< 16 r + 16]`.
    @inline(never)
    public static func ringTile(
        depth: Int, a: UnsafePointer<UInt64>, b: UnsafeRawPointer, sums: UnsafeMutableRawPointer
    ) {
        tile(depth: depth, a: a, b: b, sums: sums)
    }

    /// Sums one 4×16 tile of a Double product over `depth` steps, laid out as in
    /// `ringTile(depth:a:b:sums:)`.
    ///
    /// Each sum is formed as `(s + a·b)` with a separate multiply and add (no fused multiply-add), in the order
    /// of k, so the result equals the portable kernel's bit for bit on every CPU.
    @inline(never)
    public static func doubleTile(
        depth: Int, a: UnsafePointer<Double>, b: UnsafeRawPointer, sums: UnsafeMutableRawPointer
    ) {
        tile(depth: depth, a: a, b: b, sums: sums)
    }

    /// The 4×16 tile in eight `SIMD8` accumulators: per step, two loads of B, four broadcasts of A and eight
    /// multiply-adds (`vpmullq` and `vpaddq` for the ring). Specialized into each public entry point.
    @inline(__always)
    static func tile<Lane: TileLane>(
        depth: Int, a: UnsafePointer<Lane>, b: UnsafeRawPointer, sums: UnsafeMutableRawPointer
    ) {
        typealias V = SIMD8<Lane>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var pa = a, pb = b
        for _ in 0..<depth {
            let b0 = pb.load(as: V.self), b1 = pb.load(fromByteOffset: 64, as: V.self)
            let a0 = V(repeating: pa[0]), a1 = V(repeating: pa[1]), a2 = V(repeating: pa[2]), a3 = V(repeating: pa[3])
            Lane.addProduct(&c00, a0, b0)
            Lane.addProduct(&c01, a0, b1)
            Lane.addProduct(&c10, a1, b0)
            Lane.addProduct(&c11, a1, b1)
            Lane.addProduct(&c20, a2, b0)
            Lane.addProduct(&c21, a2, b1)
            Lane.addProduct(&c30, a3, b0)
            Lane.addProduct(&c31, a3, b1)
            pa += 4
            pb += 128
        }
        let out = sums.assumingMemoryBound(to: V.self)
        out[0] = c00; out[1] = c01; out[2] = c10; out[3] = c11
        out[4] = c20; out[5] = c21; out[6] = c30; out[7] = c31
    }

    /// `sums[j] += Σ_p row[p] · b[p · rowStride + j]` for `j < n`, `p < depth`, mod 2^64: one row of A times a
    /// matrix B whose rows are contiguous (a matrix–vector product, the thin path of batch-1 layers).
    @inline(never)
    public static func ringRowTimesMatrix(
        row: UnsafePointer<UInt64>, depth: Int, b: UnsafePointer<UInt64>, rowStride: Int, n: Int,
        sums: UnsafeMutablePointer<UInt64>
    ) {
        var p = 0
        while p + 4 <= depth {
            let a0 = row[p], a1 = row[p + 1], a2 = row[p + 2], a3 = row[p + 3]
            let b0 = b + p * rowStride, b1 = b0 + rowStride, b2 = b1 + rowStride, b3 = b2 + rowStride
            for j in 0..<n {
                sums[j] &+= a0 &* b0[j] &+ a1 &* b1[j] &+ a2 &* b2[j] &+ a3 &* b3[j]
            }
            p += 4
        }
        while p < depth {
            let ap = row[p], bp = b + p * rowStride
            for j in 0..<n {
                sums[j] &+= ap &* bp[j]
            }
            p += 1
        }
    }

    /// `Σ_p x[p] · y[p]` for `p < count`, mod 2^64: a contiguous dot product.
    @inline(never)
    public static func ringDot(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>, count: Int) -> UInt64 {
        var sum: UInt64 = 0
        for p in 0..<count {
            sum &+= x[p] &* y[p]
        }
        return sum
    }
}

/// A lane type of the wide tiles and how one step adds a product to an accumulator.
protocol TileLane: SIMDScalar, Codable, Hashable {
    /// `sums += a · b` lane by lane: wrapping for the ring, a rounded multiply then a rounded add for Double.
    static func addProduct(_ sums: inout SIMD8<Self>, _ a: SIMD8<Self>, _ b: SIMD8<Self>)
}

extension UInt64: TileLane {
    @inline(__always)
    static func addProduct(_ sums: inout SIMD8<UInt64>, _ a: SIMD8<UInt64>, _ b: SIMD8<UInt64>) {
        sums &+= a &* b
    }
}

extension Double: TileLane {
    @inline(__always)
    static func addProduct(_ sums: inout SIMD8<Double>, _ a: SIMD8<Double>, _ b: SIMD8<Double>) {
        sums += a * b
    }
}
