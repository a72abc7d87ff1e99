import Synchronization

/// The process-wide table of interned shapes: each distinct dimension list once, numbered in the order first
/// seen, never removed (a program has few distinct shapes; the table holds what every program of the process
/// used). `Shape` is a number in it.
///
/// Interning takes a lock. Reading does not: entries live in fixed chunks that never move, an entry is written
/// before its number is returned under the lock, and a `Shape` reaches another thread only through whatever
/// synchronises that hand-over, so a reader never sees an entry being written.
final class ShapeTable: @unchecked Sendable {
    static let shared = ShapeTable()

    /// Entries per chunk, and the most chunks: 2^12 × 2^16 = 2^28 distinct shapes.
    private static let chunkBits = 12
    private static let chunkCount = 1 << 16

    /// Chunk pointers, allocated once; a chunk is allocated when its first entry is interned.
    private let chunks: UnsafeMutablePointer<UnsafeMutablePointer<[Int]>?>
    /// Numbers by dimension list, and how many are in use.
    private let numbers = Mutex<[[Int]: UInt32]>([:])

    /// The scalar's number: the first interned.
    static let scalarNumber: UInt32 = 0

    private init() {
        chunks = .allocate(capacity: Self.chunkCount)
        chunks.initialize(repeating: nil, count: Self.chunkCount)
        let scalar = intern([])
        assert(scalar == Self.scalarNumber)
    }

    /// The number of a dimension list, interning it when it is new.
    func intern(_ dimensions: [Int]) -> UInt32 {
        numbers.withLock { numbers in
            if let number = numbers[dimensions] { return number }
            let count = numbers.count
            let (chunk, slot) = (count >> Self.chunkBits, count & (1 << Self.chunkBits - 1))
            precondition(chunk < Self.chunkCount, "more than \(Self.chunkCount << Self.chunkBits) distinct shapes")
            if slot == 0 { chunks[chunk] = .allocate(capacity: 1 << Self.chunkBits) }
            (chunks[chunk]! + slot).initialize(to: dimensions)
            let number = UInt32(count)
            numbers[dimensions] = number
            return number
        }
    }

    /// The dimensions of an interned number.
    func dimensions(_ number: UInt32) -> [Int] {
        let index = Int(number)
        return chunks[index >> Self.chunkBits].unsafelyUnwrapped[index & (1 << Self.chunkBits - 1)]
    }
}
