// Hand-built programs for the bytecode tests: a builder, and realistic programs that pass the verifier.

import TFETestSupport
import TFECore

@testable import TFEBytecode

/// Builds a `Program` the way the lowering would: registers allocated in order, instructions appended to
/// rounds, one location each.
struct ProgramBuilder {
    var program: Program
    private var offlineRounds: [[(Instruction, SourceLocation)]] = []
    private var onlineRounds: [[(Instruction, SourceLocation)]] = []

    init(_ name: String = "test.tfe", protocol kind: ProtocolKind = .pond, players extra: [String] = ["client"]) {
        program = Program(name: name, protocolKind: kind, fractionalBits: 16, players: PlayerID.serverNames + extra)
    }

    func player(_ name: String) -> PlayerID {
        PlayerID(program.players.firstIndex(of: name)!)
    }

    mutating func s(_ dimensions: [Int], _ element: ElementType = .fixed) -> PrivateRegister {
        program.privateRegisters.append(RegisterInfo(element, Shape(dimensions)))
        return PrivateRegister(program.privateRegisters.count - 1)
    }

    mutating func p(_ dimensions: [Int], _ element: ElementType = .fixed) -> PublicRegister {
        program.publicRegisters.append(RegisterInfo(element, Shape(dimensions)))
        return PublicRegister(program.publicRegisters.count - 1)
    }

    mutating func l(_ owner: String, _ dimensions: [Int], _ element: ElementType = .fixed) -> LocalRegister {
        program.localRegisters.append(RegisterInfo(element, Shape(dimensions), owner: player(owner)))
        return LocalRegister(program.localRegisters.count - 1)
    }

    mutating func constant(_ values: [Double]) -> Int {
        program.constants.append(values)
        return program.constants.count - 1
    }

    mutating func declareInput(
        _ owner: String, _ name: String, _ dimensions: [Int], _ disclosure: IODeclaration.Disclosure,
        _ element: ElementType = .fixed
    ) {
        program.inputs.append(
            IODeclaration(
                player: player(owner), name: name, element: element, shape: Shape(dimensions), disclosure: disclosure))
    }

    mutating func declareOutput(
        _ owner: String, _ name: String, _ dimensions: [Int], _ disclosure: IODeclaration.Disclosure,
        _ element: ElementType = .fixed
    ) {
        program.outputs.append(
            IODeclaration(
                player: player(owner), name: name, element: element, shape: Shape(dimensions), disclosure: disclosure))
    }

    /// Appends to online round `round` (creating rounds up to it).
    mutating func emit(_ instruction: Instruction, round: Int, line: Int = 1, column: Int = 1) {
        while onlineRounds.count <= round { onlineRounds.append([]) }
        onlineRounds[round].append((instruction, SourceLocation(line: line, column: column)))
    }

    mutating func emitOffline(_ instruction: Instruction, round: Int = 0, line: Int = 1, column: Int = 1) {
        while offlineRounds.count <= round { offlineRounds.append([]) }
        offlineRounds[round].append((instruction, SourceLocation(line: line, column: column)))
    }

    /// Declares a private input of `owner` and reads it in online round 0.
    mutating func privateInput(_ name: String, _ dimensions: [Int], from owner: String = "client") -> PrivateRegister {
        declareInput(owner, name, dimensions, .private)
        let register = s(dimensions)
        emit(.input(dst: .private(register), player: player(owner), name: name), round: 0)
        return register
    }

    /// Declares a public input of `owner` and reads it in online round 0.
    mutating func publicInput(_ name: String, _ dimensions: [Int], from owner: String = "client") -> PublicRegister {
        declareInput(owner, name, dimensions, .public)
        let register = p(dimensions)
        emit(.input(dst: .public(register), player: player(owner), name: name), round: 0)
        return register
    }

    /// Declares a local input of `owner` and reads it in online round 0.
    mutating func localInput(_ name: String, _ dimensions: [Int], of owner: String = "client") -> LocalRegister {
        declareInput(owner, name, dimensions, .local)
        let register = l(owner, dimensions)
        emit(.input(dst: .local(register), player: player(owner), name: name), round: 0)
        return register
    }

    func build() -> Program {
        var result = program
        result.offline = offlineRounds.map { Round($0.map(\.0)) }
        result.online = onlineRounds.map { Round($0.map(\.0)) }
        result.locations = (offlineRounds + onlineRounds).flatMap { $0.map(\.1) }
        return result
    }
}

