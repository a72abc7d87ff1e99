// The header of an `.npy` file: a Python dictionary literal such as
// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.

/// The three facts an `.npy` header states about the array that follows it.
struct NPYHeader: Equatable, Sendable {
    /// numpy's type string, such as `<f8`; `dtype` interprets it.
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// Parses the dictionary in `text` (the bytes between the header length and the data).
    ///
    /// Accepts what Python's `ast.literal_eval` would for the values numpy writes, and nothing else:
    /// the three keys exactly once each, `descr` a string, `fortran_order` a bool, `shape` a tuple of
    /// non-negative integers. Trailing whitespace (numpy's padding) is allowed.
    init(parsing text: [UInt8]) throws(NPYError) {
        var parser = LiteralParser(text: text)
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == text.count else {
            throw .malformedHeader("unexpected \(parser.describeCurrent()) after the dictionary")
        }
        guard case .dictionary(let entries) = value else {
            throw .malformedHeader("expected a dictionary")
        }
        var descr: String?
        var fortranOrder: Bool?
        var shape: [Int]?
        for (key, value) in entries {
            guard case .string(let name) = key else {
                throw .malformedHeader("dictionary keys must be strings")
            }
            switch name {
            case "descr" where descr == nil:
                guard case .string(let string) = value else {
                    if case .list = value {
                        throw .unsupportedDType(descr: "[...]", reason: "structured arrays are not supported")
                    }
                    throw .malformedHeader("'descr' must be a string")
                }
                descr = string
            case "fortran_order" where fortranOrder == nil:
                guard case .boolean(let flag) = value else {
                    throw .malformedHeader("'fortran_order' must be True or False")
                }
                fortranOrder = flag
            case "shape" where shape == nil:
                shape = try Self.shape(from: value)
            case "descr", "fortran_order", "shape":
                throw .malformedHeader("key '\(name)' appears twice")
            default:
                throw .malformedHeader("unexpected key '\(abbreviated(name))'")
            }
        }
        guard let descr else { throw .malformedHeader("missing key 'descr'") }
        guard let fortranOrder else { throw .malformedHeader("missing key 'fortran_order'") }
        guard let shape else { throw .malformedHeader("missing key 'shape'") }
        self.init(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }

    init(descr: String, fortranOrder: Bool, shape: [Int]) {
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    private static func shape(from value: PythonLiteral) throws(NPYError) -> [Int] {
        guard case .tuple(let items) = value else {
            throw .malformedHeader("'shape' must be a tuple of integers")
        }
        var shape: [Int] = []
        for item in items {
            guard case .integer(let dimension) = item else {
                throw .malformedHeader("'shape' must be a tuple of integers")
            }
            guard let dimension else {
                throw .malformedHeader("a dimension of 'shape' is too large")
            }
            shape.append(dimension)
        }
        if shape.contains(where: { $0 < 0 }) {
            throw .invalidShape(shape)
        }
        return shape
    }

    /// The element type `descr` names, or why tfe cannot read it.
    ///
    /// Byte order marks follow numpy: `<` little, `>` big, `=` native (little on every host tfe runs on),
    /// `|` not applicable; one-byte types read the same in any order.
    func dtype() throws(NPYError) -> NPYDType {
        var body = Substring(descr)
        var order: Character = "="
        if let first = body.first, "<>=|".contains(first) {
            order = first
            body = body.dropFirst()
        }
        let candidates: [(String, NPYDType)] = [
            ("b1", .bool), ("?", .bool), ("i1", .int8), ("u1", .uint8), ("i2", .int16), ("u2", .uint16),
            ("i4", .int32), ("u4", .uint32), ("i8", .int64), ("u8", .uint64), ("f4", .float32), ("f8", .float64),
        ]
        if let (_, dtype) = candidates.first(where: { $0.0 == body }) {
            if order == ">" && dtype.byteCount > 1 {
                throw .unsupportedDType(descr: descr, reason: "big-endian arrays are not supported")
            }
            return dtype
        }
        throw .unsupportedDType(descr: abbreviated(descr), reason: Self.unsupportedReason(body))
    }

    private static func unsupportedReason(_ body: Substring) -> String {
        switch body.first {
        case "c": "complex arrays are not supported"
        case "O": "object arrays are not supported"
        case "U", "S", "a": "string arrays are not supported"
        case "V": "structured and void arrays are not supported"
        case "M", "m": "datetime arrays are not supported"
        case "f" where body == "f2": "float16 arrays are not supported"
        default: "supported types are bool, int8-64, uint8-64, float32 and float64"
        }
    }
}

/// `text` cut to a length that fits in a message: a hostile header can hold megabytes in one string.
private func abbreviated(_ text: String) -> String {
    text.count <= 40 ? text : text.prefix(37) + "..."
}

// MARK: - Python literals

/// The subset of Python literal syntax that `.npy` headers use.
private enum PythonLiteral {
    case string(String)
    /// nil when the integer does not fit in `Int`.
    case integer(Int?)
    case boolean(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dictionary([(key: PythonLiteral, value: PythonLiteral)])
}

/// A recursive-descent parser over the header bytes. Nesting is capped so hostile input cannot
/// exhaust the stack.
private struct LiteralParser {
    static let maximumDepth = 32

    let text: [UInt8]
    var position = 0

    init(text: [UInt8]) {
        self.text = text
    }

    mutating func parseValue(depth: Int) throws(NPYError) -> PythonLiteral {
        guard depth < Self.maximumDepth else {
            throw .malformedHeader("values nest more than \(Self.maximumDepth) levels deep")
        }
        skipWhitespace()
        guard position < text.count else {
            throw .malformedHeader("unexpected end of header")
        }
        switch text[position] {
        case UInt8(ascii: "{"):
            position += 1
            var entries: [(key: PythonLiteral, value: PythonLiteral)] = []
            while try !consumeClosing(UInt8(ascii: "}"), isFirst: entries.isEmpty) {
                let key = try parseValue(depth: depth + 1)
                skipWhitespace()
                try expect(UInt8(ascii: ":"), after: "a dictionary key")
                entries.append((key, try parseValue(depth: depth + 1)))
            }
            return .dictionary(entries)
        case UInt8(ascii: "("), UInt8(ascii: "["):
            let isTuple = text[position] == UInt8(ascii: "(")
            position += 1
            var items: [PythonLiteral] = []
            var sawComma = false
            while try !consumeClosing(UInt8(ascii: isTuple ? ")" : "]"), isFirst: items.isEmpty) {
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                sawComma = position < text.count && text[position] == UInt8(ascii: ",")
            }
            if isTuple && items.count == 1 && !sawComma {
                return items[0]  // `(3)` is a parenthesized integer, not a tuple
            }
            return isTuple ? .tuple(items) : .list(items)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .integer(try parseInteger())
        default:
            return try parseName()
        }
    }

    /// After an item of a collection: consumes `closing` (true) or a separating comma (false).
    /// A trailing comma before `closing` is allowed, as in Python.
    private mutating func consumeClosing(_ closing: UInt8, isFirst: Bool) throws(NPYError) -> Bool {
        skipWhitespace()
        if position < text.count && text[position] == closing {
            position += 1
            return true
        }
        if isFirst {
            return false
        }
        try expect(UInt8(ascii: ","), after: "an item")
        skipWhitespace()
        if position < text.count && text[position] == closing {
            position += 1
            return true
        }
        return false
    }

    private mutating func parseString() throws(NPYError) -> String {
        let quote = text[position]
        position += 1
        var scalars = String.UnicodeScalarView()
        while position < text.count {
            let byte = text[position]
            position += 1
            if byte == quote {
                return String(scalars)
            }
            if byte == UInt8(ascii: "\n") {
                break
            }
            if byte == UInt8(ascii: "\\") {
                guard position < text.count else { break }
                let escaped = text[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): scalars.append(Unicode.Scalar(escaped))
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                default: throw .malformedHeader("unsupported escape sequence in a string")
                }
            } else {
                // Bytes map to scalars one to one (latin-1); only ASCII matters for the keys and dtypes.
                scalars.append(Unicode.Scalar(byte))
            }
        }
        throw .malformedHeader("unterminated string")
    }

    private mutating func parseInteger() throws(NPYError) -> Int? {
        var negative = false
        if text[position] == UInt8(ascii: "-") || text[position] == UInt8(ascii: "+") {
            negative = text[position] == UInt8(ascii: "-")
            position += 1
        }
        let start = position
        var value: Int? = 0
        while position < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[position]) {
            let digit = Int(text[position] - UInt8(ascii: "0"))
            if let current = value {
                let (shifted, overflow1) = current.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = shifted.addingReportingOverflow(negative ? -digit : digit)
                value = overflow1 || overflow2 ? nil : sum
            }
            position += 1
        }
        guard position > start else {
            throw .malformedHeader("expected digits after a sign")
        }
        if position < text.count && (text[position] == UInt8(ascii: "L") || text[position] == UInt8(ascii: "l")) {
            position += 1  // Python 2 long integers, as old numpy wrote shapes
        }
        return value
    }

    private mutating func parseName() throws(NPYError) -> PythonLiteral {
        let start = position
        while position < text.count, isNameByte(text[position]) {
            position += 1
        }
        switch String(decoding: text[start..<position], as: UTF8.self) {
        case "True": return .boolean(true)
        case "False": return .boolean(false)
        case "None": return .none
        default:
            position = start
            throw .malformedHeader("unexpected \(describeCurrent())")
        }
    }

    private mutating func expect(_ byte: UInt8, after what: String) throws(NPYError) {
        guard position < text.count, text[position] == byte else {
            let wanted = Character(Unicode.Scalar(byte))
            throw .malformedHeader("expected '\(wanted)' after \(what), found \(describeCurrent())")
        }
        position += 1
    }

    mutating func skipWhitespace() {
        while position < text.count, [0x20, 0x09, 0x0a, 0x0d].contains(text[position]) {
            position += 1
        }
    }

    /// The byte at `position` for a message: `'x' at offset 12`, or `end of header`.
    func describeCurrent() -> String {
        guard position < text.count else { return "end of header" }
        let byte = text[position]
        let shown = (0x21...0x7e).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(hex(byte))"
        return "\(shown) at offset \(position)"
    }

    private func isNameByte(_ byte: UInt8) -> Bool {
        let scalar = Unicode.Scalar(byte)
        return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "_"
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
