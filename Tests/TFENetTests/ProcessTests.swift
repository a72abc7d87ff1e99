// The built `tfe-vm` as five separate processes on loopback (three servers, two players): exit codes,
// output files, and a failing party that stops the others. Skipped when the executable was not built.

import Foundation
import TFEBytecode
import TFECore
import TFENumPy
import TFERuntime
import Testing

@testable import TFENet

@Suite(.enabled(if: tfeVMExecutable != nil, "tfe-vm is not built")) struct ProcessTests {
    /// A folder with the program, the inputs and a config.json on free loopback ports.
    struct Deployment {
        let folder: URL
        let program: Program

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-net-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            program = try compile(twoPlayerSource, name: "two.tfe")
            try Data(program.encoded()).write(to: folder.appendingPathComponent("two.tfeb"))
            try NPY.encode(twoPlayerInputs["alice"]!["x"]!).write(to: folder.appendingPathComponent("x.npy"))
            try NPY.encode(twoPlayerInputs["bob"]!["w"]!).write(to: folder.appendingPathComponent("w.npy"))
            // Free ports: bind port 0, note the port, let it go (the processes bind it again at once).
            let (listeners, addresses) = try loopbackListeners(program.players.count)
            for listener in listeners { listener.close() }
            var map: [String: HostAddress] = [:]
            for (name, address) in zip(program.players, addresses) { map[name] = address }
            try Data(HostMap(addresses: map).json.utf8).write(to: folder.appendingPathComponent("config.json"))
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        /// The address config.json gives `player`.
        func address(_ player: String) -> String {
            (try? HostMap.load(path: path("config.json")).addresses[player]?.description) ?? "?"
        }

        /// Starts every party with `arguments(party)` appended, each with the certificate directory
        /// `certificates(party)`, and waits for all (at most `limit`).
        func run(
            _ extra: (String) -> [String], certificates: (String) -> String = { _ in TestCertificates.directory },
            connectTimeout: Int = 20, limit: Duration = .seconds(60)
        ) throws -> [String: (status: Int32?, error: String)] {
            let processes = try program.players.map { player in
                (player, try TfeVMProcess(
                    ["run", path("two.tfeb"), "--config", path("config.json"), "--certs", certificates(player),
                     "--player", player, "--out", path("out"), "--timeout", "5",
                     "--connect-timeout", "\(connectTimeout)"] + extra(player),
                    errorLog: folder.appendingPathComponent("\(player).err"),
                    outputLog: folder.appendingPathComponent("\(player).out")))
            }
            let deadline = ContinuousClock.now + limit
            var results: [String: (Int32?, String)] = [:]
            for (player, process) in processes {
                let status = process.wait(until: deadline)
                let timedOut = status == nil && ContinuousClock.now >= deadline
                results[player] = (status, timedOut ? "still running after \(limit)" : process.errorText)
            }
            return results
        }
    }

    @Test func fiveProcessesMatchTheLocalRun() throws {
        let deployment = try Deployment()
        defer { try? FileManager.default.removeItem(at: deployment.folder) }
        let start = ContinuousClock.now
        let results = try deployment.run { player in
            switch player {
            case "alice": return ["--input", "alice:x=\(deployment.path("x.npy"))", "--stats"]
            case "bob": return ["--input", "bob:w=\(deployment.path("w.npy"))"]
            default: return []
            }
        }
        let elapsed = ContinuousClock.now - start
        for (player, result) in results.sorted(by: { $0.key < $1.key }) {
            #expect(result.status == 0, "\(player): \(result.error)")
        }
        let local = try LocalRun.run(deployment.program, inputs: inputsByID(deployment.program, twoPlayerInputs))
        for (player, name) in [("alice", "z"), ("bob", "y")] {
            let file = deployment.folder.appendingPathComponent("out/\(player)/\(name).npy")
            let array = try NPY.read(contentsOf: file)
            let expected = local.parties[deployment.program.players.firstIndex(of: player)!].outputs[name]!
            #expect(array.shape == expected.shape.dimensions)
            #expect(zip(array.asDoubles(), expected.doubles).allSatisfy { abs($0 - $1) <= 1.0 / 16384 })
        }
        // Only the receivers of outputs write anything.
        let written = try FileManager.default.contentsOfDirectory(atPath: deployment.path("out")).sorted()
        #expect(written == ["alice", "bob"])
        let aliceSays = try String(contentsOf: deployment.folder.appendingPathComponent("alice.out"), encoding: .utf8)
        #expect(aliceSays.contains("alice received 'z' [2, 2]"))
        #expect(aliceSays.contains("equal to the compiler's prediction"))
        print("five tfe-vm processes: \(elapsed)")
    }

    /// bob's certificates come from another deployment's CA: server0, which bob dials first, refuses bob's
    /// certificate and names it; bob refuses server0's. The others stop too: those already connected to
    /// server0 hear why from it, the rest find server0 gone or give up waiting for bob. Nobody writes outputs.
    @Test func aPartyOfAnotherCAIsRefusedByName() throws {
        let deployment = try Deployment()
        defer { try? FileManager.default.removeItem(at: deployment.folder) }
        let results = try deployment.run({ player in
            switch player {
            case "alice": return ["--input", "alice:x=\(deployment.path("x.npy"))"]
            case "bob": return ["--input", "bob:w=\(deployment.path("w.npy"))"]
            default: return []
            }
        }, certificates: { $0 == "bob" ? TestCertificates.foreignDirectory : TestCertificates.directory },
            connectTimeout: 5)
        for (player, result) in results {
            #expect(result.status == 1, "\(player): \(result.error)")
        }
        #expect(results["server0"]!.error.contains(
            "presented a certificate for 'bob' that this party does not accept: this deployment's CA did not sign it"),
            "\(results["server0"]!.error)")
        #expect(results["bob"]!.error.contains(
            "server0 at \(deployment.address("server0")) presented a certificate for 'server0' that this party does "
                + "not accept: this deployment's CA did not sign it"), "\(results["bob"]!.error)")
        for player in ["server1", "server2", "alice"] {
            let error = results[player]!.error
            #expect(error.contains("presented a certificate for 'bob'") || error.contains("waiting for 'bob'")
                        || error.contains("server0"), "\(player): \(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: deployment.path("out")))
    }

    @Test func aFailingPartyStopsEveryoneAndNothingIsWritten() throws {
        let deployment = try Deployment()
        defer { try? FileManager.default.removeItem(at: deployment.folder) }
        // bob's input has the wrong shape: bob says why on its own terminal, before connecting; the others learn
        // only that its inputs did not pass their checks (not which input, nor what is wrong with it).
        try NPY.encode(try NPYArray(shape: [2, 3], storage: .float64([1, 2, 3, 4, 5, 6])))
            .write(to: deployment.folder.appendingPathComponent("w.npy"))
        let start = ContinuousClock.now
        let results = try deployment.run { player in
            switch player {
            case "alice": return ["--input", "alice:x=\(deployment.path("x.npy"))"]
            case "bob": return ["--input", "bob:w=\(deployment.path("w.npy"))"]
            default: return []
            }
        }
        #expect(ContinuousClock.now - start < .seconds(30))
        let bobError = "input 'w' of player 'bob' has shape [2, 3], the program expects [3, 2]"
        #expect(results["bob"]?.status == 1)
        #expect(results["bob"]?.error.contains("tfe-vm: error: bob: \(bobError)") == true, "\(results["bob"]!.error)")
        for player in ["server0", "server1", "alice"] {
            #expect(results[player]?.status == 1, "\(player): \(results[player]!.error)")
            // One line naming bob's failure as the cause: told by bob itself, or relayed by a party that stopped
            // on it first ("server2 failed: ... bob failed: ..."), whichever notice arrives first under load.
            let lines = results[player]!.error.split(separator: "\n").filter { $0.contains("error:") }
            #expect(lines.count == 1, "\(player): \(results[player]!.error)")
            #expect(lines.first?.hasPrefix("tfe-vm: error: \(player): the network was closed: ") == true,
                    "\(player): \(results[player]!.error)")
            #expect(lines.first?.hasSuffix("bob failed: its inputs did not pass their checks") == true,
                    "\(player): \(results[player]!.error)")
            #expect(!results[player]!.error.contains("'w'"))
        }
        // server2 deals in the offline phase only, so it may have finished before bob failed.
        #expect([0, 1].contains(results["server2"]?.status))
        #expect(!FileManager.default.fileExists(atPath: deployment.path("out/alice")))
        #expect(!FileManager.default.fileExists(atPath: deployment.path("out/bob")))
    }

    /// Three `tfe-vm player` processes serve two runs started by alice's and bob's `tfe-vm run` processes,
    /// after a failed run and garbage on a port, then exit (`--runs 2`); each logs one line per run.
    @Test func longRunningPlayersServeConsecutiveRuns() throws {
        let deployment = try Deployment()
        defer { try? FileManager.default.removeItem(at: deployment.folder) }
        func start(_ arguments: [String], log name: String) throws -> TfeVMProcess {
            try TfeVMProcess(arguments, errorLog: deployment.folder.appendingPathComponent(name))
        }
        func wait(_ process: TfeVMProcess, limit: Duration = .seconds(60)) -> Int32? {
            process.wait(until: ContinuousClock.now + limit)
        }
        let config = deployment.path("config.json")
        var servers: [TfeVMProcess] = []
        for number in 0..<3 {
            servers.append(try start(
                ["player", "server\(number)", "--config", config,
                 "--certs", TestCertificates.directory, "--allow", deployment.path("two.tfeb"),
                 "--runs", "2", "--timeout", "5", "--connect-timeout", "20"], log: "server\(number).log"))
        }
        defer { for server in servers where server.process.isRunning { server.process.terminate() } }
        func runParties(_ x: String) throws -> [Int32?] {
            let parties = try [("alice", "alice:x=" + x), ("bob", "bob:w=" + deployment.path("w.npy"))].map {
                try start(["run", deployment.path("two.tfeb"), "--config", config,
                           "--certs", TestCertificates.directory, "--player", $0.0, "--input", $0.1,
                           "--out", deployment.path("out"), "--timeout", "5", "--connect-timeout", "20"],
                          log: "\($0.0).err")
            }
            return parties.map { wait($0) }
        }
        // A failed run: alice's input has the wrong shape.
        try NPY.encode(try NPYArray(shape: [3, 2], storage: .float64([1, 2, 3, 4, 5, 6])))
            .write(to: deployment.folder.appendingPathComponent("wrong.npy"))
        #expect(try runParties(deployment.path("wrong.npy")) == [1, 1])
        // Garbage between the runs (server1 listens by now): the player drops it and goes on.
        let address = try SocketAddress.resolve(
            host: "127.0.0.1", port: HostMap.load(path: config).addresses["server1"]!.port)
        let socket = try Socket.connect(to: address, deadline: .now + .seconds(20))
        try? socket.write(Array("GET / HTTP/1.0\r\n\r\n".utf8), until: .now + .seconds(5))
        socket.close()
        #expect(try runParties(deployment.path("x.npy")) == [0, 0])
        #expect(FileManager.default.fileExists(atPath: deployment.path("out/alice/z.npy")))
        for (number, server) in servers.enumerated() {
            #expect(wait(server) == 0, "server\(number) did not end after two runs")
            let lines = server.errorText.split(separator: "\n")
            let prefix = "tfe-vm: server\(number): "
            // server2 deals in the offline phase only, so it may have finished run 1 before alice failed.
            let failed = lines.contains { $0.hasPrefix(prefix + "run 1: two.tfe") && $0.contains("failed") }
            let ran = lines.contains { $0.hasPrefix(prefix + "run 1: ran two.tfe") }
            #expect(failed || (number == 2 && ran), "\(lines)")
            #expect(lines.contains { $0.hasPrefix(prefix + "run 2: ran two.tfe") }, "\(lines)")
            if number == 1 { #expect(lines.contains { $0.hasPrefix(prefix + "ignored a connection from ") }) }
        }
    }
}
