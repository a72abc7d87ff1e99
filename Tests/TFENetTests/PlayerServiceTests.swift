// Long-running players on loopback: consecutive runs, refused programs, failed runs, garbage on the port.

import Foundation
import TFEBytecode
import TFECore
import TFENumPy
import TFERuntime
import Testing

@testable import TFENet

/// Three long-running servers (`PlayerService`, a thread each) for the two-player program, whose players
/// alice and bob start runs as `tfe-vm run --config` parties would.
final class ServedDeployment: @unchecked Sendable {
    let program: Program
    let hostMap: HostMap
    let services: [PlayerService]
    let events: [Locked<[PlayerEvent]>]
    let secure: Bool
    private let finished = DispatchGroup()

    /// Servers and parties talk TLS with the test deployment's certificates, or plain TCP when `secure` is false.
    init(
        allowed: Set<String>? = nil, options: PlayerServiceOptions = PlayerServiceOptions(transport: .test()),
        secure: Bool = true
    ) throws {
        self.secure = secure
        program = try compile(twoPlayerSource)
        let (listeners, addresses) = try loopbackListeners(program.players.count)
        var map: [String: HostAddress] = [:]
        for (name, address) in zip(program.players, addresses) { map[name] = address }
        hostMap = HostMap(addresses: map)
        // alice and bob listen only while they run: free their ports for them.
        for listener in listeners[3...] { listener.close() }
        var options = options
        options.allowed = allowed ?? [program.contentHash]
        options.transport.connectTimeout = .seconds(10)
        options.receiveTimeout = .seconds(10)
        var services: [PlayerService] = []
        for (number, name) in PlayerID.serverNames.enumerated() {
            var mine = options
            mine.transport.security = secure ? TestCertificates.tls(name) : .insecure
            services.append(
                try PlayerService(name: name, hostMap: hostMap, options: mine, listener: listeners[number]))
        }
        self.services = services
        events = services.map { _ in Locked([]) }
        for (service, log) in zip(services, events) {
            finished.enter()
            Thread { [finished] in
                _ = service.serve { event in log.update { $0.append(event) } }
                finished.leave()
            }.start()
        }
    }

    var addresses: [HostAddress] { program.players.map { hostMap.addresses[$0]! } }

    /// Stops the services and waits for them to end.
    func stop() {
        for service in services { service.stop() }
        if finished.wait(timeout: .now() + 30) == .timedOut { Issue.record("a serving player did not stop") }
    }

    /// Runs alice and bob with these inputs, each on its own thread, as separate processes would.
    func run(_ named: [String: [String: NPYArray]] = twoPlayerInputs) -> [PartyOutcome?] {
        let inputs = inputsByID(program, named)
        let (program, addresses, secure) = (self.program, self.addresses, self.secure)
        return onThreads(2) { index in
            let party = PlayerID(3 + index)
            let transport: TCPTransport
            do throws(NetworkError) {
                transport = try TCPTransport.connect(
                    program: program, player: party, addresses: addresses,
                    options: secure ? TestCertificates.options(program.players[party.rawValue], .test()) : .test())
            } catch {
                return .cannotConnect(error)
            }
            defer { transport.close() }
            var machine = Machine(
                MachineConfiguration(
                    program: program, party: party, inputs: inputs[party] ?? [:], transport: transport,
                    randomness: try! MachineConfiguration.freshRandomness(), receiveTimeout: .seconds(10)))
            let start = ContinuousClock.now
            do throws(MachineError) {
                let result = try machine.run()
                transport.finish()
                return .finished(result, transport.traffic)
            } catch {
                transport.stop(after: error)
                return .failed(error, elapsed: ContinuousClock.now - start)
            }
        }
    }

    /// Waits until every service (or only `server`) has reported `count` events matching `predicate` (at
    /// most 20 s): events are reported after the parties that caused them have seen the outcome.
    func waitForEvents(_ count: Int, from server: Int? = nil, where predicate: (PlayerEvent) -> Bool) {
        let logs = server.map { [events[$0]] } ?? events
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if logs.allSatisfy({ $0.current.filter(predicate).count >= count }) { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
        Issue.record("expected \(count) matching events: \(logs.map(\.current))")
    }
}

extension PlayerEvent {
    var isRan: Bool { if case .ran = self { return true } else { return false } }
    var isFailed: Bool { if case .failed = self { return true } else { return false } }
    var isIgnored: Bool { if case .ignored = self { return true } else { return false } }
    /// Ignored, or refused during the TLS handshake.
    var isTurnedAway: Bool {
        switch self {
        case .ignored, .rejected: return true
        case .serving, .ran, .failed, .refused: return false
        }
    }
    var refusal: Refusal? { if case .refused(_, _, _, _, let reason) = self { return reason } else { return nil } }
}

@Suite(.serialized) struct PlayerServiceTests {
    /// Outputs of a served run against the local run of the same program.
    func expectOutputs(_ outcomes: [PartyOutcome?], _ deployment: ServedDeployment) throws {
        let local = try LocalRun.run(deployment.program, inputs: inputsByID(deployment.program, twoPlayerInputs))
        for (index, outcome) in outcomes.enumerated() {
            let result = try #require(outcome?.result, "\(String(describing: outcome))")
            let expected = local.parties[3 + index].outputs
            #expect(result.outputs.keys.sorted() == expected.keys.sorted())
            for (name, value) in result.outputs {
                #expect(maxDifference(value, expected[name]!) <= 1.0 / 16384, "\(name)")
            }
        }
    }

