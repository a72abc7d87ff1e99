// The OpenSSL calls behind CertificateAuthority: keys, X.509 v3 certificates, PEM in and out.

import COpenSSL
import Foundation

/// Thin wrappers over libcrypto for certificates. Every call starts with an empty error queue and turns a
/// failure into `CertificateError.openSSL` with OpenSSL's reason. Functions that return an OpenSSL object
/// hand it to the caller, who frees it (`defer` right after the call).
enum CertificateOpenSSL {
    // MARK: - Calls and errors

    /// Calls `body`, which returns nil on failure.
    static func call<T>(_ function: String, _ body: () -> T?) throws(CertificateError) -> T {
        ERR_clear_error()
        guard let value = body() else { throw .openSSL(function: function, reason: takeReason()) }
        return value
    }

    /// Calls `body`, which returns a positive number on success (OpenSSL's 1, or a length).
    static func check(_ function: String, _ body: () -> Int32) throws(CertificateError) {
        ERR_clear_error()
        guard body() > 0 else { throw .openSSL(function: function, reason: takeReason()) }
    }

    /// OpenSSL's first queued error as text (`error:...:reason`), leaving the queue empty.
    static func takeReason() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no reason given" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: - Keys and certificates

    /// A new EC P-256 key pair.
    static func generateKey() throws(CertificateError) -> OpaquePointer {
        try call("EVP_EC_gen") { tfe_generate_p256_key() }
    }

    /// What a new certificate says besides its public key.
    struct Contents {
        var commonName: String
        var validity: ClosedRange<Date>
        /// Extensions in OpenSSL's configuration syntax, such as `(NID_basic_constraints, "critical,CA:TRUE")`.
        var extensions: [(nid: Int32, value: String)]
    }

    /// A certificate for `key` with `contents`, a random 128-bit serial and a SHA-256 signature by
    /// `issuerKey`; `issuer` is nil for a self-signed certificate. Returns the certificate in PEM.
    static func makeCertificate(
        _ contents: Contents, key: OpaquePointer, issuer: OpaquePointer?, issuerKey: OpaquePointer
    ) throws(CertificateError) -> String {
        let certificate = try call("X509_new") { X509_new() }
        defer { X509_free(certificate) }
        try check("X509_set_version") { X509_set_version(certificate, 2) }  // 2 means v3
        let serial = try randomSerial()
        defer { ASN1_INTEGER_free(serial) }
        try check("X509_set_serialNumber") { X509_set_serialNumber(certificate, serial) }
        _ = try call("ASN1_TIME_set") {
            ASN1_TIME_set(X509_getm_notBefore(certificate), time_t(contents.validity.lowerBound.timeIntervalSince1970))
        }
        _ = try call("ASN1_TIME_set") {
            ASN1_TIME_set(X509_getm_notAfter(certificate), time_t(contents.validity.upperBound.timeIntervalSince1970))
        }
        let subject = try call("X509_NAME_new") { X509_NAME_new() }
        defer { X509_NAME_free(subject) }
        let commonName = Array(contents.commonName.utf8)
        try check("X509_NAME_add_entry_by_txt") {
            X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, commonName, Int32(commonName.count), -1, 0)
        }
        try check("X509_set_subject_name") { X509_set_subject_name(certificate, subject) }
        let issuerName = issuer.map { X509_get_subject_name($0) } ?? subject
        try check("X509_set_issuer_name") { X509_set_issuer_name(certificate, issuerName) }
        try check("X509_set_pubkey") { X509_set_pubkey(certificate, key) }

