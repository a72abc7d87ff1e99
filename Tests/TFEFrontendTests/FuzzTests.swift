import TFETestSupport
import Foundation
import Testing
import TFECore
import TFEFrontend

/// Random mutations of seed programs (FuzzSupport.swift) through the whole front end. Each mutant must be
/// checked to the end without trapping or hanging, its diagnostics must render, and a clean result must be a
/// well-formed checked program. Replay a failure with the `TFE_FUZZ_SEED` and `TFE_FUZZ_COUNT=1` it prints;
/// `TFE_FUZZ_VERBOSE=1` prints every input.
struct FuzzTests {
    /// The limit keeps mutants with huge loops cheap; CLI runs use the default.
    static let options = CheckOptions(workLimit: 50_000)

    @Test func embeddedSeedsCheckClean() {
        for seed in Fuzz.embeddedSeeds {
            let result = Frontend.check(SourceFile(path: "seed.tfe", text: seed))
            #expect(result.diagnostics.all.isEmpty,
                    "\(DiagnosticRenderer(source: result.ast.source).render(result.diagnostics.sorted))")
        }
    }

    @Test func seedFilesAreFound() {
        let names = Fuzz.fileSeeds().map(\.name)
        #expect(names.contains { $0.hasSuffix("Golden/ast/securenn-mnist.tfe") }, "\(names)")
    }

    @Test func mutationsAreDeterministic() {
        let seeds = Fuzz.seeds()
        for index in 0..<50 {
            var first = SplitMix64(seed: Fuzz.caseSeed(index)), second = SplitMix64(seed: Fuzz.caseSeed(index))
            #expect(Fuzz.mutate(seeds[index % seeds.count], others: seeds, using: &first)
                == Fuzz.mutate(seeds[index % seeds.count], others: seeds, using: &second))
        }
    }

    @Test func mutantsNeverCrashOrHang() throws {
        let count = Fuzz.count(default: 10_000)
        let base = Fuzz.baseSeed
        let seeds = Fuzz.seeds()
        // A trap ends the process before any message: the input being checked is kept in this file.
        let current = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-fuzz-current-\(getpid()).tfe")
        _ = FileManager.default.createFile(atPath: current.path, contents: nil)
        let handle = try FileHandle(forWritingTo: current)
        defer {
            try? handle.close()
            try? FileManager.default.removeItem(at: current)
        }
        print("fuzz: \(count) mutants of \(seeds.count) seeds, TFE_FUZZ_SEED=\(Fuzz.hex(base)); "
            + "if the process crashes, the input being checked is in \(current.path)")

        let verbose = ProcessInfo.processInfo.environment["TFE_FUZZ_VERBOSE"] == "1"
        var statistics = Statistics()
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for index in 0..<count {
                let caseSeed = Fuzz.caseSeed(index, base: base)
                var rng = SplitMix64(seed: caseSeed)
                let mutant = Fuzz.mutate(seeds.randomElement(using: &rng)!, others: seeds, using: &rng)
                if verbose { print("fuzz case \(Fuzz.hex(caseSeed)): \(Fuzz.describe(mutant))") }
                try? handle.truncate(atOffset: 0)
                handle.write(Data(mutant))
                var result: Frontend.Result?
                let time = clock.measure {
                    result = Self.checkInvariants(mutant, seed: caseSeed, determinism: index % 50 == 0)
                }
                statistics.record(result!, time: time, seed: caseSeed)
            }
        }
        print("fuzz: \(statistics) in \(elapsed)")
        if count >= 1_000 {  // not when replaying one case
            // The checker must get its share of the search.
            #expect(statistics.clean > count / 50, "too few mutants check clean: \(statistics)")
        }
    }

    struct Statistics: CustomStringConvertible {
        var parseErrors = 0, checkErrors = 0, clean = 0, unrollLimit = 0
        /// The slowest cases, for tuning.
        var slowest: [(time: Duration, seed: UInt64)] = []
        /// Time spent on mutants that reached the work limit.
        var limitTime = Duration.zero

        mutating func record(_ result: Frontend.Result, time: Duration, seed: UInt64) {
            slowest.append((time, seed))
            if result.diagnostics.all.contains(where: { $0.kind == "unrollLimit" }) { limitTime += time }
            if slowest.count > 20 {
                slowest.sort { $0.time > $1.time }
                slowest.removeLast(slowest.count - 3)
            }
            let kinds = Set(result.diagnostics.all.map(\.kind))
            if kinds.contains("unrollLimit") { unrollLimit += 1 }
            if !result.diagnostics.hasErrors {
                clean += 1
            } else if result.diagnostics.all.contains(where: { $0.severity == .error && Self.isParseKind($0.kind) }) {
                parseErrors += 1
            } else {
                checkErrors += 1
            }
        }

        static func isParseKind(_ kind: String) -> Bool {
            ["unexpectedCharacter", "invalidUTF8", "unterminatedString", "singleQuotedString", "integerTooLarge",
             "malformedNumber", "expectedExpression", "expected", "unclosedBracket", "keywordAsName",
             "chainedComparison", "invalidAssignmentTarget", "expectedSeparator", "returnOutsideFunction",
             "returnNotLast", "missingReturn", "declarationNotAtTopLevel", "tooDeeplyNested"].contains(kind)
        }

        var description: String {
            "\(clean) clean, \(parseErrors) with syntax errors, \(checkErrors) with check errors "
                + "(\(unrollLimit) at the work limit, taking \(limitTime)); "
                + "slowest: "
                + slowest.sorted { $0.time > $1.time }.prefix(3).map { "\(Fuzz.hex($0.seed)) \($0.time)" }
                    .joined(separator: ", ")
        }
    }

    // MARK: - Invariants

    /// Checks `bytes` and records an issue, with the seed and the input, for every invariant it breaks.
    @discardableResult
    static func checkInvariants(_ bytes: [UInt8], seed: UInt64, determinism: Bool = false) -> Frontend.Result {
        let source = SourceFile(path: "fuzz.tfe", bytes: bytes)
        let result = Frontend.check(source, options: options)
        var problems: [String] = []
        let diagnostics = result.diagnostics.sorted

        for diagnostic in diagnostics {
            let ranges = [diagnostic.range] + diagnostic.related + diagnostic.notes.compactMap(\.range)
            if ranges.contains(where: { $0.start < 0 || $0.end > bytes.count }) {
                problems.append("\(diagnostic.kind) has a range outside the file: \(ranges)")
            }
            if diagnostic.kind.isEmpty || diagnostic.message.isEmpty {
                problems.append("a diagnostic has no kind or message: \(diagnostic)")
            }
        }
        for colored in [false, true] {
            let text = DiagnosticRenderer(source: source, colored: colored).render(diagnostics)
            if text.isEmpty != diagnostics.isEmpty { problems.append("rendering gave \(text.count) characters") }
        }
        let plain = DiagnosticRenderer(source: source).render(diagnostics)
        let headers = plain.split(separator: "\n").count { $0.hasPrefix("fuzz.tfe:") }
        if headers < diagnostics.count { problems.append("\(diagnostics.count) diagnostics but \(headers) headers") }

        if !result.diagnostics.hasErrors {
            problems += programProblems(result.program)
            _ = result.program.listing
        }
        if determinism {
            let again = Frontend.check(source, options: options)
            if again.diagnostics.sorted != diagnostics || again.program.operations != result.program.operations {
                problems.append("a second check gave a different result")
            }
        }
        for problem in problems {
            Issue.record("""
                \(problem)
                replay: TFE_FUZZ_SEED=\(Fuzz.hex(seed)) TFE_FUZZ_COUNT=1 swift test --filter mutantsNeverCrashOrHang
                input: \(Fuzz.describe(bytes))
                """)
        }
        return result
    }

    /// A clean program refers only to earlier values that have a type, and every shape is positive.
    static func programProblems(_ program: CheckedProgram) -> [String] {
        var problems: [String] = []
        for (index, operation) in program.operations.enumerated() {
            for operand in operands(operation.kind)
            where operand.rawValue < 0 || operand.rawValue >= index || program[operand].type == nil {
                problems.append("operation \(index) (\(operation.kind)) uses %\(operand.rawValue)")
            }
            if let type = operation.type {
                if type.shape.dimensions.contains(where: { $0 < 1 }) {
                    problems.append("operation \(index) has shape \(type.shape)")
                }
                if case .local(let player) = type.placement, player.rawValue >= program.players.count {
                    problems.append("operation \(index) is local to an unknown player")
                }
            }
        }
        return problems
    }

    static func operands(_ kind: TFEFrontend.Operation.Kind) -> [ValueID] {
        switch kind {
        case .constant, .input, .load:
            return []
        case .share(let value), .reveal(let value, _), .negate(let value), .elementwise(_, let value),
            .sum(let value, _), .mean(let value, _), .softmax(let value, _), .argmax(let value, _),
            .transpose(let value, _), .reshape(let value), .avgpool2d(let value, _, _, _),
            .maxpool2d(let value, _, _, _), .output(_, _, let value), .store(_, let value),
            .slice(let value, _, _, _), .pad(let value, _):
            return [value]
        case .concat(let values, _):
            return values
        case .binary(_, let a, let b), .conv2d(let a, let b, _, _), .maxpool2dGrad(let a, let b, _, _, _):
            return [a, b]
        case .where(let c, let a, let b):
            return [c, a, b]
        case .print(let items):
            return items.compactMap { item in
                if case .value(let value) = item { return value }
                return nil
            }
        }
    }
}
