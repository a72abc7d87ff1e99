import TFEBytecode
import TFECore
import TFEFrontend

/// Problems found while lowering a checked program: operations the protocols cannot run yet.
public enum LoweringError: DiagnosticKind, Hashable {
    case unsupported(String)

    public var message: String {
        switch self {
        case .unsupported(let what): return "\(what) is not supported yet"
        }
    }
}

/// The `lower` pass: turns a checked program into machine instructions. Every private product becomes a
/// Beaver protocol over preprocessing (a triple from server2, an `open` of the masked operands) followed
/// by a truncation when both factors are fixed-point; every other private operation is local. Rounds are
/// built as the protocols demand, one round per communicating step in program order; `batch-rounds`
/// merges them afterwards.
public struct Lowerer {
    let checked: CheckedProgram
    /// How the program's protocol lowers what protocols differ in.
    let lowering: ProtocolLowering
    var program: Program
    var diagnostics = Diagnostics()

    /// The register holding each checked value (nil for constants and effects).
    var registers: [Register?]
    /// Values that could not be lowered (reported once); what depends on them is skipped silently.
    var failed: [Bool]
    /// Private values already masked and opened, for reuse by later products.
    var maskedForms = MaskedForms()
    /// Private registers known to hold 0 or 1 (comparison results), which `where` can use as they are.
    var knownBits: Set<PrivateRegister> = []
    /// MSB(x) = (x < 0) already computed for a private register, so `relu(x)`, `relu_deriv(x)`, `x >= 0` and
    /// `x < 0` of one value share one DReLU.
    var signs: [PrivateRegister: PrivateRegister] = [:]
    /// ABY3's boolean sharing of MSB(x) (bit 0 of each word) already computed for a private register, so
    /// relu(x) and comparisons of x with zero share one A2B.
    var signBits: [PrivateRegister: PrivateRegister] = [:]
    /// ABY3's MSB(x) in two ring 0/1 parts, b_0 ⊕ b_1 (one `rproduct`) and b_2, already formed for a private
    /// register, so MSB(x) as a ring value and every bit product with it (relu, a maximum's value and index)
    /// share one product.
    var signParts: [PrivateRegister: (firstTwo: PrivateRegister, last: PrivateRegister)] = [:]
    /// DReLU(x) = 1 − MSB(x) already formed for a private register (the bit relu multiplies by).
    var nonNegatives: [PrivateRegister: PrivateRegister] = [:]
    /// Max-pooling trees already built (the maximum and, when a gradient needs it, the one-hot position of
    /// the maximum), so `maxpool2d(x, ...)` and `maxpool2d_grad(x, ...)` of one x share one tree.
    var poolTrees: [PoolKey: PoolTree] = [:]
    /// Pools whose gradient the program takes: their tree carries positions from the start.
    var pooledWithPositions: Set<PoolKey> = []
    /// Private `relu(y)` values read only by one `maxpool2d`: the ReLU is not lowered where it stands, and the
    /// pool lowers as `relu(maxpool2d(y))` (equal, as ReLU is monotone), which compares a quarter of the elements
    /// for 2×2 windows.
    var reluAfterPool: Set<ValueID> = []
    /// Constants materialized per value and register kind (`p` or an owner's `l`), so each is emitted once.
    var constantRegisters: [ConstantKey: Register] = [:]
    /// The public register of the constant 2^62 every truncation adds (`openShifted`), once it exists.
    var truncationOffset: Register?
    /// The registers among `constantRegisters` that hold 0, for `isZero`: at most one per element type and
    /// owner (or none: public), so a few, searched in place rather than hashed (`isZero` runs per product).
    var zeroRegisters: [Register] = []

    /// The preprocessing, a round per dealt value.
    var offline = FlatRounds()
    var offlineLocations: [SourceLocation] = []
    /// The online rounds closed so far, and the instructions of the one being emitted after them.
    var online = FlatRounds()
    var onlineLocations: [SourceLocation] = []
    /// Where the instructions being emitted come from.
    var location = SourceLocation(line: 0, column: 0)

    struct ConstantKey: Hashable {
        var value: Double
        var element: ElementType
        var owner: PlayerID?
    }

    /// Lowers a checked program without errors, its rounds stored flat (`FlatProgram.program` gives them
    /// arrays). Unsupported operations are reported as diagnostics.
    public static func lower(_ checked: CheckedProgram) -> (program: FlatProgram, diagnostics: Diagnostics) {
        var lowerer = Lowerer(checked: checked)
        lowerer.run()
        return (FlatProgram(tables: lowerer.program, offline: lowerer.offline, online: lowerer.online),
                lowerer.diagnostics)
    }

    init(checked: CheckedProgram) {
        self.checked = checked
        self.lowering = checked.protocolKind.lowering
        let file = checked.source.path.split(separator: "/").last.map(String.init) ?? checked.source.path
        self.program = Program(name: file, protocolKind: checked.protocolKind, fractionalBits: checked.fractionalBits,
                               players: checked.players)
        self.registers = [Register?](repeating: nil, count: checked.operations.count)
        self.failed = [Bool](repeating: false, count: checked.operations.count)
    }

