// What the framing and the handshake read and write: plain TCP (`Socket`) or TLS over it (`TLSStream`).

/// A connected, ordered byte stream to one peer.
///
/// One thread reads while others write (`Connection` serialises the writers); `shutdown()` may come from
/// any thread, to wake them both, and `close()` comes last, once no thread uses the stream.
protocol ByteStream: AnyObject, Sendable {
    /// Fills `bytes[start...]`, waiting at most until `deadline` (nil: until the stream is shut down).
    func read(into bytes: inout [UInt8], from start: Int, until deadline: Deadline?) throws(SocketError)
    /// Writes all of `bytes`, waiting for buffer space at most until `deadline`. `more` says that another
    /// write follows at once, so that a frame's header and payload can leave together.
    func write(_ bytes: [UInt8], more: Bool, until deadline: Deadline) throws(SocketError)
    /// Wakes any thread blocked on the stream and tells the peer we are gone, without releasing it.
    func shutdown()
    /// Releases the stream; later calls do nothing.
    func close()
    /// The party name the peer's certificate was checked for (TLS); nil on plain TCP.
    var peerIdentity: String? { get }
    /// Whether the peer's certificate names `name` (always false on plain TCP).
    func certifies(_ name: String) -> Bool
}

extension ByteStream {
    /// Exactly `count` bytes.
    func read(exactly count: Int, until deadline: Deadline?) throws(SocketError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try read(into: &bytes, from: 0, until: deadline)
        return bytes
    }

    func write(_ bytes: [UInt8], until deadline: Deadline) throws(SocketError) {
        try write(bytes, more: false, until: deadline)
    }
}
