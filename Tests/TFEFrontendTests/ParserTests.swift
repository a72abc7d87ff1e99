import Testing
import TFECore
import TFEFrontend

// MARK: - Helpers

private func parse(_ text: String) -> (ast: AST, diagnostics: [Diagnostic]) {
    var diagnostics = Diagnostics()
    let ast = Parser.parse(SourceFile(path: "t.tfe", text: text), into: &diagnostics)
    return (ast, diagnostics.sorted)
}

/// The program with every expression fully parenthesized, statements joined by `; `:
/// `y = a + b * c` gives `y = (a + (b * c))`.
private func rendered(_ text: String) -> String {
    let ast = parse(text).ast
    return ast.topLevel.map { render(ast, $0) }.joined(separator: "; ")
}

private func render(_ ast: AST, _ id: StmtID) -> String {
    func block(_ body: [StmtID]) -> String {
        body.isEmpty ? "{}" : "{ " + body.map { render(ast, $0) }.joined(separator: "; ") + " }"
    }
    func names(_ names: [Name]) -> String { names.map { ast.name($0.symbol) }.joined(separator: ", ") }
    switch ast[id].kind {
    case .protocol(let name): return "protocol \(ast.name(name.symbol))"
    case .fixedpoint(let arguments): return "fixedpoint(\(render(ast, arguments)))"
    case .player(let players): return "player \(names(players))"
    case .param(let name, let value): return "param \(ast.name(name.symbol)) = \(render(ast, value))"
    case .function(let name, let parameters, let body, let result):
        let head = "def \(ast.name(name.symbol))(\(names(parameters)))"
        return body.isEmpty ? "\(head) = \(render(ast, result))" : "\(head) \(block(body)) = \(render(ast, result))"
    case .assign(let name, let value): return "\(ast.name(name.symbol)) = \(render(ast, value))"
    case .for(let variable, let lower, let upper, let body):
        return "for \(ast.name(variable.symbol)) in \(render(ast, lower))..<\(render(ast, upper)) \(block(body))"
    case .expression(let expression): return render(ast, expression)
    case .error: return "<error>"
    }
}

private func render(_ ast: AST, _ arguments: [Argument]) -> String {
    arguments.map { argument in
        (argument.label.map { ast.name($0.symbol) + ": " } ?? "") + render(ast, argument.value)
    }.joined(separator: ", ")
}

private func render(_ ast: AST, _ id: ExprID) -> String {
    switch ast[id].kind {
    case .integer(let value): return "\(value)"
    case .decimal(let value): return "\(value)"
    case .string(let text): return text.debugDescription
    case .name(let symbol): return ast.name(symbol)
    case .list(let elements): return "[" + elements.map { render(ast, $0) }.joined(separator: ", ") + "]"
    case .unary(let op, let operand): return "(\(op.rawValue)\(render(ast, operand)))"
    case .binary(let op, let lhs, let rhs): return "(\(render(ast, lhs)) \(op.rawValue) \(render(ast, rhs)))"
    case .call(let callee, let arguments): return "\(ast.name(callee.symbol))(\(render(ast, arguments)))"
    case .subscript(let base, let items):
        let rendered = items.map { item -> String in
            let bound = { (id: ExprID?) in id.map { render(ast, $0) } ?? "" }
            guard item.isRange else { return bound(item.start) }
            return bound(item.start) + ":" + bound(item.end) + (item.step.map { ":" + render(ast, $0) } ?? "")
        }
        return render(ast, base) + "[" + rendered.joined(separator: ", ") + "]"
    case .error: return "<error>"
    }
}

/// `text` parses without diagnostics to `expected` (see `rendered`).
private func expectParse(_ text: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let result = parse(text)
    #expect(result.diagnostics.map(\.kind) == [], "parsing \(text.debugDescription)", sourceLocation: sourceLocation)
    #expect(rendered(text) == expected, "parsing \(text.debugDescription)", sourceLocation: sourceLocation)
}

/// Parsing `text` reports exactly these diagnostic kinds, in source order.
private func expectParseErrors(_ text: String, _ kinds: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(parse(text).diagnostics.map(\.kind) == kinds, "parsing \(text.debugDescription)",
            sourceLocation: sourceLocation)
}

/// The 1-based lines of the diagnostics of `text`.
private func errorLines(_ text: String) -> [Int] {
    let source = SourceFile(path: "t.tfe", text: text)
    return parse(text).diagnostics.map { source.location(of: $0.range.start).line }
}

