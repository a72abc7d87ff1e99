import TFECore

/// Problems with names, declarations, calls and compile-time constants.
public enum NameError: DiagnosticKind, Hashable {
    case unknownName(String)
    case unknownFunction(String)
    case usedBeforeAssignment(String)
    case duplicatePlayer(String)
    case reservedPlayerName(String)
    case duplicateFunction(String)
    case functionShadowsBuiltin(String)
    case duplicateParam(String)
    case duplicateParameter(String, function: String)
    case cannotAssign(String, what: String)
    case wrongArgumentCount(callee: String, expected: String, found: Int)
    case unknownArgumentLabel(label: String, callee: String)
    case duplicateArgument(label: String, callee: String)
    case recursiveCall(String)
    case unknownProtocol(String)
    case duplicateDeclaration(String)
    case unknownSetting(String)
    case fractionalBitsOutOfRange(Int)
    case notAPlayer(String)
    case serverAsPlayer(String, role: String)
    case notAValue(String, what: String)
    case expectedConstantInteger(what: String)
    case expectedString(what: String)
    case expectedShape(found: String)
    case expectedTensor(found: String)
    case constantOverflow
    case constantOutOfDomain(function: String, argument: Double)
    case divisionByZero
    case unrollLimit(Int)
    case callsTooDeep(Int)
    case inputNeedsName(String)
    case outputNeedsName
    case duplicateInput(player: String, name: String)
    case duplicateOutput(player: String, name: String)
    case duplicateStore(String)
    case invalidStoredName(String)
    case invalidOption(what: String, value: String, choices: String)

    public var message: String {
        switch self {
        case .unknownName(let name): return "cannot find '\(name)' in scope"
        case .unknownFunction(let name): return "cannot find function '\(name)'"
        case .usedBeforeAssignment(let name): return "'\(name)' is used before it is assigned"
        case .duplicatePlayer(let name): return "player '\(name)' is declared twice"
        case .reservedPlayerName(let name):
            return "'\(name)' is a compute server and always present; choose another player name"
        case .duplicateFunction(let name): return "function '\(name)' is defined twice"
        case .functionShadowsBuiltin(let name): return "'\(name)' is a built-in function and cannot be redefined"
        case .duplicateParam(let name): return "param '\(name)' is declared twice"
        case .duplicateParameter(let name, let function):
            return "function '\(function)' has two parameters named '\(name)'"
        case .cannotAssign(let name, let what): return "cannot assign to '\(name)': it is \(what)"
        case .wrongArgumentCount(let callee, let expected, let found):
            return "'\(callee)' takes \(expected), but \(found) \(found == 1 ? "was" : "were") given"
        case .unknownArgumentLabel(let label, let callee): return "'\(callee)' has no argument named '\(label)'"
        case .duplicateArgument(let label, let callee): return "argument '\(label)' of '\(callee)' is given twice"
        case .recursiveCall(let name): return "function '\(name)' calls itself; functions are inlined, so recursion is not allowed"
        case .unknownProtocol(let name):
            let names = ProtocolKind.allCases.map { "'\($0.rawValue)'" }
            let list = names.dropLast().joined(separator: ", ") + " and " + names.last!
            return "unknown protocol '\(name)'; the protocols are \(list)"
        case .duplicateDeclaration(let what): return "'\(what)' is declared twice"
        case .unknownSetting(let name): return "'fixedpoint' has no setting '\(name)'"
        case .fractionalBitsOutOfRange(let bits):
            let range = FractionalBits.range
            return "'frac: \(bits)' is out of range: fractional bits must be between \(range.lowerBound) and "
                + "\(range.upperBound) in the 64-bit ring"
        case .notAPlayer(let name): return "'\(name)' is not a player"
        case .serverAsPlayer(let name, let role):
            return "'\(name)' is a compute server and cannot \(role); use a declared player"
        case .notAValue(let name, let what): return "'\(name)' is \(what), not a value"
        case .expectedConstantInteger(let what): return "\(what) must be a compile-time integer"
        case .expectedString(let what): return "\(what) must be a string"
        case .expectedShape(let found): return "expected a shape such as [100, 784], found \(found)"
        case .expectedTensor(let found): return "expected a tensor value, found \(found)"
        case .constantOverflow: return "compile-time arithmetic overflows 64-bit integers"
        case .constantOutOfDomain(let function, let argument):
            return "'\(function)' of the constant \(argument) is not a finite number"
        case .divisionByZero: return "division by zero"
        case .callsTooDeep(let limit):
            return "function calls nest more than \(limit) deep; inlining them would exhaust the compiler"
        case .unrollLimit(let limit):
            return "the program unrolls to more than \(limit) operations; reduce loop counts or batch work in tensors"
        case .inputNeedsName(let function):
            return "'\(function)' needs a name here: assign it to a variable or pass the name, as in \(function)(client, \"x\", [10])"
        case .outputNeedsName:
            return "an output of an expression needs a name, as in output(client, \"name\", expr)"
        case .duplicateInput(let player, let name): return "player '\(player)' already has an input named '\(name)'"
        case .duplicateOutput(let player, let name): return "player '\(player)' already receives an output named '\(name)'"
        case .duplicateStore(let name): return "a value is already stored under the name '\(name)'"
        case .invalidStoredName(let name):
            return "'\(name)' cannot name a stored value: use \(StoredName.rule) (it names a file on each server)"
        case .invalidOption(let what, let value, let choices): return "\(what) '\(value)' is not one of \(choices)"
        }
    }
}

