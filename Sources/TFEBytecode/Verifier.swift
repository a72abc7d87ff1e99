import TFECore

/// Checks what the decoder cannot: that a program means something the machine can run. Once it passes,
/// every index is in range, every register is written exactly once before it is read, no instruction uses
/// a value received in its own round, register kinds and shapes fit each opcode, constants fit their
/// destinations, the I/O tables match the input and output instructions, and preprocessing is exactly
/// what the offline rounds hold. The machine may then index tables and shapes without further checks.
///
/// Element types are checked only where a value crosses the program's boundary (inputs and outputs against
/// their declarations): inside, the lowering chooses how `fixed` and `int` values mix.
public struct Verifier {
    let program: Program
    var problems: [BytecodeError] = []

    /// The instruction that wrote each register, by kind.
    var privateWriters: [Writer?]
    var publicWriters: [Writer?]
    var localWriters: [Writer?]
    /// Registers whose table entry is itself broken (reported once, then not checked again).
    var brokenRegisters: Set<Register> = []
    /// Each register's shape as a position in `shapes`, by kind (`checkRegisterTables` fills them). Equal
    /// shapes share a position, so the per-instruction checks compare positions: they neither copy nor
    /// compare a `Shape` (an array, whose reference count every copy touches) unless a check fails, and
    /// they run millions of times on an unrolled program.
    var privateShapes: [Int32] = []
    var publicShapes: [Int32] = []
    var localShapes: [Int32] = []
    /// The distinct shapes of the register tables, each once.
    var shapes: [Shape] = []
    /// Whether each of `shapes` is a scalar's.
    var scalarShapes: [Bool] = []

    /// The register operands of the instruction being checked, written and read, in operand order.
    var destinations = RegisterList()
    var sources = RegisterList()
    /// Whether each opcode, by raw value, is preprocessing (read once here: `Opcode.spec` copies the entry).
    let preprocessingOpcodes: [Bool]

    var inputIndex: [IOKey: Int] = [:]
    var outputIndex: [IOKey: Int] = [:]
    /// The instruction that uses each declaration.
    var inputUsers: [Int?]
    var outputUsers: [Int?]

    /// 32-bit integers, then the one-byte fields: 12 bytes with the optional instead of 24 with `Int`s. The
    /// verifier looks up the writer of every register an instruction reads, all over tables of millions of
    /// registers, and half the bytes are half the cache misses. A program has fewer than 2^31 instructions
    /// (and so rounds): its `Instruction`s alone would take 80 GB.
    struct Writer {
        private var storedIndex: Int32
        private var storedRound: Int32
        var phase: Phase
        var communicates: Bool

        init(index: Int, round: Int, phase: Phase, communicates: Bool) {
            storedIndex = Int32(clamping: index)
            storedRound = Int32(clamping: round)
            self.phase = phase
            self.communicates = communicates
        }

        var index: Int { Int(storedIndex) }
        var round: Int { Int(storedRound) }
    }

    struct IOKey: Hashable {
        var player: Int
        var name: String
    }

    /// Registers gathered for one instruction at a time. The storage is kept and overwritten from one
    /// instruction to the next: emptying an array (`removeAll(keepingCapacity:)`) per instruction showed in
    /// the verifier's time, and a fresh array per instruction would allocate.
    struct RegisterList {
        private var storage: [Register] = []
        private(set) var count = 0

        subscript(position: Int) -> Register { storage[position] }

        var last: Register? { count > 0 ? storage[count - 1] : nil }

        mutating func removeAll() {
            count = 0
        }

        mutating func append(_ register: Register) {
            if count < storage.count { storage[count] = register } else { storage.append(register) }
            count += 1
        }

        func contains(where predicate: (Register) -> Bool) -> Bool {
            for position in 0..<count where predicate(storage[position]) { return true }
            return false
        }
    }

    /// The instruction being checked.
    struct Site {
        var index: Int
        var phase: Phase
        var round: Int
        var instruction: Instruction
    }

    private init(_ program: Program) {
        self.program = program
        privateWriters = Array(repeating: nil, count: program.privateRegisters.count)
        publicWriters = Array(repeating: nil, count: program.publicRegisters.count)
        localWriters = Array(repeating: nil, count: program.localRegisters.count)
        inputUsers = Array(repeating: nil, count: program.inputs.count)
        outputUsers = Array(repeating: nil, count: program.outputs.count)
        preprocessingOpcodes = (0...Int(UInt8.max)).map { Opcode(rawValue: UInt8($0))?.isPreprocessing ?? false }
    }

    /// Every problem, in program order (tables first, then instructions).
    public static func problems(in program: Program) -> [BytecodeError] {
        var verifier = Verifier(program)
        verifier.run()
        return verifier.problems
    }

    /// Throws the first problem.
    public static func verify(_ program: Program) throws(BytecodeError) {
        if let first = problems(in: program).first { throw first }
    }

    mutating func run() {
        checkHeader()
        checkRegisterTables()
        checkConstants()
        checkIOTables()
        // A copy (sharing storage) so that `check` may mutate `self` while the loop reads the program.
        let program = self.program
        program.forEachInstruction { phase, round, index, instruction in
            check(Site(index: index, phase: phase, round: round, instruction: instruction))
        }
        checkSeeds()
        checkAllWritten()
        checkAllDeclarationsUsed()
        checkLocations()
    }

    // MARK: - Reporting

    mutating func report(_ kind: BytecodeError.Kind, _ message: String) {
        problems.append(BytecodeError(kind, message))
    }

    mutating func report(_ kind: BytecodeError.Kind, _ message: String, at site: Site) {
        let text = "instruction \(Program.asmIndex(site.index)) (\(program.asm(of: site.instruction))): \(message)"
        problems.append(BytecodeError(kind, text, instruction: site.index))
    }

    func describe(_ register: Register) -> String {
        let info = program.info(register)
        switch register {
        case .private: return "'\(register)' (private)"
        case .public: return "'\(register)' (public)"
        case .local: return "'\(register)' (local to \(info.owner.map { program.playerName($0) } ?? "nobody"))"
        }
    }
}
