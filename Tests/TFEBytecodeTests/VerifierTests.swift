// The verifier: realistic programs pass, and each rule has programs that break only it.

import TFEBytecode
import TFECore
import Testing

/// A program that breaks exactly one verifier rule.
struct VerifierCase: Sendable, CustomTestStringConvertible {
    let name: String
    let kind: BytecodeError.Kind
    let program: Program
    var testDescription: String { name }

    init(_ name: String, _ kind: BytecodeError.Kind, _ build: (inout ProgramBuilder) -> Void) {
        var builder = ProgramBuilder(players: ["client", "owner"])
        build(&builder)
        self.init(name, kind, builder.build())
    }

    init(_ name: String, _ kind: BytecodeError.Kind, program: Program) {
        self.init(name, kind, program)
    }

    private init(_ name: String, _ kind: BytecodeError.Kind, _ program: Program) {
        self.name = name
        self.kind = kind
        self.program = program
    }
}

/// `TestPrograms.dense` changed by `edit`.
func dense(_ edit: (inout Program) -> Void) -> Program {
    var program = TestPrograms.dense
    edit(&program)
    return program
}

/// An aby3 program whose client inputs x [2, 3] in round 0, then `body`.
func replicated(_ body: (inout ProgramBuilder, PrivateRegister) -> Void) -> Program {
    var b = ProgramBuilder(protocol: .aby3)
    let x = b.s([2, 3])
    b.declareInput("client", "x", [2, 3], .private)
    b.emit(.replicatedInput(dst: .private(x), player: b.player("client"), name: "x"), round: 0)
    body(&b, x)
    return b.build()
}

@Suite struct VerifierTests {
    @Test(arguments: TestPrograms.all)
    func realisticProgramPasses(_ program: Program) {
        let problems = Verifier.problems(in: program)
        #expect(problems.isEmpty, "\(problems.map(\.description).joined(separator: "\n"))")
    }

