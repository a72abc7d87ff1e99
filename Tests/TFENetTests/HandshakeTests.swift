// Setting up connections: mismatched programs, versions and names are refused on both ends; strangers on a
// listening port are dropped while the listener keeps serving; missing parties end the wait in time.

import Foundation
import TFEBytecode
import TFECore
import TFERuntime
import Testing

@testable import TFENet

@Suite struct HandshakeTests {
    static func serversOnly(_ name: String = "servers.tfe") -> Program {
        Program(name: name, protocolKind: .pond, fractionalBits: 16, players: PlayerID.serverNames)
    }

    /// Connects the given parties (each on its own thread) and returns each one's transport or error: over TLS
    /// with the test deployment's certificates, or plain TCP when `secure` is false.
    func connect(
        _ parties: [PlayerID], programs: [PlayerID: Program], listeners: [TCPListener],
        options: TCPTransportOptions = .test(connectTimeout: .seconds(5)), secure: Bool = true
    ) -> [PlayerID: Result<TCPTransport, NetworkError>] {
        let addresses = listeners.map(\.address)
        let box = ListenerBox(listeners)
        let outcomes = onThreads(parties.count) { index -> Result<TCPTransport, NetworkError> in
            let party = parties[index]
            do throws(NetworkError) {
                let name = programs[party]!.players[party.rawValue]
                return .success(
                    try TCPTransport.connect(
                        program: programs[party]!, player: party, addresses: addresses,
                        options: secure ? TestCertificates.options(name, options) : options,
                        listener: box.take(party.rawValue)))
            } catch {
                return .failure(error)
            }
        }
        var result: [PlayerID: Result<TCPTransport, NetworkError>] = [:]
        for (index, party) in parties.enumerated() { result[party] = outcomes[index] }
        return result
    }

    func error(_ outcome: Result<TCPTransport, NetworkError>?) -> NetworkError? {
        if case .failure(let error) = outcome { return error }
        return nil
    }

