// How a replicated protocol is run: one party's pairwise randomness, the begin/finish shape of a round, the
// combinators that chain protocols, and an in-process driver of all three parties for tests and benchmarks.

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

/// One party's part in a replicated protocol of one or more rounds.
///
/// In each round every party calls `begin`, which returns what it sends to the previous party (party i sends to
/// party i − 1), and then `finish` with what the next party sent it. `output` is nil until the last round has
/// finished. What each round sends is a fixed function of the element count (`ReplicatedCost`), so a machine
/// can size and check every frame before the protocol runs.
public protocol ReplicatedRounds<Output> {
    associatedtype Output
    /// This round's message to the previous party, from this party's views and its pairwise streams.
    mutating func begin(_ zeros: inout ReplicatedZeroSharing) -> [UInt64]
    /// Finishes the round with the next party's message, which has as many words as this party's.
    mutating func finish(_ received: [UInt64])
    /// The result, once every round has finished.
    var output: Output? { get }
}

extension ReplicatedRounds {
    /// This protocol, then the one `next` builds from its output.
    public func then<Next: ReplicatedRounds>(
        _ next: @escaping (Output) -> Next
    ) -> ReplicatedSequence<Self, Next> {
        ReplicatedSequence(first: self, next: next)
    }

    /// This protocol with a local step applied to its output.
    public func map<Result>(_ transform: @escaping (Output) -> Result) -> ReplicatedMap<Self, Result> {
        ReplicatedMap(base: self, transform: transform)
    }
}

/// Two protocols one after the other: the rounds of the first, then those of the second.
public struct ReplicatedSequence<First: ReplicatedRounds, Second: ReplicatedRounds>: ReplicatedRounds {
    private var first: First
    private var second: Second?
    private let next: (First.Output) -> Second

    init(first: First, next: @escaping (First.Output) -> Second) {
        self.first = first
        self.next = next
        if let output = first.output { second = next(output) }
    }

    public mutating func begin(_ zeros: inout ReplicatedZeroSharing) -> [UInt64] {
        if second != nil { return second!.begin(&zeros) }
        return first.begin(&zeros)
    }

    public mutating func finish(_ received: [UInt64]) {
        if second != nil {
            second!.finish(received)
        } else {
            first.finish(received)
            if let output = first.output { second = next(output) }
        }
    }

    public var output: Second.Output? { second?.output }
}

/// A protocol whose output goes through a local step, applied once when its last round finishes.
public struct ReplicatedMap<Base: ReplicatedRounds, Output>: ReplicatedRounds {
    private var base: Base
    private let transform: (Base.Output) -> Output
    public private(set) var output: Output?

    init(base: Base, transform: @escaping (Base.Output) -> Output) {
        self.base = base
        self.transform = transform
        output = base.output.map(transform)
    }

    public mutating func begin(_ zeros: inout ReplicatedZeroSharing) -> [UInt64] { base.begin(&zeros) }

    public mutating func finish(_ received: [UInt64]) {
        base.finish(received)
        if let result = base.output { output = transform(result) }
    }
}

/// What one run of the three parties sent, as `ReplicatedLocalRun` observed it.
public struct ReplicatedTranscript: Sendable {
    /// `wordsSent[r][i]`: words party i sent in round r.
    public var wordsSent: [[Int]] = []
    /// `messages[r][i]`: party i's message in round r, when the run recorded them.
    public var messages: [[[UInt64]]] = []

    /// Rounds run.
    public var rounds: Int { wordsSent.count }

    /// Bytes each party sent, or nil when the parties sent different amounts.
    public var bytesPerParty: Int? {
        let perParty = (0..<3).map { party in wordsSent.reduce(0) { $0 + $1[party] } }
        return perParty.allSatisfy { $0 == perParty[0] } ? 8 * perParty[0] : nil
    }

    /// Whether every party sent what `cost` predicts in every round.
    public func matches(_ cost: ReplicatedCost) -> Bool {
        wordsSent == cost.wordsPerRound.map { [$0, $0, $0] }
    }
}

/// Runs the three parties of a replicated protocol in one thread, round by round: every party begins, each
/// message moves one step back round the ring (party i's to party i − 1), and every party finishes. The machine
/// drives the same steps over its transport; this driver serves tests and benchmarks.
public enum ReplicatedLocalRun {
    /// More rounds than any protocol here takes: a run that has not finished by then is a bug.
    static let roundLimit = 1_000

    /// The three outputs and what was sent. `parties[i]` and `zeros[i]` are party i's.
    public static func run<Run: ReplicatedRounds>(
        _ parties: [Run], zeros: inout [ReplicatedZeroSharing], recordingMessages: Bool = false
    ) -> (outputs: [Run.Output], transcript: ReplicatedTranscript) {
        precondition(parties.count == 3 && zeros.count == 3, "three parties")
        precondition((0..<3).allSatisfy { zeros[$0].party == $0 }, "party i's streams are zeros[i]")
        var parties = parties
        var transcript = ReplicatedTranscript()
        while parties.contains(where: { $0.output == nil }) {
            precondition(transcript.rounds < roundLimit, "a replicated protocol did not finish")
            let messages = (0..<3).map { parties[$0].begin(&zeros[$0]) }
            for party in 0..<3 { parties[party].finish(messages[(party + 1) % 3]) }
            transcript.wordsSent.append(messages.map(\.count))
            if recordingMessages { transcript.messages.append(messages) }
        }
        return (parties.map { $0.output! }, transcript)
    }
}

/// Element-wise kernels over components, without bounds checks or intermediate arrays.
enum ReplicatedKernels {
    /// `f(u[j], v[j])` for every j.
    @inline(__always)
    static func combine(_ u: [UInt64], _ v: [UInt64], _ f: (UInt64, UInt64) -> UInt64) -> [UInt64] {
        precondition(u.count == v.count, "components of one length")
        return [UInt64](unsafeUninitializedCapacity: u.count) { out, initialized in
            u.withUnsafeBufferPointer { u in
                v.withUnsafeBufferPointer { v in
                    for j in 0..<u.count { out[j] = f(u[j], v[j]) }
                }
            }
            initialized = u.count
        }
    }

    /// `f(a[j], b[j], c[j], d[j])` for every j.
    @inline(__always)
    static func combine(
        _ a: [UInt64], _ b: [UInt64], _ c: [UInt64], _ d: [UInt64],
        _ f: (UInt64, UInt64, UInt64, UInt64) -> UInt64
    ) -> [UInt64] {
        precondition(a.count == b.count && a.count == c.count && a.count == d.count, "components of one length")
        return [UInt64](unsafeUninitializedCapacity: a.count) { out, initialized in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeBufferPointer { c in
                        d.withUnsafeBufferPointer { d in
                            for j in 0..<a.count { out[j] = f(a[j], b[j], c[j], d[j]) }
                        }
                    }
                }
            }
            initialized = a.count
        }
    }
}
