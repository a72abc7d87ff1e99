// Whole-file reads and writes with operating-system reasons in compiler-style errors.

import Foundation

/// Reads and writes whole files, turning Foundation's errors into `NPYError`s with short reasons; and the
/// POSIX pieces every private or all-or-none file write of the project shares (state files, certificates, a
/// run's outputs).
public enum FileAccess {
    /// The bytes of the file at `url`, memory-mapped when that is safe (inputs can be large).
    public static func contents(of url: URL) throws(NPYError) -> Data {
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw .unreadableFile(path: url.path, reason: reason(for: error))
        }
    }

    /// Replaces the file at `url` with `data`, atomically so a reader never sees half a file.
    static func write(_ data: Data, to url: URL) throws(NPYError) {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .unwritableFile(path: url.path, reason: reason(for: error))
        }
    }

    // MARK: - Private files

    /// Replaces the file at `url` with `bytes`, readable and writable by this user alone from the moment it
    /// exists: the bytes go to a temporary created 0600 next to it (`writePrivateTemporary`), and the temporary
    /// is renamed over the file (`replace`). A reader sees the old file or the new one, and no other user can
    /// open either, whatever the umask. `beforeRename` sees the temporary's path once it is written and synced
    /// (tests check its mode there).
    static func writePrivately(
        _ bytes: [UInt8], to url: URL, beforeRename: (String) -> Void = { _ in }
    ) throws(NPYError) {
        let temporary = try writePrivateTemporary(bytes, for: url)
        beforeRename(temporary)
        try replace(url, with: temporary)
    }

    /// Writes `bytes` to a new temporary next to `url`, 0600 from its creation (`makePrivateTemporary`), and
    /// syncs it to disk; returns its path. Nothing is left behind when this fails. The first half of
    /// `writePrivately`, for writes that commit later (a store commits only once every server has written).
    public static func writePrivateTemporary(_ bytes: [UInt8], for url: URL) throws(NPYError) -> String {
        let (descriptor, temporary) = try makePrivateTemporary(for: url)
        var failure: Int32? = bytes.withUnsafeBytes { writeAll($0, to: descriptor) }
        if failure == nil && fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0 && failure == nil { failure = errno }
        if let failure {
            unlink(temporary)
            throw .unwritableFile(path: url.path, reason: reason(errno: failure))
        }
        return temporary
    }

    /// Renames `temporary` (from `writePrivateTemporary`) over the file at `url`, and syncs the directory so
    /// that the rename survives a crash. On failure the temporary is removed and the old file stays.
    public static func replace(_ url: URL, with temporary: String) throws(NPYError) {
        if rename(temporary, url.path) != 0 {
            let failure = errno
            unlink(temporary)
            throw .unwritableFile(path: url.path, reason: reason(errno: failure))
        }
        // The rename is durable once the directory is synced too; a failure here loses nothing written.
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            _ = close(directory)
        }
    }

    /// Creates a new, empty file next to `url` for `writePrivately`, open for writing and with mode 0600 from
    /// its creation (`open` with `O_CREAT | O_EXCL`, so never an existing file or a planted link). The caller
    /// closes the descriptor and renames or removes the file.
    public static func makePrivateTemporary(for url: URL) throws(NPYError) -> (descriptor: Int32, path: String) {
        let directory = url.deletingLastPathComponent().path
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: .min ... .max), radix: 36)
            let path = directory + "/." + url.lastPathComponent + "." + suffix
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o600))
            if descriptor >= 0 { return (descriptor, path) }
            let error = errno
            if error != EEXIST { throw .unwritableFile(path: url.path, reason: reason(errno: error)) }
        }
        throw .unwritableFile(path: url.path, reason: "no unused temporary name next to it")
    }

    /// Creates the directory at `path` and any missing parents with mode 0700 from their creation (`mkdir`'s
    /// mode, not a change afterwards). A directory that already exists is left as it is.
    public static func makePrivateDirectory(atPath path: String) throws(NPYError) {
        if let (place, error) = makePrivateDirectories(atPath: path) {
            throw .unwritableFile(path: place, reason: reason(errno: error))
        }
    }

    /// `makePrivateDirectory` without an error type: nil, or the path that could not be made and the `errno`
    /// (`ENOTDIR` when a file is in the way).
    public static func makePrivateDirectories(atPath path: String) -> (path: String, errno: Int32)? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? nil : (path, ENOTDIR)
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path, let failure = makePrivateDirectories(atPath: parent) { return failure }
        guard mkdir(path, mode_t(0o700)) != 0 else { return nil }
        let error = errno
        // Another process may have made it meanwhile.
        if error == EEXIST, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            return nil
        }
        return (path, error)
    }

    /// Writes all of `bytes` to `descriptor`, retrying interrupted and short writes: nil, or the `errno` of
    /// the failure.
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written > 0 {
                offset += written
            } else if written == 0 {
                return EIO
            } else if errno != EINTR {
                return errno
            }
        }
        return nil
    }

    /// "permission denied" for `EACCES`.
    public static func reason(errno code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }

    /// The POSIX reason underneath a Foundation error ("no such file or directory"), which is what a
    /// user needs; Foundation's own sentence repeats the path and reads poorly after ours.
    static func reason(for error: any Error) -> String {
        // On Linux the underlying error is a Swift `POSIXError`, which does not cast to `NSError`.
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error
        for candidate in [error, underlying] {
            if let candidate, (candidate as NSError).domain == NSPOSIXErrorDomain {
                return reason(errno: Int32((candidate as NSError).code))
            }
        }
        return (error as NSError).localizedDescription
    }
}

/// POSIX `write`, which `FileAccess.write` hides inside the enum.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
