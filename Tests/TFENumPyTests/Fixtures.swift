// Locating the .npy/.npz fixtures that Fixtures/make_fixtures.py writes.

import Foundation

/// The fixture folder next to this file, found through `#filePath` so that no resources are copied.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: url(name))
    }

    /// Every `.npy` and `.npz` fixture, sorted so that runs are reproducible.
    static func all() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".npy") || $0.hasSuffix(".npz") }
            .sorted()
    }
}
