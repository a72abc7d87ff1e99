// Shared steps of the end-to-end tests: compiling, generating inputs, running, comparing with the reference.

import TFENumPy
import TFETestSupport
import Foundation
import Testing
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFERuntime


/// How the values of one generated input are drawn.
enum InputDistribution: Sendable {
    /// Uniform in [-a, a].
    case uniform(Double)
    /// Magnitude uniform in [low, high] with a random sign (for divisors, which must stay away from 0).
    case magnitude(Double, Double)
    /// 0 or 1 (labels).
    case bits
    /// Integers uniform in [-n, n] (for `int` inputs).
    case integers(Int)
    /// The per-operation mix: mostly moderate values, and zeros, values of a few ulps, and values near ±2^12.
    case mixed

    func draw(_ generator: inout SplitMix64, ulp: Double) -> Double {
        switch self {
        case .uniform(let a): return Double.random(in: -a...a, using: &generator)
        case .magnitude(let low, let high):
            return Double.random(in: low...high, using: &generator) * (Bool.random(using: &generator) ? 1 : -1)
        case .bits: return Double(Int.random(in: 0...1, using: &generator))
        case .integers(let n): return Double(Int.random(in: -n...n, using: &generator))
        case .mixed:
            let sign: Double = Bool.random(using: &generator) ? 1 : -1
            switch Int.random(in: 0..<20, using: &generator) {
            case 0..<10: return Double.random(in: -4...4, using: &generator)
            case 10..<13: return 0
            case 13..<16: return sign * Double(Int.random(in: 1...64, using: &generator)) * ulp
            default: return sign * (4096 - Double.random(in: 0...1, using: &generator))
            }
        }
    }
}

/// Inputs of one run, as the machine takes them and as the reference takes them.
struct ProgramInputs {
    var arrays: [PlayerID: [String: NPYArray]] = [:]
    var doubles: [PlayerID: [String: [Double]]] = [:]

    mutating func set(_ player: PlayerID, _ name: String, shape: [Int], values: [Double], element: ElementType) {
        let storage: NPYArray.Storage = element == .int ? .int64(values.map { Int64($0) }) : .float64(values)
        arrays[player, default: [:]][name] = try! NPYArray(shape: shape, storage: storage)
        doubles[player, default: [:]][name] = values
    }
}

/// How an output of a run compares with the reference.
struct Comparison {
    var problems: [String] = []
    /// The largest |actual - reference| over fixed outputs.
    var maxError = 0.0
    /// The largest |actual - reference| / bound (0 where both are 0).
    var maxErrorOverBound = 0.0
    /// The largest bound.
    var maxBound = 0.0

    var passed: Bool { problems.isEmpty }
}

enum EndToEnd {
    /// The repository's root, two folders above this file.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { repositoryRoot.appendingPathComponent(relative).path }

