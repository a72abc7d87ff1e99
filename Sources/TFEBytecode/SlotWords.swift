/// The six 32-bit slot words of an `Instruction`, as plain stored properties.
///
/// `InlineArray<6, UInt32>` held them before; the compiler copied instructions holding it through the type's
/// value witness (a call through metadata per copy), which the passes do millions of times on an unrolled
/// program. Three `UInt64`s make a copy three moves.
@usableFromInline
struct SlotWords: Hashable, Sendable {
    @usableFromInline var low: UInt64 = 0
    @usableFromInline var middle: UInt64 = 0
    @usableFromInline var high: UInt64 = 0

    @inlinable init() {}

    /// Word `index` (0..<6): even indices in the low half of each `UInt64`, odd ones in the high half.
    @inlinable subscript(index: Int) -> UInt32 {
        get {
            let pair = index < 2 ? low : index < 4 ? middle : high
            return UInt32(truncatingIfNeeded: index & 1 == 0 ? pair : pair >> 32)
        }
        set {
            let shift = UInt64(index & 1) * 32
            let cleared = ~(UInt64(UInt32.max) << shift)
            let bits = UInt64(newValue) << shift
            switch index {
            case 0, 1: low = low & cleared | bits
            case 2, 3: middle = middle & cleared | bits
            default:
                precondition(index < 6, "slot \(index) is past an instruction's six slots")
                high = high & cleared | bits
            }
        }
    }
}
