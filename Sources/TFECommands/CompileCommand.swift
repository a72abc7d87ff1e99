import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering

/// `tfec check` and `tfec compile`: read a `.tfe` file, run the compiler, print diagnostics and write the
/// requested form.
public enum CompileCommand {
    static let defineOption = OptionSpec.option("-D", value: "name=value", help: "Override a 'param'.", repeatable: true)

    public static let checkSpec = CommandSpec(
        tool: "tfec", name: "check",
        overview: "Check a .tfe program's syntax, types, shapes and placement without compiling it.",
        arguments: [ArgumentSpec("input", help: "The .tfe source file.")],
        options: [defineOption])

    public static let compileSpec = CommandSpec(
        tool: "tfec", name: "compile", overview: "Compile a .tfe program to tfe bytecode.",
        arguments: [ArgumentSpec("input", help: "The .tfe source file.")],
        options: [
            .option("--output", short: "o", value: "output", help: "Where to write bytecode.",
                    defaultText: "<input>.tfeb"),
            .option("--emit", value: "emit", help: "bytecode, asm, ast or tokens.", defaultText: "bytecode",
                    allowedValues: ["bytecode", "asm", "ast", "tokens"]),
            defineOption,
            .flag("-O0", help: "Skip optional passes such as round batching."),
            .flag("--stats", help: "Print rounds and bytes before and after optimisation."),
            .option("--stats-json", value: "file", help: "Write the predicted rounds and bytes as JSON."),
            .option("--dump-after", value: "pass", help: "Print the program as it stands after a pass.",
                    allowedValues: Compiler.passNames, repeatable: true, hidden: true),
        ])

    /// `tfec check FILE`: diagnostics only; exit 1 when there is an error.
    public static func runCheck(_ arguments: ParsedArguments, console: Console) -> ExitCode {
        let input: Input
        switch readInput(arguments, console: console) {
        case .success(let read): input = read
        case .failure(let code): return code
        }
        let result = Frontend.check(input.source, options: CheckOptions(overrides: input.overrides))
        if let code = rejectUnusedOverrides(input, result, arguments, console) { return code }
        return report(result.diagnostics, input.source, console)
    }

    /// `tfec compile FILE [--emit bytecode|asm|ast|tokens] [-o FILE] [-O0] [--stats] [--stats-json FILE]`, and
    /// the developer option `--dump-after PASS` (repeatable, left out of help).
    public static func runCompile(_ arguments: ParsedArguments, console: Console) -> ExitCode {
        let input: Input
        switch readInput(arguments, console: console) {
        case .success(let read): input = read
        case .failure(let code): return code
        }
        let emit = arguments.value("--emit") ?? "bytecode"
        let output = arguments.value("--output")
        let dumps = Set(arguments.values("--dump-after"))
        // The front end's passes run for `--emit ast`, every pass for the other forms but tokens.
        let walked: Set<String> = emit == "tokens" ? [] : emit == "ast" ? Set(Frontend.passes.map(\.name))
            : Set(Compiler.passes.filter { $0.runs(optimize: !arguments.isSet("-O0")) }.map(\.name))
        for pass in Compiler.passes where dumps.contains(pass.name) && !walked.contains(pass.name) {
            let reason = emit == "tokens" || emit == "ast" ? "--emit \(emit)" : "-O0"
            console.writeError(
                "tfec: note: pass '\(pass.name)' does not run with \(reason); there is nothing to print after it\n")
        }
        switch emit {
        case "tokens":
            var diagnostics = Diagnostics()
            let tokens = Lexer.tokenize(input.source, into: &diagnostics)
            guard !diagnostics.hasErrors else { return report(diagnostics, input.source, console) }
            let text = tokens.map { token in
                let (line, column) = input.source.location(of: token.range.start)
                return "\(line):\(column) \(token.kind) \(input.source.text(token.range).debugDescription)"
            }.joined(separator: "\n") + "\n"
            return write(Data(text.utf8), to: output, console: console)
        case "ast":
            let result = Frontend.check(input.source, options: CheckOptions(overrides: input.overrides)) {
                pass, state in
                guard dumps.contains(pass.name), let text = dumpText(Compilation(frontend: state)) else { return }
                console.write("; after pass '\(pass.name)'\n" + text)
            }
            if let code = rejectUnusedOverrides(input, result, arguments, console) { return code }
            let code = report(result.diagnostics, input.source, console)
            guard code == .success else { return code }
            return write(Data(result.program.listing.utf8), to: output, console: console)
        default:
            let optimize = !arguments.isSet("-O0")
            let options = CompilerOptions(check: CheckOptions(overrides: input.overrides), optimize: optimize)
            let keep = arguments.isSet("--stats")
            // The syntax tree is needed after compiling only to suggest a `param` for an unused `-D`.
            let result = Compiler.compile(
                input.source, options: options, keepUnoptimized: keep, keepFrontEnd: !input.overrides.isEmpty
            ) { pass, state in
                guard dumps.contains(pass.name), let text = dumpText(state) else { return }
                console.write("; after pass '\(pass.name)'\n" + text)
            }
            if let code = rejectUnusedOverrides(input, result.frontend, arguments, console) { return code }
            let code = report(result.diagnostics, input.source, console)
            guard code == .success, let program = result.program else { return code == .success ? .failure : code }
            let (problem, bytes) = verifiedEncoding(of: program, encode: emit != "asm")
            if let problem {
                // Which pass broke the program: verify after each, on this failure path only.
                let failure = Compiler.firstFailingPass(input.source, options: options)
                let pass = failure?.pass ?? Compiler.passes.last { $0.runs(optimize: optimize) }!.name
                console.writeError("tfec: internal error in pass '\(pass)': \(failure?.problem ?? problem)\n")
                return .internal
            }
            if arguments.isSet("--stats") {
                let before = optimize ? result.unoptimized : program
                console.write(StatsTable.render(before: before.map(CostModel.cost(of:)),
                                                after: CostModel.cost(of: program), players: program.players))
            }
            if let path = arguments.value("--stats-json") {
                let json = CostModel.cost(of: program).json(players: program.players)
                let code = write(Data(json.utf8), to: path, console: console)
                guard code == .success else { return code }
            }
            if emit == "asm" { return write(Data(program.asm.utf8), to: output, console: console) }
            let destination = output ?? defaultBytecodePath(for: input.path)
            var encoded = bytes ?? program.encoded()
            _ = consume program
            releaseAside(consume result)
            // The file is written from the encoded bytes themselves: copying tens of megabytes into a `Data`
            // would fault in as many fresh pages as the write reads.
            return encoded.withUnsafeMutableBytes { buffer in
                write(Data(bytesNoCopy: buffer.baseAddress!, count: buffer.count, deallocator: .none),
                      to: destination, console: console)
            }
        }
    }

