// Setting up a networked run: dial the lower-numbered parties, accept the higher-numbered ones, and
// check each of them in a handshake.

import Foundation
import TFEBytecode
import TFECore
import TFERuntime

/// A connection accepted, and its hello read, before its party's `Connector` existed: how a serving player
/// learns of a run (`PlayerService`).
struct PendingHello {
    let socket: any ByteStream
    let address: String
    let hello: Hello
}

/// Connects one party to all others, within one deadline (`TCPTransportOptions.connectTimeout`).
struct Connector {
    let me: PlayerID
    let players: [String]
    let addresses: [HostAddress]
    let options: TCPTransportOptions
    let programHash: [UInt8]
    /// The bytecode file, for a serving player that asks for it.
    let programBytes: [UInt8]
    let deadline: Deadline
    /// A serving player's setup: a connection that fails its checks (another program, another run) is
    /// refused and dropped instead of failing the run, so strangers cannot stop a run of others.
    let serving: Bool
    /// Dialers whose hello was read before this connector existed; answered first when accepting.
    var pending: [PendingHello]
    /// Chosen here on server0; learned from server0 elsewhere.
    var runID: [UInt8]?
    /// Connections dropped without failing the setup, with the reason.
    var ignored: [String] = []
    /// Where each connection's reader delivers from the moment the connection is made: frames of peers that
    /// start the run early wait here, and a peer that stops during the setup (its abort notice, or its link
    /// ending) ends this party's setup at once instead of at the connect timeout.
    let mailbox: Mailbox
    /// Called with each peer as its connection is made (tests use it to order parties).
    var onConnected: (@Sendable (PlayerID) -> Void)?

    init(
        program: Program, me: PlayerID, addresses: [HostAddress], options: TCPTransportOptions, serving: Bool = false,
        pending: [PendingHello] = []
    ) throws(NetworkError) {
        guard program.players.indices.contains(me.rawValue) else {
            throw .system("party \(me.rawValue) is not in the program's player table")
        }
        guard addresses.count == program.players.count else {
            throw .system("\(addresses.count) addresses for \(program.players.count) players")
        }
        self.me = me
        self.players = program.players
        self.addresses = addresses
        self.options = options
        self.programHash = Handshake.bytes(hex: program.contentHash)
        self.programBytes = program.encoded()
        self.deadline = .now + options.connectTimeout
        self.serving = serving
        self.pending = pending
        self.mailbox = Mailbox(players: program.players)
        if me == .server0 {
            do {
                runID = Array(try Seed.random().bytes.prefix(Handshake.runIDBytes))
            } catch {
                throw .system("cannot draw a run id: \(error)")
            }
        }
    }

    private var myName: String { players[me.rawValue] }
    private var seconds: Double {
        Double(options.connectTimeout.components.seconds) + Double(options.connectTimeout.components.attoseconds) / 1e18
    }

    /// Every connection, by peer, once all handshakes succeeded. Closes whatever it opened when it fails, and
    /// the listener when done, unless `keepListening` (a serving player listens between runs).
    mutating func connectAll(listener given: TCPListener?, keepListening: Bool = false)
        throws(NetworkError) -> ([PlayerID: Connection], [UInt8])
    {
        let higher = (me.rawValue + 1)..<players.count
        var listener = given
        defer { if !keepListening || given == nil { listener?.close() } }
        defer {
            for waiting in pending { waiting.socket.close() }
            pending = []
        }
        if higher.isEmpty {
            if !keepListening { listener?.close() }
            listener = nil
        } else if listener == nil {
            listener = try TCPListener.bind(addresses[me.rawValue])
        }
        var connections: [PlayerID: Connection] = [:]
        do {
            for number in 0..<me.rawValue {
                let peer = PlayerID(number)
                try checkEstablished()
                connections[peer] = try started(try dial(peer))
            }
            if let listener {
                try accept(from: Set(higher.map(PlayerID.init)), on: listener, into: &connections)
            }
        } catch {
            // The parties connected so far learn why, and stop their setup too (passed on as it came, when
            // another party's notice is what stopped this one).
            let notice = mailbox.closedReason ?? "\(myName) failed: \(error)"
            let deadline = ContinuousClock.now + .seconds(1)
            for connection in connections.values.sorted(by: { $0.peer < $1.peer }) {
                connection.writeAbort(from: me, reason: notice, until: deadline)
            }
            mailbox.close(reason: notice)
            for connection in connections.values {
                connection.shutdown()
                connection.finish()
            }
            throw error
        }
        return (connections, runID ?? Handshake.noRunID)
    }

