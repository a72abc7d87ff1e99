// Cached private models: `store` in one run, `load` in later ones (DESIGN.md section 6).

import Foundation
import Testing
import TFEBytecode
import TFECommands
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime

struct StoredModelTests {
    static let setupSource = """
        player owner
        w = private_input(owner, [6, 4])
        b = private_input(owner, [4])
        k = private_input(owner, [3], dtype: int)
        store("w", w)
        store("b", b)
        store("k", k)
        """

    /// Products with loaded values (matmul, element-wise, a square, two loaded values together), an addition,
    /// an int value, and a loaded value stored again under another name.
    static let predictionSource = """
        player client
        w = load("w", [6, 4])
        b = load("b", [4])
        k = load("k", [3], dtype: int)
        x = private_input(client, [5, 6])
        y = x @ w + b
        output(client, y)
        output(client, "ww", w * w)
        output(client, "wb", w * b)
        output(client, "k2", k * k + 1)
        store("w_copy", w)
        """

    static let copySource = """
        player client
        w = load("w_copy", [6, 4])
        output(client, "w", w)
        """

    struct Compiled {
        let program: Program
        let checked: CheckedProgram
    }

    static func compile(_ source: String, name: String, optimize: Bool = true) throws -> Compiled {
        let result = EndToEnd.compile(source, path: name, optimize: optimize)
        let program = try #require(result.program, "\(EndToEnd.describe(result.diagnostics, source, path: name))")
        return Compiled(program: program, checked: result.frontend.program)
    }

