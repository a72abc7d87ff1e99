import Foundation

/// Golden-file comparison for tests. `TFE_UPDATE_GOLDEN=1` (or a missing `.expected` file) rewrites the
/// expected output in the source tree and still reports a failure, so a regenerated golden is always
/// reviewed before it passes.
public enum Golden {
    /// Whether the regenerate switch is on.
    public static var isUpdating: Bool {
        ProcessInfo.processInfo.environment["TFE_UPDATE_GOLDEN"] == "1"
    }

    /// Compares `actual` with the file at `expectedPath`. Returns nil when they match, otherwise a failure
    /// message with the golden's path and a line diff.
    public static func check(_ actual: String, against expectedPath: String) -> String? {
        let actual = normalize(actual)
        let displayPath = shortPath(expectedPath)
        guard !isUpdating, let data = FileManager.default.contents(atPath: expectedPath) else {
            do {
                try Data(actual.utf8).write(to: URL(fileURLWithPath: expectedPath))
            } catch {
                return "cannot write \(displayPath): \(error)"
            }
            return "updated \(displayPath); review the diff (git diff), then run the tests again without TFE_UPDATE_GOLDEN"
        }
        let expected = normalize(String(decoding: data, as: UTF8.self))
        guard expected != actual else { return nil }
        return "output differs from \(displayPath) (regenerate with TFE_UPDATE_GOLDEN=1 swift test --filter "
            + "TFEGoldenTests, then review the diff):\n" + LineDiff.render(expected: expected, actual: actual)
    }

    static func normalize(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n")
    }

    static func shortPath(_ path: String) -> String {
        guard let range = path.range(of: "/Tests/") else { return path }
        return String(path[range.lowerBound...].dropFirst())
    }

    /// The `.tfe` files of a golden folder next to `filePath` (pass `#filePath`), sorted by name.
    public static func cases(in folder: String, besides filePath: String) -> [String] {
        let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent(folder).path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".tfe") }.sorted().map { directory + "/" + $0 }
    }
}

/// A minimal line diff (longest common subsequence), printed as `-expected` / `+actual` lines.
public enum LineDiff {
    public static func render(expected: String, actual: String) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Large outputs: show the first differing region only, to keep the cost bounded.
        if a.count * b.count > 4_000_000 {
            let first = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            return "first difference at line \(first + 1):\n-" + (first < a.count ? a[first] : "<end>")
                + "\n+" + (first < b.count ? b[first] : "<end>")
        }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var lines: [String] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                lines.append(" " + a[i])
                i += 1
                j += 1
            } else if j < b.count, i == a.count || table[i][j + 1] >= table[i + 1][j] {
                lines.append("+" + b[j])
                j += 1
            } else {
                lines.append("-" + a[i])
                i += 1
            }
        }
        return lines.joined(separator: "\n")
    }
}
