// Why a networked run could not get all its parties connected.

import TFERuntime

/// A failure while setting up the connections of a networked run, before the first frame. Once running,
/// failures are `TransportError`s (`.timedOut`, `.disconnected`, ...), as on the local network.
public enum NetworkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// This party's listening socket could not be opened.
    case cannotListen(address: String, reason: String)
    /// Every attempt to reach a lower-numbered peer failed until the connect timeout.
    case cannotConnect(peer: String, address: String, reason: String, seconds: Double)
    /// Higher-numbered peers never connected (and completed the handshake) before the connect timeout.
    case peersMissing([String], address: String, seconds: Double)
    /// A connection to or from `peer` broke off or stalled during the handshake.
    case handshakeFailed(peer: String, reason: String)
    /// The peer's program has another content hash (both in lowercase hex).
    case differentProgram(peer: String, theirs: String, ours: String)
    /// The peer speaks another version of the handshake or the bytecode format.
    case incompatibleVersion(peer: String, what: String, theirs: Int, ours: Int)
    /// A party whose name is not in the program's player table said hello.
    case unknownParty(name: String, address: String)
    /// The party at an address is not the one the host map puts there, or connected when it should not.
    case wrongParty(address: String, expected: String, found: String)
    /// A lower-numbered party dialed this one (it should wait to be dialed): another tfe-vm version?
    case unexpectedDialer(peer: String)
    /// The same party connected twice.
    case duplicateConnection(peer: String, address: String)
    /// The peer belongs to another run of the same program (its run id, chosen by server0, differs).
    case differentRun(peer: String, theirs: String, ours: String)
    /// This party refused the certificate a peer presented (`party` when this party dialed it): not signed by the
    /// deployment's CA, expired, or naming another party. `reason` is in words.
    case untrustedCertificate(party: String?, address: String, presented: String?, reason: String)
    /// The peer refused this party's certificate; `reason` is its TLS alert in OpenSSL's words.
    case certificateRefused(peer: String, address: String, reason: String)
    /// A party's certificate names another party than the one its hello claims to be.
    case impersonation(claimed: String, certified: String?, address: String)
    /// A party dialed without TLS (`--insecure`) while this one requires it.
    case tlsRequired(address: String)
    /// TLS with the peer failed for another reason (it broke the protocol, or offers no TLS 1.3).
    case tlsFailed(peer: String, address: String, reason: String)
    /// A party connected during the setup stopped before the run began: its abort notice (`.closed`, with the
    /// reason of the first party that failed) or its link ending (`.disconnected`).
    case peerStopped(TransportError)
    /// The peer checked our hello and refused; `reason` is its own message.
    case refused(peer: String, reason: String)
    /// The operating system failed us (no thread, no randomness).
    case system(String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let reason):
            return "cannot listen on \(address): \(reason)"
        case .cannotConnect(let peer, let address, let reason, let seconds):
            return "cannot connect to \(peer) at \(address): \(reason) "
                + "(gave up after \(formatSeconds(seconds)) s)"
        case .peersMissing(let peers, let address, let seconds):
            let names = peers.map { "'\($0)'" }.joined(separator: ", ")
            return "gave up after \(formatSeconds(seconds)) s waiting for \(names) to connect to \(address)"
        case .handshakeFailed(let peer, let reason):
            return "handshake with \(peer) failed: \(reason)"
        case .differentProgram(let peer, let theirs, let ours):
            return "\(peer) runs a different program (hash \(abbreviate(theirs)) ≠ \(abbreviate(ours)))"
        case .incompatibleVersion(let peer, let what, let theirs, let ours):
            return "\(peer) uses \(what) version \(theirs), this tfe-vm uses \(ours): run the same tfe-vm version on "
                + "every party"
        case .unknownParty(let name, let address):
            return "a party named '\(name)' connected from \(address), but the program has no such player"
        case .wrongParty(let address, let expected, let found):
            return "the party at \(address) is '\(found)', not '\(expected)': "
                + "do all parties use the same config.json?"
        case .unexpectedDialer(let peer):
            return "\(peer) dialed this party, but lower-numbered parties wait to be dialed: "
                + "does it run another tfe-vm version?"
        case .duplicateConnection(let peer, let address):
            return "\(peer) connected a second time (from \(address)): is it running twice?"
        case .differentRun(let peer, let theirs, let ours):
            return "\(peer) belongs to another run (run id \(abbreviate(theirs)) ≠ \(abbreviate(ours))): "
                + "was a party restarted?"
        case .untrustedCertificate(let party, let address, let presented, let reason):
            let who = party.map { "\($0) at \(address)" } ?? "a party at \(address)"
            let what = presented.map { "a certificate for '\($0)'" } ?? "a certificate"
            return "\(who) presented \(what) that this party does not accept: \(reason)"
        case .certificateRefused(let peer, let address, let reason):
            return "\(peer) at \(address) refused this party's certificate (\(reason)): "
                + "are all parties' certificates made by the same 'tfe-vm certs'?"
        case .impersonation(let claimed, let certified, let address):
            let holder = certified.map { "'\($0)'" } ?? "another party"
            return "a party at \(address) claims to be '\(claimed)', but its certificate is \(holder)'s"
        case .tlsRequired(let address):
            return "a party at \(address) connected without TLS (does it run with --insecure?): "
                + "run every party with --certs, or every party with --insecure"
        case .tlsFailed(let peer, let address, let reason):
            return "TLS with \(peer) at \(address) failed: \(reason)"
        case .peerStopped(.closed(let reason)):
            return "the setup was stopped: \(reason)"
        case .peerStopped(.disconnected(let peer)):
            return "\(peer) disconnected before the run began"
        case .peerStopped(let error):
            return "\(error), before the run began"
        case .refused(let peer, let reason):
            return "\(peer) refused the connection: \(reason)"
        case .system(let reason):
            return reason
        }
    }

    /// The first 12 hex digits and an ellipsis: enough to tell two hashes apart in a message.
    private func abbreviate(_ hex: String) -> String {
        hex.count > 12 ? hex.prefix(12) + "…" : hex
    }

    private func formatSeconds(_ seconds: Double) -> String {
        if seconds == seconds.rounded(), abs(seconds) < 1e15 { return String(Int(seconds)) }
        return String((seconds * 1000).rounded() / 1000)
    }
}