/// Problems with element types and shapes.
public enum ShapeError: DiagnosticKind, Hashable {
    case broadcastMismatch(op: String, Shape, Shape)
    case matmulShapeMismatch(Shape, Shape, Int, Int)
    case matmulRank(Shape)
    case reshapeCount(from: Shape, to: Shape)
    case reshapeInference(Shape)
    case invalidDimension(Int)
    case shapeTooLarge(Shape)
    case axisOutOfRange(axis: Int, rank: Int)
    case invalidPermutation([Int], rank: Int)
    case rankMismatch(function: String, expected: String, Shape)
    case channelMismatch(input: Shape, kernel: Shape)
    case emptyOutput(function: String, Shape)
    case invalidWindow(what: String, Int)
    case loadMismatch(name: String, stored: String, loaded: String)
    case gradientShape(function: String, expected: Shape, found: Shape)
    case tooManyIndices(count: Int, Shape)
    case indexOutOfRange(index: Int, axis: Int, length: Int)
    case zeroStep
    case emptySlice(axis: Int, Shape)
    case concatMismatch(Shape, Shape, axis: Int)
    case concatElementMismatch(ElementType, ElementType)
    case padPairs(count: Int, Shape)
    case padFormat
    case negativePad(Int)
    case squeezeLength(axis: Int, Shape)

    public var message: String {
        switch self {
        case .tooManyIndices(let count, let shape):
            return "too many indices for \(shape): \(count) given, but the value has rank \(shape.rank)"
        case .indexOutOfRange(let index, let axis, let length):
            return "index \(index) is out of range for axis \(axis) of length \(length)"
        case .zeroStep: return "a slice step cannot be zero"
        case .emptySlice(let axis, let shape): return "this slice of axis \(axis) of \(shape) is empty"
        case .concatMismatch(let a, let b, let axis):
            return "cannot concatenate \(a) and \(b) along axis \(axis): the other dimensions must be equal"
        case .concatElementMismatch(let a, let b):
            return "cannot concatenate '\(a.rawValue)' and '\(b.rawValue)' values: the element types must be equal"
        case .padPairs(let count, let shape):
            return "'pad' needs one [before, after] pair per axis of \(shape), found \(count)"
        case .padFormat: return "'pad' takes its padding as [[before, after], ...], one pair per axis"
        case .negativePad(let amount): return "padding must not be negative, found \(amount)"
        case .squeezeLength(let axis, let shape):
            return "cannot squeeze axis \(axis) of \(shape): its length is \(shape.dimensions[axis]), not 1"
        case .loadMismatch(let name, let stored, let loaded):
            return "'\(name)' is stored by this program as \(stored), but loaded as \(loaded)"
        case .broadcastMismatch(let op, let a, let b):
            return "cannot broadcast \(a) and \(b) for '\(op)': dimensions must be equal or 1"
        case .matmulShapeMismatch(let a, let b, let k1, let k2):
            return "cannot multiply \(a) by \(b): inner dimensions \(k1) and \(k2) differ"
        case .matmulRank(let shape):
            return "matrix product needs operands of rank 2 or more, found \(shape)"
        case .reshapeCount(let from, let to):
            let count = { (s: Shape) in s.elementCount.map(String.init) ?? "too many" }
            return "cannot reshape \(from) (\(count(from)) elements) to \(to) (\(count(to)) elements)"
        case .reshapeInference(let shape):
            return "cannot infer the '-1' dimension of \(shape): only one '-1' is allowed and it must divide evenly"
        case .invalidDimension(let dimension):
            return "shape dimensions must be positive, found \(dimension)"
        case .shapeTooLarge(let shape): return "shape \(shape) has more than 2^40 elements"
        case .axisOutOfRange(let axis, let rank):
            return "axis \(axis) is out of range for a value of rank \(rank)"
        case .invalidPermutation(let permutation, let rank):
            let listed = "[" + permutation.map(String.init).joined(separator: ", ") + "]"
            return "\(listed) is not a permutation of the \(rank) axes"
        case .rankMismatch(let function, let expected, let shape):
            return "'\(function)' needs \(expected), found \(shape)"
        case .channelMismatch(let input, let kernel):
            return "input \(input) has \(input.dimensions[3]) channels but kernel \(kernel) expects \(kernel.dimensions[2])"
        case .emptyOutput(let function, let shape):
            return "'\(function)' of \(shape) would have an empty output: the window is larger than the input"
        case .invalidWindow(let what, let value):
            return "\(what) must be a positive integer, found \(value)"
        case .gradientShape(let function, let expected, let found):
            return "'\(function)' needs a gradient 'dy' of the pool's output shape \(expected), found \(found)"
        }
    }
}

