// A deployment's certificate authority and the party certificates it issues, for mutually authenticated TLS.

import COpenSSL
import Foundation

/// The rules for party names, which become file names (`NAME.pem`) and certificate names (CN and DNS
/// subjectAltName): 1 to 64 bytes of ASCII letters, digits, `_`, `-` and `.`; not starting with `.` or `-`,
/// not ending with `.`, without `..`; and not `ca`, whose files are the authority's.
public enum PartyName {
    /// The longest name, in bytes; also the longest common name X.509 allows.
    public static let maximumBytes = 64

    /// Throws the first rule `name` breaks.
    public static func check(_ name: String) throws(CertificateError) {
        guard !name.isEmpty else { throw .emptyPartyName }
        guard name.utf8.count <= maximumBytes else { throw .partyNameTooLong(name) }
        if let character = name.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0))) }) {
            throw .partyNameCharacter(name, character: character)
        }
        guard !name.hasPrefix("."), !name.hasPrefix("-"), !name.hasSuffix("."), !name.contains("..") else {
            throw .partyNameForm(name)
        }
        guard name.lowercased() != "ca" else { throw .reservedPartyName(name) }
    }
}

/// A party's private key and the certificate its deployment's authority issued for it, both PEM.
public struct PartyCertificate: Hashable, Sendable {
    /// The party, as the certificate's CN and DNS subjectAltName say.
    public let name: String
    public let certificatePEM: String
    /// Unencrypted PKCS#8 (`BEGIN PRIVATE KEY`).
    public let privateKeyPEM: String
}

/// A deployment's certificate authority: an EC P-256 key and a self-signed X.509 v3 certificate that may
/// sign party certificates (basicConstraints critical CA:TRUE, pathlen 0; keyUsage critical keyCertSign,
/// cRLSign). Parties trust the certificate (`ca.pem`); whoever runs the deployment keeps the key (`ca.key`).
///
/// Values hold PEM text only; every operation parses what it needs and frees it again.
public struct CertificateAuthority: Hashable, Sendable {
    /// The common name of a new authority.
    public static let defaultName = "tfe deployment CA"
    /// Lifetimes a certificate may be given, in days.
    public static let validDays: ClosedRange<Int> = 1...36500
    /// How far back a new certificate's validity starts, for parties whose clocks run a little behind.
    public static let clockSkew: TimeInterval = 5 * 60

    public let certificatePEM: String
    /// Unencrypted PKCS#8 (`BEGIN PRIVATE KEY`).
    public let privateKeyPEM: String

    /// A new authority valid from `clockSkew` ago for `days` days.
    public init(name: String = defaultName, days: Int) throws(CertificateError) {
        try self.init(name: name, validity: try Self.validity(days: days))
    }

    /// A new authority valid for exactly `validity` (tests make expired ones).
    public init(name: String = defaultName, validity: ClosedRange<Date>) throws(CertificateError) {
        let key = try CertificateOpenSSL.generateKey()
        defer { EVP_PKEY_free(key) }
        let contents = CertificateOpenSSL.Contents(commonName: name, validity: validity, extensions: [
            (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
            (NID_key_usage, "critical,keyCertSign,cRLSign"),
            (NID_subject_key_identifier, "hash"),
        ])
        certificatePEM = try CertificateOpenSSL.makeCertificate(contents, key: key, issuer: nil, issuerKey: key)
        privateKeyPEM = try CertificateOpenSSL.privateKeyPEM(key)
    }

    /// An existing authority, checked: the certificate may sign others and the key is its key.
    /// `certificateSource` and `keySource` name the two texts in errors.
    public init(
        certificatePEM: String, privateKeyPEM: String,
        certificateSource: String = "ca.pem", keySource: String = "ca.key"
    ) throws(CertificateError) {
        let certificate = try CertificateOpenSSL.readCertificate(certificatePEM, source: certificateSource)
        defer { X509_free(certificate) }
        guard X509_check_ca(certificate) != 0 else { throw .notAnAuthority(certificateSource) }
        let key = try CertificateOpenSSL.readPrivateKey(privateKeyPEM, source: keySource)
        defer { EVP_PKEY_free(key) }
        ERR_clear_error()
        guard X509_check_private_key(certificate, key) == 1 else {
            ERR_clear_error()
            throw .keyMismatch(key: keySource, certificate: certificateSource)
        }
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// The authority in `directory`: `ca.pem` and `ca.key`.
    public static func load(directory: String) throws(CertificateError) -> CertificateAuthority {
        let files = CertificateDirectory(directory)
        return try CertificateAuthority(
            certificatePEM: try CertificateFile.contents(of: files.authorityCertificate),
            privateKeyPEM: try CertificateFile.contents(of: files.authorityKey),
            certificateSource: files.authorityCertificate, keySource: files.authorityKey)
    }

    /// A new key and certificate for the party `name`, valid from `clockSkew` ago for `days` days, but not
    /// after the authority's own certificate expires; an expired authority issues nothing.
    public func issue(party name: String, days: Int) throws(CertificateError) -> PartyCertificate {
        try issue(party: name, validity: try Self.validity(days: days), endingWithAuthority: true)
    }

    /// A new key and certificate for the party `name`, valid for exactly `validity` (tests make expired ones).
    public func issue(party name: String, validity: ClosedRange<Date>) throws(CertificateError) -> PartyCertificate {
        try issue(party: name, validity: validity, endingWithAuthority: false)
    }

    /// Issues a leaf certificate for TLS clients and servers: CN and DNS subjectAltName `name`,
    /// basicConstraints critical CA:FALSE, keyUsage critical digitalSignature, extendedKeyUsage serverAuth and
    /// clientAuth, and key identifiers linking it to the authority.
    private func issue(
        party name: String, validity: ClosedRange<Date>, endingWithAuthority: Bool
    ) throws(CertificateError) -> PartyCertificate {
        try PartyName.check(name)
        let authority = try CertificateOpenSSL.readCertificate(certificatePEM, source: "ca.pem")
        defer { X509_free(authority) }
        let authorityKey = try CertificateOpenSSL.readPrivateKey(privateKeyPEM, source: "ca.key")
        defer { EVP_PKEY_free(authorityKey) }
        var validity = validity
        if endingWithAuthority {
            let authorityEnd = try CertificateOpenSSL.notAfter(authority)
            guard authorityEnd > Date() else { throw .authorityExpired(authorityEnd) }
            validity = validity.lowerBound...max(validity.lowerBound, min(validity.upperBound, authorityEnd))
        }
        let key = try CertificateOpenSSL.generateKey()
        defer { EVP_PKEY_free(key) }
        let contents = CertificateOpenSSL.Contents(commonName: name, validity: validity, extensions: [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "serverAuth,clientAuth"),
            (NID_subject_alt_name, "DNS:\(name)"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ])
        return PartyCertificate(
            name: name,
            certificatePEM: try CertificateOpenSSL.makeCertificate(
                contents, key: key, issuer: authority, issuerKey: authorityKey),
            privateKeyPEM: try CertificateOpenSSL.privateKeyPEM(key))
    }

    /// From `clockSkew` ago to `days` days from now.
    private static func validity(days: Int) throws(CertificateError) -> ClosedRange<Date> {
        guard validDays.contains(days) else { throw .validityDays(days) }
        let now = Date()
        return now.addingTimeInterval(-clockSkew)...now.addingTimeInterval(TimeInterval(days) * 86_400)
    }
}
