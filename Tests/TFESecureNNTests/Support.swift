// Compiling `.tfe` sources and running them on local threads, checking measured cost against the model.

import Foundation
import TFEBytecode
import TFECore
import TFELowering
import TFENumPy
import TFERuntime
import Testing

enum SecureNNSupport {
    static let alice = PlayerID(3)
    static let bob = PlayerID(4)

    /// Compiles a source, recording its diagnostics as a failure.
    static func compile(
        _ text: String, optimize: Bool = true, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) -> Program? {
        let result = Compiler.compile(
            SourceFile(path: "test.tfe", text: text), options: CompilerOptions(optimize: optimize))
        if result.diagnostics.hasErrors {
            Issue.record("\(result.diagnostics.sorted.map(\.message))", sourceLocation: sourceLocation)
        }
        if let program = result.program {
            let problems = Verifier.problems(in: program)
            if !problems.isEmpty { Issue.record("\(problems)", sourceLocation: sourceLocation) }
        }
        return result.program
    }

    /// Runs a program locally with a fixed seed, checking that measured traffic equals the cost model's.
    static func run(
        _ program: Program, inputs: [PlayerID: [String: NPYArray]], seed: UInt64 = 7,
        receiveTimeout: Duration = .seconds(600), sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> LocalRunResult {
        let options = LocalRunOptions(seed: seed, receiveTimeout: receiveTimeout)
        let result = try LocalRun.run(program, inputs: inputs, options: options)
        let predicted = CostModel.cost(of: program)
        if result.cost != predicted {
            let measured = result.cost.json(players: program.players)
            Issue.record(
                "measured \(measured) predicted \(predicted.json(players: program.players))",
                sourceLocation: sourceLocation)
        }
        return result
    }

    static func doubles(_ values: [Double], _ shape: [Int]) -> NPYArray {
        try! NPYArray(shape: shape, storage: .float64(values))
    }

    static func ints(_ values: [Int64], _ shape: [Int]) -> NPYArray {
        try! NPYArray(shape: shape, storage: .int64(values))
    }

    /// The repository root, found from this file.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}

/// The protocols whose comparisons these tests check: SecureNN's, and ABY3's (its own MSB, SecureNN's algorithms
/// on top of it).
enum Comparing: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case securenn, aby3

    /// `protocol securenn` and the players `alice` and `bob`, one per line.
    var header: String { "protocol \(rawValue)\nplayer alice, bob\n" }

    /// Online rounds of MSB(x) (DReLU): ShareConvert and ComputeMSB take 8 (the paper's Table 2); A2B's 8 and
    /// bit injection's 2 take 10.
    var msbRounds: Int {
        switch self {
        case .securenn: return 8
        case .aby3: return 10
        }
    }

    /// Online rounds of ReLU, and of a level of maxima: DReLU then a product (9); A2B then the bit product
    /// (10).
    var reluRounds: Int {
        switch self {
        case .securenn: return 9
        case .aby3: return 10
        }
    }

    /// Online rounds of a fixed-point product's truncation: Pond's one opening; ABY3's opening to server0 and
    /// server1 and the re-sharing.
    var truncationRounds: Int {
        switch self {
        case .securenn: return 1
        case .aby3: return 2
        }
    }

    /// `text` with its `protocol securenn` line declaring this protocol instead.
    func source(_ text: String) -> String {
        text.replacingOccurrences(of: "protocol securenn\n", with: "protocol \(rawValue)\n")
    }

    var testDescription: String { rawValue }
}
