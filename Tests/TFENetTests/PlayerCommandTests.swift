// `tfe-vm player` in-process: usage mistakes, and three players serving two runs that `tfe-vm run --config`
// parties start, after refusing a program they do not allow.

import Foundation
import TFEBytecode
import TFECommands
import TFENumPy
import TFERuntime
import Testing

@testable import TFENet

@Suite struct PlayerCommandTests {
    /// A folder with the two-player program as bytecode, its inputs, and a config.json on free ports.
    struct Deployment {
        let folder: URL
        let program: Program

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-player-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            program = try compile(twoPlayerSource, name: "two.tfe")
            try Data(program.encoded()).write(to: folder.appendingPathComponent("two.tfeb"))
            // Another program: the same with another constant.
            let other = try compile(twoPlayerSource.replacingOccurrences(of: "1.5", with: "2.5"), name: "two.tfe")
            try Data(other.encoded()).write(to: folder.appendingPathComponent("other.tfeb"))
            try NPY.encode(twoPlayerInputs["alice"]!["x"]!).write(to: folder.appendingPathComponent("x.npy"))
            try NPY.encode(twoPlayerInputs["bob"]!["w"]!).write(to: folder.appendingPathComponent("w.npy"))
            let (listeners, addresses) = try loopbackListeners(program.players.count)
            for listener in listeners { listener.close() }
            var map: [String: HostAddress] = [:]
            for (name, address) in zip(program.players, addresses) { map[name] = address }
            try Data(HostMap(addresses: map).json.utf8).write(to: folder.appendingPathComponent("config.json"))
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        /// alice and bob start a run of `program` (a file in the folder) and return what each printed.
        func run(_ program: String = "two.tfeb") -> [CommandOutput] {
            let outcomes = onThreads(2) { index -> CommandOutput in
                let player = index == 0 ? "alice" : "bob"
                let input = index == 0 ? "alice:x=" + path("x.npy") : "bob:w=" + path("w.npy")
                return PlayerCommandTests.run([
                    "run", path(program), "--config", path("config.json"),
                    "--certs", TestCertificates.directory, "--player", player, "--input", input,
                    "--out", path("out"), "--timeout", "10", "--connect-timeout", "10",
                ])
            }
            return outcomes.map { $0 ?? CommandOutput(exitCode: .internal) }
        }
    }

    static func run(_ arguments: [String]) -> CommandOutput {
        let recorder = ConsoleRecorder()
        let code = TfeVM.main(arguments, console: recorder.console)
        return recorder.commandOutput(exitCode: code)
    }