    /// `connection` with its reader started.
    private func started(_ connection: Connection) throws(NetworkError) -> Connection {
        do {
            try connection.startReading(me: me, mailbox: mailbox, maxFrameBytes: options.maxFrameBytes)
        } catch {
            connection.shutdown()
            connection.finish()
            throw error
        }
        onConnected?(connection.peer)
        return connection
    }

    /// Throws when a party connected so far has stopped: its abort notice came, or its link ended before it said
    /// it had finished (a party may finish its whole run while others still connect, if it needs only them).
    private func checkEstablished() throws(NetworkError) {
        if let problem = mailbox.stopSignal.error { throw .peerStopped(problem) }
    }

    private func hello(to peer: String) -> Hello {
        Hello(
            formatVersion: Program.formatVersion, programHash: programHash, runID: runID ?? Handshake.noRunID,
            sender: myName, receiver: peer)
    }

    // MARK: - Dialing

    /// Connects to a lower-numbered peer, retrying with back-off while it is not up yet.
    private mutating func dial(_ peer: PlayerID) throws(NetworkError) -> Connection {
        let name = players[peer.rawValue], address = addresses[peer.rawValue]
        var delay = Duration.milliseconds(20)
        var lastReason = "no answer"
        while true {
            do {
                let resolved = try SocketAddress.resolve(host: address.host, port: address.port)
                let socket = try Socket.connect(to: resolved, deadline: deadline)
                let security = options.security
                if let stream = try security.dialed(socket, peer: name, address: address.description, until: deadline),
                    let connection = try handshake(asDialer: stream, peer: peer, address: address.description)
                {
                    return connection
                }
                lastReason = security.closedDuringHandshake
            } catch let error as SocketError {
                lastReason = error.reason
            } catch let error as NetworkError {
                throw error
            } catch {
                lastReason = "\(error)"
            }
            try checkEstablished()
            if ContinuousClock.now + delay >= deadline {
                throw .cannotConnect(peer: name, address: address.description, reason: lastReason, seconds: seconds)
            }
            Thread.sleep(
                forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
            delay = min(delay * 2, .milliseconds(500))
        }
    }

    /// The dialer's side: hello, the peer's hello and verdict, our verdict. Nil when the peer closed the
    /// connection before answering (it may be restarting: the caller retries).
    private mutating func handshake(asDialer socket: any ByteStream, peer: PlayerID, address: String)
        throws(NetworkError) -> Connection?
    {
        let name = players[peer.rawValue]
        let theirs: Hello, verdict: HandshakeMessage
        do {
            try socket.write(Handshake.encode(.hello(hello(to: name))), until: deadline)
            var answer = try Handshake.read(from: socket, until: deadline)
            if case .programRequest(let version, let hash) = answer {
                // A serving player that does not know our program yet: send it, then the handshake goes on.
                guard version == Handshake.servingVersion else {
                    throw NetworkError.handshakeFailed(
                        peer: name, reason: "it asks for the program in serving protocol version \(version), "
                            + "this tfe-vm speaks version \(Handshake.servingVersion)")
                }
                guard hash == programHash else {
                    throw NetworkError.handshakeFailed(peer: name, reason: "it asks for another program")
                }
                try socket.write(
                    Handshake.encode(.program(version: Handshake.servingVersion, bytes: programBytes)), until: deadline)
                answer = try Handshake.read(from: socket, until: deadline)
            }
            if case .refuse(let reason) = answer { throw NetworkError.refused(peer: name, reason: reason) }
            guard case .hello(let hello) = answer else {
                throw HandshakeReadError.notHandshake("the answer is not a hello")
            }
            theirs = hello
            verdict = try Handshake.read(from: socket, until: deadline)
        } catch let error as NetworkError {
            throw error
        } catch let error as SocketError {
            try Self.check(error, peer: name, address: address)
            return nil
        } catch HandshakeReadError.socket(let error) {
            try Self.check(error, peer: name, address: address)
            return nil
        } catch HandshakeReadError.notHandshake(let reason) {
            throw .handshakeFailed(peer: name, reason: reason)
        } catch {
            throw .handshakeFailed(peer: name, reason: "\(error)")
        }
        let problem = check(theirs, from: address, expected: peer, over: socket)
        if let problem {
            if verdict == .accept {
                try? socket.write(Handshake.encode(.refuse(reason: problem.description)), until: deadline)
            }
            throw problem
        }
        switch verdict {
        case .accept:
            break
        case .refuse(let reason):
            throw .refused(peer: name, reason: reason)
        case .hello:
            throw .handshakeFailed(peer: name, reason: "a second hello")
        case .programRequest, .program:
            throw .handshakeFailed(peer: name, reason: "a program message instead of a verdict")
        }
        do {
            try socket.write(Handshake.encode(.accept), until: deadline)
        } catch {
            return nil
        }
        if peer == .server0 { runID = theirs.runID }
        return Connection(peer: peer, address: address, socket: socket)
    }

    /// A socket error during the dialer's handshake that ends the setup (a timeout, a certificate the peer
    /// refused, broken TLS); any other is a closed connection the caller retries.
    private static func check(_ error: SocketError, peer: String, address: String) throws(NetworkError) {
        switch error.kind {
        case .timedOut: throw .handshakeFailed(peer: peer, reason: "no answer in time")
        case .certificateRefused: throw .certificateRefused(peer: peer, address: address, reason: error.reason)
        case .tls: throw .tlsFailed(peer: peer, address: address, reason: error.reason)
        case .closed, .system: return
        }
    }

    // MARK: - Accepting

    /// Accepts connections until every one of `expected` has connected and passed the handshake.
    /// Connections that are not tfe parties are dropped and listed in `ignored`; a tfe party with the wrong
    /// program, version, name or run fails the setup.
    private mutating func accept(
        from expected: Set<PlayerID>, on listener: TCPListener, into connections: inout [PlayerID: Connection]
    ) throws(NetworkError) {
        var missing = expected
        // Dialers whose hello a serving player read before the run began, in the order they came.
        let waiting = pending
        pending = []
        for (index, dialer) in waiting.enumerated() {
            let handshakeDeadline = min(deadline, .now + options.handshakeTimeout)
            let outcome: Accepted
            do {
                outcome = try handshake(
                    asListener: dialer.socket, address: dialer.address, until: handshakeDeadline,
                    connected: Set(connections.keys), hello: dialer.hello)
            } catch {
                for later in waiting[(index + 1)...] { later.socket.close() }
                dialer.socket.close()
                throw error
            }
            switch outcome {
            case .connected(let peer):
                connections[peer] = try started(Connection(peer: peer, address: dialer.address, socket: dialer.socket))
                missing.remove(peer)
            case .ignored(let reason):
                ignored.append("\(dialer.address): \(reason)")
                dialer.socket.close()
            }
        }
        while !missing.isEmpty {
            try checkEstablished()
            let next: (Socket, SocketAddress)?
            do {
                // In slices, to look at the parties connected so far in between.
                next = try listener.socket.accept(until: min(deadline, .now + .milliseconds(100)))
            } catch {
                throw .cannotListen(address: listener.address.description, reason: error.reason)
            }
            guard let (socket, address) = next else {
                if ContinuousClock.now < deadline { continue }
                let names = missing.sorted().map { players[$0.rawValue] }
                throw .peersMissing(names, address: listener.address.description, seconds: seconds)
            }
            let handshakeDeadline = min(deadline, .now + options.handshakeTimeout)
            let stream: any ByteStream
            switch options.security.accepted(socket, address: address.description, until: handshakeDeadline) {
            case .stream(let secured):
                stream = secured
            case .ignored(let reason):
                ignored.append("\(address.description): \(reason)")
                socket.close()
                continue
            case .refused(let error):
                socket.close()
                // A serving player's run goes on without a stranger; a party's own run fails with the problem.
                guard serving else { throw error }
                ignored.append("\(address.description): refused: \(error)")
                continue
            }
            switch try handshake(asListener: stream, address: address.description, until: handshakeDeadline,
                                 connected: Set(connections.keys)) {
            case .connected(let peer):
                connections[peer] = try started(Connection(peer: peer, address: address.description, socket: stream))
                missing.remove(peer)
            case .ignored(let reason):
                ignored.append("\(address.description): \(reason)")
                stream.close()
            }
        }
    }

    private enum Accepted {
        case connected(PlayerID)
        case ignored(String)
    }

    /// The listener's side: the dialer's hello (unless `hello` was read already), our hello and verdict,
    /// the dialer's verdict.
    private func handshake(
        asListener socket: any ByteStream, address: String, until handshakeDeadline: Deadline, connected: Set<PlayerID>,
        hello given: Hello? = nil
    ) throws(NetworkError) -> Accepted {
        let first: HandshakeMessage
        do throws(HandshakeReadError) {
            if let given {
                first = .hello(given)
            } else {
                first = try Handshake.read(from: socket, until: handshakeDeadline)
            }
        } catch {
            switch error {
            case .socket(let error):
                return .ignored("\(error.kind == .timedOut ? "said nothing in time" : error.reason) before a hello")
            case .notHandshake(let reason):
                return .ignored(reason)
            }
        }
        let theirs: Hello
        switch first {
        case .hello(let hello):
            theirs = hello
        case .refuse(let reason) where socket.peerIdentity != nil:
            // The dialer refused this party's certificate (see `HandshakeMessage`).
            let refusal = NetworkError.certificateRefused(peer: socket.peerIdentity!, address: address, reason: reason)
            if serving { return .ignored("\(refusal)") }
            throw refusal
        case .refuse, .accept, .programRequest, .program:
            return .ignored("did not start with a hello")
        }
        var problem = check(theirs, from: address, expected: nil, over: socket)
        if problem == nil, let peer = players.firstIndex(of: theirs.sender).map(PlayerID.init),
            connected.contains(peer)
        {
            problem = .duplicateConnection(peer: theirs.sender, address: address)
        }
        let verdict: HandshakeMessage = problem.map { .refuse(reason: $0.description) } ?? .accept
        do {
            try socket.write(
                Handshake.encode(.hello(hello(to: theirs.sender))) + Handshake.encode(verdict),
                until: handshakeDeadline)
        } catch {
            if let problem, !serving { throw problem }
            return .ignored("closed before the handshake ended: \(error.reason)")
        }
        if let problem {
            // A serving player's run goes on without a stranger; a party's own run fails with the problem.
            if serving { return .ignored("refused: \(problem)") }
            throw problem
        }
        do {
            switch try Handshake.read(from: socket, until: handshakeDeadline) {
            case .accept:
                return .connected(PlayerID(players.firstIndex(of: theirs.sender)!))
            case .refuse(let reason):
                throw NetworkError.refused(peer: theirs.sender, reason: reason)
            case .hello, .programRequest, .program:
                throw NetworkError.handshakeFailed(peer: theirs.sender, reason: "a second hello")
            }
        } catch let error as NetworkError {
            if serving { return .ignored("\(error)") }
            throw error
        } catch {
            return .ignored("\(theirs.sender) closed before the handshake ended")
        }
    }

    // MARK: - Checking

    /// What is wrong with a peer's hello, if anything: versions, then whether its certificate names the party it
    /// claims to be (over TLS), then the program, then names and run id. `expected` is the peer we dialed; nil
    /// when it dialed us.
    private func check(_ hello: Hello, from address: String, expected: PlayerID?, over stream: any ByteStream)
        -> NetworkError?
    {
        let claimed = hello.sender.isEmpty ? (expected.map { players[$0.rawValue] } ?? address) : hello.sender
        if hello.handshakeVersion != Handshake.version {
            return .incompatibleVersion(
                peer: claimed, what: "handshake", theirs: Int(hello.handshakeVersion), ours: Int(Handshake.version))
        }
        if hello.formatVersion != Program.formatVersion {
            return .incompatibleVersion(
                peer: claimed, what: "bytecode format", theirs: Int(hello.formatVersion),
                ours: Int(Program.formatVersion))
        }
        if stream.peerIdentity != nil, !stream.certifies(hello.sender) {
            return .impersonation(claimed: hello.sender, certified: stream.peerIdentity, address: address)
        }
        if hello.programHash != programHash {
            return .differentProgram(
                peer: claimed, theirs: Handshake.hex(hello.programHash), ours: Handshake.hex(programHash))
        }
        guard let number = players.firstIndex(of: hello.sender) else {
            return .unknownParty(name: hello.sender, address: address)
        }
        if let expected {
            if number != expected.rawValue {
                return .wrongParty(address: address, expected: players[expected.rawValue], found: hello.sender)
            }
        } else {
            if hello.receiver != myName {
                return .wrongParty(
                    address: addresses[me.rawValue].description, expected: hello.receiver, found: myName)
            }
            if number <= me.rawValue { return .unexpectedDialer(peer: hello.sender) }
        }
        // A party learns the run id from server0, its first connection: none is known on either side then.
        let known = expected == .server0 || (expected == nil && me == .server0) ? nil : runID
        if let known, hello.runID != known {
            return .differentRun(peer: hello.sender, theirs: Handshake.hex(hello.runID), ours: Handshake.hex(known))
        }
        return nil
    }
}
