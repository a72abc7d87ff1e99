import TFEBytecode
import TFECore

/// A value per register of one kind, nil until set: a growing array indexed by register number. The
/// lowering uses it for facts about registers it has just made (their masked forms), where a dictionary
/// would hash every key and rehash as it grows, once per product of an unrolled program.
struct RegisterSlots<Tag, Value> {
    private var values: [Value?] = []

    /// Room for registers up to `count` without regrowing (which copies the table to fresh pages).
    mutating func reserveCapacity(_ count: Int) {
        values.reserveCapacity(count)
    }

    subscript(register: TypedIndex<Tag>) -> Value? {
        get { register.rawValue < values.count ? values[register.rawValue] : nil }
        set {
            if register.rawValue >= values.count {
                values.append(contentsOf: repeatElement(nil, count: register.rawValue + 1 - values.count))
            }
            values[register.rawValue] = newValue
        }
    }
}

/// A private value's masked form: the mask `a` server2 deals and the opened `d = x − a`. The registers are kept as
/// 32-bit numbers (a register's number fits 30 bits), so the lowering's slot per private register takes 12 bytes
/// rather than the 24 of two `TypedIndex`es and an optional's flag.
struct MaskedForm {
    private let maskNumber: UInt32
    private let openedNumber: UInt32

    init(mask: PrivateRegister, opened: PublicRegister) {
        maskNumber = UInt32(mask.rawValue)
        openedNumber = UInt32(opened.rawValue)
    }

    var mask: PrivateRegister { PrivateRegister(Int(maskNumber)) }
    var opened: PublicRegister { PublicRegister(Int(openedNumber)) }
}
