// `--check-ranges`: which instructions write values of the program, and how each is checked.

import TFEBytecode
import TFECore

/// How a private value is encoded, which sets its safe range.
public enum RangeKind: Hashable, Sendable {
    /// A fixed-point value with `frac` fractional bits: |v| < 2^(62 − 2·frac), the limit inputs are checked
    /// against, so that its product with any value up to 1 can still be truncated.
    case fixed
    /// A product of fixed-point values before its truncation, with 2·frac fractional bits (also a fixed value
    /// scaled by an int constant of 2^frac or more, as division scales its numerator): the ring value must stay
    /// below 2^62, where truncation is exact, which is |v| < 2^(62 − 2·frac) again.
    case product
    /// An `int` value: |v| < 2^62, where comparisons are exact and ring products do not wrap.
    case int

    /// The fractional bits of the ring value.
    func fractionalBits(frac: Int) -> Int {
        switch self {
        case .fixed: return frac
        case .product: return 2 * frac
        case .int: return 0
        }
    }

    /// The ring value's magnitude must stay below 2 to this power.
    func ringLimitExponent(frac: Int) -> Int {
        self == .fixed ? FixedPoint.ringLimitExponent - frac : FixedPoint.ringLimitExponent
    }
}

/// What `RangeChecker` does after each instruction, worked out from the program once, before the run.
///
/// Only some private registers hold values of the program. Masks, masked values, the partial sums of a Beaver
/// product, truncation's offset and masked operand and SecureNN's converted shares are random or out of range
/// on purpose, and checking them would stop every run. So the plan follows what each ring register holds
/// through the instructions in execution order, as the lowering builds them (`Lowerer.beaver`, `truncate`,
/// `isNegative`): inputs, truncations and SecureNN's bits are values; sums, copies and products of values are
/// values; a mask plus the opened difference it masks is a stored value; a Beaver sum `c + d_x∘y + a_x∘d_y` of one
/// product is the product of the values its masks mask. Anything else is not checked, and
/// what is built from it neither, until the next truncation. Int constants of 2^(62 − frac) or more are
/// offsets (truncation's and the sign's 2^62, max-pooling's −2^61 floor), not values.
///
/// Products are checked on their exact value, recomputed in float64 from their factors: the ring wraps silently
/// past 2^63, so a product's ring value can look small when it is not. The factors of a Beaver product are the
/// values its masks mask, which the checker keeps from the instruction that masks them (`keep`) to the last
/// product that uses them (`drop`).
struct RangePlan {
    /// A factor of a product: a register the instruction reads, or the value a mask masks.
    enum Factor: Hashable {
        case register(Register)
        case masked(by: PrivateRegister)
    }

    enum Step: Hashable {
        /// Reconstruct a private register the instruction wrote and check it.
        case check(PrivateRegister, RangeKind)
        /// The instruction completed a product (a local one, or the last sum of a Beaver product): recompute it.
        case product(TripleKind, Factor, Factor, RangeKind)
        /// Reconstruct the private value that `mask` masks and keep it for the products that use it.
        case keep(PrivateRegister, mask: PrivateRegister)
        /// No later product uses the value `mask` masks.
        case drop(mask: PrivateRegister)
        /// The input of a polynomial approximation (`sigmoid`, `relu_approx`), which holds on [-8, 8] only.
        case approximationInput(PrivateRegister, MapFunction)
    }

    /// The steps of each instruction, by index (`Program.locations`); most are empty.
    let steps: [[Step]]

    init(_ program: Program) {
        var planner = RangePlanner(program)
        steps = planner.plan()
    }

