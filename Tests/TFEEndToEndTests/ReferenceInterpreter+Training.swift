// The reference of SecureNN's training operations: relu_deriv, maxpool2d_grad and division by a private value.

import TFECore
import TFEFrontend

extension ReferenceInterpreter {
    /// `relu_deriv`: [x ≥ 0]; within its bound of 0 the machine may decide either way.
    func reluDerivative(_ x: ReferenceTensor, shape: [Int]) -> ReferenceTensor {
        ReferenceTensor(
            shape: shape, values: x.values.map { $0 >= 0 ? 1 : 0 },
            bounds: zip(x.values, x.bounds).map { v, e in e > 0 && Swift.abs(v) <= e ? 1 : 0 })
    }

    /// `maxpool2d_grad`: each window's dy added to the window's first maximum (row-major). When another cell
    /// may be the maximum within the bounds, the dy may land on any such cell: each gets |dy| + e in its bound.
    func maxPoolGradient(
        _ x: ReferenceTensor, _ dy: ReferenceTensor, size: Int, stride: Int, padding: Padding, shape: [Int]
    ) -> ReferenceTensor {
        let (windows, _) = ReferenceKernels.poolWindows(x.shape, size: size, stride: stride, padding: padding)
        var values = [Double](repeating: 0, count: x.values.count), bounds = values
        for (w, cells) in windows.enumerated() {
            guard var best = cells.first else { continue }
            for cell in cells where x.values[cell] > x.values[best] { best = cell }
            let (g, e) = (dy.values[w], dy.bounds[w])
            values[best] += g
            let rivals = cells.filter { other in
                other != best && x.bounds[other] + x.bounds[best] > 0
                    && x.values[other] + x.bounds[other] >= x.values[best] - x.bounds[best]
            }
            if rivals.isEmpty {
                bounds[best] += e
            } else {
                for cell in rivals + [best] { bounds[cell] += Swift.abs(g) + e }
            }
        }
        return ReferenceTensor(shape: shape, values: values, bounds: bounds)
    }

    /// `a / b` with a private b: SecureNN's long division gives floor(a/b · 2^frac) / 2^frac, clamped to
    /// [0, 2 − ulp]. Its bound: the propagated operand errors, one ulp for the floor, and, near the clamps,
    /// the distance to them.
    func privateQuotient(_ a: ReferenceTensor, _ b: ReferenceTensor, shape: [Int]) -> ReferenceTensor {
        let values = ReferenceKernels.binary(a.values, a.shape, b.values, b.shape) { x, y in
            Swift.min(Swift.max(x / y, 0), 2 - ulp)
        }.values
        let numerators = ReferenceKernels.binary(a.values, a.shape, b.values, b.shape) { x, _ in x }.values
        let numeratorBounds = ReferenceKernels.binary(a.bounds, a.shape, b.values, b.shape) { e, _ in e }.values
        let divisors = ReferenceKernels.binary(a.values, a.shape, b.values, b.shape) { _, y in y }.values
        let divisorBounds = ReferenceKernels.binary(a.values, a.shape, b.bounds, b.shape) { _, e in e }.values
        var bounds: [Double] = []
        for k in values.indices {
            let (x, ex, y, ey) = (numerators[k], numeratorBounds[k], divisors[k], divisorBounds[k])
            guard Swift.abs(y) > ey else {
                bounds.append(.infinity)
                continue
            }
            let propagated = ex / (Swift.abs(y) - ey) + Swift.abs(x) * ey / (Swift.abs(y) * (Swift.abs(y) - ey))
            bounds.append(propagated + ulp)
        }
        return ReferenceTensor(shape: shape, values: values, bounds: bounds)
    }
}
