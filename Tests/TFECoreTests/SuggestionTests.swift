import Testing
import TFECore

@Test(arguments: [
    ("", "", 0), ("abc", "", 3), ("", "ab", 2), ("kitten", "sitting", 3), ("mtamul", "matmul", 1),
    ("ca", "abc", 3), ("relu", "relu", 0), ("w0", "w1", 1),
])
func editDistance(a: String, b: String, distance: Int) {
    #expect(Suggestion.editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars)) == distance)
    #expect(Suggestion.editDistance(Array(b.unicodeScalars), Array(a.unicodeScalars)) == distance)
}

@Test(arguments: [
    ("batc", ["batch", "bach"], "batch" as String?),
    ("x", ["y", "z"], "y"),
    ("abcdefghij", ["abcdefghijklm"], "abcdefghijklm"),
    ("abcdefghij", ["abcdefghijklmn"], nil),
    ("sigmod", [], nil),
    ("same", ["same"], nil),
])
func closest(name: String, candidates: [String], expected: String?) {
    #expect(Suggestion.closest(to: name, in: candidates) == expected)
}

@Test func longNamesAreCheap() {
    // A 5 kB program with two 2,500-character names: each unknown-name diagnostic compares them.
    let name = String(repeating: "a", count: 2_500)
    let clock = ContinuousClock()
    var suggestion: String?
    let elapsed = clock.measure { suggestion = Suggestion.closest(to: name + "b", in: [name + "c"]) }
    // Names this long are never typos worth suggesting, and comparing them must not cost a quadratic time.
    #expect(suggestion == nil)
    // A generous bound: the length cut-off returns in microseconds, and a loaded machine cannot miss 2 s.
    #expect(elapsed < .seconds(2), "\(elapsed)")
}
