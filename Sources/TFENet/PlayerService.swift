// A long-running party (`tfe-vm player NAME`): serves the runs that other parties start, one after another.

import Foundation
import TFEBytecode
import TFECore
import TFERuntime

/// Settings of a long-running player.
public struct PlayerServiceOptions: Sendable {
    /// Content hashes (lowercase hex) of the programs this player runs.
    public var allowed: Set<String>
    /// Run any program that verifies (for development).
    public var allowAny: Bool
    /// Connecting: `connectTimeout` bounds the setup of each run, from the first hello on;
    /// `handshakeTimeout` how long a new connection may take to say hello (and send the program).
    public var transport: TCPTransportOptions
    /// How long to wait for a peer's frame during a run.
    public var receiveTimeout: Duration
    /// Stop after this many runs (served or failed); nil serves until `stop()`.
    public var maxRuns: Int?
    /// Where this player keeps stored values (`store`/`load`: cached models); nil keeps none.
    public var stateDirectory: String?

    public init(
        transport: TCPTransportOptions, allowed: Set<String> = [], allowAny: Bool = false,
        receiveTimeout: Duration = .seconds(30), maxRuns: Int? = nil, stateDirectory: String? = nil
    ) {
        self.allowed = Set(allowed.map { $0.lowercased() })
        self.allowAny = allowAny
        self.transport = transport
        self.receiveTimeout = receiveTimeout
        self.maxRuns = maxRuns
        self.stateDirectory = stateDirectory
    }
}

/// One run a player took part in, for its log.
public struct ServedRun: Sendable {
    /// 1 for the first run this player served.
    public var number: Int
    public var programName: String
    /// The program's content hash, lowercase hex.
    public var hash: String
    /// The party whose connection started the run.
    public var requester: String
    /// This player's rounds (nil when the run failed before running).
    public var result: PartyResult?
    public var traffic = Traffic()
    /// From the first hello to the end of the run.
    public var elapsed: Duration = .zero
}

/// Why a serving player turned a run down; sent to the party that asked, and logged.
public enum Refusal: Hashable, Sendable, CustomStringConvertible {
    /// The program's hash is not among those given with `--allow`.
    case notAllowed(player: String, hash: String)
    /// The bytecode does not decode or verify, or its hash is not the one its hello announced.
    case invalidProgram(String)
    /// The program has no player of this name.
    case notAPlayer(player: String, program: String)
    /// The dialer is not a party of the program that may dial this one.
    case unexpectedRequester(requester: String, program: String)
    /// `config.json` lacks a party of the program.
    case hostMap(HostMapError)
    /// The dialer speaks another handshake or bytecode version.
    case incompatibleVersion(NetworkError)
    /// The dialer's certificate names another party than the one its hello claims to be.
    case impersonation(NetworkError)

    public var description: String {
        switch self {
        case .notAllowed(let player, let hash):
            return "program \(hash) is not allowed on \(player): start it with '--allow \(hash)' to run it"
        case .invalidProgram(let reason):
            return "the program does not verify: \(reason)"
        case .notAPlayer(let player, let program):
            return "\(program) has no player '\(player)'"
        case .unexpectedRequester(let requester, let program):
            return "\(program) has no player '\(requester)' numbered after this one"
        case .hostMap(let error):
            return "\(error)"
        case .incompatibleVersion(let error), .impersonation(let error):
            return "\(error)"
        }
    }
}

/// What a serving player did, one event per line of its log.
public enum PlayerEvent: Sendable, CustomStringConvertible {
    /// Ready: listening on `address`, running the programs `allowed` describes.
    case serving(address: String, allowed: String)
    case ran(ServedRun)
    case failed(ServedRun, reason: String)
    /// A request turned down before any run began.
    case refused(program: String?, hash: String, requester: String, address: String, reason: Refusal)
    /// A connection that was not a tfe party, or dropped before it said what it wanted.
    case ignored(address: String, reason: String)
    /// A connection turned away during the TLS handshake: a certificate either side refused, or no TLS.
    case rejected(address: String, reason: NetworkError)

