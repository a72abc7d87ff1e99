// TLS between networked parties: what travels is encrypted, and every party that cannot prove who it is (a plain
// TCP client, garbage, a certificate of another CA, another party's certificate, an expired one) is refused on
// both ends with one message; a long-running player refuses them and goes on serving.

import Foundation
import TFEBytecode
import TFECore
import TFERuntime
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import TFENet

@Suite struct TLSTests {
    static let program = HandshakeTests.serversOnly("tls.tfe")
    /// Two parties only, so that a pair whose TLS succeeds completes its setup.
    static let pairProgram = Program(name: "pair.tfe", protocolKind: .pond, fractionalBits: 16,
                                     players: ["server0", "server1"])

    /// Connects server0 and server1 (each on its own thread) with the given security, and returns what each got.
    func connectPair(_ security: [PlayerID: ChannelSecurity]) throws -> [PlayerID: Result<TCPTransport, NetworkError>] {
        let (listeners, addresses) = try loopbackListeners(2)
        let box = ListenerBox(listeners)
        let outcomes = onThreads(2) { index -> Result<TCPTransport, NetworkError> in
            let party = PlayerID(index)
            var options = TCPTransportOptions.test(connectTimeout: .seconds(10))
            options.security = security[party]!
            do throws(NetworkError) {
                return .success(try TCPTransport.connect(
                    program: Self.pairProgram, player: party, addresses: addresses, options: options,
                    listener: box.take(index)))
            } catch {
                return .failure(error)
            }
        }
        return [.server0: outcomes[0] ?? .failure(.system("did not finish")),
                .server1: outcomes[1] ?? .failure(.system("did not finish"))]
    }

    func error(_ outcome: Result<TCPTransport, NetworkError>?) -> NetworkError? {
        if case .failure(let error) = outcome { return error }
        return nil
    }

    /// A TLS identity of `party` from arbitrary files, without the checks `--certs` makes (to present a bad one).
    static func identity(_ party: String, certificate: String, key: String, ca: String = TestCertificates.directory)
        -> ChannelSecurity
    {
        .tls(try! TLSContext(
            caFile: ca + "/ca.pem", certificateFile: certificate, keyFile: key, party: party,
            checkingOwnCertificate: false))
    }

    // MARK: - Runs

    @Test func wholeRunsOverTLSAndOverPlainTCPMatchTheLocalRun() throws {
        let program = try compile(twoPlayerSource)
        let inputs = inputsByID(program, twoPlayerInputs)
        let local = try LocalRun.run(program, inputs: inputs, options: LocalRunOptions(seed: 11))
        for secure in [true, false] {
            let outcomes = try runNetworked(program, inputs: inputs, seed: 11, secure: secure)
            for (party, outcome) in outcomes.enumerated() {
                #expect(outcome?.result?.outputs == local.parties[party].outputs, "secure: \(secure)")
            }
            #expect(Traffic.combined(outcomes.compactMap { $0?.traffic }) == CostModel.cost(of: program))
        }
    }

