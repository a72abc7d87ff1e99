// Element-wise ring kernels, broadcasting and axis sums against one-value-at-a-time references.

import TFETestSupport
import Testing
import TFERuntime

@Suite struct RingKernelsTests {
    @Test(arguments: [0, 1, 2, 3, 17, 1000])
    func elementWiseOperations(count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        let x = rng.ringValues(count), y = rng.ringValues(count)
        let constant: UInt64 = 0xffff_ffff_0000_0003
        #expect(RingKernels.add(x, y) == zip(x, y).map { $0 &+ $1 })
        #expect(RingKernels.subtract(x, y) == zip(x, y).map { $0 &- $1 })
        #expect(RingKernels.multiply(x, y) == zip(x, y).map { $0 &* $1 })
        #expect(RingKernels.negate(x) == x.map { 0 &- $0 })
        #expect(RingKernels.multiply(x, byConstant: constant) == x.map { $0 &* constant })
        #expect(RingKernels.add(x, constant: constant) == x.map { $0 &+ constant })
        var sum = x
        RingKernels.add(y, to: &sum)
        #expect(sum == RingKernels.add(x, y))
        RingKernels.subtract(y, from: &sum)
        #expect(sum == x)
        #expect(RingKernels.sum(x) == x.reduce(0, &+))
    }

    @Test func wrapsAround() {
        #expect(RingKernels.add([UInt64.max], [2]) == [1])
        #expect(RingKernels.subtract([0], [1]) == [UInt64.max])
        #expect(RingKernels.negate([1, 0]) == [UInt64.max, 0])
        #expect(RingKernels.multiply([1 << 63], [2]) == [0])
        #expect(RingKernels.multiply([UInt64.max], byConstant: UInt64.max) == [1])
    }

    @Test func broadcastAddOverTheLastAxis() {
        var rng = SplitMix64(seed: 3)
        for (rows, width) in [(1, 1), (4, 3), (7, 10), (0, 5)] {
            let x = rng.ringValues(rows * width), bias = rng.ringValues(width)
            let expected = x.indices.map { x[$0] &+ bias[$0 % width] }
            #expect(RingKernels.addBroadcastingLastAxis(x, bias) == expected)
        }
    }

    @Test(arguments: [[5], [3, 4], [2, 1, 3], [2, 3, 4, 5], [3, 0, 2]])
    func sumOverEachAxis(shape: [Int]) {
        var rng = SplitMix64(seed: UInt64(shape.count))
        let x = rng.ringValues(shape.reduce(1, *))
        for axis in shape.indices {
            #expect(RingKernels.sum(x, shape: shape, axis: axis) == referenceSum(x, shape: shape, axis: axis),
                    "shape \(shape) axis \(axis)")
        }
    }

    /// Sums by walking every multi-index.
    func referenceSum(_ x: [UInt64], shape: [Int], axis: Int) -> [UInt64] {
        var outShape = shape
        outShape.remove(at: axis)
        var out = [UInt64](repeating: 0, count: outShape.reduce(1, *))
        for flat in x.indices {
            var rest = flat
            var index = [Int](repeating: 0, count: shape.count)
            for d in shape.indices.reversed() {
                index[d] = rest % shape[d]
                rest /= shape[d]
            }
            index.remove(at: axis)
            let target = zip(index, outShape).reduce(0) { $0 * $1.1 + $1.0 }
            out[target] &+= x[flat]
        }
        return out
    }
}

@Suite struct RingTransposeTests {
    @Test(arguments: [(0, 3), (1, 1), (1, 7), (7, 1), (16, 16), (17, 33), (40, 5)])
    func transposeSwapsIndices(rows: Int, columns: Int) {
        var rng = SplitMix64(seed: UInt64(rows * 100 + columns))
        let x = rng.ringValues(rows * columns)
        let t = RingKernels.transpose(x, rows: rows, columns: columns)
        #expect(t.count == x.count)
        #expect((0..<rows).allSatisfy { i in (0..<columns).allSatisfy { j in t[j * rows + i] == x[i * columns + j] } })
        #expect(RingKernels.transpose(t, rows: columns, columns: rows) == x)
        let d = x.map { Double($0 >> 12) }
        #expect(DoubleKernels.transpose(d, rows: rows, columns: columns) == t.map { Double($0 >> 12) })
    }
}