/// Problems with placement: who may see which value.
public enum PlacementError: DiagnosticKind, Hashable {
    case mixedLocal(String, String)
    case localWithShared(player: String, other: String)
    case outputLocalToOther(owner: String, receiver: String)
    case shareNeedsPlaintext(String)
    case revealNeedsPrivate(String)
    case storeNeedsPrivate(String)
    /// `capable` is the first protocol that divides by a private value, `current` the program's.
    case divisionByPrivate(capable: String, current: String)
    case constantOutput
    case printMixesPlacements(String, String)

    public var message: String {
        switch self {
        case .mixedLocal(let a, let b):
            return "cannot combine a value local to '\(a)' with a value local to '\(b)'; 'share' them first to compute on both"
        case .localWithShared(let player, let other):
            return "cannot combine a value local to '\(player)' with a \(other) value; 'share' it first or read it with 'private_input'"
        case .outputLocalToOther(let owner, let receiver):
            return "cannot send a value local to '\(owner)' to '\(receiver)'; 'share' it first"
        case .shareNeedsPlaintext(let placement):
            return "'share' takes a plaintext value, but this value is \(placement)"
        case .revealNeedsPrivate(let placement):
            return "'reveal' takes a private value, but this value is \(placement)"
        case .storeNeedsPrivate(let placement):
            return "'store' keeps private values only, but this value is \(placement)"
        case .divisionByPrivate(let capable, let current):
            return "division by a private value needs 'protocol \(capable)'; "
                + "under '\(current)' divide by a public value or a constant"
        case .constantOutput:
            return "an output must be a value computed by the program, not a compile-time constant"
        case .printMixesPlacements(let a, let b):
            return "one 'print' cannot show both \(a) and \(b): it runs on one player or on the servers; use two prints"
        }
    }
}

/// Operations the declared protocol cannot perform on private values.
public enum ProtocolError: DiagnosticKind, Hashable {
    /// The program's protocol (`current`) cannot compute the operation on private values; `capable` is the
    /// first protocol that can (`SecretSharingProtocol` says which).
    case needsProtocol(operation: String, capable: String, current: String)
    case plaintextOnly(operation: String)

    public var message: String {
        switch self {
        case .needsProtocol(let operation, let capable, let current):
            return "\(operation) on private values needs 'protocol \(capable)'; '\(current)' cannot compute it exactly"
        case .plaintextOnly(let operation):
            return "\(operation) cannot be computed on private values; reveal the value to a player first with 'reveal(v, PLAYER)'"
        }
    }
}

/// Things that are legal but probably a mistake.
public enum CheckWarning: DiagnosticKind, Hashable {
    case unusedValue(String)
    case unusedInput(player: String, name: String)
    case unusedExpression

    public var severity: Diagnostic.Severity { .warning }

    public var message: String {
        switch self {
        case .unusedValue(let name): return "value of '\(name)' is never used"
        case .unusedInput(let player, let name): return "input '\(name)' of '\(player)' is never used"
        case .unusedExpression: return "result of this expression is never used"
        }
    }
}