    /// The locations of the private polynomial approximations: where the lowering adds the constant term of
    /// `Lowerer.sigmoid`'s first linear part (c0), or `Lowerer.reluApprox`'s (a0 / 2).
    static func approximationSites(_ program: Program) -> [SourceLocation: MapFunction] {
        let markers: [Double: MapFunction] = [
            Approximations.sigmoidCoefficients[0]: .sigmoid, Approximations.reluCoefficients[0] / 2: .reluApprox,
        ]
        var scalars: [PublicRegister: Double] = [:]
        var sites: [SourceLocation: MapFunction] = [:]
        // Only constants and the additions of constant terms matter here (no switch: no `default:` over
        // instructions).
        program.forEachInstruction { _, _, index, instruction in
            if instruction.opcode == .const, case .public(let dst) = instruction.register(0) {
                let constant = instruction.constant(1)
                if program.constants.indices.contains(constant), program.constants[constant].count == 1 {
                    scalars[dst] = program.constants[constant][0]
                }
            }
            var term: PublicRegister?
            if instruction.opcode == .add {
                switch (instruction.register(0), instruction.register(1), instruction.register(2)) {
                case (.private, .private, .public(let c)), (.private, .public(let c), .private): term = c
                case (.private, _, _), (.public, _, _), (.local, _, _): break
                }
            }
            if let term, let value = scalars[term], let function = markers[value],
                program.locations.indices.contains(index)
            {
                sites[program.locations[index]] = function
            }
        }
        return sites
    }
}

/// What a ring register holds, as far as the plan can tell.
private enum Content: Hashable {
    /// Not a value of the program: randomness, a protocol's internals, an offset, or not written yet.
    case unknown
    case value(RangeKind)
    /// A mask dealt by server2 (`mask`, `load`).
    case mask
    /// A value minus the mask named: private, then public once opened.
    case masked(by: PrivateRegister)
    /// Part of the Beaver product dealt by instruction `product`: its c plus `terms − 1` of its two terms.
    case partial(product: Int, terms: Int)
    /// One term (d_x∘y or a_x∘d_y) of the Beaver product dealt by instruction `product`.
    case term(product: Int)
}

/// Builds a `RangePlan`: one linear pass in execution order.
private struct RangePlanner {
    struct Masks: Hashable {
        var a: PrivateRegister
        var b: PrivateRegister
        var kind: TripleKind
    }

    let program: Program
    let frac: Int
    let sites: [SourceLocation: MapFunction]
    var contents: RegisterTable<Content>
    /// For public registers written by `const`: the largest magnitude, and the value when it is a scalar.
    var constants: [PublicRegister: (largest: Double, scalar: Double?)] = [:]
    /// The masks of each Beaver product, by the index of the `product` instruction that dealt it, and back.
    var products: [Int: Masks] = [:]
    var productsByMasks: [Masks: Int] = [:]
    /// The kind of the value each mask masks, once a `keep` step keeps it.
    var maskedKinds: [PrivateRegister: RangeKind] = [:]
    /// The mask of each private register that holds a masked value, until an instruction writes the register
    /// again.
    var masksOfValues: [PrivateRegister: PrivateRegister] = [:]
    /// The last instruction that needs the value a mask masks.
    var lastUse: [PrivateRegister: Int] = [:]
    var steps: [[RangePlan.Step]]

    init(_ program: Program) {
        self.program = program
        frac = program.fractionalBits
        sites = RangePlan.approximationSites(program)
        contents = RegisterTable(for: program, initial: .unknown)
        steps = Array(repeating: [], count: program.instructionCount)
    }

