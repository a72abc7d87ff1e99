// A deployment's certificate directory: making one for every party, adding a party, and the file writes.

import COpenSSL
import Foundation
import TFENumPy
import TFERuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of a certificate directory: `ca.pem` and `ca.key` for the authority, `NAME.pem` and `NAME.key`
/// for each party. Paths are joined to the directory as given, so messages show them as the user typed it.
public struct CertificateDirectory: Hashable, Sendable {
    public let path: String

    public init(_ path: String) {
        self.path = path
    }

    /// `DIR/ca.pem`: every party trusts it.
    public var authorityCertificate: String { file("ca.pem") }
    /// `DIR/ca.key`: stays with whoever runs the deployment.
    public var authorityKey: String { file("ca.key") }

    /// `DIR/NAME.pem`.
    public func certificate(of party: String) -> String { file("\(party).pem") }
    /// `DIR/NAME.key`.
    public func privateKey(of party: String) -> String { file("\(party).key") }

    private func file(_ name: String) -> String {
        if path.isEmpty { return name }
        return path.hasSuffix("/") ? path + name : path + "/" + name
    }
}

/// Makes a certificate authority and a key and certificate for each of `parties`, valid for `days` days, and
/// writes them to `directory` (created with mode 0700 if missing): `ca.pem`, `ca.key`, `NAME.pem` and
/// `NAME.key`. Keys are created with mode 0600, certificates 0644. Nothing is overwritten: if any of the files
/// exists, nothing is written; if a write fails, the files written so far are removed.
/// Returns the paths written, the authority's first.
@discardableResult
public func makeDeploymentCertificates(
    parties: [String], directory: String, days: Int
) throws(CertificateError) -> [String] {
    guard CertificateAuthority.validDays.contains(days) else { throw .validityDays(days) }
    guard !parties.isEmpty else { throw .noParties }
    var seen: Set<String> = []
    for party in parties {
        try PartyName.check(party)
        guard seen.insert(party.lowercased()).inserted else { throw .duplicateParty(party) }
    }
    let files = CertificateDirectory(directory)
    var plan = [
        CertificateFile.Planned(path: files.authorityCertificate, isPrivate: false),
        CertificateFile.Planned(path: files.authorityKey, isPrivate: true),
    ]
    for party in parties {
        plan.append(CertificateFile.Planned(path: files.certificate(of: party), isPrivate: false))
        plan.append(CertificateFile.Planned(path: files.privateKey(of: party), isPrivate: true))
    }
    try CertificateFile.checkAbsent(plan.map(\.path))

    let authority = try CertificateAuthority(days: days)
    plan[0].contents = authority.certificatePEM
    plan[1].contents = authority.privateKeyPEM
    for (index, party) in parties.enumerated() {
        let issued = try authority.issue(party: party, days: days)
        plan[2 + 2 * index].contents = issued.certificatePEM
        plan[3 + 2 * index].contents = issued.privateKeyPEM
    }
    try CertificateFile.makeDirectory(directory)
    try CertificateFile.writeAll(plan)
    return plan.map(\.path)
}