        var context = X509V3_CTX()
        tfe_X509V3_set_ctx_nodb(&context)
        X509V3_set_ctx(&context, issuer ?? certificate, certificate, nil, nil, 0)
        for (nid, value) in contents.extensions {
            let function = "X509V3_EXT_conf_nid(\(String(cString: OBJ_nid2sn(nid))))"
            let extensionObject = try call(function) { X509V3_EXT_conf_nid(nil, &context, nid, value) }
            defer { X509_EXTENSION_free(extensionObject) }
            try check("X509_add_ext") { X509_add_ext(certificate, extensionObject, -1) }
        }
        try check("X509_sign") { X509_sign(certificate, issuerKey, EVP_sha256()) }
        return try pem("PEM_write_bio_X509") { PEM_write_bio_X509($0, certificate) }
    }

    /// A positive serial of 127 random bits (RFC 5280 allows at most 20 octets; positive means the top bit
    /// clear), never zero.
    private static func randomSerial() throws(CertificateError) -> UnsafeMutablePointer<ASN1_INTEGER> {
        var bytes = [UInt8](repeating: 0, count: 16)
        try check("RAND_bytes") { RAND_bytes(&bytes, Int32(bytes.count)) }
        bytes[0] &= 0x7f
        if bytes.allSatisfy({ $0 == 0 }) { bytes[15] = 1 }
        let number = try call("BN_bin2bn") { BN_bin2bn(bytes, Int32(bytes.count), nil) }
        defer { BN_free(number) }
        return try call("BN_to_ASN1_INTEGER") { BN_to_ASN1_INTEGER(number, nil) }
    }

    /// The end of `certificate`'s validity.
    static func notAfter(_ certificate: OpaquePointer) throws(CertificateError) -> Date {
        let time = try call("X509_get0_notAfter") { X509_get0_notAfter(certificate) }
        var broken = tm()
        try check("ASN1_TIME_to_tm") { ASN1_TIME_to_tm(time, &broken) }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&broken)))
    }

    // MARK: - PEM

    /// More than any key or certificate of ours needs; a longer text is not one.
    static let maximumPEMBytes = 1 << 20

    /// What `write` puts into a memory BIO, as text.
    static func pem(_ function: String, _ write: (OpaquePointer) -> Int32) throws(CertificateError) -> String {
        let bio = try call("BIO_new") { BIO_new(BIO_s_mem()) }
        defer { BIO_free(bio) }
        try check(function) { write(bio) }
        var data: UnsafeMutablePointer<CChar>?
        let length = tfe_BIO_mem_contents(bio, &data)
        guard let data, length > 0 else { throw .openSSL(function: function, reason: "no output") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// `key`'s private key as unencrypted PKCS#8 (`BEGIN PRIVATE KEY`).
    static func privateKeyPEM(_ key: OpaquePointer) throws(CertificateError) -> String {
        try pem("PEM_write_bio_PrivateKey") { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
    }

    /// The first certificate in PEM `text`; `source` names it in errors. The caller frees it.
    static func readCertificate(_ text: String, source: String) throws(CertificateError) -> OpaquePointer {
        guard text.utf8.count <= maximumPEMBytes else { throw .notACertificate(source) }
        let bio = try memoryBIO(text)
        defer { BIO_free(bio) }
        ERR_clear_error()
        guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else {
            ERR_clear_error()
            throw .notACertificate(source)
        }
        return certificate
    }

    /// The private key in PEM `text`; `source` names it in errors. Never asks for a passphrase. The caller
    /// frees it.
    static func readPrivateKey(_ text: String, source: String) throws(CertificateError) -> OpaquePointer {
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED") {
            throw .encryptedPrivateKey(source)
        }
        guard text.utf8.count <= maximumPEMBytes else { throw .notAPrivateKey(source) }
        let bio = try memoryBIO(text)
        defer { BIO_free(bio) }
        ERR_clear_error()
        // Without a callback OpenSSL would prompt on the terminal for a passphrase; this one declines.
        guard let key = PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil) else {
            ERR_clear_error()
            throw .notAPrivateKey(source)
        }
        return key
    }

    /// A memory BIO holding a copy of `text`.
    private static func memoryBIO(_ text: String) throws(CertificateError) -> OpaquePointer {
        let bio = try call("BIO_new") { BIO_new(BIO_s_mem()) }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return bio }
        do {
            try check("BIO_write") { BIO_write(bio, bytes, Int32(bytes.count)) }
        } catch {
            BIO_free(bio)
            throw error
        }
        return bio
    }
}