    @Test func twoConsecutiveRuns() throws {
        let deployment = try ServedDeployment()
        defer { deployment.stop() }
        try expectOutputs(deployment.run(), deployment)
        try expectOutputs(deployment.run(), deployment)
        deployment.waitForEvents(2, where: \.isRan)
        for log in deployment.events {
            let runs = log.current.compactMap { event -> ServedRun? in
                if case .ran(let run) = event { return run }
                return nil
            }
            #expect(runs.map(\.number) == [1, 2])
            #expect(runs.allSatisfy { $0.hash == deployment.program.contentHash && $0.programName == "test.tfe" })
            #expect(runs.allSatisfy { ["alice", "bob"].contains($0.requester) })
            #expect(log.current.filter { $0.isFailed || $0.refusal != nil }.isEmpty, "\(log.current)")
        }
        // The log line says which program, for whom, and what it cost.
        if case .ran(let run) = deployment.events[0].current.first(where: \.isRan)! {
            let line = PlayerEvent.ran(run).description
            #expect(line.hasPrefix("run 1: ran test.tfe (\(run.hash.prefix(12))…) for \(run.requester): "))
            #expect(line.contains("online rounds") && line.contains("sent") && line.hasSuffix(" s"))
        }
    }

    @Test func disallowedProgramIsRefusedOnBothEnds() throws {
        let deployment = try ServedDeployment(allowed: [String(repeating: "ab", count: 32)])
        defer { deployment.stop() }
        let hash = deployment.program.contentHash
        let refusal = Refusal.notAllowed(player: "server0", hash: hash)
        for outcome in deployment.run() {
            #expect(outcome?.networkError == .refused(peer: "server0", reason: refusal.description))
        }
        deployment.waitForEvents(1, from: 0) { $0.refusal != nil }
        let server0 = deployment.events[0].current.compactMap(\.refusal)
        #expect(!server0.isEmpty && server0.allSatisfy { $0 == refusal }, "\(server0)")
        #expect(refusal.description == "program \(hash) is not allowed on server0: start it with '--allow \(hash)' "
                + "to run it")
        // Nothing ran anywhere.
        #expect(deployment.events.allSatisfy { $0.current.filter { $0.isRan || $0.isFailed }.isEmpty })
    }

    @Test func failedRunThenSuccessfulRun() throws {
        let deployment = try ServedDeployment()
        defer { deployment.stop() }
        var wrong = twoPlayerInputs
        wrong["alice"] = ["x": try NPYArray(shape: [3], storage: .float64([1, 2, 3]))]
        let failed = deployment.run(wrong)
        #expect(failed.allSatisfy { $0?.result == nil }, "\(failed)")
        // server2 deals in the offline phase only, so it may have finished run 1 before alice failed.
        deployment.waitForEvents(1, from: 0, where: \.isFailed)
        deployment.waitForEvents(1, from: 1, where: \.isFailed)
        deployment.waitForEvents(1, from: 2) { $0.isFailed || $0.isRan }
        try expectOutputs(deployment.run(), deployment)
        deployment.waitForEvents(1, where: \.isRan)
        for log in deployment.events.prefix(2) {
            guard case .failed(let run, let reason) = log.current.first(where: \.isFailed) else { continue }
            #expect(run.number == 1)
            #expect(reason.contains("alice"), "\(reason)")
        }
    }

