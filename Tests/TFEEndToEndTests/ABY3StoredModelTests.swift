// Cached private models under `protocol aby3`: each server keeps its two replicated components (`rstore`) and
// brings them back (`rload`) with only the servers online; the results agree with float64 and with the same
// programs under pond, and a value stored under one sharing is refused by a program of the other.

import Foundation
import Testing
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENumPy
import TFERuntime

struct ABY3StoredModelTests {
    typealias Compiled = StoredModelTests.Compiled

    static func compile(_ source: String, name: String, optimize: Bool = true) throws -> Compiled {
        try StoredModelTests.compile(underABY3(source), name: name, optimize: optimize)
    }

    /// `StoredModelTests`' programs (products with loaded values, an int value, a loaded value stored again)
    /// under aby3: each within the cap of float64 with measured cost equal to the prediction, and within a few
    /// units in the last place of the same programs under pond (each side's truncations are off by at most one).
    @Test(arguments: [1, 2] as [UInt64])
    func loadedValuesComputeAsUnderPond(seed: UInt64) throws {
        let (aby3State, pondState) = (try StateFolder(), try StateFolder())
        var (aby3Stored, pondStored): ([String: ReferenceTensor], [String: ReferenceTensor]) = ([:], [:])
        let sources = [
            ("setup.tfe", StoredModelTests.setupSource), ("predict.tfe", StoredModelTests.predictionSource),
            ("copy.tfe", StoredModelTests.copySource),
        ]
        for (offset, (name, source)) in sources.enumerated() {
            let aby3 = try Self.compile(source, name: name)
            let pond = try StoredModelTests.compile(source, name: name)
            #expect(aby3.program.protocolKind == .aby3 && pond.program.protocolKind == .pond)
            let runSeed = seed + 10 * UInt64(offset)
            let aby3Run = try StoredModelTests.runAndCompare(
                aby3, seed: runSeed, state: aby3State, stored: &aby3Stored)
            let pondRun = try StoredModelTests.runAndCompare(
                pond, seed: runSeed, state: pondState, stored: &pondStored)
            #expect(aby3Run.parties[0].stateWrites?.names == pondRun.parties[0].stateWrites?.names)
            for (aby3Party, pondParty) in zip(aby3Run.parties, pondRun.parties) {
                #expect(aby3Party.outputs.keys.sorted() == pondParty.outputs.keys.sorted())
                for (output, value) in aby3Party.outputs {
                    let other = try #require(pondParty.outputs[output]).doubles
                    let difference = zip(value.doubles, other).map { abs($0 - $1) }.max() ?? 0
                    #expect(difference <= 4 * 0x1p-16, "\(name) '\(output)', seed \(seed): \(difference) from pond")
                }
            }
        }
        // Nothing of a load involves a player: the prediction has the client alone, and it sends only its input.
        let predict = try Self.compile(StoredModelTests.predictionSource, name: "predict.tfe")
        #expect(predict.program.players == ["server0", "server1", "server2", "client"])
    }