    /// Everything two parties send crosses a recording proxy: TLS records from the first byte, and none of the
    /// program's hash, the party names or a frame's payload in clear.
    @Test func nothingTravelsInClear() throws {
        let payload = Array("a frame's payload, which only server0 may read".utf8)
        // The three servers connect, server1 and server2 to server0 through the proxy; server1 sends a frame.
        let (listeners3, _) = try loopbackListeners(3)
        let proxy3 = try RecordingProxy(to: listeners3[0].address)
        defer { proxy3.stop() }
        let addresses3 = [proxy3.address] + listeners3.dropFirst().map(\.address)
        let box3 = ListenerBox(listeners3)
        let results = onThreads(3) { index -> String? in
            let party = PlayerID(index)
            do {
                let transport = try TCPTransport.connect(
                    program: Self.program, player: party, addresses: addresses3,
                    options: TestCertificates.options(Self.program.players[index], .test()),
                    listener: box3.take(index))
                defer { transport.close() }
                if party == .server1 {
                    try transport.send(
                        Frame(phase: .online, round: 0, sender: .server1, receiver: .server0, payload: payload),
                        to: .server0)
                }
                if party == .server0 {
                    let frame = try transport.receive(from: .server1, phase: .online, round: 0, timeout: .seconds(10))
                    return frame.payload == payload ? nil : "wrong payload"
                }
                return nil
            } catch {
                return "\(error)"
            }
        }
        let problems = results.map { $0 ?? "did not finish" }
        #expect(problems.allSatisfy { $0 == nil }, "\(problems)")
        let streams = proxy3.recorded
        #expect(streams.count >= 2, "\(streams.count) connections through the proxy")
        for bytes in streams where !bytes.isEmpty {
            #expect(bytes[0] == Handshake.tlsHandshakeRecord)
            for secret in [payload, Handshake.bytes(hex: Self.program.contentHash), Array("server1".utf8),
                           Handshake.magic] {
                #expect(!contains(bytes, secret), "\(String(decoding: secret, as: UTF8.self)) in clear")
            }
        }
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return true }
        }
        return false
    }

    // MARK: - Refusals

    /// The pair the refusal tests start from: with the deployment's certificates it connects, each end knowing
    /// the other by its certificate.
    @Test func aPairOfTheDeploymentConnects() throws {
        let outcomes = try connectPair(
            [.server0: TestCertificates.tls("server0"), .server1: TestCertificates.tls("server1")])
        let transports = outcomes.compactMapValues { try? $0.get() }
        try #require(transports.count == 2, "\(outcomes)")
        for transport in transports.values { transport.close() }
    }

    @Test func plainTCPPartyIsRefusedOnBothEnds() throws {
        let outcomes = try connectPair([.server0: TestCertificates.tls("server0"), .server1: .insecure])
        guard case .tlsRequired(let address) = error(outcomes[.server0]) else {
            Issue.record("\(String(describing: outcomes[.server0]))")
            return
        }
        #expect(address.hasPrefix("127.0.0.1:"))
        #expect(error(outcomes[.server1]) == .refused(
            peer: "server0", reason: "this party requires TLS: run every party with --certs, or every party with "
                + "--insecure"))
    }

    @Test func certificateOfAnotherCAIsRefusedOnBothEnds() throws {
        let foreign = Self.identity(
            "server1", certificate: TestCertificates.foreignDirectory + "/server1.pem",
            key: TestCertificates.foreignDirectory + "/server1.key", ca: TestCertificates.foreignDirectory)
        let outcomes = try connectPair([.server0: TestCertificates.tls("server0"), .server1: foreign])
        guard case .untrustedCertificate(nil, _, "server1", let reason) = error(outcomes[.server0]) else {
            Issue.record("\(String(describing: outcomes[.server0]))")
            return
        }
        #expect(reason.hasPrefix("this deployment's CA did not sign it"), "\(reason)")
        // server1 trusts only its own CA, so it refuses server0's certificate as well: each names the other.
        guard case .untrustedCertificate("server0", _, "server0", let theirs) = error(outcomes[.server1]) else {
            Issue.record("\(String(describing: outcomes[.server1]))")
            return
        }
        #expect(theirs.hasPrefix("this deployment's CA did not sign it"), "\(theirs)")
    }

    /// A listener presenting a certificate of another CA: the dialer refuses it, and the listener the dialer's.
    @Test func listenerOfAnotherCAIsRefused() throws {
        let foreign = Self.identity(
            "server0", certificate: TestCertificates.foreignDirectory + "/server0.pem",
            key: TestCertificates.foreignDirectory + "/server0.key", ca: TestCertificates.foreignDirectory)
        let outcomes = try connectPair([.server0: foreign, .server1: TestCertificates.tls("server1")])
        guard case .untrustedCertificate("server0", _, "server0", let reason) = error(outcomes[.server1]) else {
            Issue.record("\(String(describing: outcomes[.server1]))")
            return
        }
        #expect(reason.hasPrefix("this deployment's CA did not sign it"), "\(reason)")
        guard case .untrustedCertificate(nil, _, "server1", _) = error(outcomes[.server0]) else {
            Issue.record("\(String(describing: outcomes[.server0]))")
            return
        }
    }

    /// server1 dials with server2's (valid) certificate: server0 refuses it, and server1 hears why.
    @Test func partyPresentingAnotherPartysCertificateIsRefused() throws {
        let directory = TestCertificates.directory
        let impostor = Self.identity(
            "server1", certificate: directory + "/server2.pem", key: directory + "/server2.key")
        let outcomes = try connectPair([.server0: TestCertificates.tls("server0"), .server1: impostor])
        let expected = NetworkError.impersonation(claimed: "server1", certified: "server2", address: "")
        guard case .impersonation("server1", "server2", let address) = error(outcomes[.server0]) else {
            Issue.record("\(String(describing: outcomes[.server0])), expected \(expected)")
            return
        }
        let message = NetworkError.impersonation(claimed: "server1", certified: "server2", address: address)
        #expect(message.description
                    == "a party at \(address) claims to be 'server1', but its certificate is 'server2''s")
        #expect(error(outcomes[.server1]) == .refused(peer: "server0", reason: message.description))
    }

    /// server0 listens with server2's certificate: server1, which dialed server0, refuses it at once.
    @Test func listenerPresentingAnotherPartysCertificateIsRefused() throws {
        let directory = TestCertificates.directory
        let impostor = Self.identity(
            "server0", certificate: directory + "/server2.pem", key: directory + "/server2.key")
        let outcomes = try connectPair([.server0: impostor, .server1: TestCertificates.tls("server1")])
        guard case .untrustedCertificate("server0", _, "server2", let reason) = error(outcomes[.server1]) else {
            Issue.record("\(String(describing: outcomes[.server1]))")
            return
        }
        #expect(reason == "it does not name the party this one dialed")
        // server1 says why in place of its hello, so server0 stops at once and names it.
        guard case .certificateRefused("server1", _, let theirs) = error(outcomes[.server0]) else {
            Issue.record("\(String(describing: outcomes[.server0]))")
            return
        }
        #expect(theirs == reason)
    }

    @Test func expiredCertificateIsRefusedOnBothEnds() throws {
        let folder = try ExpiredCertificate.make(party: "server1")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let expired = Self.identity(
            "server1", certificate: folder + "/server1.pem", key: folder + "/server1.key", ca: folder)
        let server0 = Self.identity(
            "server0", certificate: folder + "/server0.pem", key: folder + "/server0.key", ca: folder)
        let outcomes = try connectPair([.server0: server0, .server1: expired])
        guard case .untrustedCertificate(nil, _, "server1", let reason) = error(outcomes[.server0]) else {
            Issue.record("\(String(describing: outcomes[.server0]))")
            return
        }
        #expect(reason.hasPrefix("it expired on "), "\(reason)")
        guard case .certificateRefused("server0", _, let alert) = error(outcomes[.server1]) else {
            Issue.record("\(String(describing: outcomes[.server1]))")
            return
        }
        #expect(alert.contains("certificate expired"), "\(alert)")
        // --certs refuses an expired certificate of its own before connecting.
        #expect(throws: TLSSetupError.self) {
            try TLSContext(directory: folder, party: "server1")
        }
    }

    @Test func missingOrWrongFilesAreNamed() throws {
        let nowhere = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-no-certs-\(UUID())").path
        #expect(throws: TLSSetupError.missingFile(path: nowhere + "/ca.pem", what: "the deployment's CA certificate")) {
            try TLSContext(directory: nowhere, party: "server0")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-half-certs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for file in ["ca.pem", "server0.pem"] {
            try FileManager.default.copyItem(
                atPath: TestCertificates.directory + "/" + file, toPath: folder + "/" + file)
        }
        #expect(throws: TLSSetupError.missingFile(path: folder + "/server0.key", what: "the key of 'server0'")) {
            try TLSContext(directory: folder, party: "server0")
        }
        try Data("not a key".utf8).write(to: URL(fileURLWithPath: folder + "/server0.key"))
        #expect(throws: TLSSetupError.notPEM(path: folder + "/server0.key", what: "the key of 'server0'")) {
            try TLSContext(directory: folder, party: "server0")
        }
        // An encrypted key is refused, never a passphrase prompt.
        try Data("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/server0.key"))
        #expect(throws: TLSSetupError.notUsable(
            path: folder + "/server0.key", reason: "it is encrypted; tfe-vm reads unencrypted keys (keep them 0600)"))
        {
            try TLSContext(directory: folder, party: "server0")
        }
        // server0's files used as server1's: the certificate names another party.
        #expect(throws: TLSSetupError.wrongName(
            path: TestCertificates.directory + "/server0.pem", party: "server1", names: "server0"))
        {
            try TLSContext(
                caFile: TestCertificates.directory + "/ca.pem",
                certificateFile: TestCertificates.directory + "/server0.pem",
                keyFile: TestCertificates.directory + "/server0.key", party: "server1")
        }
        // A certificate of another CA.
        #expect(throws: TLSSetupError.self) {
            try TLSContext(
                caFile: TestCertificates.directory + "/ca.pem",
                certificateFile: TestCertificates.foreignDirectory + "/server0.pem",
                keyFile: TestCertificates.foreignDirectory + "/server0.key", party: "server0")
        }
    }

    // MARK: - Fresh sessions

    /// Every connection is a full handshake: no session is resumed, so no two connections share keys.
    @Test func everyConnectionIsAFreshSession() throws {
        let listener = try TCPListener.bind(HostAddress(host: "127.0.0.1", port: 0))
        defer { listener.close() }
        guard case .tls(let server) = TestCertificates.tls("server0"),
            case .tls(let client) = TestCertificates.tls("server1")
        else {
            Issue.record("no test certificates")
            return
        }
        var keys: [[UInt8]] = []
        for _ in 0..<2 {
            let address = try SocketAddress.resolve(host: "127.0.0.1", port: listener.port)
            let results = onThreads(2) { index -> TLSStream? in
                if index == 0 {
                    guard let (socket, _) = try? listener.socket.accept(until: .now + .seconds(10)) else { return nil }
                    return try? TLSStream.accept(socket, context: server, until: .now + .seconds(10))
                }
                guard let socket = try? Socket.connect(to: address, deadline: .now + .seconds(10)) else { return nil }
                return try? TLSStream.connect(socket, context: client, peer: "server0", until: .now + .seconds(10))
            }
            let streams = results.compactMap { $0 ?? nil }
            try #require(streams.count == 2)
            for stream in streams {
                #expect(!stream.wasResumed)
                #expect(stream.peerIdentity == (stream === streams[0] ? "server1" : "server0"))
            }
            #expect(streams[0].exportedKey() == streams[1].exportedKey())
            keys.append(streams[0].exportedKey())
            for stream in streams { stream.shutdown(); stream.close() }
        }
        #expect(keys[0] != keys[1])
    }

    // MARK: - Long-running players

    /// Strangers without TLS, with another CA's certificate or posing as another party are refused and logged;
    /// the players go on serving the real parties.
    @Test func playersRefuseStrangersAndGoOnServing() throws {
        let deployment = try ServedDeployment()
        defer { deployment.stop() }
        let server0 = deployment.hostMap.addresses["server0"]!
        let address = try SocketAddress.resolve(host: server0.host, port: server0.port)
        // Plain TCP with a tfe hello.
        let plain = try Socket.connect(to: address, deadline: .now + .seconds(10))
        defer { plain.close() }
        let hello = Hello(
            formatVersion: Program.formatVersion, programHash: Handshake.bytes(hex: deployment.program.contentHash),
            runID: Handshake.noRunID, sender: "bob", receiver: "server0")
        try plain.write(Handshake.encode(.hello(hello)), until: .now + .seconds(10))
        let answer = try Handshake.read(from: plain, until: .now + .seconds(10))
        #expect(answer == .refuse(
            reason: "this party requires TLS: run every party with --certs, or every party with --insecure"))
        // Garbage.
        let garbage = try Socket.connect(to: address, deadline: .now + .seconds(10))
        try garbage.write(Array(repeating: 0x41, count: 300), until: .now + .seconds(10))
        garbage.close()
        // Another CA's certificate.
        guard case .tls(let foreign) = Self.identity(
            "bob", certificate: TestCertificates.foreignDirectory + "/bob.pem",
            key: TestCertificates.foreignDirectory + "/bob.key", ca: TestCertificates.foreignDirectory)
        else { return }
        let socket = try Socket.connect(to: address, deadline: .now + .seconds(10))
        #expect(throws: TLSFailure.self) {
            try TLSStream.connect(socket, context: foreign, peer: "server0", until: .now + .seconds(10))
        }
        // alice posing as bob.
        let directory = TestCertificates.directory
        guard case .tls(let alice) = Self.identity("bob", certificate: directory + "/alice.pem",
                                                   key: directory + "/alice.key")
        else { return }
        let posing = try TLSStream.connect(
            Socket.connect(to: address, deadline: .now + .seconds(10)), context: alice, peer: "server0",
            until: .now + .seconds(10))
        defer { posing.close() }
        try posing.write(Handshake.encode(.hello(hello)), until: .now + .seconds(10))
        guard case .refuse(let reason) = try Handshake.read(from: posing, until: .now + .seconds(10)) else {
            Issue.record("the impostor was not refused")
            return
        }
        #expect(reason.hasSuffix("claims to be 'bob', but its certificate is 'alice''s"), "\(reason)")
        // The real parties still run.
        let outcomes = deployment.run()
        #expect(outcomes.allSatisfy { $0?.result != nil }, "\(outcomes)")
        let log = deployment.events[0].current.map(\.description)
        #expect(log.contains { $0.contains("connected without TLS") }, "\(log)")
        #expect(log.contains { $0.contains("presented a certificate for 'bob' that this party does not accept") },
                "\(log)")
        #expect(log.contains { $0.contains("claims to be 'bob', but its certificate is 'alice''s") }, "\(log)")
    }
}

