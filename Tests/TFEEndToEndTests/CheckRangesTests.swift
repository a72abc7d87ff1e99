import Foundation
import Testing
import TFEBytecode
import TFECommands
import TFECore
import TFEFrontend

import TFENumPy
@testable import TFERuntime

/// `tfe-vm run --check-ranges` (issue #13): values whose products leave the fixed-point range give garbage with
/// exit code 0; the checker reconstructs every private value of a local run and stops at the first out of range,
/// at its source line. The wording is pinned by the goldens of `TFEGoldenTests/Golden/check-ranges`.
struct CheckRangesTests {
    typealias Location = TFEBytecode.SourceLocation

    /// A local run with a `RangeChecker`: its result, or the value out of range that stopped it, and the
    /// checker's warnings.
    static func checkedRun(_ program: Program, _ inputs: ProgramInputs, seed: UInt64, state: StateFolder? = nil)
        throws -> (result: LocalRunResult?, violation: RangeViolation?, warnings: [RangeWarning])
    {
        let checker = RangeChecker(program: program)
        var options = LocalRunOptions(seed: seed, receiveTimeout: EndToEnd.testReceiveTimeout,
                                      stateDirectory: state?.path)
        options.observer = checker
        do {
            let result = try LocalRun.run(program, inputs: inputs.arrays, options: options)
            #expect(checker.violation == nil)
            return (result, nil, checker.warnings)
        } catch {
            guard case .outOfRange(let violation) = error.error else { throw error }
            #expect(checker.violation == violation)
            return (nil, violation, checker.warnings)
        }
    }

    static func location(_ instruction: Int, in program: Program) -> Location? {
        program.locations.indices.contains(instruction) ? program.locations[instruction] : nil
    }

    static let square = "player client\nx = private_input(client, [2])\ny = x * x\noutput(client, y)\n"

    // MARK: - Caught

    /// `x * x` at 1e5 is 1e10, beyond 2^30: the product wraps the ring silently (1.41e9 without the checker), and
    /// the checker stops at the product, on line 3, with its exact magnitude.
    @Test func squareOfALargeValueIsCaughtAtTheProduct() throws {
        let program = try #require(EndToEnd.compile(Self.square, path: "square.tfe", optimize: true).program)
        var inputs = ProgramInputs()
        inputs.set(PlayerID(3), "x", shape: [2], values: [1e5, 3], element: .fixed)

        let unchecked = try EndToEnd.run(program, inputs, seed: 1)
        let wrong = try #require(EndToEnd.outputs(of: unchecked)[OutputKey(player: PlayerID(3), name: "y")])
        #expect(abs(wrong.doubles[0] - 1e10) > 1e9, "the product should wrap without the checker")

        let checked = try Self.checkedRun(program, inputs, seed: 1)
        let violation = try #require(checked.violation)
        #expect(violation.kind == .product)
        #expect(abs(violation.largest - 1e10) < 1e4)
        #expect(violation.limitExponent == 30)
        #expect(Self.location(violation.instruction, in: program) == Location(line: 3, column: 5))
        #expect(checked.warnings.isEmpty)
    }

    /// The command line shows the source line with a caret under the product, and exits 1.
    @Test func commandLinePointsAtTheProduct() throws {
        let directory = try CommandLineTests.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("square.tfe").path
        try Data(Self.square.utf8).write(to: URL(fileURLWithPath: source))
        let input = directory.appendingPathComponent("x.npy")
        try NPY.write(to: input, shape: [2], doubles: [1e5, 3])
        let arguments = ["run", source, "--input", "client:x=\(input.path)", "--seed", "1", "--timeout", "600"]

        let plain = CommandOutput.capture { TfeVM.main(arguments, console: $0) }
        #expect(plain.exitCode == .success, "without --check-ranges the overflow is silent:\n\(plain.error)")

        let checked = CommandOutput.capture { TfeVM.main(arguments + ["--check-ranges"], console: $0) }
        #expect(checked.exitCode == .failure)
        #expect(checked.error.contains("\(source):3:5: error: "), "\(checked.error)")
        #expect(checked.error.contains("\ny = x * x\n    ^\n"), "\(checked.error)")
        #expect(checked.error.contains("--check-ranges reconstructs every private value"), "\(checked.error)")
        #expect(!checked.output.contains("received"), "a stopped run writes no outputs:\n\(checked.output)")
    }

