// Everything that can be wrong with a `.npy` or `.npz` file, worded like a compiler message.

/// Why a `.npy` file, an `.npz` archive, or an `NPYArray` conversion was rejected.
///
/// Descriptions read like compiler messages (lowercase, no final period) and name sizes, types and
/// member names, never element values: inputs are private.
public enum NPYError: Error, CustomStringConvertible, Equatable, Sendable {
    // MARK: - .npy files

    /// The file does not start with `\x93NUMPY`.
    case badMagic
    /// A format version other than 1.0, 2.0 or 3.0.
    case unsupportedVersion(major: UInt8, minor: UInt8)
    /// The file ends inside the magic, the header length or the header.
    case truncatedHeader(declaredBytes: Int, availableBytes: Int)
    /// The header is not the Python dictionary numpy writes; the reason says what is wrong where.
    case malformedHeader(String)
    /// A dtype tfe does not read (big-endian, complex, object, string, structured, float16, ...).
    case unsupportedDType(descr: String, reason: String)
    /// The array is stored in Fortran (column-major) order.
    case fortranOrder
    /// A negative dimension, or more elements (or bytes) than an `Int` can count.
    case invalidShape([Int])
    /// The data after the header is shorter than the shape and dtype require.
    case truncatedData(elementCount: Int, byteCount: Int, availableBytes: Int)

    // MARK: - Conversions and writing

    /// `asInt64s()` on a floating-point array.
    case notIntegral(NPYDType)
    /// An element that does not fit in an `Int64` (only `uint64` elements can be too large).
    case valueOutOfRange(index: Int, dtype: NPYDType)
    /// The shape's element count differs from the number of elements given.
    case shapeMismatch(shape: [Int], elementCount: Int)

    // MARK: - Files

    /// The file could not be read; `reason` is the operating system's, such as "no such file or directory".
    case unreadableFile(path: String, reason: String)
    /// The file could not be written.
    case unwritableFile(path: String, reason: String)

    // MARK: - .npz archives

    /// No zip end-of-central-directory record: not a zip archive at all, or cut short.
    case notAnArchive
    /// The zip structure is inconsistent; the reason names the record and the problem.
    case corruptArchive(String)
    /// A valid zip feature tfe does not read, such as spanning several disks or encryption.
    case unsupportedArchive(String)
    /// A member compressed with something other than stored (0) or deflate (8).
    case unsupportedCompression(member: String, method: UInt16)
    /// A member whose data does not match its CRC-32.
    case checksumMismatch(member: String)
    /// Two members with the same name, which would make inputs ambiguous.
    case duplicateMember(String)
    /// A member that is not a readable `.npy` file.
    indirect case invalidMember(String, NPYError)

    /// The message, in compiler style.
    public var description: String {
        switch self {
        case .badMagic:
            "not an .npy file: bad magic"
        case .unsupportedVersion(let major, let minor):
            "unsupported .npy format version \(major).\(minor): only 1.0, 2.0 and 3.0 are supported"
        case .truncatedHeader(let declared, let available):
            "truncated header: expected \(declared) bytes but the file has \(available)"
        case .malformedHeader(let reason):
            "malformed header: \(reason)"
        case .unsupportedDType(let descr, let reason):
            "unsupported dtype '\(descr)': \(reason)"
        case .fortranOrder:
            "fortran-order arrays are not supported: save a C-ordered copy (numpy.ascontiguousarray)"
        case .invalidShape(let shape):
            shape.contains { $0 < 0 }
                ? "shape \(Self.render(shape)) has a negative dimension"
                : "shape \(Self.render(shape)) has too many elements to address"
        case .truncatedData(let count, let bytes, let available):
            "truncated data: header declares \(count) elements (\(bytes) bytes) but the file has \(available) bytes"
        case .notIntegral(let dtype):
            "cannot read a \(dtype.name) array as integers"
        case .valueOutOfRange(let index, let dtype):
            "element \(index) of the \(dtype.name) array does not fit in a signed 64-bit integer"
        case .shapeMismatch(let shape, let count):
            "shape \(Self.render(shape)) needs \(NPYArray.elementCount(of: shape).map(String.init) ?? "too many") "
                + "elements but \(count) were given"
        case .unreadableFile(let path, let reason):
            "cannot read '\(path)': \(reason)"
        case .unwritableFile(let path, let reason):
            "cannot write '\(path)': \(reason)"
        case .notAnArchive:
            "not an .npz file: no zip end-of-central-directory record"
        case .corruptArchive(let reason):
            "corrupted .npz archive: \(reason)"
        case .unsupportedArchive(let reason):
            "unsupported .npz archive: \(reason)"
        case .unsupportedCompression(let member, let method):
            "member '\(member)' uses compression method \(method)\(Self.methodName(method)); "
                + "only stored (0) and deflate (8) are supported"
        case .checksumMismatch(let member):
            "member '\(member)' fails its CRC-32 check: the archive is corrupted"
        case .duplicateMember(let name):
            "the archive has two members named '\(name)'"
        case .invalidMember(let name, let error):
            "in member '\(name)': \(error.description)"
        }
    }

    /// A shape as numpy prints it: `()`, `(3,)`, `(2, 3)`.
    static func render(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    private static func methodName(_ method: UInt16) -> String {
        switch method {
        case 9: " (deflate64)"
        case 12: " (bzip2)"
        case 14: " (lzma)"
        case 93: " (zstandard)"
        case 95: " (xz)"
        case 99: " (AES encryption)"
        default: ""
        }
    }
}
