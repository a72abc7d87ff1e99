/// NumPy's (and ONNX Slice's) reading of `start:end:step` over an axis of `length`, as CPython's
/// `PySlice_AdjustIndices`: negative bounds count from the end, bounds out of range are clamped, omitted ones
/// default by the step's sign. The language's slicing and the ONNX importer share it.
public enum SliceIndices {
    /// The first index and the number of elements, for a step that is not zero.
    public static func resolve(_ start: Int?, _ end: Int?, _ step: Int, length: Int) -> (first: Int, count: Int)? {
        guard step != 0 else { return nil }
        func clamp(_ bound: Int) -> Int {
            if bound < 0 {
                let shifted = bound.addingReportingOverflow(length).partialValue
                return shifted < 0 ? (step < 0 ? -1 : 0) : shifted
            }
            return bound >= length ? (step < 0 ? length - 1 : length) : bound
        }
        let first = start.map(clamp) ?? (step < 0 ? length - 1 : 0)
        let stop = end.map(clamp) ?? (step < 0 ? -1 : length)
        // Bounds are clamped to -1...length, so the differences cannot overflow; a step of Int.min takes one.
        if step > 0 { return stop > first ? (first, (stop - first - 1) / step + 1) : (first, 0) }
        guard first > stop else { return (first, 0) }
        return step == Int.min ? (first, 1) : (first, (first - stop - 1) / -step + 1)
    }
}
