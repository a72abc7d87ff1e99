// Every party of a program in one process: a thread each, over a `LocalNetwork`.

import Foundation
import TFEBytecode
import TFECore
import TFENumPy

/// Settings of a local run.
public struct LocalRunOptions: Sendable {
    /// A fixed seed makes the run reproducible (party p's randomness is stream p of `Seed(fixed:)`); nil
    /// draws every party's randomness from the operating system.
    public var seed: UInt64?
    /// How long a party waits for a frame before giving up.
    public var receiveTimeout: Duration
    /// A simulated network whose latency and bandwidth every frame pays; nil delivers frames at once.
    public var network: NetworkModel?
    /// Where the servers keep stored values: each in the subdirectory named after it (`DIR/server0`, ...).
    public var stateDirectory: String?
    /// Record every party's trace events (`PartyResult.trace`).
    public var tracing = false
    /// Where each party reports how far it got, indexed by `PlayerID`; empty for no progress display.
    public var progress: [MachineProgress] = []
    /// Watches every party's instructions (`--check-ranges`): possible only here, where one process holds
    /// every share.
    public var observer: (any MachineObserver)?

    public init(
        seed: UInt64? = nil, receiveTimeout: Duration = .seconds(30), network: NetworkModel? = nil,
        stateDirectory: String? = nil
    ) {
        self.seed = seed
        self.receiveTimeout = receiveTimeout
        self.network = network
        self.stateDirectory = stateDirectory
    }

    /// A server's own state directory.
    func stateDirectory(of player: String) -> String? {
        stateDirectory.map { URL(fileURLWithPath: $0, isDirectory: true).appendingPathComponent(player).path }
    }
}

/// What a local run produced.
public struct LocalRunResult: Sendable {
    /// Every party's result, indexed by `PlayerID`.
    public var parties: [PartyResult]
    /// Rounds and bytes per link and phase, as measured on the network.
    public var cost: Cost
    /// Wall time per phase: the slowest party's.
    public var phaseTimes: [Phase: Duration]

    public subscript(player: PlayerID) -> PartyResult { parties[player.rawValue] }
}

/// The failure of a local run: the party whose error stopped it, and that error.
public struct LocalRunError: Error, Hashable, Sendable, CustomStringConvertible {
    public let party: PlayerID
    public let partyName: String
    public let error: MachineError

    public init(party: PlayerID, partyName: String, error: MachineError) {
        self.party = party
        self.partyName = partyName
        self.error = error
    }

    /// `server1: timed out after 30 s waiting for server0 in online round 3`.
    public var description: String { "\(partyName): \(error)" }
}

/// Runs all parties of a program in this process.
public enum LocalRun {
    /// Runs every party on its own thread with its inputs, and returns all results and the measured cost.
    ///
    /// When a party fails, the network is closed so that the others stop at once; the error reported is
    /// the first one that was not caused by that closing.
    public static func run(
        _ program: Program, inputs: [PlayerID: [String: NPYArray]], options: LocalRunOptions = LocalRunOptions()
    ) throws(LocalRunError) -> LocalRunResult {
        let players = program.players
        let network = LocalNetwork(players: players, model: options.network)
        for player in inputs.keys.sorted() where !players.indices.contains(player.rawValue) {
            let name = inputs[player]?.keys.sorted().first ?? ""
            throw LocalRunError(
                party: player, partyName: "player \(player.rawValue)",
                error: .unexpectedInput(player: "player \(player.rawValue)", name: name))
        }
        try checkStoredState(program, options: options)
        let outcomes = Outcomes(count: players.count)
        let group = DispatchGroup()
        for number in players.indices {
            let party = PlayerID(number)
            group.enter()
            let threadName = "tfe \(players[number])"
            let thread = Thread {
                defer { group.leave() }
                nameThisThread(threadName)
                let outcome = runParty(
                    party, program: program, inputs: inputs[party] ?? [:], network: network, options: options)
                // Recorded before the network closes, so the first failure recorded is never a consequence.
                outcomes.record(outcome, for: number)
                switch outcome {
                case .success:
                    network.leave(party)
                case .failure:
                    network.close(reason: "\(players[number]) failed")
                }
            }
            thread.name = threadName
            thread.start()
        }
        group.wait()
        let (results, failures) = outcomes.collect()
        if let (number, error) = failures.first(where: { !isConsequence($0.1) }) ?? failures.first {
            throw LocalRunError(party: PlayerID(number), partyName: players[number], error: error)
        }
        // Every party succeeded: only now do the servers keep what the run stored, all of them or none.
        try commitStores(results, players: players)
        var phaseTimes: [Phase: Duration] = [.offline: .zero, .online: .zero]
        for result in results {
            for (phase, time) in result.phaseTimes { phaseTimes[phase] = max(phaseTimes[phase] ?? .zero, time) }
        }
        return LocalRunResult(parties: results, cost: network.measuredCost, phaseTimes: phaseTimes)
    }

