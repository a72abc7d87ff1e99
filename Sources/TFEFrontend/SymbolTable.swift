/// Interns identifiers straight from source bytes: a name's `String` is made once, the first time it is
/// seen, so a million-line program costs one hash and one byte comparison per identifier.
struct SymbolTable {
    /// Open addressing over the names: a slot holds a symbol's number plus one (0: empty) in its low 32 bits
    /// and the high 32 bits of the name's hash above them, so a probe passes over another name without
    /// reading its entry (each read is a likely cache miss on a table of hundreds of thousands of names).
    private var slots: [UInt64]
    /// Each symbol's hash and bytes in the source, in symbol order.
    private var entries: [Entry] = []
    private(set) var names: [String] = []
    /// Occupied slots inspected so far, by every `intern` (a test checks it grows linearly with the names).
    private(set) var probes = 0

    private struct Entry {
        var hash: UInt64
        var start: Int
        var end: Int
    }

    init(capacity: Int = 1024) {
        var size = 1024
        while size < capacity * 2 { size *= 2 }
        slots = [UInt64](repeating: 0, count: size)
    }

    /// The symbol for `bytes[start..<end]`, adding it if new.
    mutating func intern(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Symbol {
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
                let symbol = Int(word & 0xFFFF_FFFF) - 1
                let entry = entries[symbol]
                if entry.end - entry.start == end - start,
                    bytes[entry.start..<entry.end].elementsEqual(bytes[start..<end])
                {
                    return Symbol(rawValue: Int32(symbol))
                }
            }
            slot = (slot + 1) & mask
        }
        let symbol = Int32(names.count)
        names.append(String(decoding: bytes[start..<end], as: UTF8.self))
        entries.append(Entry(hash: hash, start: start, end: end))
        slots[slot] = tag | UInt64(symbol + 1)
        if names.count * 2 > slots.count { grow() }
        return Symbol(rawValue: symbol)
    }

    /// Doubles the slots and places every symbol again.
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
