/// The names `store` and `load` use. Each server keeps a stored value in a file named after it, so a name is
/// a plain file name: 1 to 100 ASCII letters, digits, `_`, `-` and `.`, not starting with `.` or `-`.
public enum StoredName {
    public static let maximumLength = 100

    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...maximumLength).contains(bytes.count), bytes[0] != UInt8(ascii: "."), bytes[0] != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
                return true
            default:
                return false
            }
        }
    }

    /// Why a name is not valid, for messages.
    public static let rule = "1 to 100 letters, digits, '_', '-' or '.', not starting with '.' or '-'"
}
