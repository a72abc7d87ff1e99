import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime

/// `tfe-vm run` and `tfe-vm dis`: load a program (bytecode, or a `.tfe` compiled on the fly), run every
/// player on its own thread, and write each player's outputs.
public enum RunCommand {
    public static let runSpec = CommandSpec(
        tool: "tfe-vm", name: "run",
        overview: "Run a program: every player in this process, or with --config one party over TLS.",
        arguments: [ArgumentSpec("program", help: "A .tfeb bytecode file, a .tfe source to compile first, or an "
                                 + ".onnx or .pb model to import first.")],
        options: [
            .option("--input", value: "player:name=file.npy", help: "An input file; PLAYER=FILE.npz gives several.",
                    repeatable: true),
            .option("--out", value: "dir", help: "Write each output as DIR/PLAYER/NAME.npy."),
            .option("-D", value: "name=value", help: "Override a 'param' (for a .tfe source).", repeatable: true),
            .flag("-O0", help: "Skip optional passes (for a .tfe source)."),
            .flag("--stats", help: "Print rounds, bytes per link and time per phase."),
            .option("--stats-json", value: "file", help: "Write the measured rounds and bytes as JSON."),
            .option("--trace", value: "file.json",
                    help: "Write what each party did when, as Chrome trace events (Perfetto, chrome://tracing)."),
            .option("--timeout", value: "seconds", help: "How long a player waits for a message.", defaultText: "30"),
            .option("--state", value: "dir",
                    help: "Where servers keep stored values (store/load): DIR/SERVER here, DIR with --config."),
            .option("--seed", value: "n", help: "Deterministic randomness (for tests only).", hidden: true),
            // Debugging (CheckRanges.swift): reconstructs private values, so local runs only.
            CheckRanges.option,
            // Simulated network (SimulatedNetwork.swift): a local run costs what a deployment would.
            .option("--simulate-rtt", value: "duration", help: "Delay every message by half this round trip (40ms)."),
            .option("--simulate-bandwidth", value: "rate", help: "Limit every link to this rate (100mbit)."),
            // Networked run (NetworkRun.swift): this process plays one party, over TLS (or TCP with --insecure).
            .option("--config", value: "config.json", help: "Run one party over the network, with this host map."),
            .option("--player", value: "name", help: "The party this process plays (with --config)."),
            .option("--connect-timeout", value: "seconds", help: "How long to wait for the other parties.",
                    defaultText: "30"),
            ChannelOptions.certs,
            ChannelOptions.insecure,
        ])

    public static let disSpec = CommandSpec(
        tool: "tfe-vm", name: "dis", overview: "Print a bytecode file as asm.",
        arguments: [ArgumentSpec("program", help: "The .tfeb bytecode file.")])

    /// `tfe-vm dis FILE.tfeb`.
    public static func runDis(_ arguments: ParsedArguments, console: Console) -> ExitCode {
        guard let path = arguments.argument("program") else { return .usage }
        switch loadBytecode(path, console: console) {
        case .success(let program):
            console.write(program.asm)
            return .success
        case .failure(let code):
            return code
        }
    }

