import Dispatch
import Testing
import TFECore
import TFETestSupport

/// NumPy broadcasting as the documentation states it, over plain arrays: the reference `Shape.broadcast` must
/// agree with.
private func referenceBroadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    let a = [Int](repeating: 1, count: rank - a.count) + a, b = [Int](repeating: 1, count: rank - b.count) + b
    var result: [Int] = []
    for (x, y) in zip(a, b) {
        guard x == y || x == 1 || y == 1 else { return nil }
        result.append(x == 1 ? y : x)
    }
    return result
}

/// A random shape of rank 0 to 5 with small dimensions (0 to 3), so that shapes repeat and broadcast often, and
/// now and then a large one.
private func randomDimensions(_ generator: inout SplitMix64) -> [Int] {
    (0..<Int(generator.next() % 6)).map { _ in
        generator.next() % 16 == 0 ? Int(generator.next() % (1 << 40)) : Int(generator.next() % 4)
    }
}

@Test func shapesKeepTheirDimensions() {
    let cases: [[Int]] = [[], [1], [100, 784], [784, 512], [128, 28, 28, 1], [2, 3, 4, 5, 6, 7], [1 << 40], [0, 5],
                          [-1, 3]]
    for dimensions in cases {
        let shape = Shape(dimensions)
        #expect(shape.dimensions == dimensions)
        #expect(shape.rank == dimensions.count)
        #expect(shape == Shape(dimensions))
        #expect(shape.hashValue == Shape(dimensions).hashValue)
    }
    #expect(Shape.scalar == Shape([]))
    #expect(Shape([1, 2]) != Shape([2, 1]))
    #expect(Shape([1]) != Shape([1, 1]))
    #expect(Shape([3]).description == "[3]")
    #expect(Shape([100, 784]).description == "[100, 784]")
}

/// A decoder's shapes (`init?(ifRoom:)`) are the same shapes as everyone else's while the table has room.
@Test func shapesMadeIfRoomAreTheSameShapes() {
    for dimensions in [[], [3, 4], [1 << 40], [2, 3, 5, 7, 11, 13]] {
        #expect(Shape(ifRoom: dimensions) == Shape(dimensions))
        #expect(Shape(ifRoom: dimensions)?.dimensions == dimensions)
    }
}

@Test func settingDimensionsMakesTheNewShape() {
    var shape = Shape([2, 3])
    shape.dimensions[0] = 5
    #expect(shape == Shape([5, 3]))
    shape.dimensions.append(7)
    #expect(shape.dimensions == [5, 3, 7])
}

@Test func elementCounts() {
    #expect(Shape([]).elementCount == 1)
    #expect(Shape([100, 784]).elementCount == 78_400)
    #expect(Shape([0, 9]).elementCount == 0)
    #expect(Shape([1 << 20, 1 << 20]).elementCount == 1 << 40)
    #expect(Shape([1 << 20, 1 << 21]).elementCount == nil)
}

@Test func broadcastAgreesWithTheReference() {
    let seed: UInt64 = 0x5EED_5A9E
    var generator = SplitMix64(seed: seed)
    for _ in 0..<5_000 {
        let (a, b) = (randomDimensions(&generator), randomDimensions(&generator))
        let expected = referenceBroadcast(a, b)
        #expect(Shape.broadcast(Shape(a), Shape(b))?.dimensions == expected, "seed \(seed): \(a) and \(b)")
        #expect(Shape.broadcast(Shape(a), Shape(b)) == expected.map(Shape.init), "seed \(seed): \(a) and \(b)")
    }
}

@Test func concurrentInterningAgrees() {
    // Eight threads intern overlapping sets of new shapes at once: equal dimensions must get equal shapes, and every
    // shape must read back its own dimensions.
    let threads = 8
    let perThread = 2_000
    let results = UnsafeMutableBufferPointer<[Shape]>.allocate(capacity: threads)
    results.initialize(repeating: [])
    defer { results.deallocate() }
    nonisolated(unsafe) let slots = results  // each thread writes its own slot
    DispatchQueue.concurrentPerform(iterations: threads) { thread in
        slots[thread] = (0..<perThread).map { Shape([977_001, $0, thread % 2]) }
    }
    let shapes = Array(results)
    for thread in 0..<threads {
        for k in 0..<perThread {
            #expect(shapes[thread][k].dimensions == [977_001, k, thread % 2])
            #expect(shapes[thread][k] == shapes[thread % 2][k])
        }
    }
}
