// The Z_2^64 matmul micro-kernel: scalar and SSE2 multiplies side by side on a 4×4 tile.

/// The ring micro-kernel: a 4×4 tile of C, columns 0–1 on the scalar multiplier, columns 2–3 in
/// `SIMD2<UInt64>` lanes.
///
/// Baseline x86-64 (SSE2, what Swift targets without flags) has no 64-bit lane multiply: LLVM emulates
/// `&*` with three `pmuludq` (32×32→64), two shifts and two adds per pair of lanes. Since
/// a·b mod 2^64 = a₀b₀ + 2^32(a₁b₀ + a₀b₁) for 32-bit halves, the kernel instead keeps two accumulators
/// per pair: `low += a₀b₀` and `cross += a₁b₀ + a₀b₁`, and forms `low + cross << 32` once per tile,
/// which leaves three `pmuludq` and three adds per pair in the loop. A is packed as `[a, a, a₁, a₁]`
/// (splat lanes, high half pre-shifted) so the loop has no shuffles; masking with `0xffff_ffff` tells LLVM
/// the operands are 32-bit, which it turns into a bare `pmuludq`. The scalar columns keep the integer
/// multiplier busy at the same time. Measured on the loop alone (Zen 4): 4.8 G multiply-adds/s per core,
/// against 3.0 for a scalar 4×4 tile, 3.9 for the split SSE2 lanes alone and 2.4 for LLVM's `&*` on
/// `SIMD2<UInt64>`.
///
/// The combination `low + cross << 32` happens after the kernel returns through memory: inside one
/// function LLVM sees that only the low 32 bits of `cross` matter, drops the masks as redundant, and
/// falls back to the slow emulated multiply.
enum RingMicroKernel: PackedMicroKernel {
    typealias Element = UInt64

    static var rows: Int { 4 }
    static var columns: Int { 4 }
    static var packedAWords: Int { 4 }
    static var zero: UInt64 { 0 }