// MARK: - Precedence, as in Python

@Test(arguments: [
    ("y = a + b * c", "y = (a + (b * c))"),
    ("y = -a @ b", "y = ((-a) @ b)"),
    ("y = a @ b + c", "y = ((a @ b) + c)"),
    ("y = a - b - c", "y = ((a - b) - c)"),
    ("y = a / b / c", "y = ((a / b) / c)"),
    ("y = a * b @ c", "y = ((a * b) @ c)"),
    ("y = a @ b * c", "y = ((a @ b) * c)"),
    ("y = a - b + c", "y = ((a - b) + c)"),
    ("y = a + b < c - d", "y = ((a + b) < (c - d))"),
    ("y = a == b + 1", "y = (a == (b + 1))"),
    ("y = a * 2 >= b @ c", "y = ((a * 2) >= (b @ c))"),
    ("y = a != b", "y = (a != b)"),
    ("y = -a * -b", "y = ((-a) * (-b))"),
    ("y = - -a", "y = (-(-a))"),
    ("y = +a", "y = (+a)"),
    ("y = -2", "y = (-2)"),
    ("y = (a + b) * c", "y = ((a + b) * c)"),
    ("y = a * (b + c)", "y = (a * (b + c))"),
    ("y = ((a))", "y = a"),
    ("y = -(a + b)", "y = (-(a + b))"),
    ("y = f(a + b, axis: -1)", "y = f((a + b), axis: (-1))"),
    ("y = f(g(a), [1, n])", "y = f(g(a), [1, n])"),
    ("y = []", "y = []"),
    ("y = 1_000 + 0.5", "y = (1000 + 0.5)"),
    ("y = \"s\"", "y = \"s\""),
    ("f(x)", "f(x)"),
    ("y = f()", "y = f()"),
])
func precedence(text: String, expected: String) {
    expectParse(text, expected)
}

// MARK: - Subscripts

@Test(arguments: [
    ("y = x[0]", "y = x[0]"),
    ("y = x[1:3, :, -1]", "y = x[1:3, :, (-1)]"),
    ("y = x[:2, 3:, ::2, ::-1]", "y = x[:2, 3:, ::2, ::(-1)]"),
    ("y = x[i * b:(i + 1) * b]", "y = x[(i * b):((i + 1) * b)]"),
    ("y = -x[0] + f(a)[1]", "y = ((-x[0]) + f(a)[1])"),
    ("y = x[0][1, ]", "y = x[0][1]"),
    ("y = (a + b)[0:1:1]", "y = (a + b)[0:1:1]"),
    ("y = x[\n  0,\n  1:2\n]", "y = x[0, 1:2]"),
])
func subscripts(text: String, expected: String) {
    expectParse(text, expected)
}

@Test(arguments: [
    ("y = x[]", ["expectedExpression"]),
    ("y = x[0", ["unclosedBracket"]),
    ("y = x[0 1]", ["expected"]),
    ("y = x[,]", ["expectedExpression"]),
    ("x = private_input(client [3])", ["expected"]),  // a missing comma, not a subscript
])
func subscriptErrors(text: String, kinds: [String]) {
    expectParseErrors(text, kinds)
}

@Test(arguments: ["y = a < b < c", "y = a == b != c", "y = a <= b > c", "y = 1 < x >= 2"])
func chainedComparisonIsAnError(text: String) {
    expectParseErrors(text, ["chainedComparison"])
}

// MARK: - Declarations and statements

@Test(arguments: [
    ("protocol securenn", "protocol securenn"),
    ("fixedpoint(frac: 20)", "fixedpoint(frac: 20)"),
    ("player model_owner", "player model_owner"),
    ("player a, b", "player a, b"),
    ("param batch = 100", "param batch = 100"),
    ("param n = m * 2", "param n = (m * 2)"),
    ("x = private_input(client, [batch, 784])", "x = private_input(client, [batch, 784])"),
    ("output(client, \"y\", a @ b)", "output(client, \"y\", (a @ b))"),
])
func declaration(text: String, expected: String) {
    expectParse(text, expected)
}