enum TestPrograms {
    /// Private prediction with Pond: a dense layer `x @ w + b` with a Beaver matmul and the one-round
    /// truncation, then the output to the client.
    static var dense: Program {
        var b = ProgramBuilder("dense.tfe", players: ["model_owner", "client"])
        b.declareInput("client", "x", [4, 16], .private)
        b.declareInput("model_owner", "w", [16, 3], .private)
        b.declareInput("model_owner", "b", [3], .public)
        b.declareOutput("client", "logits", [4, 3], .private)
        let x = b.s([4, 16])
        let w = b.s([16, 3])
        let bias = b.p([3])
        let (ta, tb, tc) = (b.s([4, 16]), b.s([16, 3]), b.s([4, 3]))
        let (r, rhi, rmsb) = (b.s([4, 3]), b.s([4, 3]), b.s([4, 3]))
        b.emitOffline(.triple(a: ta, b: tb, c: tc, kind: .matmul), line: 7, column: 10)
        b.emitOffline(.truncPair(r: r, high: rhi, msb: rmsb), line: 7, column: 10)
        b.emit(.input(dst: .private(x), player: b.player("client"), name: "x"), round: 0, line: 5, column: 1)
        b.emit(.input(dst: .private(w), player: b.player("model_owner"), name: "w"), round: 0, line: 3, column: 1)
        b.emit(.input(dst: .public(bias), player: b.player("model_owner"), name: "b"), round: 0, line: 4, column: 1)
        // Beaver: open e = x - a and f = w - b.
        let (e, f) = (b.s([4, 16]), b.s([16, 3]))
        let (pe, pf) = (b.p([4, 16]), b.p([16, 3]))
        b.emit(.sub(dst: .private(e), lhs: .private(x), rhs: .private(ta)), round: 1, line: 7, column: 10)
        b.emit(.sub(dst: .private(f), lhs: .private(w), rhs: .private(tb)), round: 1, line: 7, column: 10)
        b.emit(.open(dst: pe, src: e), round: 1, line: 7, column: 10)
        b.emit(.open(dst: pf, src: f), round: 1, line: 7, column: 10)
        // z = c + e @ b + a @ f + e @ f, then mask for truncation: m = z + 2^62 + r.
        let (z1, z2, z3, z4, z5) = (b.s([4, 3]), b.s([4, 3]), b.s([4, 3]), b.s([4, 3]), b.s([4, 3]))
        let ef = b.p([4, 3])
        let offset = b.p([])
        let two62 = b.constant([70_368_744_177_664])  // 2^62 / 2^16
        let masked = b.s([4, 3])
        let opened = b.p([4, 3])
        b.emit(.matmul(dst: .private(z1), lhs: .public(pe), rhs: .private(tb)), round: 2, line: 7, column: 10)
        b.emit(.matmul(dst: .private(z2), lhs: .private(ta), rhs: .public(pf)), round: 2, line: 7, column: 10)
        b.emit(.matmul(dst: .public(ef), lhs: .public(pe), rhs: .public(pf)), round: 2, line: 7, column: 10)
        b.emit(.add(dst: .private(z3), lhs: .private(tc), rhs: .private(z1)), round: 2, line: 7, column: 10)
        b.emit(.add(dst: .private(z4), lhs: .private(z3), rhs: .private(z2)), round: 2, line: 7, column: 10)
        b.emit(.add(dst: .private(z5), lhs: .private(z4), rhs: .public(ef)), round: 2, line: 7, column: 10)
        b.emit(.const(dst: .public(offset), constant: two62), round: 2, line: 7, column: 10)
        let z6 = b.s([4, 3])
        b.emit(.add(dst: .private(z6), lhs: .private(z5), rhs: .public(offset)), round: 2, line: 7, column: 10)
        b.emit(.add(dst: .private(masked), lhs: .private(z6), rhs: .private(r)), round: 2, line: 7, column: 10)
        b.emit(.open(dst: opened, src: masked), round: 2, line: 7, column: 10)
        let y = b.s([4, 3])
        let logits = b.s([4, 3])
        b.emit(.truncFinish(dst: y, masked: opened, high: rhi, msb: rmsb), round: 3, line: 7, column: 10)
        b.emit(.add(dst: .private(logits), lhs: .private(y), rhs: .public(bias)), round: 3, line: 7, column: 16)
        b.emit(
            .output(player: b.player("client"), name: "logits", src: .private(logits)), round: 3, line: 9, column: 1)
        return b.build()
    }

