import Foundation
import Testing
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime

/// A program run end to end: a `.tfe` under `programs/` or a valid golden program, named by its path from the
/// repository root so `swift test --filter` can select it.
struct ProgramCase: CustomTestStringConvertible, Sendable {
    let relativePath: String

    var path: String { EndToEnd.path(relativePath) }
    var fileName: String { URL(fileURLWithPath: relativePath).lastPathComponent }
    var testDescription: String { relativePath }

    /// A seed fixed by the path (FNV-1a), so each case always draws the same inputs and randomness.
    var seed: UInt64 {
        relativePath.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// What a program needs to run on generated inputs: smaller params, and input ranges that keep it in the
/// domain where its approximations and the fixed-point range hold.
struct ProgramSettings: Sendable {
    var overrides: [String: Int] = [:]
    var distributions: [String: InputDistribution] = [:]
    /// Fixed inputs not named in `distributions`: uniform in [-2, 2]. Int inputs: integers in [-9, 9].
    var fallback = InputDistribution.uniform(2)

    func distribution(for input: IODeclaration) -> InputDistribution {
        distributions[input.name] ?? (input.element == .int ? .integers(9) : fallback)
    }
}

/// Every `.tfe` under `programs/`, and every golden program of `Golden/ast/` (all valid), run privately on
/// seeded random inputs with and without round batching.
///
/// Assertions, for each program:
/// - both runs' measured rounds and bytes equal `CostModel`'s prediction exactly;
/// - the batched run uses no more online rounds than the unbatched one;
/// - every output of both runs matches `ReferenceInterpreter` within twice the error bound it derives (see
///   there: typically a few ulps, 2^-16 each; larger where values are large or pass through the sigmoid
///   polynomial), and within 1e-3 + 1e-3·|expected| (`EndToEnd.accuracyCap`), which binds only where the
///   worst-case bound is loose: the 10-epoch logistic regression's bound reaches 9e-3, its error 3e-5;
/// - the two runs agree: int outputs exactly, fixed outputs within the sum of their tolerances. They are
///   not required to be bitwise equal: the same seed drives each party's generator, but batching changes
///   the order in which instructions draw from it, and each truncation's last bit depends on the mask.
struct EndToEndTests {
    // MARK: - Cases

    static let goldenFolder = "Tests/TFEGoldenTests/Golden/ast"

    static let allCases: [ProgramCase] = {
        func files(under relative: String) -> [String] {
            let root = EndToEnd.path(relative)
            let names = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
            return names.filter { $0.hasSuffix(".tfe") }.sorted().map { relative + "/" + $0 }
        }
        return (files(under: "programs") + files(under: goldenFolder)).map(ProgramCase.init)
    }()

    /// SecureNN programs over the trained MNIST models: too large for random inputs in a debug build, they run
    /// on their real data in `TFESecureNNTests` (agreement with the plaintext models' logits).
    static let needsSecureNN: Set<String> = [
        "programs/cnn/cnn.tfe",
        "programs/cnn/cnn-maxpool.tfe",
        "programs/mnist/mnist-securenn.tfe",
        "programs/network-a/network-a.tfe",
        goldenFolder + "/securenn-mnist.tfe",
    ]

    /// Programs whose outputs jump under the smallest error on random inputs (an argmax of nearly equal
    /// logits): they run on their real data instead (`demoReportsAccuracyAndAgreement`).
    /// The cached-model prediction loads what `share-model-pond.tfe` stored: `StoredModelTests` runs the two.
    static let needsRealData: Set<String> = [
        "programs/mnist/demo-pond.tfe", "programs/mnist/predict-cached-pond.tfe",
    ]

    static var skipped: Set<String> { needsSecureNN }

    static let runnableCases = allCases.filter {
        !skipped.contains($0.relativePath) && !needsRealData.contains($0.relativePath)
    }
    static let settings: [String: ProgramSettings] = [
        // Fan-in 784: inputs in [-2, 2] would push the sigmoid's argument to ±100, far outside [-8, 8] where its
        // polynomial is fitted (and beyond the ring's range once raised to the 11th power). Small batch and
        // hidden layer keep the run short.
        "programs/mnist/mnist-pond.tfe": ProgramSettings(overrides: ["batch": 4, "hidden": 16],
                                                         fallback: .uniform(0.4)),
        "programs/mnist/share-model-pond.tfe": ProgramSettings(overrides: ["hidden": 16], fallback: .uniform(0.4)),
        // Training: features in [-1, 1], labels 0 or 1 and small initial weights keep x @ w within [-8, 8]
        // for every epoch; 20 examples instead of 100 keep it short.
        "programs/logistic-regression/logistic-regression.tfe": ProgramSettings(
            overrides: ["n": 20], distributions: ["x": .uniform(1), "y": .bits, "w_init": .uniform(0.5)]),
        // SecureNN training: one step on 4 examples keeps the debug run short (its committed data runs in
        // TFESecureNNTests); pixels in [-1, 1] and small starting weights keep activations moderate.
        "programs/securenn-training/securenn-training.tfe": ProgramSettings(
            overrides: ["n": 4, "steps": 1],
            distributions: ["x": .uniform(1), "y": .bits, "w0_init": .uniform(0.1), "w1_init": .uniform(0.5)]),
        // A divisor near zero gives an arbitrarily large quotient.
        goldenFolder + "/divide-public.tfe": ProgramSettings(distributions: ["scale": .magnitude(0.5, 2)]),
    ]

    @Test func thereAreEnoughPrograms() {
        #expect(Self.runnableCases.count >= 30)
        #expect(Self.runnableCases.contains { $0.relativePath == "programs/mnist/mnist-pond.tfe" })
        #expect(Self.skipped.isSubset(of: Set(Self.allCases.map(\.relativePath))), "a skipped program was removed")
    }

    // MARK: - Differential runs

    @Test("runs privately, batched and unbatched, as the float64 reference", arguments: runnableCases)
    func programMatchesReference(_ program: ProgramCase) throws {
        let text = EndToEnd.read(program.path)
        let settings = Self.settings[program.relativePath] ?? ProgramSettings()
        let optimized = EndToEnd.compile(text, path: program.path, overrides: settings.overrides, optimize: true)
        let unoptimized = EndToEnd.compile(text, path: program.path, overrides: settings.overrides, optimize: false)
        guard let batched = optimized.program, let serial = unoptimized.program else {
            Issue.record("does not compile:\n\(EndToEnd.describe(optimized.diagnostics, text, path: program.fileName))")
            return
        }
        let seed = program.seed
        let state = batched.usesStoredValues ? try StateFolder() : nil
        var stored: [String: ReferenceTensor] = [:]
        if let state {
            try EndToEnd.storeValues(loadedBy: batched, seed: seed, state: state, stored: &stored,
                                     distribution: settings.distribution(for:))
        }
        let inputs = EndToEnd.makeInputs(for: batched, seed: seed, distribution: settings.distribution(for:))
        let reference = try ReferenceInterpreter.run(optimized.frontend.program, inputs: inputs.doubles, stored: &stored)
        let batchedRun = try EndToEnd.run(batched, inputs, seed: seed, state: state)
        let serialRun = try EndToEnd.run(serial, inputs, seed: seed, state: state)

        #expect(batchedRun.cost == CostModel.cost(of: batched), "batched run: measured cost differs from prediction")
        #expect(serialRun.cost == CostModel.cost(of: serial), "unbatched run: measured cost differs from prediction")
        let rounds = (batchedRun.cost.rounds[.online] ?? 0, serialRun.cost.rounds[.online] ?? 0)
        #expect(rounds.0 <= rounds.1, "batching made \(rounds.0) online rounds out of \(rounds.1)")

        let players = batched.players
        let cap = EndToEnd.accuracyCap(fractionalBits: batched.fractionalBits)
        for (label, run) in [("batched", batchedRun), ("unbatched", serialRun)] {
            let comparison = EndToEnd.compare(EndToEnd.outputs(of: run), reference, players: players, cap: cap)
            for problem in comparison.problems { Issue.record("\(label) run (seed \(seed)): \(problem)") }
            EndToEnd.report("\(program.relativePath) \(label)", comparison)
        }
        let (batchedOutputs, serialOutputs) = (EndToEnd.outputs(of: batchedRun), EndToEnd.outputs(of: serialRun))
        let disagreements = EndToEnd.compareRuns(batchedOutputs, serialOutputs, reference: reference, players: players)
        for problem in disagreements { Issue.record("batched vs unbatched (seed \(seed)): \(problem)") }
        if ProcessInfo.processInfo.environment["TFE_E2E_REPORT"] == "1" {
            print("rounds \(program.relativePath): \(rounds.0) batched, \(rounds.1) unbatched; outputs bitwise "
                  + (batchedOutputs == serialOutputs ? "equal" : "different"))
        }
    }

    @Test func sameSeedGivesBitwiseEqualRuns() throws {
        let program = ProgramCase(relativePath: "programs/logistic-regression/logistic-regression.tfe")
        let settings = try #require(Self.settings[program.relativePath])
        let compiled = try #require(
            EndToEnd.compile(EndToEnd.read(program.path), path: program.path, overrides: settings.overrides,
                             optimize: true).program)
        let inputs = EndToEnd.makeInputs(for: compiled, seed: 3, distribution: settings.distribution(for:))
        let first = try EndToEnd.run(compiled, inputs, seed: 11), second = try EndToEnd.run(compiled, inputs, seed: 11)
        #expect(EndToEnd.outputs(of: first) == EndToEnd.outputs(of: second))
    }

    // MARK: - MNIST with the real model

    static func playerID(_ name: String, in program: Program) throws -> PlayerID {
        PlayerID(try #require(program.players.firstIndex(of: name), "no player '\(name)'"))
    }

    static func load(_ relative: String, into inputs: inout ProgramInputs, for player: PlayerID, rows: Int? = nil)
        throws
    {
        for member in try NPZ.read(contentsOf: URL(fileURLWithPath: EndToEnd.path(relative))) {
            var shape = member.array.shape, values = member.array.asDoubles()
            if let rows, shape.first.map({ $0 > rows }) == true {
                values = Array(values.prefix(rows * values.count / shape[0]))
                shape[0] = rows
            }
            inputs.set(player, member.name, shape: shape, values: values, element: .fixed)
        }
    }

    /// TF Encrypted's private MNIST prediction with the trained model and the 100 held-out images: the private
    /// logits' argmax agrees with the plaintext model evaluated with the same sigmoid polynomial on at
    /// least 99.5% of the images, and no logit is off by more than 1e-2 (DESIGN.md section 8).
    @Test func mnistPondMatchesPlaintextWithPolynomial() throws {
        let path = EndToEnd.path("programs/mnist/mnist-pond.tfe")
        let text = EndToEnd.read(path)
        let compiled = EndToEnd.compile(text, path: path, optimize: true)
        let program = try #require(compiled.program)
        var inputs = ProgramInputs()
        let owner = try Self.playerID("model_owner", in: program)
        try Self.load("programs/mnist/data/model-pond.npz", into: &inputs, for: owner)
        let client = try Self.playerID("client", in: program)
        try Self.load("programs/mnist/data/client.npz", into: &inputs, for: client)

        let reference = try ReferenceInterpreter.run(compiled.frontend.program, inputs: inputs.doubles,
                                                     tracksBounds: false)
        let run = try EndToEnd.run(program, inputs, seed: 2024)
        #expect(run.cost == CostModel.cost(of: program))

        let expected = try #require(reference[OutputKey(player: client, name: "logits")])
        let logits = try #require(run[client].outputs["logits"]).doubles
        #expect(expected.shape == [100, 10])
        var agreeing = 0, maxError = 0.0
        for row in 0..<100 {
            let slice = row * 10..<(row + 1) * 10
            let actual = Array(logits[slice]), plain = Array(expected.values[slice])
            if ReferenceKernels.argmax(actual) == ReferenceKernels.argmax(plain) { agreeing += 1 }
            maxError = max(maxError, zip(actual, plain).map { abs($0 - $1) }.max() ?? 0)
        }
        if ProcessInfo.processInfo.environment["TFE_E2E_REPORT"] == "1" {
            print("mnist-pond: argmax agrees on \(agreeing) of 100 images, largest logit error \(maxError), "
                  + "\(run.cost.rounds[.online] ?? 0) online rounds, \(run.cost.totalBytes) bytes")
        }
        #expect(Double(agreeing) / 100 >= 0.995, "argmax agrees on \(agreeing) of 100 images (at least 99.5% required)")
        #expect(maxError <= 1e-2, "largest logit error \(maxError)")
    }

    /// The README's demo: the client's own post-processing of the revealed logits reports the accuracy
    /// against the labels and the agreement with the plaintext model's predictions.
    @Test func demoReportsAccuracyAndAgreement() throws {
        let path = EndToEnd.path("programs/mnist/demo-pond.tfe")
        let compiled = EndToEnd.compile(EndToEnd.read(path), path: path, optimize: true)
        let program = try #require(compiled.program)
        var inputs = ProgramInputs()
        try Self.load("programs/mnist/data/model-pond.npz", into: &inputs, for: try Self.playerID("model_owner", in: program))
        let client = try Self.playerID("client", in: program)
        try Self.load("programs/mnist/data/client.npz", into: &inputs, for: client)
        try Self.load("programs/mnist/data/reference-pond.npz", into: &inputs, for: client)
        let run = try EndToEnd.run(program, inputs, seed: 7)
        #expect(run.cost == CostModel.cost(of: program))
        #expect(try #require(run[client].outputs["accuracy"]).doubles == [0.93])
        #expect(try #require(run[client].outputs["agreement"]).doubles == [1.0])
        #expect(run[client].printed.count == 3)
    }

    // MARK: - The reference against NumPy

    struct NumPyModel: CustomTestStringConvertible, Sendable {
        var program: String
        var model: String
        var expected: String
        var testDescription: String { program }
    }

    /// The models under `programs/` whose plaintext logits NumPy computed (`predict_plaintext.py`), with the
    /// exact sigmoid: the reference must reproduce them, SecureNN programs included.
    static let numPyModels = [
        NumPyModel(program: "programs/mnist/mnist-pond.tfe", model: "programs/mnist/data/model-pond.npz",
                   expected: "programs/mnist/data/expected-logits-pond.npy"),
        NumPyModel(program: "programs/mnist/mnist-securenn.tfe", model: "programs/mnist/data/model-securenn.npz",
                   expected: "programs/mnist/data/expected-logits-securenn.npy"),
        NumPyModel(program: "programs/network-a/network-a.tfe", model: "programs/network-a/data/model.npz",
                   expected: "programs/network-a/data/expected-logits.npy"),
        NumPyModel(program: "programs/cnn/cnn.tfe", model: "programs/cnn/data/model.npz",
                   expected: "programs/cnn/data/expected-logits.npy"),
    ]

    /// On the first 20 images (a smaller batch keeps the debug build fast), to 1e-9: only the order of float64
    /// additions differs.
    @Test("reference interpreter reproduces NumPy's logits", arguments: numPyModels)
    func referenceMatchesNumPy(_ model: NumPyModel) throws {
        let rows = 20
        let path = EndToEnd.path(model.program)
        let result = Frontend.check(SourceFile(path: path, text: EndToEnd.read(path)),
                                    options: CheckOptions(overrides: ["batch": rows]))
        #expect(!result.diagnostics.hasErrors)
        let players = result.program.players
        let owner = PlayerID(try #require(players.firstIndex(of: "model_owner")))
        let client = PlayerID(try #require(players.firstIndex(of: "client")))
        var inputs = ProgramInputs()
        try Self.load(model.model, into: &inputs, for: owner)
        try Self.load("programs/mnist/data/client.npz", into: &inputs, for: client, rows: rows)
        let outputs = try ReferenceInterpreter.run(result.program, inputs: inputs.doubles, exactSigmoid: true,
                                                   tracksBounds: false)
        let logits = try #require(outputs[OutputKey(player: client, name: "logits")])
        let expected = try NPY.read(contentsOf: URL(fileURLWithPath: EndToEnd.path(model.expected))).asDoubles()
        #expect(logits.shape == [rows, 10])
        let worst = zip(logits.values, expected.prefix(rows * 10)).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-9, "largest difference from NumPy: \(worst)")
    }
}
