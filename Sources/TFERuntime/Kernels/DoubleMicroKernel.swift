// The Double matmul micro-kernel, the plaintext counterpart of the ring kernel.

/// The Double micro-kernel: a 4×4 tile of C in eight `SIMD2<Double>` accumulators (SSE2 `mulpd` and
/// `addpd`; baseline x86-64 has no FMA), A packed as splat pairs `[a, a]` so the loop needs no shuffles.
///
/// Sums are formed in the order of the naive `i-k-j` loop within each 256-deep block of k, except for
/// one-row products against a transposed B (interleaved partial sums), so results can differ from it
/// by rounding only.
enum DoubleMicroKernel: PackedMicroKernel {
    typealias Element = Double

    static var rows: Int { 4 }
    static var columns: Int { 4 }
    static var packedAWords: Int { 2 }
    static var zero: Double { 0 }

    static func packA(_ a: MatrixOperand<Double>, rowCount: Int, depth: Int, into packed: UnsafeMutableRawPointer) {
        let words = packed.assumingMemoryBound(to: Double.self)
        var out = 0
        for i0 in stride(from: 0, to: rowCount, by: 4) {
            let live = min(4, rowCount - i0)
            for p in 0..<depth {
                for r in 0..<4 {
                    let value = r < live ? a[i0 + r, p] : 0
                    words[out] = value
                    words[out + 1] = value
                    out += 2
                }
            }
        }
    }

    static func packB(_ b: MatrixOperand<Double>, depth: Int, columnCount: Int, into packed: UnsafeMutableRawPointer) {
        packColumnGroups(
            b, depth: depth, columnCount: columnCount, width: 4, into: packed.assumingMemoryBound(to: Double.self),
            zero: 0)
    }

    static func multiplyAdd(
        depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer, into c: MatrixTarget<Double>,
        rowCount: Int, columnCount: Int, scratch: UnsafeMutableRawPointer
    ) {
        let sums = scratch.assumingMemoryBound(to: Double.self)
        tile(depth: depth, a: a, b: b, sums: scratch.assumingMemoryBound(to: SIMD2<Double>.self))
        for r in 0..<rowCount {
            let row = c.pointer(row: r, column: 0)
            for q in 0..<columnCount {
                row[q * c.columnStride] += sums[4 * r + q]
            }
        }
    }

    /// The hot loop: `sums[2r]` and `sums[2r + 1]` get row r's columns 0–1 and 2–3.
    @inline(never)
    static func tile(depth: Int, a: UnsafeRawPointer, b: UnsafeRawPointer, sums: UnsafeMutablePointer<SIMD2<Double>>) {
        typealias V = SIMD2<Double>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var pa = a, pb = b
        for _ in 0..<depth {
            let b0 = pb.load(as: V.self), b1 = pb.load(fromByteOffset: 16, as: V.self)
            let a0 = pa.load(as: V.self), a1 = pa.load(fromByteOffset: 16, as: V.self)
            c00 += a0 * b0
            c01 += a0 * b1
            c10 += a1 * b0
            c11 += a1 * b1
            let a2 = pa.load(fromByteOffset: 32, as: V.self), a3 = pa.load(fromByteOffset: 48, as: V.self)
            c20 += a2 * b0
            c21 += a2 * b1
            c30 += a3 * b0
            c31 += a3 * b1
            pa += 64
            pb += 32
        }
        sums[0] = c00; sums[1] = c01; sums[2] = c10; sums[3] = c11
        sums[4] = c20; sums[5] = c21; sums[6] = c30; sums[7] = c31
    }

    static func multiplyAddThin(
        _ a: MatrixOperand<Double>, _ b: MatrixOperand<Double>, into c: MatrixTarget<Double>,
        m: Int, k: Int, n: Int
    ) {
        // One row of C at a time, summed in a contiguous buffer so the loops vectorize whatever C's layout.
        let aRow = UnsafeMutablePointer<Double>.allocate(capacity: k)
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer {
            aRow.deallocate()
            sums.deallocate()
        }
        for i in 0..<m {
            for p in 0..<k {
                aRow[p] = a[i, p]
            }
            if b.columnStride == 1 {
                // Σ_p a[p]·B[p, ·], four rows of B per pass over the sums (summed in the order of the naive loop).
                sums.update(repeating: 0, count: n)
                var p = 0
                while p + 4 <= k {
                    let a0 = aRow[p], a1 = aRow[p + 1], a2 = aRow[p + 2], a3 = aRow[p + 3]
                    let b0 = b.base + p * b.rowStride, b1 = b0 + b.rowStride
                    let b2 = b1 + b.rowStride, b3 = b2 + b.rowStride
                    for j in 0..<n {
                        sums[j] = (((sums[j] + a0 * b0[j]) + a1 * b1[j]) + a2 * b2[j]) + a3 * b3[j]
                    }
                    p += 4
                }
                while p < k {
                    let ap = aRow[p], bp = b.base + p * b.rowStride
                    for j in 0..<n {
                        sums[j] += ap * bp[j]
                    }
                    p += 1
                }
            } else {
                for j in 0..<n {
                    let column = b.base + j * b.columnStride, rs = b.rowStride
                    var sum: Double = 0
                    if rs == 1 {
                        // Bᵀ stored row-major: a contiguous dot product, in four interleaved partial sums
                        // (one chain of dependent adds would wait on the adder's latency).
                        var s0 = SIMD2<Double>(), s1 = SIMD2<Double>()
                        var p = 0
                        while p + 4 <= k {
                            s0 += SIMD2(aRow[p], aRow[p + 1]) * SIMD2(column[p], column[p + 1])
                            s1 += SIMD2(aRow[p + 2], aRow[p + 3]) * SIMD2(column[p + 2], column[p + 3])
                            p += 4
                        }
                        while p < k {
                            sum += aRow[p] * column[p]
                            p += 1
                        }
                        sum += (s0 + s1).sum()
                    } else {
                        for p in 0..<k {
                            sum += aRow[p] * column[p * rs]
                        }
                    }
                    sums[j] = sum
                }
            }
            let cRow = c.pointer(row: i, column: 0), cs = c.columnStride
            for j in 0..<n {
                cRow[j * cs] += sums[j]
            }
        }
    }
}