    /// Convolution and pooling: a conv2d triple, public-times-private convolutions, a sum pool, reshape,
    /// transpose and sum, revealed to the client.
    static var conv: Program {
        var b = ProgramBuilder("conv.tfe", players: ["model_owner", "client"])
        b.declareInput("client", "image", [2, 6, 6, 1], .private)
        b.declareInput("model_owner", "kernel", [3, 3, 1, 4], .private)
        b.declareOutput("client", "features", [2, 4], .local)
        let image = b.s([2, 6, 6, 1])
        let kernel = b.s([3, 3, 1, 4])
        let (ta, tb, tc) = (b.s([2, 6, 6, 1]), b.s([3, 3, 1, 4]), b.s([2, 6, 6, 4]))
        let (sa, sq) = (b.s([2, 4]), b.s([2, 4]))
        b.emitOffline(.triple(a: ta, b: tb, c: tc, kind: .conv2d(stride: 1, padding: .same)), line: 4, column: 5)
        b.emitOffline(.squarePair(a: sa, square: sq), round: 1, line: 9, column: 1)
        b.emit(.input(dst: .private(image), player: b.player("client"), name: "image"), round: 0, line: 1)
        b.emit(.input(dst: .private(kernel), player: b.player("model_owner"), name: "kernel"), round: 0, line: 2)
        let (e, f, pe, pf) = (b.s([2, 6, 6, 1]), b.s([3, 3, 1, 4]), b.p([2, 6, 6, 1]), b.p([3, 3, 1, 4]))
        b.emit(.sub(dst: .private(e), lhs: .private(image), rhs: .private(ta)), round: 1, line: 4)
        b.emit(.sub(dst: .private(f), lhs: .private(kernel), rhs: .private(tb)), round: 1, line: 4)
        b.emit(.open(dst: pe, src: e), round: 1, line: 4)
        b.emit(.open(dst: pf, src: f), round: 1, line: 4)
        let (c1, c2, c3, c4) = (b.s([2, 6, 6, 4]), b.s([2, 6, 6, 4]), b.p([2, 6, 6, 4]), b.s([2, 6, 6, 4]))
        let conv = b.s([2, 6, 6, 4])
        b.emit(
            .conv2d(dst: .private(c1), input: .public(pe), kernel: .private(tb), stride: 1, padding: .same), round: 2,
            line: 4)
        b.emit(
            .conv2d(dst: .private(c2), input: .private(ta), kernel: .public(pf), stride: 1, padding: .same), round: 2,
            line: 4)
        b.emit(
            .conv2d(dst: .public(c3), input: .public(pe), kernel: .public(pf), stride: 1, padding: .same), round: 2,
            line: 4)
        b.emit(.add(dst: .private(c4), lhs: .private(c1), rhs: .private(c2)), round: 2, line: 4)
        b.emit(.add(dst: .private(conv), lhs: .private(c4), rhs: .public(c3)), round: 2, line: 4)
        let pooled = b.s([2, 3, 3, 4])
        let flat = b.s([2, 36])
        let swapped = b.s([36, 2])
        let back = b.s([2, 36])
        let rows = b.s([2])
        let total = b.s([])
        let negated = b.s([2, 36])
        let partial = b.s([2, 3, 4])
        let summed = b.s([2, 4])
        b.emit(
            .poolsum(dst: .private(pooled), src: .private(conv), size: 2, stride: 2, padding: .valid), round: 2,
            line: 5)
        b.emit(.reshape(dst: .private(flat), src: .private(pooled)), round: 2, line: 6)
        let scattered = b.s([2, 6, 6, 4])
        let offsets = b.s([4, 2, 3, 3, 4])
        b.emit(.reshape(dst: .private(offsets), src: .private(conv)), round: 2, line: 6)
        b.emit(
            .unpool(dst: .private(scattered), src: .private(offsets), size: 2, stride: 2, padding: .valid), round: 2,
            line: 6)
        b.emit(.transpose(dst: .private(swapped), src: .private(flat), permutation: [1, 0]), round: 2, line: 7)
        b.emit(.transpose(dst: .private(back), src: .private(swapped), permutation: [1, 0]), round: 2, line: 7)
        b.emit(.neg(dst: .private(negated), src: .private(back)), round: 2, line: 7)
        b.emit(.sum(dst: .private(rows), src: .private(negated), axis: 1), round: 2, line: 8)
        b.emit(.sum(dst: .private(total), src: .private(rows), axis: nil), round: 2, line: 8)
        b.emit(.sum(dst: .private(partial), src: .private(pooled), axis: 1), round: 2, line: 8)
        b.emit(.sum(dst: .private(summed), src: .private(partial), axis: 1), round: 2, line: 8)
        let features = b.l("client", [2, 4])
        let (product, squared) = (b.s([2, 4]), b.s([2, 4]))
        b.emit(.sub(dst: .private(product), lhs: .private(summed), rhs: .private(sa)), round: 2, line: 9)
        b.emit(.add(dst: .private(squared), lhs: .private(product), rhs: .private(sq)), round: 2, line: 9)
        b.emit(.reveal(dst: features, src: squared, player: b.player("client")), round: 3, line: 10)
        b.emit(.output(player: b.player("client"), name: "features", src: .local(features)), round: 4, line: 11)
        return b.build()
    }