    /// `tfe-vm run FILE [--input ...] [--out DIR] [--stats] [--stats-json FILE]`.
    public static func runRun(_ arguments: ParsedArguments, console: Console) -> ExitCode {
        // Networked run (NetworkRun.swift): with --config, this process plays only the --player party.
        if let code = NetworkRun.runIfRequested(arguments, console: console) { return code }
        guard let path = arguments.argument("program") else { return .usage }
        let program: Program, source: SourceFile?
        // A model, ONNX or GraphDef (ImportCommand.swift), is imported in memory and brings the owner's weights.
        var weights: (owner: String, inputs: [String: NPYArray])?
        let loaded = ImportCommand.isModel(path) ? ImportCommand.loadModel(path, arguments, console: console)
            : loadProgramAndSource(path, arguments, console: console).map { ($0.program, $0.source, nil) }
        switch loaded {
        case .success(let loaded): (program, source, weights) = loaded
        case .failure(let code): return code
        }
        var inputs: [PlayerID: [String: NPYArray]]
        switch readInputs(arguments.values("--input"), program: program, arguments: arguments, console: console) {
        case .success(let read): inputs = read
        case .failure(let code): return code
        }
        if let weights, let owner = program.players.firstIndex(of: weights.owner) {
            for (name, array) in weights.inputs.sorted(by: { $0.key < $1.key }) {
                guard inputs[PlayerID(owner)]?[name] == nil else {
                    console.writeError(givenTwice(name, of: weights.owner, in: path, and: "an --input"))
                    return .failure
                }
                inputs[PlayerID(owner), default: [:]][name] = array
            }
        }
        var options = LocalRunOptions()
        if let seed = arguments.value("--seed") {
            guard let value = UInt64(seed) else {
                console.writeError(arguments.command.failure(.malformedValue(seed, option: "--seed <n>",
                                                                             expected: "an unsigned integer")).rendered)
                return .usage
            }
            options.seed = value
            console.writeError("tfe-vm: warning: --seed makes every share and mask predictable; use it for tests only\n")
        }
        if let timeout = arguments.value("--timeout") {
            guard let seconds = Double(timeout), seconds > 0, seconds <= 86_400 else {
                console.writeError(arguments.command.failure(.malformedValue(timeout, option: "--timeout <seconds>",
                                                                             expected: "a positive number of seconds")).rendered)
                return .usage
            }
            options.receiveTimeout = .milliseconds(Int(seconds * 1000))
        }
        switch SimulatedNetwork.model(arguments) {
        case .success(let model): options.network = model
        case .failure(let error):
            console.writeError(arguments.command.failure(error).rendered)
            return .usage
        }
        if let state = arguments.value("--state") {
            guard checkStateDirectory(state, console: console) else { return .failure }
            options.stateDirectory = state
        }
        guard OutputDestinations.check(arguments, players: receivers(in: program), console: console) else {
            return .failure
        }
        options.tracing = arguments.value("--trace") != nil
        var rangeChecker: RangeChecker?
        if arguments.isSet(CheckRanges.name) {
            // It adds server0's and server1's registers: two of the three shares under a replicated sharing.
            if program.protocolKind.definition.isReplicated {
                console.writeError("tfe-vm: error: --check-ranges does not support protocol "
                    + "'\(program.protocolKind.rawValue)' yet: run the program under 'protocol pond' to check "
                    + "its ranges\n")
                return .failure
            }
            console.writeError(CheckRanges.notice)
            rangeChecker = RangeChecker(program: program)
            options.observer = rangeChecker
        }
        let players = program.players.enumerated().map { "\($0.element)" }.joined(separator: ", ")
        console.writeError("tfe-vm: running \(program.name) (\(program.protocolKind.rawValue)) with players \(players)\n")
        if let model = options.network { console.writeError("tfe-vm: simulating a network: \(model)\n") }
        let result: LocalRunResult
        let clock = ContinuousClock()
        let start = clock.now
        let progress = ProgressDisplay(console: console, names: program.players)
        options.progress = progress?.machines ?? []
        progress?.start()
        do {
            result = try LocalRun.run(program, inputs: inputs, options: options)
            progress?.finish()
        } catch {
            progress?.finish()
            let reported = CheckRanges.report(rangeChecker, error, program: program, source: source, console: console)
            if !reported { console.writeError("tfe-vm: error: \(describe(error, in: program))\n") }
            return .failure
        }
        _ = CheckRanges.report(rangeChecker, nil, program: program, source: source, console: console)
        for party in result.parties {
            for line in party.printed { console.write("[\(program.players[party.party.rawValue])] \(line)\n") }
        }
        // Outputs, --stats-json and --trace: all written, or none.
        var files = FileTransaction()
        if let directory = arguments.value("--out") {
            addOutputs(result.parties.map { ($0.party, $0.outputs) }, program: program, directory: directory,
                       to: &files)
        }
        if let statsPath = arguments.value("--stats-json") {
            files.add(Data(result.cost.json(players: program.players).utf8), at: statsPath)
        }
        if let tracePath = arguments.value("--trace") {
            var events: [PlayerID: [TraceEvent]] = [:]
            for party in result.parties { events[party.party] = party.trace }
            files.add(Data(ChromeTrace.json(events, program: program).utf8), at: tracePath)
        }
        let code = write(files, console: console)
        guard code == .success else { return code }
        let elapsed = clock.now - start
        console.write(summary(result, program: program, outputDirectory: arguments.value("--out"),
                              stateDirectory: options.stateDirectory, wallTime: elapsed))
        if arguments.isSet("--stats") { console.write(stats(result, program: program)) }
        if arguments.isSet("--stats"), let model = options.network {
            console.write(String(format: "  simulated network (\(model)): %.3f s at least, %.3f s measured\n",
                                 (model.criticalPath(of: program).duration).inSeconds, elapsed.inSeconds))
        }
        return .success
    }