    static func packA(_ a: MatrixOperand<UInt64>, rowCount: Int, depth: Int, into packed: UnsafeMutableRawPointer) {
        let words = packed.assumingMemoryBound(to: UInt64.self)
        var out = 0
        for i0 in stride(from: 0, to: rowCount, by: 4) {
            let live = min(4, rowCount - i0)
            if live == 4 && a.columnStride == 1 {
                let r0 = a.base + i0 * a.rowStride, r1 = r0 + a.rowStride
                let r2 = r1 + a.rowStride, r3 = r2 + a.rowStride
                for p in 0..<depth {
                    store(r0[p], at: words + out)
                    store(r1[p], at: words + out + 4)
                    store(r2[p], at: words + out + 8)
                    store(r3[p], at: words + out + 12)
                    out += 16
                }
            } else {
                for p in 0..<depth {
                    for r in 0..<4 {
                        store(r < live ? a[i0 + r, p] : 0, at: words + out)
                        out += 4
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func store(_ value: UInt64, at pointer: UnsafeMutablePointer<UInt64>) {
        pointer[0] = value
        pointer[1] = value
        pointer[2] = value >> 32
        pointer[3] = value >> 32
    }

    static func packB(_ b: MatrixOperand<UInt64>, depth: Int, columnCount: Int, into packed: UnsafeMutableRawPointer) {
        packColumnGroups(
            b, depth: depth, columnCount: columnCount, width: 4, into: packed.assumingMemoryBound(to: UInt64.self),
            zero: 0)
    }

    static func multiplyAdd(
        depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer, into c: MatrixTarget<UInt64>,
        rowCount: Int, columnCount: Int, scratch: UnsafeMutableRawPointer
    ) {
        let vectors = scratch.assumingMemoryBound(to: SIMD2<UInt64>.self)
        let scalars = (scratch + 128).assumingMemoryBound(to: UInt64.self)
        tile(depth: depth, a: a, b: b, vectors: vectors, scalars: scalars)
        if rowCount == 4 && columnCount == 4 {
            for r in 0..<4 {
                let row = c.pointer(row: r, column: 0)
                let sum = vectors[r] &+ (vectors[4 + r] &<< 32)
                let cs = c.columnStride
                row[0] &+= scalars[2 * r]
                row[cs] &+= scalars[2 * r + 1]
                row[2 * cs] &+= sum[0]
                row[3 * cs] &+= sum[1]
            }
        } else {
            for r in 0..<rowCount {
                let row = c.pointer(row: r, column: 0)
                let sum = vectors[r] &+ (vectors[4 + r] &<< 32)
                for q in 0..<columnCount {
                    row[q * c.columnStride] &+= q < 2 ? scalars[2 * r + q] : sum[q - 2]
                }
            }
        }
    }

    /// The hot loop: `vectors[0..<4]` get the low and `vectors[4..<8]` the cross accumulators of
    /// columns 2–3 for rows 0–3, `scalars[2r + q]` the full sums of column q < 2 for row r.
    ///
    /// Statement order matters here: interleaving each row's scalar and vector work is what lets
    /// the integer and vector multipliers overlap (other orders measured 30% slower).
    @inline(never)
    static func tile(
        depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer,
        vectors: UnsafeMutablePointer<SIMD2<UInt64>>, scalars: UnsafeMutablePointer<UInt64>
    ) {
        typealias V = SIMD2<UInt64>
        let m = V(repeating: 0xffff_ffff)
        var l0 = V(), l1 = V(), l2 = V(), l3 = V(), x0 = V(), x1 = V(), x2 = V(), x3 = V()
        var c00: UInt64 = 0, c01: UInt64 = 0, c10: UInt64 = 0, c11: UInt64 = 0
        var c20: UInt64 = 0, c21: UInt64 = 0, c30: UInt64 = 0, c31: UInt64 = 0
        var pa = a, pb = b
        for _ in 0..<depth {
            let s0 = pb.load(as: UInt64.self), s1 = pb.load(fromByteOffset: 8, as: UInt64.self)
            let bv = pb.load(fromByteOffset: 16, as: V.self) & m
            let bh = pb.load(fromByteOffset: 16, as: V.self) &>> 32
            let sa0 = pa.load(as: UInt64.self)
            c00 &+= sa0 &* s0
            c01 &+= sa0 &* s1
            let a0 = pa.load(as: V.self) & m, h0 = pa.load(fromByteOffset: 16, as: V.self) & m
            l0 &+= a0 &* bv
            x0 &+= h0 &* bv
            x0 &+= a0 &* bh
            let sa1 = pa.load(fromByteOffset: 32, as: UInt64.self)
            c10 &+= sa1 &* s0
            c11 &+= sa1 &* s1
            let a1 = pa.load(fromByteOffset: 32, as: V.self) & m, h1 = pa.load(fromByteOffset: 48, as: V.self) & m
            l1 &+= a1 &* bv
            x1 &+= h1 &* bv
            x1 &+= a1 &* bh
            let sa2 = pa.load(fromByteOffset: 64, as: UInt64.self)
            c20 &+= sa2 &* s0
            c21 &+= sa2 &* s1
            let a2 = pa.load(fromByteOffset: 64, as: V.self) & m, h2 = pa.load(fromByteOffset: 80, as: V.self) & m
            l2 &+= a2 &* bv
            x2 &+= h2 &* bv
            x2 &+= a2 &* bh
            let sa3 = pa.load(fromByteOffset: 96, as: UInt64.self)
            c30 &+= sa3 &* s0
            c31 &+= sa3 &* s1
            let a3 = pa.load(fromByteOffset: 96, as: V.self) & m, h3 = pa.load(fromByteOffset: 112, as: V.self) & m
            l3 &+= a3 &* bv
            x3 &+= h3 &* bv
            x3 &+= a3 &* bh
            pa += 128
            pb += 32
        }
        vectors[0] = l0; vectors[1] = l1; vectors[2] = l2; vectors[3] = l3
        vectors[4] = x0; vectors[5] = x1; vectors[6] = x2; vectors[7] = x3
        scalars[0] = c00; scalars[1] = c01; scalars[2] = c10; scalars[3] = c11
        scalars[4] = c20; scalars[5] = c21; scalars[6] = c30; scalars[7] = c31
    }

    static func multiplyAddThin(
        _ a: MatrixOperand<UInt64>, _ b: MatrixOperand<UInt64>, into c: MatrixTarget<UInt64>,
        m: Int, k: Int, n: Int
    ) {
        ringMultiplyAddThin(a, b, into: c, m: m, k: k, n: n, rowTimesMatrix: rowTimesMatrix, dot: dot)
    }

    /// `sums[j] += Σ_p row[p] · b[p · rowStride + j]`, four rows of B per pass over the sums. (A split-accumulator
    /// SIMD2 version of this loop measured slower: the sums live in memory, not registers.)
    /// `TFEKernelsAVX512`'s `WideTiles.ringRowTimesMatrix` is the same loop compiled for AVX-512.
    static func rowTimesMatrix(
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

    /// `Σ_p x[p] · y[p]`, a contiguous dot product, which LLVM vectorizes (`WideTiles.ringDot` for AVX-512).
    static func dot(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>, count: Int) -> UInt64 {
        var sum: UInt64 = 0
        for p in 0..<count {
            sum &+= x[p] &* y[p]
        }
        return sum
    }
}

/// Adds `a · b` to `c` one row of C at a time, summed in a contiguous buffer so the loops vectorize whatever C's
/// layout: `rowTimesMatrix` when B's rows are contiguous, `dot` when its columns are (Bᵀ stored row-major). Each
/// ring micro-kernel passes its own compilation of the two loops.
func ringMultiplyAddThin(
    _ a: MatrixOperand<UInt64>, _ b: MatrixOperand<UInt64>, into c: MatrixTarget<UInt64>, m: Int, k: Int, n: Int,
    rowTimesMatrix: (UnsafePointer<UInt64>, Int, UnsafePointer<UInt64>, Int, Int, UnsafeMutablePointer<UInt64>)
        -> Void,
    dot: (UnsafePointer<UInt64>, UnsafePointer<UInt64>, Int) -> UInt64
) {
    let aRow = UnsafeMutablePointer<UInt64>.allocate(capacity: k)
    let sums = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
    defer {
        aRow.deallocate()
        sums.deallocate()
    }
    for i in 0..<m {
        for p in 0..<k {
            aRow[p] = a[i, p]
        }
        if b.columnStride == 1 {
            sums.update(repeating: 0, count: n)
            rowTimesMatrix(aRow, k, b.base, b.rowStride, n, sums)
        } else {
            for j in 0..<n {
                let column = b.base + j * b.columnStride, rs = b.rowStride
                if rs == 1 {
                    sums[j] = dot(aRow, column, k)
                } else {
                    var sum: UInt64 = 0
                    for p in 0..<k {
                        sum &+= aRow[p] &* column[p * rs]
                    }
                    sums[j] = sum
                }
            }
        }
        let cRow = c.pointer(row: i, column: 0), cs = c.columnStride
        for j in 0..<n {
            cRow[j * cs] &+= sums[j]
        }
    }
}

/// Packs `b[0..<depth, 0..<columnCount]` as groups of `width` columns, each group `depth` rows of
/// `width` words, zero-padding the last group.
func packColumnGroups<Element>(
    _ b: MatrixOperand<Element>, depth: Int, columnCount: Int, width: Int, into words: UnsafeMutablePointer<Element>,
    zero: Element
) {
    var out = words
    for j0 in stride(from: 0, to: columnCount, by: width) {
        let live = min(width, columnCount - j0)
        if live == width && b.columnStride == 1 {
            var row = b.base + j0
            for _ in 0..<depth {
                for q in 0..<width {
                    out[q] = row[q]
                }
                out += width
                row += b.rowStride
            }
        } else if live == width && b.rowStride == 1 {
            // Transposed B: walk `width` stored rows side by side.
            let column = b.base + j0 * b.columnStride
            for p in 0..<depth {
                for q in 0..<width {
                    out[q] = column[q * b.columnStride + p]
                }
                out += width
            }
        } else {
            for p in 0..<depth {
                for q in 0..<width {
                    out[q] = q < live ? b[p, j0 + q] : zero
                }
                out += width
            }
        }
    }
}
