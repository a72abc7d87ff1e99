// Cached models across networked servers: the state check before a run that loads, and the two-phase commit
// after a run that stores, both through state notices.

import Foundation
import TFEBytecode
import TFECore
import TFERuntime

/// What a state notice says (`Connection`: phase byte `0xFD`, then this kind and a body). Each server sends
/// each kind at most once per run, to every other party.
enum StateNotice: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// Before a run that loads: the server's `StoredStateSummary` (the store id of every loaded value).
    case summary = 1
    /// After a run that stores: the server wrote every file of the store to its temporaries (empty body).
    case prepared = 2

    var description: String {
        switch self {
        case .summary: return "stored-state summary"
        case .prepared: return "store vote"
        }
    }
}

extension TCPTransport {
    static let servers: [PlayerID] = [.server0, .server1, .server2]

    /// Before a run that loads stored values, on every party: each server reads the store id of every value
    /// the program loads and sends it to every other party; each party then compares the three servers'
    /// summaries and refuses mixed or missing state with one message naming the servers that differ
    /// (`StoredStateSummary.mismatch`), before anything of the run is sent. Programs that load nothing skip it.
    public func agreeOnLoads(program: Program, stateDirectory: String?, timeout: Duration) throws(MachineError) {
        let names = StoredStateSummary.loadedNames(in: program)
        guard !names.isEmpty else { return }
        var summaries: [PlayerID: StoredStateSummary] = [:]
        if Self.servers.contains(player) {
            guard let stateDirectory else { throw Machine.missingStateDirectory(players[player.rawValue]) }
            let mine = try StoredStateSummary.read(program: program, directory: stateDirectory)
            summaries[player] = mine
            try send(.summary, body: mine.encoded)
        }
        for server in Self.servers where server != player {
            let body = try receive(.summary, from: server, timeout: timeout)
            guard let summary = StoredStateSummary(decoding: body, names: names) else {
                throw .transport(.malformedHeader(
                    "\(players[server.rawValue])'s stored-state summary does not fit the program's loads"))
            }
            summaries[server] = summary
        }
        if let (_, error) = StoredStateSummary.mismatch(summaries, in: program) { throw error }
    }

    /// After a run that stores values, on every party: the two-phase commit of `StateWrites`. Each server
    /// prepares its files (temporaries, under a store id derived from this run's id, so the same on every
    /// server) and votes with a prepared notice to every other party; a server that cannot prepare fails
    /// instead, and its caller's `stop(after:)` sends the abort notice that names it. Every party waits for
    /// the three servers' votes; once all are in, the servers commit. When any vote is missing (an abort, a
    /// lost peer, the timeout), the servers discard what they prepared and the run fails for every party: no
    /// server keeps half of a new state. Programs that store nothing skip it.
    public func agreeOnStores(program: Program, writes: StateWrites?, timeout: Duration) throws(MachineError) {
        guard StateWrites.stores(in: program) else { return }
        var prepared: PreparedStateWrites?
        if Self.servers.contains(player), let writes {
            // The run id is 16 bytes (`Handshake.runIDBytes`), checked in every handshake.
            prepared = try writes.prepare(storeID: StoreID(bytes: runID) ?? StoreID.random())
            do throws(MachineError) {
                try send(.prepared, body: [])
            } catch {
                prepared?.discard()
                throw error
            }
        }
        for server in Self.servers where server != player {
            do throws(MachineError) {
                _ = try receive(.prepared, from: server, timeout: timeout)
            } catch {
                prepared?.discard()
                throw error
            }
        }
        try prepared?.commit()
    }

    /// Sends a state notice to every other party.
    private func send(_ notice: StateNotice, body: [UInt8]) throws(MachineError) {
        let deadline = ContinuousClock.now + options.sendTimeout
        for peer in players.indices.map(PlayerID.init) where peer != player {
            do throws(TransportError) {
                try sendStateNotice(notice, body: body, to: peer, until: deadline)
            } catch {
                throw .transport(error)
            }
        }
    }

    private func receive(_ notice: StateNotice, from sender: PlayerID, timeout: Duration) throws(MachineError)
        -> [UInt8]
    {
        do throws(TransportError) {
            return try receiveStateNotice(notice, from: sender, timeout: timeout)
        } catch {
            throw .transport(error)
        }
    }
}
