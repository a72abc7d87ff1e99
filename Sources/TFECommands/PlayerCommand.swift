import Foundation
import TFEBytecode
import TFENet
import TFERuntime

/// `tfe-vm player NAME --config config.json --certs DIR [--state DIR] [--allow HASH ...] [--allow-any]`: a
/// long-running party, as TF Encrypted's servers are. It serves the runs other parties start with `tfe-vm run FILE
/// --config config.json --player THEIRS`, one after another, and keeps serving after a failed run; it runs
/// only the programs it allows, and logs one line per run (program, the party that started it, rounds,
/// bytes, time) on stderr. See `PlayerService` for the protocol.
public enum PlayerCommand {
    public static let spec = CommandSpec(
        tool: "tfe-vm", name: "player", overview: "Serve the runs other parties start, one after another.",
        arguments: [ArgumentSpec("name", help: "The party this process plays, as named in config.json.")],
        options: [
            .option("--config", value: "config.json", help: "The host map; this party listens on its address.",
                    required: true),
            .option("--allow", value: "hash", help: "Run the program with this content hash (or of this .tfeb).",
                    repeatable: true),
            .flag("--allow-any", help: "Run any program that verifies (for development)."),
            .option("--state", value: "dir", help: "This party's state directory (for cached models)."),
            .option("--timeout", value: "seconds", help: "How long a run waits for a message.", defaultText: "30"),
            .option("--connect-timeout", value: "seconds", help: "How long a run may take to connect.",
                    defaultText: "30"),
            .option("--runs", value: "n", help: "Stop after this many runs (for tests).", hidden: true),
            ChannelOptions.certs,
            ChannelOptions.insecure,
        ])

    public static func run(_ arguments: ParsedArguments, console: Console) -> ExitCode {
        guard let name = arguments.argument("name"), let configPath = arguments.value("--config") else {
            return .usage
        }
        if let problem = ChannelOptions.checkChoice(arguments) { return usage(arguments, problem, console) }
        if arguments.isSet("--allow-any"), arguments.value("--state") != nil {
            return usage(arguments, .conflictingOptions(
                "--allow-any", "--state", reason: "with stored models, any party allowed to start a run could have "
                    + "a program send it a stored value; allow only your programs with --allow"), console)
        }
        var options = PlayerServiceOptions(
            transport: TCPTransportOptions(security: .insecure), allowAny: arguments.isSet("--allow-any"))
        for option in ["--timeout", "--connect-timeout"] {
            guard let text = arguments.value(option) else { continue }
            guard let seconds = Double(text), seconds > 0, seconds <= 86_400 else {
                return usage(arguments, .malformedValue(
                    text, option: "\(option) <seconds>", expected: "a positive number of seconds"), console)
            }
            let duration = Duration.milliseconds(Int(seconds * 1000))
            if option == "--timeout" {
                options.receiveTimeout = duration
                options.transport.sendTimeout = duration
            } else {
                options.transport.connectTimeout = duration
            }
        }
        if let text = arguments.value("--runs") {
            guard let runs = Int(text), runs > 0 else {
                return usage(arguments, .malformedValue(text, option: "--runs <n>", expected: "a positive integer"),
                             console)
            }
            options.maxRuns = runs
        }
        for value in arguments.values("--allow") {
            switch allowedHash(value, arguments: arguments, console: console) {
            case .success(let hash): options.allowed.insert(hash)
            case .failure(let code): return code
            }
        }
        if options.allowed.isEmpty && !options.allowAny {
            return usage(arguments, .missingArgument("--allow <hash>' or '--allow-any"), console)
        }
        if let state = arguments.value("--state") {
            // It exists or is made now (0700, as the files in it are 0600), and this user can write in it.
            guard RunCommand.checkStateDirectory(state, console: console) else { return .failure }
            options.stateDirectory = state
        }
        switch ChannelOptions.security(arguments, party: name, console: console) {
        case .success(let security): options.transport.security = security
        case .failure(let code): return code
        }

        let service: PlayerService
        do {
            let hostMap = try HostMap.load(path: configPath)
            guard hostMap.addresses[name] != nil else {
                console.writeError("tfe-vm: error: \(HostMapError.missingParty(file: hostMap.source, party: name))\n")
                return .failure
            }
            service = try PlayerService(name: name, hostMap: hostMap, options: options)
        } catch {
            console.writeError("tfe-vm: error: \(name): \(error)\n")
            return .failure
        }
        _ = service.serve { event in console.writeError("tfe-vm: \(name): \(event)\n") }
        return .success
    }

    /// `--allow`: 64 hex digits, or a bytecode file whose hash to allow.
    static func allowedHash(_ value: String, arguments: ParsedArguments, console: Console)
        -> RunCommand.Loaded<String>
    {
        if value.count == 64, value.allSatisfy(\.isHexDigit) { return .success(value.lowercased()) }
        guard FileManager.default.fileExists(atPath: value) else {
            console.writeError(arguments.command.failure(.malformedValue(
                value, option: "--allow <hash>", expected: "a program's content hash (64 hex digits) or a .tfeb file"))
                .rendered)
            return .failure(.usage)
        }
        switch RunCommand.loadBytecode(value, console: console) {
        case .success(let program): return .success(program.contentHash)
        case .failure(let code): return .failure(code)
        }
    }

    private static func usage(_ arguments: ParsedArguments, _ error: UsageError, _ console: Console) -> ExitCode {
        console.writeError(arguments.command.failure(error).rendered)
        return .usage
    }
}
