// A `Transport` over TCP: one connection per pair of parties, the frames of `Frame.encoded()` on it.

import Foundation
import TFEBytecode
import TFECore
import TFERuntime

/// How a `TCPTransport` protects its connections, and its limits.
public struct TCPTransportOptions: Sendable {
    /// TLS with the deployment's certificates, or plain TCP (`--insecure`).
    public var security: ChannelSecurity
    /// How long `TCPTransport.connect` may take in all: dialing (with retries while a peer is not up yet),
    /// waiting for the higher-numbered peers, and every handshake.
    public var connectTimeout: Duration
    /// How long an accepted connection may take to say hello before it is dropped.
    public var handshakeTimeout: Duration
    /// How long a `send` may wait for a peer that does not read.
    public var sendTimeout: Duration
    /// The largest payload accepted (and sent) in one frame; a larger announced length is rejected.
    public var maxFrameBytes: Int

    public init(
        security: ChannelSecurity, connectTimeout: Duration = .seconds(30), handshakeTimeout: Duration = .seconds(5),
        sendTimeout: Duration = .seconds(30), maxFrameBytes: Int = 1 << 30
    ) {
        self.security = security
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.sendTimeout = sendTimeout
        self.maxFrameBytes = maxFrameBytes
    }
}

/// A listening socket opened ahead of `TCPTransport.connect`, for example on port 0 so that tests can
/// learn a free port before writing the host map.
public final class TCPListener: @unchecked Sendable {
    let socket: Socket
    /// The address it is bound to, with the port the system chose for port 0.
    public let address: HostAddress

    init(socket: Socket, address: HostAddress) {
        self.socket = socket
        self.address = address
    }

    /// Listens on `address` (port 0: any free port). When the host is not one of this machine's addresses,
    /// as behind NAT, it listens on every address of that family instead.
    public static func bind(_ address: HostAddress) throws(NetworkError) -> TCPListener {
        do {
            let resolved = try SocketAddress.resolve(host: address.host, port: address.port)
            let socket = try Socket.listen(on: resolved[0])
            let port = socket.localAddress.map { TCPListener.port(of: $0) } ?? address.port
            return TCPListener(socket: socket, address: HostAddress(host: address.host, port: port))
        } catch {
            throw .cannotListen(address: address.description, reason: error.reason)
        }
    }

    public var port: UInt16 { address.port }

    /// Stops listening; connections already accepted are not affected.
    public func close() {
        socket.shutdown()
        socket.close()
    }

    private static func port(of address: SocketAddress) -> UInt16 {
        withUnsafeBytes(of: address.storage) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
    }
}

/// One party's endpoint of a networked run: a connection to every other party, TLS 1.3 with both ends'
/// certificates checked (or plain TCP with `--insecure`).
///
/// Connecting: every party but the highest-numbered listens on its address from the host map. Each party
/// first dials every lower-numbered party, in ascending order (retrying with back-off while a peer is not
/// up), then accepts one connection from each higher-numbered party. So server0 only listens, the last
/// player only dials, and no two parties wait for each other. The run id is chosen by server0 (16 random
/// bytes) and learned by everyone else from their first connection, the one to server0.
///
/// Running: a reader thread per connection buffers the peer's frames by (phase, round); `receive` takes
/// the wanted one or waits for it until its timeout. Bytes are counted per link and phase as they are
/// sent, header included, as `LocalNetwork` counts them. A peer whose process ends makes the receives
/// still waiting on it fail with `.disconnected` at once; a party that fails can `abort(reason:)` so the
/// others stop with its reason instead of waiting.
public final class TCPTransport: Transport, @unchecked Sendable {
    public let player: PlayerID
    /// The program's player names, by `PlayerID`.
    public let players: [String]
    /// This run's id, chosen by server0.
    public let runID: [UInt8]
    public let options: TCPTransportOptions
    /// Connections that were dropped while waiting for peers, with the reason (port scanners, garbage).
    public let ignoredConnections: [String]
    private let mailbox: Mailbox
    private let connections: [PlayerID: Connection]
    private let stateLock = NSLock()
    private var isClosed = false

    /// A transport over `connections`. With `mailbox`, their readers already deliver there (a `Connector` starts
    /// each as soon as its connection is made); without, they start now.
    init(
        player: PlayerID, players: [String], runID: [UInt8], options: TCPTransportOptions,
        connections: [PlayerID: Connection], ignoredConnections: [String], mailbox: Mailbox? = nil
    ) throws(NetworkError) {
        self.player = player
        self.players = players
        self.runID = runID
        self.options = options
        self.connections = connections
        self.ignoredConnections = ignoredConnections
        self.mailbox = mailbox ?? Mailbox(players: players)
        for connection in connections.values.sorted(by: { $0.peer < $1.peer }) where mailbox == nil {
            do {
                try connection.startReading(me: player, mailbox: self.mailbox, maxFrameBytes: options.maxFrameBytes)
            } catch {
                close()
                throw error
            }
        }
    }

    deinit {
        close()
    }

    /// Connects `player` to every other party of `program`, whose addresses are `addresses` (by `PlayerID`),
    /// and checks in each handshake that they run the same program in the same run.
    ///
    /// `listener`, when given, is used instead of listening on `addresses[player]`.
    public static func connect(
        program: Program, player: PlayerID, addresses: [HostAddress], options: TCPTransportOptions,
        listener: TCPListener? = nil
    ) throws(NetworkError) -> TCPTransport {
        var connector = try Connector(program: program, me: player, addresses: addresses, options: options)
        let (connections, runID) = try connector.connectAll(listener: listener)
        return try TCPTransport(
            player: player, players: program.players, runID: runID, options: options, connections: connections,
            ignoredConnections: connector.ignored, mailbox: connector.mailbox)
    }

