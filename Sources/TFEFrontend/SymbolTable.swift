/// Interns identifiers straight from source bytes: a name's `String` is made once, the first time it is
/// seen, so a million-line program costs one hash and one byte comparison per identifier.
struct SymbolTable {
    private var slots: [Int32]
    private var starts: [Int] = []
    private var ends: [Int] = []
    private var hashes: [UInt64] = []
    private(set) var names: [String] = []
    /// Occupied slots inspected so far, by every `intern` (a test checks it grows linearly with the names).
    private(set) var probes = 0

    init(capacity: Int = 1024) {
        var size = 1024
        while size < capacity * 2 { size *= 2 }
        slots = [Int32](repeating: -1, count: size)
    }

    /// The symbol for `bytes[start..<end]`, adding it if new.
    mutating func intern(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Symbol {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for index in start..<end { hash = (hash ^ UInt64(bytes[index])) &* 0x100_0000_01b3 }
        // FNV's low bits, which pick the slot, see only the low bits of each byte: fold the high bits in, or the
        // names of an unrolled program (`c0`, `c1`, ...) cluster and the probes per lookup grow with the table.
        hash ^= hash >> 32
        var mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 {
            probes &+= 1
            let symbol = Int(slots[slot])
            if hashes[symbol] == hash, ends[symbol] - starts[symbol] == end - start,
                bytes[starts[symbol]..<ends[symbol]].elementsEqual(bytes[start..<end])
            {
                return Symbol(rawValue: Int32(symbol))
            }
            slot = (slot + 1) & mask
        }
        let symbol = Int32(names.count)
        names.append(String(decoding: bytes[start..<end], as: UTF8.self))
        starts.append(start)
        ends.append(end)
        hashes.append(hash)
        slots[slot] = symbol
        if names.count * 2 > slots.count {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            mask = slots.count - 1
            for (index, hash) in hashes.enumerated() {
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] >= 0 { slot = (slot + 1) & mask }
                slots[slot] = Int32(index)
            }
        }
        return Symbol(rawValue: symbol)
    }
}
