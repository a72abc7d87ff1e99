import Foundation
import TFECommands
import TFENumPy
import TFERuntime
import TFETestSupport

/// The fixtures `Fixtures/make_fixtures.py` wrote, found from this file's path.
enum ImportFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    /// The base names of the `.onnx` (or other `suffix`) files in a fixture folder, sorted.
    static func models(in folder: String, suffix: String = ".onnx") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path(folder))) ?? []
        return names.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }.sorted()
    }

    static func bytes(_ relative: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: path(relative)) ?? Data())
    }

    /// A fresh temporary folder for one test.
    static func temporaryDirectory() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-import-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Runs `tfec` in-process.
    static func tfec(_ arguments: [String]) -> CommandOutput {
        CommandOutput.capture { Tfec.main(arguments, console: $0) }
    }

    /// Runs `tfe-vm` in-process.
    static func tfeVM(_ arguments: [String]) -> CommandOutput {
        CommandOutput.capture { TfeVM.main(arguments, console: $0) }
    }

    /// Writes the first `count` held-out MNIST images (float32 in [0, 1]) to `file` with `shape`: NCHW for the
    /// ONNX model, NHWC for the GraphDef.
    static func writeHeldoutImages(count: Int, shape: [Int], to file: String) throws {
        let heldout = try NPZ.read(contentsOf: URL(fileURLWithPath: path("mnist/heldout.npz")))
        guard let images = heldout.first(where: { $0.name == "images" })?.array else {
            throw NPYError.corruptArchive("heldout.npz has no member 'images'")
        }
        let pixels = try images.asDoubles().prefix(count * 784).map { Float($0 / 255) }
        try NPY.write(try NPYArray(shape: shape, storage: .float32(pixels)), to: URL(fileURLWithPath: file))
    }

    /// One mutation of a model file, as the fuzz tests make them: a truncation, 1-4 bit flips or 1-3 random
    /// bytes, by `iteration` modulo 3.
    static func mangle(_ original: [UInt8], iteration: Int, random: inout SplitMix64) -> [UInt8] {
        var bytes = original
        switch iteration % 3 {
        case 0:
            bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
        case 1:
            for _ in 0..<(1 + random.next() % 4) {
                let index = Int(random.next() % UInt64(bytes.count))
                bytes[index] ^= UInt8(1) << (random.next() % 8)
            }
        default:
            for _ in 0..<(1 + random.next() % 3) {
                bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            }
        }
        return bytes
    }
}
