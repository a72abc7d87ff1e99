import Foundation
import Testing
import TFEBytecode
import TFECommands
import TFECore
import TFENumPy
import TFERuntime

/// `tfe-vm run --out/--stats-json/--trace`: destinations checked before the run, files written all or none,
/// and an input given twice refused. Tests run as root in CI, where permission bits stop nothing: the
/// unwritable destinations are a file where a directory should be, and a folder that does not exist.
struct OutputFilesTests {
    static let source = """
        protocol pond
        player alice, bob
        x = private_input(alice, [2, 3])
        w = private_input(bob, [3, 2])
        y = x @ w
        output(alice, "z", y * y + 1.5)
        output(bob, "y", y)
        """

    /// A folder holding `two.tfe` and its inputs `x.npy` and `w.npy`.
    final class Folder {
        let url: URL

        init() throws {
            url = try CommandLineTests.makeTemporaryDirectory()
            try Data(OutputFilesTests.source.utf8).write(to: url.appendingPathComponent("two.tfe"))
            let x = try NPYArray(shape: [2, 3], storage: .float64([0.5, -1.25, 2, 0.75, 3.5, -0.125]))
            let w = try NPYArray(shape: [3, 2], storage: .float64([1, 0.5, -0.25, 2, 0.125, -1]))
            try NPY.write(x, to: url.appendingPathComponent("x.npy"))
            try NPY.write(w, to: url.appendingPathComponent("w.npy"))
        }

        deinit { try? FileManager.default.removeItem(at: url) }

        func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

        /// `tfe-vm run two.tfe` with both inputs and `extra`.
        func run(_ extra: [String], inputs: [String]? = nil) -> CommandOutput {
            let inputs = inputs ?? ["alice:x=" + path("x.npy"), "bob:w=" + path("w.npy")]
            let arguments = ["run", path("two.tfe")] + inputs.flatMap { ["--input", $0] } + extra
            return CommandOutput.capture { TfeVM.main(arguments, console: $0) }
        }

        /// Every file and folder under `relative`, sorted, hidden ones included.
        func contents(of relative: String) -> [String] {
            let names = FileManager.default.enumerator(atPath: path(relative))?.compactMap { $0 as? String } ?? []
            return names.sorted()
        }

        func makeFile(_ relative: String, _ text: String = "") throws {
            try Data(text.utf8).write(to: url.appendingPathComponent(relative))
        }

        func makeDirectory(_ relative: String) throws {
            try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
        }
    }

    // MARK: - Checked before the run

    struct Destination: CustomTestStringConvertible, Sendable {
        var label: String
        /// Made in the folder first: a name ending in `/` is a directory, any other a file.
        var setUp: [String]
        var option: String
        var value: String
        /// After `tfe-vm: error: `, with `@` for the folder.
        var message: String
        var testDescription: String { label }
    }

    static let destinations = [
        Destination(label: "--out is a file", setUp: ["taken"], option: "--out", value: "taken",
                    message: "--out @/taken: not a directory"),
        Destination(label: "--out in a file", setUp: ["taken"], option: "--out", value: "taken/out",
                    message: "--out @/taken/out: not a directory"),
        Destination(label: "a player's folder is a file", setUp: ["out/", "out/bob"], option: "--out", value: "out",
                    message: "--out @/out: @/out/bob: not a directory"),
        Destination(label: "--trace is a directory", setUp: ["trace.json/"], option: "--trace",
                    value: "trace.json", message: "--trace @/trace.json: is a directory"),
        Destination(label: "--trace in a folder that does not exist", setUp: [], option: "--trace",
                    value: "no/trace.json", message: "--trace @/no/trace.json: no such file or directory"),
        Destination(label: "--stats-json in a file", setUp: ["taken"], option: "--stats-json",
                    value: "taken/stats.json", message: "--stats-json @/taken/stats.json: not a directory"),
    ]