    @Test func usageMistakes() throws {
        let deployment = try Deployment()
        defer { try? FileManager.default.removeItem(at: deployment.folder) }
        let server0 = ["player", "server0", "--config", deployment.path("config.json")]
        let certs = ["--certs", TestCertificates.directory]
        let noAllow = Self.run(server0 + certs)
        #expect(noAllow.exitCode == .usage)
        #expect(noAllow.error.contains("--allow"))
        #expect(Self.run(["player", "server0", "--allow-any"] + certs).exitCode == .usage)
        #expect(Self.run(server0 + certs + ["--allow", "12ab"]).exitCode == .usage)
        #expect(Self.run(server0 + certs + ["--allow-any", "--runs", "0"]).exitCode == .usage)
        let stranger = Self.run(["player", "carol", "--config", deployment.path("config.json"), "--allow-any"] + certs)
        #expect(stranger.exitCode == .failure)
        #expect(stranger.error == "tfe-vm: error: config.json has no address for 'carol'\n")
        let hash = deployment.program.contentHash
        let notFile = Self.run(server0 + certs + ["--allow", hash, "--state", deployment.path("config.json")])
        #expect(notFile.exitCode == .failure)
        // A state directory that cannot be made (under a regular file: root cannot write there either) stops
        // the player at start, before it listens, not at its first store.
        let underFile = deployment.path("config.json") + "/state"
        let unusable = Self.run(server0 + certs + ["--allow", hash, "--state", underFile])
        #expect(unusable.exitCode == .failure)
        #expect(unusable.error.hasPrefix("tfe-vm: error: cannot create the state directory '\(underFile)'"),
                "\(unusable.error)")
        #expect(!unusable.output.contains("serving"))
    }

    /// Without --certs a player is refused before it listens, saying what to do; --certs with --insecure too;
    /// --insecure warns; with stored state it runs allow-listed programs only.
    @Test func securityMistakes() throws {
        let deployment = try Deployment()
        defer { try? FileManager.default.removeItem(at: deployment.folder) }
        let server0 = ["player", "server0", "--config", deployment.path("config.json"), "--allow-any"]
        let plain = Self.run(server0)
        #expect(plain.exitCode == .usage)
        #expect(plain.error.hasPrefix(
            "Error: Missing '--certs <dir>' or '--insecure': a networked run needs TLS certificates (make them with "
                + "'tfe-vm certs --config config.json --out DIR'); --insecure runs without encryption or "
                + "authentication, on a trusted test network only\n"), "\(plain.error)")
        let both = Self.run(server0 + ["--certs", TestCertificates.directory, "--insecure"])
        #expect(both.exitCode == .usage)
        #expect(both.error.hasPrefix("Error: Options '--certs' and '--insecure' cannot be used together"))
        let anyWithState = Self.run(
            server0 + ["--certs", TestCertificates.directory, "--state", deployment.path("state")])
        #expect(anyWithState.exitCode == .usage)
        #expect(anyWithState.error.hasPrefix("Error: Options '--allow-any' and '--state' cannot be used together"))
        let missing = Self.run(server0 + ["--certs", deployment.path("nowhere"), "--runs", "1"])
        #expect(missing.exitCode == .failure)
        #expect(missing.error.hasPrefix("tfe-vm: error: server0: --certs \(deployment.path("nowhere")): '"),
                "\(missing.error)")
        #expect(missing.error.contains("does not exist: make the certificates with 'tfe-vm certs'"))
        let foreignKey = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-mixed-\(UUID())")
        try FileManager.default.createDirectory(at: foreignKey, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: foreignKey) }
        for (file, source) in [("ca.pem", TestCertificates.directory), ("server0.pem", TestCertificates.directory),
                               ("server0.key", TestCertificates.foreignDirectory)] {
            try FileManager.default.copyItem(
                atPath: source + "/" + file, toPath: foreignKey.appendingPathComponent(file).path)
        }
        let mismatch = Self.run(server0 + ["--certs", foreignKey.path, "--runs", "1"])
        #expect(mismatch.exitCode == .failure)
        #expect(mismatch.error.contains("server0.key' is not the key of the certificate"), "\(mismatch.error)")
    }

    @Test func servesRunsAfterRefusingAProgram() throws {
        let deployment = try Deployment()
        defer { try? FileManager.default.removeItem(at: deployment.folder) }
        let hash = deployment.program.contentHash
        // Allowed by file and by hash; two runs, then they exit.
        let allows = [["--allow", deployment.path("two.tfeb")], ["--allow", hash], ["--allow", hash.uppercased()]]
        let servers = Locked<[CommandOutput?]>([nil, nil, nil])
        let group = DispatchGroup()
        for number in 0..<3 {
            group.enter()
            Thread {
                let output = Self.run(
                    ["player", "server\(number)", "--config", deployment.path("config.json"),
                     "--certs", TestCertificates.directory, "--runs", "2",
                     "--state", deployment.path("state\(number)")] + allows[number])
                servers.update { $0[number] = output }
                group.leave()
            }.start()
        }

        let refused = deployment.run("other.tfeb")
        let otherHash = try Program.decode(Array(Data(contentsOf: URL(fileURLWithPath: deployment.path("other.tfeb")))))
            .contentHash
        for output in refused {
            #expect(output.exitCode == .failure)
            #expect(output.error.contains(
                "server0 refused the connection: program \(otherHash) is not allowed on server0: "
                    + "start it with '--allow \(otherHash)' to run it"), "\(output.error)")
        }
        for _ in 0..<2 {
            let outputs = deployment.run()
            for output in outputs { #expect(output.exitCode == .success, "\(output.error)") }
            let z = try NPY.read(contentsOf: URL(fileURLWithPath: deployment.path("out/alice/z.npy")))
            #expect(z.shape == [2, 2])
        }
        #expect(group.wait(timeout: .now() + 30) == .success, "the players did not stop after two runs")
        for (number, output) in servers.current.enumerated() {
            let output = try #require(output)
            #expect(output.exitCode == .success)
            let lines = output.error.split(separator: "\n").map(String.init)
            let prefix = "tfe-vm: server\(number): "
            #expect(lines.first?.hasPrefix(prefix + "serving runs on 127.0.0.1:") == true, "\(lines)")
            let first = prefix + "run 1: ran two.tfe (\(hash.prefix(12))…) for "
            #expect(lines.filter { $0.hasPrefix(first) }.count == 1)
            #expect(lines.filter { $0.hasPrefix(prefix + "run 2: ran two.tfe") }.count == 1, "\(lines)")
            if number == 0 {
                #expect(lines.contains { $0.hasPrefix(prefix + "refused program \(otherHash.prefix(12))… from ") })
            }
            #expect(FileManager.default.fileExists(atPath: deployment.path("state\(number)")))
        }
    }

    /// TF Encrypted's cached model: the model owner's run stores the weights on three long-running players,
    /// which then stop; three new players on the same state directories serve two predictions that only the
    /// client and the servers take part in.
    @Test func cachedModelServesTwoPredictionsAfterARestart() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        @Sendable func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let setup = try compile("player owner\nw = private_input(owner, [3, 2])\nstore(\"model_w\", w)", name: "setup.tfe")
        let predict = try compile(
            "player client\nw = load(\"model_w\", [3, 2])\nx = private_input(client, [2, 3])\noutput(client, \"y\", x @ w)",
            name: "predict.tfe")
        try Data(setup.encoded()).write(to: URL(fileURLWithPath: path("setup.tfeb")))
        try Data(predict.encoded()).write(to: URL(fileURLWithPath: path("predict.tfeb")))
        let (listeners, addresses) = try loopbackListeners(5)
        for listener in listeners { listener.close() }
        let names = ["server0", "server1", "server2", "owner", "client"]
        try Data(HostMap(addresses: Dictionary(uniqueKeysWithValues: zip(names, addresses))).json.utf8)
            .write(to: URL(fileURLWithPath: path("config.json")))
        let w = try NPYArray(shape: [3, 2], storage: .float64([1, -0.5, 0.25, 2, -1.5, 0.125]))
        try NPY.write(w, to: URL(fileURLWithPath: path("w.npy")))

        /// Three players serving `runs` runs of the allowed programs, on threads; returns their logs when done.
        func servePlayers(runs: Int, during body: () throws -> Void) throws -> [String] {
            let logs = Locked<[CommandOutput?]>([nil, nil, nil])
            let group = DispatchGroup()
            for number in 0..<3 {
                group.enter()
                Thread {
                    let output = Self.run(
                        ["player", "server\(number)", "--config", path("config.json"),
                         "--certs", TestCertificates.directory, "--runs", "\(runs)",
                         "--state", path("state/server\(number)"), "--allow", path("setup.tfeb"),
                         "--allow", path("predict.tfeb"), "--timeout", "20", "--connect-timeout", "20"])
                    logs.update { $0[number] = output }
                    group.leave()
                }.start()
            }
            try body()
            #expect(group.wait(timeout: .now() + 60) == .success, "the players did not stop")
            return logs.current.map { $0?.error ?? "" }
        }
        func party(_ arguments: [String]) -> CommandOutput {
            Self.run(["run"] + arguments + ["--config", path("config.json"),
                      "--certs", TestCertificates.directory, "--timeout", "20", "--connect-timeout", "20"])
        }

        let setupLogs = try servePlayers(runs: 1) {
            let owner = party([path("setup.tfeb"), "--player", "owner", "--input", "owner:w=" + path("w.npy")])
            #expect(owner.exitCode == .success, "\(owner.error)")
        }
        for (number, log) in setupLogs.enumerated() {
            #expect(log.contains("tfe-vm: server\(number): run 1: ran setup.tfe"), "\(log)")
            #expect(log.contains("; stored 'model_w'"), "\(log)")
            let file = path("state/server\(number)/model_w.tfestate")
            #expect(FileManager.default.fileExists(atPath: file))
        }

        let inputs: [[Double]] = [[0.5, -1.25, 2, 0.75, 3.5, -0.125], [1, 2, 3, -4, -5, -6]]
        let predictionLogs = try servePlayers(runs: 2) {
            for (number, x) in inputs.enumerated() {
                try NPY.write(try NPYArray(shape: [2, 3], storage: .float64(x)),
                              to: URL(fileURLWithPath: path("x\(number).npy")))
                let client = party([path("predict.tfeb"), "--player", "client", "--input",
                                    "client:x=" + path("x\(number).npy"), "--out", path("out\(number)"), "--stats"])
                #expect(client.exitCode == .success, "\(client.error)")
                // The client sends its shares and receives the result; the weights never travel.
                #expect(client.output.contains("equal to the compiler's prediction"), "\(client.output)")
                let y = try NPY.read(contentsOf: URL(fileURLWithPath: path("out\(number)/client/y.npy"))).asDoubles()
                let wValues = w.asDoubles()
                for row in 0..<2 {
                    for column in 0..<2 {
                        let expected = (0..<3).reduce(0.0) { $0 + x[row * 3 + $1] * wValues[$1 * 2 + column] }
                        #expect(abs(y[row * 2 + column] - expected) < 1e-3, "prediction \(number): \(y)")
                    }
                }
            }
        }
        for (number, log) in predictionLogs.enumerated() {
            for run in 1...2 { #expect(log.contains("tfe-vm: server\(number): run \(run): ran predict.tfe"), "\(log)") }
        }
    }
}
