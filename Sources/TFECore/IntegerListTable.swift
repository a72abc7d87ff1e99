import Synchronization

/// A table of interned lists of integers: each distinct list once, numbered in the order first seen, never
/// removed. `Shape` is a number in `IntegerListTable.shapes` (a program has few distinct shapes; the table holds
/// what every program of the process used); `SourceLocation` keeps the rare positions past 32 bits in one.
///
/// Interning takes a lock. Reading does not: entries live in fixed chunks that never move, an entry is written
/// before its number is returned under the lock, and a number reaches another thread only through whatever
/// synchronises that hand-over, so a reader never sees an entry being written.
public final class IntegerListTable: @unchecked Sendable {
    /// The shapes' table; the scalar `[]` is number 0.
    public static let shapes = IntegerListTable(first: [])

    /// Entries per chunk, and the most chunks: 2^12 × 2^16 = 2^28 distinct lists.
    private static let chunkBits = 12
    private static let chunkCount = 1 << 16

    /// Chunk pointers, allocated once; a chunk is allocated when its first entry is interned.
    private let chunks: UnsafeMutablePointer<UnsafeMutablePointer<[Int]>?>
    /// Numbers by list.
    private let numbers = Mutex<[[Int]: UInt32]>([:])

    /// An empty table, or one whose number 0 is `first`.
    public init(first: [Int]? = nil) {
        chunks = .allocate(capacity: Self.chunkCount)
        chunks.initialize(repeating: nil, count: Self.chunkCount)
        if let first { _ = intern(first) }
    }

    /// How many distinct lists a table holds at most.
    public static let capacity = chunkCount << chunkBits

    /// The number of a list, interning it when it is new. A table that is full stops the process: code that
    /// interns what a file says (the bytecode decoder) uses `intern(_:ifRoom:)` instead.
    public func intern(_ list: [Int]) -> UInt32 {
        guard let number = intern(list, ifRoom: ()) else {
            preconditionFailure("more than \(Self.capacity) distinct lists")
        }
        return number
    }

    /// The number of a list, interning it when it is new; nil when it is new and the table holds `capacity`.
    public func intern(_ list: [Int], ifRoom: Void) -> UInt32? {
        numbers.withLock { numbers in
            if let number = numbers[list] { return number }
            let count = numbers.count
            guard count < Self.capacity else { return nil }
            let (chunk, slot) = (count >> Self.chunkBits, count & (1 << Self.chunkBits - 1))
            if slot == 0 { chunks[chunk] = .allocate(capacity: 1 << Self.chunkBits) }
            (chunks[chunk]! + slot).initialize(to: list)
            let number = UInt32(count)
            numbers[list] = number
            return number
        }
    }

    /// The list of an interned number.
    public func list(_ number: UInt32) -> [Int] {
        let index = Int(number)
        return chunks[index >> Self.chunkBits].unsafelyUnwrapped[index & (1 << Self.chunkBits - 1)]
    }
}