@Test(arguments: [
    ("def f(a, b) = a + b", "def f(a, b) = (a + b)"),
    ("def f() = 1", "def f() = 1"),
    ("def f(x) { return x }", "def f(x) = x"),
    ("def f(x) {\n  y = x * 2\n  return y + 1\n}", "def f(x) { y = (x * 2) } = (y + 1)"),
    ("def f(x) {\n  y = x; z = y\n  return z\n}", "def f(x) { y = x; z = y } = z"),
    ("def f(x) { y = x; return y; }", "def f(x) { y = x } = y"),
    ("def f(x) {\n\n  return x\n\n}", "def f(x) = x"),
    ("def f(a,\n      b) = a", "def f(a, b) = a"),
    ("def f(\n  a,\n  b,\n) = a", "def f(a, b) = a"),
    ("def layer(x, w, b) = relu(x @ w + b)", "def layer(x, w, b) = relu(((x @ w) + b))"),
    ("def f(x) {\n  for i in 0..<2 {\n    x = x + i\n  }\n  return x\n}",
     "def f(x) { for i in 0..<2 { x = (x + i) } } = x"),
])
func functionForms(text: String, expected: String) {
    expectParse(text, expected)
}

@Test(arguments: [
    ("for i in 0..<10 {\n  x = i\n}", "for i in 0..<10 { x = i }"),
    ("for i in 0..<n + 1 { x = i }", "for i in 0..<(n + 1) { x = i }"),
    ("for i in a - 1..<2 * b { x = i }", "for i in (a - 1)..<(2 * b) { x = i }"),
    ("for i in 0..<3 {}", "for i in 0..<3 {}"),
    ("for i in 0..<3 {\n}", "for i in 0..<3 {}"),
    ("for i in 0..<3 { a = 1; b = 2 }", "for i in 0..<3 { a = 1; b = 2 }"),
    ("for i in 0..<2 {\n  for j in 0..<3 {\n    x = i * j\n  }\n}",
     "for i in 0..<2 { for j in 0..<3 { x = (i * j) } }"),
    ("for i in 0..<2 { output(c, \"x\", i) }", "for i in 0..<2 { output(c, \"x\", i) }"),
])
func forLoops(text: String, expected: String) {
    expectParse(text, expected)
}

@Test(arguments: [
    ("y = f(a,\n      b,\n      c)", "y = f(a, b, c)"),
    ("y = f(\n  a,\n  b\n)", "y = f(a, b)"),
    ("y = f(a, axis:\n  1)", "y = f(a, axis: 1)"),
    ("y = [1,\n 2,\n]", "y = [1, 2]"),
    ("output(client,\n       logits)\nz = 1", "output(client, logits); z = 1"),
    ("y = a + \\\n    b", "y = (a + b)"),
])
func multiLineArguments(text: String, expected: String) {
    expectParse(text, expected)
}

/// Python joins lines anywhere inside brackets, so an expression may break around a binary operator (Black's style
/// breaks before the operator).
@Test(arguments: [
    ("y = (a +\n     b)", "y = (a + b)"),
    ("y = (\n    a\n    + b\n)", "y = (a + b)"),
    ("y = f(a *\n      b)", "y = f((a * b))"),
    ("y = [n\n     - 1]", "y = [(n - 1)]"),
])
func lineBreakAroundAnOperatorInsideBrackets(text: String, expected: String) {
    expectParse(text, expected)
}

@Test(arguments: [
    ("a = 1; b = 2; c = a + b", "a = 1; b = 2; c = (a + b)"),
    ("a = 1;; b = 2;", "a = 1; b = 2"),
    ("; a = 1", "a = 1"),
    ("a = 1\n\n\nb = 2\n", "a = 1; b = 2"),
    ("player a; player b", "player a; player b"),
    ("# header\n\na = 1  # trailing\n# footer", "a = 1"),
    ("", ""),
])
func separators(text: String, expected: String) {
    expectParse(text, expected)
}

// MARK: - Syntax errors

@Test(arguments: [
    ("a = 1 b = 2", ["expectedSeparator"]),
    ("y = f(a b)", ["expected"]),
    ("y = (a b)", ["expected"]),
    ("y = [a b]", ["expected"]),
    ("y =", ["expectedExpression"]),
    ("y = )", ["expectedExpression"]),
    ("y = f(,)", ["expectedExpression"]),
    ("y = a +", ["expectedExpression"]),
    ("y = * a", ["expectedExpression"]),
    ("f(x) = 1", ["invalidAssignmentTarget"]),
    ("1 = x", ["invalidAssignmentTarget"]),
    ("a + b = c", ["invalidAssignmentTarget"]),
    ("x = for", ["keywordAsName"]),
    ("player in", ["keywordAsName"]),
    ("def return(x) = x", ["keywordAsName"]),
    ("param def = 1", ["keywordAsName"]),
    ("x = y = 1", ["expectedSeparator"]),
    ("}", ["expected"]),
    ("for i 0..<3 {}", ["expected"]),
    ("for i in 0..<3 x = 1", ["expected"]),
    ("for i in 0 {}", ["expected"]),
    ("def f(x) x", ["expected"]),
    ("def f x = x", ["expected"]),
    ("protocol 1", ["expected"]),
    ("for i in 0..<3 {\n  x = 1\n", ["unclosedBracket"]),
    ("def f(x) {\n  return x\n", ["unclosedBracket"]),
    ("y = f(a", ["unclosedBracket"]),
])
func syntaxError(text: String, kinds: [String]) {
    expectParseErrors(text, kinds)
}