    /// The value is the sum of the three servers' first components, and server i's second component is server
    /// i+1's first: each server keeps (x_i, x_(i+1)) of one replicated sharing.
    @Test func filesHoldOneReplicatedSharing() throws {
        let state = try StateFolder()
        let values = (0..<12).map { Double($0 - 6) / 4 }
        try Self.store(values, shape: [4, 3], seed: 9, in: state)
        let files = try StoredModelTests.files(in: state, name: "w")
        var components: [[[UInt64]]] = []
        for server in ["server0", "server1", "server2"] {
            let bytes = try #require(files[server])
            #expect(bytes[26] == ProtocolKind.aby3.binaryCode, "\(server)")
            components.append(Self.components(bytes, count: 12))
        }
        for i in 0..<3 { #expect(components[i][1] == components[(i + 1) % 3][0], "server\(i)'s second component") }
        let sum = (0..<12).map { components[0][0][$0] &+ components[1][0][$0] &+ components[2][0][$0] }
        #expect(sum == values.map { UInt64(bitPattern: Int64(($0 * 65536).rounded())) })
    }

    /// What one server keeps does not depend on the value: server0's components come from the owner's seeds
    /// alone (the same file for zeros and for another value under the same randomness), every server's
    /// components of zeros are balanced bits with no repeated word, no file holds an element's encoding, and a
    /// stored product (re-shared from the servers' seeds) is as random. Fresh randomness gives fresh files.
    @Test func stateFilesAreIndependentOfTheValue() throws {
        let count = 4096
        let pattern = (0..<count).map { Double($0 % 97 + 1) / 7 }
        let (zerosState, patternState) = (try StateFolder(), try StateFolder())
        try Self.store([Double](repeating: 0, count: count), shape: [count], seed: 5, in: zerosState)
        try Self.store(pattern, shape: [count], seed: 5, in: patternState)
        let zeros = try StoredModelTests.files(in: zerosState, name: "w")
        let patterned = try StoredModelTests.files(in: patternState, name: "w")
        func withoutID(_ bytes: [UInt8]) -> [UInt8] { Array(bytes[..<10] + bytes[26...].dropLast(32)) }
        #expect(withoutID(zeros["server0"]!) == withoutID(patterned["server0"]!),
                "server0's file depends on the value")
        let encoded = Set(pattern.map { UInt64(bitPattern: Int64(($0 * 65536).rounded())) })
        for name in ["w", "p"] {
            let files = try StoredModelTests.files(in: zerosState, name: name)
            for server in ["server0", "server1", "server2"] {
                for (index, component) in Self.components(files[server]!, count: count).enumerated() {
                    let ones = component.reduce(0) { $0 + $1.nonzeroBitCount }
                    let fraction = Double(ones) / Double(64 * count)
                    #expect(abs(fraction - 0.5) < 0.01, "\(name), \(server) component \(index): \(fraction) ones")
                    #expect(Set(component).count == count, "\(name), \(server): repeated words")
                }
            }
        }
        for server in ["server0", "server1", "server2"] {
            for component in Self.components(patterned[server]!, count: count) {
                #expect(component.allSatisfy { !encoded.contains($0) }, "\(server) holds an element's encoding")
            }
        }
        try StoredModelTests.expectPrivateAndFresh(zerosState, count: count) {
            try Self.store($0, shape: [count], seed: nil, in: $1)
        }
    }

    /// Stores `values` as 'w', and `w * w` as 'p', under aby3.
    static func store(_ values: [Double], shape: [Int], seed: UInt64?, in state: StateFolder) throws {
        let source = "player owner\nw = private_input(owner, \(shape))\nstore(\"w\", w)\nstore(\"p\", w * w)"
        let program = try Self.compile(source, name: "s.tfe").program
        var inputs = ProgramInputs()
        inputs.set(PlayerID(3), "w", shape: shape, values: values, element: .fixed)
        _ = try LocalRun.run(program, inputs: inputs.arrays,
                             options: LocalRunOptions(seed: seed, stateDirectory: state.path))
    }

    /// The two components of a replicated state file of `count` elements: each a count and its words, then
    /// the SHA-256.
    static func components(_ bytes: [UInt8], count: Int) -> [[UInt64]] {
        let end = bytes.count - 32
        let second = StoredModelTests.words(bytes[(end - 8 * count)..<end])
        let first = StoredModelTests.words(bytes[(end - 16 * count - 8)..<(end - 8 * count - 8)])
        return [first, second]
    }

    // MARK: - Refusals

