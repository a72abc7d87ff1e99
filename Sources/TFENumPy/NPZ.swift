// Reading NumPy's `.npz` archives: zip files of `.npy` members, stored or deflated.

import CZlib
import Foundation

/// Reads `.npz` archives, as written by `numpy.savez` (stored) and `numpy.savez_compressed` (deflate).
///
/// The central directory is the authority for names, sizes and offsets (local headers may carry
/// placeholders, and numpy's always have ZIP64 fields); ZIP64 records are honoured; every member's
/// CRC-32 is checked before it is parsed.
public enum NPZ {
    /// The members of the archive in `data`, in archive order, named without their `.npy` suffix.
    ///
    /// Throws an `NPYError` naming the problem; no byte sequence makes it trap.
    public static func read(_ data: Data) throws(NPYError) -> [(name: String, array: NPYArray)] {
        let result: Result<[(name: String, array: NPYArray)], NPYError> = data.withUnsafeBytes { bytes in
            Result { () throws(NPYError) -> [(name: String, array: NPYArray)] in try read(bytes: bytes) }
        }
        return try result.get()
    }

    /// The members of the `.npz` archive at `url`.
    public static func read(contentsOf url: URL) throws(NPYError) -> [(name: String, array: NPYArray)] {
        try read(try FileAccess.contents(of: url))
    }

    private static func read(bytes: UnsafeRawBufferPointer) throws(NPYError) -> [(name: String, array: NPYArray)] {
        let archive = try ZipArchive(bytes: bytes)
        var members: [(name: String, array: NPYArray)] = []
        var seen = Set<String>()
        for entry in archive.entries {
            let name = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            guard seen.insert(name).inserted else {
                throw .duplicateMember(name)
            }
            let array = try archive.withContents(of: entry) { (contents) throws(NPYError) in
                do throws(NPYError) {
                    return try NPY.read(bytes: contents)
                } catch {
                    throw NPYError.invalidMember(entry.name, error)
                }
            }
            members.append((name, array))
        }
        return members
    }
}

// MARK: - Deflate

extension NPZ {
    /// Inflates the raw deflate stream `input` (no zlib or gzip wrapper, as in zip members), which must
    /// produce exactly `expectedSize` bytes.
    ///
    /// Output grows as zlib produces it rather than being allocated up front from the declared size,
    /// so a corrupted size field cannot request an absurd allocation.
    static func inflate(
        _ input: UnsafeRawBufferPointer, expectedSize: Int, member: String
    ) throws(NPYError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corruptArchive("cannot start zlib to inflate member '\(member)'")
        }
        defer { inflateEnd(&stream) }

        let chunkSize = 1 << 18
        var output: [UInt8] = []
        output.reserveCapacity(min(expectedSize, 4 * input.count + 4096))
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var consumed = 0
        while true {
            if stream.avail_in == 0 && consumed < input.count {
                let take = min(input.count - consumed, Int(UInt32.max))
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
                    + consumed
                stream.avail_in = UInt32(take)
                consumed += take
            }
            let status = chunk.withUnsafeMutableBufferPointer { buffer in
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(chunkSize)
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            let produced = chunkSize - Int(stream.avail_out)
            guard output.count + produced <= expectedSize else {
                throw .corruptArchive("member '\(member)' inflates to more than its declared \(expectedSize) bytes")
            }
            output += chunk[..<produced]
            switch status {
            case Z_STREAM_END:
                guard output.count == expectedSize else {
                    throw .corruptArchive(
                        "member '\(member)' inflates to \(output.count) bytes but declares \(expectedSize)")
                }
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_in == 0 && consumed == input.count:
                throw .corruptArchive("the compressed data of member '\(member)' ends early")
            case Z_BUF_ERROR:
                continue
            default:
                let detail = stream.msg.map { ": " + String(cString: $0) } ?? ""
                throw .corruptArchive("member '\(member)' has invalid deflate data\(detail)")
            }
        }
    }

    /// zlib's CRC-32 of `bytes`, fed in pieces because `crc32` takes a 32-bit length.
    static func crc32(of bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: uLong = 0
        var offset = 0
        while offset < bytes.count {
            let take = min(bytes.count - offset, Int(UInt32.max))
            crc = CZlib.crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + offset, uInt(take))
            offset += take
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