/// Issues a key and certificate for one more party from the authority in `caDirectory` (`ca.pem`, `ca.key`)
/// and writes `NAME.pem` and `NAME.key` to `outDirectory` (created with mode 0700 if missing), with a copy of
/// `ca.pem` unless one is there already. Nothing is overwritten, and a `ca.pem` already in `outDirectory` must
/// be the authority's. Returns the paths written.
@discardableResult
public func issuePartyCertificate(
    name: String, caDirectory: String, outDirectory: String, days: Int
) throws(CertificateError) -> [String] {
    try PartyName.check(name)
    guard CertificateAuthority.validDays.contains(days) else { throw .validityDays(days) }
    let authority = try CertificateAuthority.load(directory: caDirectory)
    let files = CertificateDirectory(outDirectory)
    var plan = [
        CertificateFile.Planned(path: files.certificate(of: name), isPrivate: false),
        CertificateFile.Planned(path: files.privateKey(of: name), isPrivate: true),
    ]
    try CertificateFile.checkAbsent(plan.map(\.path))
    if CertificateFile.exists(files.authorityCertificate) {
        let expected = CertificateDirectory(caDirectory).authorityCertificate
        let present = try CertificateOpenSSL.readCertificate(
            try CertificateFile.contents(of: files.authorityCertificate), source: files.authorityCertificate)
        defer { X509_free(present) }
        let ours = try CertificateOpenSSL.readCertificate(authority.certificatePEM, source: expected)
        defer { X509_free(ours) }
        guard X509_cmp(present, ours) == 0 else {
            throw .differentAuthority(files.authorityCertificate, expected: expected)
        }
    } else {
        plan.append(CertificateFile.Planned(
            path: files.authorityCertificate, isPrivate: false, contents: authority.certificatePEM))
    }
    let issued = try authority.issue(party: name, days: days)
    plan[0].contents = issued.certificatePEM
    plan[1].contents = issued.privateKeyPEM
    try CertificateFile.makeDirectory(outDirectory)
    try CertificateFile.writeAll(plan)
    return plan.map(\.path)
}

/// Reading and writing the files of a certificate directory with POSIX calls, so that a key file is private
/// from the moment it exists and nothing is ever overwritten.
enum CertificateFile {
    /// A file to write: keys get mode 0600 when created, certificates 0644.
    struct Planned {
        var path: String
        var isPrivate: Bool
        var contents = ""
    }

    /// The longest file `contents(of:)` accepts.
    static let maximumBytes = CertificateOpenSSL.maximumPEMBytes

    /// Whether anything (even a dangling link) is at `path`.
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Throws `.fileExists` for the first of `paths` that exists.
    static func checkAbsent(_ paths: [String]) throws(CertificateError) {
        if let existing = paths.first(where: exists) { throw .fileExists(existing) }
    }

    /// Creates `path` and its missing parents with mode 0700 (before the umask); an existing directory is
    /// left as it is.
    static func makeDirectory(_ path: String) throws(CertificateError) {
        if let (_, error) = FileAccess.makePrivateDirectories(atPath: path) {
            throw .cannotCreateDirectory(path, reason: reason(error))
        }
    }

    /// Writes every planned file, in order; if one fails, removes those written before it.
    static func writeAll(_ plan: [Planned]) throws(CertificateError) {
        var written: [String] = []
        do {
            for file in plan {
                try create(file.path, contents: file.contents, isPrivate: file.isPrivate)
                written.append(file.path)
            }
        } catch {
            for path in written { _ = unlink(path) }
            throw error
        }
    }

    /// Creates `path`, which must not exist, writes `contents` and syncs it. A key is created with mode 0600
    /// and never changed; a certificate is set to 0644 whatever the umask, for services running as another user.
    /// Removes the file again if anything fails after it was created.
    static func create(_ path: String, contents: String, isPrivate: Bool) throws(CertificateError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, isPrivate ? 0o600 : 0o644)
        guard descriptor >= 0 else {
            let error = errno
            throw error == EEXIST ? .fileExists(path) : .cannotWrite(path, reason: reason(error))
        }
        var failure: Int32?
        if !isPrivate, fchmod(descriptor, 0o644) != 0 { failure = errno }
        if failure == nil {
            failure = Array(contents.utf8).withUnsafeBytes { FileAccess.writeAll($0, to: descriptor) }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0, failure == nil { failure = errno }
        if let failure {
            _ = unlink(path)
            throw .cannotWrite(path, reason: reason(failure))
        }
    }

    /// The text of the file at `path`, at most `maximumBytes` long.
    static func contents(of path: String) throws(CertificateError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotRead(path, reason: reason(errno)) }
        defer { _ = close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                guard errno == EINTR else { throw .cannotRead(path, reason: reason(errno)) }
                continue
            }
            if count == 0 { break }
            bytes += buffer[..<count]
            guard bytes.count <= maximumBytes else { throw .cannotRead(path, reason: reason(EFBIG)) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The operating system's text for `code`, lowercased to sit inside our messages.
    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
