// A party's TLS identity: the deployment's CA, its certificate and key (`--certs DIR`), as one OpenSSL context.

import COpenSSL
import Foundation

/// How a networked party protects its connections.
public enum ChannelSecurity: Sendable {
    /// TLS 1.3 on every connection, both ends authenticated by certificates of the deployment's CA.
    case tls(TLSContext)
    /// Plain TCP: no encryption and no authentication (`--insecure`, for trusted test networks only).
    case insecure
}

/// The TLS settings every connection of one party uses: TLS 1.3 only, AEAD suites, its own certificate and
/// key, and the deployment's CA as the only trust anchor. Both ends present certificates and check the
/// other's: it must chain to the CA, be valid now, and name the party the peer claims (or is dialed as) in
/// its subject alternative name. No session is ever resumed, so every connection gets keys of its own.
public final class TLSContext: @unchecked Sendable {
    /// The party whose certificate this context presents.
    public let party: String
    /// `SSL_CTX *`; OpenSSL allows making connections from several threads at once.
    let pointer: OpaquePointer
    /// The file names (as given) of the CA and the party's pair, for messages.
    public let caFile: String, certificateFile: String

    static let cipherSuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    static let groups = "X25519:P-256"

    /// The identity `party` keeps in `directory`, as `tfe-vm certs` writes it: `ca.pem`, `PARTY.pem` and
    /// `PARTY.key`.
    public convenience init(directory: String, party: String) throws(TLSSetupError) {
        let folder = URL(fileURLWithPath: directory)
        try self.init(
            caFile: folder.appendingPathComponent("ca.pem").path,
            certificateFile: folder.appendingPathComponent("\(party).pem").path,
            keyFile: folder.appendingPathComponent("\(party).key").path, party: party)
    }

    /// An identity from three files. `checkingOwnCertificate` (on except in tests that need a party with a
    /// bad certificate) refuses a certificate that does not chain to the CA, has expired, or names another party.
    init(caFile: String, certificateFile: String, keyFile: String, party: String, checkingOwnCertificate: Bool = true)
        throws(TLSSetupError)
    {
        _ = Self.ignoreBrokenPipes
        self.party = party
        self.caFile = caFile
        self.certificateFile = certificateFile
        let authority = try PEMFile.certificate(caFile, what: "the deployment's CA certificate")
        defer { X509_free(authority) }
        let certificate = try PEMFile.certificate(certificateFile, what: "the certificate of '\(party)'")
        defer { X509_free(certificate) }
        let key = try PEMFile.privateKey(keyFile, what: "the key of '\(party)'")
        defer { EVP_PKEY_free(key) }

        guard let context = SSL_CTX_new(TLS_method()) else { throw .openSSL(OpenSSLError.text()) }
        pointer = context
        guard let store = SSL_CTX_get_cert_store(context) else { throw .openSSL(OpenSSLError.text()) }
        guard X509_STORE_add_cert(store, authority) == 1 else { throw .openSSL(OpenSSLError.text()) }
        if checkingOwnCertificate {
            try Self.check(certificate, file: certificateFile, party: party, against: store, caFile: caFile)
        }
        ERR_clear_error()
        guard SSL_CTX_use_certificate(context, certificate) == 1 else {
            throw .notUsable(path: certificateFile, reason: OpenSSLError.text())
        }
        guard SSL_CTX_use_PrivateKey(context, key) == 1, SSL_CTX_check_private_key(context) == 1 else {
            throw .keyMismatch(certificate: certificateFile, key: keyFile)
        }
        guard tfe_SSL_CTX_set_tls13_only(context) == 1,
            SSL_CTX_set_ciphersuites(context, Self.cipherSuites) == 1,
            tfe_SSL_CTX_set_groups(context, Self.groups) == 1
        else { throw .openSSL(OpenSSLError.text()) }
        tfe_SSL_CTX_require_peer_certificate(context)
        SSL_CTX_set_verify_depth(context, 2)
        tfe_SSL_CTX_disable_resumption(context)
        tfe_SSL_CTX_set_partial_writes(context)
        tfe_SSL_CTX_set_read_ahead(context)
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    /// OpenSSL writes to its socket without `MSG_NOSIGNAL`, so a peer that closed first would end this process
    /// with SIGPIPE; with the signal ignored the write fails with `EPIPE` instead, as plain sockets do here.
    private static let ignoreBrokenPipes: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    /// Refuses this party's own certificate where a peer would: it must chain to the CA, be valid now, and name
    /// the party.
    private static func check(
        _ certificate: OpaquePointer, file: String, party: String, against store: OpaquePointer, caFile: String
    ) throws(TLSSetupError) {
        guard X509_check_host(certificate, party, 0, UInt32(X509_CHECK_FLAG_NO_WILDCARDS), nil) == 1 else {
            throw .wrongName(path: file, party: party, names: Certificate.commonName(certificate) ?? "no name")
        }
        guard let verification = X509_STORE_CTX_new() else { throw .openSSL(OpenSSLError.text()) }
        defer { X509_STORE_CTX_free(verification) }
        guard X509_STORE_CTX_init(verification, store, certificate, nil) == 1 else {
            throw .openSSL(OpenSSLError.text())
        }
        if X509_verify_cert(verification) == 1 { return }
        let code = X509_STORE_CTX_get_error(verification)
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            throw .expired(path: file, date: Certificate.notAfter(certificate))
        case X509_V_ERR_CERT_NOT_YET_VALID:
            throw .notYetValid(path: file, date: Certificate.notBefore(certificate))
        default:
            throw .notSignedByCA(path: file, ca: caFile, reason: Certificate.verificationText(code))
        }
    }
}

