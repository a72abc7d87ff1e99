// `tfe-vm run --check-ranges`: reconstructs private values during a local run and stops at the first out of range.

import Foundation
import TFEBytecode
import TFECore

/// A private value that left its safe range (`--check-ranges`).
public struct RangeViolation: Hashable, Sendable {
    /// The instruction that wrote it (`Program.locations`).
    public var instruction: Int
    public var kind: RangeKind
    /// The largest magnitude among its elements, decoded (a product of fixed values with 2·frac fractional bits).
    public var largest: Double
    /// The safe range is |v| < 2^limitExponent, decoded like `largest`.
    public var limitExponent: Int

    public var message: String {
        let subject: String
        switch kind {
        case .fixed: subject = "value"
        case .product: subject = "product"
        case .int: subject = "'int' value"
        }
        let limit = Double(sign: .plus, exponent: limitExponent, significand: 1)
        let range = kind == .int ? "the range" : "the fixed-point range"
        return "\(subject) of magnitude up to \(Self.format(largest)) leaves \(range) "
            + "|v| < 2^\(limitExponent) (\(Self.format(limit)))"
    }

    /// Three significant digits: `1e+10`, `1.41e+09`, `37.2`.
    static func format(_ value: Double) -> String {
        String(format: "%.3g", value)
    }
}

/// The input of a polynomial approximation left the interval where it holds (`--check-ranges`).
public struct RangeWarning: Hashable, Sendable {
    /// The instruction that multiplies the input by 1/8, the first step of the polynomial.
    public var instruction: Int
    public var function: MapFunction
    /// The largest magnitude among the input's elements.
    public var largest: Double

    public var message: String {
        let bound = RangeViolation.format(Approximations.interval)
        return "'\(function.name)' input of magnitude up to \(RangeViolation.format(largest)) leaves "
            + "[-\(bound), \(bound)], where its polynomial approximation holds"
    }
}

/// The observer behind `tfe-vm run --check-ranges`. In a local run server0 and server1 each hand it their shares
/// of what an instruction wrote; once it has both, it adds them and checks the values the program computes
/// (`RangePlan` says which, and what their range is). The first value out of range stops the run with
/// `MachineError.outOfRange`; a polynomial input outside [-8, 8] is only a warning (`warnings`).
///
/// The two servers run the same instructions in the same order, so their hand-ins pair up in that order; the
/// second of a pair does the checking, under the lock, so the checks run in execution order too.
public final class RangeChecker: MachineObserver, @unchecked Sendable {
    public let program: Program
    private let plan: RangePlan
    private let frac: Int
    private let lock = NSLock()
    /// What the first of server0 and server1 handed in for an instruction, until the other does.
    private var waiting: [Int: Capture] = [:]
    /// The values masks mask, as float64 ring values with their shapes, for the products that use them.
    private var kept: [PrivateRegister: (values: [Double], shape: [Int])] = [:]
    private var found: [RangeWarning] = []
    private var stopped: RangeViolation?

    public init(program: Program) {
        self.program = program
        self.plan = RangePlan(program)
        self.frac = program.fractionalBits
    }

    /// The warnings so far, in execution order.
    public var warnings: [RangeWarning] {
        lock.lock()
        defer { lock.unlock() }
        return found
    }

