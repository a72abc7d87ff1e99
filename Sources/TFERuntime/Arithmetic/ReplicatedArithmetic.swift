// The arithmetic side that ABY3's binary protocols need: one party's view of a replicated sharing over Z_2^64,
// its local operations, and the minimal product with a zero-sharing.
//
// This is the smallest arithmetic the binary library needs (ReLU's x · b, bit injection). The `aby3` helper's
// machine code (replicated inputs, products, matmul, truncation) supersedes it: when that lands, the machine
// should share one view type and one product with this file, not keep two.

/// One party's view of a replicated arithmetic sharing of `count` ring elements: components i and i + 1 of
/// x = x_0 + x_1 + x_2 in Z_2^64.
public struct ReplicatedArithmeticView: Sendable, Equatable {
    /// The party, 0, 1 or 2.
    public let party: Int
    /// Component `party`.
    public var first: [UInt64]
    /// Component `party + 1` (mod 3), the one the next party holds as its first.
    public var second: [UInt64]

    /// A view from its two components.
    /// - Precondition: `party` is 0, 1 or 2 and the components have one length.
    public init(party: Int, first: [UInt64], second: [UInt64]) {
        precondition((0..<3).contains(party), "a replicated party is 0, 1 or 2")
        precondition(first.count == second.count, "both components of a view hold one element each")
        self.party = party
        self.first = first
        self.second = second
    }

    /// Elements in the sharing.
    public var count: Int { first.count }

    /// The arithmetic sharing whose component `slot` is bit 0 of the boolean sharing's component `slot` (0 or 1
    /// as a ring element) and whose other components are zero: built locally by the two parties that hold it.
    init(slot: Int, bitsOf b: ReplicatedBooleanView) {
        let zeros = [UInt64](repeating: 0, count: b.count)
        self.init(
            party: b.party, first: slot == b.party ? b.first.map { $0 & 1 } : zeros,
            second: slot == (b.party + 1) % 3 ? b.second.map { $0 & 1 } : zeros)
    }

    // MARK: - Local operations

    public static func + (x: ReplicatedArithmeticView, y: ReplicatedArithmeticView) -> ReplicatedArithmeticView {
        precondition(x.party == y.party && x.count == y.count, "sum of views of one party and length")
        return ReplicatedArithmeticView(
            party: x.party, first: ReplicatedKernels.combine(x.first, y.first) { $0 &+ $1 },
            second: ReplicatedKernels.combine(x.second, y.second) { $0 &+ $1 })
    }

    public static func - (x: ReplicatedArithmeticView, y: ReplicatedArithmeticView) -> ReplicatedArithmeticView {
        precondition(x.party == y.party && x.count == y.count, "difference of views of one party and length")
        return ReplicatedArithmeticView(
            party: x.party, first: ReplicatedKernels.combine(x.first, y.first) { $0 &- $1 },
            second: ReplicatedKernels.combine(x.second, y.second) { $0 &- $1 })
    }

    /// c · x for a public c: every component scaled.
    public func multiplied(byPublic c: UInt64) -> ReplicatedArithmeticView {
        ReplicatedArithmeticView(party: party, first: first.map { $0 &* c }, second: second.map { $0 &* c })
    }

    /// x + c for a public c: only component 0 changes (held by parties 0 and 2).
    public func adding(public c: UInt64) -> ReplicatedArithmeticView {
        var result = self
        if party == 0 { result.first = first.map { $0 &+ c } }
        if party == 2 { result.second = second.map { $0 &+ c } }
        return result
    }

    // MARK: - Product

    /// This party's unmasked part of x · y: x_i y_i + x_i y_{i+1} + x_{i+1} y_i per element, appended to
    /// `message`. Masked with the arithmetic zero-sharing, it is what the party sends for the product.
    static func appendCrossTerms(
        _ x: ReplicatedArithmeticView, _ y: ReplicatedArithmeticView, to message: inout [UInt64]
    ) {
        precondition(x.party == y.party && x.count == y.count, "product of views of one party and length")
        message += ReplicatedKernels.combine(x.first, x.second, y.first, y.second) { a, b, c, d in
            a &* (c &+ d) &+ b &* c
        }
    }

    /// The view of a product from this party's own masked cross terms and those the next party sent:
    /// elements `range` of each.
    init(party: Int, own: [UInt64], received: [UInt64], range: Range<Int>) {
        self.init(party: party, first: Array(own[range]), second: Array(received[range]))
    }

    // MARK: - Sharing and reconstruction (for inputs made in one place: tests and benchmarks)

    /// The three parties' views of a fresh sharing of `values`: x_0 and x_1 uniformly random, x_2 the rest.
    public static func share(_ values: [UInt64], using prg: inout PRG) -> [ReplicatedArithmeticView] {
        let x0 = prg.nextUInt64s(count: values.count), x1 = prg.nextUInt64s(count: values.count)
        let x2 = values.indices.map { values[$0] &- x0[$0] &- x1[$0] }
        let components = [x0, x1, x2]
        return (0..<3).map {
            ReplicatedArithmeticView(party: $0, first: components[$0], second: components[($0 + 1) % 3])
        }
    }

    /// The values the three views share, or nil when they are not the views of one sharing (a party's second
    /// component differs from the next party's first).
    public static func reveal(_ views: [ReplicatedArithmeticView]) -> [UInt64]? {
        guard views.count == 3, (0..<3).allSatisfy({ views[$0].party == $0 }),
              (0..<3).allSatisfy({ views[$0].second == views[($0 + 1) % 3].first })
        else { return nil }
        return views[0].first.indices.map { views[0].first[$0] &+ views[1].first[$0] &+ views[2].first[$0] }
    }
}

/// One party's part of an element-wise product z = x · y in Z_2^64: one round, one element per element.
///
/// The minimal replicated product the binary library needs; the `aby3` machine's product supersedes it.
public struct ReplicatedProduct: ReplicatedRounds {
    private let x: ReplicatedArithmeticView
    private let y: ReplicatedArithmeticView
    private var own: [UInt64] = []
    public private(set) var output: ReplicatedArithmeticView?

    public init(_ x: ReplicatedArithmeticView, _ y: ReplicatedArithmeticView) {
        self.x = x
        self.y = y
    }

    public mutating func begin(_ zeros: inout ReplicatedZeroSharing) -> [UInt64] {
        own = []
        ReplicatedArithmeticView.appendCrossTerms(x, y, to: &own)
        zeros.maskArithmetic(&own)
        return own
    }

    public mutating func finish(_ received: [UInt64]) {
        precondition(received.count == own.count, "a product round receives one element per element")
        output = ReplicatedArithmeticView(party: x.party, own: own, received: received, range: 0..<own.count)
    }
}