    /// TF Encrypted's Pond MNIST network on raw 0–255 pixels instead of [0, 1]: the first layer's sigmoid gets
    /// inputs in the thousands (a warning), and its polynomial's powers leave the range (the error), on line 17.
    /// Ten images keep the debug run short.
    @Test func mnistOnRawPixelsIsCaughtInTheFirstLayer() throws {
        let path = EndToEnd.path("programs/mnist/mnist-pond.tfe")
        let compiled = EndToEnd.compile(EndToEnd.read(path), path: path, overrides: ["batch": 10], optimize: true)
        let program = try #require(compiled.program)
        var inputs = ProgramInputs()
        try EndToEndTests.load("programs/mnist/data/model-pond.npz", into: &inputs,
                               for: try EndToEndTests.playerID("model_owner", in: program))
        let client = try EndToEndTests.playerID("client", in: program)
        try EndToEndTests.load("programs/mnist/data/client.npz", into: &inputs, for: client, rows: 10)
        let pixels = try #require(inputs.doubles[client]?["x"])
        inputs.set(client, "x", shape: [10, 784], values: pixels.map { $0 * 255 }, element: .fixed)

        let checked = try Self.checkedRun(program, inputs, seed: 2)
        let violation = try #require(checked.violation)
        #expect(Self.location(violation.instruction, in: program)?.line == 17, "layer1 = sigmoid(layer0)")
        let warning = try #require(checked.warnings.first)
        #expect(warning.function == .sigmoid)
        #expect(warning.largest > 100)
        #expect(Self.location(warning.instruction, in: program) == Location(line: 17, column: 10))
        #expect(warning.instruction < violation.instruction)
    }

    /// The sigmoid's polynomial holds on [-8, 8]: an input of 10 is a warning at the call, once, and the run goes
    /// on; `relu_approx` the same.
    @Test(arguments: [("sigmoid", MapFunction.sigmoid), ("relu_approx", .reluApprox)])
    func polynomialInputOutsideItsIntervalWarns(_ name: String, _ function: MapFunction) throws {
        let text = "player client\nx = private_input(client, [3])\noutput(client, \"y\", \(name)(x))\n"
        let program = try #require(EndToEnd.compile(text, path: "\(name).tfe", optimize: true).program)
        var inputs = ProgramInputs()
        inputs.set(PlayerID(3), "x", shape: [3], values: [10, 0.5, -2], element: .fixed)
        let checked = try Self.checkedRun(program, inputs, seed: 4)
        #expect(checked.violation == nil)
        #expect(checked.result != nil)
        let warning = try #require(checked.warnings.first)
        #expect(checked.warnings.count == 1)
        #expect(warning.function == function)
        #expect(warning.largest == 10)
        #expect(Self.location(warning.instruction, in: program) == Location(line: 3, column: 21))

        inputs.set(PlayerID(3), "x", shape: [3], values: [8, 0.5, -2], element: .fixed)
        #expect(try Self.checkedRun(program, inputs, seed: 4).warnings.isEmpty, "8 is inside [-8, 8]")
    }

    // MARK: - Within range