    /// A value stored under aby3 and loaded by a pond program, or the reverse, is one error naming both
    /// protocols; SecureNN loads what Pond stored (the same two additive shares); a server missing its file, a
    /// server without a state directory, a shape that does not fit and another server's file are refused as
    /// under pond.
    @Test func loadsOfAnotherFormAndMissingStateAreRefused() throws {
        let reader = "player client\nw = load(\"w\", [4, 3])\nx = private_input(client, [2, 4])\n"
            + "output(client, \"y\", x @ w)"
        let aby3State = try StateFolder()
        try Self.store((0..<12).map(Double.init), shape: [4, 3], seed: 1, in: aby3State)
        try StoredModelTests.expectFailure("protocol pond\n" + reader, state: aby3State) { _ in
            "stored value 'w' was stored under protocol 'aby3', which this program's protocol 'pond' cannot load "
                + "(run the program that stores it again under protocol 'pond')"
        }
        try StoredModelTests.expectFailure("protocol securenn\n" + reader, state: aby3State) { _ in
            "stored value 'w' was stored under protocol 'aby3', which this program's protocol 'securenn' cannot "
                + "load (run the program that stores it again under protocol 'securenn')"
        }
        let pondState = try StateFolder()
        try StoredModelTests.store((0..<12).map(Double.init), shape: [4, 3], seed: 1, in: pondState)
        try StoredModelTests.expectFailure(underABY3(reader), state: pondState) { _ in
            "stored value 'w' was stored under protocol 'pond', which this program's protocol 'aby3' cannot load "
                + "(run the program that stores it again under protocol 'aby3')"
        }
        let secureNN = try StoredModelTests.compile(
            "protocol securenn\nplayer client\nw = load(\"w\", [4, 3])\noutput(client, \"w\", w)", name: "r.tfe")
        let run = try LocalRun.run(
            secureNN.program, inputs: [:], options: LocalRunOptions(stateDirectory: pondState.path))
        #expect(run.parties[3].outputs["w"]?.doubles == (0..<12).map(Double.init))

        try StoredModelTests.expectFailure(underABY3(reader).replacingOccurrences(of: "[4, 3]", with: "[3, 4]")
            .replacingOccurrences(of: "x @ w", with: "x @ transpose(w)"), state: aby3State) { _ in
            "stored value 'w' has shape [4, 3], but the program loads it as [3, 4]"
        }
        try StoredModelTests.expectFailure(underABY3(reader), state: nil) {
            "this program stores or loads private values, so \($0) needs a state directory (--state DIR)"
        }
        let file = { (server: String) in
            URL(fileURLWithPath: aby3State.path).appendingPathComponent("\(server)/w.tfestate")
        }
        let id = try StoredModelTests.storeID(in: aby3State, server: "server0")
        let kept = try Data(contentsOf: file("server1"))
        try FileManager.default.removeItem(at: file("server1"))
        try StoredModelTests.expectFailure(underABY3(reader), state: aby3State) {
            #expect($0 == "server1")
            return "the servers do not hold the same stored value 'w' (server1: none; server0 and server2: store "
                + "\(id)): a store that did not complete on every server, or state directories of different "
                + "deployments; run the program that stores 'w' again"
        }
        try Data(contentsOf: file("server0")).write(to: file("server1"))
        try StoredModelTests.expectFailure(underABY3(reader), state: aby3State) { _ in
            "stored value file '\(file("server1").path)' belongs to server0, not server1"
        }
        try kept.write(to: file("server1"))
        let loaded = try Self.compile(
            "player client\nw = load(\"w\", [4, 3])\noutput(client, \"w\", w)", name: "r.tfe")
        let back = try LocalRun.run(
            loaded.program, inputs: [:], options: LocalRunOptions(stateDirectory: aby3State.path))
        #expect(back.parties[3].outputs["w"]?.doubles == (0..<12).map(Double.init))
    }