    static func read(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { fatalError("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self)
    }

    static func compile(_ text: String, path: String, overrides: [String: Int] = [:], optimize: Bool)
        -> Compiler.Result
    {
        Compiler.compile(SourceFile(path: path, text: text),
                         options: CompilerOptions(check: CheckOptions(overrides: overrides), optimize: optimize))
    }

    /// Rendered diagnostics, for failure messages.
    static func describe(_ diagnostics: Diagnostics, _ text: String, path: String) -> String {
        DiagnosticRenderer(source: SourceFile(path: path, text: text), colored: false).render(diagnostics.sorted)
    }

    /// Random inputs for every input the program declares, on the fixed-point grid so that encoding them is
    /// exact (the reference and the machine then start from the same numbers); `int` inputs are rounded.
    static func makeInputs(
        for program: Program, seed: UInt64, distribution: (IODeclaration) -> InputDistribution
    ) -> ProgramInputs {
        var generator = SplitMix64(seed: seed)
        let ulp = 1 / Double(sign: .plus, exponent: program.fractionalBits, significand: 1)
        var inputs = ProgramInputs()
        for declaration in program.inputs where inputs.doubles[declaration.player]?[declaration.name] == nil {
            let count = declaration.shape.elementCount ?? 0
            let draw = distribution(declaration)
            var values: [Double] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                let value = draw.draw(&generator, ulp: ulp)
                values.append(declaration.element == .int ? value.rounded() : (value / ulp).rounded() * ulp)
            }
            inputs.set(declaration.player, declaration.name, shape: declaration.shape.dimensions, values: values,
                       element: declaration.element)
        }
        return inputs
    }

    static func run(_ program: Program, _ inputs: ProgramInputs, seed: UInt64, state: StateFolder? = nil) throws
        -> LocalRunResult
    {
        try LocalRun.run(
            program, inputs: inputs.arrays,
            options: LocalRunOptions(seed: seed, receiveTimeout: testReceiveTimeout, stateDirectory: state?.path))
    }

    /// Stores random values under the names `program` loads, as an earlier run would: a program of one
    /// player's private inputs and their `store`s runs into `state`, and the reference learns the values.
    static func storeValues(
        loadedBy program: Program, seed: UInt64, state: StateFolder, stored: inout [String: ReferenceTensor],
        distribution: (IODeclaration) -> InputDistribution
    ) throws {
        var lines = [
            "protocol \(program.protocolKind.rawValue)", "player owner", "fixedpoint(frac: \(program.fractionalBits))",
        ]
        for entry in program.allInstructions {
            guard let name = Program.loadedName(entry.instruction),
                case .private(let register)? = entry.instruction.destinations.first
            else { continue }
            let info = program.info(.private(register))
            let variable = "v\(lines.count)"
            lines.append("\(variable) = private_input(owner, \"\(name)\", \(info.shape.dimensions), dtype: \(info.element.rawValue))")
            lines.append("store(\"\(name)\", \(variable))")
        }
        guard lines.count > 3 else { return }
        let source = lines.joined(separator: "\n")
        let compiled = compile(source, path: "store-values.tfe", optimize: true)
        let setup = try #require(compiled.program, "\(describe(compiled.diagnostics, source, path: "store-values.tfe"))")
        let inputs = makeInputs(for: setup, seed: seed ^ 0x5eed, distribution: distribution)
        _ = try ReferenceInterpreter.run(compiled.frontend.program, inputs: inputs.doubles, stored: &stored)
        _ = try run(setup, inputs, seed: seed ^ 0x5eed, state: state)
    }

    /// How long a party of a test run waits for a frame: generous, since a debug build on two cores shared by
    /// the whole parallel test suite can take long between rounds (a hang still ends).
    static let testReceiveTimeout = Duration.seconds(600)

    /// Every output every party received.
    static func outputs(of result: LocalRunResult) -> [OutputKey: OutputValue] {
        var outputs: [OutputKey: OutputValue] = [:]
        for party in result.parties {
            for (name, value) in party.outputs { outputs[OutputKey(player: party.party, name: name)] = value }
        }
        return outputs
    }

    /// How far a machine output may be from the reference: twice the derived bound (which absorbs the
    /// bound's second-order terms) plus float64 noise.
    static func tolerance(bound: Double, expected: Double) -> Double {
        2 * bound + 1e-9 * max(1, abs(expected))
    }

    /// The accuracy asked of whole programs at 16 fractional bits, 1e-3 + 1e-3·|expected|, scaled with the ulp
    /// for other precisions. It binds only where the worst-case bound is loose (long dependent chains).
    static func accuracyCap(fractionalBits: Int) -> (Double) -> Double {
        let scale = Double(sign: .plus, exponent: 16 - fractionalBits, significand: 1)
        return { expected in scale * (1e-3 + 1e-3 * abs(expected)) }
    }

    /// Compares a run's outputs with the reference element by element, within `tolerance` (and within `cap`,
    /// when given, whichever is smaller).
    static func compare(
        _ actual: [OutputKey: OutputValue], _ reference: [OutputKey: ReferenceTensor], players: [String],
        cap: ((Double) -> Double)? = nil
    ) -> Comparison {
        func limit(_ bound: Double, _ expected: Double) -> Double {
            let derived = tolerance(bound: bound, expected: expected)
            return cap.map { min(derived, $0(expected)) } ?? derived
        }
        var comparison = Comparison()
        func name(_ key: OutputKey) -> String { "output '\(key.name)' of \(players[key.player.rawValue])" }
        for key in Set(actual.keys).union(reference.keys).sorted() {
            guard let value = actual[key] else {
                comparison.problems.append("\(name(key)) is missing from the run")
                continue
            }
            guard let expected = reference[key] else {
                comparison.problems.append("\(name(key)) is not an output of the reference")
                continue
            }
            guard value.shape.dimensions == expected.shape else {
                comparison.problems.append("\(name(key)) has shape \(value.shape), the reference \(expected.shape)")
                continue
            }
            let doubles = value.doubles
            var worst: (index: Int, excess: Double)?
            for index in doubles.indices {
                let error = abs(doubles[index] - expected.values[index])
                let bound = expected.bounds[index]
                comparison.maxError = max(comparison.maxError, error)
                comparison.maxBound = max(comparison.maxBound, bound)
                if bound > 0 { comparison.maxErrorOverBound = max(comparison.maxErrorOverBound, error / bound) }
                let excess = error / limit(bound, expected.values[index])
                if !(excess <= 1), excess > (worst?.excess ?? 0) || excess.isNaN { worst = (index, excess) }
            }
            if let (index, _) = worst {
                let bad = doubles.indices.filter {
                    !(abs(doubles[$0] - expected.values[$0]) <= limit(expected.bounds[$0], expected.values[$0]))
                }.count
                comparison.problems.append(
                    "\(name(key)): \(bad) of \(doubles.count) elements differ from the reference; worst at flat index "
                        + "\(index): actual \(doubles[index]), expected \(expected.values[index]) "
                        + "(derived bound \(expected.bounds[index]), tolerance "
                        + "\(limit(expected.bounds[index], expected.values[index])))")
            }
        }
        return comparison
    }

    /// With `TFE_E2E_REPORT=1`, prints how close a run came to the reference: the largest error, the largest
    /// derived bound, and the largest error as a fraction of its bound (to review the tolerances).
    static func report(_ label: String, _ comparison: Comparison) {
        guard ProcessInfo.processInfo.environment["TFE_E2E_REPORT"] == "1" else { return }
        print("accuracy \(label): max error \(comparison.maxError), max bound \(comparison.maxBound), "
              + "max error/bound \(comparison.maxErrorOverBound)")
    }

    /// Two runs of the same program agree: int outputs exactly, fixed ones within the sum of their tolerances.
    static func compareRuns(
        _ a: [OutputKey: OutputValue], _ b: [OutputKey: OutputValue], reference: [OutputKey: ReferenceTensor],
        players: [String]
    ) -> [String] {
        var problems: [String] = []
        for key in Set(a.keys).union(b.keys).sorted() {
            let label = "output '\(key.name)' of \(players[key.player.rawValue])"
            guard let x = a[key], let y = b[key], x.shape == y.shape else {
                problems.append("\(label) differs in presence or shape between the runs")
                continue
            }
            switch (x.values, y.values) {
            case (.int(let p), .int(let q)):
                if p != q, reference[key]?.bounds.allSatisfy({ $0 == 0 }) ?? true {
                    problems.append("\(label): int values differ between the runs")
                }
            default:
                let p = x.doubles, q = y.doubles
                let bounds = reference[key]?.bounds ?? []
                let values = reference[key]?.values ?? []
                if let index = p.indices.first(where: {
                    guard bounds.indices.contains($0) else { return p[$0] != q[$0] }
                    return !(abs(p[$0] - q[$0]) <= 2 * tolerance(bound: bounds[$0], expected: values[$0]))
                }) {
                    problems.append("\(label): element \(index) is \(p[index]) in one run, \(q[index]) in the other")
                }
            }
        }
        return problems
    }
}

/// A temporary state directory for the servers of local runs, removed when the value goes away.
final class StateFolder: Sendable {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