/// Certificates of a CA of their own: server0's valid, `party`'s expired a day ago.
enum ExpiredCertificate {
    static func make(party: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-expired-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let now = Date()
        let authority = try CertificateAuthority(
            validity: now.addingTimeInterval(-10 * 86_400)...now.addingTimeInterval(86_400))
        let valid = try authority.issue(party: "server0", days: 1)
        let expired = try authority.issue(
            party: party, validity: now.addingTimeInterval(-3 * 86_400)...now.addingTimeInterval(-86_400))
        let files = [("ca.pem", authority.certificatePEM), ("server0.pem", valid.certificatePEM),
                     ("server0.key", valid.privateKeyPEM), ("\(party).pem", expired.certificatePEM),
                     ("\(party).key", expired.privateKeyPEM)]
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        return folder
    }
}

/// A TCP proxy on loopback that forwards every connection to `target` and keeps the bytes each dialer sent.
final class RecordingProxy: @unchecked Sendable {
    let address: HostAddress
    private let listener: TCPListener
    private let target: HostAddress
    private let streams = Locked<[Int: [UInt8]]>([:])
    private let stopped = Locked(false)
    private var thread: Thread?

    init(to target: HostAddress) throws {
        self.target = target
        listener = try TCPListener.bind(HostAddress(host: "127.0.0.1", port: 0))
        address = listener.address
        let thread = Thread { [self] in acceptLoop() }
        self.thread = thread
        thread.start()
    }

    /// What each connection's dialer sent, in the order they came.
    var recorded: [[UInt8]] { streams.current.sorted { $0.key < $1.key }.map(\.value) }

    func stop() {
        stopped.update { $0 = true }
        listener.close()
    }

    private func acceptLoop() {
        var count = 0
        while !stopped.current {
            guard let (inbound, _) = try? listener.socket.accept(until: .now + .milliseconds(100)) else { continue }
            guard let resolved = try? SocketAddress.resolve(host: target.host, port: target.port),
                let outbound = try? Socket.connect(to: resolved, deadline: .now + .seconds(5))
            else {
                inbound.close()
                continue
            }
            let number = count
            count += 1
            streams.update { $0[number] = [] }
            Thread { [self] in pump(from: inbound, to: outbound, record: number) }.start()
            Thread { [self] in pump(from: outbound, to: inbound, record: nil) }.start()
        }
    }

    private func pump(from source: Socket, to destination: Socket, record: Int?) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(source.descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            let chunk = Array(buffer[0..<count])
            if let record { streams.update { $0[record]! += chunk } }
            do { try destination.write(chunk, until: .now + .seconds(10)) } catch { break }
        }
        destination.shutdown()
        source.shutdown()
    }
}
