import Foundation
import TFETestSupport
import Testing
import TFEBytecode
import TFECore
import TFELowering
import TFERuntime

/// Division by a divisor known at compile time (`/` by a literal or a `param`, `mean`, `avgpool2d`) across the
/// whole fixed-point range (inputs up to |v| < 2^30 at 16 fractional bits), under pond and securenn.
///
/// In ring units (ulp = 2^-16) a private quotient of x by c is ⌊x/c⌋ or ⌊x/c⌋ + 1, so it lies within one ulp of
/// x/c; a public one is x/c rounded to the nearest ulp. Each test checks that on the ring values, and how far
/// the results lie from the float64 quotient of the inputs (`TFE_E2E_REPORT=1` prints the largest distance in
/// ulps).
struct ConstantDivisionTests {
    static let protocols = ["pond", "securenn"]
    static let ulp = 1.0 / 65_536

    /// The divisors of `divisionByConstants`, with c = p / q as integers.
    static let divisors: [(text: String, p: Int, q: Int)] = [
        ("3", 3, 1), ("7", 7, 1), ("10", 10, 1), ("100", 100, 1), ("1000", 1000, 1), ("0.3", 3, 10), ("n", 7, 1),
    ]

    /// The average of three values near 1000 (issue #13: it was off by about 1.6e-3).
    @Test(arguments: protocols)
    func averageOfThreeNear1000(_ protocolName: String) throws {
        var generator = SplitMix64(seed: 13)
        let count = 500
        let values = (0..<3).map { _ in
            (0..<count).map { _ in Self.onGrid(1000 + Double.random(in: -1...1, using: &generator)) }
        }
        let outputs = try Self.run("""
            protocol \(protocolName)
            player alice, bob, carol
            a = private_input(alice, [\(count)])
            b = private_input(bob, [\(count)])
            c = private_input(carol, [\(count)])
            output(alice, "average", (a + b + c) / 3)
            """, inputs: ["alice": ["a": values[0]], "bob": ["b": values[1]], "carol": ["c": values[2]]])
        let sums = (0..<count).map { i in values.map { Self.ring($0[i]) }.reduce(0, +) }
        var errors = Errors()
        errors.check(outputs["average"], numerators: sums, denominators: [3], isPrivate: true)
        errors.report("average of three near 1000 (\(protocolName))")
        #expect(errors.largest <= 1e-3)
    }

    /// `/` by 3, 7, 10, 100, 1000, 0.3 and a param (7) of values across the range, private and public.
    @Test(arguments: protocols)
    func divisionByConstants(_ protocolName: String) throws {
        let values = Self.acrossTheRange(count: 400, seed: 7)
        var lines = ["protocol \(protocolName)", "param n = 7", "player alice", "a = private_input(alice, [400])"]
        for (index, divisor) in Self.divisors.enumerated() {
            lines.append("output(alice, \"private\(index)\", a / \(divisor.text))")
            lines.append("output(alice, \"public\(index)\", reveal(a) / \(divisor.text))")
        }
        let outputs = try Self.run(lines.joined(separator: "\n"), inputs: ["alice": ["a": values]])
        for (index, divisor) in Self.divisors.enumerated() {
            // x / (p/q) = x·q / p
            let numerators = values.map { Self.ring($0) * divisor.q }
            for isPrivate in [true, false] {
                var errors = Errors()
                errors.check(outputs[(isPrivate ? "private" : "public") + "\(index)"], numerators: numerators,
                             denominators: [divisor.p], isPrivate: isPrivate)
                errors.report("\(isPrivate ? "private" : "public") a / \(divisor.text) (\(protocolName))")
            }
        }
    }

    /// `mean` over an axis of 3 and over an axis of 784, of values across the range.
    @Test(arguments: protocols)
    func meanOverAxes(_ protocolName: String) throws {
        let values = Self.acrossTheRange(count: 3 * 784, seed: 784)
        let outputs = try Self.run("""
            protocol \(protocolName)
            player alice
            x = private_input(alice, [3, 784])
            output(alice, "over3", mean(x, axis: 0))
            output(alice, "over784", mean(x, axis: 1))
            output(alice, "public_over3", mean(reveal(x), axis: 0))
            """, inputs: ["alice": ["x": values]])
        let ring = values.map(Self.ring)
        let columns = (0..<784).map { j in (0..<3).map { ring[$0 * 784 + j] }.reduce(0, +) }
        let rows = (0..<3).map { i in ring[(i * 784)..<((i + 1) * 784)].reduce(0, +) }
        for (name, sums, n, isPrivate) in [("over3", columns, 3, true), ("over784", rows, 784, true),
                                           ("public_over3", columns, 3, false)] {
            var errors = Errors()
            errors.check(outputs[name], numerators: sums, denominators: [n], isPrivate: isPrivate)
            errors.report("mean \(name) (\(protocolName))")
        }
    }

