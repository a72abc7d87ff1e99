// ABY3's local cross terms x_i∘y_i + x_i∘y_(i+1) + x_(i+1)∘y_i (`Machine.crossTerms`), which sum whichever
// operand is smaller and fold a rank-2 matrix product's two products into one buffer, against the three
// products taken one by one, on random words for every product kind and both choices of the summed operand.

import TFEBytecode
import TFECore
import TFETestSupport
import Testing

@testable import TFERuntime

@Suite struct ReplicatedProductTests {
    /// The cross terms as three separate products, summed.
    static func reference(
        _ kind: TripleKind, _ x: ([UInt64], [UInt64]), _ xShape: [Int], _ y: ([UInt64], [UInt64]), _ yShape: [Int]
    ) throws -> [UInt64] {
        let terms = [(x.0, y.0), (x.0, y.1), (x.1, y.0)]
        return try terms.map { try Machine.product(kind, $0.0, xShape, $0.1, yShape) }
            .reduce(into: [UInt64]?.none) { sum, term in sum = sum.map { RingKernels.add($0, term) } ?? term }!
    }

    /// (kind, x's shape, y's shape): x smaller, y smaller, equal, a batch of matrices against one, a vector
    /// times a matrix (the thin path), broadcasting, and a convolution whose kernel is the smaller side.
    static let cases: [(TripleKind, [Int], [Int])] = [
        (.matmul, [3, 40], [40, 50]),
        (.matmul, [60, 20], [20, 5]),
        (.matmul, [9, 9], [9, 9]),
        (.matmul, [2, 7, 12], [12, 30]),
        (.matmul, [1, 70], [70, 33]),
        (.mul, [4, 6], [4, 6]),
        (.mul, [5, 8], [8]),
        (.mul, [3], [2, 3]),
        (.conv2d(stride: 1, padding: .same), [2, 6, 6, 3], [3, 3, 3, 4]),
        (.conv2d(stride: 2, padding: .valid), [1, 7, 7, 2], [3, 3, 2, 2]),
    ]

    @Test(arguments: 0..<cases.count) func crossTermsEqualTheThreeProducts(_ index: Int) throws {
        let (kind, xShape, yShape) = Self.cases[index]
        let seed = UInt64(0xAB3 + index)
        var random = SplitMix64(seed: seed)
        func words(_ shape: [Int]) -> [UInt64] { (0..<shape.reduce(1, *)).map { _ in random.next() } }
        let x = (words(xShape), words(xShape)), y = (words(yShape), words(yShape))
        let fused = try Machine.crossTerms(kind, x, xShape, y, yShape)
        #expect(fused == (try Self.reference(kind, x, xShape, y, yShape)), "seed \(seed)")
    }
}
