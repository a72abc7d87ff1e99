import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFENet

/// What TLS costs: the MNIST Pond program and the SecureNN seed network (784-512-ReLU-10), both at batch 100,
/// as five `tfe-vm run --config` processes on loopback, with `--certs` and with `--insecure`, alternating, in one
/// run. Reported per setting: min / median / max of the slowest party's own time (connecting, the TLS handshakes
/// and the run; what `tfe-vm` prints) and of the wall time (starting the five processes to the last exit), and the
/// ratio of the medians.
enum TLSBenchmark {
    static let repetitions = 7

    /// The programs measured: a label, the source, and each player's input arguments (relative to the root).
    static let cases: [(label: String, source: String, inputs: [String: [String]])] = [
        ("MNIST Pond 784-128-10", "programs/mnist/mnist-pond.tfe",
         ["model_owner": ["--input", "model_owner=programs/mnist/data/model-pond.npz"],
          "client": ["--input", "client=programs/mnist/data/client.npz"]]),
        ("SecureNN seed 784-512-10", "programs/mnist/mnist-securenn.tfe",
         ["model_owner": ["--input", "model_owner=programs/mnist/data/model-securenn.npz"],
          "client": ["--input", "client=programs/mnist/data/client.npz"]]),
    ]

    static func run(root: String) throws {
        guard let executable = NetBenchmark.tfeVMExecutable() else {
            print("tls: skipped, no tfe-vm next to tfe-bench (swift build -c release builds both)")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-bench-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        print("tls: five tfe-vm processes on loopback, TLS 1.3 (--certs) against plain TCP (--insecure), batch 100, "
              + "\(repetitions) runs each, alternating; load \(load())")
        print(PondBenchmark.pad("program", 26) + PondBenchmark.pad("setting", 12)
              + PondBenchmark.pad("party s min / median / max", 30) + PondBenchmark.pad("wall s min / median / max", 30)
              + "MB sent")
        for (label, path, inputs) in cases {
            let source = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
            let name = URL(fileURLWithPath: path).lastPathComponent
            guard let program = Compiler.compile(SourceFile(path: name, text: source)).program else {
                throw PondBenchmark.BenchmarkError.message("\(path) does not compile")
            }
            let bytecode = folder.appendingPathComponent(name + "b").path
            try Data(program.encoded()).write(to: URL(fileURLWithPath: bytecode))
            let certificates = try certificates(for: program.players, in: folder)
            let absolute = inputs.mapValues { $0.map { $0.contains("=") ? fix($0, root: root) : $0 } }
            var party: [Bool: [Double]] = [:], wall: [Bool: [Double]] = [:]
            for repetition in 0..<repetitions {
                for secure in repetition % 2 == 0 ? [true, false] : [false, true] {
                    let (w, p) = try NetBenchmark.runParties(
                        executable, bytecode: bytecode, players: program.players, folder: folder, inputs: absolute,
                        extra: secure ? ["--certs", certificates] : ["--insecure"])
                    party[secure, default: []].append(p)
                    wall[secure, default: []].append(w.inSeconds)
                }
            }
            let megabytes = String(format: "%.2f", Double(CostModel.cost(of: program).totalBytes) / 1e6)
            for secure in [false, true] {
                print(PondBenchmark.pad(secure ? "" : label, 26) + PondBenchmark.pad(secure ? "TLS" : "--insecure", 12)
                      + PondBenchmark.pad(spread(party[secure]!), 30) + PondBenchmark.pad(spread(wall[secure]!), 30)
                      + megabytes)
            }
            let ratio = median(party[true]!) / median(party[false]!)
            let wallRatio = median(wall[true]!) / median(wall[false]!)
            print(PondBenchmark.pad("", 26) + PondBenchmark.pad("TLS / plain", 12)
                  + PondBenchmark.pad(String(format: "%.2fx", ratio), 30) + String(format: "%.2fx", wallRatio))
        }
    }

    /// A certificate directory for `players` in `folder` (made once per folder).
    static func certificates(for players: [String], in folder: URL) throws -> String {
        let directory = folder.appendingPathComponent("certs-\(players.joined(separator: "-"))").path
        if !FileManager.default.fileExists(atPath: directory) {
            try makeDeploymentCertificates(parties: players, directory: directory, days: 1)
        }
        return directory
    }

    /// `player=path` or `player:name=path` with the path made absolute.
    private static func fix(_ argument: String, root: String) -> String {
        guard let equal = argument.firstIndex(of: "=") else { return argument }
        return String(argument[...equal]) + root + "/" + argument[argument.index(after: equal)...]
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func spread(_ values: [Double]) -> String {
        String(format: "%.3f / %.3f / %.3f", values.min() ?? 0, median(values), values.max() ?? 0)
    }

    /// The 1-, 5- and 15-minute load averages.
    static func load() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
