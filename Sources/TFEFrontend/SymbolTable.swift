/// Interns identifiers straight from source bytes: a name's `String` is made once, the first time it is
/// seen, so a million-line program costs one hash and one byte comparison per identifier.
///
/// Unrolled programs name their values `c0`, `c1`, ... `c99999`: a hash table spreads those names over
/// megabytes, and every lookup of one is a cache miss. So a name that ends in a number (`c12`: the stem `c`
/// and 12) is found in two small steps instead: its stem in a table of stems, which stays in cache, then
/// its number in a chunk of consecutive numbers of that stem, which neighbouring names share. Whether a
/// name takes this path depends only on its bytes, so each name has one place.
struct SymbolTable {
    /// Names that do not end in a number.
    private var plain: ByteStringIndex
    /// The stems of names that end in a number; a stem is not a symbol (`c12` does not make `c` one).
    private var stems = ByteStringIndex(capacity: 64)
    /// Chunks of `chunkSize` consecutive numbers of one stem: open addressing over the key
    /// `stem << 32 | number / chunkSize`, plus one (0: empty), with the chunk's index beside it.
    private var chunkKeys = [UInt64](repeating: 0, count: 1024)
    private var chunkIndices = [Int32](repeating: 0, count: 1024)
    private var chunkCount = 0
    /// Each chunk's symbols plus one (0: none yet), `chunkSize` per chunk.
    private var chunkSymbols: [Int32] = []
    private static let chunkSize = 16
    private(set) var names: [String] = []
    /// Occupied slots inspected so far, by every `intern` (a test checks it grows linearly with the names).
    var probes: Int { plain.probes + stems.probes + chunkProbes }
    private var chunkProbes = 0

    init(capacity: Int = 1024) {
        plain = ByteStringIndex(capacity: capacity)
    }

    /// The symbol for `bytes[start..<end]`, adding it if new.
    mutating func intern(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Symbol {
        guard let (stemEnd, number) = Self.numberedSuffix(bytes, start, end) else {
            let (value, isNew) = plain.findOrInsert(bytes, start, end, value: Int32(names.count))
            if isNew { names.append(String(decoding: bytes[start..<end], as: UTF8.self)) }
            return Symbol(rawValue: value)
        }
        let stem = stems.findOrInsert(bytes, start, stemEnd, value: Int32(stems.count)).value
        let cell = chunk(stem: stem, number: number) * Self.chunkSize + number % Self.chunkSize
        if chunkSymbols[cell] != 0 { return Symbol(rawValue: chunkSymbols[cell] - 1) }
        let symbol = Int32(names.count)
        names.append(String(decoding: bytes[start..<end], as: UTF8.self))
        chunkSymbols[cell] = symbol + 1
        return Symbol(rawValue: symbol)
    }

    /// Where the number at the end of a name starts, and its value, for names that end in 1 to 9 digits
    /// written without a leading zero (`c0`, `c12`; not `c012`, whose number `c12` also has).
    private static func numberedSuffix(_ bytes: [UInt8], _ start: Int, _ end: Int) -> (stemEnd: Int, number: Int)? {
        var first = end
        while first > start, first > end - 9, bytes[first - 1] &- UInt8(ascii: "0") < 10 { first -= 1 }
        guard first < end, first > start, !(first > start && bytes[first - 1] &- UInt8(ascii: "0") < 10),
            bytes[first] != UInt8(ascii: "0") || end - first == 1
        else { return nil }
        var number = 0
        for index in first..<end { number = number * 10 + Int(bytes[index] &- UInt8(ascii: "0")) }
        return (first, number)
    }

    /// The index of the chunk holding `number` of `stem`, adding an empty one if new.
    private mutating func chunk(stem: Int32, number: Int) -> Int {
        let key = (UInt64(UInt32(bitPattern: stem)) << 32 | UInt64(number / Self.chunkSize)) &+ 1
        let mask = chunkKeys.count - 1
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while chunkKeys[slot] != 0 {
            chunkProbes &+= 1
            if chunkKeys[slot] == key { return Int(chunkIndices[slot]) }
            slot = (slot + 1) & mask
        }
        let index = chunkCount
        chunkKeys[slot] = key
        chunkIndices[slot] = Int32(index)
        chunkCount += 1
        chunkSymbols.append(contentsOf: repeatElement(0, count: Self.chunkSize))
        if chunkCount * 2 > chunkKeys.count { growChunks() }
        return index
    }

    /// Doubles the chunk slots and places every chunk again.
    private mutating func growChunks() {
        let (keys, indices) = (chunkKeys, chunkIndices)
        chunkKeys = [UInt64](repeating: 0, count: keys.count * 2)
        chunkIndices = [Int32](repeating: 0, count: keys.count * 2)
        let mask = chunkKeys.count - 1
        for (key, index) in zip(keys, indices) where key != 0 {
            var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
            while chunkKeys[slot] != 0 { slot = (slot + 1) & mask }
            chunkKeys[slot] = key
            chunkIndices[slot] = index
        }
    }
}

/// Byte strings of the source, each with a number: open addressing over the strings' hashes.
private struct ByteStringIndex {
    /// A slot holds an entry's index plus one (0: empty) in its low 32 bits and the high 32 bits of the string's
    /// hash above them, so a probe passes over another string without reading its entry (each read is a likely
    /// cache miss on a table of hundreds of thousands of names).
    private var slots: [UInt64]
    /// Each string's hash, bytes in the source and number, in insertion order.
    private var entries: [Entry] = []
    private(set) var probes = 0

    private struct Entry {
        var hash: UInt64
        var start: Int
        var end: Int
        var value: Int32
    }

    var count: Int { entries.count }

    init(capacity: Int) {
        var size = 64
        while size < capacity * 2 { size *= 2 }
        slots = [UInt64](repeating: 0, count: size)
    }

    /// The number of `bytes[start..<end]`; when it is new, it gets `value`.
    mutating func findOrInsert(_ bytes: [UInt8], _ start: Int, _ end: Int, value: Int32)
        -> (value: Int32, isNew: Bool)
    {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for index in start..<end { hash = (hash ^ UInt64(bytes[index])) &* 0x100_0000_01b3 }
        // FNV's low bits, which pick the slot, see only the low bits of each byte: fold the high bits in, or the
        // names of an unrolled program (`c0`, `c1`, ...) cluster and the probes per lookup grow with the table.
        hash ^= hash >> 32
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            probes &+= 1
            let word = slots[slot]
            if word & 0xFFFF_FFFF_0000_0000 == tag {
                let entry = entries[Int(word & 0xFFFF_FFFF) - 1]
                if entry.end - entry.start == end - start,
                    bytes[entry.start..<entry.end].elementsEqual(bytes[start..<end])
                {
                    return (entry.value, false)
                }
            }
            slot = (slot + 1) & mask
        }
        entries.append(Entry(hash: hash, start: start, end: end, value: value))
        slots[slot] = tag | UInt64(entries.count)
        if entries.count * 2 > slots.count { grow() }
        return (value, true)
    }

    /// Doubles the slots and places every entry again.
    private mutating func grow() {
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = entry.hash & 0xFFFF_FFFF_0000_0000 | UInt64(index + 1)
        }
    }
}
