import Foundation
import TFECore
import TFEFrontend

/// `tfec check` and `tfec compile`: read a `.tfe` file, run the front end, print diagnostics and the
/// requested listing.
public enum CompileCommand {
    static let defineOption = OptionSpec.option("-D", value: "name=value", help: "Override a 'param'.", repeatable: true)

    public static let checkSpec = CommandSpec(
        tool: "tfec", name: "check",
        overview: "Check a .tfe program's syntax, types, shapes and placement without compiling it.",
        arguments: [ArgumentSpec("input", help: "The .tfe source file.")],
        options: [defineOption])

    public static let compileSpec = CommandSpec(
        tool: "tfec", name: "compile", overview: "Compile a .tfe program.",
        arguments: [ArgumentSpec("input", help: "The .tfe source file.")],
        options: [
            .option("--output", short: "o", value: "output", help: "Where to write the result.",
                    defaultText: "standard output"),
            .option("--emit", value: "emit", help: "ast (the checked program) or tokens.", defaultText: "ast",
                    allowedValues: ["ast", "tokens"]),
            defineOption,
        ])

    /// `tfec check FILE`: diagnostics only; exit 1 when there is an error.
    public static func runCheck(_ arguments: ParsedArguments, console: Console) -> ExitCode {
        switch load(arguments, console: console) {
        case .failure(let code): return code
        case .success(let loaded): return report(loaded, console: console)
        }
    }

    /// `tfec compile FILE --emit ast|tokens [-o FILE]`.
    public static func runCompile(_ arguments: ParsedArguments, console: Console) -> ExitCode {
        let emit = arguments.value("--emit") ?? "ast"
        switch load(arguments, console: console) {
        case .failure(let code):
            return code
        case .success(let loaded):
            let text: String
            if emit == "tokens" {
                var diagnostics = Diagnostics()
                let tokens = Lexer.tokenize(loaded.source, into: &diagnostics)
                guard !diagnostics.hasErrors else {
                    console.writeError(render(diagnostics.sorted, loaded.source, console))
                    return .failure
                }
                text = tokens.map { token in
                    let (line, column) = loaded.source.location(of: token.range.start)
                    return "\(line):\(column) \(token.kind) \(loaded.source.text(token.range).debugDescription)"
                }.joined(separator: "\n") + "\n"
            } else {
                let code = report(loaded, console: console)
                guard code == .success else { return code }
                text = loaded.result.program.listing
            }
            return write(text, to: arguments.value("--output"), console: console)
        }
    }

    // MARK: - Shared steps

    struct Loaded {
        var source: SourceFile
        var result: Frontend.Result
    }

    enum LoadResult {
        case success(Loaded)
        case failure(ExitCode)
    }

    /// Reads the file, parses `-D`, runs the front end, and checks that every override named a param.
    static func load(_ arguments: ParsedArguments, console: Console) -> LoadResult {
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
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let reason = !exists ? "no such file" : isDirectory.boolValue ? "it is a directory" : "permission denied"
            console.writeError("tfec: error: cannot read '\(path)': \(reason)\n")
            return .failure(.failure)
        }
        let source = SourceFile(path: path, bytes: [UInt8](data))
        let result = Frontend.check(source, options: CheckOptions(overrides: overrides))
        if !result.diagnostics.hasErrors {
            for name in overrides.keys.sorted() where !result.usedOverrides.contains(name) {
                let params = result.ast.topLevel.compactMap { id -> String? in
                    if case .param(let param, _) = result.ast[id].kind { return result.ast.name(param.symbol) }
                    return nil
                }
                let hint = Suggestion.closest(to: name, in: params).map { ". Did you mean '\($0)'?" } ?? ""
                let failure = arguments.command.failure(
                    .malformedValue("\(name)=\(overrides[name]!)", option: "-D <name=value>",
                                    expected: "the name of a 'param' of \(path)\(hint)"))
                console.writeError(failure.rendered)
                return .failure(.usage)
            }
        }
        return .success(Loaded(source: source, result: result))
    }

    /// Prints the diagnostics; exit 1 if any is an error.
    static func report(_ loaded: Loaded, console: Console) -> ExitCode {
        let diagnostics = loaded.result.diagnostics
        if !diagnostics.all.isEmpty { console.writeError(render(diagnostics.sorted, loaded.source, console)) }
        return diagnostics.hasErrors ? .failure : .success
    }

    static func render(_ diagnostics: [Diagnostic], _ source: SourceFile, _ console: Console) -> String {
        DiagnosticRenderer(source: source, colored: console.isColorEnabled).render(diagnostics)
    }

    static func write(_ text: String, to path: String?, console: Console) -> ExitCode {
        guard let path else {
            console.write(text)
            return .success
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            return .success
        } catch {
            console.writeError("tfec: error: cannot write '\(path)': \(error.localizedDescription)\n")
            return .failure
        }
    }
}

/// The `tfec` tool: its subcommands and entry point.
public enum Tfec {
    public static let version = "0.1.0"

    public static let tool = ToolSpec(
        name: "tfec", overview: "The tfe compiler: checks and compiles .tfe programs for encrypted machine learning.",
        version: version, subcommands: [CompileCommand.checkSpec, CompileCommand.compileSpec])

    /// Runs `tfec` with the words after the program name.
    public static func main(_ arguments: [String], console: Console) -> ExitCode {
        tool.run(arguments, console: console) { parsed, console in
            switch parsed.command.name {
            case "check": return CompileCommand.runCheck(parsed, console: console)
            default: return CompileCommand.runCompile(parsed, console: console)
            }
        }
    }
}
