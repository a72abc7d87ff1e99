// Certificates for networked parties: what the authority issues verifies as TLS clients and servers expect,
// the files are private where they must be and never overwritten, and every failure is named.

import COpenSSL
import Foundation
import Testing

@testable import TFENet

@Suite struct CertificateTests {
    static let parties = ["server0", "server1", "server2", "model_owner", "client"]

    /// A path in the temporary directory that does not exist yet.
    static func freshPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tfe-certs-test-\(UUID().uuidString)").path
    }

    static func mode(_ path: String) -> mode_t {
        var status = stat()
        #expect(stat(path, &status) == 0, "cannot stat \(path)")
        return status.st_mode & 0o777
    }

    // MARK: - What the certificates say

    @Test func partyCertificatesVerifyAgainstTheirAuthority() throws {
        let files = CertificateDirectory(try testCertificateDirectory(for: Self.parties))
        let authority = try fileText(files.authorityCertificate)
        for party in Self.parties {
            let certificate = try fileText(files.certificate(of: party))
            #expect(verification(of: certificate, authority: authority, purpose: X509_PURPOSE_SSL_CLIENT)
                == X509_V_OK, "\(party) as a client")
            #expect(verification(of: certificate, authority: authority, purpose: X509_PURPOSE_SSL_SERVER)
                == X509_V_OK, "\(party) as a server")
            #expect(try matchesHost(certificate, party), "\(party)")
            for other in Self.parties where other != party {
                #expect(try !matchesHost(certificate, other), "\(party)'s certificate names \(other)")
            }
            let x509 = try CertificateOpenSSL.readCertificate(certificate, source: party)
            defer { X509_free(x509) }
            #expect(commonName(x509) == party)
            let key = try CertificateOpenSSL.readPrivateKey(try fileText(files.privateKey(of: party)), source: party)
            defer { EVP_PKEY_free(key) }
            #expect(X509_check_private_key(x509, key) == 1)
        }
    }

    @Test func extensionsAreTheOnesTLSNeeds() throws {
        let authority = try CertificateAuthority(days: 1)
        let party = try authority.issue(party: "model_owner", days: 1)
        let ca = try CertificateOpenSSL.readCertificate(authority.certificatePEM, source: "ca")
        defer { X509_free(ca) }
        let leaf = try CertificateOpenSSL.readCertificate(party.certificatePEM, source: "leaf")
        defer { X509_free(leaf) }

        #expect(X509_get_version(ca) == 2 && X509_get_version(leaf) == 2)
        #expect(commonName(ca) == CertificateAuthority.defaultName)
        #expect(X509_check_ca(ca) == 1 && X509_check_ca(leaf) == 0)
        #expect(X509_get_pathlen(ca) == 0)
        #expect(X509_get_key_usage(ca) == UInt32(KU_KEY_CERT_SIGN | KU_CRL_SIGN))
        #expect(X509_get_key_usage(leaf) == UInt32(KU_DIGITAL_SIGNATURE))
        #expect(X509_get_extended_key_usage(leaf) == UInt32(XKU_SSL_SERVER | XKU_SSL_CLIENT))
        for (certificate, nid) in [(ca, NID_basic_constraints), (ca, NID_key_usage),
                                   (leaf, NID_basic_constraints), (leaf, NID_key_usage)] {
            let index = X509_get_ext_by_NID(certificate, nid, -1)
            #expect(index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(certificate, index)) == 1)
        }
        // The leaf's authority key identifier is the authority's subject key identifier.
        let authorityKeyID = try #require(X509_get0_authority_key_id(leaf))
        let subjectKeyID = try #require(X509_get0_subject_key_id(ca))
        #expect(ASN1_OCTET_STRING_cmp(authorityKeyID, subjectKeyID) == 0)
        #expect(X509_get0_subject_key_id(leaf) != nil)
        #expect(OBJ_obj2nid(X509_get0_tbs_sigalg(leaf).pointee.algorithm) == NID_ecdsa_with_SHA256)
        #expect(party.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(party.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
    }

    @Test func serialsArePositiveRandomAndAtMost128Bits() throws {
        let authority = try CertificateAuthority(days: 1)
        var serials: Set<String> = []
        for pem in try [authority.certificatePEM] + (0..<4).map({ _ in try authority.issue(party: "p", days: 1) })
            .map(\.certificatePEM)
        {
            let certificate = try CertificateOpenSSL.readCertificate(pem, source: "certificate")
            defer { X509_free(certificate) }
            let number = try #require(ASN1_INTEGER_to_BN(X509_get_serialNumber(certificate), nil))
            defer { BN_free(number) }
            #expect(BN_is_negative(number) == 0 && BN_is_zero(number) == 0 && BN_num_bits(number) <= 128)
            let hex = try #require(BN_bn2hex(number))
            serials.insert(String(cString: hex))
            CRYPTO_free(hex, #fileID, #line)
        }
        #expect(serials.count == 5)
    }

    @Test func validityStartsBeforeNowAndLastsTheDays() throws {
        let before = Date()
        let authority = try CertificateAuthority(days: 30)
        let party = try authority.issue(party: "client", days: 10)
        let certificate = try CertificateOpenSSL.readCertificate(party.certificatePEM, source: "client")
        defer { X509_free(certificate) }
        var difference: (days: Int32, seconds: Int32) = (0, 0)
        #expect(ASN1_TIME_diff(&difference.days, &difference.seconds, nil, X509_get0_notBefore(certificate)) == 1)
        let start = TimeInterval(difference.days) * 86_400 + TimeInterval(difference.seconds)
        #expect(start <= -CertificateAuthority.clockSkew + 2 && start >= -CertificateAuthority.clockSkew - 60)
        let end = try CertificateOpenSSL.notAfter(certificate).timeIntervalSince(before)
        #expect(end >= 10 * 86_400 - 1 && end <= 10 * 86_400 + 60)
        // A party's certificate never outlives the authority's.
        let longer = try authority.issue(party: "client", days: 100)
        let clipped = try CertificateOpenSSL.readCertificate(longer.certificatePEM, source: "client")
        defer { X509_free(clipped) }
        let authorityCertificate = try CertificateOpenSSL.readCertificate(authority.certificatePEM, source: "ca")
        defer { X509_free(authorityCertificate) }
        #expect(try CertificateOpenSSL.notAfter(clipped) == CertificateOpenSSL.notAfter(authorityCertificate))
    }

    // MARK: - What does not verify

    @Test func certificateFromAnotherAuthorityDoesNotVerify() throws {
        let ours = try CertificateAuthority(days: 1)
        let theirs = try CertificateAuthority(days: 1)
        let stranger = try theirs.issue(party: "server1", days: 1)
        #expect(verification(of: stranger.certificatePEM, authority: ours.certificatePEM,
                             purpose: X509_PURPOSE_SSL_CLIENT) == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
        #expect(verification(of: stranger.certificatePEM, authority: theirs.certificatePEM,
                             purpose: X509_PURPOSE_SSL_CLIENT) == X509_V_OK)
    }

    @Test func expiredAndNotYetValidCertificatesAreRejected() throws {
        let authority = try CertificateAuthority(days: 1)
        let now = Date()
        let expired = try authority.issue(
            party: "server0", validity: now.addingTimeInterval(-3 * 86_400)...now.addingTimeInterval(-86_400))
        #expect(verification(of: expired.certificatePEM, authority: authority.certificatePEM,
                             purpose: X509_PURPOSE_SSL_SERVER) == X509_V_ERR_CERT_HAS_EXPIRED)
        let early = try authority.issue(
            party: "server0", validity: now.addingTimeInterval(86_400)...now.addingTimeInterval(2 * 86_400))
        #expect(verification(of: early.certificatePEM, authority: authority.certificatePEM,
                             purpose: X509_PURPOSE_SSL_SERVER) == X509_V_ERR_CERT_NOT_YET_VALID)
        let expiredAuthority = try CertificateAuthority(
            validity: now.addingTimeInterval(-3 * 86_400)...now.addingTimeInterval(-86_400))
        let orphan = try expiredAuthority.issue(party: "server0", validity: now...now.addingTimeInterval(86_400))
        #expect(verification(of: orphan.certificatePEM, authority: expiredAuthority.certificatePEM,
                             purpose: X509_PURPOSE_SSL_SERVER) == X509_V_ERR_CERT_HAS_EXPIRED)
        // Asked for days, an expired authority issues nothing.
        let error = #expect(throws: CertificateError.self) { try expiredAuthority.issue(party: "server0", days: 1) }
        guard case .authorityExpired(let end) = error else {
            Issue.record("expected .authorityExpired, got \(String(describing: error))")
            return
        }
        #expect(abs(end.timeIntervalSince(now.addingTimeInterval(-86_400))) < 2)
    }

    // MARK: - Files

    @Test func keysArePrivateAndCertificatesPublic() throws {
        let root = Self.freshPath()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = root + "/nested/certs"
        let written = try makeDeploymentCertificates(parties: ["server0", "client"], directory: directory, days: 1)
        let files = CertificateDirectory(directory)
        #expect(written == [files.authorityCertificate, files.authorityKey, files.certificate(of: "server0"),
                            files.privateKey(of: "server0"), files.certificate(of: "client"),
                            files.privateKey(of: "client")])
        #expect(Self.mode(root) == 0o700 && Self.mode(root + "/nested") == 0o700 && Self.mode(directory) == 0o700)
        for path in written {
            #expect(Self.mode(path) == (path.hasSuffix(".key") ? 0o600 : 0o644), "\(path)")
        }
        let contents = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(contents == ["ca.key", "ca.pem", "client.key", "client.pem", "server0.key", "server0.pem"])
    }

    @Test func existingFilesAreNeverOverwritten() throws {
        let directory = Self.freshPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let files = CertificateDirectory(directory)
        try Data("keep\n".utf8).write(to: URL(fileURLWithPath: files.privateKey(of: "server1")))
        #expect(throws: CertificateError.fileExists(files.privateKey(of: "server1"))) {
            try makeDeploymentCertificates(parties: Self.parties, directory: directory, days: 1)
        }
        #expect(try fileText(files.privateKey(of: "server1")) == "keep\n")
        // Nothing else was written.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["server1.key"])
        #expect(throws: CertificateError.fileExists(files.privateKey(of: "server1"))) {
            try CertificateFile.create(files.privateKey(of: "server1"), contents: "new", isPrivate: true)
        }
        #expect(try fileText(files.privateKey(of: "server1")) == "keep\n")
    }

    @Test func aFailedWriteRemovesWhatItWrote() throws {
        let directory = Self.freshPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try CertificateFile.makeDirectory(directory)
        let plan = [
            CertificateFile.Planned(path: directory + "/a.pem", isPrivate: false, contents: "a"),
            CertificateFile.Planned(path: directory + "/missing/b.key", isPrivate: true, contents: "b"),
        ]
        #expect(throws: CertificateError.cannotWrite(directory + "/missing/b.key",
                                                     reason: "no such file or directory")) {
            try CertificateFile.writeAll(plan)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [])
    }

    @Test func aPartyIsAddedFromAnExistingAuthority() throws {
        let authorityDirectory = try makeTestCertificateDirectory(for: ["server0"])
        defer { try? FileManager.default.removeItem(atPath: authorityDirectory) }
        let out = Self.freshPath()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let authorityFiles = CertificateDirectory(authorityDirectory), outFiles = CertificateDirectory(out)

        let written = try issuePartyCertificate(name: "carol", caDirectory: authorityDirectory, outDirectory: out,
                                                days: 1)
        #expect(written == [outFiles.certificate(of: "carol"), outFiles.privateKey(of: "carol"),
                            outFiles.authorityCertificate])
        #expect(try fileText(outFiles.authorityCertificate) == fileText(authorityFiles.authorityCertificate))
        #expect(Self.mode(outFiles.privateKey(of: "carol")) == 0o600)
        let carol = try fileText(outFiles.certificate(of: "carol"))
        #expect(verification(of: carol, authority: try fileText(authorityFiles.authorityCertificate),
                             purpose: X509_PURPOSE_SSL_CLIENT) == X509_V_OK)
        #expect(try matchesHost(carol, "carol"))

        // Into the authority's own directory, which has ca.pem already.
        let inPlace = try issuePartyCertificate(name: "dave", caDirectory: authorityDirectory,
                                                outDirectory: authorityDirectory, days: 1)
        #expect(inPlace == [authorityFiles.certificate(of: "dave"), authorityFiles.privateKey(of: "dave")])
        #expect(throws: CertificateError.fileExists(outFiles.certificate(of: "carol"))) {
            try issuePartyCertificate(name: "carol", caDirectory: authorityDirectory, outDirectory: out, days: 1)
        }
        // A ca.pem of another authority where the copy would go.
        let other = try makeTestCertificateDirectory(for: ["x"])
        defer { try? FileManager.default.removeItem(atPath: other) }
        #expect(throws: CertificateError.differentAuthority(
            CertificateDirectory(other).authorityCertificate, expected: authorityFiles.authorityCertificate)) {
            try issuePartyCertificate(name: "erin", caDirectory: authorityDirectory, outDirectory: other, days: 1)
        }
        #expect(!FileManager.default.fileExists(atPath: CertificateDirectory(other).certificate(of: "erin")))
    }

    // MARK: - Failures, named

    @Test(arguments: [
        ("", CertificateError.emptyPartyName),
        (String(repeating: "x", count: 65), .partyNameTooLong(String(repeating: "x", count: 65))),
        ("a b", .partyNameCharacter("a b", character: " ")),
        ("a/b", .partyNameCharacter("a/b", character: "/")),
        ("café", .partyNameCharacter("café", character: "é")),
        ("*", .partyNameCharacter("*", character: "*")),
        (".hidden", .partyNameForm(".hidden")),
        ("-rf", .partyNameForm("-rf")),
        ("x.", .partyNameForm("x.")),
        ("a..b", .partyNameForm("a..b")),
        ("ca", .reservedPartyName("ca")),
        ("CA", .reservedPartyName("CA")),
    ])
    func badPartyNamesAreRefused(name: String, error: CertificateError) throws {
        #expect(throws: error) { try PartyName.check(name) }
        let authority = try CertificateAuthority(days: 1)
        #expect(throws: error) { try authority.issue(party: name, days: 1) }
    }

    @Test(arguments: ["server0", "model_owner", "a-b.c", "ca1", "_", "9", String(repeating: "x", count: 64)])
    func goodPartyNamesAreAccepted(name: String) throws {
        try PartyName.check(name)
        let authority = try CertificateAuthority(days: 1)
        #expect(try matchesHost(authority.issue(party: name, days: 1).certificatePEM, name))
    }

    @Test func deploymentArgumentsAreChecked() throws {
        let directory = Self.freshPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: CertificateError.duplicateParty("Server0")) {
            try makeDeploymentCertificates(parties: ["server0", "Server0"], directory: directory, days: 1)
        }
        #expect(throws: CertificateError.noParties) {
            try makeDeploymentCertificates(parties: [], directory: directory, days: 1)
        }
        for days in [0, -1, 36_501] {
            #expect(throws: CertificateError.validityDays(days)) {
                try makeDeploymentCertificates(parties: ["a"], directory: directory, days: days)
            }
            #expect(throws: CertificateError.validityDays(days)) { try CertificateAuthority(days: days) }
        }
        #expect(!FileManager.default.fileExists(atPath: directory))
        let notADirectory = try makeTestCertificateDirectory(for: ["a"]) + "/ca.pem"
        defer { try? FileManager.default.removeItem(atPath: (notADirectory as NSString).deletingLastPathComponent) }
        #expect(throws: CertificateError.cannotCreateDirectory(notADirectory, reason: "not a directory")) {
            try makeDeploymentCertificates(parties: ["b"], directory: notADirectory, days: 1)
        }
    }

    @Test func badAuthorityFilesAreNamed() throws {
        let good = try makeTestCertificateDirectory(for: ["server0"])
        defer { try? FileManager.default.removeItem(atPath: good) }
        let directory = Self.freshPath()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let files = CertificateDirectory(directory), goodFiles = CertificateDirectory(good)
        func put(_ path: String, _ text: String) throws {
            try? FileManager.default.removeItem(atPath: path)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        func expectLoad(_ error: CertificateError, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(throws: error, sourceLocation: sourceLocation) {
                try CertificateAuthority.load(directory: directory)
            }
            #expect(throws: error, sourceLocation: sourceLocation) {
                try issuePartyCertificate(name: "x", caDirectory: directory, outDirectory: directory, days: 1)
            }
        }

        expectLoad(.cannotRead(files.authorityCertificate, reason: "no such file or directory"))
        try put(files.authorityCertificate, try fileText(goodFiles.authorityCertificate))
        expectLoad(.cannotRead(files.authorityKey, reason: "no such file or directory"))
        try FileManager.default.createDirectory(atPath: files.authorityKey, withIntermediateDirectories: false)
        expectLoad(.cannotRead(files.authorityKey, reason: "is a directory"))
        try FileManager.default.removeItem(atPath: files.authorityKey)
        try put(files.authorityKey, "garbage\n")
        expectLoad(.notAPrivateKey(files.authorityKey))
        try put(files.authorityKey, try fileText(goodFiles.authorityCertificate))
        expectLoad(.notAPrivateKey(files.authorityKey))
        try put(files.authorityKey, try encryptedKey())
        expectLoad(.encryptedPrivateKey(files.authorityKey))
        try put(files.authorityKey, try fileText(goodFiles.privateKey(of: "server0")))
        expectLoad(.keyMismatch(key: files.authorityKey, certificate: files.authorityCertificate))
        try put(files.authorityCertificate, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        expectLoad(.notACertificate(files.authorityCertificate))
        try put(files.authorityCertificate, try fileText(goodFiles.certificate(of: "server0")))
        expectLoad(.notAnAuthority(files.authorityCertificate))
        try put(files.authorityKey, try fileText(goodFiles.authorityKey))
        try put(files.authorityCertificate, try fileText(goodFiles.authorityCertificate))
        #expect(try CertificateAuthority.load(directory: directory)
            == CertificateAuthority(certificatePEM: try fileText(goodFiles.authorityCertificate),
                                    privateKeyPEM: try fileText(goodFiles.authorityKey)))
    }

    @Test(arguments: [
        (CertificateError.fileExists("dir/ca.key"), "cannot write 'dir/ca.key': file exists"),
        (.notAPrivateKey("dir/ca.key"), "'dir/ca.key' is not a PEM private key"),
        (.partyNameCharacter("a b", character: " "),
         "party name 'a b' has ' ': use only letters, digits, '_', '-' and '.'"),
        (.validityDays(0), "cannot make a certificate valid for 0 days: use 1 to 36500"),
        (.openSSL(function: "X509_sign", reason: "error:1:x::y"), "openssl failed in X509_sign: error:1:x::y"),
    ])
    func errorMessages(error: CertificateError, message: String) {
        #expect(error.description == message)
    }

    @Test func openSSLReasonsAreTaken() {
        ERR_clear_error()
        #expect(CertificateOpenSSL.takeReason() == "no reason given")
        do {
            let bio = try CertificateOpenSSL.call("BIO_new_file") { BIO_new_file("/nonexistent/tfe", "r") }
            BIO_free(bio)
            Issue.record("opened /nonexistent/tfe")
        } catch {
            guard case .openSSL(let function, let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(function == "BIO_new_file" && reason.hasPrefix("error:"))
        }
        #expect(ERR_peek_error() == 0)
    }

    // MARK: - The openssl tool agrees

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "no /usr/bin/openssl"))
    func opensslVerifyAgrees() throws {
        let files = CertificateDirectory(try testCertificateDirectory(for: Self.parties))
        for (party, purpose) in [("model_owner", "sslclient"), ("server0", "sslserver")] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = [
                "verify", "-CAfile", files.authorityCertificate, "-purpose", purpose, "-verify_hostname", party,
                files.certificate(of: party),
            ]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text == "\(files.certificate(of: party)): OK\n")
        }
    }

    // MARK: - Helpers

    /// The certificate's subject common name.
    func commonName(_ certificate: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 128)
        let length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, &buffer,
                                               Int32(buffer.count))
        guard length >= 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A P-256 key in PKCS#8 encrypted with the passphrase "secret".
    func encryptedKey() throws -> String {
        let key = try CertificateOpenSSL.generateKey()
        defer { EVP_PKEY_free(key) }
        let passphrase = Array("secret".utf8).map { CChar(bitPattern: $0) }
        return try CertificateOpenSSL.pem("PEM_write_bio_PKCS8PrivateKey") { bio in
            var passphrase = passphrase
            return PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), &passphrase, Int32(passphrase.count),
                                                 nil, nil)
        }
    }
}
