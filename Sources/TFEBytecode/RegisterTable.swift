import TFECore

/// A value per register of a program, kept in one array per register kind and indexed by register number.
/// It replaces a `[Register: Value]` dictionary in passes that visit every instruction: hashing an enum
/// with a payload per lookup (and rehashing as the dictionary grows) dominated round batching on programs
/// of millions of instructions. Its members are `@inlinable` so that other modules get it specialized to
/// their `Value` instead of going through generic metadata on every access.
public struct RegisterTable<Value> {
    @usableFromInline var privateValues: [Value]
    @usableFromInline var publicValues: [Value]
    @usableFromInline var localValues: [Value]

    /// A table with `initial` for every register of `program`.
    @inlinable public init(for program: Program, initial: Value) {
        privateValues = Array(repeating: initial, count: program.privateRegisters.count)
        publicValues = Array(repeating: initial, count: program.publicRegisters.count)
        localValues = Array(repeating: initial, count: program.localRegisters.count)
    }

    /// The value of a register of the program; the register must be in its table.
    @inlinable public subscript(register: Register) -> Value {
        get {
            switch register {
            case .private(let r): return privateValues[r.rawValue]
            case .public(let r): return publicValues[r.rawValue]
            case .local(let r): return localValues[r.rawValue]
            }
        }
        set {
            switch register {
            case .private(let r): privateValues[r.rawValue] = newValue
            case .public(let r): publicValues[r.rawValue] = newValue
            case .local(let r): localValues[r.rawValue] = newValue
            }
        }
    }
}

extension RegisterTable: Sendable where Value: Sendable {}