    /// Over TLS garbage fails the TLS handshake and a plain tfe hello is refused; over plain TCP the handshake's
    /// own checks drop them. Either way the player goes on serving.
    @Test(arguments: [true, false]) func garbageDoesNotStopServing(secure: Bool) throws {
        let deployment = try ServedDeployment(secure: secure)
        defer { deployment.stop() }
        let port = deployment.hostMap.addresses["server0"]!.port
        let address = try SocketAddress.resolve(host: "127.0.0.1", port: port)
        var generator = SystemRandomNumberGenerator()
        let strangers: [[UInt8]] = [
            (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) },
            Array("TFEN".utf8) + [5, 0xFF, 0xFF, 0xFF, 0x7F],  // a program nobody asked for, 2 GB announced
            Array("TFEN".utf8) + [1, 0x02, 0x00, 0x01],  // a truncated hello
            [],  // connects and leaves
        ]
        for bytes in strangers {
            let socket = try Socket.connect(to: address, deadline: .now + .seconds(5))
            if !bytes.isEmpty { try? socket.write(bytes, until: .now + .seconds(5)) }
            socket.close()
        }
        deployment.waitForEvents(strangers.count, from: 0, where: \.isTurnedAway)
        try expectOutputs(deployment.run(), deployment)
        deployment.waitForEvents(1, where: \.isRan)
        let ignored = deployment.events[0].current.filter(\.isTurnedAway)
        #expect(ignored.count == strangers.count, "\(deployment.events[0].current)")
    }

    /// While a serving player sets up a run, a hello for another program is refused and dropped; the run
    /// goes on (a party's own run fails instead: `HandshakeTests`).
    @Test func strangerDuringSetupIsRefusedWithoutStoppingTheRun() throws {
        let program = HandshakeTests.serversOnly()
        let other = HandshakeTests.serversOnly("other.tfe")
        let (listeners, addresses) = try loopbackListeners(3)
        // The stranger's hello waits in server0's backlog, ahead of the real parties.
        let stranger = try Socket.connect(
            to: SocketAddress.resolve(host: "127.0.0.1", port: addresses[0].port), deadline: .now + .seconds(5))
        defer { stranger.close() }
        let hello = Hello(
            formatVersion: Program.formatVersion, programHash: Handshake.bytes(hex: other.contentHash),
            runID: Handshake.noRunID, sender: "server1", receiver: "server0")
        try stranger.write(Handshake.encode(.hello(hello)), until: .now + .seconds(5))
        let box = ListenerBox(listeners)
        let options = TCPTransportOptions.test()
        let outcomes = onThreads(3) { number -> String? in
            if number == 0 {
                do throws(NetworkError) {
                    var connector = try Connector(
                        program: program, me: .server0, addresses: addresses, options: options, serving: true)
                    let (connections, _) = try connector.connectAll(listener: box.take(0))
                    for connection in connections.values {
                        connection.shutdown()
                        connection.finish()
                    }
                    return connections.count == 2 && connector.ignored.count == 1 ? nil : "\(connector.ignored)"
                } catch {
                    return "\(error)"
                }
            }
            do throws(NetworkError) {
                let transport = try TCPTransport.connect(
                    program: program, player: PlayerID(number), addresses: addresses, options: options,
                    listener: box.take(number))
                transport.close()
                return nil
            } catch {
                return "\(error)"
            }
        }
        let problems = outcomes.map { $0 ?? "did not finish" }
        #expect(problems.allSatisfy { $0 == nil }, "\(problems)")
        let answer = try Handshake.read(from: stranger, until: .now + .seconds(5))
        guard case .hello = answer else { Issue.record("expected a hello, got \(answer)"); return }
        guard case .refuse(let reason) = try Handshake.read(from: stranger, until: .now + .seconds(5)) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reason == NetworkError.differentProgram(
            peer: "server1", theirs: other.contentHash, ours: program.contentHash).description)
    }

    /// Program requests and programs round-trip; a program (kind 5, with its 4-byte length) is read only
    /// where one was asked for.
    @Test func programMessagesRoundTrip() throws {
        let program = HandshakeTests.serversOnly()
        let hash = Handshake.bytes(hex: program.contentHash)
        let messages: [HandshakeMessage] = [
            .programRequest(version: Handshake.servingVersion, hash: hash),
            .program(version: Handshake.servingVersion, bytes: program.encoded()),
        ]
        let (listeners, addresses) = try loopbackListeners(1)
        defer { listeners[0].close() }
        let address = try SocketAddress.resolve(host: "127.0.0.1", port: addresses[0].port)
        let writer = try Socket.connect(to: address, deadline: .now + .seconds(5))
        defer { writer.close() }
        let (reader, _) = try #require(try listeners[0].socket.accept(until: .now + .seconds(5)))
        defer { reader.close() }
        for message in messages + [messages[1]] {
            try writer.write(Handshake.encode(message), until: .now + .seconds(5))
        }
        #expect(try Handshake.read(from: reader, until: .now + .seconds(5)) == messages[0])
        #expect(try Handshake.read(from: reader, until: .now + .seconds(5), program: true) == messages[1])
        #expect(throws: HandshakeReadError.self) { try Handshake.read(from: reader, until: .now + .seconds(5)) }
        #expect(Handshake.encode(messages[1])[4] == 5)
        #expect(Handshake.encode(messages[1]).count == 4 + 1 + 4 + 2 + program.encoded().count)
    }
}
