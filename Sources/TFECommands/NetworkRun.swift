import Foundation
import TFEBytecode
import TFECore
import TFENet
import TFENumPy
import TFERuntime

/// `tfe-vm run FILE --config config.json --player NAME --certs DIR [--input ...] [--out DIR]`: this process
/// plays one party of a networked run, as MP-SPDZ's parties do; the other parties run the same command elsewhere.
///
/// It reads and checks only its own inputs, connects to every other party over TLS (`TCPTransport`; plain TCP
/// only with `--insecure`), runs its `Machine`, and writes only its own outputs, after the run succeeded. A
/// failure ends the process with exit code 1 and one message naming the party at fault; the others are told (an
/// abort notice) and stop too. A bad input is described only here: the others learn that this party's inputs
/// did not pass their checks, never which input, where, or why.
enum NetworkRun {
    /// Runs the networked mode when `--config` is given; usage error when `--player` or
    /// `--connect-timeout` come without it; nil for a local run.
    static func runIfRequested(_ arguments: ParsedArguments, console: Console) -> ExitCode? {
        guard arguments.value("--config") != nil else {
            for option in ["--player", "--connect-timeout", "--certs"] where arguments.value(option) != nil {
                let label = option == "--player" ? "--player <name>"
                    : option == "--certs" ? "--certs <dir>" : "--connect-timeout <seconds>"
                return usage(arguments, .malformedValue(
                    arguments.value(option)!, option: label, expected: "--config <config.json> as well"), console)
            }
            if arguments.isSet("--insecure") {
                return usage(arguments, .requiresOption(
                    "--insecure", required: "--config", reason: "a local run has no network to secure"), console)
            }
            return nil
        }
        if arguments.isSet(CheckRanges.name) { return usage(arguments, CheckRanges.networkedRun, console) }
        for option in [SimulatedNetwork.rttOption, SimulatedNetwork.bandwidthOption] {
            guard let value = arguments.value(option) else { continue }
            let label =
                option == SimulatedNetwork.rttOption ? SimulatedNetwork.rttLabel : SimulatedNetwork.bandwidthLabel
            return usage(arguments, .malformedValue(
                value, option: label, expected: "a local run: with --config the network is real"), console)
        }
        return run(arguments, console: console)
    }