    /// A store sends nothing under aby3 and a load nothing either: the storing program sends only the owner's
    /// input, and a program that loads and outputs sends online only the output (offline, the first round's
    /// seeds from server2, which every aby3 product needs anyway).
    @Test func storesAndLoadsSendNothing() throws {
        let store = try Self.compile("player owner\nw = private_input(owner, [5])\nstore(\"w\", w)", name: "s.tfe")
        let given = try Self.compile("player owner\nw = private_input(owner, [5])\noutput(owner, \"w\", w)",
                                     name: "g.tfe")
        let load = try Self.compile("player owner\nw = load(\"w\", [5])\noutput(owner, \"w\", w)", name: "l.tfe")
        let (stored, input, loaded) = (
            CostModel.cost(of: store.program), CostModel.cost(of: given.program), CostModel.cost(of: load.program)
        )
        let owner = PlayerID(3)
        #expect(!stored.bytes.isEmpty && stored.bytes == input.bytes.filter { $0.key.from == owner })
        #expect(loaded.bytes.filter { $0.key.phase == .online } == input.bytes.filter { $0.key.to == owner })
        #expect(loaded.bytes.keys.filter { $0.phase == .offline }.allSatisfy { $0.from == .server2 })
    }

    // MARK: - The MNIST demo with a cached model, under aby3

    /// `share-model-pond.tfe` and `predict-cached-pond.tfe` from `programs/` under aby3: the model owner shares
    /// the trained weights once, then 50 held-out images are predicted with only the client and the servers
    /// online; the logits are within 1e-2 of the plaintext model (same polynomial), the predictions agree on
    /// every image, and the measured cost equals the prediction.
    @Test func mnistPredictionAgainstAStoredModel() throws {
        let state = try StateFolder()
        func compiled(_ relative: String, batch: Int? = nil) throws -> Compiled {
            let path = EndToEnd.path(relative)
            let result = EndToEnd.compile(underABY3(EndToEnd.read(path)), path: path,
                                          overrides: batch.map { ["batch": $0] } ?? [:], optimize: true)
            return Compiled(program: try #require(result.program), checked: result.frontend.program)
        }
        let setup = try compiled("programs/mnist/share-model-pond.tfe")
        #expect(setup.program.protocolKind == .aby3)
        var model = ProgramInputs()
        try EndToEndTests.load("programs/mnist/data/model-pond.npz", into: &model, for: PlayerID(3))
        var stored: [String: ReferenceTensor] = [:]
        _ = try ReferenceInterpreter.run(setup.checked, inputs: model.doubles, stored: &stored, tracksBounds: false)
        let setupRun = try EndToEnd.run(setup.program, model, seed: 1, state: state)
        #expect(setupRun.cost == CostModel.cost(of: setup.program))
        #expect(setupRun.parties[2].stateWrites?.names == ["mnist_w0", "mnist_b0", "mnist_w1", "mnist_b1"])

        let predict = try compiled("programs/mnist/predict-cached-pond.tfe", batch: 50)
        let images = try NPZ.read(contentsOf: URL(fileURLWithPath: EndToEnd.path("programs/mnist/data/client.npz")))
        let references = try NPZ.read(
            contentsOf: URL(fileURLWithPath: EndToEnd.path("programs/mnist/data/reference-pond.npz")))
        let client = PlayerID(3)
        var inputs = ProgramInputs()
        inputs.set(client, "x", shape: [50, 784], values: Array(images[0].array.asDoubles().prefix(50 * 784)),
                   element: .fixed)
        for member in references {
            inputs.set(client, member.name, shape: [50], values: Array(member.array.asDoubles().prefix(50)),
                       element: .int)
        }
        let reference = try ReferenceInterpreter.run(
            predict.checked, inputs: inputs.doubles, stored: &stored, tracksBounds: false)
        let run = try EndToEnd.run(predict.program, inputs, seed: 10, state: state)
        #expect(run.cost == CostModel.cost(of: predict.program))
        let logits = try #require(run[client].outputs["logits"]).doubles
        let expected = try #require(reference[OutputKey(player: client, name: "logits")]).values
        let maxError = zip(logits, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(maxError <= 1e-2, "largest logit error \(maxError)")
        #expect(try #require(run[client].outputs["agreement"]).doubles == [1.0])
    }
}
