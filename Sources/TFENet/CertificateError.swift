// Why a deployment's keys and certificates could not be made, read or written.

import Foundation

/// A failure while making, reading or writing certificates (`tfe-vm certs`). All wording is in `description`.
public enum CertificateError: Error, CustomStringConvertible, Sendable, Hashable {
    // MARK: - Names and lifetimes
    /// A party name is empty.
    case emptyPartyName
    /// A party name is longer than `PartyName.maximumBytes` bytes of UTF-8.
    case partyNameTooLong(String)
    /// A party name has a character other than an ASCII letter, a digit, `_`, `-` or `.`.
    case partyNameCharacter(String, character: Character)
    /// A party name starts with `.` or `-`, ends with `.`, or has `..`: a hidden file, an option, or an
    /// empty DNS label.
    case partyNameForm(String)
    /// `ca` (in any case): the certificate authority's own files are `ca.pem` and `ca.key`.
    case reservedPartyName(String)
    /// The same party twice; names are compared ignoring case, as DNS names (and some file systems) are.
    case duplicateParty(String)
    /// A deployment without parties.
    case noParties
    /// A lifetime outside `CertificateAuthority.validDays`.
    case validityDays(Int)
    /// The authority's own certificate expired at this time: its certificates would not verify.
    case authorityExpired(Date)

    // MARK: - Files
    /// A file to be written exists already; nothing is ever overwritten.
    case fileExists(String)
    case cannotWrite(String, reason: String)
    case cannotRead(String, reason: String)
    case cannotCreateDirectory(String, reason: String)
    /// The file holds no PEM certificate that OpenSSL can read.
    case notACertificate(String)
    /// The file holds no PEM private key that OpenSSL can read.
    case notAPrivateKey(String)
    /// The file holds a private key encrypted with a passphrase, which tfe does not ask for.
    case encryptedPrivateKey(String)
    /// The key in `key` does not belong to the public key in the certificate `certificate`.
    case keyMismatch(key: String, certificate: String)
    /// The certificate may not sign others: its basic constraints do not say `CA:TRUE`.
    case notAnAuthority(String)
    /// A `ca.pem` exists where a copy of the authority's certificate would go, and holds another certificate.
    case differentAuthority(String, expected: String)

    // MARK: - OpenSSL
    /// An OpenSSL call failed; `reason` is OpenSSL's first queued error (`ERR_error_string_n`).
    case openSSL(function: String, reason: String)

    public var description: String {
        switch self {
        case .emptyPartyName:
            return "a party name cannot be empty"
        case .partyNameTooLong(let name):
            return "party name '\(name)' is longer than \(PartyName.maximumBytes) bytes"
        case .partyNameCharacter(let name, let character):
            return "party name '\(name)' has '\(character)': use only letters, digits, '_', '-' and '.'"
        case .partyNameForm(let name):
            return "party name '\(name)' cannot start with '.' or '-', end with '.' or contain '..'"
        case .reservedPartyName(let name):
            return "'\(name)' cannot be a party name: 'ca.pem' and 'ca.key' are the certificate authority's files"
        case .duplicateParty(let name):
            return "party '\(name)' is named twice (party names ignore case)"
        case .noParties:
            return "there are no parties to make certificates for"
        case .validityDays(let days):
            let range = CertificateAuthority.validDays
            return "cannot make a certificate valid for \(days) days: use \(range.lowerBound) to \(range.upperBound)"
        case .authorityExpired(let date):
            let time = ISO8601DateFormatter().string(from: date)
            return "the certificate authority expired at \(time): certificates it issues would not verify"
        case .fileExists(let path):
            return "cannot write '\(path)': file exists"
        case .cannotWrite(let path, let reason):
            return "cannot write '\(path)': \(reason)"
        case .cannotRead(let path, let reason):
            return "cannot read '\(path)': \(reason)"
        case .cannotCreateDirectory(let path, let reason):
            return "cannot create directory '\(path)': \(reason)"
        case .notACertificate(let path):
            return "'\(path)' is not a PEM certificate"
        case .notAPrivateKey(let path):
            return "'\(path)' is not a PEM private key"
        case .encryptedPrivateKey(let path):
            return "'\(path)' is encrypted with a passphrase: tfe needs an unencrypted private key"
        case .keyMismatch(let key, let certificate):
            return "'\(key)' is not the private key of '\(certificate)'"
        case .notAnAuthority(let path):
            return "'\(path)' is not a certificate authority's certificate (it lacks basicConstraints CA:TRUE)"
        case .differentAuthority(let path, let expected):
            return "'\(path)' exists and is not the certificate in '\(expected)'"
        case .openSSL(let function, let reason):
            return "openssl failed in \(function): \(reason)"
        }
    }
}