    static func run(_ arguments: ParsedArguments, console: Console) -> ExitCode {
        guard let path = arguments.argument("program"), let configPath = arguments.value("--config") else {
            return .usage
        }
        guard let playerName = arguments.value("--player") else {
            return usage(arguments, .missingArgument("--player <name>"), console)
        }
        if let problem = ChannelOptions.checkChoice(arguments) { return usage(arguments, problem, console) }
        var seconds: [String: Double] = [:]
        for option in ["--timeout", "--connect-timeout"] {
            guard let text = arguments.value(option) else { continue }
            guard let value = Double(text), value > 0, value <= 86_400 else {
                return usage(arguments, .malformedValue(
                    text, option: "\(option) <seconds>", expected: "a positive number of seconds"), console)
            }
            seconds[option] = value
        }
        var seed: UInt64?
        if let text = arguments.value("--seed") {
            guard let value = UInt64(text) else {
                return usage(arguments, .malformedValue(text, option: "--seed <n>", expected: "an unsigned integer"),
                             console)
            }
            guard arguments.isSet("--insecure") else {
                return usage(arguments, .requiresOption(
                    "--seed", required: "--insecure", reason: "fixed randomness makes every share and mask "
                        + "predictable, so a networked run with it is for tests on a trusted network only"), console)
            }
            seed = value
        }

        // The program, this party, the host map and this party's own inputs: all checked before connecting.
        let program: Program
        switch RunCommand.loadProgram(path, arguments, console: console) {
        case .success(let loaded): program = loaded
        case .failure(let code): return code
        }
        guard let index = program.players.firstIndex(of: playerName) else {
            let hint = Suggestion.closest(to: playerName, in: program.players).map { "; did you mean '\($0)'?" } ?? ""
            console.writeError("tfe-vm: error: --player \(playerName): \(program.name) has no player "
                               + "'\(playerName)'\(hint)\n")
            return .failure
        }
        let me = PlayerID(index)
        if let state = arguments.value("--state"), !RunCommand.checkStateDirectory(state, console: console) {
            return .failure
        }
        let receivers = RunCommand.receivers(in: program, among: [me])
        guard OutputDestinations.check(arguments, players: receivers, console: console) else { return .failure }
        let addresses: [HostAddress]
        do {
            addresses = try HostMap.load(path: configPath).addresses(for: program.players)
        } catch {
            console.writeError("tfe-vm: error: \(error)\n")
            return .failure
        }
        let specs = arguments.values("--input")
        for spec in specs {
            let target = spec.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            let owner = target.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            if owner != playerName, program.players.contains(owner) {
                console.writeError("tfe-vm: error: --input \(spec): this process plays '\(playerName)'; "
                                   + "give each party only its own inputs\n")
                return .failure
            }
        }
        let inputs: [String: NPYArray]
        switch RunCommand.readInputs(specs, program: program, arguments: arguments, console: console) {
        case .success(let read): inputs = read[me] ?? [:]
        case .failure(let code): return code
        }
        let security: ChannelSecurity
        switch ChannelOptions.security(arguments, party: playerName, console: console) {
        case .success(let loaded): security = loaded
        case .failure(let code): return code
        }
        let randomness: PRG
        if let seed {
            randomness = PRG(seed: Seed(fixed: seed), stream: UInt64(me.rawValue))
        } else {
            do {
                randomness = try MachineConfiguration.freshRandomness()
            } catch {
                console.writeError("tfe-vm: error: \(playerName): \(error)\n")
                return .failure
            }
        }

        // This party's inputs are checked before anything is sent. When they fail, the reason stays on this
        // terminal; the others are told only that this party's inputs did not pass their checks.
        var inputProblem: MachineError?
        do throws(MachineError) {
            try Machine.checkInputs(inputs, of: me, in: program)
        } catch {
            console.writeError("tfe-vm: error: \(playerName): \(error)\n")
            inputProblem = error
        }

        // Connecting.
        var options = TCPTransportOptions(security: security)
        if let connect = seconds["--connect-timeout"] { options.connectTimeout = .milliseconds(Int(connect * 1000)) }
        let receiveTimeout = Duration.milliseconds(Int((seconds["--timeout"] ?? 30) * 1000))
        options.sendTimeout = receiveTimeout
        console.writeError("tfe-vm: \(playerName): running \(program.name) (\(program.protocolKind.rawValue)) "
                           + "as \(playerName) of \(program.players.joined(separator: ", ")); "
                           + "\(playerName) is \(addresses[index])\n")
        let clock = ContinuousClock()
        let start = clock.now
        let transport: TCPTransport
        do {
            transport = try TCPTransport.connect(program: program, player: me, addresses: addresses, options: options)
        } catch {
            console.writeError("tfe-vm: error: \(playerName): \(error)\n")
            return .failure
        }
        defer { transport.close() }
        if let inputProblem {
            transport.stop(after: inputProblem)
            return .failure
        }
        console.writeError("tfe-vm: \(playerName): connected to the \(program.players.count - 1) other parties in "
                           + String(format: "%.3f s\n", (clock.now - start).inSeconds))
        for ignored in transport.ignoredConnections {
            console.writeError("tfe-vm: \(playerName): ignored a connection from \(ignored)\n")
        }

        // Running.
        var configuration = MachineConfiguration(
            program: program, party: me, inputs: inputs, transport: transport, randomness: randomness,
            receiveTimeout: receiveTimeout, stateDirectory: arguments.value("--state"))
        configuration.tracing = arguments.value("--trace") != nil
        let progress = ProgressDisplay(console: console, names: [playerName])
        configuration.progress = progress?.machines.first
        var machine = Machine(configuration)
        let result: PartyResult
        do {
            // Stored state first: the servers hold the same store of everything the program loads.
            try transport.agreeOnLoads(
                program: program, stateDirectory: arguments.value("--state"), timeout: receiveTimeout)
            progress?.start()
            result = try machine.run()
            progress?.finish()
            // Then a store is all or nothing: every server prepares, then commits.
            try transport.agreeOnStores(program: program, writes: result.stateWrites, timeout: receiveTimeout)
        } catch {
            progress?.finish()
            transport.stop(after: error)
            let failure = LocalRunError(party: me, partyName: playerName, error: error)
            console.writeError("tfe-vm: error: \(RunCommand.describe(failure, in: program))\n")
            return .failure
        }
        transport.finish()
        let elapsed = clock.now - start
        let traffic = transport.traffic

        // Results: printed lines, then the files (written only now that the run succeeded, all or none), then the
        // summary.
        for line in result.printed { console.write("[\(playerName)] \(line)\n") }
        let directory = arguments.value("--out")
        var files = FileTransaction()
        if let directory {
            RunCommand.addOutputs([(me, result.outputs)], program: program, directory: directory, to: &files)
        }
        if let statsPath = arguments.value("--stats-json") {
            files.add(Data(traffic.cost.json(players: program.players).utf8), at: statsPath)
        }
        if let tracePath = arguments.value("--trace") {
            files.add(Data(ChromeTrace.json([me: result.trace], program: program).utf8), at: tracePath)
        }
        let code = RunCommand.write(files, console: console)
        guard code == .success else { return code }
        console.write(
            summary(result, traffic: traffic, program: program, outputDirectory: directory, wallTime: elapsed))
        if arguments.isSet("--stats") { console.write(stats(result, traffic: traffic, program: program)) }
        return .success
    }

