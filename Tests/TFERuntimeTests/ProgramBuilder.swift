// Hand-built programs for machine tests: registers, declarations and rounds, plus the Beaver protocols.

import TFEBytecode
import TFECore
import TFENumPy
import Testing

@testable import TFERuntime

/// Builds a `Program` instruction by instruction. Players are the three servers, then `alice` and `bob`.
struct ProgramBuilder {
    var program: Program
    static let alice = PlayerID(3)
    static let bob = PlayerID(4)

    init(frac: Int = 16) {
        program = Program(
            name: "test.tfe", protocolKind: .pond, fractionalBits: frac,
            players: PlayerID.serverNames + ["alice", "bob"])
    }

    // MARK: Registers and declarations

    mutating func makePrivate(_ shape: [Int], _ element: ElementType = .fixed) -> PrivateRegister {
        program.privateRegisters.append(RegisterInfo(element, Shape(shape)))
        return PrivateRegister(program.privateRegisters.count - 1)
    }

    mutating func makePublic(_ shape: [Int], _ element: ElementType = .fixed) -> PublicRegister {
        program.publicRegisters.append(RegisterInfo(element, Shape(shape)))
        return PublicRegister(program.publicRegisters.count - 1)
    }

    mutating func makeLocal(_ shape: [Int], _ element: ElementType = .fixed, owner: PlayerID) -> LocalRegister {
        program.localRegisters.append(RegisterInfo(element, Shape(shape), owner: owner))
        return LocalRegister(program.localRegisters.count - 1)
    }

    /// A constant in a new register next to `placement` (public, or a player's local).
    mutating func constant(
        _ values: [Double], _ shape: [Int] = [], _ element: ElementType = .fixed, owner: PlayerID? = nil
    ) -> Register {
        program.constants.append(values)
        let dst: Register =
            owner.map { .local(makeLocal(shape, element, owner: $0)) } ?? .public(makePublic(shape, element))
        online(.const(dst: dst, constant: program.constants.count - 1))
        return dst
    }

    /// Declares an input and returns the `input` instruction reading it into a new register.
    mutating func input(
        _ player: PlayerID, _ name: String, _ shape: [Int], _ element: ElementType = .fixed,
        disclosure: IODeclaration.Disclosure = .private
    ) -> (Register, Instruction) {
        program.inputs.append(
            IODeclaration(player: player, name: name, element: element, shape: Shape(shape), disclosure: disclosure))
        let dst: Register
        switch disclosure {
        case .private: dst = .private(makePrivate(shape, element))
        case .public: dst = .public(makePublic(shape, element))
        case .local: dst = .local(makeLocal(shape, element, owner: player))
        }
        return (dst, .input(dst: dst, player: player, name: name))
    }

    /// Declares an output and returns the instruction sending it.
    mutating func output(_ player: PlayerID, _ name: String, _ src: Register) -> Instruction {
        let info = program.info(src)
        let disclosure: IODeclaration.Disclosure
        switch src {
        case .private: disclosure = .private
        case .public: disclosure = .public
        case .local: disclosure = .local
        }
        program.outputs.append(
            IODeclaration(player: player, name: name, element: info.element, shape: info.shape, disclosure: disclosure))
        return .output(player: player, name: name, src: src)
    }

    // MARK: Rounds

    /// Appends instructions to the last online round (starting one if there is none).
    mutating func online(_ instructions: Instruction...) {
        if program.online.isEmpty { program.online.append(Round()) }
        program.online[program.online.count - 1].instructions += instructions
        program.locations += instructions.map { _ in TFEBytecode.SourceLocation(line: 1, column: 1) }
    }

    /// Starts a new online round.
    mutating func nextRound() {
        program.online.append(Round())
    }

    /// Appends instructions to the one offline round.
    mutating func offline(_ instructions: Instruction...) {
        if program.offline.isEmpty { program.offline.append(Round()) }
        let position = program.offline[0].instructions.count
        program.offline[0].instructions += instructions
        program.locations.insert(
            contentsOf: instructions.map { _ in TFEBytecode.SourceLocation(line: 1, column: 1) }, at: position)
    }

    // MARK: Protocols

    /// Beaver's product of two private values, then private truncation: a triple and a truncation pair
    /// offline, two rounds online (open the masked operands; open the masked product). Leaves the last
    /// round open, with the truncated result computable at its start.
    mutating func beaver(_ x: PrivateRegister, _ y: PrivateRegister, kind: TripleKind) -> PrivateRegister {
        let xInfo = program.privateRegisters[x.rawValue], yInfo = program.privateRegisters[y.rawValue]
        let outShape: [Int]
        switch kind {
        case .mul: outShape = Shape.broadcast(xInfo.shape, yInfo.shape)!.dimensions
        case .matmul: outShape = [xInfo.shape.dimensions[0], yInfo.shape.dimensions[1]]
        case .conv2d: fatalError("use beaverConv2d")
        }
        return beaver(x, y, kind: kind, outShape: outShape)
    }

