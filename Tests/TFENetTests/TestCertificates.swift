// Certificates for the networked tests, made by the project's own code (`makeDeploymentCertificates`) once per
// test process, in a temporary directory.

import Foundation
import Testing

@testable import TFENet

enum TestCertificates {
    /// Every party name the networked tests use.
    static let parties = [
        "server0", "server1", "server2", "alice", "bob", "carol", "client", "model_owner", "owner",
        "p0", "p1", "p2", "p3", "p4", "receiver",
    ]

    /// One deployment: `ca.pem`, `ca.key`, and `NAME.pem`/`NAME.key` for every name of `parties`.
    static let directory: String = makeDirectory("deployment")

    /// Another deployment's CA with the same party names: its certificates must be refused.
    static let foreignDirectory: String = makeDirectory("foreign")

    /// A temporary directory holding certificates for `parties` from a CA of its own.
    static func makeDirectory(_ label: String, parties: [String] = parties, days: Int = 30) -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("tfe-test-certs-\(label)-\(UUID().uuidString)").path
        do {
            try makeDeploymentCertificates(parties: parties, directory: path, days: days)
        } catch {
            fatalError("cannot make test certificates: \(error)")
        }
        return path
    }

    private static let contexts = Locked<[String: TLSContext]>([:])

    /// `party`'s TLS identity in the test deployment (made once per party and process).
    static func tls(_ party: String) -> ChannelSecurity {
        var made: TLSContext?
        contexts.update { cache in
            if let known = cache[party] {
                made = known
                return
            }
            do {
                let context = try TLSContext(directory: directory, party: party)
                cache[party] = context
                made = context
            } catch {
                Issue.record("cannot load the test certificates of '\(party)': \(error)")
            }
        }
        return made.map { .tls($0) } ?? .insecure
    }

    /// Transport options for `party` over TLS in the test deployment, from a template's limits.
    static func options(_ party: String, _ template: TCPTransportOptions) -> TCPTransportOptions {
        var options = template
        options.security = tls(party)
        return options
    }
}

extension TCPTransportOptions {
    /// Limits for a test; the security is set per party (`TestCertificates.options`) or left plain.
    static func test(
        connectTimeout: Duration = .seconds(10), handshakeTimeout: Duration = .seconds(5),
        maxFrameBytes: Int = 1 << 30
    ) -> TCPTransportOptions {
        TCPTransportOptions(
            security: .insecure, connectTimeout: connectTimeout, handshakeTimeout: handshakeTimeout,
            maxFrameBytes: maxFrameBytes)
    }
}