    // MARK: - Reporting

    static func summary(
        _ result: PartyResult, traffic: Traffic, program: Program, outputDirectory: String?, wallTime: Duration
    ) -> String {
        let player = program.players[result.party.rawValue]
        var text = "ran \(program.name) as \(player): \(result.rounds[.online] ?? 0) online rounds, "
            + "\(result.rounds[.offline] ?? 0) offline, "
            + "\(amount(traffic.totalSent)) sent, \(amount(traffic.totalReceived)) received, "
            + String(format: "%.3f s\n", wallTime.inSeconds)
        for (name, value) in result.outputs.sorted(by: { $0.key < $1.key }) {
            let place = outputDirectory.map { " -> \($0)/\(player)/\(name).npy" } ?? ""
            text += "  \(player) received '\(name)' \(value.shape)\(place)\n"
        }
        if let writes = result.stateWrites {
            text += "  \(player) stored \(writes.names.map { "'\($0)'" }.joined(separator: ", ")) in \(writes.directory)\n"
        }
        return text
    }

    /// This party's links, measured, against the compiler's prediction for the same links.
    static func stats(_ result: PartyResult, traffic: Traffic, program: Program) -> String {
        let me = result.party
        var lines = ["measured (\(program.players[me.rawValue])'s links):"]
        for phase in [Phase.offline, .online] {
            let sent = traffic.sent.filter { $0.key.phase == phase }.values.reduce(0, +)
            let received = traffic.received.filter { $0.key.phase == phase }.values.reduce(0, +)
            lines.append("  \(phase.rawValue): \(result.rounds[phase] ?? 0) rounds, \(sent) bytes sent, "
                         + "\(received) bytes received, "
                         + String(format: "%.3f s", (result.phaseTimes[phase] ?? .zero).inSeconds))
        }
        let measured = traffic.sent.merging(traffic.received) { a, _ in a }
        for link in measured.keys.sorted() {
            lines.append("  \(program.players[link.from.rawValue]) -> \(program.players[link.to.rawValue]) "
                         + "(\(link.phase.rawValue)): \(measured[link]!) bytes")
        }
        let predicted = CostModel.cost(of: program).bytes.filter { $0.key.from == me || $0.key.to == me }
        lines.append(predicted == measured ? "  equal to the compiler's prediction"
                     : "  DIFFERENT from the compiler's prediction")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `960 bytes` below a megabyte, `12.345 MB` from there.
    static func amount(_ bytes: Int) -> String {
        bytes < 1_000_000 ? "\(bytes) bytes" : String(format: "%.3f MB", Double(bytes) / 1_000_000)
    }

    private static func usage(_ arguments: ParsedArguments, _ error: UsageError, _ console: Console) -> ExitCode {
        console.writeError(arguments.command.failure(error).rendered)
        return .usage
    }
}