    /// Every program the differential tests run (same settings, inputs and seed) runs with the checker without
    /// stopping, and gives bitwise the outputs it gives without: the checker only watches.
    @Test("a program within range runs the same with --check-ranges", arguments: EndToEndTests.runnableCases)
    func programWithinRangeRunsUnchanged(_ program: ProgramCase) throws {
        let settings = EndToEndTests.settings[program.relativePath] ?? ProgramSettings()
        let compiled = EndToEnd.compile(EndToEnd.read(program.path), path: program.path,
                                        overrides: settings.overrides, optimize: true)
        let executable = try #require(compiled.program)
        var outputs: [[OutputKey: OutputValue]] = []
        for check in [false, true] {
            let state = executable.usesStoredValues ? try StateFolder() : nil
            if let state {
                var stored: [String: ReferenceTensor] = [:]
                try EndToEnd.storeValues(loadedBy: executable, seed: program.seed, state: state, stored: &stored,
                                         distribution: settings.distribution(for:))
            }
            let inputs = EndToEnd.makeInputs(for: executable, seed: program.seed,
                                             distribution: settings.distribution(for:))
            if check {
                let checked = try Self.checkedRun(executable, inputs, seed: program.seed, state: state)
                if let violation = checked.violation {
                    let location = Self.location(violation.instruction, in: executable).map { "\($0)" } ?? "?"
                    Issue.record(Comment(rawValue: "stopped at \(location): \(violation.message)"))
                }
                outputs.append(checked.result.map(EndToEnd.outputs(of:)) ?? [:])
            } else {
                let result = try EndToEnd.run(executable, inputs, seed: program.seed, state: state)
                outputs.append(EndToEnd.outputs(of: result))
            }
        }
        #expect(outputs[0] == outputs[1], "the outputs differ with --check-ranges")
    }

    // MARK: - Command line

    /// A networked party holds its own shares only: `--check-ranges` with `--config` is a usage error, before
    /// anything is read.
    @Test func networkedRunRefusesIt() {
        let result = CommandOutput.capture {
            TfeVM.main(["run", "missing.tfe", "--check-ranges", "--config", "missing.json", "--player", "server0"],
                       console: $0)
        }
        #expect(result.exitCode == .usage)
        #expect(result.error.hasPrefix("Error: Options '--check-ranges' and '--config' cannot be used together"),
                "\(result.error)")
    }

    /// The option is in `tfe-vm run --help`, with the range and the advice to scale inputs.
    @Test func helpGivesTheRange() {
        let help = CommandOutput.capture { TfeVM.main(["run", "--help"], console: $0) }
        #expect(help.exitCode == .success)
        let text = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("--check-ranges"))
        #expect(text.contains("2^(62-2*frac)"))
        #expect(text.contains("pixels to [0, 1]"))
    }

    // MARK: - The plan

    /// Every program and compiler golden under Pond or SecureNN.
    static let planCases: [String] = {
        let folder = "Tests/TFEGoldenTests/Golden/asm"
        let names = FileManager.default.enumerator(atPath: EndToEnd.path(folder))?.compactMap { $0 as? String } ?? []
        return EndToEndTests.allCases.map(\.relativePath) + names.filter { $0.hasSuffix(".tfe") }.sorted()
            .map { folder + "/" + $0 }
    }()

    /// The checker is only as good as its plan: every Beaver product of every program is recognised as a
    /// product of values and checked exactly, but those built on max-pooling's floor under SAME padding (an
    /// offset of −2^61, not a value), whose results are checked again once truncated.
    @Test("the plan checks every product of values", arguments: planCases)
    func planChecksEveryProduct(_ relative: String) throws {
        let path = EndToEnd.path(relative)
        let compiled = EndToEnd.compile(EndToEnd.read(path), path: path, optimize: true)
        guard let program = compiled.program else { return }  // goldens that only check
        var products = 0, truncations = 0
        program.forEachInstruction { _, _, _, instruction in
            if instruction.opcode == .product { products += 1 }
            if instruction.opcode == .truncFinish { truncations += 1 }
        }
        let plan = RangePlan(program)
        var beaver = 0, checkedTruncations = 0
        program.forEachInstruction { _, _, index, instruction in
            let steps = plan.steps[index]
            beaver += steps.count { if case .product(_, .masked, .masked, _) = $0 { true } else { false } }
            let checksValue = steps.contains { if case .check(_, .fixed) = $0 { true } else { false } }
            if instruction.opcode == .truncFinish, checksValue { checkedTruncations += 1 }
        }
        #expect(checkedTruncations == truncations)
        if relative.hasSuffix("/pooling.tfe") {
            #expect(beaver < products, "SAME max-pooling's floor is an offset")
        } else {
            #expect(beaver == products, "Beaver products the plan does not check: \(products - beaver) of \(products)")
        }
    }
}
