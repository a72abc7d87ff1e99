import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `tfe-vm run` will write, checked before the run starts, so that a typo or a missing folder costs
/// no run: `--out DIR` is a writable directory or can be made in a writable one (its parent exists), and
/// so are the folders of the players whose outputs this process writes; `--stats-json` and `--trace` name
/// no directory and sit in a writable directory that exists. A problem is one line,
/// `tfe-vm: error: --out DIR: not a directory`, with the reason in `strerror` words.
enum OutputDestinations {
    /// Checks every destination the arguments give; prints the first problem and returns false.
    static func check(_ arguments: ParsedArguments, players: [String], console: Console) -> Bool {
        if let directory = arguments.value("--out") {
            if let reason = problem(directory: directory) {
                console.writeError("tfe-vm: error: --out \(directory): \(reason)\n")
                return false
            }
            for player in players {
                let folder = "\(directory)/\(player)"
                if let reason = problem(existingFolder: folder) {
                    console.writeError("tfe-vm: error: --out \(directory): \(folder): \(reason)\n")
                    return false
                }
            }
        }
        for option in ["--stats-json", "--trace"] {
            guard let path = arguments.value(option) else { continue }
            if let reason = problem(file: path) {
                console.writeError("tfe-vm: error: \(option) \(path): \(reason)\n")
                return false
            }
        }
        return true
    }

    /// Why files cannot be written in the directory `path`, or it cannot be made with its missing parents (as
    /// `mkdir -p` would, in the nearest folder above it that exists: `FileTransaction` makes them); nil when they
    /// can. A file on the way (`taken/out`) is "not a directory".
    static func problem(directory path: String) -> String? {
        var existing = path
        while isMissing(existing) {
            let parent = FileTransaction.folder(of: existing)
            if parent == existing { break }
            existing = parent
        }
        return problem(writableDirectory: existing)
    }

    /// Why a file cannot be written at `path` (replacing what is there); nil when it can.
    static func problem(file path: String) -> String? {
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { return reason(EISDIR) }
        if FileTransaction.isSpecial(path) { return access(path, W_OK) == 0 ? nil : reason(errno) }
        return problem(writableDirectory: FileTransaction.folder(of: path))
    }

    /// A player's folder under `--out`: nil when it does not exist yet (it will be made) or is a writable
    /// directory.
    private static func problem(existingFolder path: String) -> String? {
        isMissing(path) ? nil : problem(writableDirectory: path)
    }

    /// Why `path` is not an existing directory in which this process may create and rename files.
    private static func problem(writableDirectory path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return reason(errno) }
        guard status.st_mode & S_IFMT == S_IFDIR else { return reason(ENOTDIR) }
        return access(path, W_OK | X_OK) == 0 ? nil : reason(errno)
    }

    /// Whether nothing is at `path` (`stat` says `ENOENT`).
    private static func isMissing(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) != 0 && errno == ENOENT
    }

    private static func reason(_ error: Int32) -> String {
        FileTransaction.reason(errno: error)
    }
}
