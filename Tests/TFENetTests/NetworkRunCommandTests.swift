// `tfe-vm run --config ... --player ...` in-process: the mistakes that stop it before it connects.

import Foundation
import TFECommands
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
        let nope = full.appendingPathComponent("nope.json").path
        let noFile = run(["run", program2, "--config", nope, "--player", "alice", "--insecure"])
        #expect(noFile.exitCode == .failure)
        #expect(noFile.error.contains("no such file or directory"), "\(noFile.error)")
    }
}
