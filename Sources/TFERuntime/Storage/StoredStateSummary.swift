// Whether the three servers hold the same store of every value a program loads: checked before anything else.

import Foundation
import TFEBytecode
import TFECore

/// What one server holds of the values a program loads: for each loaded name, in program order, the id of the
/// store that wrote its file (`StoreID`), or nil when it has no such file.
///
/// Before a run that loads, the servers compare their summaries (in process for a local run; networked, each
/// server sends its summary to every party in a state notice), and every party refuses the run when they
/// differ, naming the servers (`mismatch(_:in:)`). That catches a store that committed on some servers and not
/// others, and state directories of different deployments, which would otherwise compute garbage with exit 0.
public struct StoredStateSummary: Hashable, Sendable {
    /// The loaded names, in program order.
    public let names: [String]
    /// Each name's store id on this server, nil when the file is missing.
    public let ids: [StoreID?]

    public init(names: [String], ids: [StoreID?]) {
        self.names = names
        self.ids = ids
    }

    /// The names `program` loads, in program order (each once).
    public static func loadedNames(in program: Program) -> [String] {
        var names: [String] = []
        for round in program.offline {
            for instruction in round.instructions {
                if let storedName = Program.loadedName(instruction), !names.contains(storedName) {
                    names.append(storedName)
                }
            }
        }
        return names
    }

    /// Reads the store id of every value `program` loads from `directory`. A file that exists but cannot be
    /// read is this server's own error, with the message `load` would give.
    public static func read(program: Program, directory: String) throws(MachineError) -> StoredStateSummary {
        let names = loadedNames(in: program)
        var ids: [StoreID?] = []
        for name in names {
            let url = StoredValue.url(of: name, in: directory)
            guard FileManager.default.fileExists(atPath: url.path) else {
                ids.append(nil)
                continue
            }
            ids.append(try Machine.cachedStoredValue(name, at: url).storeID)
        }
        return StoredStateSummary(names: names, ids: ids)
    }

    /// As a state notice carries it: per name, 0 (missing) or 1 and the 16-byte id.
    public var encoded: [UInt8] {
        ids.flatMap { id in id.map { [1] + $0.bytes } ?? [0] }
    }

    /// Decodes a peer's summary of the same program's loads; nil when the bytes do not fit them.
    public init?(decoding bytes: [UInt8], names: [String]) {
        var position = 0
        var ids: [StoreID?] = []
        for _ in names {
            guard position < bytes.count else { return nil }
            position += 1
            switch bytes[position - 1] {
            case 0:
                ids.append(nil)
            case 1:
                guard position + StoreID.byteCount <= bytes.count else { return nil }
                ids.append(StoreID(validBytes: Array(bytes[position..<position + StoreID.byteCount])))
                position += StoreID.byteCount
            default:
                return nil
            }
        }
        guard position == bytes.count else { return nil }
        self.init(names: names, ids: ids)
    }

    /// Nil when the three servers hold the same store of every loaded value (or one that none of them has,
    /// which `load` reports on each server); otherwise the servers that differ from the rest, the first of
    /// them to blame, and one message naming them all.
    public static func mismatch(
        _ summaries: [PlayerID: StoredStateSummary], in program: Program
    ) -> (servers: [PlayerID], error: MachineError)? {
        let servers: [PlayerID] = [.server0, .server1, .server2]
        let names = loadedNames(in: program)
        for (index, name) in names.enumerated() {
            let held = servers.map { summaries[$0]?.ids[index] }
            if Set(held).count == 1 { continue }
            // Groups of servers holding the same thing, the largest first (ties in server order).
            var groups: [(id: StoreID?, servers: [PlayerID])] = []
            for (server, id) in zip(servers, held) {
                if let at = groups.firstIndex(where: { $0.id == id }) {
                    groups[at].servers.append(server)
                } else {
                    groups.append((id, [server]))
                }
            }
            let ordered = groups.enumerated().sorted {
                ($0.element.servers.count, -$0.offset) > ($1.element.servers.count, -$1.offset)
            }.map(\.element)
            let odd = ordered.dropFirst().flatMap(\.servers).sorted()
            let parts = ordered.reversed().map { group in
                group.servers.map { Machine.name(of: $0, in: program) }.joined(separator: " and ") + ": "
                    + (group.id.map { "store \($0)" } ?? "none")
            }
            let message = "the servers do not hold the same stored value '\(name)' ("
                + parts.joined(separator: "; ")
                + "): a store that did not complete on every server, or state directories of different deployments; "
                + "run the program that stores '\(name)' again"
            return (odd, .storedValue(message))
        }
        return nil
    }
}