    /// The verifier's first problem with a program and, when `encode` is set, the program's bytes. The two
    /// run side by side on two threads: both only read the program, and on a program of millions of
    /// instructions each takes about a fifth of `tfec compile`.
    static func verifiedEncoding(of program: Program, encode: Bool) -> (problem: BytecodeError?, bytes: [UInt8]?) {
        let problem = ResultSlot<BytecodeError>(), bytes = ResultSlot<[UInt8]>()
        DispatchQueue.concurrentPerform(iterations: encode ? 2 : 1) { task in
            if task == 0 {
                problem.value = Verifier.problems(in: program).first
            } else {
                bytes.value = program.encoded()
            }
        }
        return (problem.value, bytes.value)
    }

    /// Lets go of a compilation on another thread: freeing the millions of instructions, registers and syntax
    /// nodes of a large program takes a tenth of a second, which then overlaps the writing of the file (and
    /// a process that ends first does not wait for it).
    static func releaseAside(_ result: consuming Compiler.Result) {
        let box = CompilationBox(result)
        DispatchQueue.global(qos: .utility).async { box.release() }
    }

    /// The program as it stands after a pass, for `--dump-after`: the asm once it is lowered, the checked
    /// program's listing once it is checked, the syntax tree before; nil when the pass built nothing.
    static func dumpText(_ state: Compilation) -> String? {
        if let program = state.program { return program.asm }
        if let checked = state.frontend.program { return checked.listing }
        return state.frontend.ast?.listing
    }

    /// `prog.tfe` → `prog.tfeb`, next to the source.
    static func defaultBytecodePath(for path: String) -> String {
        (path.hasSuffix(".tfe") ? String(path.dropLast(4)) : path) + ".tfeb"
    }

    // MARK: - Shared steps

    struct Input {
        var path: String
        var source: SourceFile
        var overrides: [String: Int]
    }

    /// An input, or the exit code after its problem was printed.
    enum InputResult {
        case success(Input)
        case failure(ExitCode)
    }