    @Test(arguments: brokenPrograms)
    func ruleIsEnforced(_ broken: VerifierCase) {
        let problems = Verifier.problems(in: broken.program)
        #expect(!problems.isEmpty)
        #expect(
            Set(problems.map(\.kind)) == [broken.kind],
            "\(problems.map(\.description).joined(separator: "\n"))")
        #expect(throws: BytecodeError.self) { try Verifier.verify(broken.program) }
    }

    @Test func messageNamesTheInstruction() {
        let program = dense { $0.online[1].instructions.swapAt(0, 2) }  // open e before e = x - a
        let problem = Verifier.problems(in: program).first
        #expect(problem?.instruction == 5)
        #expect(problem?.description == "instruction 0005 (p1 = open s8): register 's8' is read before it is written")
    }

    @Test func outputToServerNamesTheServer() {
        var b = ProgramBuilder(players: ["client"])
        let x = b.privateInput("x", [2])
        b.declareOutput("server1", "y", [2], .private)
        b.emit(.output(player: .server1, name: "y", src: .private(x)), round: 1)
        let problems = Verifier.problems(in: b.build())
        #expect(problems.map(\.instruction) == [1])
        #expect(problems.first?.description
            == "instruction 0001 (output @server1 \"y\" s0): output to 'server1' would give a server a private value "
            + "in the clear")
    }

    static let brokenPrograms: [VerifierCase] = [
        // MARK: Tables
        VerifierCase("fractional bits above 30", .fractionalBits, program: dense { $0.fractionalBits = 31 }),
        VerifierCase("no fractional bits", .fractionalBits, program: dense { $0.fractionalBits = 0 }),
        VerifierCase("servers missing", .playerTable, program: dense { $0.players[1] = "alice" }),
        VerifierCase("player named twice", .playerTable, program: dense { $0.players.append("client") }),
        VerifierCase("local register without owner", .registerTable) { b in
            let x = b.localInput("x", [2])
            b.program.localRegisters[x.rawValue].owner = nil
        },
        VerifierCase("private register with owner", .registerTable) { b in
            let x = b.privateInput("x", [2])
            b.program.privateRegisters[x.rawValue].owner = .server0
        },
        VerifierCase("negative dimension", .registerTable) { b in
            let x = b.p([2, -1])
            b.program.constants = [[1]]
            b.emit(.const(dst: .public(x), constant: 0), round: 0)
        },
        VerifierCase("too many elements", .registerTable) { b in
            let x = b.p([1 << 30, 1 << 30])
            b.program.constants = [[1]]
            b.emit(.const(dst: .public(x), constant: 0), round: 0)
        },
        VerifierCase("NaN constant", .constantValue) { b in
            let x = b.l("client", [2])
            b.emit(.const(dst: .local(x), constant: b.constant([1, .nan])), round: 0)
        },
        VerifierCase("constant too large for fixed point", .constantValue) { b in
            let x = b.p([])
            b.emit(.const(dst: .public(x), constant: b.constant([0x1p50])), round: 0)
        },
        VerifierCase("location missing", .locationTable, program: dense { $0.locations.removeLast() }),

        // MARK: Indices
        VerifierCase("register out of range", .indexOutOfRange) { b in
            b.emit(.neg(dst: .private(b.s([2])), src: .private(PrivateRegister(9))), round: 1)
        },
        VerifierCase("player out of range", .indexOutOfRange) { b in
            let x = b.s([2])
            b.declareInput("client", "x", [2], .private)
            b.emit(.input(dst: .private(x), player: PlayerID(9), name: "x"), round: 0)
            b.emit(.input(dst: .private(b.s([2])), player: b.player("client"), name: "x"), round: 0)
        },
        VerifierCase("constant out of range", .indexOutOfRange) { b in
            b.emit(.const(dst: .public(b.p([])), constant: 3), round: 0)
        },

        // MARK: Data flow
        VerifierCase("written twice", .writtenTwice) { b in
            let x = b.privateInput("x", [2])
            b.emit(.neg(dst: .private(x), src: .private(x)), round: 1)
        },
        VerifierCase("triple writes one register twice", .writtenTwice) { b in
            let (a, c) = (b.s([2]), b.s([2]))
            b.emitOffline(.triple(a: a, b: a, c: c, kind: .mul))
        },
        VerifierCase("never written", .neverWritten) { b in
            _ = b.s([2])
        },
        VerifierCase("read before written", .readBeforeWrite) { b in
            let (x, y) = (b.s([2]), b.s([2]))
            b.emit(.neg(dst: .private(y), src: .private(x)), round: 0)
            b.declareInput("client", "x", [2], .private)
            b.emit(.input(dst: .private(x), player: b.player("client"), name: "x"), round: 1)
        },
        VerifierCase("input used in its own round", .readInSameRound) { b in
            let x = b.privateInput("x", [2])
            b.emit(.neg(dst: .private(b.s([2])), src: .private(x)), round: 0)
        },
        VerifierCase(
            "opened value used in its own round", .readInSameRound,
            program: dense {
                let truncFinish = $0.online[3].instructions.removeFirst()
                $0.online[2].instructions.append(truncFinish)
            }),

        // MARK: Register kinds
        VerifierCase("mul of two private values", .registerKind) { b in
            let (x, y) = (b.privateInput("x", [2]), b.privateInput("y", [2]))
            b.emit(.mul(dst: .private(b.s([2])), lhs: .private(x), rhs: .private(y)), round: 1)
        },
        VerifierCase("matmul of two private values", .registerKind) { b in
            let (x, y) = (b.privateInput("x", [2, 2]), b.privateInput("y", [2, 2]))
            b.emit(.matmul(dst: .private(b.s([2, 2])), lhs: .private(x), rhs: .private(y)), round: 1)
        },
        VerifierCase("conv2d of two private values", .registerKind) { b in
            let (x, k) = (b.privateInput("x", [1, 3, 3, 1]), b.privateInput("k", [1, 1, 1, 1]))
            b.emit(
                .conv2d(
                    dst: .private(b.s([1, 3, 3, 1])), input: .private(x), kernel: .private(k), stride: 1,
                    padding: .same), round: 1)
        },
        VerifierCase("map of a private value", .registerKind) { b in
            let x = b.privateInput("x", [2])
            b.emit(.map(dst: .private(b.s([2])), src: .private(x), function: .exp), round: 1)
        },
        VerifierCase("compare of a private value", .registerKind) { b in
            let (x, y) = (b.privateInput("x", [2]), b.publicInput("y", [2]))
            b.emit(.compare(dst: .private(b.s([2])), lhs: .private(x), rhs: .public(y), comparison: .less), round: 1)
        },
        VerifierCase("select of a private value", .registerKind) { b in
            let (c, x) = (b.publicInput("c", [2]), b.privateInput("x", [2]))
            b.emit(
                .select(dst: .private(b.s([2])), condition: .public(c), lhs: .private(x), rhs: .private(x)), round: 1)
        },
        VerifierCase("reduce of a private value", .registerKind) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.reduce(dst: .private(b.s([2])), src: .private(x), reduction: .argmax, axis: 1), round: 1)
        },
        VerifierCase("local mixed with public", .registerKind) { b in
            let (x, y) = (b.localInput("x", [2]), b.publicInput("y", [2]))
            b.emit(.add(dst: .local(b.l("client", [2])), lhs: .local(x), rhs: .public(y)), round: 1)
        },
        VerifierCase("locals of two players", .registerKind) { b in
            let (x, y) = (b.localInput("x", [2]), b.localInput("y", [2], of: "owner"))
            b.emit(.add(dst: .local(b.l("client", [2])), lhs: .local(x), rhs: .local(y)), round: 1)
        },
        VerifierCase("private result in a public register", .registerKind) { b in
            let (x, y) = (b.privateInput("x", [2]), b.publicInput("y", [2]))
            b.emit(.add(dst: .public(b.p([2])), lhs: .private(x), rhs: .public(y)), round: 1)
        },
        VerifierCase("public result in a private register", .registerKind) { b in
            let y = b.publicInput("y", [2])
            b.emit(.neg(dst: .private(b.s([2])), src: .public(y)), round: 1)
        },
        VerifierCase("constant into a private register", .registerKind) { b in
            b.emit(.const(dst: .private(b.s([])), constant: b.constant([1])), round: 0)
        },
        VerifierCase("reveal to a register of another player", .registerKind) { b in
            let x = b.privateInput("x", [2])
            b.emit(.reveal(dst: b.l("owner", [2]), src: x, player: b.player("client")), round: 1)
        },
        VerifierCase("local input of another player's register", .registerKind) { b in
            b.declareInput("client", "x", [2], .local)
            b.emit(.input(dst: .local(b.l("owner", [2])), player: b.player("client"), name: "x"), round: 0)
        },
        VerifierCase("output of another player's local value", .registerKind) { b in
            let x = b.localInput("x", [2], of: "owner")
            b.declareOutput("client", "y", [2], .local)
            b.emit(.output(player: b.player("client"), name: "y", src: .local(x)), round: 1)
        },
        VerifierCase("print of a private value", .registerKind) { b in
            let x = b.privateInput("x", [2])
            b.emit(.print(player: .server0, format: "{}", values: [.private(x)]), round: 1)
        },
        VerifierCase("print of a public value by a player", .registerKind) { b in
            let x = b.publicInput("x", [2])
            b.emit(.print(player: b.player("client"), format: "{}", values: [.public(x)]), round: 1)
        },

        // MARK: Shapes
        VerifierCase("add of shapes that do not broadcast", .shape) { b in
            let (x, y) = (b.privateInput("x", [2, 3]), b.privateInput("y", [2]))
            b.emit(.add(dst: .private(b.s([2, 3])), lhs: .private(x), rhs: .private(y)), round: 1)
        },
        VerifierCase("mul into the wrong shape", .shape) { b in
            let (x, y) = (b.privateInput("x", [2, 3]), b.publicInput("y", [3]))
            b.emit(.mul(dst: .private(b.s([3])), lhs: .private(x), rhs: .public(y)), round: 1)
        },
        VerifierCase("compare into the wrong shape", .shape) { b in
            let (x, y) = (b.publicInput("x", [4, 1]), b.publicInput("y", [3]))
            b.emit(
                .compare(dst: .public(b.p([4, 1])), lhs: .public(x), rhs: .public(y), comparison: .equal), round: 1)
        },
        VerifierCase("select of shapes that do not broadcast", .shape) { b in
            let (c, x, y) = (b.publicInput("c", [3]), b.publicInput("x", [2]), b.publicInput("y", [2]))
            b.emit(.select(dst: .public(b.p([2])), condition: .public(c), lhs: .public(x), rhs: .public(y)), round: 1)
        },
        VerifierCase("matmul inner dimensions differ", .shape) { b in
            let (x, w) = (b.privateInput("x", [100, 784]), b.publicInput("w", [512, 10]))
            b.emit(.matmul(dst: .private(b.s([100, 10])), lhs: .private(x), rhs: .public(w)), round: 1)
        },
        VerifierCase("matmul batch axes do not broadcast", .shape) { b in
            let (x, w) = (b.privateInput("x", [2, 3, 4]), b.publicInput("w", [5, 4, 6]))
            b.emit(.matmul(dst: .private(b.s([2, 3, 6])), lhs: .private(x), rhs: .public(w)), round: 1)
        },
        // The verifier compares shapes by their position in its table of distinct shapes; these take each path.
        VerifierCase("add of a scalar and a tensor into the scalar's shape", .shape) { b in
            let (c, x) = (b.publicInput("c", []), b.privateInput("x", [2, 3]))
            b.emit(.add(dst: .private(b.s([])), lhs: .public(c), rhs: .private(x)), round: 1)
        },
        VerifierCase("add of equal shapes into a broadcast of them", .shape) { b in
            let (x, y) = (b.privateInput("x", [3]), b.privateInput("y", [3]))
            b.emit(.add(dst: .private(b.s([2, 3])), lhs: .private(x), rhs: .private(y)), round: 1)
        },
        VerifierCase("add broadcast into the smaller operand's shape", .shape) { b in
            let (x, y) = (b.privateInput("x", [2, 3]), b.privateInput("y", [3]))
            b.emit(.add(dst: .private(b.s([3])), lhs: .private(y), rhs: .private(x)), round: 1)
        },
        VerifierCase("elementwise product triple into another shape", .shape) { b in
            let (a, m) = (b.s([4]), b.s([4]))
            b.emitOffline(.mask(a))
            b.emitOffline(.mask(m))
            b.emitOffline(.product(c: b.s([2]), a: a, b: m, kind: .mul))
        },
        VerifierCase("open into another shape", .shape) { b in
            let x = b.privateInput("x", [2, 2])
            b.emit(.open(dst: b.p([4]), src: x), round: 1)
        },
        VerifierCase("conv2d channels differ", .shape) { b in
            let (x, k) = (b.privateInput("x", [1, 5, 5, 3]), b.publicInput("k", [3, 3, 2, 4]))
            b.emit(
                .conv2d(
                    dst: .private(b.s([1, 3, 3, 4])), input: .private(x), kernel: .public(k), stride: 1,
                    padding: .valid), round: 1)
        },
        VerifierCase("conv2d output size", .shape) { b in
            let (x, k) = (b.privateInput("x", [1, 28, 28, 1]), b.publicInput("k", [5, 5, 1, 8]))
            b.emit(
                .conv2d(
                    dst: .private(b.s([1, 28, 28, 8])), input: .private(x), kernel: .public(k), stride: 1,
                    padding: .valid), round: 1)
        },
        VerifierCase("VALID kernel larger than the input", .shape) { b in
            let (x, k) = (b.privateInput("x", [1, 2, 2, 1]), b.publicInput("k", [3, 3, 1, 1]))
            b.emit(
                .conv2d(
                    dst: .private(b.s([1, 0, 0, 1])), input: .private(x), kernel: .public(k), stride: 1,
                    padding: .valid), round: 1)
        },
        VerifierCase("poolsum output size", .shape) { b in
            let x = b.privateInput("x", [1, 7, 7, 2])
            b.emit(
                .poolsum(dst: .private(b.s([1, 3, 3, 2])), src: .private(x), size: 2, stride: 2, padding: .same),
                round: 1)
        },
        VerifierCase("unpool source of the wrong shape", .shape) { b in
            let x = b.privateInput("x", [1, 4, 4, 2])
            b.emit(
                .unpool(dst: .private(b.s([1, 4, 4, 2])), src: .private(x), size: 2, stride: 2, padding: .valid),
                round: 1)
        },
        VerifierCase("unpool window that does not fit", .shape) { b in
            let x = b.privateInput("x", [9, 1, 1, 1, 1])
            b.emit(
                .unpool(dst: .private(b.s([1, 2, 2, 1])), src: .private(x), size: 3, stride: 1, padding: .valid),
                round: 1)
        },
        VerifierCase("concat of sources that differ off the axis", .shape) { b in
            let (x, y) = (b.privateInput("x", [2, 3]), b.privateInput("y", [3, 3]))
            b.emit(.concat(dst: .private(b.s([2, 6])), sources: [.private(x), .private(y)], axis: 1), round: 1)
        },
        VerifierCase("concat into the wrong length", .shape) { b in
            let (x, y) = (b.privateInput("x", [2, 3]), b.privateInput("y", [2, 1]))
            b.emit(.concat(dst: .private(b.s([2, 5])), sources: [.private(x), .private(y)], axis: 1), round: 1)
        },
        VerifierCase("concat of a public source into a private destination", .registerKind) { b in
            let (x, y) = (b.privateInput("x", [2, 3]), b.publicInput("y", [2, 1]))
            b.emit(.concat(dst: .private(b.s([2, 4])), sources: [.private(x), .public(y)], axis: 1), round: 1)
        },
        VerifierCase("concat axis out of range", .operandValue) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.concat(dst: .private(b.s([2, 3])), sources: [.private(x)], axis: 2), round: 1)
        },
        VerifierCase("slice that leaves the source", .shape) { b in
            let x = b.privateInput("x", [4, 3])
            b.emit(.slice(dst: .private(b.s([3, 3])), src: .private(x), begin: [2, 0], step: [1, 1]), round: 1)
        },
        VerifierCase("slice with a zero step", .operandValue) { b in
            let x = b.privateInput("x", [4, 3])
            b.emit(.slice(dst: .private(b.s([2, 3])), src: .private(x), begin: [0, 0], step: [0, 1]), round: 1)
        },
        VerifierCase("slice with a huge step", .operandValue) { b in
            let x = b.privateInput("x", [4, 3])
            b.emit(.slice(dst: .private(b.s([2, 3])), src: .private(x), begin: [0, 0], step: [Int.max, 1]), round: 1)
        },
        VerifierCase("slice that drops an axis", .operandValue) { b in
            let x = b.privateInput("x", [4, 3])
            b.emit(.slice(dst: .private(b.s([3])), src: .private(x), begin: [0, 0], step: [1, 1]), round: 1)
        },
        VerifierCase("pad with a negative offset", .operandValue) { b in
            let x = b.privateInput("x", [4, 3])
            b.emit(.pad(dst: .private(b.s([5, 3])), src: .private(x), before: [-1, 0]), round: 1)
        },
        VerifierCase("pad that does not fit", .shape) { b in
            let x = b.privateInput("x", [4, 3])
            b.emit(.pad(dst: .private(b.s([5, 3])), src: .private(x), before: [2, 0]), round: 1)
        },
        VerifierCase("sum keeps the axis", .shape) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.sum(dst: .private(b.s([2, 1])), src: .private(x), axis: 1), round: 1)
        },
        VerifierCase("transpose into the wrong shape", .shape) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.transpose(dst: .private(b.s([2, 3])), src: .private(x), permutation: [1, 0]), round: 1)
        },
        VerifierCase("reshape changes the element count", .shape) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.reshape(dst: .private(b.s([5])), src: .private(x)), round: 1)
        },
        VerifierCase("argmax keeps the axis", .shape) { b in
            let x = b.localInput("x", [2, 3])
            b.emit(
                .reduce(dst: .local(b.l("client", [2, 3], .int)), src: .local(x), reduction: .argmax, axis: 1),
                round: 1)
        },
        VerifierCase("replicated open under pond", .operandValue) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.replicatedOpen(dst: b.p([2, 3]), src: x), round: 1)
        },
        VerifierCase("replicated store under pond", .operandValue) { b in
            b.emit(.replicatedStore(name: "w", src: b.privateInput("x", [2, 3])), round: 1)
        },
        VerifierCase("replicated load of a bad name", .operandValue, program: {
            var b = ProgramBuilder(protocol: .aby3)
            let x = b.s([2])
            b.emitOffline(.replicatedLoad(dst: x, name: "../w"))
            b.emit(.output(player: b.player("client"), name: "x", src: .private(x)), round: 0)
            b.declareOutput("client", "x", [2], .private)
            return b.build()
        }()),
        VerifierCase("replicated open into the wrong shape", .shape, program: {
            var b = ProgramBuilder(protocol: .aby3)
            let x = b.s([2, 3])
            b.declareInput("client", "x", [2, 3], .private)
            b.emit(.replicatedInput(dst: .private(x), player: b.player("client"), name: "x"), round: 0)
            b.emit(.replicatedOpen(dst: b.p([3, 2]), src: x), round: 1)
            return b.build()
        }()),
        VerifierCase("replicated input into a local register", .registerKind, program: {
            var b = ProgramBuilder(protocol: .aby3)
            let x = b.l("client", [2])
            b.declareInput("client", "x", [2], .local)
            b.emit(.replicatedInput(dst: .local(x), player: b.player("client"), name: "x"), round: 0)
            return b.build()
        }()),
        VerifierCase("component under pond", .operandValue) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.component(dst: b.s([2, 3]), src: x, slot: 1), round: 1)
        },
        VerifierCase("boolean xor that broadcasts", .shape, program: replicated { b, x in
            let y = b.s([3])
            b.emit(.component(dst: y, src: x, slot: 0), round: 1)
            b.emit(.booleanXor(dst: b.s([2, 3]), lhs: x, rhs: y), round: 1)
        }),
        VerifierCase("shift by 64", .operandValue, program: replicated { b, x in
            b.emit(.shiftLeft(dst: b.s([2, 3]), src: x, bits: 64), round: 1)
        }),
        VerifierCase("component slot 3", .operandValue, program: replicated { b, x in
            b.emit(.component(dst: b.s([2, 3]), src: x, slot: 3), round: 1)
        }),
        VerifierCase("open into the wrong shape", .shape) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.open(dst: b.p([3, 2]), src: x), round: 1)
        },
        VerifierCase("mul triple with the wrong c", .shape) { b in
            b.emitOffline(.triple(a: b.s([4, 3]), b: b.s([3]), c: b.s([3]), kind: .mul))
        },
        VerifierCase("matmul triple with the wrong c", .shape) { b in
            b.emitOffline(.triple(a: b.s([4, 3]), b: b.s([3, 5]), c: b.s([4, 3]), kind: .matmul))
        },
        VerifierCase("conv2d triple with the wrong c", .shape) { b in
            b.emitOffline(
                .triple(
                    a: b.s([1, 4, 4, 1]), b: b.s([3, 3, 1, 2]), c: b.s([1, 4, 4, 2]),
                    kind: .conv2d(stride: 1, padding: .valid)))
        },
        VerifierCase("square pair of two shapes", .shape) { b in
            b.emitOffline(.squarePair(a: b.s([2]), square: b.s([3])))
        },
        VerifierCase("truncation pair of two shapes", .shape) { b in
            b.emitOffline(.truncPair(r: b.s([2]), high: b.s([2]), msb: b.s([1])))
        },
        VerifierCase("truncfinish of two shapes", .shape) { b in
            let (r, high, msb) = (b.s([2]), b.s([2]), b.s([2]))
            b.emitOffline(.truncPair(r: r, high: high, msb: msb))
            let x = b.privateInput("x", [3])
            let masked = b.p([3])
            b.emit(.open(dst: masked, src: x), round: 1)
            b.emit(.truncFinish(dst: b.s([3]), masked: masked, high: high, msb: msb), round: 2)
        },
        VerifierCase("division pair of two shapes", .shape) { b in
            b.emitOffline(.divPair(r: b.s([2]), quotient: b.s([1]), wrap: b.s([2]), divisor: 3))
        },
        VerifierCase("divfinish of two shapes", .shape) { b in
            let (r, quotient, wrap) = (b.s([2]), b.s([2]), b.s([2]))
            b.emitOffline(.divPair(r: r, quotient: quotient, wrap: wrap, divisor: 3))
            let x = b.privateInput("x", [3])
            let masked = b.p([3])
            b.emit(.open(dst: masked, src: x), round: 1)
            b.emit(.divFinish(dst: b.s([3]), masked: masked, quotient: quotient, wrap: wrap, divisor: 3), round: 2)
        },
        VerifierCase("msbpair bits without the axis of 8 words", .shape) { b in
            b.emitOffline(.msbPair(r: b.s([2]), bits: b.s([2, 64]), lsb: b.s([2])))
        },
        VerifierCase("scmask of two shapes", .shape) { b in
            b.emitOffline(.msbPair(r: b.s([2]), bits: b.s([2, 8]), lsb: b.s([2])))
            let x = b.privateInput("x", [2])
            b.emit(.shareConvertMask(dst: b.s([3]), mask: b.p([2]), flip: b.p([2]), src: x), round: 1)
        },
        VerifierCase("privatecompare of a threshold of another shape", .shape) { b in
            let (r, bits, lsb) = (b.s([2]), b.s([2, 8]), b.s([2]))
            b.emitOffline(.msbPair(r: r, bits: bits, lsb: lsb))
            let t = b.publicInput("t", [3])
            b.emit(
                .privateCompare(dst: b.s([2]), bits: bits, threshold: t, flip: t, comparison: .greater), round: 1)
        },

        // MARK: Operand values
        VerifierCase("stride 0", .operandValue) { b in
            let (x, k) = (b.privateInput("x", [1, 4, 4, 1]), b.publicInput("k", [1, 1, 1, 1]))
            b.emit(
                .conv2d(
                    dst: .private(b.s([1, 4, 4, 1])), input: .private(x), kernel: .public(k), stride: 0, padding: .same
                ), round: 1)
        },
        VerifierCase("pool window 0", .operandValue) { b in
            let x = b.privateInput("x", [1, 4, 4, 1])
            b.emit(
                .poolsum(dst: .private(b.s([1, 4, 4, 1])), src: .private(x), size: 0, stride: 1, padding: .same),
                round: 1)
        },
        VerifierCase("division pair by 0", .operandValue) { b in
            b.emitOffline(.divPair(r: b.s([2]), quotient: b.s([2]), wrap: b.s([2]), divisor: 0))
        },
        VerifierCase("divfinish by a divisor beyond 2^32", .operandValue) { b in
            let (r, quotient, wrap) = (b.s([2]), b.s([2]), b.s([2]))
            b.emitOffline(.divPair(r: r, quotient: quotient, wrap: wrap, divisor: 3))
            let x = b.privateInput("x", [2])
            let masked = b.p([2])
            b.emit(.open(dst: masked, src: x), round: 1)
            b.emit(.divFinish(dst: b.s([2]), masked: masked, quotient: quotient, wrap: wrap, divisor: (1 << 32) + 1),
                   round: 2)
        },
        VerifierCase("public division by a negative divisor", .operandValue) { b in
            let x = b.publicInput("x", [2])
            b.emit(.div(dst: b.p([2]), src: x, divisor: -3), round: 1)
        },
        VerifierCase("axis out of range", .operandValue) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.sum(dst: .private(b.s([2])), src: .private(x), axis: 2), round: 1)
        },
        VerifierCase("negative axis", .operandValue) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.sum(dst: .private(b.s([2])), src: .private(x), axis: -2), round: 1)
        },
        VerifierCase("permutation repeats an axis", .operandValue) { b in
            let x = b.privateInput("x", [2, 3])
            b.emit(.transpose(dst: .private(b.s([2, 2])), src: .private(x), permutation: [0, 0]), round: 1)
        },
        VerifierCase("softmax over all axes", .operandValue) { b in
            let x = b.localInput("x", [2, 3])
            b.emit(
                .reduce(dst: .local(b.l("client", [2, 3])), src: .local(x), reduction: .softmax, axis: nil), round: 1)
        },
        VerifierCase("print format without a placeholder", .operandValue) { b in
            let x = b.localInput("x", [2])
            b.emit(.print(player: b.player("client"), format: "x", values: [.local(x)]), round: 1)
        },

        // MARK: Constants
        VerifierCase("constant of the wrong size", .constantSize) { b in
            b.emit(.const(dst: .public(b.p([2, 2])), constant: b.constant([1, 2, 3])), round: 0)
        },

        // MARK: Phases
        VerifierCase("triple in an online round", .phase) { b in
            b.emit(.triple(a: b.s([2]), b: b.s([2]), c: b.s([2]), kind: .mul), round: 0)
        },
        VerifierCase("computation in an offline round", .phase) { b in
            let (r, high, msb) = (b.s([2]), b.s([2]), b.s([2]))
            b.emitOffline(.truncPair(r: r, high: high, msb: msb))
            b.emitOffline(.add(dst: .private(b.s([2])), lhs: .private(r), rhs: .private(high)), round: 1)
        },
        VerifierCase("msbpair in an online round", .phase) { b in
            b.emitOffline(.mask(b.s([2])))
            b.emit(.msbPair(r: b.s([2]), bits: b.s([2, 8]), lsb: b.s([2])), round: 0)
        },
        VerifierCase("a SecureNN step without the seeds of an offline round", .phase) { b in
            let x = b.privateInput("x", [2])
            b.emit(.shareConvertMask(dst: b.s([2]), mask: b.p([2]), flip: b.p([2]), src: x), round: 1)
        },

        // MARK: I/O tables
        VerifierCase("undeclared input", .ioTable) { b in
            b.emit(.input(dst: .private(b.s([2])), player: b.player("client"), name: "x"), round: 0)
        },
        VerifierCase("declared input never read", .ioTable) { b in
            b.declareInput("client", "x", [2], .private)
        },
        VerifierCase("input read twice", .ioTable) { b in
            _ = b.privateInput("x", [2])
            b.emit(.input(dst: .private(b.s([2])), player: b.player("client"), name: "x"), round: 0)
        },
        VerifierCase("input of another player", .ioTable) { b in
            b.declareInput("client", "x", [2], .private)
            b.emit(.input(dst: .private(b.s([2])), player: b.player("owner"), name: "x"), round: 0)
            b.emit(.input(dst: .private(b.s([2])), player: b.player("client"), name: "x"), round: 0)
        },
        VerifierCase("input disclosure differs", .ioTable) { b in
            b.declareInput("client", "x", [2], .public)
            b.emit(.input(dst: .private(b.s([2])), player: b.player("client"), name: "x"), round: 0)
        },
        VerifierCase("input shape differs", .ioTable) { b in
            b.declareInput("client", "x", [2], .private)
            b.emit(.input(dst: .private(b.s([3])), player: b.player("client"), name: "x"), round: 0)
        },
        VerifierCase("output element type differs", .ioTable) { b in
            let x = b.privateInput("x", [2])
            b.declareOutput("client", "y", [2], .private, .int)
            b.emit(.output(player: b.player("client"), name: "y", src: .private(x)), round: 1)
        },
        VerifierCase("undeclared output", .ioTable) { b in
            let x = b.privateInput("x", [2])
            b.emit(.output(player: b.player("client"), name: "y", src: .private(x)), round: 1)
        },
        VerifierCase("declared output never sent", .ioTable) { b in
            b.declareOutput("client", "y", [2], .private)
        },
        VerifierCase("two inputs of one player with one name", .duplicateName) { b in
            _ = b.privateInput("x", [2])
            b.declareInput("client", "x", [2], .private)
        },
        VerifierCase("two outputs of one player with one name", .duplicateName) { b in
            let x = b.privateInput("x", [2])
            b.declareOutput("client", "y", [2], .private)
            b.declareOutput("client", "y", [2], .private)
            b.emit(.output(player: b.player("client"), name: "y", src: .private(x)), round: 1)
        },
        // MARK: Receivers
        VerifierCase("output of a private value to server1", .outputToServer) { b in
            let x = b.privateInput("x", [2])
            b.declareOutput("server1", "y", [2], .private)
            b.emit(.output(player: .server1, name: "y", src: .private(x)), round: 1)
        },
        VerifierCase("output of a private value to server2", .outputToServer) { b in
            let x = b.privateInput("x", [2])
            b.declareOutput("server2", "y", [2], .private)
            b.emit(.output(player: .server2, name: "y", src: .private(x)), round: 1)
        },
        VerifierCase("output of a public value to server0", .outputToServer) { b in
            let x = b.publicInput("x", [2])
            b.declareOutput("server0", "y", [2], .public)
            b.emit(.output(player: .server0, name: "y", src: .public(x)), round: 1)
        },
        VerifierCase("reveal to server0", .outputToServer) { b in
            let x = b.privateInput("x", [2])
            b.emit(.reveal(dst: b.l("server0", [2]), src: x, player: .server0), round: 1)
        },
        VerifierCase("reveal to server2", .outputToServer) { b in
            let x = b.privateInput("x", [2])
            b.emit(.reveal(dst: b.l("server2", [2]), src: x, player: .server2), round: 1)
        },
    ]
}

