import Foundation
import TFENumPy
import TFERuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files a command writes all or none: a run's outputs, `--stats-json` and `--trace`; `tfec compile`'s
/// bytecode. Each file is first written in full to a temporary next to it (`.NAME.tfe-XXXX`, so the rename
/// stays on one file system); only when every one is written are they renamed into place, and a file they
/// replace is kept aside until the last rename succeeded. When any step fails, what was renamed is undone
/// (the files replaced come back), the temporaries and the directories made for them are removed, and the
/// failure names the file and gives the system's reason in `strerror` words. A device or a pipe
/// (`--trace /dev/stdout`) cannot be replaced, so it is written in place, before the others.
struct FileTransaction {
    /// Why a file could not be written: `cannot write 'out/alice/z.npy': is a directory`.
    struct Failure: Error, Hashable {
        /// The file, as the command was given it.
        var path: String
        /// `strerror` words in lowercase: "permission denied", "is a directory".
        var reason: String

        var message: String { "cannot write '\(path)': \(reason)" }
    }

    private struct File {
        var path: String
        var data: Data
        var makesDirectories: Bool
    }

    private var files: [File] = []

    /// Whether there is nothing to write.
    var isEmpty: Bool { files.isEmpty }

    /// Adds a file to write at `path`; with `makingDirectories`, its folder and any missing parents are
    /// created as well (and removed again if the transaction fails).
    mutating func add(_ data: Data, at path: String, makingDirectories: Bool = false) {
        files.append(File(path: path, data: data, makesDirectories: makingDirectories))
    }

    /// Writes every file added, or none of them.
    func commit() throws(Failure) {
        var created: [String] = []
        var temporaries: [String] = []
        var installed: [(path: String, previous: String?)] = []
        do throws(Failure) {
            // A device or a pipe (`--trace /dev/stdout`) cannot be replaced: it is written in place, first.
            var regular: [File] = []
            for file in files {
                if Self.isSpecial(file.path) {
                    try Self.writeInPlace(file.data, to: file.path)
                } else {
                    regular.append(file)
                }
            }
            for file in regular {
                let folder = Self.folder(of: file.path)
                if file.makesDirectories { try Self.makeDirectory(folder, for: file.path, created: &created) }
                temporaries.append(try Self.writeTemporary(file.data, nextTo: file.path))
            }
            for (file, temporary) in zip(regular, temporaries) {
                // A file being replaced moves aside first, so that it can come back if a later file fails.
                var previous: String?
                var status = stat()
                if lstat(file.path, &status) == 0, status.st_mode & S_IFMT != S_IFDIR {
                    let aside = Self.unusedName(nextTo: file.path, kind: "old")
                    guard rename(file.path, aside) == 0 else { throw Self.failure(file.path, errno) }
                    previous = aside
                }
                if rename(temporary, file.path) != 0 {
                    let error = errno
                    if let previous { rename(previous, file.path) }
                    throw Self.failure(file.path, error)
                }
                installed.append((file.path, previous))
            }
        } catch {
            for (path, previous) in installed.reversed() {
                if let previous { rename(previous, path) } else { unlink(path) }
            }
            for temporary in temporaries { unlink(temporary) }
            for directory in created.reversed() { rmdir(directory) }
            throw error
        }
        for case let (_, previous?) in installed { unlink(previous) }
    }

    // MARK: - Steps

    /// The folder a path is in: `out/alice` for `out/alice/z.npy`, `.` for `z.npy`.
    static func folder(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Creates `directory` and its missing parents (mode 0777 less the umask), noting each one created.
    private static func makeDirectory(_ directory: String, for path: String, created: inout [String]) throws(Failure) {
        var status = stat()
        if stat(directory, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else { throw failure(path, ENOTDIR) }
            return
        }
        if errno == ENOENT, folder(of: directory) != directory {
            try makeDirectory(folder(of: directory), for: path, created: &created)
        }
        if mkdir(directory, 0o777) == 0 {
            created.append(directory)
            return
        }
        let error = errno
        // Another process (another party with the same --out) may have made it meanwhile.
        if error == EEXIST, stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { return }
        throw failure(path, error == EEXIST ? ENOTDIR : error)
    }

    /// Writes `data` to a new file next to `path` (created with `O_EXCL`, mode 0666 less the umask, as any
    /// new file) and returns the new file's path.
    private static func writeTemporary(_ data: Data, nextTo path: String) throws(Failure) -> String {
        for _ in 0..<16 {
            let temporary = unusedName(nextTo: path, kind: "new")
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o666))
            if descriptor < 0 {
                if errno == EEXIST { continue }
                throw failure(path, errno)
            }
            let error = write(data, to: descriptor)
            guard error == 0 else {
                unlink(temporary)
                throw failure(path, error)
            }
            return temporary
        }
        throw Failure(path: path, reason: "no unused temporary name next to it")
    }

    /// Writes all of `data` to `path` as it is (a device or a pipe).
    private static func writeInPlace(_ data: Data, to path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, errno) }
        let error = write(data, to: descriptor)
        guard error == 0 else { throw failure(path, error) }
    }

    /// Writes all of `data` and closes `descriptor`: 0, or the `errno` of the first failure.
    private static func write(_ data: Data, to descriptor: Int32) -> Int32 {
        var error = data.withUnsafeBytes { FileAccess.writeAll($0, to: descriptor) } ?? 0
        if close(descriptor) != 0, error == 0 { error = errno }
        return error
    }

    /// Whether `path` is a device, a pipe or a socket (following links), which is written in place.
    static func isSpecial(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        let kind = status.st_mode & S_IFMT
        return kind != S_IFREG && kind != S_IFDIR
    }

    /// `out/alice/.z.npy.tfe-new-1x3k9q`: hidden, next to `path`, and unlikely to exist.
    private static func unusedName(nextTo path: String, kind: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let suffix = String(UInt64.random(in: .min ... .max), radix: 36)
        return folder(of: path) + "/." + name + ".tfe-\(kind)-" + suffix
    }

    private static func failure(_ path: String, _ error: Int32) -> Failure {
        Failure(path: path, reason: reason(errno: error))
    }

    /// "permission denied" for `EACCES`: `strerror`'s words, starting lowercase.
    static func reason(errno error: Int32) -> String {
        FileAccess.reason(errno: error)
    }
}
