// Cached models across networked servers, as separate `tfe-vm` processes: a store that fails on one server fails
// every party and keeps the old state; mixed state is refused by every party, naming the server.

import Foundation
import TFEBytecode
import TFECore
import TFENumPy
import TFERuntime
import Testing

@testable import TFENet

extension ProgramProcessTests {
    static let storeTwo = "player owner\nw = private_input(owner, [4])\nv = private_input(owner, [2])\n"
        + "store(\"w\", w)\nstore(\"v\", v)"
    static let readW = "player owner\nw = load(\"w\", [4])\noutput(owner, \"w\", w)"

    /// Every party exits 1 with one error line, naming `server` and saying `what`.
    static func expectEveryPartyFails(
        _ results: [String: (status: Int32?, error: String)], naming server: String, saying what: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(results.count == 4, sourceLocation: sourceLocation)
        for (player, result) in results.sorted(by: { $0.key < $1.key }) {
            #expect(result.status == 1, "\(player): \(result.error)", sourceLocation: sourceLocation)
            let errors = result.error.split(separator: "\n").filter { $0.contains("error:") }
            #expect(errors.count == 1 && errors[0].contains(server) && errors[0].contains(what),
                    "\(player): \(result.error)", sourceLocation: sourceLocation)
        }
    }

    static func expectEveryPartySucceeds(
        _ results: [String: (status: Int32?, error: String)], sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        for (player, result) in results.sorted(by: { $0.key < $1.key }) {
            #expect(result.status == 0, "\(player): \(result.error)", sourceLocation: sourceLocation)
        }
    }

    /// server1 cannot write its file of 'v' (a directory is in the way, which stops root too): every party of the
    /// storing run exits 1 naming server1, the model owner included; each server's old 'w' stays byte for byte
    /// and the next run loads it; once the obstacle is gone, a fresh store succeeds and is what loads.
    @Test func aStoreThatFailsOnOneServerFailsEveryPartyAndKeepsTheOldState() throws {
        let deployment = try Deployment()
        defer { try? FileManager.default.removeItem(at: deployment.folder) }
        let storeOne = try compile("player owner\nw = private_input(owner, [4])\nstore(\"w\", w)", name: "one.tfe")
        let storeTwo = try compile(Self.storeTwo, name: "two.tfe")
        let reader = try compile(Self.readW, name: "read.tfe")
        let old = Deployment.inputs(for: storeOne, seed: 1)
        Self.expectEveryPartySucceeds(try deployment.run(storeOne, named: "first", inputs: old, seed: 1))
        let files = { (name: String) throws -> [Data] in
            try ["server0", "server1", "server2"].map {
                try Data(contentsOf: URL(fileURLWithPath: deployment.path("state/\($0)/\(name).tfestate")))
            }
        }
        let before = try files("w")

        let obstacle = deployment.path("state/server1/v.tfestate")
        try FileManager.default.createDirectory(atPath: obstacle, withIntermediateDirectories: true)
        let new = Deployment.inputs(for: storeTwo, seed: 2)
        let failed = try deployment.run(storeTwo, named: "failed", inputs: new, seed: 2)
        Self.expectEveryPartyFails(failed, naming: "server1", saying: "cannot store 'v'")
        #expect(try files("w") == before, "a server kept part of the failed store")

        Self.expectEveryPartySucceeds(try deployment.run(reader, named: "read", inputs: [:], seed: 3))
        let read = try NPY.read(contentsOf: URL(fileURLWithPath: deployment.path("read-out/owner/w.npy")))
        #expect(read.asDoubles() == old[PlayerID(3)]?["w"]?.asDoubles())

        try FileManager.default.removeItem(atPath: obstacle)
        Self.expectEveryPartySucceeds(try deployment.run(storeTwo, named: "fresh", inputs: new, seed: 4))
        Self.expectEveryPartySucceeds(try deployment.run(reader, named: "again", inputs: [:], seed: 5))
        let again = try NPY.read(contentsOf: URL(fileURLWithPath: deployment.path("again-out/owner/w.npy")))
        #expect(again.asDoubles() == new[PlayerID(3)]?["w"]?.asDoubles())
    }

    /// ABY3's cached models as separate processes: the owner stores two values under aby3 (each server writes
    /// its two components, in the two-phase commit), then a program with a product of the loaded values runs as
    /// processes and in one process on the same state with the same seed, with identical outputs, the stored
    /// values exactly; a pond program loading the same state is refused by every party, naming both protocols.
    @Test func aby3StoresAndLoadsAcrossProcesses() throws {
        let deployment = try Deployment()
        defer { try? FileManager.default.removeItem(at: deployment.folder) }
        let store = try compile("protocol aby3\n" + Self.storeTwo, name: "store.tfe")
        let readerSource = "player owner\nw = load(\"w\", [4])\nv = load(\"v\", [2])\noutput(owner, \"w\", w)\n"
            + "output(owner, \"y\", w[0:2] * v)"
        let reader = try compile("protocol aby3\n" + readerSource, name: "read.tfe")
        let stored = Deployment.inputs(for: store, seed: 1)
        Self.expectEveryPartySucceeds(try deployment.run(store, named: "store", inputs: stored, seed: 1))
        for server in ["server0", "server1", "server2"] {
            #expect(FileManager.default.fileExists(atPath: deployment.path("state/\(server)/v.tfestate")))
        }
        let local = try LocalRun.run(
            reader, inputs: [:], options: LocalRunOptions(seed: 3, stateDirectory: deployment.path("state")))
        Self.expectEveryPartySucceeds(try deployment.run(reader, named: "read", inputs: [:], seed: 3))
        let owner = PlayerID(3)
        for name in ["w", "y"] {
            let file = URL(fileURLWithPath: deployment.path("read-out/owner/\(name).npy"))
            #expect(try NPY.read(contentsOf: file).asDoubles() == local.parties[3].outputs[name]?.doubles, "\(name)")
        }
        let w = try NPY.read(contentsOf: URL(fileURLWithPath: deployment.path("read-out/owner/w.npy")))
        #expect(w.asDoubles() == stored[owner]?["w"]?.asDoubles())

        let pond = try compile("protocol pond\n" + readerSource, name: "pond.tfe")
        let refused = try deployment.run(pond, named: "pond", inputs: [:], seed: 4)
        Self.expectEveryPartyFails(refused, naming: "protocol 'aby3'", saying: "protocol 'pond' cannot load")
    }

    /// server1 holds 'w' from an older store than server0 and server2: every party refuses the loading run
    /// before it computes anything, naming server1, and no output is written.
    @Test func mixedStateIsRefusedByEveryPartyNamingTheServer() throws {
        let deployment = try Deployment()
        defer { try? FileManager.default.removeItem(at: deployment.folder) }
        let storeOne = try compile("player owner\nw = private_input(owner, [4])\nstore(\"w\", w)", name: "one.tfe")
        let reader = try compile(Self.readW, name: "read.tfe")
        let file = URL(fileURLWithPath: deployment.path("state/server1/w.tfestate"))
        Self.expectEveryPartySucceeds(
            try deployment.run(storeOne, named: "first", inputs: Deployment.inputs(for: storeOne, seed: 1), seed: 1))
        let older = try Data(contentsOf: file)
        Self.expectEveryPartySucceeds(
            try deployment.run(storeOne, named: "second", inputs: Deployment.inputs(for: storeOne, seed: 2), seed: 2))
        try older.write(to: file)
        let results = try deployment.run(reader, named: "read", inputs: [:], seed: 3)
        Self.expectEveryPartyFails(results, naming: "server1: store", saying: "do not hold the same stored value 'w'")
        #expect(!FileManager.default.fileExists(atPath: deployment.path("read-out/owner/w.npy")))
    }
}
