// A read-only strided view of a matrix, so one packing routine serves A, Aᵀ, B and Bᵀ.

/// A matrix read through a base pointer and two strides: element (row, column) is at
/// `base[row * rowStride + column * columnStride]`.
///
/// A row-major `rows × columns` buffer has strides `(columns, 1)`; reading the same buffer as its
/// transpose swaps them. The matmul kernels pack their operands through this view, so a transposed
/// operand costs nothing beyond a different access order while packing.
struct MatrixOperand<Element>: @unchecked Sendable {
    let base: UnsafePointer<Element>
    let rowStride: Int
    let columnStride: Int

    init(base: UnsafePointer<Element>, rowStride: Int, columnStride: Int) {
        self.base = base
        self.rowStride = rowStride
        self.columnStride = columnStride
    }

    /// The `rows × columns` matrix stored row-major at `base`, or its transpose when `transposed`
    /// (then the buffer holds `columns × rows` values).
    init(rowMajor base: UnsafePointer<Element>, rows: Int, columns: Int, transposed: Bool) {
        if transposed {
            self.init(base: base, rowStride: 1, columnStride: rows)
        } else {
            self.init(base: base, rowStride: columns, columnStride: 1)
        }
    }

    subscript(row: Int, column: Int) -> Element {
        base[row * rowStride + column * columnStride]
    }

    /// The same memory read as the transposed matrix.
    var transposed: MatrixOperand {
        MatrixOperand(base: base, rowStride: columnStride, columnStride: rowStride)
    }

    /// The view whose (0, 0) is this view's (row, column).
    func offset(row: Int, column: Int) -> MatrixOperand {
        MatrixOperand(base: base + (row * rowStride + column * columnStride), rowStride: rowStride,
                      columnStride: columnStride)
    }
}

/// A mutable output matrix, element (row, column) at `base[row * rowStride + column * columnStride]`,
/// shared by the threads of one product (each writes a disjoint block). A transposed target lets the
/// driver compute `Cᵀ = Bᵀ · Aᵀ` when that packs less.
struct MatrixTarget<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
    let rowStride: Int
    let columnStride: Int

    init(base: UnsafeMutablePointer<Element>, rowStride: Int, columnStride: Int = 1) {
        self.base = base
        self.rowStride = rowStride
        self.columnStride = columnStride
    }

    /// The element pointer of (row, column).
    func pointer(row: Int, column: Int) -> UnsafeMutablePointer<Element> {
        base + (row * rowStride + column * columnStride)
    }

    func offset(row: Int, column: Int) -> MatrixTarget {
        MatrixTarget(base: pointer(row: row, column: column), rowStride: rowStride, columnStride: columnStride)
    }

    /// The same memory read as the transposed matrix.
    var transposed: MatrixTarget {
        MatrixTarget(base: base, rowStride: columnStride, columnStride: rowStride)
    }
}
