// How a replicated protocol is run: the begin/finish shape of a round, the combinators that chain protocols, and
// the element-wise kernels the protocols share.

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

/// Element-wise kernels over components, without bounds checks or intermediate arrays.
enum ReplicatedKernels {
    /// Every word of `u` shifted left or right (logical) by `k` < 64, into a new array written in place: two
    /// plain loops that vectorise (`Array.map`, or a captured closure, costs a call or an append per word).
    static func shifted(_ u: [UInt64], by k: UInt64, left: Bool) -> [UInt64] {
        [UInt64](unsafeUninitializedCapacity: u.count) { out, initialized in
            u.withUnsafeBufferPointer { u in
                if left {
                    for j in 0..<u.count { out[j] = u[j] &<< k }
                } else {
                    for j in 0..<u.count { out[j] = u[j] &>> k }
                }
            }
            initialized = u.count
        }
    }

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