/// Why `--certs DIR` cannot be used; each message says which file and what to do.
public enum TLSSetupError: Error, Hashable, Sendable, CustomStringConvertible {
    case missingFile(path: String, what: String)
    case unreadable(path: String, reason: String)
    case notPEM(path: String, what: String)
    /// OpenSSL read the file but will not use it (an unsupported key type, say).
    case notUsable(path: String, reason: String)
    case keyMismatch(certificate: String, key: String)
    case wrongName(path: String, party: String, names: String)
    case notSignedByCA(path: String, ca: String, reason: String)
    case expired(path: String, date: String)
    case notYetValid(path: String, date: String)
    case openSSL(String)

    public var description: String {
        switch self {
        case .missingFile(let path, let what):
            return "'\(path)' (\(what)) does not exist: make the certificates with 'tfe-vm certs'"
        case .unreadable(let path, let reason):
            return "cannot read '\(path)': \(reason)"
        case .notPEM(let path, let what):
            return "'\(path)' is not \(what) in PEM form"
        case .notUsable(let path, let reason):
            return "cannot use '\(path)': \(reason)"
        case .keyMismatch(let certificate, let key):
            return "'\(key)' is not the key of the certificate '\(certificate)'"
        case .wrongName(let path, let party, let names):
            return "'\(path)' is a certificate for '\(names)', not for '\(party)'"
        case .notSignedByCA(let path, let ca, let reason):
            return "'\(path)' is not signed by the CA in '\(ca)' (\(reason)): "
                + "make every party's certificate with the same 'tfe-vm certs'"
        case .expired(let path, let date):
            return "'\(path)' expired on \(date): issue a new one with 'tfe-vm certs --party NAME --ca DIR'"
        case .notYetValid(let path, let date):
            return "'\(path)' is not valid before \(date): is this host's clock right?"
        case .openSSL(let reason):
            return "OpenSSL: \(reason)"
        }
    }
}

// MARK: - Reading PEM files

/// Certificates and keys from PEM files (parsed as `tfe-vm certs` reads them: `CertificateOpenSSL`), with errors
/// that name the file and what it should hold.
enum PEMFile {
    /// The first certificate in the file.
    static func certificate(_ path: String, what: String) throws(TLSSetupError) -> OpaquePointer {
        let text = try read(path, what: what)
        do {
            return try CertificateOpenSSL.readCertificate(text, source: path)
        } catch {
            throw .notPEM(path: path, what: what)
        }
    }

    /// The private key in the file; an encrypted one is refused (no passphrase is ever asked for).
    static func privateKey(_ path: String, what: String) throws(TLSSetupError) -> OpaquePointer {
        let text = try read(path, what: what)
        do {
            return try CertificateOpenSSL.readPrivateKey(text, source: path)
        } catch .encryptedPrivateKey {
            throw .notUsable(path: path, reason: "it is encrypted; tfe-vm reads unencrypted keys (keep them 0600)")
        } catch {
            throw .notPEM(path: path, what: what)
        }
    }

    private static func read(_ path: String, what: String) throws(TLSSetupError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path, what: what) }
        do {
            return try CertificateFile.contents(of: path)
        } catch .cannotRead(_, let reason) {
            throw .unreadable(path: path, reason: reason)
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
    }
}

// MARK: - Certificates and OpenSSL's errors, in words

/// What a certificate says, for messages.
enum Certificate {
    /// The subject's common name (tfe puts the party's name there and in the subject alternative name).
    static func commonName(_ certificate: OpaquePointer) -> String? {
        guard let subject = X509_get_subject_name(certificate) else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        let count = X509_NAME_get_text_by_NID(subject, NID_commonName, &buffer, Int32(buffer.count))
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func notAfter(_ certificate: OpaquePointer) -> String {
        time(X509_get0_notAfter(certificate))
    }

    static func notBefore(_ certificate: OpaquePointer) -> String {
        time(X509_get0_notBefore(certificate))
    }

    /// OpenSSL's words for a verification error: "certificate has expired".
    static func verificationText(_ code: Int32) -> String {
        X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "verification error \(code)"
    }

    private static func time(_ time: UnsafePointer<ASN1_TIME>?) -> String {
        guard let time, let bio = BIO_new(BIO_s_mem()) else { return "an unknown date" }
        defer { BIO_free(bio) }
        guard ASN1_TIME_print(bio, time) == 1 else { return "an unknown date" }
        var data: UnsafeMutablePointer<CChar>?
        let count = tfe_BIO_mem_contents(bio, &data)
        guard let data, count > 0 else { return "an unknown date" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
    }
}

/// OpenSSL's error queue, in words.
enum OpenSSLError {
    /// The reasons of every queued error, oldest first, and an empty queue afterwards.
    static func text() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            reasons.append(reason(code))
        }
        return reasons.isEmpty ? "unknown error" : reasons.joined(separator: "; ")
    }

    /// "tlsv1 alert unknown ca": the reason part of one error code.
    static func reason(_ code: UInt) -> String {
        if let text = ERR_reason_error_string(code) { return String(cString: text) }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