    public var description: String {
        switch self {
        case .serving(let address, let allowed):
            return "serving runs on \(address); allowed: \(allowed)"
        case .ran(let run):
            let rounds = run.result?.rounds ?? [:]
            return "run \(run.number): ran \(run.programName) (\(run.hash.prefix(12))…) for \(run.requester): "
                + "\(rounds[.online] ?? 0) online rounds, \(rounds[.offline] ?? 0) offline, "
                + "\(Self.amount(run.traffic.totalSent)) sent, \(Self.amount(run.traffic.totalReceived)) received, "
                + String(format: "%.3f s", run.elapsed.inSeconds) + Self.stored(run.result?.stateWrites?.names ?? [])
        case .failed(let run, let reason):
            return "run \(run.number): \(run.programName) (\(run.hash.prefix(12))…) for \(run.requester) failed "
                + String(format: "after %.3f s: ", run.elapsed.inSeconds) + reason
        case .refused(let program, let hash, let requester, let address, let reason):
            let what = program.map { "\($0) (\(hash.prefix(12))…)" } ?? "program \(hash.prefix(12))…"
            return "refused \(what) from \(requester) at \(address): \(reason)"
        case .ignored(let address, let reason):
            return "ignored a connection from \(address): \(reason)"
        case .rejected(let address, let reason):
            return "refused a connection from \(address): \(reason)"
        }
    }

    static func stored(_ names: [String]) -> String {
        names.isEmpty ? "" : "; stored " + names.map { "'\($0)'" }.joined(separator: ", ")
    }

    static func amount(_ bytes: Int) -> String {
        bytes < 1_000_000 ? "\(bytes) bytes" : String(format: "%.3f MB", Double(bytes) / 1_000_000)
    }
}

/// A party that waits for runs: TF Encrypted's long-running servers, `tfe-vm player NAME --config FILE`.
///
/// It listens on its address from the host map. A party that runs a program (`tfe-vm run FILE --config
/// FILE --player NAME`) dials it as usual; when the hello names a program this player does not have, it
/// checks the hash against the allowed ones, asks the dialer for the bytecode (handshake kinds 4 and 5,
/// see `HandshakeMessage`), decodes and verifies it, and joins the run: it dials the lower-numbered
/// parties and accepts the higher-numbered ones as any party does, the dialer that brought the program
/// first. Every party dials the lower-numbered ones in ascending order, so by the time anyone reaches a
/// serving player, every party below it already takes part in the run; the highest-numbered party must
/// therefore be one that starts the run (`tfe-vm run`), such as the client.
///
/// Runs are served one after another; a connection that arrives during a run waits for the next. A failed
/// run, a refused request or garbage on the port is logged, and the player goes on listening. Programs are
/// kept by hash once verified, so a program runs again without being sent again.
public final class PlayerService: @unchecked Sendable {
    public let name: String
    public let hostMap: HostMap
    public let options: PlayerServiceOptions
    private let listener: TCPListener
    private let lock = NSLock()
    private var isStopped = false
    /// Verified, allowed programs by hash (only the serving thread touches it).
    private var programs: [String: Program] = [:]
    private var runs = 0
    /// How many verified programs are kept; with `--allow-any` anyone may send new ones.
    static let maxKeptPrograms = 16

    /// Listens on the address `hostMap` gives `name` (or on `listener`).
    public init(name: String, hostMap: HostMap, options: PlayerServiceOptions, listener: TCPListener? = nil)
        throws(NetworkError)
    {
        guard let address = hostMap.addresses[name] else {
            throw .system(HostMapError.missingParty(file: hostMap.source, party: name).description)
        }
        self.name = name
        self.hostMap = hostMap
        self.options = options
        if let listener {
            self.listener = listener
        } else {
            self.listener = try TCPListener.bind(address)
        }
    }

    /// The address it listens on.
    public var address: HostAddress { listener.address }

