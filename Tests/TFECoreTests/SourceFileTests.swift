import Testing
import TFECore

@Test(arguments: [
    ("ab\ncd", 0, 1, 1),
    ("ab\ncd", 2, 1, 3),
    ("ab\ncd", 3, 2, 1),
    ("ab\ncd", 5, 2, 3),
    ("ab\ncd", 99, 2, 3),
    ("\u{E9} = x", 3, 1, 3),
    ("\u{1F600}x", 4, 1, 2),
    ("a\r\nb", 3, 2, 1),
    ("\n\n\nx", 3, 4, 1),
    ("", 0, 1, 1),
])
func location(text: String, offset: Int, line: Int, column: Int) {
    let location = SourceFile(path: "t.tfe", text: text).location(of: offset)
    #expect(location.line == line && location.column == column, "\(location)")
}

/// `offset(line:column:)` inverts `location(of:)` (the machine maps instructions back to source this way).
@Test(arguments: [
    ("ab\ncd", 0), ("ab\ncd", 2), ("ab\ncd", 3), ("ab\ncd", 5), ("\u{E9} = x", 3), ("\u{1F600}x", 4),
    ("a\r\nb", 3), ("\n\n\nx", 3), ("", 0),
])
func offsetInvertsLocation(text: String, offset: Int) {
    let file = SourceFile(path: "t.tfe", text: text)
    let location = file.location(of: offset)
    #expect(file.offset(line: location.line, column: location.column) == offset)
}

@Test func offsetPastTheLineOrFile() {
    let file = SourceFile(path: "t.tfe", bytes: [0xEF, 0xBB, 0xBF] + Array("x = $\nyz".utf8))
    #expect(file.offset(line: 1, column: 5) == 7)
    #expect(file.offset(line: 1, column: 40) == 8)
    #expect(file.offset(line: 2, column: 2) == 10)
    #expect(file.offset(line: 3, column: 1) == nil)
    #expect(file.offset(line: 0, column: 1) == nil)
}

@Test func invalidBytesCountOneColumnEach() {
    let file = SourceFile(path: "t.tfe", bytes: [0xFF, 0xC3, 0x61, 0x62])
    #expect(file.location(of: 3) == (1, 4))
}

@Test func lineBytesDropTheLineEnding() {
    let file = SourceFile(path: "t.tfe", text: "a = 1\r\nb\n\nc")
    #expect(file.lineStarts == [0, 7, 9, 10])
    #expect(file.lineBytes(0).elementsEqual("a = 1".utf8))
    #expect(file.lineBytes(1).elementsEqual("b".utf8))
    #expect(file.lineBytes(2).isEmpty)
    #expect(file.lineBytes(3).elementsEqual("c".utf8))
}

@Test(arguments: [(0, 0), (4, 0), (5, 1), (6, 1), (7, 2), (100, 2)])
func lineIndex(offset: Int, index: Int) {
    #expect(SourceFile(path: "t.tfe", text: "abcd\nx\n").lineIndex(of: offset) == index)
}

@Test func textOfARangeIsClampedAndLenient() {
    let file = SourceFile(path: "t.tfe", bytes: Array("ab".utf8) + [0xFF])
    #expect(file.text(SourceRange(start: 0, end: 2)) == "ab")
    #expect(file.text(SourceRange(start: 1, end: 50)) == "b\u{FFFD}")
    #expect(file.text(SourceRange(start: 40, end: 50)) == "")
}

@Test func byteOrderMarkTakesNoColumn() {
    // Editors hide the BOM, so the column of '$' is 5 as the user sees the line.
    let file = SourceFile(path: "t.tfe", bytes: [0xEF, 0xBB, 0xBF] + Array("x = $".utf8))
    #expect(file.location(of: 7) == (1, 5))
}

@Test func rangeUnionAndOrder() {
    let a = SourceRange(start: 2, end: 5), b = SourceRange(start: 4, end: 9)
    #expect(a.union(b) == SourceRange(start: 2, end: 9))
    #expect(a < b)
    #expect(SourceRange(start: 5, end: 3) == SourceRange(start: 5, end: 5))
}

/// `location(of:lineHint:)`, the lowering's cursor, agrees with `location(of:)` for offsets in order, out of
/// order and past the end, whatever the hint was.
@Test func locationWithALineHintAgrees() {
    let file = SourceFile(path: "t.tfe", bytes: [0xEF, 0xBB, 0xBF] + Array("a = 1\n\n\u{E9} = a\nlong line\n".utf8))
    let offsets = Array(0...file.bytes.count + 2) + [7, 2, 30, 0, 14, 13, 15, 1]
    var hint = 0
    for offset in offsets {
        let expected = file.location(of: offset)
        let found = file.location(of: offset, lineHint: &hint)
        #expect(found == expected, "offset \(offset)")
        #expect(hint == expected.line - 1, "offset \(offset)")
    }
    for start in [-1, 0, 3, 99] {
        var stale = start
        #expect(file.location(of: 9, lineHint: &stale) == file.location(of: 9))
    }
}