    /// `avgpool2d` with 3×3 windows: VALID (9 cells each) and SAME at stride 1 (9, 6 or 4 cells, counting only
    /// cells inside the input, as TensorFlow).
    @Test(arguments: protocols)
    func averagePool3x3(_ protocolName: String) throws {
        let shape = [2, 6, 7, 3]
        let values = Self.acrossTheRange(count: shape.reduce(1, *), seed: 9)
        let outputs = try Self.run("""
            protocol \(protocolName)
            player alice
            x = private_input(alice, \(shape.tfe))
            output(alice, "valid", avgpool2d(x, 3, 1, "VALID"))
            output(alice, "same", avgpool2d(x, 3, 1, "SAME"))
            output(alice, "same_stride2", avgpool2d(x, 3, 2, "SAME"))
            output(alice, "public_same", avgpool2d(reveal(x), 3, 1, "SAME"))
            """, inputs: ["alice": ["x": values]])
        let ring = values.map(Self.ring)
        let pools = [("valid", 1, Padding.valid, true), ("same", 1, .same, true), ("same_stride2", 2, .same, true),
                     ("public_same", 1, .same, false)]
        for (name, stride, padding, isPrivate) in pools {
            let windows = ReferenceKernels.poolWindows(shape, size: 3, stride: stride, padding: padding).windows
            var errors = Errors()
            errors.check(outputs[name], numerators: windows.map { $0.map { ring[$0] }.reduce(0, +) },
                         denominators: windows.map(\.count), isPrivate: isPrivate)
            errors.report("avgpool2d 3x3 \(name) (\(protocolName))")
        }
    }

    // MARK: - Support

    /// The largest distance from the exact quotient, and the ring values that break the rule.
    struct Errors {
        /// The largest |actual - exact quotient| in value units.
        var largest = 0.0

        /// `actual[i]` against numerators[i] / denominators[i] (ring units; one denominator for all, or one each).
        mutating func check(_ actual: [Double]?, numerators: [Int], denominators: [Int], isPrivate: Bool,
                            sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            guard let actual, actual.count == numerators.count else {
                Issue.record("the output is missing or has the wrong size", sourceLocation: sourceLocation)
                return
            }
            var broken: [String] = []
            for (index, value) in actual.enumerated() {
                let (numerator, denominator) = (numerators[index], denominators[denominators.count == 1 ? 0 : index])
                let exactFloor = numerator >= 0 || numerator % denominator == 0
                    ? numerator / denominator : numerator / denominator - 1
                let result = Int(value * 65_536)
                // Private: ⌊x/d⌋ or ⌊x/d⌋ + 1; public: x/d rounded to the nearest, halves up.
                let remainder = numerator - exactFloor * denominator
                let allowed = isPrivate
                    ? [exactFloor, exactFloor + 1] : [exactFloor + (2 * remainder >= denominator ? 1 : 0)]
                if !allowed.contains(result), broken.count < 5 {
                    broken.append("element \(index): \(result) for \(numerator) / \(denominator)")
                }
                let exact = Double(numerator) / Double(denominator) / 65_536
                largest = max(largest, abs(value - exact))
            }
            if !broken.isEmpty {
                Issue.record(Comment(rawValue: "largest error \(largest / ConstantDivisionTests.ulp) ulp; "
                                     + broken.joined(separator: "; ")), sourceLocation: sourceLocation)
            }
        }

        func report(_ label: String) {
            guard ProcessInfo.processInfo.environment["TFE_E2E_REPORT"] == "1" else { return }
            print("constant division \(label): largest error \(largest) = \(largest / ConstantDivisionTests.ulp) ulp")
        }
    }

    /// The ring value of a value on the fixed-point grid.
    static func ring(_ value: Double) -> Int { Int(value * 65_536) }

    static func onGrid(_ value: Double) -> Double { (value * 65_536).rounded() / 65_536 }

    /// Values of every magnitude the machine accepts (|v| < 2^30): ±2^e·u for e in -16...29 and u in [1, 2),
    /// and the extremes 0, ±1 ulp and ±(2^30 - 1 ulp).
    static func acrossTheRange(count: Int, seed: UInt64) -> [Double] {
        var generator = SplitMix64(seed: seed)
        let largest = 1_073_741_824 - ulp
        var values = [0, ulp, -ulp, largest, -largest]
        while values.count < count {
            let magnitude = Double(sign: .plus, exponent: Int.random(in: -16...29, using: &generator),
                                   significand: Double.random(in: 1..<2, using: &generator))
            values.append(min(largest, onGrid(magnitude)) * (Bool.random(using: &generator) ? 1 : -1))
        }
        return Array(values.prefix(count))
    }

    /// Compiles `text` (with round batching), runs it on `inputs` (player, then input name), checks the measured
    /// cost against the cost model, and returns alice's outputs by name.
    static func run(_ text: String, inputs: [String: [String: [Double]]]) throws -> [String: [Double]] {
        let compiled = EndToEnd.compile(text, path: "division.tfe", optimize: true)
        let program = try #require(
            compiled.program, "\(EndToEnd.describe(compiled.diagnostics, text, path: "division.tfe"))")
        try Verifier.verify(program)
        var programInputs = ProgramInputs()
        for declaration in program.inputs {
            let player = program.players[declaration.player.rawValue]
            let values = try #require(inputs[player]?[declaration.name], "no input '\(declaration.name)'")
            programInputs.set(declaration.player, declaration.name, shape: declaration.shape.dimensions,
                              values: values, element: declaration.element)
        }
        let run = try EndToEnd.run(program, programInputs, seed: 1)
        #expect(run.cost == CostModel.cost(of: program), "measured cost differs from the cost model")
        var outputs: [String: [Double]] = [:]
        for (key, value) in EndToEnd.outputs(of: run) { outputs[key.name] = value.doubles }
        return outputs
    }
}