    /// Ends `serve` after the run in progress, if any (within a fraction of a second when idle).
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        isStopped = true
    }

    private var stopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return isStopped
    }

    /// Serves runs until `stop()` or `maxRuns`, reporting every event; returns the number of runs.
    public func serve(_ report: (PlayerEvent) -> Void) -> Int {
        defer { listener.close() }
        let allowed = options.allowAny ? "any program (--allow-any)"
            : options.allowed.isEmpty ? "no program (give --allow HASH)"
            : options.allowed.sorted().map { String($0.prefix(12)) + "…" }.joined(separator: ", ")
        report(.serving(address: listener.address.description, allowed: allowed))
        while !stopped, options.maxRuns.map({ runs < $0 }) ?? true {
            let next: (Socket, SocketAddress)?
            do {
                next = try listener.socket.accept(until: .now + .milliseconds(200))
            } catch {
                if stopped { break }
                report(.ignored(address: listener.address.description, reason: "accept failed: \(error.reason)"))
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            guard let (accepted, address) = next else { continue }
            let socket: any ByteStream
            let handshakeDeadline = ContinuousClock.now + options.transport.handshakeTimeout
            let security = options.transport.security
            switch security.accepted(accepted, address: address.description, until: handshakeDeadline) {
            case .stream(let stream):
                socket = stream
            case .ignored(let reason):
                accepted.close()
                report(.ignored(address: address.description, reason: reason))
                continue
            case .refused(let error):
                accepted.close()
                report(.rejected(address: address.description, reason: error))
                continue
            }
            switch request(on: socket, from: address.description) {
            case .ignore(let reason):
                socket.close()
                report(.ignored(address: address.description, reason: reason))
            case .refuse(let program, let hash, let requester, let reason):
                try? socket.write(Handshake.encode(.refuse(reason: reason.description)),
                                  until: .now + options.transport.handshakeTimeout)
                socket.close()
                report(.refused(
                    program: program, hash: hash, requester: requester, address: address.description, reason: reason))
            case .run(let program, let pending):
                runs += 1
                run(program, pending: pending, report: report)
            }
        }
        return runs
    }

    // MARK: - Requests

    private enum Request {
        case ignore(String)
        case refuse(program: String?, hash: String, requester: String, reason: Refusal)
        case run(Program, PendingHello)
    }

    /// Reads what a new connection wants: a hello for an allowed program, which it fetches if needed.
    private func request(on socket: any ByteStream, from address: String) -> Request {
        let deadline = ContinuousClock.now + options.transport.handshakeTimeout
        let hello: Hello
        do {
            switch try Handshake.read(from: socket, until: deadline) {
            case .hello(let first):
                hello = first
            case .refuse(let reason) where socket.peerIdentity != nil:
                // The dialer refused this player's certificate (see `HandshakeMessage`).
                let peer = socket.peerIdentity!
                return .ignore("\(NetworkError.certificateRefused(peer: peer, address: address, reason: reason))")
            case .refuse, .accept, .programRequest, .program:
                return .ignore("did not start with a hello")
            }
        } catch {
            switch error {
            case .socket(let error):
                return .ignore("\(error.kind == .timedOut ? "said nothing in time" : error.reason) before a hello")
            case .notHandshake(let reason):
                return .ignore(reason)
            }
        }
        let requester = hello.sender.isEmpty ? address : hello.sender
        let hash = Handshake.hex(hello.programHash)
        func refuse(_ reason: Refusal, _ program: String? = nil) -> Request {
            .refuse(program: program, hash: hash, requester: requester, reason: reason)
        }
        if hello.handshakeVersion != Handshake.version {
            return refuse(.incompatibleVersion(.incompatibleVersion(
                peer: requester, what: "handshake", theirs: Int(hello.handshakeVersion), ours: Int(Handshake.version))))
        }
        if hello.formatVersion != Program.formatVersion {
            return refuse(.incompatibleVersion(.incompatibleVersion(
                peer: requester, what: "bytecode format", theirs: Int(hello.formatVersion),
                ours: Int(Program.formatVersion))))
        }
        if socket.peerIdentity != nil, !socket.certifies(hello.sender) {
            return refuse(.impersonation(.impersonation(
                claimed: hello.sender, certified: socket.peerIdentity, address: address)))
        }
        // The allow list first: a program that may not run here is never read.
        guard options.allowAny || options.allowed.contains(hash) else {
            return refuse(.notAllowed(player: name, hash: hash))
        }
        let program: Program
        if let known = programs[hash] {
            program = known
        } else {
            switch fetchProgram(hash: hello.programHash, from: socket, requester: requester, until: deadline) {
            case .success(let fetched): program = fetched
            case .failure(let failure): return failure.request
            }
        }
        guard let mine = program.players.firstIndex(of: name) else {
            return refuse(.notAPlayer(player: name, program: program.name), program.name)
        }
        guard let theirs = program.players.firstIndex(of: hello.sender), theirs > mine, hello.receiver == name else {
            return refuse(.unexpectedRequester(requester: requester, program: program.name), program.name)
        }
        do {
            _ = try hostMap.addresses(for: program.players)
        } catch {
            return refuse(.hostMap(error), program.name)
        }
        if programs[hash] == nil, programs.count >= Self.maxKeptPrograms { programs.removeAll() }
        programs[hash] = program
        return .run(program, PendingHello(socket: socket, address: address, hello: hello))
    }

    /// Asks the dialer for the program and checks what it sends: it decodes, verifies, and has the hash.
    private func fetchProgram(hash: [UInt8], from socket: any ByteStream, requester: String, until deadline: Deadline)
        -> Result<Program, RequestFailure>
    {
        let hex = Handshake.hex(hash)
        let answer: HandshakeMessage
        do {
            try socket.write(
                Handshake.encode(.programRequest(version: Handshake.servingVersion, hash: hash)), until: deadline)
            answer = try Handshake.read(from: socket, until: deadline, program: true)
        } catch let error as HandshakeReadError {
            switch error {
            case .socket(let error): return .failure(RequestFailure(.ignore("\(requester): \(error.reason)")))
            case .notHandshake(let reason): return .failure(RequestFailure(.ignore("\(requester): \(reason)")))
            }
        } catch {
            return .failure(RequestFailure(.ignore("\(requester): \(error)")))
        }
        guard case .program(let version, let bytes) = answer else {
            return .failure(RequestFailure(.ignore("\(requester) did not send the program it announced")))
        }
        func refuse(_ reason: String, _ name: String? = nil) -> Result<Program, RequestFailure> {
            .failure(RequestFailure(.refuse(program: name, hash: hex, requester: requester,
                                            reason: .invalidProgram(reason))))
        }
        guard version == Handshake.servingVersion else {
            return refuse("sent in serving protocol version \(version), this tfe-vm reads \(Handshake.servingVersion)")
        }
        let program: Program
        do {
            program = try Program.decode(bytes)
            try Verifier.verify(program)
        } catch {
            return refuse("\(error)")
        }
        guard program.contentHash == hex else {
            return refuse("its hash is \(program.contentHash), its hello announced \(hex)", program.name)
        }
        return .success(program)
    }

    private struct RequestFailure: Error {
        let request: Request
        init(_ request: Request) { self.request = request }
    }

    // MARK: - Runs

    /// Joins the run `pending`'s dialer started, runs this party's machine, and reports how it went.
    private func run(_ program: Program, pending: PendingHello, report: (PlayerEvent) -> Void) {
        let clock = ContinuousClock()
        let start = clock.now
        var record = ServedRun(
            number: runs, programName: program.name, hash: program.contentHash, requester: pending.hello.sender)
        let me = PlayerID(program.players.firstIndex(of: name)!)
        var connector: Connector?
        defer {
            // Strangers dropped while the run was being set up, as "address: reason".
            for entry in connector?.ignored ?? [] {
                let parts = entry.components(separatedBy: ": ")
                report(.ignored(address: parts[0], reason: parts.dropFirst().joined(separator: ": ")))
            }
        }
        let transport: TCPTransport
        do {
            let addresses = try hostMap.addresses(for: program.players)
            connector = try Connector(
                program: program, me: me, addresses: addresses, options: options.transport, serving: true,
                pending: [pending])
            let (connections, runID) = try connector!.connectAll(listener: listener, keepListening: true)
            transport = try TCPTransport(
                player: me, players: program.players, runID: runID, options: options.transport,
                connections: connections, ignoredConnections: connector!.ignored, mailbox: connector!.mailbox)
        } catch {
            pending.socket.close()
            record.elapsed = clock.now - start
            report(.failed(record, reason: "\(error)"))
            return
        }
        defer { transport.close() }
        do throws(MachineError) {
            var machine = Machine(
                MachineConfiguration(
                    program: program, party: me, transport: transport,
                    randomness: try MachineConfiguration.freshRandomness(), receiveTimeout: options.receiveTimeout,
                    stateDirectory: options.stateDirectory))
            try transport.agreeOnLoads(
                program: program, stateDirectory: options.stateDirectory, timeout: options.receiveTimeout)
            record.result = try machine.run()
            try transport.agreeOnStores(
                program: program, writes: record.result?.stateWrites, timeout: options.receiveTimeout)
            transport.finish()
            record.traffic = transport.traffic
            record.elapsed = clock.now - start
            report(.ran(record))
        } catch {
            transport.stop(after: error)
            record.traffic = transport.traffic
            record.elapsed = clock.now - start
            report(.failed(record, reason: LocalRunError(party: me, partyName: name, error: error).description))
        }
    }
}