@Test func swiftClosedRangeInALoopIsOneError() {
    expectParseErrors("for i in 0...3 {}", ["expected"])
}

@Test(arguments: [
    ("def f(x) {\n  y = x\n}", ["missingReturn"]),
    ("def f(x) {}", ["missingReturn"]),
    ("def f(x) {\n  return x\n  y = 1\n}", ["returnNotLast"]),
    ("return 1", ["returnOutsideFunction"]),
    ("x = 1\nreturn x", ["returnOutsideFunction"]),
    ("for i in 0..<3 {\n  return i\n}", ["returnOutsideFunction"]),
    ("def f(x) {\n  for i in 0..<2 {\n    return x\n  }\n  return x\n}", ["returnOutsideFunction"]),
    ("def f(x) {\n  return )\n}", ["expectedExpression"]),
])
func returnPlacement(text: String, kinds: [String]) {
    expectParseErrors(text, kinds)
}

@Test(arguments: ["protocol pond", "fixedpoint(frac: 8)", "player p", "param n = 1", "def g(y) = y"])
func declarationInsideALoopOrFunction(declaration: String) {
    expectParseErrors("for i in 0..<2 {\n  \(declaration)\n}", ["declarationNotAtTopLevel"])
    expectParseErrors("def f(x) {\n  \(declaration)\n  return x\n}", ["declarationNotAtTopLevel"])
    expectParseErrors("for i in 0..<2 {\n  for j in 0..<2 {\n    \(declaration)\n  }\n}", ["declarationNotAtTopLevel"])
}

// MARK: - Recovery

@Test func threeIndependentErrorsOnThreeLines() {
    let text = "x = 1 +\ny = foo(,)\nz = ]\nw = 4\n"
    #expect(parse(text).diagnostics.count == 3)
    #expect(errorLines(text) == [1, 2, 3])
    #expect(rendered(text) == "w = 4")
}

@Test func errorsInsideABlockDoNotEndIt() {
    let text = "for i in 0..<3 {\n  a = )\n  b = 1\n  c = 1 2\n}\nd = 2\n"
    #expect(errorLines(text) == [2, 4])
    #expect(rendered(text) == "for i in 0..<3 { b = 1 }; d = 2")
}

@Test(arguments: [
    "y = f(a, b\nz = 2",
    "y = (a + b\nz = 2",
    "y = [1, 2\nz = 2",
    "y = g(f(a)\nz = 2",
    "y = f(a, (b\nz = 2",
    "def f(a, b\nz = 2",
])
func unclosedBracketAtEndOfLine(text: String) {
    expectParseErrors(text, ["unclosedBracket"])
    #expect(errorLines(text) == [1])
    #expect(rendered(text) == "z = 2")
}

@Test(arguments: [
    String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000),
    String(repeating: "(", count: 10_000),
    String(repeating: "[", count: 10_000) + "1" + String(repeating: "]", count: 10_000),
    String(repeating: "f(", count: 10_000) + "1" + String(repeating: ")", count: 10_000),
    String(repeating: "-", count: 10_000) + "1",
    String(repeating: "(-", count: 10_000) + "1" + String(repeating: ")", count: 10_000),
])
func deepNestingIsReportedNotACrash(expression: String) {
    let text = "x = \(expression)\ny = 1\n"
    expectParseErrors(text, ["tooDeeplyNested"])
    #expect(rendered(text) == "y = 1")
    let result = Frontend.check(SourceFile(path: "t.tfe", text: text))
    #expect(result.diagnostics.sorted.map(\.kind) == ["tooDeeplyNested"])
}

@Test func moderateNestingIsFine() {
    let text = "param n = " + String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200)
    let result = Frontend.check(SourceFile(path: "t.tfe", text: text))
    #expect(result.diagnostics.all.isEmpty)
}
