// One party's pairwise randomness in a replicated protocol.

/// One party's two pairwise PRG streams and the zero-sharings drawn from them.
///
/// Party i holds F(k_i), whose seed k_i it shares with party i − 1, and F(k_{i+1}), shared with party i + 1.
/// Per word it draws α_i = F(k_i) ⊕ F(k_{i+1}) (boolean) or F(k_i) − F(k_{i+1}) (arithmetic): each stream is
/// drawn by exactly the two parties holding its seed, in the same order, so α_0 + α_1 + α_2 = 0 (or ⊕ = 0), while
/// party i − 1, lacking k_{i+1}, sees α_i as uniformly random. The parties stay in step as long as they run the
/// same steps on the same element counts, as every party of a program does.
public struct ReplicatedZeroSharing: Sendable {
    /// The party, 0, 1 or 2.
    public let party: Int
    private var withPrevious: PRG
    private var withNext: PRG

    /// Party `party`'s streams: `seedWithPrevious` is k_party, `seedWithNext` is k_(party+1).
    public init(party: Int, seedWithPrevious: Seed, seedWithNext: Seed, stream: UInt64 = 0) {
        precondition((0..<3).contains(party), "a replicated party is 0, 1 or 2")
        self.party = party
        self.withPrevious = PRG(seed: seedWithPrevious, stream: stream)
        self.withNext = PRG(seed: seedWithNext, stream: stream)
    }

    /// The three parties' streams from the three pairwise seeds, `seeds[i]` being k_i (held by i − 1 and i).
    public static func parties(seeds: [Seed], stream: UInt64 = 0) -> [ReplicatedZeroSharing] {
        precondition(seeds.count == 3, "three pairwise seeds")
        return (0..<3).map {
            ReplicatedZeroSharing(party: $0, seedWithPrevious: seeds[$0], seedWithNext: seeds[($0 + 1) % 3],
                                  stream: stream)
        }
    }

    /// XORs a boolean zero-sharing word into each word.
    public mutating func maskBoolean(_ words: inout [UInt64]) {
        mask(&words) { $0 ^ $1 ^ $2 }
    }

    /// Adds an arithmetic zero-sharing element to each word.
    public mutating func maskArithmetic(_ words: inout [UInt64]) {
        mask(&words) { $0 &+ $1 &- $2 }
    }

    /// `term(j) ⊕ α_j` for j in 0..<count, into a new array: a message's words and its boolean mask in one pass,
    /// with no unmasked array (the same words as building the terms and then calling `maskBoolean`).
    @inline(__always)
    mutating func booleanMasked(count: Int, _ term: (Int) -> UInt64) -> [UInt64] {
        masked(count: count, term) { $0 ^ $1 ^ $2 }
    }

    /// `term(j) + α_j` for j in 0..<count, into a new array (as `maskArithmetic` after building the terms).
    @inline(__always)
    mutating func arithmeticMasked(count: Int, _ term: (Int) -> UInt64) -> [UInt64] {
        masked(count: count, term) { $0 &+ $1 &- $2 }
    }

    /// `combine(term(j), previous_j, next_j)` into a new array, drawing the streams a chunk at a time as `mask`.
    @inline(__always)
    private mutating func masked(
        count: Int, _ term: (Int) -> UInt64, _ combine: (UInt64, UInt64, UInt64) -> UInt64
    ) -> [UInt64] {
        combiningTwoStreams(count: count, &withPrevious, &withNext) { combine(term($0), $1, $2) }
    }

    /// Combines each word with the next word of each stream, a chunk at a time.
    @inline(__always)
    private mutating func mask(_ words: inout [UInt64], _ combine: (UInt64, UInt64, UInt64) -> UInt64) {
        let chunk = 2048
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * chunk) { buffer in
            words.withUnsafeMutableBufferPointer { words in
                var start = 0
                while start < words.count {
                    let length = min(chunk, words.count - start)
                    let previous = UnsafeMutableBufferPointer(rebasing: buffer[0..<length])
                    let next = UnsafeMutableBufferPointer(rebasing: buffer[chunk..<(chunk + length)])
                    withPrevious.fill(previous)
                    withNext.fill(next)
                    for j in 0..<length { words[start + j] = combine(words[start + j], previous[j], next[j]) }
                    start += length
                }
            }
        }
    }
}

/// `combine(j, a_j, b_j)` for j in 0..<count into a new array, a_j and b_j the next words of two streams, drawn
/// 2048 at a time into one temporary buffer (no array of either stream).
@inline(__always)
func combiningTwoStreams(
    count: Int, _ a: inout PRG, _ b: inout PRG, _ combine: (Int, UInt64, UInt64) -> UInt64
) -> [UInt64] {
    let chunk = 2048
    return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * chunk) { buffer in
        [UInt64](unsafeUninitializedCapacity: count) { words, initialized in
            var start = 0
            while start < count {
                let length = min(chunk, count - start)
                let fromA = UnsafeMutableBufferPointer(rebasing: buffer[0..<length])
                let fromB = UnsafeMutableBufferPointer(rebasing: buffer[chunk..<(chunk + length)])
                a.fill(fromA)
                b.fill(fromB)
                for j in 0..<length { words[start + j] = combine(start + j, fromA[j], fromB[j]) }
                start += length
            }
            initialized = count
        }
    }
}