    /// The value that stopped the run, if one did.
    public var violation: RangeViolation? {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    public func machine(_ party: PlayerID, completed index: Int, registers: RegisterView) throws(MachineError) {
        guard party == .server0 || party == .server1, plan.steps.indices.contains(index) else { return }
        let steps = plan.steps[index]
        guard !steps.isEmpty else { return }
        let capture = Capture(steps, registers)
        lock.lock()
        defer { lock.unlock() }
        guard stopped == nil else { return }
        guard let other = waiting.removeValue(forKey: index) else {
            waiting[index] = capture
            return
        }
        for step in steps {
            if let violation = check(step, at: index, other, capture) {
                stopped = violation
                throw .outOfRange(violation)
            }
        }
    }

    // MARK: - Checks

    /// Runs one step of an instruction both servers have handed in; a value out of range comes back.
    private func check(_ step: RangePlan.Step, at index: Int, _ first: Capture, _ second: Capture) -> RangeViolation? {
        switch step {
        case .check(let register, let kind):
            guard let values = first.reconstruct(register, with: second) else { return nil }
            let largest = values.reduce(UInt64(0)) { max($0, Int64(bitPattern: $1).magnitude) }
            let limit = UInt64(1) << UInt64(kind.ringLimitExponent(frac: frac))
            return largest >= limit ? violation(at: index, kind, ringMagnitude: Double(largest)) : nil
        case .product(let operation, let lhs, let rhs, let kind):
            guard let a = factor(lhs, first, second), let b = factor(rhs, first, second),
                let product = Self.multiply(operation, a, b)
            else { return nil }
            let largest = product.reduce(0) { max($0, abs($1)) }
            let limit = Double(sign: .plus, exponent: kind.ringLimitExponent(frac: frac), significand: 1)
            return largest >= limit ? violation(at: index, kind, ringMagnitude: largest) : nil
        case .keep(let register, let mask):
            if let values = first.reconstruct(register, with: second) {
                kept[mask] = (values.map { Double(Int64(bitPattern: $0)) }, shape(.private(register)))
            }
            return nil
        case .drop(let mask):
            kept[mask] = nil
            return nil
        case .approximationInput(let register, let function):
            guard let values = first.reconstruct(register, with: second) else { return nil }
            let scale = Double(sign: .plus, exponent: frac, significand: 1)
            let largest = values.reduce(0) { max($0, abs(Double(Int64(bitPattern: $1)))) } / scale
            if largest > Approximations.interval {
                found.append(RangeWarning(instruction: index, function: function, largest: largest))
            }
            return nil
        }
    }

    private func violation(at index: Int, _ kind: RangeKind, ringMagnitude: Double) -> RangeViolation {
        let bits = kind.fractionalBits(frac: frac)
        let scale = Double(sign: .plus, exponent: bits, significand: 1)
        return RangeViolation(
            instruction: index, kind: kind, largest: ringMagnitude / scale,
            limitExponent: kind.ringLimitExponent(frac: frac) - bits)
    }

    /// A factor as float64 ring values (signed), with its shape.
    private func factor(_ factor: RangePlan.Factor, _ first: Capture, _ second: Capture)
        -> (values: [Double], shape: [Int])?
    {
        switch factor {
        case .masked(let mask):
            return kept[mask]
        case .register(let register):
            let values: [UInt64]?
            switch register {
            case .private(let r): values = first.reconstruct(r, with: second)
            case .public(let r): values = first.publics[r] ?? second.publics[r]
            case .local: values = nil
            }
            return values.map { ($0.map { Double(Int64(bitPattern: $0)) }, shape(register)) }
        }
    }

    /// The exact product, up to float64 rounding: what the ring computes modulo 2^64.
    private static func multiply(
        _ operation: TripleKind, _ a: (values: [Double], shape: [Int]), _ b: (values: [Double], shape: [Int])
    ) -> [Double]? {
        switch operation {
        case .mul: return try? NaiveKernels.binary(a.values, a.shape, b.values, b.shape, *).values
        case .matmul: return try? NaiveKernels.matmul(a.values, a.shape, b.values, b.shape).values
        case .conv2d(let stride, let padding):
            return try? NaiveKernels.conv2d(a.values, a.shape, b.values, b.shape, stride: stride, padding: padding)
                .values
        }
    }

    private func shape(_ register: Register) -> [Int] {
        program.info(register).shape.dimensions
    }
}

/// What one server handed in for an instruction: its shares of the private registers the steps read, and the
/// public registers they read. The arrays are the machine's own (copy on write), so this copies nothing.
private struct Capture {
    var shares: [PrivateRegister: [UInt64]] = [:]
    var publics: [PublicRegister: [UInt64]] = [:]

    init(_ steps: [RangePlan.Step], _ registers: RegisterView) {
        func take(_ register: Register) {
            switch register {
            case .private(let r): shares[r] = registers.share(r)
            case .public(let r): publics[r] = registers.value(r)
            case .local: break
            }
        }
        for step in steps {
            switch step {
            case .check(let register, _), .keep(let register, _), .approximationInput(let register, _):
                take(.private(register))
            case .product(_, let lhs, let rhs, _):
                for case .register(let register) in [lhs, rhs] { take(register) }
            case .drop:
                break
            }
        }
    }

    /// The ring values of a private register: this server's shares plus the other's.
    func reconstruct(_ register: PrivateRegister, with other: Capture) -> [UInt64]? {
        guard let mine = shares[register], let theirs = other.shares[register], mine.count == theirs.count else {
            return nil
        }
        return zip(mine, theirs).map { $0 &+ $1 }
    }
}