    @Test func differentProgramIsRefusedOnBothEnds() throws {
        let a = Self.serversOnly("a.tfe"), b = Self.serversOnly("b.tfe")
        let (listeners, _) = try loopbackListeners(3)
        let outcomes = connect([.server0, .server1], programs: [.server0: a, .server1: b], listeners: listeners)
        #expect(
            error(outcomes[.server0]) == .differentProgram(peer: "server1", theirs: b.contentHash, ours: a.contentHash))
        #expect(
            error(outcomes[.server1]) == .differentProgram(peer: "server0", theirs: a.contentHash, ours: b.contentHash))
        let message = NetworkError.differentProgram(peer: "server1", theirs: b.contentHash, ours: a.contentHash)
            .description
        let (theirs, ours) = (b.contentHash.prefix(12), a.contentHash.prefix(12))
        #expect(message == "server1 runs a different program (hash \(theirs)… ≠ \(ours)…)")
    }

    /// A raw client that says hello to server0 with `hello`, and what server0 answered.
    func helloServer0(_ hello: Hello) throws -> (NetworkError?, answer: [HandshakeMessage]) {
        let program = Self.serversOnly()
        let (listeners, addresses) = try loopbackListeners(3)
        let client = try Socket.connect(
            to: SocketAddress.resolve(host: "127.0.0.1", port: addresses[0].port), deadline: .now + .seconds(5))
        try client.write(Handshake.encode(.hello(hello)), until: .now + .seconds(5))
        let outcome = connect([.server0], programs: [.server0: program], listeners: listeners, secure: false)[.server0]
        var answer: [HandshakeMessage] = []
        while answer.count < 2, let message = try? Handshake.read(from: client, until: .now + .seconds(5)) {
            answer.append(message)
        }
        if case .success(let transport) = outcome { transport.close() }
        return (error(outcome), answer)
    }

    func hello(format: UInt16 = Program.formatVersion, hash: String? = nil, sender: String = "server1") -> Hello {
        Hello(
            formatVersion: format, programHash: Handshake.bytes(hex: hash ?? Self.serversOnly().contentHash),
            runID: Handshake.noRunID, sender: sender, receiver: "server0")
    }

    @Test func wrongFormatVersionIsRefusedOnBothEnds() throws {
        let (failure, answer) = try helloServer0(hello(format: 99))
        let expected = NetworkError.incompatibleVersion(
            peer: "server1", what: "bytecode format", theirs: 99, ours: Int(Program.formatVersion))
        #expect(failure == expected)
        #expect(answer.count == 2)
        #expect(answer.last == .refuse(reason: expected.description))
        if case .hello(let theirs) = answer.first {
            #expect(theirs.sender == "server0" && theirs.receiver == "server1")
            #expect(theirs.formatVersion == Program.formatVersion)
        } else {
            Issue.record("server0 did not say hello: \(answer)")
        }
    }

    /// A tfe-vm of an earlier handshake version (version 6 expanded seeds with ChaCha20, not AES-128-CTR):
    /// refused on both ends, with a message saying what to do.
    @Test func earlierBuildIsRefusedOnBothEnds() throws {
        var old = hello()
        old.handshakeVersion = 6
        let (failure, answer) = try helloServer0(old)
        // Another version may lay its hello out differently, so the peer is named by its address.
        guard case .incompatibleVersion(let peer, "handshake", 6, 7) = failure else {
            Issue.record("\(String(describing: failure))")
            return
        }
        #expect(peer.hasPrefix("127.0.0.1:"))
        #expect(answer.last == .refuse(reason: failure!.description))
        #expect(failure?.description
                    == "\(peer) uses handshake version 6, this tfe-vm uses 7: run the same tfe-vm version on "
                        + "every party")
    }

    @Test func unknownPartyIsRefused() throws {
        let (failure, answer) = try helloServer0(hello(sender: "mallory"))
        guard case .unknownParty(let name, let address) = failure else {
            Issue.record("\(String(describing: failure))")
            return
        }
        #expect(name == "mallory" && address.hasPrefix("127.0.0.1:"))
        #expect(answer.last == .refuse(reason: failure!.description))
    }

    @Test func wrongRunIsRefused() throws {
        // server1 learns the run id from server0; a server2 with another run id is refused by both.
        let program = Self.serversOnly()
        let (listeners, addresses) = try loopbackListeners(3)
        let box = ListenerBox(listeners)
        let outcomes = onThreads(2) { index -> Result<TCPTransport, NetworkError>? in
            if index == 0 {
                do throws(NetworkError) {
                    return .success(
                        try TCPTransport.connect(
                            program: program, player: .server1, addresses: addresses, options: .test(),
                            listener: box.take(1)))
                } catch {
                    return .failure(error)
                }
            }
            // A fake server0 that accepts server1, then a fake server2 with a made-up run id.
            let fake = box.take(0)!
            do {
                guard let (socket, _) = try fake.socket.accept(until: .now + .seconds(5)) else { return nil }
                guard case .hello = try Handshake.read(from: socket, until: .now + .seconds(5)) else { return nil }
                let mine = Hello(
                    formatVersion: Program.formatVersion, programHash: Handshake.bytes(hex: program.contentHash),
                    runID: Array(repeating: 1, count: 16), sender: "server0", receiver: "server1")
                try socket.write(Handshake.encode(.hello(mine)) + Handshake.encode(.accept), until: .now + .seconds(5))
                guard case .accept = try Handshake.read(from: socket, until: .now + .seconds(5)) else { return nil }
                let dialer = try Socket.connect(
                    to: SocketAddress.resolve(host: "127.0.0.1", port: addresses[1].port), deadline: .now + .seconds(5))
                let other = Hello(
                    formatVersion: Program.formatVersion, programHash: mine.programHash,
                    runID: Array(repeating: 2, count: 16), sender: "server2", receiver: "server1")
                try dialer.write(Handshake.encode(.hello(other)), until: .now + .seconds(5))
                _ = try Handshake.read(from: dialer, until: .now + .seconds(5))
                let verdict = try Handshake.read(from: dialer, until: .now + .seconds(5))
                socket.close()
                return verdict == .accept ? nil : .failure(.system("\(verdict)"))
            } catch {
                return .failure(.system("\(error)"))
            }
        }
        let ones = String(repeating: "01", count: 16), twos = String(repeating: "02", count: 16)
        let expected = NetworkError.differentRun(peer: "server2", theirs: twos, ours: ones)
        #expect(error(outcomes[0] ?? nil) == expected)
        #expect(error(outcomes[1] ?? nil) == .system("\(HandshakeMessage.refuse(reason: expected.description))"))
    }

    @Test func strangersAreDroppedAndTheListenerKeepsServing() throws {
        let program = Self.serversOnly()
        let (listeners, addresses) = try loopbackListeners(3)
        // Three strangers queue on server0's port before it accepts: random bytes, a bad handshake kind, and
        // one that says nothing.
        var strangers: [Socket] = []
        defer { for socket in strangers { socket.close() } }
        var random = SystemRandomNumberGenerator()
        var noise = (0..<64).map { _ in UInt8.random(in: 0...255, using: &random) }
        noise[0] = 0x00
        for bytes in [noise, Handshake.magic + [7, 0, 0], []] {
            let socket = try Socket.connect(
                to: SocketAddress.resolve(host: "127.0.0.1", port: addresses[0].port), deadline: .now + .seconds(5))
            if !bytes.isEmpty { try socket.write(bytes, until: .now + .seconds(5)) }
            strangers.append(socket)
        }
        let options = TCPTransportOptions.test(connectTimeout: .seconds(10), handshakeTimeout: .milliseconds(300))
        let programs: [PlayerID: Program] = [.server0: program, .server1: program, .server2: program]
        let outcomes = connect(
            [.server0, .server1, .server2], programs: programs, listeners: listeners, options: options, secure: false)
        let transports = outcomes.compactMapValues { try? $0.get() }
        try #require(transports.count == 3, "\(outcomes)")
        defer { for transport in transports.values { transport.close() } }
        let ignored = transports[.server0]!.ignoredConnections
        #expect(ignored.count == 3, "\(ignored)")
        #expect(ignored.contains { $0.hasSuffix("not a tfe party (bad magic)") })
        #expect(ignored.contains { $0.hasSuffix("unknown handshake message kind 7") })
        #expect(ignored.contains { $0.hasSuffix("said nothing in time before a hello") })
        // Everyone learned server0's run id, and the links work.
        #expect(Set(transports.values.map(\.runID)).count == 1)
        #expect(transports[.server0]!.runID != Handshake.noRunID)
        let frame = Frame(phase: .online, round: 0, sender: .server2, receiver: .server1, payload: [1, 2, 3])
        try transports[.server2]!.send(frame, to: .server1)
        let received = try transports[.server1]!.receive(from: .server2, phase: .online, round: 0, timeout: .seconds(5))
        #expect(received == frame)
    }

    /// server1 is connected to server0 when server2 arrives with another program: server0 refuses server2 and
    /// tells server1, which stops its own setup at once instead of waiting for server2 until its connect timeout.
    @Test func partiesAlreadyConnectedLearnOfAFailedSetup() throws {
        let program = Self.serversOnly("p.tfe"), other = Self.serversOnly("other.tfe")
        let (listeners, addresses) = try loopbackListeners(3)
        let box = ListenerBox(listeners)
        let server1Connected = DispatchSemaphore(value: 0)
        // A connect timeout far beyond the threads' limit: only a prompt notice lets server1 finish in time.
        let options = TCPTransportOptions.test(connectTimeout: .seconds(600))
        let outcomes = onThreads(3, limit: .seconds(120)) { number -> NetworkError? in
            let party = PlayerID(number)
            if party == .server2 { server1Connected.wait() }
            do throws(NetworkError) {
                var connector = try Connector(
                    program: party == .server2 ? other : program, me: party, addresses: addresses,
                    options: TestCertificates.options(PlayerID.serverNames[number], options))
                if party == .server1 { connector.onConnected = { _ in server1Connected.signal() } }
                let (connections, _) = try connector.connectAll(listener: box.take(number))
                for connection in connections.values {
                    connection.shutdown()
                    connection.finish()
                }
                return nil
            } catch {
                if party == .server0 { server1Connected.signal() }  // never leave server2 waiting
                return error
            }
        }
        let difference = NetworkError.differentProgram(
            peer: "server2", theirs: other.contentHash, ours: program.contentHash)
        #expect(outcomes[0] == difference)
        #expect(outcomes[1] == .peerStopped(.closed(reason: "server0 failed: \(difference)")))
        #expect(outcomes[2] == .differentProgram(peer: "server0", theirs: program.contentHash, ours: other.contentHash))
        #expect(outcomes[1]??.description == "the setup was stopped: server0 failed: \(difference)")
    }

    @Test func missingPeerEndsTheWait() throws {
        let program = Self.serversOnly()
        let (listeners, _) = try loopbackListeners(3)
        let options = TCPTransportOptions.test(connectTimeout: .milliseconds(500))
        let start = ContinuousClock.now
        let outcomes = connect(
            [.server0, .server1], programs: [.server0: program, .server1: program], listeners: listeners,
            options: options)
        #expect(ContinuousClock.now - start < .seconds(20))
        guard case .peersMissing(let names, _, let seconds) = error(outcomes[.server0]) else {
            Issue.record("\(String(describing: outcomes[.server0]))")
            return
        }
        #expect(names == ["server2"] && seconds == 0.5)
        guard case .peersMissing(let names1, _, _) = error(outcomes[.server1]) else {
            Issue.record("\(String(describing: outcomes[.server1]))")
            return
        }
        #expect(names1 == ["server2"])
    }

    @Test func unreachablePeerEndsTheRetries() throws {
        let program = Self.serversOnly()
        let (listeners, addresses) = try loopbackListeners(3)
        listeners[0].close()  // nobody listens at server0's address any more
        let options = TCPTransportOptions.test(connectTimeout: .milliseconds(500))
        let start = ContinuousClock.now
        let outcomes = connect([.server1], programs: [.server1: program], listeners: listeners, options: options)
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(error(outcomes[.server1]) == .cannotConnect(
            peer: "server0", address: addresses[0].description, reason: "connection refused", seconds: 0.5))
    }
}
