import TFEBytecode
import TFECore

/// The masked form of each private register that has one, nil for the others: a growing array indexed by
/// register number. The lowering keeps it for registers it has just made, where a dictionary would hash every
/// key and rehash as it grows, once per product of an unrolled program. An entry is one 64-bit word (0 for
/// none), 8 bytes per private register: the table grows to nearly every register of an unrolled program.
struct MaskedForms {
    private var words: [UInt64] = []

    /// Room for registers up to `count` without regrowing (which copies the table to fresh pages).
    mutating func reserveCapacity(_ count: Int) {
        words.reserveCapacity(count)
    }

    subscript(register: PrivateRegister) -> MaskedForm? {
        get { register.rawValue < words.count ? MaskedForm(word: words[register.rawValue]) : nil }
        set {
            if register.rawValue >= words.count {
                words.append(contentsOf: repeatElement(0, count: register.rawValue + 1 - words.count))
            }
            words[register.rawValue] = newValue?.word ?? 0
        }
    }
}

/// A private value's masked form: the mask `a` server2 deals and the opened `d = x − a`. The registers are kept as
/// 32-bit numbers (a register's number fits 30 bits) in one word, the mask's number plus one in the high half so
/// that no form is the word 0.
struct MaskedForm {
    fileprivate let word: UInt64

    init(mask: PrivateRegister, opened: PublicRegister) {
        word = UInt64(mask.rawValue + 1) << 32 | UInt64(UInt32(opened.rawValue))
    }

    fileprivate init?(word: UInt64) {
        if word == 0 { return nil }
        self.word = word
    }

    var mask: PrivateRegister { PrivateRegister(Int(word >> 32) - 1) }
    var opened: PublicRegister { PublicRegister(Int(UInt32(truncatingIfNeeded: word))) }
}
