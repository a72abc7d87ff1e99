import TFECore

/// A value per register of one kind, nil until set: a growing array indexed by register number. The
/// lowering uses it for facts about registers it has just made (their masked forms), where a dictionary
/// would hash every key and rehash as it grows, once per product of an unrolled program.
struct RegisterSlots<Tag, Value> {
    private var values: [Value?] = []

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