    var frac: Int { checked.fractionalBits }

    mutating func run() {
        // Readers of each value, and how many of them take its sign (ReLUs, DReLUs, comparisons share one).
        var uses = [Int](repeating: 0, count: checked.operations.count)
        var signReaders = [Int](repeating: 0, count: checked.operations.count)
        // Each constant value is materialized once per kind of register: at most one entry per constant operation
        // and kind, usually one. Reserving the table spares it rehashing as it grows (100,000 distinct constants in
        // issue 15's program of 300,000 lines).
        var constantOperations = 0
        var products = 0
        for operation in checked.operations {
            if case .constant = operation.kind { constantOperations += 1 }
            if case .binary(let op, _, _) = operation.kind, op == .multiply || op == .matmul { products += 1 }
            switch operation.kind {
            case .maxpool2dGrad(let input, _, let size, let stride, let padding):
                pooledWithPositions.insert(PoolKey(input: input, size: size, stride: stride, padding: padding))
            case .elementwise(.reluDeriv, let v), .elementwise(.relu, let v): signReaders[v.rawValue] += 1
            case .binary(let op, let a, let b) where op.isComparison:
                signReaders[a.rawValue] += 1
                signReaders[b.rawValue] += 1
            default: break
            }
            for operand in operation.kind.operands { uses[operand.rawValue] += 1 }
        }
        constantRegisters.reserveCapacity(min(constantOperations, 1 << 18))  // a bound on what a guess may map
        reserveTables(operations: checked.operations.count, products: products)
        for operation in checked.operations {
            guard case .maxpool2d(let input, _, _, _) = operation.kind, uses[input.rawValue] == 1,
                case .elementwise(.relu, let source) = checked[input].kind, checked[input].type?.placement == .private,
                signReaders[source.rawValue] == 1  // otherwise the unpooled sign is computed anyway
            else { continue }
            reluAfterPool.insert(input)
        }
        // Until a value fails, no operand can have failed: the operands are not collected for the check.
        var anyFailed = false
        var lineHint = 0  // the 0-based line of the previous operation, where the next one mostly is
        for (index, operation) in checked.operations.enumerated() {
            let (line, column) = checked.source.location(of: operation.range.start, lineHint: &lineHint)
            location = SourceLocation(line: line, column: column)
            if anyFailed, operation.kind.operands.contains(where: { failed[$0.rawValue] }) {
                failed[index] = true
                continue
            }
            let reported = diagnostics.all.count
            lower(operation, as: ValueID(index))
            if diagnostics.all.count > reported {
                failed[index] = true
                anyFailed = true
            }
        }
        if online.hasOpenRound { closeRound() }  // an empty last round is dropped
        // The first offline round carries the seeds that online steps draw from (ABY3's zero-sharings), even
        // when nothing is dealt (a program whose only products are of `int` values).
        if offline.ends.isEmpty, online.instructions.contains(where: { $0.opcode.needsSeeds }) {
            offline.closeRound()
        }
        offlineLocations.append(contentsOf: onlineLocations)
        program.locations = offlineLocations
    }

    /// Reserves the tables that grow with the program for about what it will need: a private product with its
    /// truncation makes 15 instructions, 12 private and 4 public registers, 3 dealt values and 2 online rounds;
    /// other operations one or two of each. Regrowing copies a table to fresh pages each time (tens of megabytes
    /// for an unrolled program); reserved pages that are never written are never mapped.
    private mutating func reserveTables(operations: Int, products: Int) {
        let (operations, products) = (min(operations, 1 << 22), min(products, 1 << 22))  // what a guess may map
        let instructions = 2 * operations + 16 * products
        program.privateRegisters.reserveCapacity(operations + 12 * products)
        maskedForms.reserveCapacity(operations + 12 * products)
        program.publicRegisters.reserveCapacity(operations + 4 * products)
        offline.reserveCapacity(instructions: 3 * products, rounds: 3 * products)
        offlineLocations.reserveCapacity(instructions)  // the online locations are appended to these at the end
        online.reserveCapacity(instructions: instructions, rounds: operations + 2 * products)
        onlineLocations.reserveCapacity(instructions)
    }

    // MARK: - Registers

    mutating func makeRegister(_ element: ElementType, _ shape: Shape, _ placement: Placement) -> Register {
        switch placement {
        case .private:
            program.privateRegisters.append(RegisterInfo(element, shape))
            return .private(PrivateRegister(program.privateRegisters.count - 1))
        case .public, .constant:  // a function of constants is computed by the servers, in the clear
            program.publicRegisters.append(RegisterInfo(element, shape))
            return .public(PublicRegister(program.publicRegisters.count - 1))
        case .local(let owner):
            program.localRegisters.append(RegisterInfo(element, shape, owner: owner))
            return .local(LocalRegister(program.localRegisters.count - 1))
        }
    }

    mutating func makePrivate(_ element: ElementType, _ shape: Shape) -> PrivateRegister {
        guard case .private(let register) = makeRegister(element, shape, .private) else { fatalError("unreachable") }
        return register
    }