    /// Before anything runs: the three servers hold the same store of every value the program loads.
    private static func checkStoredState(_ program: Program, options: LocalRunOptions) throws(LocalRunError) {
        guard options.stateDirectory != nil, !StoredStateSummary.loadedNames(in: program).isEmpty else { return }
        let players = program.players
        var summaries: [PlayerID: StoredStateSummary] = [:]
        for server in [PlayerID.server0, .server1, .server2] {
            let name = players[server.rawValue]
            do throws(MachineError) {
                summaries[server] = try StoredStateSummary.read(
                    program: program, directory: options.stateDirectory(of: name)!)
            } catch {
                throw LocalRunError(party: server, partyName: name, error: error)
            }
        }
        if let (servers, error) = StoredStateSummary.mismatch(summaries, in: program) {
            throw LocalRunError(party: servers[0], partyName: players[servers[0].rawValue], error: error)
        }
    }

    /// The two steps of a store (`StateWrites`): every server prepares its files under one fresh store id;
    /// only when all have, each commits. A server that cannot prepare fails the run, naming it, and the
    /// others discard what they prepared.
    private static func commitStores(_ results: [PartyResult], players: [String]) throws(LocalRunError) {
        let storeID = StoreID.random()
        var prepared: [(party: PlayerID, writes: PreparedStateWrites)] = []
        for result in results {
            guard let writes = result.stateWrites else { continue }
            do throws(MachineError) {
                prepared.append((result.party, try writes.prepare(storeID: storeID)))
            } catch {
                for done in prepared { done.writes.discard() }
                throw LocalRunError(party: result.party, partyName: players[result.party.rawValue], error: error)
            }
        }
        for (index, (party, writes)) in prepared.enumerated() {
            do throws(MachineError) {
                try writes.commit()
            } catch {
                for later in prepared[(index + 1)...] { later.writes.discard() }
                throw LocalRunError(party: party, partyName: players[party.rawValue], error: error)
            }
        }
    }

    private static func runParty(
        _ party: PlayerID, program: Program, inputs: [String: NPYArray], network: LocalNetwork, options: LocalRunOptions
    ) -> Result<PartyResult, MachineError> {
        do throws(MachineError) {
            let randomness: PRG
            if let seed = options.seed {
                randomness = PRG(seed: Seed(fixed: seed), stream: UInt64(party.rawValue))
            } else {
                randomness = try MachineConfiguration.freshRandomness()
            }
            var configuration = MachineConfiguration(
                program: program, party: party, inputs: inputs, transport: network.transport(for: party),
                randomness: randomness, receiveTimeout: options.receiveTimeout,
                stateDirectory: options.stateDirectory(of: program.players[party.rawValue]))
            configuration.tracing = options.tracing
            if options.progress.indices.contains(party.rawValue) {
                configuration.progress = options.progress[party.rawValue]
            }
            configuration.observer = options.observer
            var machine = Machine(configuration)
            return .success(try machine.run())
        } catch {
            return .failure(error)
        }
    }

    /// Whether a party failed only because another one had already failed.
    private static func isConsequence(_ error: MachineError) -> Bool {
        switch error {
        case .transport(.closed), .transport(.disconnected): return true
        default: return false
        }
    }
}

/// Names the calling thread for the operating system (its first 15 bytes, through `/proc/thread-self/comm`, as
/// Glibc's `pthread_setname_np` is not visible from Swift), so that `perf`, `top -H` and debuggers tell the
/// parties apart: Foundation's `Thread.name` stays inside Foundation. Nothing happens where that file is missing.
private func nameThisThread(_ name: String) {
    #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    #endif
}

/// The parties' outcomes, in the order they finished.
private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [PartyResult?]
    private var failures: [(Int, MachineError)] = []

    init(count: Int) {
        results = Array(repeating: nil, count: count)
    }

    func record(_ outcome: Result<PartyResult, MachineError>, for number: Int) {
        lock.lock()
        defer { lock.unlock() }
        switch outcome {
        case .success(let result): results[number] = result
        case .failure(let error): failures.append((number, error))
        }
    }

    func collect() -> (results: [PartyResult], failures: [(Int, MachineError)]) {
        lock.lock()
        defer { lock.unlock() }
        return (results.enumerated().map { $0.element ?? PartyResult(party: PlayerID($0.offset)) }, failures)
    }
}
