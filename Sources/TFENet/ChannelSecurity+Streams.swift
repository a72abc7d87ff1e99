// Turning a connected socket into the stream a party talks over: TLS with both certificates checked, or plain
// TCP with --insecure; and what a failed TLS handshake means for the run.

extension ChannelSecurity {
    /// The stream to `peer` over a socket this party dialed. Nil when the connection closed or stalled during
    /// the TLS handshake (the peer may be restarting, or run with --insecure: the caller retries, then reports
    /// `closedReason`); a certificate either side refuses is an error at once.
    func dialed(_ socket: Socket, peer: String, address: String, until deadline: Deadline)
        throws(NetworkError) -> (any ByteStream)?
    {
        switch self {
        case .insecure:
            return socket
        case .tls(let context):
            do {
                return try TLSStream.connect(socket, context: context, peer: peer, until: deadline)
            } catch {
                switch error {
                case .socket:
                    return nil
                case .rejectedPeer(let presented, let reason):
                    throw .untrustedCertificate(party: peer, address: address, presented: presented, reason: reason)
                case .rejectedByPeer(let reason):
                    throw .certificateRefused(peer: peer, address: address, reason: reason)
                case .protocolError(let reason):
                    throw .tlsFailed(peer: peer, address: address, reason: reason)
                }
            }
        }
    }

    /// Why a dialed connection that closed during the TLS handshake may have closed, for the final message.
    var closedDuringHandshake: String {
        switch self {
        case .insecure: return "the connection closed during the handshake"
        case .tls: return "the connection closed during the TLS handshake (does that party run with --insecure?)"
        }
    }

    /// What to do with a socket a listener accepted.
    enum Accepted {
        case stream(any ByteStream)
        /// Not a party (garbage, a port scanner, a TLS client without a certificate): drop it, say why.
        case ignored(String)
        /// A party this one must not talk to (a certificate of another CA, or one either side refused); a
        /// serving player drops it, a party's own run fails with it.
        case refused(NetworkError)
    }

    /// The stream over an accepted socket, checking the dialer's certificate (which party it names is checked
    /// against its hello later). A party that dials without TLS gets a plain refusal it can read.
    func accepted(_ socket: Socket, address: String, until deadline: Deadline) -> Accepted {
        guard case .tls(let context) = self else { return .stream(socket) }
        if let first = try? socket.peek(count: Handshake.magic.count, until: deadline), first == Handshake.magic {
            let refusal = NetworkError.tlsRequired(address: address)
            try? socket.write(
                Handshake.encode(.refuse(reason: "this party requires TLS: run every party with --certs, or every "
                                         + "party with --insecure")), until: deadline)
            socket.closeAfterRefusal()
            return .refused(refusal)
        }
        do {
            return .stream(try TLSStream.accept(socket, context: context, until: deadline))
        } catch {
            switch error {
            case .socket(let error):
                let what = error.kind == .timedOut ? "said nothing in time" : error.reason
                return .ignored("\(what) during the TLS handshake")
            case .rejectedPeer(let presented?, let reason):
                socket.closeAfterRefusal()
                return .refused(
                    .untrustedCertificate(party: nil, address: address, presented: presented, reason: reason))
            case .rejectedPeer(nil, let reason):
                return .ignored("refused during the TLS handshake: \(reason)")
            case .rejectedByPeer(let reason):
                return .refused(.certificateRefused(peer: "a party", address: address, reason: reason))
            case .protocolError(let reason):
                return .ignored("not a TLS 1.3 party: \(reason)")
            }
        }
    }
}