/// TensorFlow's SAME/VALID sizes and NumPy's matmul broadcasting.
@Suite struct ShapeRuleTests {
    @Test(arguments: [
        (28, 5, 1, Padding.valid, 24), (28, 5, 1, .same, 28), (7, 3, 2, .valid, 3), (7, 3, 2, .same, 4),
        (8, 2, 2, .valid, 4), (8, 2, 2, .same, 4), (5, 5, 1, .valid, 1), (1, 3, 3, .same, 1), (0, 1, 1, .same, 0),
    ])
    func windowOutput(input: Int, window: Int, stride: Int, padding: Padding, expected: Int) {
        #expect(ShapeRules.windowOutput(input: input, window: window, stride: stride, padding: padding) == expected)
    }

    @Test func validWindowLargerThanInput() {
        #expect(ShapeRules.windowOutput(input: 2, window: 3, stride: 1, padding: .valid) == nil)
    }

    @Test func matmulBroadcastsBatchAxes() throws {
        #expect(try ShapeRules.matmul(Shape([2, 1, 3, 4]), Shape([5, 4, 6])).get() == Shape([2, 5, 3, 6]))
        #expect(try ShapeRules.matmul(Shape([100, 784]), Shape([784, 512])).get() == Shape([100, 512]))
    }

    @Test func conv2dAndPoolShapes() throws {
        #expect(
            try ShapeRules.conv2d(Shape([1, 28, 28, 1]), Shape([5, 5, 1, 16]), stride: 1, padding: .valid).get()
                == Shape([1, 24, 24, 16]))
        #expect(
            try ShapeRules.conv2d(Shape([2, 7, 9, 3]), Shape([3, 3, 3, 4]), stride: 2, padding: .same).get()
                == Shape([2, 4, 5, 4]))
        #expect(
            try ShapeRules.poolsum(Shape([1, 24, 24, 16]), size: 2, stride: 2, padding: .valid).get()
                == Shape([1, 12, 12, 16]))
    }

    @Test func transposeAndReduce() throws {
        #expect(try ShapeRules.transposed(Shape([2, 3, 4]), [2, 0, 1]).get() == Shape([4, 2, 3]))
        #expect(try ShapeRules.reduced(Shape([2, 3, 4]), axis: 1).get() == Shape([2, 4]))
        #expect(try ShapeRules.reduced(Shape([2, 3, 4]), axis: nil).get() == Shape.scalar)
    }
}
