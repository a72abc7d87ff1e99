// Whole-file reads and writes with operating-system reasons in compiler-style errors.

import Foundation

/// Reads and writes whole files, turning Foundation's errors into `NPYError`s with short reasons.
enum FileAccess {
    /// The bytes of the file at `url`, memory-mapped when that is safe (inputs can be large).
    static func contents(of url: URL) throws(NPYError) -> Data {
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

    /// The POSIX reason underneath a Foundation error ("no such file or directory"), which is what a
    /// user needs; Foundation's own sentence repeats the path and reads poorly after ours.
    static func reason(for error: any Error) -> String {
        // On Linux the underlying error is a Swift `POSIXError`, which does not cast to `NSError`.
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error
        for candidate in [error, underlying] {
            if let candidate, (candidate as NSError).domain == NSPOSIXErrorDomain {
                return String(cString: strerror(Int32((candidate as NSError).code))).lowercased()
            }
        }
        return (error as NSError).localizedDescription
    }
}