    mutating func beaver(_ x: PrivateRegister, _ y: PrivateRegister, kind: TripleKind, outShape: [Int])
        -> PrivateRegister
    {
        let xShape = program.privateRegisters[x.rawValue].shape.dimensions
        let yShape = program.privateRegisters[y.rawValue].shape.dimensions
        let a = makePrivate(xShape), b = makePrivate(yShape), c = makePrivate(outShape)
        offline(.triple(a: a, b: b, c: c, kind: kind))
        let e = makePrivate(xShape), f = makePrivate(yShape)
        let openE = makePublic(xShape), openF = makePublic(yShape)
        online(
            .sub(dst: .private(e), lhs: .private(x), rhs: .private(a)),
            .sub(dst: .private(f), lhs: .private(y), rhs: .private(b)),
            .open(dst: openE, src: e), .open(dst: openF, src: f))
        nextRound()
        func product(_ dst: Register, _ lhs: Register, _ rhs: Register) -> Instruction {
            switch kind {
            case .mul: return .mul(dst: dst, lhs: lhs, rhs: rhs)
            case .matmul: return .matmul(dst: dst, lhs: lhs, rhs: rhs)
            case .conv2d(let stride, let padding):
                return .conv2d(dst: dst, input: lhs, kernel: rhs, stride: stride, padding: padding)
            }
        }
        let eb = makePrivate(outShape), af = makePrivate(outShape), ef = makePublic(outShape)
        let z1 = makePrivate(outShape), z2 = makePrivate(outShape), z = makePrivate(outShape)
        online(
            product(.private(eb), .public(openE), .private(b)),
            product(.private(af), .private(a), .public(openF)),
            product(.public(ef), .public(openE), .public(openF)),
            .add(dst: .private(z1), lhs: .private(c), rhs: .private(eb)),
            .add(dst: .private(z2), lhs: .private(z1), rhs: .private(af)),
            .add(dst: .private(z), lhs: .private(z2), rhs: .public(ef)))
        return truncate(z)
    }

    /// Private truncation by `frac` bits: a truncation pair offline; open x + 2^62 + r; finish locally.
    mutating func truncate(_ x: PrivateRegister) -> PrivateRegister {
        let shape = program.privateRegisters[x.rawValue].shape.dimensions
        let r = makePrivate(shape), high = makePrivate(shape), msb = makePrivate(shape)
        offline(.truncPair(r: r, high: high, msb: msb))
        let offset = constant([Double(UInt64(1) << 62)], [], .int)
        let shifted = makePrivate(shape), masked = makePrivate(shape), opened = makePublic(shape, .int)
        online(
            .add(dst: .private(shifted), lhs: .private(x), rhs: offset),
            .add(dst: .private(masked), lhs: .private(shifted), rhs: .private(r)),
            .open(dst: opened, src: masked))
        nextRound()
        let result = makePrivate(shape)
        online(.truncFinish(dst: result, masked: opened, high: high, msb: msb))
        return result
    }
}

// MARK: - Inputs and checks

/// A float64 array.
func npy(_ values: [Double], _ shape: [Int]) -> NPYArray {
    try! NPYArray(shape: shape, storage: .float64(values))
}

/// Deterministic test values: multiples of 2^-8 in [-limit, limit), exactly representable in fixed point.
func testValues(_ count: Int, limit: Double = 8, seed: UInt64 = 1) -> [Double] {
    var prg = PRG(seed: Seed(fixed: seed), stream: 99)
    let steps = UInt64(2 * limit * 256)
    return (0..<count).map { _ in Double(Int64(prg.nextBelow(steps)) - Int64(steps / 2)) / 256 }
}

/// Runs a program locally with a fixed seed and checks that the measured traffic equals the cost model's.
func runChecked(
    _ program: Program, inputs: [PlayerID: [String: NPYArray]], seed: UInt64 = 7,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> LocalRunResult {
    let result = try LocalRun.run(
        program, inputs: inputs, options: LocalRunOptions(seed: seed, receiveTimeout: .seconds(600)))
    let predicted = CostModel.cost(of: program)
    if result.cost != predicted {
        let measured = result.cost.json(players: program.players)
        Issue.record(
            "measured \(measured) predicted \(predicted.json(players: program.players))",
            sourceLocation: sourceLocation)
    }
    return result
}

/// Element-wise closeness.
func expectClose(
    _ actual: [Double], _ expected: [Double], tolerance: Double,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    for (index, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= tolerance) {
        Issue.record("element \(index): \(a), expected \(e) ± \(tolerance)", sourceLocation: sourceLocation)
        return
    }
}
