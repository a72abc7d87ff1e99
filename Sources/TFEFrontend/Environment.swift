/// The checker's scopes. Global bindings live in an array indexed by symbol; function and loop frames
/// are short lists searched linearly. A function body sees its own frame, then the globals; a loop frame
/// holds only its loop variable, and assignments in a loop body go to the enclosing function or global
/// scope, as in Python.
struct Environment {
    struct Frame {
        var isFunction: Bool
        var symbols: [Symbol] = []
        var bindings: [Checker.Binding] = []

        func index(of symbol: Symbol) -> Int? { symbols.lastIndex(of: symbol) }
    }

    private var globals: [Checker.Binding?]
    private var frames: [Frame] = []

    init(symbolCount: Int) {
        globals = [Checker.Binding?](repeating: nil, count: symbolCount)
    }

    func lookup(_ symbol: Symbol) -> Checker.Binding? {
        for frame in frames.reversed() {
            if let index = frame.index(of: symbol) { return frame.bindings[index] }
            if frame.isFunction { break }
        }
        return globals[Int(symbol.rawValue)]
    }

    /// Whether `symbol` is the variable of a loop in the current function (or at the top level).
    func isLoopVariable(_ symbol: Symbol) -> Bool {
        for frame in frames.reversed() {
            if frame.isFunction { return false }
            if frame.index(of: symbol) != nil { return true }
        }
        return false
    }

    /// Binds in the innermost function frame, or globally.
    mutating func assign(_ symbol: Symbol, _ binding: Checker.Binding) {
        guard let target = frames.lastIndex(where: \.isFunction) else {
            globals[Int(symbol.rawValue)] = binding
            return
        }
        if let index = frames[target].index(of: symbol) {
            frames[target].bindings[index] = binding
        } else {
            frames[target].symbols.append(symbol)
            frames[target].bindings.append(binding)
        }
    }

    /// Whether a loop frame is active anywhere (the statement being checked may run more than once).
    var isInLoop: Bool { frames.contains { !$0.isFunction } }

    mutating func pushFunction(_ symbols: [Symbol], _ bindings: [Checker.Binding]) {
        frames.append(Frame(isFunction: true, symbols: symbols, bindings: bindings))
    }

    mutating func pushLoop(_ symbol: Symbol, _ binding: Checker.Binding) {
        frames.append(Frame(isFunction: false, symbols: [symbol], bindings: [binding]))
    }

    mutating func pop() {
        frames.removeLast()
    }

    /// Every symbol bound anywhere, for "did you mean" suggestions.
    var boundSymbols: [Symbol] {
        var symbols = frames.flatMap(\.symbols)
        for (index, binding) in globals.enumerated() where binding != nil { symbols.append(Symbol(rawValue: Int32(index))) }
        return symbols
    }
}