    /// `--state DIR` must be a directory this user can write in, or one it can create (0700, as the servers
    /// would when they store): checked before anything runs, so a typo or an unwritable place costs no run and
    /// no failed store (`tfe-vm player` checks the same way).
    static func checkStateDirectory(_ path: String, console: Console) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            console.writeError("tfe-vm: error: --state \(path): not a directory\n")
            return false
        }
        do throws(MachineError) {
            try StateWrites.checkDirectory(atPath: path)
        } catch {
            console.writeError("tfe-vm: error: \(error)\n")
            return false
        }
        return true
    }

    // MARK: - Loading

    enum Loaded<Value> {
        case success(Value)
        case failure(ExitCode)

        func map<Other>(_ transform: (Value) -> Other) -> Loaded<Other> {
            switch self {
            case .success(let value): return .success(transform(value))
            case .failure(let code): return .failure(code)
            }
        }
    }

    static func loadProgram(_ path: String, _ arguments: ParsedArguments, console: Console) -> Loaded<Program> {
        switch loadProgramAndSource(path, arguments, console: console) {
        case .success(let loaded): return .success(loaded.program)
        case .failure(let code): return .failure(code)
        }
    }

    /// `loadProgram`, with the source a `.tfe` program was compiled from (nil for bytecode), for diagnostics
    /// that point into it.
    static func loadProgramAndSource(_ path: String, _ arguments: ParsedArguments, console: Console)
        -> Loaded<(program: Program, source: SourceFile?)>
    {
        guard path.hasSuffix(".tfe") else {
            if !arguments.values("-D").isEmpty {
                console.writeError(arguments.command.failure(.malformedValue(
                    arguments.values("-D")[0], option: "-D <name=value>",
                    expected: "a .tfe source to apply it to; '\(path)' is already compiled")).rendered)
                return .failure(.usage)
            }
            switch loadBytecode(path, console: console) {
            case .success(let program): return .success((program, nil))
            case .failure(let code): return .failure(code)
            }
        }
        guard let bytes = CompileCommand.readFile(path, tool: "tfe-vm", console: console) else {
            return .failure(.failure)
        }
        return compileSource(SourceFile(path: path, bytes: bytes), arguments, console: console)
    }

    /// Compiles a `.tfe` source with the run's `-D` and `-O0`, printing its diagnostics.
    static func compileSource(_ source: SourceFile, _ arguments: ParsedArguments, console: Console)
        -> Loaded<(program: Program, source: SourceFile?)>
    {
        let path = source.path
        var overrides: [String: Int] = [:]
        for define in arguments.values("-D") {
            let parts = define.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]) else {
                console.writeError(arguments.command.failure(.malformedValue(
                    define, option: "-D <name=value>", expected: "NAME=INTEGER, as in -D batch=100")).rendered)
                return .failure(.usage)
            }
            overrides[parts[0]] = value
        }
        let options = CompilerOptions(check: CheckOptions(overrides: overrides), optimize: !arguments.isSet("-O0"))
        let result = Compiler.compile(source, options: options)
        let code = CompileCommand.report(result.diagnostics, source, console)
        guard code == .success, let program = result.program else { return .failure(.failure) }
        let input = CompileCommand.Input(path: path, source: source, overrides: overrides)
        if let code = CompileCommand.rejectUnusedOverrides(input, result.frontend, arguments, console) {
            return .failure(code)
        }
        return .success((program, source))
    }

    static func loadBytecode(_ path: String, console: Console) -> Loaded<Program> {
        guard let bytes = CompileCommand.readFile(path, tool: "tfe-vm", console: console) else {
            return .failure(.failure)
        }
        do {
            let program = try Program.decode(bytes)
            try Verifier.verify(program)
            return .success(program)
        } catch {
            console.writeError("tfe-vm: error: \(path): \(error)\n")
            return .failure(.failure)
        }
    }

    /// `--input client:x=x.npy` and `--input model_owner=weights.npz`, grouped by player. An input given twice
    /// (by two `--input`s, or by one and an archive's member) is refused, naming both files.
    static func readInputs(_ specs: [String], program: Program, arguments: ParsedArguments, console: Console)
        -> Loaded<[PlayerID: [String: NPYArray]]>
    {
        var inputs: [PlayerID: [String: NPYArray]] = [:]
        /// The file each input came from.
        var sources: [PlayerID: [String: String]] = [:]
        for spec in specs {
            guard let equal = spec.firstIndex(of: "="), equal != spec.startIndex else {
                console.writeError(arguments.command.failure(.malformedValue(
                    spec, option: "--input <player:name=file.npy>",
                    expected: "PLAYER:NAME=FILE.npy or PLAYER=FILE.npz")).rendered)
                return .failure(.usage)
            }
            let target = String(spec[..<equal]), path = String(spec[spec.index(after: equal)...])
            let parts = target.split(separator: ":", maxSplits: 1).map(String.init)
            guard let playerIndex = program.players.firstIndex(of: parts[0]) else {
                let hint = Suggestion.closest(to: parts[0], in: program.players).map { "; did you mean '\($0)'?" } ?? ""
                console.writeError("tfe-vm: error: --input \(spec): \(program.name) has no player '\(parts[0])'\(hint)\n")
                return .failure(.failure)
            }
            let player = PlayerID(playerIndex)
            if parts.count == 2, let earlier = sources[player]?[parts[1]] {
                console.writeError(givenTwice(parts[1], of: parts[0], in: earlier, and: path))
                return .failure(.failure)
            }
            guard let bytes = CompileCommand.readFile(path, tool: "tfe-vm", console: console) else {
                return .failure(.failure)
            }
            let members: [(name: String, array: NPYArray)]
            do throws(NPYError) {
                let data = Data(bytes)
                members = parts.count == 2 ? [(parts[1], try NPY.read(data))] : try NPZ.read(data)
            } catch {
                console.writeError("tfe-vm: error: \(path) (input of '\(parts[0])'): \(error)\n")
                return .failure(.failure)
            }
            for member in members {
                if let earlier = sources[player]?[member.name] {
                    console.writeError(givenTwice(member.name, of: parts[0], in: earlier, and: path))
                    return .failure(.failure)
                }
                inputs[player, default: [:]][member.name] = member.array
                sources[player, default: [:]][member.name] = path
            }
        }
        return .success(inputs)
    }

    /// `tfe-vm: error: input 'x' of 'client' is given twice, in a.npy and in b.npz`.
    static func givenTwice(_ name: String, of player: String, in first: String, and second: String) -> String {
        "tfe-vm: error: input '\(name)' of '\(player)' is given twice, in \(first) and in \(second)\n"
    }

    // MARK: - Results

    /// Each party's outputs, added to `files` as `DIR/PLAYER/NAME.npy`.
    static func addOutputs(
        _ outputs: [(party: PlayerID, outputs: [String: OutputValue])], program: Program, directory: String,
        to files: inout FileTransaction
    ) {
        for (party, values) in outputs {
            let player = program.players[party.rawValue]
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                files.add(NPY.encode(value.array), at: "\(directory)/\(player)/\(name).npy", makingDirectories: true)
            }
        }
    }

    /// Writes a run's files all or none (`FileTransaction`), or prints why not.
    static func write(_ files: FileTransaction, console: Console) -> ExitCode {
        do throws(FileTransaction.Failure) {
            try files.commit()
            return .success
        } catch {
            console.writeError("tfe-vm: error: \(error.message)\n")
            return .failure
        }
    }

    /// The players whose outputs a run writes under `--out` (only those among `parties`, when given).
    static func receivers(in program: Program, among parties: Set<PlayerID>? = nil) -> [String] {
        let players = Set(program.outputs.map(\.player)).filter { parties?.contains($0) ?? true }
        return players.sorted().map { program.players[$0.rawValue] }
    }

    static func summary(
        _ result: LocalRunResult, program: Program, outputDirectory: String?, stateDirectory: String? = nil,
        wallTime: Duration
    ) -> String {
        let megabytes = Double(result.cost.totalBytes) / 1_000_000
        var text = "ran \(program.name): \(result.cost.rounds[.online] ?? 0) online rounds, "
            + "\(result.cost.rounds[.offline] ?? 0) offline, "
            + String(format: "%.3f MB sent, %.3f s\n", megabytes, wallTime.inSeconds)
        for party in result.parties {
            for (name, value) in party.outputs.sorted(by: { $0.key < $1.key }) {
                let player = program.players[party.party.rawValue]
                let place = outputDirectory.map { " -> \($0)/\(player)/\(name).npy" } ?? ""
                text += "  \(player) received '\(name)' \(value.shape)\(place)\n"
            }
        }
        let stored = result.parties.first { $0.stateWrites != nil }?.stateWrites?.names ?? []
        if !stored.isEmpty, let directory = stateDirectory {
            text += "  the servers stored \(stored.map { "'\($0)'" }.joined(separator: ", ")) in "
                + "\(directory)/{server0,server1,server2}\n"
        }
        return text
    }

    static func stats(_ result: LocalRunResult, program: Program) -> String {
        var lines = ["measured:"]
        for phase in [Phase.offline, .online] {
            lines.append("  \(phase.rawValue): \(result.cost.rounds[phase] ?? 0) rounds, "
                         + "\(result.cost.bytes(in: phase)) bytes, "
                         + String(format: "%.3f s", (result.phaseTimes[phase] ?? .zero).inSeconds))
        }
        for link in result.cost.bytes.keys.sorted() {
            lines.append("  \(program.players[link.from.rawValue]) -> \(program.players[link.to.rawValue]) "
                         + "(\(link.phase.rawValue)): \(result.cost.bytes[link]!) bytes")
        }
        let predicted = CostModel.cost(of: program)
        lines.append(predicted == result.cost ? "  equal to the compiler's prediction"
                     : "  DIFFERENT from the compiler's prediction (\(predicted.totalBytes) bytes)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A failed run: the failing party's error, with the instruction's source location when known.
    static func describe(_ error: LocalRunError, in program: Program) -> String {
        var text = error.description
        if let index = error.error.instruction, program.locations.indices.contains(index) {
            let location = program.locations[index]
            if location.line > 0 { text += " (at \(program.name):\(location.line):\(location.column))" }
        }
        return text
    }
}

/// The `tfe-vm` tool.
public enum TfeVM {
    public static let tool = ToolSpec(
        name: "tfe-vm", overview: "The tfe virtual machine: runs compiled programs over secret shares.",
        version: Tfec.version,
        // Long-running parties (PlayerCommand.swift); their TLS certificates (CertsCommand.swift).
        subcommands: [RunCommand.runSpec, PlayerCommand.spec, RunCommand.disSpec, CertsCommand.spec])

    public static func main(_ arguments: [String], console: Console) -> ExitCode {
        tool.run(arguments, console: console) { parsed, console in
            switch parsed.command.name {
            case "dis": return RunCommand.runDis(parsed, console: console)
            case "certs": return CertsCommand.run(parsed, console: console)
            default: break
            }
            // The commands that compute: refuse a TFE_MATMUL_KERNEL this process cannot honour.
            if let problem = MatmulKernel.environmentProblem {
                console.writeError("tfe-vm: error: \(problem)\n")
                return .failure
            }
            if parsed.command.name == "player" {
                return PlayerCommand.run(parsed, console: console)
            }
            return RunCommand.runRun(parsed, console: console)
        }
    }
}
