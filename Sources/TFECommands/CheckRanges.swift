import TFEBytecode
import TFECore
import TFERuntime

/// `tfe-vm run --check-ranges`: a developer's look at the values a local run computes. Every private value is
/// reconstructed from server0's and server1's shares (`RangeChecker`), the run stops at the first one out of
/// its safe range, and the inputs of `sigmoid` and `relu_approx` outside [-8, 8] are warned about; both point
/// at the source line. Values out of range do not fail by themselves: products wrap and truncations go wrong
/// silently, so outputs are garbage with exit code 0. This is how to find out why.
enum CheckRanges {
    static let option = OptionSpec.flag(
        "--check-ranges",
        help: "Debug a local run: reconstruct every private value and stop at the first out of range. Values "
            + "and products of values must stay below 2^(62-2*frac) in magnitude (2^30, about 1.07e9, at frac 16), "
            + "ints below 2^62; sigmoid and relu_approx hold on [-8, 8] only. Scale inputs into range (pixels "
            + "to [0, 1]).")

    static let name = "--check-ranges"

    /// Printed once, before the run.
    static let notice = "tfe-vm: warning: --check-ranges reconstructs every private value from server0's and "
        + "server1's shares, which a real deployment never does\n"

    /// A `--config` run holds one party's shares only.
    static let networkedRun = UsageError.conflictingOptions(
        name, "--config", reason: "checking ranges reconstructs private values from both servers' shares, "
            + "which only a local run holds")

    /// Writes the checker's warnings, and the value out of range when that is what stopped the run; returns
    /// whether it reported `error`. Nothing without a checker.
    static func report(
        _ checker: RangeChecker?, _ error: LocalRunError?, program: Program, source: SourceFile?, console: Console
    ) -> Bool {
        guard let checker else { return false }
        var violation: RangeViolation?
        if let error, case .outOfRange(let found) = error.error { violation = found }
        console.writeError(render(checker.warnings, violation, program: program, source: source))
        return violation != nil
    }

    /// The warnings, then the value out of range that stopped the run (if one did), as diagnostics on the
    /// source when there is one, else on the program's name with its line and column.
    static func render(
        _ warnings: [RangeWarning], _ violation: RangeViolation?, program: Program, source: SourceFile?
    ) -> String {
        var diagnostics: [(Diagnostic.Severity, String, Int, [String])] = warnings.map {
            (.warning, $0.message, $0.instruction, [executing($0.instruction, in: program)])
        }
        if let violation {
            var notes = [executing(violation.instruction, in: program)]
            if violation.kind != .int {
                notes.append("scale the inputs (pixels to [0, 1], say) so that every value and product stays in range")
            }
            diagnostics.append((.error, violation.message, violation.instruction, notes))
        }
        var text = ""
        for (severity, message, instruction, notes) in diagnostics {
            let location = program.locations.indices.contains(instruction) ? program.locations[instruction] : nil
            guard let location, location.line > 0 else {
                text += "tfe-vm: \(severity.rawValue): \(message)\n"
                for note in notes { text += "tfe-vm: note: \(note)\n" }
                continue
            }
            if let source, let offset = source.offset(line: location.line, column: location.column) {
                let diagnostic = Diagnostic(
                    severity: severity, kind: severity == .error ? "outOfRange" : "approximationInput",
                    message: message, range: SourceRange(start: offset, end: offset + 1),
                    notes: notes.map { Diagnostic.Note($0) })
                text += DiagnosticRenderer(source: source).render([diagnostic])
            } else {
                let place = "\(program.name):\(location.line):\(location.column)"
                text += "\(place): \(severity.rawValue): \(message)\n"
                for note in notes { text += "\(place): note: \(note)\n" }
            }
        }
        return text
    }

    /// `while executing 0012 s8 = add s7, p1`.
    static func executing(_ index: Int, in program: Program) -> String {
        var instruction: Instruction?
        program.forEachInstruction { _, _, current, candidate in
            if current == index { instruction = candidate }
        }
        return "while executing \(Program.asmIndex(index))" + (instruction.map { " " + program.asm(of: $0) } ?? "")
    }
}
