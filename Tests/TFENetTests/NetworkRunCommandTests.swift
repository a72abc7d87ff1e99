// `tfe-vm run --config ... --player ...` in-process: the mistakes that stop it before it connects.

import Foundation
import TFECommands
import TFENumPy
import TFERuntime
import Testing

@testable import TFENet

@Suite struct NetworkRunCommandTests {
    /// A folder with the two-player program and a config.json that lists `parties`.
    func folder(parties: [String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-netcli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(twoPlayerSource.utf8).write(to: folder.appendingPathComponent("two.tfe"))
        var map: [String: HostAddress] = [:]
        for (k, party) in parties.enumerated() { map[party] = HostAddress(host: "127.0.0.1", port: UInt16(4440 + k)) }
        try Data(HostMap(addresses: map).json.utf8).write(to: folder.appendingPathComponent("config.json"))
        return folder
    }

    func run(_ arguments: [String]) -> CommandOutput {
        let recorder = ConsoleRecorder()
        let code = TfeVM.main(arguments, console: recorder.console)
        return recorder.commandOutput(exitCode: code)
    }

    static let everyone = ["server0", "server1", "server2", "alice", "bob"]

    @Test func usageMistakes() throws {
        let dir = try folder(parties: Self.everyone)
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = dir.appendingPathComponent("two.tfe").path
        let config = dir.appendingPathComponent("config.json").path
        #expect(run(["run", program, "--player", "alice"]).exitCode == .usage)
        #expect(run(["run", program, "--connect-timeout", "3"]).exitCode == .usage)
        let noPlayer = run(["run", program, "--config", config])
        #expect(noPlayer.exitCode == .usage)
        #expect(noPlayer.error.contains("--player <name>"))
        #expect(run(["run", program, "--config", config, "--player", "alice", "--connect-timeout", "0"]).exitCode
            == .usage)
        let plain = run(["run", program, "--config", config, "--player", "alice"])
        #expect(plain.exitCode == .usage)
        #expect(plain.error.hasPrefix("Error: Missing '--certs <dir>' or '--insecure'"), "\(plain.error)")
        let local = run(["run", program, "--insecure"])
        #expect(local.exitCode == .usage)
        #expect(local.error.hasPrefix("Error: Option '--insecure' requires '--config' here"), "\(local.error)")
        // Fixed randomness over a network gives every share away: only on a test network, said so.
        let seeded = run(["run", program, "--config", config, "--player", "alice", "--seed", "7",
                          "--certs", TestCertificates.directory])
        #expect(seeded.exitCode == .usage)
        #expect(seeded.error.hasPrefix("Error: Option '--seed' requires '--insecure' here"), "\(seeded.error)")
    }

    /// With --insecure every party says, before it connects, that nothing is encrypted or authenticated.
    @Test func insecureWarns() throws {
        let dir = try folder(parties: Self.everyone)
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = dir.appendingPathComponent("x.npy")
        try NPY.encode(twoPlayerInputs["alice"]!["x"]!).write(to: x)
        let result = run(["run", dir.appendingPathComponent("two.tfe").path, "--config",
                          dir.appendingPathComponent("config.json").path, "--player", "alice", "--insecure",
                          "--input", "alice:x=" + x.path, "--connect-timeout", "0.2"])
        #expect(result.exitCode == .failure)
        #expect(result.error.hasPrefix(
            "tfe-vm: warning: alice: --insecure: connections are plain TCP, neither encrypted nor authenticated; "
                + "anyone on the network can read the shares and outputs or pose as a party; use it on a trusted "
                + "test network only\n"), "\(result.error)")
    }

    /// A listener whose configured address is not one of this host's says so, instead of listening elsewhere.
    @Test func foreignListeningAddressIsRefused() throws {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): no host of ours has it, and binding sends nothing.
        #expect(throws: NetworkError.cannotListen(
            address: "192.0.2.1:4440", reason: "192.0.2.1:4440 is not an address of this host: give this party an "
                + "address of its own host in config.json (or 0.0.0.0 to listen on every interface)"))
        {
            try TCPListener.bind(HostAddress(host: "192.0.2.1", port: 4440))
        }
    }

    @Test func mistakesFoundBeforeConnecting() throws {
        let dir = try folder(parties: ["server0", "server1", "server2", "alice"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = dir.appendingPathComponent("two.tfe").path
        let config = dir.appendingPathComponent("config.json").path
        let missing = run(["run", program, "--config", config, "--player", "alice", "--insecure"])
        #expect(missing.exitCode == .failure)
        #expect(missing.error.hasSuffix("tfe-vm: error: config.json has no address for 'bob'\n"), "\(missing.error)")

        let full = try folder(parties: Self.everyone)
        defer { try? FileManager.default.removeItem(at: full) }
        let program2 = full.appendingPathComponent("two.tfe").path
        let config2 = full.appendingPathComponent("config.json").path
        let unknown = run(["run", program2, "--config", config2, "--player", "alcie", "--insecure"])
        #expect(unknown.exitCode == .failure)
        #expect(unknown.error.contains("has no player 'alcie'; did you mean 'alice'?"), "\(unknown.error)")
        let foreign = run(
            ["run", program2, "--config", config2, "--player", "alice", "--input", "bob:w=w.npy", "--insecure"])
        #expect(foreign.exitCode == .failure)
        #expect(foreign.error.contains("this process plays 'alice'"), "\(foreign.error)")
        // Destinations and inputs are checked before connecting: an error alone, without the "running" line.
        let taken = full.appendingPathComponent("taken")
        try Data().write(to: taken)
        let x = full.appendingPathComponent("x.npy")
        try NPY.encode(twoPlayerInputs["alice"]!["x"]!).write(to: x)
        let common = ["run", program2, "--config", config2, "--player", "alice", "--insecure"]
        for (extra, message) in [
            (["--out", taken.path], "--out \(taken.path): not a directory"),
            (["--out", taken.path + "/out"], "--out \(taken.path)/out: not a directory"),
            (["--trace", full.path], "--trace \(full.path): is a directory"),
            (["--stats-json", full.path + "/no/s.json"],
             "--stats-json \(full.path)/no/s.json: no such file or directory"),
            (["--input", "alice:x=" + x.path, "--input", "alice:x=" + x.path],
             "input 'x' of 'alice' is given twice, in \(x.path) and in \(x.path)"),
        ] {
            #expect(run(common + extra) == CommandOutput(exitCode: .failure, error: "tfe-vm: error: \(message)\n"))
        }
        let nope = full.appendingPathComponent("nope.json").path
        let noFile = run(["run", program2, "--config", nope, "--player", "alice", "--insecure"])
        #expect(noFile.exitCode == .failure)
        #expect(noFile.error.contains("no such file or directory"), "\(noFile.error)")
    }
}