    /// A destination that cannot be written stops the command before it runs anything (no "running" line),
    /// with one line and exit 1, and nothing is created.
    @Test(arguments: destinations)
    func unwritableDestinationStopsTheRunBeforeItStarts(_ destination: Destination) throws {
        let folder = try Folder()
        for entry in destination.setUp {
            if entry.hasSuffix("/") { try folder.makeDirectory(entry) } else { try folder.makeFile(entry) }
        }
        let before = folder.contents(of: "")
        let result = folder.run([destination.option, folder.path(destination.value)])
        let message = destination.message.replacingOccurrences(of: "@", with: folder.url.path)
        #expect(result == CommandOutput(exitCode: .failure, error: "tfe-vm: error: \(message)\n"))
        #expect(folder.contents(of: "") == before)
    }

    /// `--out` that does not exist yet is made (in a folder that does), with a folder per player.
    @Test func outIsMadeWhenItsParentExists() throws {
        let folder = try Folder()
        let result = folder.run(["--out", folder.path("out")])
        #expect(result.exitCode == .success, "\(result.error)")
        #expect(folder.contents(of: "out") == ["alice", "alice/z.npy", "bob", "bob/y.npy"])
    }

    /// `--out` whose parents do not exist either is made with them, as `mkdir -p` would: a fresh clone has no
    /// `out/`, and `programs/mnist/demo.sh` writes to `out/mnist-pond`.
    @Test func outIsMadeWithItsMissingParents() throws {
        let folder = try Folder()
        let result = folder.run(["--out", folder.path("no/such/out")])
        #expect(result.exitCode == .success, "\(result.error)")
        #expect(folder.contents(of: "no") == [
            "such", "such/out", "such/out/alice", "such/out/alice/z.npy", "such/out/bob", "such/out/bob/y.npy",
        ])
    }

    // MARK: - All or none

    /// bob's `y.npy` cannot be written (a directory is in its place) after alice's `z.npy` was renamed into
    /// place: alice's earlier `z.npy` comes back, the trace is not written, and no temporary is left.
    @Test func aFailureAfterTheRunLeavesNoOutputOfIt() throws {
        let folder = try Folder()
        try folder.makeDirectory("out/alice")
        try folder.makeFile("out/alice/z.npy", "earlier run")
        try folder.makeDirectory("out/bob/y.npy")
        let result = folder.run(["--out", folder.path("out"), "--trace", folder.path("trace.json"),
                                 "--stats-json", folder.path("stats.json")])
        #expect(result.exitCode == .failure)
        #expect(result.error.hasSuffix("tfe-vm: error: cannot write '\(folder.path("out"))/bob/y.npy': "
                                       + "is a directory\n"), "\(result.error)")
        #expect(result.error.split(separator: "\n").filter { $0.contains("error") }.count == 1)
        #expect(!result.output.contains("ran two.tfe"))
        #expect(folder.contents(of: "out") == ["alice", "alice/z.npy", "bob", "bob/y.npy"])
        #expect(try String(contentsOfFile: folder.path("out/alice/z.npy"), encoding: .utf8) == "earlier run")
        #expect(!FileManager.default.fileExists(atPath: folder.path("trace.json")))
        #expect(!FileManager.default.fileExists(atPath: folder.path("stats.json")))
        #expect(!folder.contents(of: "").contains { $0.contains(".tfe-") }, "\(folder.contents(of: ""))")
    }

    /// An `--out` holding an earlier run's files: this run's `NAME.npy` files replace theirs whole; other
    /// files of those players, and other players' folders, stay as they were.
    @Test func anEarlierRunsFilesAreReplacedOrKept() throws {
        let folder = try Folder()
        try folder.makeDirectory("out/alice")
        try folder.makeDirectory("out/carol")
        try folder.makeFile("out/alice/z.npy", "earlier z")
        try folder.makeFile("out/alice/notes.txt", "mine")
        try folder.makeFile("out/carol/z.npy", "carol's")
        let result = folder.run(["--out", folder.path("out")])
        #expect(result.exitCode == .success, "\(result.error)")
        #expect(folder.contents(of: "out")
            == ["alice", "alice/notes.txt", "alice/z.npy", "bob", "bob/y.npy", "carol", "carol/z.npy"])
        #expect(try NPY.read(contentsOf: URL(fileURLWithPath: folder.path("out/alice/z.npy"))).shape == [2, 2])
        #expect(try String(contentsOfFile: folder.path("out/alice/notes.txt"), encoding: .utf8) == "mine")
        #expect(try String(contentsOfFile: folder.path("out/carol/z.npy"), encoding: .utf8) == "carol's")
    }

    // MARK: - Inputs given twice

    struct Twice: CustomTestStringConvertible, Sendable {
        var label: String
        var inputs: [String]
        /// After `tfe-vm: error: `, with `@` for the folder.
        var message: String
        var testDescription: String { label }
    }

    /// An archive with the members `x` and `y`.
    static let archive = EndToEnd.path("programs/logistic-regression/data/data_owner.npz")

    static let twice = [
        Twice(label: "the same --input twice", inputs: ["alice:x=@/x.npy", "alice:x=@/x.npy", "bob:w=@/w.npy"],
              message: "input 'x' of 'alice' is given twice, in @/x.npy and in @/x.npy"),
        Twice(label: "a file, then an archive's member", inputs: ["alice:x=@/x.npy", "alice=%"],
              message: "input 'x' of 'alice' is given twice, in @/x.npy and in %"),
        Twice(label: "an archive's member, then a file", inputs: ["bob=%", "bob:y=@/w.npy"],
              message: "input 'y' of 'bob' is given twice, in % and in @/w.npy"),
        Twice(label: "one archive twice", inputs: ["bob=%", "bob=%"],
              message: "input 'x' of 'bob' is given twice, in % and in %"),
    ]

    /// An input given twice is refused, naming the player, the input and both files, before the run.
    @Test(arguments: twice)
    func anInputGivenTwiceIsRefused(_ twice: Twice) throws {
        let folder = try Folder()
        func expand(_ text: String) -> String {
            text.replacingOccurrences(of: "@", with: folder.url.path).replacingOccurrences(of: "%", with: Self.archive)
        }
        let result = folder.run([], inputs: twice.inputs.map(expand))
        #expect(result == CommandOutput(exitCode: .failure, error: "tfe-vm: error: \(expand(twice.message))\n"))
    }

    // MARK: - Progress

    /// Off a terminal nothing but the usual lines reaches standard error: no progress, no escape codes.
    @Test func noProgressOffATerminal() throws {
        let folder = try Folder()
        let result = folder.run([])
        #expect(result.exitCode == .success, "\(result.error)")
        #expect(result.error == "tfe-vm: running two.tfe (pond) with players server0, server1, server2, alice, bob\n")
    }

    /// Each machine reports its rounds and the bytes it sent: at the end every party is at the last online
    /// round, and together they sent what the network measured.
    @Test func machinesReportTheirProgress() throws {
        let program = try #require(EndToEnd.compile(Self.source, path: "two.tfe", optimize: true).program)
        var options = LocalRunOptions(seed: 1)
        options.progress = program.players.map { _ in MachineProgress() }
        let x = try NPYArray(shape: [2, 3], storage: .float64([0.5, -1.25, 2, 0.75, 3.5, -0.125]))
        let w = try NPYArray(shape: [3, 2], storage: .float64([1, 0.5, -0.25, 2, 0.125, -1]))
        let result = try LocalRun.run(program, inputs: [PlayerID(3): ["x": x], PlayerID(4): ["w": w]],
                                      options: options)
        let snapshots = options.progress.map(\.snapshot)
        for snapshot in snapshots {
            #expect(snapshot.phase == .online && snapshot.round == program.online.count
                    && snapshot.rounds == program.online.count, "\(snapshot)")
        }
        #expect(snapshots.map(\.bytesSent).reduce(0, +) == result.cost.totalBytes)
    }
}