    /// Reads the source file and parses `-D NAME=VALUE`.
    static func readInput(_ arguments: ParsedArguments, console: Console) -> InputResult {
        guard let path = arguments.argument("input") else { return .failure(.usage) }
        var overrides: [String: Int] = [:]
        for define in arguments.values("-D") {
            let parts = define.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]) else {
                let failure = arguments.command.failure(
                    .malformedValue(define, option: "-D <name=value>", expected: "NAME=INTEGER, as in -D batch=100"))
                console.writeError(failure.rendered)
                return .failure(.usage)
            }
            overrides[parts[0]] = value
        }
        guard let bytes = readFile(path, tool: "tfec", console: console) else { return .failure(.failure) }
        return .success(Input(path: path, source: SourceFile(path: path, bytes: bytes), overrides: overrides))
    }

    /// Reads a whole file, or prints one line saying why it cannot.
    static func readFile(_ path: String, tool: String, console: Console) -> [UInt8]? {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count <= SourceRange.maximumFileSize else {
                console.writeError("\(tool): error: cannot read '\(path)': it is larger than 4 GiB\n")
                return nil
            }
            return [UInt8](data)
        }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let reason = !exists ? "no such file" : isDirectory.boolValue ? "it is a directory" : "permission denied"
        console.writeError("\(tool): error: cannot read '\(path)': \(reason)\n")
        return nil
    }

    /// A `-D` naming no param of a program that checked is a command-line mistake (exit 64).
    static func rejectUnusedOverrides(_ input: Input, _ result: Frontend.Result, _ arguments: ParsedArguments,
                                      _ console: Console) -> ExitCode? {
        guard !result.diagnostics.hasErrors else { return nil }
        for name in input.overrides.keys.sorted() where !result.usedOverrides.contains(name) {
            let params = result.ast.topLevel.compactMap { id -> String? in
                if case .param(let param, _) = result.ast[id].kind { return result.ast.name(param.symbol) }
                return nil
            }
            let hint = Suggestion.closest(to: name, in: params).map { ". Did you mean '\($0)'?" } ?? ""
            let failure = arguments.command.failure(
                .malformedValue("\(name)=\(input.overrides[name]!)", option: "-D <name=value>",
                                expected: "the name of a 'param' of \(input.path)\(hint)"))
            console.writeError(failure.rendered)
            return .usage
        }
        return nil
    }

    /// Prints the diagnostics; exit 1 if any is an error.
    static func report(_ diagnostics: Diagnostics, _ source: SourceFile, _ console: Console) -> ExitCode {
        if !diagnostics.all.isEmpty {
            console.writeError(DiagnosticRenderer(source: source, colored: console.isColorEnabled).render(diagnostics.sorted))
        }
        return diagnostics.hasErrors ? .failure : .success
    }

    /// Writes to a file (whole, or not at all), or to standard output when no path is given.
    static func write(_ data: Data, to path: String?, console: Console) -> ExitCode {
        guard let path else {
            console.write(String(decoding: data, as: UTF8.self))
            return .success
        }
        var file = FileTransaction()
        file.add(data, at: path)
        do throws(FileTransaction.Failure) {
            try file.commit()
            return .success
        } catch {
            console.writeError("tfec: error: \(error.message)\n")
            return .failure
        }
    }
}

/// A compilation handed to another thread to be freed there (`releaseAside`): the box is its only owner once
/// the caller's copy is consumed, and the thread empties it.
private final class CompilationBox: @unchecked Sendable {
    private var result: Compiler.Result?

    init(_ result: consuming Compiler.Result) {
        self.result = result
    }

    func release() {
        result = nil
    }
}

/// A value one task of `DispatchQueue.concurrentPerform` writes and the caller reads once they have all
/// ended (which orders the accesses, hence `@unchecked`).
private final class ResultSlot<Value>: @unchecked Sendable {
    var value: Value?
}

/// The `--stats` table: rounds and bytes per phase and link, without and with optimisation.
enum StatsTable {
    static func render(before: Cost?, after: Cost, players: [String]) -> String {
        func cell(_ value: Int?) -> String { value.map(String.init) ?? "-" }
        var rows: [(String, String, String)] = []
        for phase in [Phase.online, .offline] {
            rows.append(("\(phase.rawValue) rounds", cell(before?.rounds[phase]), cell(after.rounds[phase])))
        }
        for phase in [Phase.online, .offline] {
            rows.append(("\(phase.rawValue) bytes", cell(before?.bytes(in: phase)), cell(after.bytes(in: phase))))
        }
        let links = Set(after.bytes.keys).union(before?.bytes.keys.map { $0 } ?? []).sorted()
        for link in links {
            let name = "  \(players[link.from.rawValue]) -> \(players[link.to.rawValue]) (\(link.phase.rawValue))"
            rows.append((name, cell(before?.bytes[link]), cell(after.bytes[link])))
        }
        rows.append(("total bytes", cell(before?.totalBytes), String(after.totalBytes)))
        let first = rows.map(\.0.count).max()! + 2, second = max(5, rows.map(\.1.count).max()!) + 2
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(1, width - text.count)) }
        let lines = [pad("", first) + pad("-O0", second) + "optimized"] + rows.map { pad($0.0, first) + pad($0.1, second) + $0.2 }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The `tfec` tool: its subcommands and entry point.
public enum Tfec {
    public static let version = "0.2.0"

    public static let tool = ToolSpec(
        name: "tfec", overview: "The tfe compiler: checks and compiles .tfe programs for encrypted machine learning.",
        version: version, subcommands: [CompileCommand.checkSpec, CompileCommand.compileSpec, ImportCommand.spec])

    /// Runs `tfec` with the words after the program name.
    public static func main(_ arguments: [String], console: Console) -> ExitCode {
        tool.run(arguments, console: console) { parsed, console in
            switch parsed.command.name {
            case "check": return CompileCommand.runCheck(parsed, console: console)
            case "import": return ImportCommand.run(parsed, console: console)
            default: return CompileCommand.runCompile(parsed, console: console)
            }
        }
    }
}