    /// Plaintext post-processing on the client and the servers: maps, comparisons, selects, reductions,
    /// shares of local and public values, public truncation, prints.
    static var plaintext: Program {
        var b = ProgramBuilder("post.tfe", protocol: .securenn, players: ["model_owner", "client", "日本"])
        b.declareInput("client", "scores", [4, 10], .local)
        b.declareInput("model_owner", "scale", [], .public)
        b.declareOutput("client", "label", [4], .local, .int)
        b.declareOutput("日本", "shared", [4, 10], .private)
        b.declareOutput("model_owner", "scaled", [], .public)
        let client = b.player("client")
        let scores = b.l("client", [4, 10])
        let sig = b.l("client", [4, 10])
        let soft = b.l("client", [4, 10])
        let label = b.l("client", [4], .int)
        let half = b.l("client", [])
        let mask = b.l("client", [4, 10], .int)
        let chosen = b.l("client", [4, 10])
        let halfConst = b.constant([0.5])
        let scale = b.p([])
        let squared = b.p([])
        let truncated = b.p([])
        let sharedScale = b.s([])
        let shared = b.s([4, 10])
        let scaled = b.s([4, 10])
        let (sa, sq) = (b.s([4, 10]), b.s([4, 10]))
        b.emitOffline(.squarePair(a: sa, square: sq))
        b.emit(.input(dst: .local(scores), player: client, name: "scores"), round: 0, line: 2, column: 3)
        b.emit(.input(dst: .public(scale), player: b.player("model_owner"), name: "scale"), round: 0, line: 3)
        b.emit(.map(dst: .local(sig), src: .local(scores), function: .sigmoid), round: 0, line: 4)
        b.emit(.reduce(dst: .local(soft), src: .local(sig), reduction: .softmax, axis: 1), round: 0, line: 5)
        b.emit(.reduce(dst: .local(label), src: .local(soft), reduction: .argmax, axis: 1), round: 0, line: 6)
        b.emit(.const(dst: .local(half), constant: halfConst), round: 0, line: 7)
        b.emit(
            .compare(dst: .local(mask), lhs: .local(soft), rhs: .local(half), comparison: .greater), round: 0, line: 7)
        b.emit(
            .select(dst: .local(chosen), condition: .local(mask), lhs: .local(soft), rhs: .local(half)), round: 0,
            line: 8)
        b.emit(
            .print(player: client, format: "label {} chosen {}", values: [.local(label), .local(chosen)]), round: 0)
        b.emit(.output(player: client, name: "label", src: .local(label)), round: 0, line: 9)
        b.emit(.share(dst: shared, src: chosen), round: 0, line: 10)
        b.emit(.mul(dst: .public(squared), lhs: .public(scale), rhs: .public(scale)), round: 1, line: 11)
        b.emit(.trunc(dst: truncated, src: squared), round: 1, line: 11)
        b.emit(.print(player: .server0, format: "scale² = {}", values: [.public(truncated)]), round: 1, line: 12)
        b.emit(.sharePublic(dst: sharedScale, src: truncated), round: 1, line: 13)
        b.emit(.mul(dst: .private(scaled), lhs: .private(shared), rhs: .public(truncated)), round: 1, line: 14)
        b.emit(.output(player: b.player("日本"), name: "shared", src: .private(scaled)), round: 1, line: 15)
        b.emit(.output(player: b.player("model_owner"), name: "scaled", src: .public(truncated)), round: 1, line: 16)
        // Keep every register written: sharedScale and the square pair are used in a last round.
        let sum = b.s([4, 10])
        b.emit(.add(dst: .private(sum), lhs: .private(sq), rhs: .private(sharedScale)), round: 2, line: 17)
        let diff = b.s([4, 10])
        b.emit(.sub(dst: .private(diff), lhs: .private(sum), rhs: .private(sa)), round: 2, line: 17)
        return b.build()
    }

    static var all: [Program] { [dense, conv, plaintext] }
}


/// `bytes` with the stored content hash recomputed, as a hostile (rather than corrupted) file would have.
func rehashed(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.count >= 38 else { return bytes }
    var result = bytes
    result.replaceSubrange(6..<38, with: SHA256.hash(Array(bytes[38...])))
    return result
}

/// The offset of each section's tag byte in an encoded program, by tag.
func sectionOffsets(_ bytes: [UInt8]) -> [UInt8: Int] {
    var offsets: [UInt8: Int] = [:]
    var position = 38
    while position + 5 <= bytes.count {
        offsets[bytes[position]] = position
        let length =
            Int(bytes[position + 1]) | Int(bytes[position + 2]) << 8 | Int(bytes[position + 3]) << 16
            | Int(bytes[position + 4]) << 24
        position += 5 + length
    }
    return offsets
}
