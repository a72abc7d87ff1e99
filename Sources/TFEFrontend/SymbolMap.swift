/// A map keyed by `Symbol`, stored as an array indexed by the symbol: no hashing on the hot path.
struct SymbolMap<Value> {
    private var values: [Value?]

    init(symbolCount: Int) {
        values = [Value?](repeating: nil, count: symbolCount)
    }

    subscript(_ symbol: Symbol) -> Value? {
        get { values[Int(symbol.rawValue)] }
        set { values[Int(symbol.rawValue)] = newValue }
    }

    /// The symbols that have a value, in symbol order.
    var keys: [Symbol] {
        values.indices.filter { values[$0] != nil }.map { Symbol(rawValue: Int32($0)) }
    }
}
