// Certificate directories for tests (TLS between parties), made by the project's own code at test time; the
// parties' TLS identities in them; and OpenSSL's verdict on a certificate.

import COpenSSL
import Foundation
import Testing

@testable import TFENet

/// A complete certificate directory for `parties` (`ca.pem`, `ca.key`, and `NAME.pem`, `NAME.key` for each),
/// made once per test process for each set of names and shared by every test that asks for the same set:
/// treat it as read-only. The directories are removed when the process exits.
func testCertificateDirectory(for parties: [String]) throws -> String {
    try CertificateDirectoryCache.shared.directory(for: parties)
}

/// A fresh certificate directory for `parties` in a new temporary directory, valid for a day; the caller
/// removes it.
func makeTestCertificateDirectory(for parties: [String]) throws -> String {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("tfe-certs-\(UUID().uuidString)").path
    try makeDeploymentCertificates(parties: parties, directory: directory, days: 1)
    return directory
}

/// The cache behind `testCertificateDirectory(for:)`.
private final class CertificateDirectoryCache: @unchecked Sendable {  // `lock` guards `directories`
    static let shared: CertificateDirectoryCache = {
        atexit { CertificateDirectoryCache.shared.removeAll() }
        return CertificateDirectoryCache()
    }()

    private let lock = NSLock()
    private var directories: [Set<String>: String] = [:]

    /// Holds the lock while making a directory, so that two tests asking at once get the same one.
    func directory(for parties: [String]) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let directory = directories[Set(parties)] { return directory }
        let directory = try makeTestCertificateDirectory(for: parties)
        directories[Set(parties)] = directory
        return directory
    }

    func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        for directory in directories.values { try? FileManager.default.removeItem(atPath: directory) }
        directories = [:]
    }
}

// MARK: - The test deployment

/// The networked tests' deployment: one CA and every party name the tests use, and a second CA whose
/// certificates the first refuses.
enum TestCertificates {
    /// Every party name the networked tests use.
    static let parties = [
        "server0", "server1", "server2", "alice", "bob", "carol", "client", "model_owner", "owner",
        "p0", "p1", "p2", "p3", "p4", "receiver",
    ]

    /// One deployment: `ca.pem`, `ca.key`, and `NAME.pem`/`NAME.key` for every name of `parties`.
    static let directory: String = {
        do {
            return try testCertificateDirectory(for: parties)
        } catch {
            fatalError("cannot make test certificates: \(error)")
        }
    }()

    /// Another deployment's CA with the same party names: its certificates must be refused.
    static let foreignDirectory: String = {
        do {
            let path = try makeTestCertificateDirectory(for: parties)
            atexit { try? FileManager.default.removeItem(atPath: TestCertificates.foreignDirectory) }
            return path
        } catch {
            fatalError("cannot make test certificates: \(error)")
        }
    }()

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

// MARK: - Verifying

/// OpenSSL's verdict on the certificate in `certificatePEM` for `purpose` (`X509_PURPOSE_SSL_CLIENT` or
/// `X509_PURPOSE_SSL_SERVER`), with only the authority in `authorityPEM` trusted: `X509_V_OK` or the
/// `X509_V_ERR_...` code. Nil (after recording an issue) if a text does not parse.
func verification(of certificatePEM: String, authority authorityPEM: String, purpose: Int32) -> Int32? {
    do {
        let certificate = try CertificateOpenSSL.readCertificate(certificatePEM, source: "certificate")
        defer { X509_free(certificate) }
        let authority = try CertificateOpenSSL.readCertificate(authorityPEM, source: "authority")
        defer { X509_free(authority) }
        guard let store = X509_STORE_new() else { return nil }
        defer { X509_STORE_free(store) }
        guard X509_STORE_add_cert(store, authority) == 1, let context = X509_STORE_CTX_new() else { return nil }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, certificate, nil) == 1,
            X509_STORE_CTX_set_purpose(context, purpose) == 1
        else { return nil }
        let verdict = X509_verify_cert(context)
        let error = X509_STORE_CTX_get_error(context)
        #expect((verdict == 1) == (error == X509_V_OK))
        return error
    } catch {
        Issue.record("\(error)")
        return nil
    }
}

/// Whether OpenSSL finds `name` in the certificate's names (no wildcards), as a TLS peer checks it.
func matchesHost(_ certificatePEM: String, _ name: String) throws -> Bool {
    let certificate = try CertificateOpenSSL.readCertificate(certificatePEM, source: "certificate")
    defer { X509_free(certificate) }
    return X509_check_host(certificate, name, 0, UInt32(X509_CHECK_FLAG_NO_WILDCARDS), nil) == 1
}

/// The text of the file at `path`.
func fileText(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}
