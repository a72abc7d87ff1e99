import Foundation

// Writing `.npz` archives as `numpy.savez` does: a zip file of stored (uncompressed) `.npy` members.

extension NPZ {
    /// An archive holding `members` in order, each as `NAME.npy`, stored without compression. Member names
    /// must be unique and under 64 KiB; the archive must stay under 4 GiB (no ZIP64 records are written).
    public static func encode(_ members: [(name: String, array: NPYArray)]) throws(NPYError) -> Data {
        var archive = Data()
        var directory = Data()
        for member in members {
            let name = Array((member.name + ".npy").utf8)
            let contents = NPY.encode(member.array)
            let crc = contents.withUnsafeBytes { crc32(of: $0) }
            guard name.count <= Int(UInt16.max), contents.count < Int(UInt32.max),
                  archive.count + contents.count + name.count + 30 < Int(UInt32.max) else {
                throw .corruptArchive("member '\(member.name)' makes the archive larger than 4 GiB")
            }
            let offset = UInt32(archive.count)
            // Local file header: version 2.0, no flags, stored, no time, then the name and the contents.
            archive.appendLittleEndian(UInt32(0x0403_4b50))
            archive.appendLittleEndian(UInt16(20), UInt16(0), UInt16(0), UInt16(0), UInt16(0x21))
            archive.appendLittleEndian(crc, UInt32(contents.count), UInt32(contents.count))
            archive.appendLittleEndian(UInt16(name.count), UInt16(0))
            archive.append(contentsOf: name)
            archive.append(contents)
            // Its central directory record.
            directory.appendLittleEndian(UInt32(0x0201_4b50))
            directory.appendLittleEndian(UInt16(20), UInt16(20), UInt16(0), UInt16(0), UInt16(0), UInt16(0x21))
            directory.appendLittleEndian(crc, UInt32(contents.count), UInt32(contents.count))
            directory.appendLittleEndian(UInt16(name.count), UInt16(0), UInt16(0), UInt16(0), UInt16(0))
            directory.appendLittleEndian(UInt32(0), offset)
            directory.append(contentsOf: name)
        }
        guard members.count < Int(UInt16.max), archive.count + directory.count < Int(UInt32.max) else {
            throw .corruptArchive("\(members.count) members make an archive too large for a plain zip file")
        }
        let directoryOffset = UInt32(archive.count)
        archive.append(directory)
        archive.appendLittleEndian(UInt32(0x0605_4b50))
        archive.appendLittleEndian(UInt16(0), UInt16(0), UInt16(members.count), UInt16(members.count))
        archive.appendLittleEndian(UInt32(directory.count), directoryOffset)
        archive.appendLittleEndian(UInt16(0))
        return archive
    }
}

extension Data {
    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(_ values: T...) {
        for value in values {
            Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
        }
    }
}