    mutating func makePublic(_ element: ElementType, _ shape: Shape) -> PublicRegister {
        guard case .public(let register) = makeRegister(element, shape, .public) else { fatalError("unreachable") }
        return register
    }

    func info(_ register: Register) -> RegisterInfo { program.info(register) }

    /// A register's element type, read in place: `info(_:)` copies the whole entry, and with it retains and
    /// releases its shape, several times per product of an unrolled program.
    func element(of register: Register) -> ElementType {
        switch register {
        case .private(let r): return program.privateRegisters[r.rawValue].element
        case .public(let r): return program.publicRegisters[r.rawValue].element
        case .local(let r): return program.localRegisters[r.rawValue].element
        }
    }

    func shape(of register: Register) -> Shape {
        switch register {
        case .private(let r): return program.privateRegisters[r.rawValue].shape
        case .public(let r): return program.publicRegisters[r.rawValue].shape
        case .local(let r): return program.localRegisters[r.rawValue].shape
        }
    }

    /// Where a register lives, as a placement.
    func placement(of register: Register) -> Placement {
        switch register {
        case .private: return .private
        case .public: return .public
        case .local(let r): return .local(program.localRegisters[r.rawValue].owner ?? .server0)
        }
    }

    /// A constant as a register next to `placement`: public for shared work, the owner's local otherwise.
    mutating func constant(_ value: Double, _ element: ElementType, for placement: Placement) -> Register {
        let owner: PlayerID? = if case .local(let player) = placement { player } else { nil }
        let key = ConstantKey(value: value, element: element, owner: owner)
        if let existing = constantRegisters[key] { return existing }
        let register = makeRegister(element, .scalar, owner.map { .local($0) } ?? .public)
        program.constants.append([value])
        emit(.const(dst: register, constant: program.constants.count - 1))
        constantRegisters[key] = register
        if value == 0 { zeroRegisters.append(register) }
        return register
    }

    /// A constant tensor (avg-pool divisors), always public.
    mutating func constantTensor(_ values: [Double], _ element: ElementType, _ shape: Shape) -> Register {
        let register = makeRegister(element, shape, .public)
        program.constants.append(values)
        emit(.const(dst: register, constant: program.constants.count - 1))
        return register
    }

    /// A constant tensor next to `placement`: the owner's local register for local work, public otherwise.
    mutating func constantTensor(_ values: [Double], _ element: ElementType, _ shape: Shape, for placement: Placement)
        -> Register
    {
        guard case .local(let owner) = placement else { return constantTensor(values, element, shape) }
        let register = makeRegister(element, shape, .local(owner))
        program.constants.append(values)
        emit(.const(dst: register, constant: program.constants.count - 1))
        return register
    }

    /// The register of a checked value, materializing constants next to `placement`.
    mutating func operand(_ value: ValueID, for placement: Placement) -> Register {
        if let register = registers[value.rawValue] { return register }
        guard case .constant(let number) = checked[value].kind, let type = checked[value].type else {
            fatalError("internal error in pass 'lower': %\(value.rawValue) read before it was lowered")
        }
        return constant(number, type.element, for: placement)
    }

    // MARK: - Emission

    /// Appends a local instruction to the current online round.
    mutating func emit(_ instruction: Instruction) {
        online.append(instruction)
        onlineLocations.append(location)
    }

    /// Appends communicating instructions that go out together, and closes the round: what follows can
    /// use their results.
    mutating func emitRound(_ instructions: [Instruction]) {
        for instruction in instructions { emit(instruction) }
        closeRound()
    }

    /// Appends one communicating instruction in a round of its own (`emitRound([instruction])` without the array).
    mutating func emitRound(_ instruction: Instruction) {
        emit(instruction)
        closeRound()
    }

    /// Ends the current online round: what follows goes into the next.
    mutating func closeRound() {
        online.closeRound()
    }

    /// Appends a preprocessing instruction in a round of its own.
    mutating func emitPreprocessing(_ instruction: Instruction) {
        offline.append(instruction)
        offline.closeRound()
        offlineLocations.append(location)
    }

    mutating func unsupported(_ what: String, _ operation: Operation) {
        diagnostics.append(LoweringError.unsupported(what), at: operation.range)
    }
}

extension Operation.Kind {
    /// The values an operation reads.
    var operands: [ValueID] {
        switch self {
        case .constant, .input, .load: return []
        case .share(let v), .reveal(let v, _), .negate(let v), .elementwise(_, let v), .sum(let v, _), .mean(let v, _),
            .softmax(let v, _), .argmax(let v, _), .transpose(let v, _), .reshape(let v), .avgpool2d(let v, _, _, _),
            .maxpool2d(let v, _, _, _), .output(_, _, let v), .store(_, let v), .slice(let v, _, _, _), .pad(let v, _):
            return [v]
        case .concat(let values, _): return values
        case .binary(_, let a, let b), .conv2d(let a, let b, _, _), .maxpool2dGrad(let a, let b, _, _, _): return [a, b]
        case .where(let c, let a, let b): return [c, a, b]
        case .print(let items):
            return items.compactMap { if case .value(let v) = $0 { return v } else { return nil } }
        }
    }
}
