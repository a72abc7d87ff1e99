// The layout operations as NumPy defines them, element by element: each result index is unravelled, mapped to
// its source index, and ravelled again (the machine walks strides instead).

extension ReferenceKernels {
    static func unravel(_ flat: Int, _ shape: [Int]) -> [Int] {
        var index = [Int](repeating: 0, count: shape.count)
        var rest = flat
        for axis in shape.indices.reversed() {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }

    static func ravel(_ index: [Int], _ shape: [Int]) -> Int {
        zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
    }

    /// `np.concatenate(parts, axis)`.
    static func concatenate(_ parts: [(values: [Double], shape: [Int])], axis: Int) -> [Double] {
        var shape = parts[0].shape
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        return (0..<shape.reduce(1, *)).map { flat in
            var index = unravel(flat, shape)
            var part = 0
            while index[axis] >= parts[part].shape[axis] {
                index[axis] -= parts[part].shape[axis]
                part += 1
            }
            return parts[part].values[ravel(index, parts[part].shape)]
        }
    }

    /// `x[begin[0]::step[0], ...]` over `counts`.
    static func slice(_ x: [Double], _ shape: [Int], begin: [Int], step: [Int], counts: [Int]) -> [Double] {
        (0..<counts.reduce(1, *)).map { flat in
            let index = unravel(flat, counts)
            let source = index.indices.map { begin[$0] + index[$0] * step[$0] }
            return x[ravel(source, shape)]
        }
    }

    /// `np.pad(x, [(before, after), ...])` with zeros, into `output`.
    static func pad(_ x: [Double], _ shape: [Int], before: [Int], output: [Int]) -> [Double] {
        (0..<output.reduce(1, *)).map { flat in
            let index = unravel(flat, output)
            let source = index.indices.map { index[$0] - before[$0] }
            let inside = source.indices.allSatisfy { source[$0] >= 0 && source[$0] < shape[$0] }
            return inside ? x[ravel(source, shape)] : 0
        }
    }
}
