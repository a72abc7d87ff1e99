import Testing
import TFECore

private struct Sample: DiagnosticKind {
    var message: String { "cannot multiply [100, 784] by [512, 10]: inner dimensions 784 and 512 differ" }
}

@Test func rendersCaretRangeAndNote() {
    let text = "w1 = private_input(model_owner, [512, 10])\nh      = relu(matmul(x, w1) + b0)\n"
    let file = SourceFile(path: "mnist.tfe", text: text)
    let lineTwo = file.lineStarts[1]
    let xOffset = lineTwo + 21, w1Offset = lineTwo + 24
    let diagnostic = Diagnostic(
        Sample(), at: SourceRange(start: w1Offset, end: w1Offset + 2),
        related: [SourceRange(start: xOffset, end: xOffset + 1)],
        notes: [.init("'w1' declared here with shape [512, 10]", at: SourceRange(start: 0, end: 2))])
    let expected = """
        mnist.tfe:2:25: error: cannot multiply [100, 784] by [512, 10]: inner dimensions 784 and 512 differ
        h      = relu(matmul(x, w1) + b0)
                             ~  ^~
        mnist.tfe:1:1: note: 'w1' declared here with shape [512, 10]
        w1 = private_input(model_owner, [512, 10])
        ^~

        """
    #expect(DiagnosticRenderer(source: file).render([diagnostic]) == expected)
    #expect(diagnostic.kind == "Sample")
}

@Test func tabsAreCopiedAndColumnsCountScalars() {
    let file = SourceFile(path: "t.tfe", text: "\tä = bad\n")
    let offset = Array("\tä = ".utf8).count
    #expect(file.location(of: offset) == (1, 6))
    let diagnostic = Diagnostic(severity: .warning, kind: "k", message: "m", range: SourceRange(start: offset, end: offset + 3))
    #expect(DiagnosticRenderer(source: file).render([diagnostic]) == "t.tfe:1:6: warning: m\n\tä = bad\n\t    ^~~\n")
}

@Test func caretAtEndOfFile() {
    let file = SourceFile(path: "t.tfe", text: "x = (")
    let diagnostic = Diagnostic(severity: .error, kind: "k", message: "m", range: SourceRange(start: 5, end: 5))
    #expect(DiagnosticRenderer(source: file).render([diagnostic]) == "t.tfe:1:6: error: m\nx = (\n     ^\n")
}

@Test(arguments: [
    ("matmul", ["matmul", "mean"], nil as String?),
    ("mtamul", ["matmul", "mean"], "matmul"),
    ("w2", ["w0", "b0"], "w0"),
    ("client", ["server0"], nil),
    ("sigmod", ["sigmoid", "square"], "sigmoid"),
])
func suggestions(name: String, candidates: [String], expected: String?) {
    #expect(Suggestion.closest(to: name, in: candidates) == expected)
}

@Test func broadcasting() {
    #expect(Shape.broadcast(Shape([100, 512]), Shape([512])) == Shape([100, 512]))
    #expect(Shape.broadcast(Shape([3, 1, 5]), Shape([4, 1])) == Shape([3, 4, 5]))
    #expect(Shape.broadcast(Shape([3]), Shape([4])) == nil)
    #expect(Shape([1 << 30, 1 << 30]).elementCount == nil)
}
