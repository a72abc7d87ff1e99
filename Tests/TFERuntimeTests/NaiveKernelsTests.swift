// The reference kernels against small hand-computed cases.

import TFECore
import Testing

@testable import TFERuntime

@Suite struct NaiveKernelsTests {
    @Test func broadcasting() throws {
        let result = try NaiveKernels.binary([1.0, 2], [2, 1], [10.0, 20, 30], [3], +)
        #expect(result.shape == [2, 3])
        #expect(result.values == [11, 21, 31, 12, 22, 32])
        let scalar = try NaiveKernels.binary([UInt64(5)], [], [1, 2], [2], &-)
        #expect(scalar.values == [4, 3])
        #expect(throws: NaiveKernels.ShapeError.self) { try NaiveKernels.binary([1.0, 2], [2], [1.0, 2, 3], [3], +) }
        #expect(NaiveKernels.broadcastIndices(from: [3, 1], to: [2, 3, 2]) == [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2])
        let selected = try NaiveKernels.select([1.0, 0], [2, 1], [1.0, 2], [2], [-1.0], []) { $0 != 0 }
        #expect(selected.values == [1, 2, -1, -1])
    }

    @Test func matmulBatchesAndVectors() throws {
        // [2, 2, 3] @ [3, 1]: the matrix is broadcast over the batch.
        let a: [UInt64] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        let minusOne = UInt64.max, minusTwo = UInt64.max - 1
        let result = try NaiveKernels.matmul(a, [2, 2, 3], [1, 0, minusOne], [3, 1])
        #expect(result.shape == [2, 2, 1])
        #expect(result.values == [UInt64](repeating: minusTwo, count: 4))
        let vector = try NaiveKernels.matmul([1.0, 2], [2], [1.0, 2, 3, 4], [2, 2])
        #expect(vector.shape == [2])
        #expect(vector.values == [7, 10])
        #expect(throws: NaiveKernels.ShapeError.self) {
            try NaiveKernels.matmul([1.0, 2], [1, 2], [1.0, 2, 3], [3, 1])
        }
    }

    @Test func convolutionPaddingSplitsLikeTensorFlow() throws {
        // 3x3 input, 2x2 all-ones kernel, SAME: one row and column of padding, after the input.
        let x: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let same = try NaiveKernels.conv2d(x, [1, 3, 3, 1], [1, 1, 1, 1], [2, 2, 1, 1], stride: 1, padding: .same)
        #expect(same.shape == [1, 3, 3, 1])
        #expect(same.values == [12, 16, 9, 24, 28, 15, 15, 17, 9])
        let valid = try NaiveKernels.conv2d(x, [1, 3, 3, 1], [1, 1, 1, 1], [2, 2, 1, 1], stride: 1, padding: .valid)
        #expect(valid.values == [12, 16, 24, 28])
        // 3x3 kernel over 4x4 with stride 2, SAME: total padding 1, none before.
        let y = (0..<16).map(Double.init)
        let strided = try NaiveKernels.conv2d(
            y, [1, 4, 4, 1], [Double](repeating: 1, count: 9), [3, 3, 1, 1], stride: 2, padding: .same)
        #expect(strided.shape == [1, 2, 2, 1])
        #expect(strided.values == [45, 39, 66, 50])
        #expect(throws: NaiveKernels.ShapeError.self) {
            try NaiveKernels.conv2d(x, [1, 3, 3, 1], [1, 1], [1, 1, 2, 1], stride: 1, padding: .same)
        }
    }

    @Test func reductionsAndTranspose() throws {
        let x = (0..<24).map(Double.init)
        let summed = try NaiveKernels.sum(x, [2, 3, 4], axis: -2)
        #expect(summed.shape == [2, 4])
        #expect(summed.values == [12, 15, 18, 21, 48, 51, 54, 57])
        #expect(throws: NaiveKernels.ShapeError.self) { try NaiveKernels.sum(x, [2, 3, 4], axis: 3) }
        let transposed = try NaiveKernels.transpose(x, [2, 3, 4], permutation: [2, 0, 1])
        #expect(transposed.shape == [4, 2, 3])
        #expect(Array(transposed.values.prefix(7)) == [0, 4, 8, 12, 16, 20, 1])
        #expect(throws: NaiveKernels.ShapeError.self) {
            try NaiveKernels.transpose(x, [2, 3, 4], permutation: [0, 0, 1])
        }
        let argmax = try NaiveKernels.argmax([1, 3, 3, .nan, 0, 2], [2, 3], axis: 1)
        #expect(argmax.values == [1, 0])
        let softmax = try NaiveKernels.softmax([0, 0, 1000, 1000], [2, 2], axis: 1)
        #expect(softmax == [0.5, 0.5, 0.5, 0.5])
    }

    @Test func fixedPointEncoding() {
        let fixed = FixedPoint(fractionalBits: 16)
        #expect(fixed.encode(-1.5, as: .fixed) == UInt64(bitPattern: -98304))
        #expect(fixed.decode(UInt64(bitPattern: -98304), as: .fixed) == -1.5)
        #expect(fixed.encode(4_611_686_018_427_387_904, as: .int) == 1 << 62)
        #expect(fixed.encode(9_223_372_036_854_775_808, as: .int) == 1 << 63)
        #expect(fixed.encode(.nan, as: .fixed) == nil)
        #expect(fixed.encode(1e300, as: .int) == nil)
        #expect(fixed.inputLimit == 1_073_741_824)
    }
}