    mutating func plan() -> [[RangePlan.Step]] {
        program.forEachInstruction { _, _, index, instruction in visit(instruction, at: index) }
        for (mask, index) in lastUse.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            steps[index].append(.drop(mask: mask))
        }
        return steps
    }

    // MARK: - Instructions

    mutating func visit(_ instruction: Instruction, at index: Int) {
        instruction.forEachDestination { if case .private(let r) = $0 { masksOfValues[r] = nil } }
        switch instruction.opcode.rangeRule {
        case .sourceKind:
            // A linear map of one source: one destination and one source.
            var dst: Register?
            var source: Register?
            instruction.forEachRegister { isDestination, register in
                if isDestination { dst = register } else { source = register }
            }
            guard let dst else { return }
            if let source, case .value(let kind) = contents[source] { define(dst, kind, at: index) } else {
                forget(dst)
            }
        case .plaintext:
            // Plaintext work: public (or local) values.
            instruction.forEachDestination { dst in
                if case .public = dst { contents[dst] = .value(kind(of: dst)) } else { forget(dst) }
            }
        case .unchecked:
            instruction.forEachDestination { forget($0) }
        case .own:
            if !visitOwn(instruction, at: index) { instruction.forEachDestination { forget($0) } }
        }
    }

    /// The steps of opcodes whose table entry says `.own`: true when the opcode has one here. (A chain of
    /// `if case` rather than a switch: a switch would have to list the opcodes the table's rules cover.)
    mutating func visitOwn(_ instruction: Instruction, at index: Int) -> Bool {
        if instruction.opcode == .const {
            let (dst, constant) = (instruction.register(0), instruction.constant(1))
            defineConstant(dst, constant)
            return true
        }
        if instruction.opcode == .add {
            let (dst, lhs, rhs) = (instruction.register(0), instruction.register(1), instruction.register(2))
            add(dst, lhs, rhs, at: index)
            return true
        }
        if instruction.opcode == .sub {
            let (dst, lhs, rhs) = (instruction.register(0), instruction.register(1), instruction.register(2))
            subtract(dst, lhs, rhs, at: index)
            return true
        }
        if instruction.opcode == .mul {
            let (dst, lhs, rhs) = (instruction.register(0), instruction.register(1), instruction.register(2))
            product(.mul, dst, lhs, rhs, at: index)
            return true
        }
        if instruction.opcode == .matmul {
            let (dst, lhs, rhs) = (instruction.register(0), instruction.register(1), instruction.register(2))
            product(.matmul, dst, lhs, rhs, at: index)
            return true
        }
        if instruction.opcode == .conv2d {
            let (dst, input, kernel) = (instruction.register(0), instruction.register(1), instruction.register(2))
            let (stride, padding) = (instruction.integer(3), instruction.padding(4))
            product(.conv2d(stride: stride, padding: padding), dst, input, kernel, at: index)
            return true
        }
        if instruction.opcode == .trunc {
            let (dst, src) = (instruction.publicRegister(0), instruction.publicRegister(1))
            if case .value = contents[.public(src)] { contents[.public(dst)] = .value(.fixed) } else {
                forget(.public(dst))
            }
            return true
        }
        if instruction.opcode == .div {
            let (dst, src) = (instruction.publicRegister(0), instruction.publicRegister(1))
            if case .value = contents[.public(src)] { contents[.public(dst)] = .value(.fixed) } else {
                forget(.public(dst))
            }
            return true
        }
        if instruction.opcode == .sharePublic {
            let (dst, src) = (instruction.privateRegister(0), instruction.publicRegister(1))
            if case .value(let kind) = contents[.public(src)] { define(.private(dst), kind, at: index) } else {
                forget(.private(dst))
            }
            return true
        }
        if instruction.opcode == .truncFinish {
            let dst = instruction.privateRegister(0)
            define(.private(dst), .fixed, at: index)
            return true
        }
        if instruction.opcode == .divFinish {
            let dst = instruction.privateRegister(0)
            define(.private(dst), .fixed, at: index)
            return true
        }
        if instruction.opcode == .input {
            let dst = instruction.register(0)
            define(dst, kind(of: dst), at: index)
            return true
        }
        if instruction.opcode == .share {
            let dst = instruction.privateRegister(0)
            define(.private(dst), kind(of: .private(dst)), at: index)
            return true
        }
        if instruction.opcode == .open {
            let (dst, src) = (instruction.publicRegister(0), instruction.privateRegister(1))
            switch contents[.private(src)] {
            case .masked(let mask): contents[.public(dst)] = .masked(by: mask)
            case .value(let kind): contents[.public(dst)] = .value(kind)
            case .unknown, .mask, .partial, .term: forget(.public(dst))
            }
            return true
        }
        if instruction.opcode == .mask {
            let mask = instruction.privateRegister(0)
            contents[.private(mask)] = .mask
            return true
        }
        if instruction.opcode == .load {
            let (mask, opened) = (instruction.privateRegister(0), instruction.publicRegister(1))
            contents[.private(mask)] = .mask
            contents[.public(opened)] = .masked(by: mask)
            return true
        }
        if instruction.opcode == .product {
            let (c, a) = (instruction.privateRegister(0), instruction.privateRegister(1))
            let (b, kind) = (instruction.privateRegister(2), instruction.tripleKind(3))
            let masks = Masks(a: a, b: b, kind: kind)
            products[index] = masks
            productsByMasks[masks] = index
            contents[.private(c)] = .partial(product: index, terms: 1)
            return true
        }
        if instruction.opcode == .msbFinish {
            let (gamma, delta) = (instruction.privateRegister(0), instruction.privateRegister(1))
            // Shares over Z_L of the bits γ and δ: values again.
            define(.private(gamma), .int, at: index)
            define(.private(delta), .int, at: index)
            return true
        }
        return false
    }

    mutating func add(_ dst: Register, _ lhs: Register, _ rhs: Register, at index: Int) {
        switch (contents[lhs], contents[rhs]) {
        case (.partial(let p, let n), .term(let q)) where p == q, (.term(let q), .partial(let p, let n)) where p == q:
            addTerms(dst, product: p, terms: n + 1, at: index)
        case (.partial(let p, let n), .partial(let q, let m)) where p == q:
            addTerms(dst, product: p, terms: n + m, at: index)
        case (.term(let p), .term(let q)) where p == q:
            addTerms(dst, product: p, terms: 2, at: index)
        case (.masked(let mask), .mask) where rhs == .private(mask),
            (.mask, .masked(let mask)) where lhs == .private(mask):
            // A loaded value: the stored difference plus its mask.
            let kind = kind(of: dst)
            define(dst, kind, at: index)
            if case .private(let value) = dst { keep(value, mask: mask, kind, at: index) }
        case (.value(let a), .value(let b)) where a == b:
            define(dst, a, at: index)
        default:
            forget(dst)  // values of different kinds (an offset, a scaled int), or not values at all
        }
    }

    mutating func subtract(_ dst: Register, _ lhs: Register, _ rhs: Register, at index: Int) {
        switch (contents[lhs], contents[rhs]) {
        case (.value(let kind), .mask):
            guard case .private(let value) = lhs, case .private(let mask) = rhs else { return forget(dst) }
            contents[dst] = .masked(by: mask)
            keep(value, mask: mask, kind, at: index)
        case (.value(let a), .value(let b)) where a == b:
            define(dst, a, at: index)
        default:
            forget(dst)
        }
    }

    /// A sum of Beaver terms; with all three (c and two terms) it is the product of the masked values.
    mutating func addTerms(_ dst: Register, product: Int, terms: Int, at index: Int) {
        guard terms == 3, let masks = products[product] else {
            contents[dst] = terms < 3 ? .partial(product: product, terms: terms) : .unknown
            return
        }
        lastUse[masks.a] = index
        lastUse[masks.b] = index
        guard let a = maskedKinds[masks.a], let b = maskedKinds[masks.b],
            let kind = productKind(a, b, dst: dst, lhs: nil, rhs: nil)
        else { return forget(dst) }
        contents[dst] = .value(kind)
        if case .private = dst {
            steps[index].append(.product(masks.kind, .masked(by: masks.a), .masked(by: masks.b), kind))
        }
    }

    /// A local product (at most one private factor): a Beaver term, or a product of values.
    mutating func product(_ kind: TripleKind, _ dst: Register, _ lhs: Register, _ rhs: Register, at index: Int) {
        func term(_ a: PrivateRegister, _ b: PrivateRegister) {
            if let product = productsByMasks[Masks(a: a, b: b, kind: kind)] {
                contents[dst] = .term(product: product)
            } else {
                forget(dst)
            }
        }
        switch (lhs, contents[lhs], rhs, contents[rhs]) {
        case (.public, .masked(let a), .private(let y), .value) where masksOfValues[y] != nil:
            term(a, masksOfValues[y]!)
        case (.private(let a), .mask, .public, .masked(let b)):
            term(a, b)
        case (.private(let x), .value, .public(let c), .value):
            if kind == .mul, let location = location(index), let function = sites[location],
                constants[c]?.scalar == 1 / Approximations.interval
            {
                steps[index].append(.approximationInput(x, function))
            }
            valueProduct(kind, dst, lhs, rhs, at: index)
        case (_, .value, _, .value):
            valueProduct(kind, dst, lhs, rhs, at: index)
        default:
            forget(dst)
        }
    }

    mutating func valueProduct(_ kind: TripleKind, _ dst: Register, _ lhs: Register, _ rhs: Register, at index: Int) {
        guard case .value(let a) = contents[lhs], case .value(let b) = contents[rhs],
            let result = productKind(a, b, dst: dst, lhs: lhs, rhs: rhs)
        else { return forget(dst) }
        contents[dst] = .value(result)
        if case .private = dst { steps[index].append(.product(kind, .register(lhs), .register(rhs), result)) }
    }

    /// The kind of a product of two values (`lhs` and `rhs` given for a local product, whose int factor may be
    /// a constant that rescales); nil when it is not a value.
    func productKind(_ a: RangeKind, _ b: RangeKind, dst: Register, lhs: Register?, rhs: Register?) -> RangeKind? {
        func rescales(_ register: Register?) -> Bool {
            guard case .public(let p) = register, let largest = constants[p]?.largest else { return false }
            return largest >= Double(sign: .plus, exponent: frac, significand: 1)
        }
        switch (a, b) {
        case (.fixed, .fixed): return .product
        case (.fixed, .int): return rescales(rhs) ? .product : .fixed
        case (.int, .fixed): return rescales(lhs) ? .product : .fixed
        case (.int, .int): return program.info(dst).element == .fixed ? .fixed : .int  // an int scaled to fixed
        case (.product, _), (_, .product): return nil
        }
    }

    // MARK: - Registers

    /// A value written by the instruction: a private one gets checked.
    mutating func define(_ register: Register, _ kind: RangeKind, at index: Int) {
        if case .local = register { return }
        contents[register] = .value(kind)
        if case .private(let r) = register { steps[index].append(.check(r, kind)) }
    }

    mutating func forget(_ register: Register) {
        if case .local = register { return }
        contents[register] = .unknown
    }

    mutating func keep(_ value: PrivateRegister, mask: PrivateRegister, _ kind: RangeKind, at index: Int) {
        steps[index].append(.keep(value, mask: mask))
        maskedKinds[mask] = kind
        masksOfValues[value] = mask
        lastUse[mask] = max(lastUse[mask] ?? index, index)
    }

    mutating func defineConstant(_ dst: Register, _ constant: Int) {
        guard case .public(let register) = dst, program.constants.indices.contains(constant) else {
            return forget(dst)
        }
        let values = program.constants[constant]
        let largest = values.reduce(0) { max($0, abs($1)) }
        constants[register] = (largest, values.count == 1 ? values[0] : nil)
        let offset = Double(sign: .plus, exponent: FixedPoint.ringLimitExponent - frac, significand: 1)
        if kind(of: dst) == .int, largest >= offset {
            forget(dst)
        } else {
            contents[dst] = .value(kind(of: dst))
        }
    }

    func kind(of register: Register) -> RangeKind {
        program.info(register).element == .fixed ? .fixed : .int
    }

    func location(_ index: Int) -> SourceLocation? {
        program.locations.indices.contains(index) ? program.locations[index] : nil
    }
}