    /// Runs `compiled` privately and in the reference, and checks outputs and cost.
    static func runAndCompare(
        _ compiled: Compiled, seed: UInt64, state: StateFolder, stored: inout [String: ReferenceTensor]
    ) throws -> LocalRunResult {
        let inputs = EndToEnd.makeInputs(for: compiled.program, seed: seed) { $0.element == .int ? .integers(9) : .uniform(2) }
        let reference = try ReferenceInterpreter.run(compiled.checked, inputs: inputs.doubles, stored: &stored)
        let run = try EndToEnd.run(compiled.program, inputs, seed: seed, state: state)
        #expect(run.cost == CostModel.cost(of: compiled.program), "measured cost differs from the prediction")
        let cap = EndToEnd.accuracyCap(fractionalBits: compiled.program.fractionalBits)
        let comparison = EndToEnd.compare(EndToEnd.outputs(of: run), reference, players: compiled.program.players, cap: cap)
        for problem in comparison.problems { Issue.record("seed \(seed): \(problem)") }
        return run
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func loadedValuesComputeAsTheStoredOnes(seed: UInt64) throws {
        let state = try StateFolder()
        var stored: [String: ReferenceTensor] = [:]
        _ = try Self.runAndCompare(try Self.compile(Self.setupSource, name: "setup.tfe"), seed: seed, state: state,
                                   stored: &stored)
        for optimize in [true, false] {
            let run = try Self.runAndCompare(
                try Self.compile(Self.predictionSource, name: "predict.tfe", optimize: optimize), seed: seed + 10,
                state: state, stored: &stored)
            #expect(run.parties[0].stateWrites?.names == ["w_copy"])
        }
        _ = try Self.runAndCompare(try Self.compile(Self.copySource, name: "copy.tfe"), seed: seed + 20, state: state,
                                   stored: &stored)
    }

    /// A loaded value is never opened: each product opens only the client's masked input (and truncations).
    @Test func productsWithALoadedValueOpenOnlyTheOtherFactor() throws {
        let loaded = try Self.compile(
            "player client\nw = load(\"w\", [6, 4])\nx = private_input(client, [5, 6])\noutput(client, \"y\", x @ w)",
            name: "loaded.tfe")
        let given = try Self.compile(
            "player owner, client\nw = private_input(owner, [6, 4])\nx = private_input(client, [5, 6])\n"
                + "output(client, \"y\", x @ w)", name: "given.tfe")
        func opened(_ program: Program) -> Int {
            CostModel.cost(of: program).bytes.filter { $0.key.from == .server0 && $0.key.to == .server1 }.values
                .reduce(0, +)
        }
        // Per server: x (30 elements) and the truncation (20), with frame headers; plus w's 24 when it is given.
        #expect(opened(given.program) - opened(loaded.program) == 24 * 8)
    }

    // MARK: - The MNIST demo with a cached model

    /// The model owner shares the trained MNIST weights once (`share-model-pond.tfe`); then two clients'
    /// batches of 50 held-out images are predicted against the stored model (`predict-cached-pond.tfe`)
    /// with only the client and the servers online. Each agrees with the plaintext model (same polynomial)
    /// on every image, logits within 1e-2; each prediction sends exactly what the demo that re-shares the
    /// model sends, less the model owner's shares and the opened weights.
    @Test func twoPredictionsAgainstOneStoredModel() throws {
        let state = try StateFolder()
        func compiled(_ relative: String, batch: Int? = nil) throws -> Compiled {
            let path = EndToEnd.path(relative)
            let result = EndToEnd.compile(EndToEnd.read(path), path: path, overrides: batch.map { ["batch": $0] } ?? [:],
                                          optimize: true)
            return Compiled(program: try #require(result.program), checked: result.frontend.program)
        }
        let setup = try compiled("programs/mnist/share-model-pond.tfe")
        var model = ProgramInputs()
        try EndToEndTests.load("programs/mnist/data/model-pond.npz", into: &model, for: PlayerID(3))
        var stored: [String: ReferenceTensor] = [:]
        _ = try ReferenceInterpreter.run(setup.checked, inputs: model.doubles, stored: &stored, tracksBounds: false)
        let setupRun = try EndToEnd.run(setup.program, model, seed: 1, state: state)
        #expect(setupRun.parties[0].stateWrites?.names == ["mnist_w0", "mnist_b0", "mnist_w1", "mnist_b1"])

        let predict = try compiled("programs/mnist/predict-cached-pond.tfe", batch: 50)
        #expect(predict.program.players == ["server0", "server1", "server2", "client"])
        let images = try NPZ.read(contentsOf: URL(fileURLWithPath: EndToEnd.path("programs/mnist/data/client.npz")))
        let references = try NPZ.read(
            contentsOf: URL(fileURLWithPath: EndToEnd.path("programs/mnist/data/reference-pond.npz")))
        let client = PlayerID(3)
        for half in 0..<2 {
            var inputs = ProgramInputs()
            let pixels = images[0].array.asDoubles()
            inputs.set(client, "x", shape: [50, 784], values: Array(pixels[half * 50 * 784..<(half + 1) * 50 * 784]),
                       element: .fixed)
            for member in references {
                inputs.set(client, member.name, shape: [50],
                           values: Array(member.array.asDoubles()[half * 50..<(half + 1) * 50]), element: .int)
            }
            let reference = try ReferenceInterpreter.run(
                predict.checked, inputs: inputs.doubles, stored: &stored, tracksBounds: false)
            let run = try EndToEnd.run(predict.program, inputs, seed: UInt64(10 + half), state: state)
            #expect(run.cost == CostModel.cost(of: predict.program))
            let logits = try #require(run[client].outputs["logits"]).doubles
            let expected = try #require(reference[OutputKey(player: client, name: "logits")]).values
            let maxError = zip(logits, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(maxError <= 1e-2, "batch \(half): largest logit error \(maxError)")
            #expect(try #require(run[client].outputs["agreement"]).doubles == [1.0], "batch \(half)")
        }

        // The demo that re-shares the model in every run, against the cached prediction, at batch 50.
        let demo = try compiled("programs/mnist/demo-pond.tfe", batch: 50)
        let (fresh, cached) = (CostModel.cost(of: demo.program), CostModel.cost(of: predict.program))
        let weights = 784 * 128 + 128 + 128 * 10 + 10, multiplied = 784 * 128 + 128 * 10
        let header = 16, seeds = 4 * 32
        // Saved: the model owner's shares (a frame to each server: server0's share, server1's four seeds) and the
        // weights' opening (in the frames that open the client's input). Added: the cached program also outputs
        // the logits (in the frames of their reveal).
        #expect(fresh.bytes(in: .online) - cached.bytes(in: .online)
                    == (8 * weights + header) + (seeds + header) + 2 * 8 * multiplied - 2 * 8 * 50 * 10)
    }

    // MARK: - The state files

    static func files(in state: StateFolder, name: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for server in ["server0", "server1", "server2"] {
            let url = URL(fileURLWithPath: state.path).appendingPathComponent("\(server)/\(name).tfestate")
            files[server] = [UInt8](try Data(contentsOf: url))
        }
        return files
    }

    static func store(_ values: [Double], shape: [Int], seed: UInt64?, in state: StateFolder) throws {
        let program = try compile("player owner\nw = private_input(owner, \(shape))\nstore(\"w\", w)", name: "s.tfe").program
        var inputs = ProgramInputs()
        inputs.set(PlayerID(3), "w", shape: shape, values: values, element: .fixed)
        _ = try LocalRun.run(program, inputs: inputs.arrays,
                             options: LocalRunOptions(seed: seed, stateDirectory: state.path))
    }

    /// No file holds the value or a share of it: server2's file does not depend on the value at all, the
    /// servers' differences are uniformly random (a value of zeros gives balanced bits), and no file holds
    /// any element's encoding.
    @Test func stateFilesAreIndependentOfTheValue() throws {
        let count = 4096
        let pattern = (0..<count).map { Double($0 % 97 + 1) / 7 }
        let (zerosState, patternState) = (try StateFolder(), try StateFolder())
        try Self.store([Double](repeating: 0, count: count), shape: [count], seed: 5, in: zerosState)
        try Self.store(pattern, shape: [count], seed: 5, in: patternState)
        let zeros = try Self.files(in: zerosState, name: "w"), patterned = try Self.files(in: patternState, name: "w")
        // Apart from the store id (bytes 10..<26, fresh for every store), server2's file is the same.
        func withoutID(_ bytes: [UInt8]) -> [UInt8] { Array(bytes[..<10] + bytes[26...].dropLast(32)) }
        #expect(withoutID(zeros["server2"]!) == withoutID(patterned["server2"]!),
                "server2's file depends on the value")
        #expect(zeros["server2"]!.count == 8 + 2 + 16 + 5 + 8 + 1 + 64 + 8 + 1 + 32)  // no difference, two keys

        for server in ["server0", "server1"] {
            let bytes = zeros[server]!
            let opened = Self.words(bytes.dropLast(33).suffix(8 * count))  // before the component count, SHA-256
            let ones = opened.reduce(0) { $0 + $1.nonzeroBitCount }
            let fraction = Double(ones) / Double(64 * count)
            #expect(abs(fraction - 0.5) < 0.01, "\(server): \(fraction) of the stored bits are 1")
            #expect(Set(opened).count == count, "\(server): repeated words in a stored difference")
            let encoded = Set(pattern.map { UInt64(bitPattern: Int64(($0 * 65536).rounded())) })
            #expect(Self.words(patterned[server]!.dropLast(33).suffix(8 * count)).allSatisfy { !encoded.contains($0) })
        }
        try Self.expectPrivateAndFresh(zerosState, count: count) {
            try Self.store($0, shape: [count], seed: nil, in: $1)
        }
    }

    /// Every server's file of 'w' in `state`, where `count` zeros were stored, is readable by the server's user
    /// alone, and storing the zeros again with fresh randomness (`store`) gives every server a different file.
    static func expectPrivateAndFresh(
        _ state: StateFolder, count: Int, store: ([Double], StateFolder) throws -> Void
    ) throws {
        let files = try Self.files(in: state, name: "w")
        for server in ["server0", "server1", "server2"] {
            let path = URL(fileURLWithPath: state.path).appendingPathComponent("\(server)/w.tfestate").path
            let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(permissions == 0o600, "\(server): \(String(permissions ?? 0, radix: 8))")
        }
        let again = try StateFolder()
        try store([Double](repeating: 0, count: count), again)
        let fresh = try Self.files(in: again, name: "w")
        for server in ["server0", "server1", "server2"] { #expect(fresh[server] != files[server]) }
    }

    static func words<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt64] {
        let array = Array(bytes)
        return stride(from: 0, to: array.count - 7, by: 8).map { offset in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(array[offset + $1]) << (8 * UInt64($1)) }
        }
    }