    /// What this transport carried so far.
    public var traffic: Traffic { mailbox.measured }

    /// Raised when a peer's abort notice arrives or a peer's link ends before it said it had finished.
    public var stopSignal: StopSignal? { mailbox.stopSignal }

    // MARK: - Transport

    public func send(_ frame: Frame, to receiver: PlayerID) throws(TransportError) {
        guard players.indices.contains(receiver.rawValue) else { throw .unknownPlayer(receiver.rawValue) }
        guard frame.sender == player, frame.receiver == receiver else {
            throw .malformedHeader(
                "frame from \(mailbox.name(frame.sender)) to \(mailbox.name(frame.receiver)) "
                    + "sent by \(mailbox.name(player)) to \(mailbox.name(receiver))")
        }
        guard frame.payload.count <= options.maxFrameBytes else {
            throw .frameTooLarge(bytes: frame.payload.count, limit: options.maxFrameBytes)
        }
        let header = try frame.header.encoded()
        try mailbox.checkOpen(to: receiver)
        if receiver == player {
            mailbox.recordSent(frame)
            mailbox.deliver(frame)
            return
        }
        guard let connection = connections[receiver] else { throw .unknownPlayer(receiver.rawValue) }
        do {
            try connection.write(
                header: header, payload: frame.payload, until: .now + options.sendTimeout)
        } catch {
            if error.kind == .timedOut {
                throw .timedOut(
                    peer: mailbox.name(receiver), phase: frame.phase, round: frame.round,
                    seconds: Double(options.sendTimeout.components.seconds))
            }
            try mailbox.checkOpen(to: receiver)
            throw .disconnected(peer: mailbox.name(receiver))
        }
        mailbox.recordSent(frame)
    }

    public func receive(
        from sender: PlayerID, phase: Phase, round: Int, timeout: Duration
    ) throws(TransportError) -> Frame {
        guard players.indices.contains(sender.rawValue) else { throw .unknownPlayer(sender.rawValue) }
        return try mailbox.receive(from: sender, phase: phase, round: round, timeout: timeout)
    }

    // MARK: - State notices

    /// Sends a state notice (`StoredStateExchange.swift`) to `receiver`.
    func sendStateNotice(_ notice: StateNotice, body: [UInt8], to receiver: PlayerID, until deadline: Deadline)
        throws(TransportError)
    {
        try mailbox.checkOpen(to: receiver)
        guard let connection = connections[receiver] else { throw .unknownPlayer(receiver.rawValue) }
        do {
            try connection.writeStateNotice(from: player, notice, body: body, until: deadline)
        } catch {
            try mailbox.checkOpen(to: receiver)
            throw .disconnected(peer: mailbox.name(receiver))
        }
    }

    /// The body of `sender`'s state notice of this kind, waiting for it until `timeout`.
    func receiveStateNotice(_ notice: StateNotice, from sender: PlayerID, timeout: Duration) throws(TransportError)
        -> [UInt8]
    {
        try mailbox.receive(notice, from: sender, timeout: timeout)
    }

    // MARK: - Closing

    /// Tells every peer that this party stops and why (best effort, within a second), then closes. The
    /// peers' pending receives fail with `.closed(reason: "NAME failed: REASON")`. When this party stops
    /// because a peer's abort notice closed the transport, the notice is passed on as it came, so every
    /// party reports the same first failure.
    public func abort(reason: String) {
        let notice = mailbox.closedReason ?? "\(mailbox.name(player)) failed: \(reason)"
        let deadline = ContinuousClock.now + .seconds(1)
        for connection in connections.values.sorted(by: { $0.peer < $1.peer }) {
            connection.writeAbort(from: player, reason: notice, until: deadline)
        }
        close(reason: notice)
    }

    /// Ends this party's part in a failed run: an abort notice for the peers when the failure says what
    /// went wrong (a bad input, a peer that disconnected, a broken frame), a plain close after a timeout.
    /// A timeout only says which peer this party waited for, not why: parties waiting on the same stuck
    /// peer each time out and name it, rather than all repeating the first timeout to fire (which may be
    /// a party further downstream, waiting on a healthy peer that waits on the stuck one). A bad input is
    /// told as such and no more (`MachineError.descriptionForPeers`): which input, where and why stays here.
    public func stop(after error: MachineError) {
        switch error {
        case .transport(.timedOut), .transport(.timedOutWaiting):
            close()
        default:
            abort(reason: error.descriptionForPeers)
        }
    }

    /// After a successful run: tells every peer this party finished (best effort, within a second), so that
    /// the connections' end does not stop a peer still working, then closes.
    public func finish() {
        let deadline = ContinuousClock.now + .seconds(1)
        for connection in connections.values.sorted(by: { $0.peer < $1.peer }) {
            connection.writeFinished(from: player, until: deadline)
        }
        close()
    }

    /// Closes every connection and ends the reader threads before returning; pending receives fail with
    /// `.closed`. Frames already sent are still delivered (the peers see the connections end after them).
    public func close() {
        close(reason: "\(mailbox.name(player)) closed its connections")
    }

    private func close(reason: String) {
        stateLock.lock()
        let wasClosed = isClosed
        isClosed = true
        stateLock.unlock()
        guard !wasClosed else { return }
        mailbox.close(reason: reason)
        let all = connections.values.sorted { $0.peer < $1.peer }
        for connection in all { connection.shutdown() }
        for connection in all { connection.finish() }
    }
}
