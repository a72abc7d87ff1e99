import Foundation
import Testing

@testable import TFECommands

/// `FileTransaction`: every file written, or none (the files replaced come back), with `strerror` reasons.
struct FileTransactionTests {
    @Test(arguments: [
        ("out/alice/z.npy", "out/alice"), ("z.npy", "."), ("/z.npy", "/"), ("out/", "."), ("a//b", "a/"),
        ("/", "/"),
    ])
    func folder(_ path: String, _ expected: String) {
        #expect(FileTransaction.folder(of: path) == expected)
    }

    func withFolder(_ body: (String) throws -> Void) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        try body(url.path)
    }

    func contents(_ folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []).sorted()
    }

    @Test func writesEveryFileAndMakesFolders() throws {
        try withFolder { folder in
            try Data("old".utf8).write(to: URL(fileURLWithPath: folder + "/a"))
            var files = FileTransaction()
            files.add(Data("new a".utf8), at: folder + "/a")
            files.add(Data("b".utf8), at: folder + "/out/p/b", makingDirectories: true)
            try files.commit()
            #expect(contents(folder) == ["a", "out", "out/p", "out/p/b"])
            #expect(try String(contentsOfFile: folder + "/a", encoding: .utf8) == "new a")
        }
    }

    /// The third file fails once the first two were renamed into place: the first comes back as it was, the
    /// second (new) goes, and so do the folders made for it and every temporary.
    @Test func aFailureUndoesEverything() throws {
        try withFolder { folder in
            try Data("old".utf8).write(to: URL(fileURLWithPath: folder + "/a"))
            try FileManager.default.createDirectory(atPath: folder + "/c", withIntermediateDirectories: false)
            var files = FileTransaction()
            files.add(Data("new a".utf8), at: folder + "/a")
            files.add(Data("b".utf8), at: folder + "/out/p/b", makingDirectories: true)
            files.add(Data("c".utf8), at: folder + "/c")
            #expect(throws: FileTransaction.Failure(path: folder + "/c", reason: "is a directory")) {
                try files.commit()
            }
            #expect(contents(folder) == ["a", "c"])
            #expect(try String(contentsOfFile: folder + "/a", encoding: .utf8) == "old")
        }
    }

    @Test(arguments: [
        ("missing/file", "no such file or directory"), ("plain/file", "not a directory"),
    ])
    func reasons(_ relative: String, _ reason: String) throws {
        try withFolder { folder in
            try Data().write(to: URL(fileURLWithPath: folder + "/plain"))
            var files = FileTransaction()
            files.add(Data("x".utf8), at: folder + "/" + relative)
            #expect(throws: FileTransaction.Failure(path: folder + "/" + relative, reason: reason)) {
                try files.commit()
            }
        }
    }
}