    /// A process keeps what it read (a long-running server reads a model once), but a new `store` under the
    /// same name, at once, is what the next `load` sees.
    @Test func aNewStoreReplacesWhatTheProcessRemembers() throws {
        let state = try StateFolder()
        let reader = try Self.compile("player client\nw = load(\"w\", [4])\noutput(client, \"w\", w)", name: "r.tfe")
        for round in 0..<3 {
            let values = (0..<4).map { Double($0 + 10 * round) / 4 }
            try Self.store(values, shape: [4], seed: nil, in: state)
            for _ in 0..<2 {
                let run = try LocalRun.run(
                    reader.program, inputs: [:], options: LocalRunOptions(stateDirectory: state.path))
                #expect(run.parties[3].outputs["w"]?.doubles == values, "store \(round)")
            }
        }
    }

    // MARK: - Errors

    /// The error of a run that must fail: which server reports first varies (each finds the problem before
    /// sending anything), so the expected message is a function of that server's name.
    static func expectFailure(
        _ source: String, state: StateFolder?, _ expected: (String) -> String, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let program = try compile(source, name: "load.tfe").program
        var inputs = ProgramInputs()
        // Only an input the program reads: an extra one would fail the client too, racing the servers' error.
        if let client = program.players.firstIndex(of: "client"), program.inputs.contains(where: { $0.name == "x" }) {
            inputs.set(PlayerID(client), "x", shape: [2, 4], values: [Double](repeating: 0.5, count: 8), element: .fixed)
        }
        let error = #expect(throws: LocalRunError.self, sourceLocation: sourceLocation) {
            _ = try LocalRun.run(program, inputs: inputs.arrays, options: LocalRunOptions(stateDirectory: state?.path))
        }
        guard let error else { return }
        #expect(["server0", "server1", "server2"].contains(error.partyName), sourceLocation: sourceLocation)
        #expect(error.error.description == expected(error.partyName), sourceLocation: sourceLocation)
    }

    @Test func loadingWhatDoesNotFitFailsBeforeAnythingIsSent() throws {
        let state = try StateFolder()
        try Self.store((0..<12).map(Double.init), shape: [4, 3], seed: 1, in: state)
        let source = "player client\nw = load(\"w\", [3, 4])\nx = private_input(client, [2, 4])\n"
            + "output(client, \"y\", x @ transpose(w))"
        try Self.expectFailure(source, state: state) { _ in
            "stored value 'w' has shape [4, 3], but the program loads it as [3, 4]"
        }
        try Self.expectFailure(source.replacingOccurrences(of: "\"w\"", with: "\"v\""), state: state) {
            "\($0) has no stored value 'v' in '\(state.path)/\($0)' (run a program that calls store(\"v\", ...) "
                + "with this state directory first)"
        }
        try Self.expectFailure(source, state: nil) {
            "this program stores or loads private values, so \($0) needs a state directory (--state DIR)"
        }
        try Self.expectFailure("player client\nw = load(\"w\", [4, 3], dtype: int)\noutput(client, \"w\", w)",
                               state: state) { _ in "stored value 'w' holds 'fixed' elements, but the program loads 'int'" }

        // A damaged file is named; the other servers' files are fine, so server1 is the one to fail.
        let file = URL(fileURLWithPath: state.path).appendingPathComponent("server1/w.tfestate")
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[40] ^= 1
        try Data(bytes).write(to: file)
        let fitting = "player client\nw = load(\"w\", [4, 3])\nx = private_input(client, [2, 4])\n"
            + "output(client, \"y\", x @ w)"
        try Self.expectFailure(fitting, state: state) { _ in
            "stored value file '\(file.path)' is unusable: its checksum does not match (truncated or altered)"
        }
        try Data(bytes.prefix(20)).write(to: file)
        try Self.expectFailure(fitting, state: state) { _ in
            "stored value file '\(file.path)' is unusable: it is not a tfe state file"
        }
        try FileManager.default.removeItem(at: file)
        try FileManager.default.copyItem(
            at: URL(fileURLWithPath: state.path).appendingPathComponent("server0/w.tfestate"), to: file)
        try Self.expectFailure(fitting, state: state) { _ in
            "stored value file '\(file.path)' belongs to server0, not server1"
        }
    }

    /// `--state` naming a file is refused before anything runs, locally and for one networked party.
    @Test func stateThatIsNotADirectoryIsRefusedAtOnce() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-state-file-\(UUID().uuidString)")
        try Data("not a directory".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let program = EndToEnd.path("programs/mnist/share-model-pond.tfe")
        for extra in [[], ["--config", file.path, "--player", "server0", "--insecure"]] {
            let result = CommandOutput.capture {
                TfeVM.main(["run", program, "--state", file.path] + extra, console: $0)
            }
            #expect(result.exitCode == .failure)
            #expect(result.error.hasSuffix("tfe-vm: error: --state \(file.path): not a directory\n"), "\(result.error)")
        }
    }

    /// A run that fails after a `store` executed keeps nothing: the files are written only once every party
    /// finished.
    @Test func aFailedRunStoresNothing() throws {
        let state = try StateFolder()
        let source = """
            player owner
            w = private_input(owner, [3])
            store("w", w)
            r = reveal(w, owner)
            s = share(log(r))
            output(owner, "s", s)
            """
        let program = try Self.compile(source, name: "fails.tfe").program
        var inputs = ProgramInputs()
        inputs.set(PlayerID(3), "w", shape: [3], values: [1, -1, 2], element: .fixed)
        #expect(throws: LocalRunError.self) {
            _ = try LocalRun.run(program, inputs: inputs.arrays, options: LocalRunOptions(stateDirectory: state.path))
        }
        for server in ["server0", "server1", "server2"] {
            let file = URL(fileURLWithPath: state.path).appendingPathComponent("\(server)/w.tfestate")
            #expect(!FileManager.default.fileExists(atPath: file.path), "\(server) kept a value of a failed run")
        }
    }

    // MARK: - Consistency across servers

    static let readerSource = "player client\nw = load(\"w\", [4])\noutput(client, \"w\", w)"

    /// The store id in a server's state file of `name` (bytes 10..<26 of the file).
    static func storeID(in state: StateFolder, server: String, name: String = "w") throws -> String {
        let bytes = try Self.files(in: state, name: name)[server]!
        return StoreID(bytes: Array(bytes[10..<26]))!.description
    }

    static func load(_ state: StateFolder) throws -> [Double]? {
        let program = try compile(readerSource, name: "read.tfe").program
        let run = try LocalRun.run(program, inputs: [:], options: LocalRunOptions(stateDirectory: state.path))
        return run.parties[3].outputs["w"]?.doubles
    }

    /// One server's file of an older store among the others' newer ones, or a server without the file, is
    /// refused before anything runs, with one message naming the server that differs and the stores each holds.
    @Test func mixedStateIsRefusedNamingTheServers() throws {
        let state = try StateFolder()
        let file = { (server: String) in
            URL(fileURLWithPath: state.path).appendingPathComponent("\(server)/w.tfestate")
        }
        try Self.store([1, 2, 3, 4], shape: [4], seed: nil, in: state)
        let older = try Data(contentsOf: file("server1"))
        let oldID = try Self.storeID(in: state, server: "server1")
        try Self.store([5, 6, 7, 8], shape: [4], seed: nil, in: state)
        let newID = try Self.storeID(in: state, server: "server0")
        #expect(try Self.storeID(in: state, server: "server2") == newID)
        #expect(oldID != newID)
        #expect(try Self.load(state) == [5, 6, 7, 8])

        let newer = try Data(contentsOf: file("server1"))
        try older.write(to: file("server1"))
        let advice = ": a store that did not complete on every server, or state directories of different "
            + "deployments; run the program that stores 'w' again"
        try Self.expectFailure(Self.readerSource, state: state) {
            #expect($0 == "server1")
            return "the servers do not hold the same stored value 'w' (server1: store \(oldID); server0 and server2: "
                + "store \(newID))" + advice
        }
        try newer.write(to: file("server1"))
        try FileManager.default.removeItem(at: file("server2"))
        try Self.expectFailure(Self.readerSource, state: state) {
            #expect($0 == "server2")
            return "the servers do not hold the same stored value 'w' (server2: none; server0 and server1: store "
                + "\(newID))" + advice
        }
    }

    /// A store that cannot be written on one server (a directory where its file of 'v' goes, which stops root
    /// too) fails the run naming that server, and no server keeps any of it: every server's old 'w' stays, byte
    /// for byte, and loads. Once the obstacle is gone, the same store succeeds everywhere.
    @Test func aStoreThatFailsOnOneServerKeepsTheOldStateEverywhere() throws {
        let state = try StateFolder()
        try Self.store([1, 2, 3, 4], shape: [4], seed: nil, in: state)
        let before = try Self.files(in: state, name: "w")
        let obstacle = URL(fileURLWithPath: state.path).appendingPathComponent("server1/v.tfestate")
        try FileManager.default.createDirectory(at: obstacle, withIntermediateDirectories: true)

        let program = try Self.compile(
            "player owner\nw = private_input(owner, [4])\nv = private_input(owner, [2])\nstore(\"w\", w)\n"
                + "store(\"v\", v)", name: "two.tfe").program
        var inputs = ProgramInputs()
        inputs.set(PlayerID(3), "w", shape: [4], values: [9, 8, 7, 6], element: .fixed)
        inputs.set(PlayerID(3), "v", shape: [2], values: [0.5, -0.5], element: .fixed)
        let error = #expect(throws: LocalRunError.self) {
            _ = try LocalRun.run(program, inputs: inputs.arrays, options: LocalRunOptions(stateDirectory: state.path))
        }
        #expect(error?.partyName == "server1")
        #expect(error?.error == .storedValue("cannot store 'v': '\(obstacle.path)' is a directory"))
        #expect(try Self.files(in: state, name: "w") == before)
        for server in ["server0", "server1", "server2"] {
            let listing = try FileManager.default.contentsOfDirectory(atPath: state.path + "/" + server).sorted()
            #expect(listing == (server == "server1" ? ["v.tfestate", "w.tfestate"] : ["w.tfestate"]), "\(server)")
        }
        #expect(try Self.load(state) == [1, 2, 3, 4])

        try FileManager.default.removeItem(at: obstacle)
        _ = try LocalRun.run(program, inputs: inputs.arrays, options: LocalRunOptions(stateDirectory: state.path))
        #expect(try Self.load(state) == [9, 8, 7, 6])
        let id = try Self.storeID(in: state, server: "server0")
        for server in ["server0", "server1", "server2"] {
            #expect(try Self.storeID(in: state, server: server) == id)
            #expect(try Self.storeID(in: state, server: server, name: "v") == id)
        }
    }
}
