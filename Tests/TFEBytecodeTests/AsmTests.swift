// The asm printer: one whole listing, and the form of every opcode.

import TFECore
import Testing

@testable import TFEBytecode

@Suite struct AsmTests {
    @Test func wholeListing() {
        var b = ProgramBuilder("tiny.tfe", players: ["client"])
        b.declareInput("client", "x", [2, 3], .private)
        b.declareOutput("client", "y", [2, 3], .local)
        let (a, bb, c) = (b.s([2, 3]), b.s([3]), b.s([2, 3]))
        let x = b.s([2, 3])
        let masked = b.s([2, 3])
        let opened = b.p([2, 3])
        let y = b.l("client", [2, 3])
        b.emitOffline(.triple(a: a, b: bb, c: c, kind: .mul), line: 4, column: 9)
        b.emit(.input(dst: .private(x), player: b.player("client"), name: "x"), round: 0, line: 2, column: 5)
        b.emit(.sub(dst: .private(masked), lhs: .private(x), rhs: .private(a)), round: 1, line: 4, column: 9)
        b.emit(.open(dst: opened, src: masked), round: 1, line: 0, column: 0)
        b.emit(.reveal(dst: y, src: c, player: b.player("client")), round: 2, line: 5, column: 1)
        b.emit(.output(player: b.player("client"), name: "y", src: .local(y)), round: 3, line: 6, column: 1)
        var program = b.build()
        program.constants = [[65_536], [0.5, -1, 2, 3.25, 4, 5]]
        #expect(
            program.asm == """
                ; tfe asm 5 (tiny.tfe) protocol pond, frac 16
                ; players: server0 server1 server2 client
                ; s0: fixed[2, 3]
                ; s1: fixed[3]
                ; s2: fixed[2, 3]
                ; s3: fixed[2, 3]
                ; s4: fixed[2, 3]
                ; p0: fixed[2, 3]
                ; l0: local(client) fixed[2, 3]
                ; #0 = 65536
                ; #1 = [0.5, -1, 2, 3.25, ...] (6 values)
                ; input @client "x" private fixed[2, 3]
                ; output @client "y" local fixed[2, 3]
                offline round 0:
                  0000  s0, s1, s2 = triple mul                         ; tiny.tfe:4:9
                round 0:
                  0001  s3 = input @client "x"                          ; tiny.tfe:2:5
                round 1:
                  0002  s4 = sub s3, s0                                 ; tiny.tfe:4:9
                  0003  p0 = open s4
                round 2:
                  0004  l0 = reveal s2 @client                          ; tiny.tfe:5:1
                round 3:
                  0005  output @client "y" l0                           ; tiny.tfe:6:1

                """)
    }

    static let s = (0...3).map { Register.private(PrivateRegister($0)) }
    static let p = (0...3).map { Register.public(PublicRegister($0)) }
    static let l = (0...3).map { Register.local(LocalRegister($0)) }
    static let client = PlayerID(3)

    @Test(arguments: [
        (Instruction.const(dst: p[0], constant: 3), "p0 = const #3"),
        (.add(dst: s[2], lhs: s[0], rhs: p[1]), "s2 = add s0, p1"),
        (.sub(dst: s[2], lhs: s[0], rhs: s[1]), "s2 = sub s0, s1"),
        (.neg(dst: s[1], src: s[0]), "s1 = neg s0"),
        (.mul(dst: s[2], lhs: p[0], rhs: s[1]), "s2 = mul p0, s1"),
        (.matmul(dst: s[2], lhs: s[0], rhs: p[1]), "s2 = matmul s0, p1"),
        (
            .conv2d(dst: s[2], input: s[0], kernel: p[1], stride: 1, padding: .same),
            "s2 = conv2d s0, p1 stride=1 padding=SAME"
        ),
        (.sum(dst: s[1], src: s[0], axis: 1), "s1 = sum s0 axis=1"),
        (.sum(dst: s[1], src: s[0], axis: nil), "s1 = sum s0 axis=all"),
        (.transpose(dst: s[1], src: s[0], permutation: [1, 0]), "s1 = transpose s0 [1, 0]"),
        (.reshape(dst: s[1], src: s[0]), "s1 = reshape s0"),
        (.concat(dst: s[3], sources: [s[0], s[1], s[2]], axis: 1), "s3 = concat s0, s1, s2 axis=1"),
        (
            .slice(dst: s[1], src: s[0], begin: [0, 4], step: [1, -2]),
            "s1 = slice s0 begin=[0, 4] step=[1, -2]"
        ),
        (.pad(dst: s[1], src: s[0], before: [0, 1, 1, 0]), "s1 = pad s0 before=[0, 1, 1, 0]"),
        (
            .poolsum(dst: s[1], src: s[0], size: 2, stride: 2, padding: .valid),
            "s1 = poolsum s0 size=2 stride=2 padding=VALID"
        ),
        (
            .unpool(dst: s[1], src: s[0], size: 3, stride: 1, padding: .same),
            "s1 = unpool s0 size=3 stride=1 padding=SAME"
        ),
        (.trunc(dst: PublicRegister(1), src: PublicRegister(0)), "p1 = trunc p0"),
        (.div(dst: PublicRegister(1), src: PublicRegister(0), divisor: 3), "p1 = div p0 divisor=3"),
        (.map(dst: l[1], src: l[0], function: .sigmoid), "l1 = map sigmoid l0"),
        (.map(dst: l[1], src: l[0], function: .reluApprox), "l1 = map relu_approx l0"),
        (.compare(dst: l[2], lhs: l[0], rhs: l[1], comparison: .less), "l2 = compare lt l0, l1"),
        (.select(dst: l[3], condition: l[0], lhs: l[1], rhs: l[2]), "l3 = select l0, l1, l2"),
        (.reduce(dst: l[1], src: l[0], reduction: .argmax, axis: 1), "l1 = reduce argmax l0 axis=1"),
        (.reduce(dst: l[1], src: l[0], reduction: .softmax, axis: 0), "l1 = reduce softmax l0 axis=0"),
        (.sharePublic(dst: PrivateRegister(1), src: PublicRegister(0)), "s1 = sharepublic p0"),
        (
            .truncFinish(
                dst: PrivateRegister(3), masked: PublicRegister(0), high: PrivateRegister(1), msb: PrivateRegister(2)),
            "s3 = truncfinish p0, s1, s2"
        ),
        (
            .divFinish(
                dst: PrivateRegister(3), masked: PublicRegister(0), quotient: PrivateRegister(1),
                wrap: PrivateRegister(2), divisor: 36),
            "s3 = divfinish p0, s1, s2 divisor=36"
        ),
        (.print(player: client, format: "loss {}", values: [l[0]]), "print @client \"loss {}\" l0"),
        (
            .print(player: .server0, format: "a \"q\"\n", values: [p[0], p[1]]),
            "print @server0 \"a \\\"q\\\"\\n\" p0, p1"
        ),
        (.input(dst: s[0], player: client, name: "x"), "s0 = input @client \"x\""),
        (.output(player: client, name: "logits", src: s[3]), "output @client \"logits\" s3"),
        (.open(dst: PublicRegister(1), src: PrivateRegister(0)), "p1 = open s0"),
        (.reveal(dst: LocalRegister(1), src: PrivateRegister(0), player: client), "l1 = reveal s0 @client"),
        (.share(dst: PrivateRegister(1), src: LocalRegister(0)), "s1 = share l0"),
        (
            .triple(a: PrivateRegister(0), b: PrivateRegister(1), c: PrivateRegister(2), kind: .mul),
            "s0, s1, s2 = triple mul"
        ),
        (
            .triple(a: PrivateRegister(0), b: PrivateRegister(1), c: PrivateRegister(2), kind: .matmul),
            "s0, s1, s2 = triple matmul"
        ),
        (
            .triple(
                a: PrivateRegister(0), b: PrivateRegister(1), c: PrivateRegister(2),
                kind: .conv2d(stride: 1, padding: .valid)),
            "s0, s1, s2 = triple conv2d stride=1 padding=VALID"
        ),
        (.squarePair(a: PrivateRegister(0), square: PrivateRegister(1)), "s0, s1 = squarepair"),
        (.mask(PrivateRegister(4)), "s4 = mask"),
        (
            .product(c: PrivateRegister(2), a: PrivateRegister(0), b: PrivateRegister(1), kind: .matmul),
            "s2 = product matmul s0, s1"
        ),
        (
            .truncPair(r: PrivateRegister(0), high: PrivateRegister(1), msb: PrivateRegister(2)),
            "s0, s1, s2 = truncpair"
        ),
        (
            .divPair(r: PrivateRegister(0), quotient: PrivateRegister(1), wrap: PrivateRegister(2), divisor: 7),
            "s0, s1, s2 = divpair divisor=7"
        ),
        (.input(dst: s[0], player: PlayerID(9), name: "x"), "s0 = input @player#9 \"x\""),
        (.msbPair(r: PrivateRegister(0), bits: PrivateRegister(1), lsb: PrivateRegister(2)), "s0, s1, s2 = msbpair"),
        (
            .shareConvertMask(dst: PrivateRegister(1), mask: PublicRegister(0), flip: PublicRegister(1),
                              src: PrivateRegister(0)),
            "s1, p0, p1 = scmask s0"
        ),
        (
            .shareConvertBits(bits: PrivateRegister(2), dst: PrivateRegister(3), src: PrivateRegister(1)),
            "s2, s3 = scbits s1"
        ),
        (
            .privateCompare(dst: PrivateRegister(4), bits: PrivateRegister(2), threshold: PublicRegister(0),
                            flip: PublicRegister(1), comparison: .greaterEqual),
            "s4 = privatecompare ge s2, p0, p1"
        ),
        (
            .shareConvertFinish(dst: PrivateRegister(5), partial: PrivateRegister(3), compared: PrivateRegister(4),
                                flip: PublicRegister(1)),
            "s5 = scfinish s3, s4, p1"
        ),
        (
            .msbOpen(dst: PublicRegister(2), flip: PublicRegister(3), src: PrivateRegister(5), r: PrivateRegister(6)),
            "p2, p3 = msbopen s5, s6"
        ),
        (
            .msbFinish(gamma: PrivateRegister(8), delta: PrivateRegister(9), compared: PrivateRegister(7),
                       masked: PublicRegister(2), flip: PublicRegister(3), lsb: PrivateRegister(10)),
            "s8, s9 = msbfinish s7, p2, p3, s10"
        ),
        (.replicatedInput(dst: s[0], player: PlayerID(3), name: "x"), "s0 = rinput @client \"x\""),
        (.replicatedShare(dst: PrivateRegister(1), src: LocalRegister(0)), "s1 = rshare l0"),
        (.replicatedOpen(dst: PublicRegister(1), src: PrivateRegister(0)), "p1 = ropen s0"),
        (
            .replicatedProduct(c: PrivateRegister(2), a: PrivateRegister(0), b: PrivateRegister(1), kind: .mul),
            "s2 = rproduct mul s0, s1"
        ),
        (
            .replicatedProduct(c: PrivateRegister(2), a: PrivateRegister(0), b: PrivateRegister(1),
                               kind: .conv2d(stride: 2, padding: .same)),
            "s2 = rproduct conv2d s0, s1 stride=2 padding=SAME"
        ),
        (
            .replicatedMaskedOpen(dst: PublicRegister(2), src: PrivateRegister(0), r: PrivateRegister(1)),
            "p2 = rmaskopen s0, s1"
        ),
        (
            .replicatedTruncFinish(dst: PrivateRegister(3), masked: PublicRegister(0), high: PrivateRegister(1),
                                   msb: PrivateRegister(2)),
            "s3 = rtruncfinish p0, s1, s2"
        ),
        (
            .replicatedDivFinish(dst: PrivateRegister(3), masked: PublicRegister(0), quotient: PrivateRegister(1),
                                 wrap: PrivateRegister(2), divisor: 3),
            "s3 = rdivfinish p0, s1, s2 divisor=3"
        ),
        (.booleanXor(dst: PrivateRegister(2), lhs: PrivateRegister(0), rhs: PrivateRegister(1)), "s2 = xor s0, s1"),
        (.shiftLeft(dst: PrivateRegister(1), src: PrivateRegister(0), bits: 4), "s1 = shl s0 by=4"),
        (.shiftRight(dst: PrivateRegister(1), src: PrivateRegister(0), bits: 63), "s1 = shr s0 by=63"),
        (.component(dst: PrivateRegister(1), src: PrivateRegister(0), slot: 2), "s1 = component s0 slot=2"),
        (.booleanAnd(dst: PrivateRegister(2), lhs: PrivateRegister(0), rhs: PrivateRegister(1)), "s2 = band s0, s1"),
        (.replicatedStore(name: "w0", src: PrivateRegister(3)), "rstore \"w0\" s3"),
        (.replicatedLoad(dst: PrivateRegister(3), name: "w0"), "s3 = rload \"w0\""),
    ])
    func instructionForm(_ instruction: Instruction, _ expected: String) {
        let program = Program(
            name: "t.tfe", protocolKind: .pond, fractionalBits: 16, players: PlayerID.serverNames + ["client"])
        #expect(program.asm(of: instruction) == expected)
    }

    @Test(arguments: [
        (65_536.0, "65536"), (0.5, "0.5"), (-3.0, "-3"), (-0.0, "-0"), (1e-05, "1e-05"), (Double.nan, "nan"),
        (-Double.infinity, "-inf"), (1e300, "1e+300"),
    ])
    func numberForm(_ value: Double, _ expected: String) {
        #expect(Program.asmNumber(value) == expected)
    }

    @Test func constantForms() {
        #expect(Program.asmConstant([2]) == "2")
        #expect(Program.asmConstant([]) == "[]")
        #expect(Program.asmConstant([1, 2, 3, 4]) == "[1, 2, 3, 4]")
        #expect(
            Program.asmConstant(Array(repeating: 0.25, count: 784)) == "[0.25, 0.25, 0.25, 0.25, ...] (784 values)")
    }

    @Test func stringEscapes() {
        #expect(Program.asmString("tab\there \\ \u{1}") == "\"tab\\there \\\\ \\u{1}\"")
        #expect(Program.asmString("日本 🙂") == "\"日本 🙂\"")
    }

    @Test(arguments: TestPrograms.all)
    func asmIsDeterministic(_ program: Program) throws {
        #expect(program.asm == program.asm)
        #expect(try Program.decode(program.encoded()).asm == program.asm)
    }
}
