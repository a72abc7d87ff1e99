import Foundation
import Testing
import TFECore
import TFEFrontend

// MARK: - Helpers

private func check(_ text: String, options: CheckOptions = CheckOptions()) -> Frontend.Result {
    Frontend.check(SourceFile(path: "t.tfe", text: text), options: options)
}

/// The diagnostics as the user would see them, for failure messages.
private func rendered(_ result: Frontend.Result) -> String {
    DiagnosticRenderer(source: result.ast.source).render(result.diagnostics.sorted)
}

/// `source` reports a diagnostic of `kind` and no error of another kind.
private func expectDiagnostic(_ source: String, _ kind: String, options: CheckOptions = CheckOptions(),
                              sourceLocation: SourceLocation = #_sourceLocation) {
    let result = check(source, options: options)
    let diagnostics = result.diagnostics.sorted
    #expect(diagnostics.contains { $0.kind == kind }, "expected \(kind) from:\n\(source)\ngot:\n\(rendered(result))",
            sourceLocation: sourceLocation)
    let others = diagnostics.filter { $0.severity == .error && $0.kind != kind }.map(\.kind)
    #expect(others == [], "unexpected errors from:\n\(source)\n\(rendered(result))", sourceLocation: sourceLocation)
}

/// `source` checks without any diagnostic, warnings included.
private func expectClean(_ source: String, options: CheckOptions = CheckOptions(),
                         sourceLocation: SourceLocation = #_sourceLocation) {
    let result = check(source, options: options)
    #expect(result.diagnostics.all.isEmpty, "expected no diagnostics from:\n\(source)\ngot:\n\(rendered(result))",
            sourceLocation: sourceLocation)
}

/// `source` checks without errors (warnings allowed); returns the result.
@discardableResult
private func expectNoErrors(_ source: String, options: CheckOptions = CheckOptions(),
                            sourceLocation: SourceLocation = #_sourceLocation) -> Frontend.Result {
    let result = check(source, options: options)
    #expect(!result.diagnostics.hasErrors, "expected no errors from:\n\(source)\ngot:\n\(rendered(result))",
            sourceLocation: sourceLocation)
    return result
}

/// The type of the value first named `name` (the last such operation, for re-assignments in loops).
private func type(of name: String, in result: Frontend.Result) -> ValueType? {
    result.program.operations.last { $0.name == name }?.type
}

/// The type of the value the program's last `output` sends.
private func outputType(_ result: Frontend.Result) -> ValueType? {
    for operation in result.program.operations.reversed() {
        if case .output(_, _, let value) = operation.kind { return result.program[value].type }
    }
    return nil
}

private func count(_ result: Frontend.Result, where predicate: (TFEFrontend.Operation.Kind) -> Bool) -> Int {
    result.program.operations.count { predicate($0.kind) }
}

private func isAdd(_ kind: TFEFrontend.Operation.Kind) -> Bool {
    if case .binary(.add, _, _) = kind { return true }
    return false
}

private func isMultiply(_ kind: TFEFrontend.Operation.Kind) -> Bool {
    if case .binary(.multiply, _, _) = kind { return true }
    return false
}

/// A securenn program with private inputs `a`, `b`, `c` of the given shapes, `y = expression`, and `y`
/// sent to alice.
private func shapeProgram(_ shapes: [[Int]], _ expression: String) -> String {
    var lines = ["protocol securenn", "player alice"]
    for (name, shape) in zip(["a", "b", "c"], shapes) {
        lines.append("\(name) = private_input(alice, [\(shape.map(String.init).joined(separator: ", "))])")
    }
    lines += ["y = \(expression)", "output(alice, y)"]
    return lines.joined(separator: "\n") + "\n"
}

private let alice = PlayerID(3), bob = PlayerID(4)

// MARK: - A whole program

private let mnist = """
    # Private MNIST prediction: Dense(512) -> ReLU -> Dense(10)
    protocol securenn

    player model_owner
    player client

    param batch = 100

    w0 = private_input(model_owner, [784, 512])
    b0 = private_input(model_owner, [512])
    w1 = private_input(model_owner, [512, 10])
    b1 = private_input(model_owner, [10])
    x  = private_input(client, [batch, 784])

    h      = relu(matmul(x, w0) + b0)
    logits = h @ w1 + b1

    output(client, logits)

    """

@Test func designExampleChecksClean() {
    expectClean(mnist)
    let result = check(mnist)
    #expect(result.program.protocolKind == .securenn)
    #expect(result.program.players == ["server0", "server1", "server2", "model_owner", "client"])
    #expect(type(of: "h", in: result) == ValueType(.fixed, Shape([100, 512]), .private))
    #expect(type(of: "logits", in: result) == ValueType(.fixed, Shape([100, 10]), .private))
}

@Test func designExampleUnderPondNeedsSecureNNForRelu() {
    expectDiagnostic(mnist.replacingOccurrences(of: "protocol securenn", with: "protocol pond"), "needsProtocol")
    expectDiagnostic(mnist.replacingOccurrences(of: "protocol securenn\n", with: ""), "needsProtocol")
}

@Test func failedValueSilencesFollowOnErrors() {
    let source = shapeProgram([[2, 3], [4, 5]], "a @ b").replacingOccurrences(
        of: "output(alice, y)", with: "z = relu(y) + sum(y, 0) @ y\noutput(alice, z)")
    #expect(check(source).diagnostics.sorted.map(\.kind) == ["matmulShapeMismatch"])
}

@Test func errorInALoopBodyIsReportedOnce() {
    let source = "player alice\np = private_input(alice, [2])\nfor i in 0..<5 {\n  p = p + \"s\"\n}\n"
    #expect(check(source).diagnostics.sorted.map(\.kind) == ["expectedTensor"])
}

// MARK: - Shapes

private let shapeCases: [([[Int]], String, [Int])] = [
    // Broadcasting, as NumPy.
    ([[2, 3], [3]], "a + b", [2, 3]),
    ([[4, 1], [1, 5]], "a * b", [4, 5]),
    ([[2, 1, 3], [4, 1]], "a - b", [2, 4, 3]),
    ([[], [2]], "a + b", [2]),
    ([[1], [7, 1]], "a + b", [7, 1]),
    ([[2, 3]], "a + 1", [2, 3]),
    ([[2, 3]], "0.5 * a", [2, 3]),
    ([[2, 3]], "-a", [2, 3]),
    ([[2, 3], [1, 3]], "a < b", [2, 3]),
    ([[2, 1], [3], [2, 3]], "where(a, b, c)", [2, 3]),
    // Matrix products, batched as NumPy's matmul.
    ([[2, 3], [3, 4]], "a @ b", [2, 4]),
    ([[2, 3], [3, 4]], "matmul(a, b)", [2, 4]),
    ([[100, 784], [784, 512]], "a @ b", [100, 512]),
    ([[5, 2, 3], [5, 3, 4]], "a @ b", [5, 2, 4]),
    ([[5, 2, 3], [3, 4]], "a @ b", [5, 2, 4]),
    ([[2, 3], [5, 3, 4]], "a @ b", [5, 2, 4]),
    ([[1, 2, 3], [6, 3, 4]], "a @ b", [6, 2, 4]),
    ([[7, 1, 2, 3], [5, 3, 4]], "a @ b", [7, 5, 2, 4]),
    // Layout.
    ([[2, 3]], "reshape(a, [3, 2])", [3, 2]),
    ([[2, 3]], "reshape(a, [6])", [6]),
    ([[2, 3]], "reshape(a, [-1])", [6]),
    ([[2, 3]], "reshape(a, [2, -1])", [2, 3]),
    ([[2, 3]], "reshape(a, [-1, 3])", [2, 3]),
    ([[2, 3]], "reshape(a, [1, -1, 1])", [1, 6, 1]),
    ([[2, 3, 4]], "reshape(a, [4, -1, 2])", [4, 3, 2]),
    ([[2, 3]], "reshape(a, shape: [6, 1])", [6, 1]),
    ([[1]], "reshape(a, [])", []),
    ([[2, 3, 4]], "flatten(a)", [2, 12]),
    ([[2, 3]], "flatten(a)", [2, 3]),
    ([[5]], "flatten(a)", [5, 1]),
    ([[2, 3]], "transpose(a)", [3, 2]),
    ([[2, 3, 4]], "transpose(a)", [4, 3, 2]),
    ([[2, 3, 4]], "transpose(a, [0, 2, 1])", [2, 4, 3]),
    ([[2, 3, 4]], "transpose(a, axes: [1, 0, 2])", [3, 2, 4]),
    ([[2, 3, 4]], "transpose(a, [0, -1, 1])", [2, 4, 3]),
    ([[5]], "transpose(a)", [5]),
    // Reductions, with NumPy's negative axes.
    ([[2, 3]], "sum(a)", []),
    ([[2, 3]], "sum(a, 0)", [3]),
    ([[2, 3]], "sum(a, 1)", [2]),
    ([[2, 3]], "sum(a, -1)", [2]),
    ([[2, 3]], "sum(a, axis: -2)", [3]),
    ([[2, 3, 4]], "mean(a, 1)", [2, 4]),
    ([[2, 3, 4]], "mean(a, -1)", [2, 3]),
    ([[2, 3, 4]], "mean(a)", []),
    ([[2, 10]], "argmax(a, 1)", [2]),
    ([[2, 10]], "argmax(a, -1)", [2]),
    // Convolution and pooling, with TensorFlow's output sizes.
    ([[1, 28, 28, 1], [5, 5, 1, 16]], "conv2d(a, b, 1, \"VALID\")", [1, 24, 24, 16]),
    ([[1, 28, 28, 1], [5, 5, 1, 16]], "conv2d(a, b, 1, \"SAME\")", [1, 28, 28, 16]),
    ([[1, 28, 28, 1], [5, 5, 1, 16]], "conv2d(a, b, 2, \"VALID\")", [1, 12, 12, 16]),
    ([[1, 28, 28, 1], [5, 5, 1, 16]], "conv2d(a, b, 2, \"SAME\")", [1, 14, 14, 16]),
    ([[2, 7, 9, 3], [3, 2, 3, 4]], "conv2d(a, b, 2, \"VALID\")", [2, 3, 4, 4]),
    ([[2, 7, 9, 3], [3, 2, 3, 4]], "conv2d(a, b, 2, \"SAME\")", [2, 4, 5, 4]),
    ([[1, 10, 10, 1], [3, 3, 1, 1]], "conv2d(a, b, 3, \"VALID\")", [1, 3, 3, 1]),
    ([[1, 10, 10, 1], [3, 3, 1, 1]], "conv2d(a, b, 3, \"SAME\")", [1, 4, 4, 1]),
    ([[1, 10, 10, 1], [3, 3, 1, 1]], "conv2d(a, b)", [1, 8, 8, 1]),
    ([[1, 2, 2, 1], [5, 5, 1, 1]], "conv2d(a, b, padding: \"SAME\")", [1, 2, 2, 1]),
    ([[1, 10, 10, 1], [3, 3, 1, 1]], "conv2d(a, b, stride: 4, padding: \"VALID\")", [1, 2, 2, 1]),
    ([[1, 11, 11, 1], [3, 3, 1, 1]], "conv2d(a, kernel: b, stride: 4, padding: \"SAME\")", [1, 3, 3, 1]),
    ([[1, 28, 28, 16]], "avgpool2d(a, 2)", [1, 14, 14, 16]),
    ([[1, 28, 28, 16]], "avgpool2d(a, 3, 2, \"VALID\")", [1, 13, 13, 16]),
    ([[1, 28, 28, 16]], "avgpool2d(a, 3, 2, \"SAME\")", [1, 14, 14, 16]),
    ([[4, 7, 6, 3]], "avgpool2d(a, size: 2, stride: 3)", [4, 2, 2, 3]),
    ([[1, 5, 5, 2]], "maxpool2d(a, 2)", [1, 2, 2, 2]),
    ([[1, 5, 5, 2]], "maxpool2d(a, 2, padding: \"SAME\")", [1, 3, 3, 2]),
    ([[1, 5, 5, 2]], "maxpool2d(a, 2, 1, \"SAME\")", [1, 5, 5, 2]),
    ([[1, 5, 5, 2]], "maxpool2d(a, 3, 1, \"VALID\")", [1, 3, 3, 2]),
    // Layout: concat, slicing as NumPy, pad, squeeze, expand_dims; maximum broadcasts.
    ([[2, 3], [2, 5]], "concat(a, b, axis: 1)", [2, 8]),
    ([[2, 3], [4, 3]], "concat(a, b)", [6, 3]),
    ([[2, 3], [2, 1]], "concat(a, b, a, axis: -1)", [2, 7]),
    ([[2, 3]], "concat(a)", [2, 3]),
    ([[4, 5, 6]], "a[1:3]", [2, 5, 6]),
    ([[4, 5, 6]], "a[1, :, -1]", [5]),
    ([[4, 5, 6]], "a[-3:, ::2, ::-1]", [3, 3, 6]),
    ([[4, 5, 6]], "a[:-1, 10:1:-3]", [3, 1, 6]),
    ([[4, 5, 6]], "a[-100:100]", [4, 5, 6]),
    ([[4, 5, 6]], "a[0][1][2]", []),
    ([[4, 5, 6]], "a[::-1][1:]", [3, 5, 6]),
    ([[2, 3]], "pad(a, [[1, 2], [0, 3]])", [5, 6]),
    ([[2, 3]], "pad(a, [[0, 0], [0, 0]])", [2, 3]),
    ([[1, 3, 1]], "squeeze(a)", [3]),
    ([[1, 3, 1]], "squeeze(a, axis: -1)", [1, 3]),
    ([[2, 3]], "expand_dims(a, axis: 0)", [1, 2, 3]),
    ([[2, 3]], "expand_dims(a, axis: -1)", [2, 3, 1]),
    ([[2, 3], [3]], "maximum(a, b)", [2, 3]),
    ([[2, 1], [3]], "minimum(a, b)", [2, 3]),
]

@Test(arguments: shapeCases)
func shape(inputs: [[Int]], expression: String, expected: [Int]) {
    let result = expectNoErrors(shapeProgram(inputs, expression))
    #expect(outputType(result)?.shape == Shape(expected), "y = \(expression)")
}

private let shapeErrorCases: [([[Int]], String, String)] = [
    ([[2, 3], [2]], "a + b", "broadcastMismatch"),
    ([[3, 2], [3]], "a * b", "broadcastMismatch"),
    ([[2, 3], [4, 3]], "a - b", "broadcastMismatch"),
    ([[2, 3], [4, 5]], "a @ b", "matmulShapeMismatch"),
    ([[2, 3], [2, 3]], "matmul(a, b)", "matmulShapeMismatch"),
    ([[3], [3, 4]], "a @ b", "matmulRank"),
    ([[2, 3], [3]], "a @ b", "matmulRank"),
    ([[2, 3]], "a @ 2", "matmulRank"),
    ([], "2 @ 3", "matmulRank"),
    ([[5, 2, 3], [4, 3, 4]], "a @ b", "broadcastMismatch"),
    ([[2, 3]], "reshape(a, [4])", "reshapeCount"),
    ([[2, 3]], "reshape(a, [-1, -1])", "reshapeInference"),
    ([[2, 3]], "reshape(a, [4, -1])", "reshapeInference"),
    ([[2, 3]], "reshape(a, [0, 6])", "invalidDimension"),
    ([[2, 3]], "reshape(a, [-2, -3])", "invalidDimension"),
    ([[2, 3]], "reshape(a, 6)", "expectedShape"),
    ([[]], "flatten(a)", "rankMismatch"),
    ([[2, 3, 4]], "transpose(a, [0, 0, 1])", "invalidPermutation"),
    ([[2, 3, 4]], "transpose(a, [0, 1])", "invalidPermutation"),
    ([[2, 3, 4]], "transpose(a, [0, 1, 3])", "invalidPermutation"),
    ([[2, 3, 4]], "transpose(a, [0, 1, -4])", "invalidPermutation"),
    ([[2, 3]], "sum(a, 2)", "axisOutOfRange"),
    ([[2, 3]], "sum(a, -3)", "axisOutOfRange"),
    ([[]], "sum(a, 0)", "axisOutOfRange"),
    ([[2, 3]], "mean(a, 1.5)", "expectedConstantInteger"),
    ([[2, 3]], "argmax(a, 5)", "axisOutOfRange"),
    ([[1, 28, 28, 3], [5, 5, 1, 16]], "conv2d(a, b)", "channelMismatch"),
    ([[28, 28, 1], [5, 5, 1, 16]], "conv2d(a, b)", "rankMismatch"),
    ([[1, 28, 28, 1], [5, 1, 16]], "conv2d(a, b)", "rankMismatch"),
    ([[1, 4, 4, 1], [5, 5, 1, 1]], "conv2d(a, b, 1, \"VALID\")", "emptyOutput"),
    ([[1, 4, 4, 1], [3, 3, 1, 1]], "conv2d(a, b, 1, \"FULL\")", "invalidOption"),
    ([[1, 4, 4, 1], [3, 3, 1, 1]], "conv2d(a, b, 0)", "invalidWindow"),
    ([[5, 5, 2]], "avgpool2d(a, 2)", "rankMismatch"),
    ([[1, 5, 5, 2]], "maxpool2d(a, 6)", "emptyOutput"),
    ([[1, 5, 5, 2]], "avgpool2d(a, 0)", "invalidWindow"),
    ([[1, 5, 5, 2]], "avgpool2d(a, 2, -1)", "invalidWindow"),
    ([[2], [3], [2]], "where(a, b, c)", "broadcastMismatch"),
    ([[2, 3], [3, 3]], "concat(a, b, axis: 1)", "concatMismatch"),
    ([[2, 3], [2, 3, 1]], "concat(a, b)", "concatMismatch"),
    ([[2, 3]], "concat(a, a, axis: 2)", "axisOutOfRange"),
    ([[]], "concat(a, a)", "rankMismatch"),
    ([[2, 3]], "concat(a, a, dim: 1)", "unknownArgumentLabel"),
    ([[2, 3]], "concat(axis: 0)", "wrongArgumentCount"),
    ([[2, 3]], "a[2]", "indexOutOfRange"),
    ([[2, 3]], "a[0, -4]", "indexOutOfRange"),
    ([[2, 3]], "a[0, 0, 0]", "tooManyIndices"),
    ([[2, 3]], "a[1:1]", "emptySlice"),
    ([[2, 3]], "a[0:2:-1]", "emptySlice"),
    ([[2, 3]], "a[::0]", "zeroStep"),
    ([[2, 3]], "a[0.5]", "expectedConstantInteger"),
    ([[2, 3]], "a[b]", "unknownName"),
    ([[2, 3]], "pad(a, [[1, 1]])", "padPairs"),
    ([[2, 3]], "pad(a, [[1, 1], [-1, 0]])", "negativePad"),
    ([[2, 3]], "pad(a, [1, 1])", "padFormat"),
    ([[2, 3]], "pad(a, [[1], [0, 0]])", "padFormat"),
    ([[2, 3]], "squeeze(a, axis: 1)", "squeezeLength"),
    ([[2, 3]], "expand_dims(a, axis: 3)", "axisOutOfRange"),
    ([[2], [3]], "maximum(a, b)", "broadcastMismatch"),
]

@Test(arguments: shapeErrorCases)
func shapeError(inputs: [[Int]], expression: String, kind: String) {
    expectDiagnostic(shapeProgram(inputs, expression), kind)
}

/// TensorFlow: SAME gives ceil(n / s); VALID gives ceil((n - k + 1) / s), and nothing when k > n.
@Test(arguments: ["SAME", "VALID"], [1, 2, 3])
func windowOutputSizesMatchTensorFlow(padding: String, stride: Int) {
    for size in 1...9 {
        for window in 1...4 {
            let expected = padding == "SAME"
                ? (size + stride - 1) / stride
                : (size - window + 1 + stride - 1) / stride
            let pool = shapeProgram([[2, size, size + 1, 3]], "maxpool2d(a, \(window), \(stride), \"\(padding)\")")
            let conv = shapeProgram([[2, size, size + 1, 3], [window, window, 3, 5]],
                                    "conv2d(a, b, \(stride), \"\(padding)\")")
            if padding == "VALID" && window > size {
                expectDiagnostic(pool, "emptyOutput")
                expectDiagnostic(conv, "emptyOutput")
                continue
            }
            let width = padding == "SAME"
                ? (size + 1 + stride - 1) / stride
                : (size + 1 - window + 1 + stride - 1) / stride
            #expect(outputType(expectNoErrors(pool))?.shape == Shape([2, expected, width, 3]),
                    "maxpool2d of [2, \(size), \(size + 1), 3], window \(window), stride \(stride), \(padding)")
            #expect(outputType(expectNoErrors(conv))?.shape == Shape([2, expected, width, 5]),
                    "conv2d of [2, \(size), \(size + 1), 3], window \(window), stride \(stride), \(padding)")
        }
    }
}

private let elementTypeCases: [(String, ElementType)] = [
    ("a = private_input(alice, [2], dtype: int)\nb = private_input(alice, [2], dtype: int)\ny = a + b",
     ElementType.int),
    ("a = private_input(alice, [2], dtype: int)\ny = a * 2", .int),
    ("a = private_input(alice, [2], dtype: \"int\")\ny = square(a)", .int),
    ("a = private_input(alice, [2], dtype: int)\ny = relu(a)", .int),
    ("a = private_input(alice, [2], dtype: int)\ny = sum(a)", .int),
    ("a = private_input(alice, [2], dtype: int)\ny = a * 0.5", .fixed),
    ("a = private_input(alice, [2], dtype: int)\ny = a / 2", .fixed),
    ("a = private_input(alice, [2], dtype: int)\ny = mean(a)", .fixed),
    ("a = private_input(alice, [2], dtype: int)\ny = sigmoid(a)", .fixed),
    ("a = private_input(alice, [2], dtype: int)\nb = private_input(alice, [2])\ny = a + b", .fixed),
    ("a = private_input(alice, [2])\nb = private_input(alice, [2])\ny = a < b", .int),
    ("a = private_input(alice, [2])\ny = argmax(a)", .int),
    ("a = private_input(alice, [2], dtype: fixed)\ny = a - 1", .fixed),
    ("y = load(\"m\", [2], dtype: int)", .int),
]

@Test(arguments: elementTypeCases)
func elementType(body: String, expected: ElementType) {
    let result = expectNoErrors("protocol securenn\nplayer alice\n\(body)\noutput(alice, y)\n")
    #expect(outputType(result)?.element == expected)
}

@Test func shapeDeclaredTooLarge() {
    expectDiagnostic("player alice\nx = private_input(alice, [1048576, 1048577])\noutput(alice, x)", "shapeTooLarge")
    expectNoErrors("player alice\nx = private_input(alice, [1048576, 1048576])\noutput(alice, x)")
}

@Test(arguments: [
    ([[1_048_576, 1, 1], [1, 1_048_576, 1_048_576]], "a + b"),
    ([[1_048_576, 1, 1], [1, 1_048_576, 1_048_576]], "reshape(a + b, [-1])"),
    ([[524_288, 1_048_576, 1], [1, 1_048_576]], "a @ b"),
])
func computedShapeTooLarge(inputs: [[Int]], expression: String) {
    expectDiagnostic(shapeProgram(inputs, expression), "shapeTooLarge")
}

// MARK: - Placement

private func placementProgram(_ expression: String) -> String {
    """
    protocol securenn
    player alice, bob
    p = private_input(alice, [2])
    q = public_input(alice, [2])
    la = input(alice, [2])
    lb = input(bob, [2])
    y = \(expression)

    """
}

private let placementCases: [(String, Placement)] = [
    ("p + q", Placement.private),
    ("q / p", .private),
    ("q + p", .private),
    ("p * p", .private),
    ("q * q", .public),
    ("q + 1", .public),
    ("p * 2.5", .private),
    ("p / q", .private),
    ("q / 2", .public),
    ("-q", .public),
    ("la + la", .local(alice)),
    ("la * 3", .local(alice)),
    ("-la", .local(alice)),
    ("la / 2", .local(alice)),
    ("lb - 1", .local(bob)),
    ("relu(la)", .local(alice)),
    ("exp(q)", .public),
    ("softmax(la)", .local(alice)),
    ("share(la)", .private),
    ("share(q)", .private),
    ("share(lb + 1)", .private),
    ("share(la) + share(lb)", .private),
    ("share(la) + p", .private),
    ("reveal(p)", .public),
    ("reveal(p, bob)", .local(bob)),
    ("reveal(p + q, alice)", .local(alice)),
    ("reveal(p, alice) + la", .local(alice)),
    ("reveal(p) + q", .public),
    ("where(q, q, 1)", .public),
    ("where(la, la, 0)", .local(alice)),
    ("where(p, q, 1)", .private),
    ("load(\"m\", [2])", .private),
]

@Test(arguments: placementCases)
func placement(expression: String, expected: Placement) {
    let result = expectNoErrors(placementProgram(expression))
    #expect(type(of: "y", in: result)?.placement == expected, "y = \(expression)")
}

@Test(arguments: [
    ("la + lb", "mixedLocal"),
    ("lb * la", "mixedLocal"),
    ("where(la, lb, 1)", "mixedLocal"),
    ("la + p", "localWithShared"),
    ("la + q", "localWithShared"),
    ("q + la", "localWithShared"),
    ("p * lb", "localWithShared"),
    ("where(la, p, p)", "localWithShared"),
    ("share(p)", "shareNeedsPlaintext"),
    ("share(1)", "shareNeedsPlaintext"),
    ("reveal(q)", "revealNeedsPrivate"),
    ("reveal(la)", "revealNeedsPrivate"),
    ("reveal(reveal(p))", "revealNeedsPrivate"),
    ("reveal(p, server0)", "serverAsPlayer"),
    ("reveal(p, carol)", "unknownName"),
    ("la / p", "localWithShared"),
    ("p / 0", "divisionByZero"),
])
func placementError(expression: String, kind: String) {
    expectDiagnostic(placementProgram(expression), kind)
}

private let outputCases: [(String, String?)] = [
    ("output(alice, p)", nil as String?),
    ("output(bob, p)", nil),
    ("output(bob, q)", nil),
    ("output(alice, la)", nil),
    ("output(bob, lb)", nil),
    ("output(bob, \"r\", reveal(p, bob))", nil),
    ("output(alice, \"p2\", p)", nil),
    ("output(alice, p)\noutput(bob, p)", nil),
    ("output(alice, \"s\", share(lb))", nil),
    ("output(bob, la)", "outputLocalToOther"),
    ("output(alice, lb)", "outputLocalToOther"),
    ("output(alice, \"r\", reveal(p, bob))", "outputLocalToOther"),
    ("output(alice, \"c\", 3)", "constantOutput"),
    ("output(alice, \"c\", 2.5)", "constantOutput"),
    ("output(alice, p + 1)", "outputNeedsName"),
    ("output(server0, p)", "serverAsPlayer"),
    ("output(carol, p)", "unknownName"),
    ("output(alice, p)\noutput(alice, p)", "duplicateOutput"),
    ("output(alice, p)\noutput(alice, \"p\", q)", "duplicateOutput"),
    ("store(\"m\", p)", nil),
    ("store(\"m\", q)", "storeNeedsPrivate"),
    ("store(\"m\", la)", "storeNeedsPrivate"),
    ("store(\"m\", p)\nstore(\"m\", p + 1)", "duplicateStore"),
]

@Test(arguments: outputCases)
func outputRule(statement: String, kind: String?) {
    let source = """
        protocol securenn
        player alice, bob
        p = private_input(alice, [2])
        q = public_input(alice, [2])
        la = input(alice, [2])
        lb = input(bob, [2])
        \(statement)

        """
    if let kind {
        expectDiagnostic(source, kind)
    } else {
        expectNoErrors(source)
    }
}

@Test func constantOutputWithoutANameIsOneProblem() {
    let source = placementProgram("p").replacingOccurrences(of: "y = p", with: "output(alice, 3)")
    #expect(check(source).diagnostics.sorted.filter { $0.severity == .error }.map(\.kind) == ["constantOutput"])
}

// MARK: - Protocols

/// Operations on `x`, with the error each gives on a private `x` under pond and under securenn. On public and
/// local values every one of them is fine under both protocols.
private let protocolTable: [(String, String?, String?)] = [
    ("relu(x)", "needsProtocol", nil),
    ("maxpool2d(x, 2)", "needsProtocol", nil),
    ("x < x", "needsProtocol", nil),
    ("x >= 1", "needsProtocol", nil),
    ("x == x", "needsProtocol", nil),
    ("x != 0.5", "needsProtocol", nil),
    ("argmax(x, 3)", "needsProtocol", nil),
    ("where(x, x, x)", "needsProtocol", nil),
    ("softmax(x)", "plaintextOnly", "plaintextOnly"),
    ("exp(x)", "plaintextOnly", "plaintextOnly"),
    ("log(x)", "plaintextOnly", "plaintextOnly"),
    ("print(x)", "plaintextOnly", "plaintextOnly"),
    ("print(\"x is\", x)", "plaintextOnly", "plaintextOnly"),
    ("relu_approx(x)", nil, nil),
    ("sigmoid(x)", nil, nil),
    ("square(x)", nil, nil),
    ("avgpool2d(x, 2)", nil, nil),
    ("x * x + x", nil, nil),
    ("mean(x, 1)", nil, nil),
    ("transpose(x)", nil, nil),
    ("maximum(x, 0)", "needsProtocol", nil),
    ("minimum(x, x * 0.5)", "needsProtocol", nil),
    ("concat(x, x, axis: 3)", nil, nil),
    ("pad(x[:, 1:], [[0, 0], [1, 0], [0, 1], [0, 0]])", nil, nil),
]

private func protocolProgram(_ protocolName: String, input: String, _ operation: String) -> String {
    let use = operation.hasPrefix("print(") ? operation : "y = \(operation)\noutput(alice, y)"
    return "protocol \(protocolName)\nplayer alice\nx = \(input)(alice, [1, 4, 4, 2])\n\(use)\n"
}

@Test(arguments: protocolTable)
func protocolOnPrivateValues(operation: String, underPond: String?, underSecureNN: String?) {
    for (protocolName, kind) in [("pond", underPond), ("securenn", underSecureNN)] {
        let source = protocolProgram(protocolName, input: "private_input", operation)
        if let kind { expectDiagnostic(source, kind) } else { expectClean(source) }
    }
}

@Test(arguments: protocolTable.map(\.0), ["public_input", "input"])
func protocolOnPlaintextValues(operation: String, input: String) {
    expectClean(protocolProgram("pond", input: input, operation))
    expectClean(protocolProgram("securenn", input: input, operation))
}

// MARK: - Names

private let suggestionCases: [(String, String, String?)] = [
    ("player alice\nweights = private_input(alice, [2])\noutput(alice, weigths)", "unknownName", "weights" as String?),
    ("player alice\nx = private_input(alise, [2])\noutput(alice, x)", "unknownName", "alice"),
    ("player alice\nx = private_input(alice, [2])\noutput(alise, x)", "unknownName", "alice"),
    ("param batch = 10\nplayer alice\nx = private_input(alice, [bach])\noutput(alice, x)", "unknownName", "batch"),
    ("player alice\nx = private_input(alice, [2, 2])\noutput(alice, \"y\", matmull(x, x))", "unknownFunction",
     "matmul"),
    ("player alice\nx = private_input(alice, [2])\noutput(alice, \"y\", sigmod(x))", "unknownFunction", "sigmoid"),
    ("player alice\ndef layer(v) = v\nx = private_input(alice, [2])\noutput(alice, \"y\", layr(x))", "unknownFunction",
     "layer"),
    ("protocol secureNN", "unknownProtocol", "securenn"),
    ("fixedpoint(fracs: 12)", "unknownSetting", "frac"),
    ("player alice\nx = private_input(alice, [2])\noutput(alice, \"y\", sum(x, axes: 0))", "unknownArgumentLabel",
     "axis"),
    ("player alice\ndef f(x, y) = x\np = private_input(alice, [2])\noutput(alice, \"o\", f(p, yy: p))",
     "unknownArgumentLabel", "y"),
    ("player alice\nx = zzzzzz", "unknownName", nil),
    ("player alice\nx = private_input(alice, [2])\noutput(alice, \"y\", qqqqqq(x))", "unknownFunction", nil),
]

@Test(arguments: suggestionCases)
func unknownNameSuggestion(source: String, kind: String, suggestion: String?) {
    expectDiagnostic(source, kind)
    let diagnostics = check(source).diagnostics.sorted.filter { $0.kind == kind }
    let notes = diagnostics.flatMap(\.notes).map(\.message)
    if let suggestion {
        #expect(notes.contains { $0.contains("did you mean '\(suggestion)'") }, "notes: \(notes)")
    } else {
        #expect(!notes.contains { $0.contains("did you mean") }, "notes: \(notes)")
    }
}

private func namesProgram(_ body: String) -> String {
    "protocol securenn\nplayer alice\np = private_input(alice, [2])\n\(body)\n"
}

private let nameErrorCases: [(String, String)] = [
    ("def f(x) = f(x)\ny = f(p)", "recursiveCall"),
    ("def f(x) = g(x)\ndef g(x) = f(x)\ny = f(p)", "recursiveCall"),
    ("def f(x) {\n  y = f(x)\n  return y\n}\nz = f(p)", "recursiveCall"),
    ("y = matmul(p)", "wrongArgumentCount"),
    ("y = relu(p, p, p)", "wrongArgumentCount"),
    ("y = reveal(p, alice, p)", "wrongArgumentCount"),
    ("y = private_input(alice)", "wrongArgumentCount"),
    ("y = reshape(p)", "wrongArgumentCount"),
    ("y = conv2d(p)", "wrongArgumentCount"),
    ("y = where(p, p)", "wrongArgumentCount"),
    ("output(alice)", "wrongArgumentCount"),
    ("y = sum(p, 0, 1)", "wrongArgumentCount"),
    ("def f(a, b) = a\ny = f(p)", "wrongArgumentCount"),
    ("def f(a, b) = a\ny = f(p, p, p)", "wrongArgumentCount"),
    ("y = sum(p, 0, axis: 0)", "duplicateArgument"),
    ("y = x + 1\nx = private_input(alice, [2])", "usedBeforeAssignment"),
    ("player alice", "duplicatePlayer"),
    ("player bob, bob", "duplicatePlayer"),
    ("player server1", "reservedPlayerName"),
    ("def f(x) = x\ndef f(y) = y", "duplicateFunction"),
    ("def relu(x) = x", "functionShadowsBuiltin"),
    ("param n = 1\nparam n = 2", "duplicateParam"),
    ("alice = 1", "cannotAssign"),
    ("server2 = 1", "cannotAssign"),
    ("param n = 1\nn = 2", "cannotAssign"),
    ("def f(x) = x\nf = 1", "cannotAssign"),
    ("int = 3", "cannotAssign"),
    ("for i in 0..<2 {\n  i = p\n}", "cannotAssign"),
    ("for alice in 0..<2 {\n  y = p\n}", "cannotAssign"),
    ("protocol pond", "duplicateDeclaration"),
    ("fixedpoint(frac: 8)\nfixedpoint(frac: 9)", "duplicateDeclaration"),
    ("fixedpoint(frac: 31)", "fractionalBitsOutOfRange"),
    ("fixedpoint(frac: 0)", "fractionalBitsOutOfRange"),
    ("fixedpoint(frac: 1.5)", "expectedConstantInteger"),
    ("fixedpoint(16)", "unknownSetting"),
    ("y = private_input(alice, \"p\", [2])", "duplicateInput"),
    ("for i in 0..<2 {\n  x = private_input(alice, [2])\n}", "duplicateInput"),
    ("output(alice, \"o\", private_input(alice, [2]))", "inputNeedsName"),
    ("y = private_input(p, [2])", "notAPlayer"),
    ("y = private_input(1, [2])", "notAPlayer"),
    ("y = private_input(server0, [2])", "serverAsPlayer"),
    ("y = private_input(alice, 3)", "expectedShape"),
    ("y = private_input(alice, [0])", "invalidDimension"),
    ("y = private_input(alice, [-1])", "invalidDimension"),
    ("y = private_input(alice, [2.0])", "expectedConstantInteger"),
    ("y = private_input(alice, 3, [2])", "expectedString"),
    ("y = private_input(alice, [2], dtype: \"float\")", "invalidOption"),
    ("y = p + \"s\"", "expectedTensor"),
    ("y = p + [1, 2]", "expectedTensor"),
    ("y = alice + 1", "notAValue"),
    ("def f(x) = x\ny = f + 1", "notAValue"),
    ("y = int + p", "notAValue"),
    ("param n = 9223372036854775807 + 1", "constantOverflow"),
    ("param n = -(-9223372036854775807 - 1)", "constantOverflow"),
    ("y = p * 1e999", "constantOverflow"),
    ("param n = 1 / 0", "divisionByZero"),
    ("param n = 1.5", "expectedConstantInteger"),
    ("param n = 6 / 2", "expectedConstantInteger"),
    ("for i in 0..<p {\n  y = p\n}", "expectedConstantInteger"),
    ("y = load(\"m\", 2)", "expectedShape"),
    ("y = load(3, [2])", "expectedString"),
]

@Test(arguments: nameErrorCases)
func nameError(body: String, kind: String) {
    expectDiagnostic(namesProgram(body), kind)
}

@Test func argumentGivenTwiceIsOneProblem() {
    let source = namesProgram("def f(a) = a\ny = f(p, a: p)")
    #expect(check(source).diagnostics.sorted.filter { $0.severity == .error }.map(\.kind) == ["duplicateArgument"])
}

@Test func duplicateParameterNamesAreAnError() {
    let source = namesProgram("def f(a, a) = a\noutput(alice, \"o\", f(p, p + 1))")
    #expect(check(source).diagnostics.hasErrors)
}

// MARK: - Params and overrides

private let paramProgram = """
    param n = 3
    param m = n * 2
    player alice
    x = private_input(alice, [n, m])
    y = x
    for i in 0..<n {
      y = y + x
    }
    output(alice, y)

    """

private let overrideCases: [([String: Int], [Int], Int, Set<String>)] = [
    ([String: Int](), [3, 6], 3, Set<String>()),
    (["n": 5], [5, 10], 5, ["n"]),
    (["m": 4], [3, 4], 3, ["m"]),
    (["n": 1, "m": 7], [1, 7], 1, ["n", "m"]),
    (["k": 9], [3, 6], 3, []),
]

@Test(arguments: overrideCases)
func paramOverride(overrides: [String: Int], shape: [Int], additions: Int, used: Set<String>) {
    let result = check(paramProgram, options: CheckOptions(overrides: overrides))
    #expect(!result.diagnostics.hasErrors, "\(rendered(result))")
    #expect(outputType(result)?.shape == Shape(shape))
    #expect(count(result, where: isAdd) == additions)
    #expect(result.usedOverrides == used)
}

@Test func overrideReplacesAnInvalidDefault() {
    let source = "param n = 1.5\nplayer alice\nx = private_input(alice, [n])\noutput(alice, x)\n"
    expectClean(source, options: CheckOptions(overrides: ["n": 4]))
}

@Test func invalidParamSilencesItsUses() {
    let source = "param n = 1.5\nplayer alice\nx = private_input(alice, [n])\noutput(alice, x)\n"
    #expect(check(source).diagnostics.sorted.map(\.kind) == ["expectedConstantInteger"])
}

@Test func overrideIsStillChecked() {
    let source = "param n = 2\nplayer alice\nx = private_input(alice, [n])\noutput(alice, x)\n"
    expectDiagnostic(source, "invalidDimension", options: CheckOptions(overrides: ["n": 0]))
}

@Test func paramIsAPublicConstantInExpressions() {
    let result = expectNoErrors(shapeProgram([[2, 3]], "a * n + n").replacingOccurrences(
        of: "player alice", with: "player alice\nparam n = 4"))
    #expect(outputType(result) == ValueType(.fixed, Shape([2, 3]), .private))
}

// MARK: - Loop unrolling

private func loopProgram(_ loop: String) -> String {
    "player alice\nx = private_input(alice, [2])\ny = x\n\(loop)\noutput(alice, y)\n"
}

private let loopCases: [(String, Int)] = [
    ("for i in 0..<1 { y = y + x }", 1),
    ("for i in 0..<5 { y = y + x }", 5),
    ("for i in 0..<37 { y = y + x }", 37),
    ("for i in 2..<5 { y = y + x }", 3),
    ("for i in -3..<3 { y = y + x }", 6),
    ("for i in 0..<2 {\n  for j in 0..<3 {\n    y = y + x\n  }\n}", 6),
    ("for i in 0..<3 {\n  y = y + x\n  for j in 0..<4 {\n    y = y + x\n  }\n}", 15),
    ("for i in 0..<4 {\n  for j in 0..<i {\n    y = y + x\n  }\n}", 6),
    ("for i in 0..<3 { y = y + i }", 3),
]

@Test(arguments: loopCases)
func loopUnrolling(loop: String, additions: Int) {
    let result = expectNoErrors(loopProgram(loop))
    #expect(count(result, where: isAdd) == additions)
}

@Test(arguments: ["for i in 0..<0 { y = y + x }", "for i in 5..<5 { y = y + x }", "for i in 5..<2 { y = y + x }"])
func emptyLoopRunsZeroTimes(loop: String) {
    let result = check(loopProgram(loop))
    #expect(!result.diagnostics.hasErrors)
    #expect(count(result, where: isAdd) == 0)
}

@Test func functionsAreInlinedAtEveryCall() {
    let result = expectNoErrors(loopProgram("def layer(v) = v * v + v\ny = layer(layer(y))"))
    #expect(count(result, where: isAdd) == 2)
    #expect(count(result, where: isMultiply) == 2)
    let looped = expectNoErrors(loopProgram("def layer(v) = v * v + v\nfor i in 0..<7 { y = layer(y) }"))
    #expect(count(looped, where: isMultiply) == 7)
}

@Test func loopBoundsMayUseParamsAndConstantArithmetic() {
    let source = "param n = 4\n" + loopProgram("for i in 1..<n * 2 - 1 { y = y + x }")
    #expect(count(expectNoErrors(source), where: isAdd) == 6)
}

// MARK: - The work limit

@Test(arguments: [
    "for i in 0..<1000000000 { y = y + x }",
    "for i in 0..<9223372036854775807 { y = y + x }",
    "for i in 0..<100000 {\n  for j in 0..<100000 {\n    y = y + x\n  }\n}",
    "def f(v) = v * v\nfor i in 0..<1000000000 { y = f(y) }",
    "for i in 0..<1000000000 { z = 1 }",
])
func hugeLoopHitsTheWorkLimitQuickly(loop: String) {
    let clock = ContinuousClock()
    var result: Frontend.Result?
    let elapsed = clock.measure {
        result = check(loopProgram(loop), options: CheckOptions(workLimit: 10_000))
    }
    #expect(result?.diagnostics.sorted.filter { $0.severity == .error }.map(\.kind) == ["unrollLimit"])
    #expect(elapsed < .seconds(30))  // a hang guard: the limit stops it in milliseconds
}

@Test func workLimitCountsOperations() {
    let loop = "for i in 0..<100 { y = y + x }"
    expectNoErrors(loopProgram(loop), options: CheckOptions(workLimit: 1_000))
    expectDiagnostic(loopProgram(loop), "unrollLimit", options: CheckOptions(workLimit: 50))
}

@Test func loopWithAnEmptyBodyCostsNothing() {
    // An empty body does nothing, so the loop is skipped whatever its bounds: it cannot hang the checker.
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        _ = expectNoErrors("for i in 0..<1000000000000 {}\n", options: CheckOptions(workLimit: 1_000))
    }
    #expect(elapsed < .seconds(30))  // a hang guard: a skipped loop costs microseconds
}

@Test func inlinedCallsOfConstantFunctionsCountAgainstTheWorkLimit() {
    // Each f_k calls f_(k-1) twice, so f16(1) makes 2^16 calls that fold to constants and emit nothing;
    // with f40 the checker runs for hours.
    var lines = ["def f0(v) = v + v"]
    for k in 1...16 { lines.append("def f\(k)(v) = f\(k - 1)(v) - f\(k - 1)(v)") }
    lines.append("param n = f16(1)")
    expectDiagnostic(lines.joined(separator: "\n"), "unrollLimit", options: CheckOptions(workLimit: 1_000))
}

@Test func repeatedErrorInALoopIsStoredOnce() {
    // 20,000 iterations of an output whose name is taken: one problem, kept once however often it recurs.
    let source = "player alice\nx = input(alice, [2])\noutput(alice, x)\nfor i in 0..<20000 {\n  output(alice, x)\n}\n"
    let result = check(source)
    #expect(result.diagnostics.all.map(\.kind) == ["duplicateOutput"])
}

// MARK: - Unused values

private func unusedProgram(_ body: String) -> String {
    "player alice\nx = private_input(alice, [2])\n\(body)\n"
}

private let unusedCases: [(String, [String])] = [
    ("", ["unusedInput"]),
    ("q = public_input(alice, [2])\noutput(alice, x)", ["unusedInput"]),
    ("l = input(alice, [2])\noutput(alice, x)", ["unusedInput"]),
    ("y = x + 1", ["unusedValue"]),
    ("x + 1", ["unusedExpression"]),
    ("y = x + 1\ny = x * 2\noutput(alice, y)", ["unusedValue"]),
    ("def f(v) {\n  t = v * 2\n  return v\n}\noutput(alice, \"o\", f(x))", ["unusedValue"]),
    ("output(alice, x)", []),
    ("y = x + 1\noutput(alice, y)", []),
    ("param n = 3\noutput(alice, x)", []),
    ("def unused(v) = v\noutput(alice, x)", []),
    ("y = x\nfor i in 0..<3 {\n  y = y + x\n}\noutput(alice, y)", []),
    // The last iteration's 'prev' is never read, but every earlier one is: no warning.
    ("acc = x\nprev = x\nfor i in 0..<3 {\n  acc = acc + prev\n  prev = x * 2\n}\noutput(alice, acc)", []),
    ("for i in 0..<3 {\n  t = x * i\n  output(alice, \"t\", t)\n}", ["duplicateOutput"]),
]

@Test(arguments: unusedCases)
func unusedWarnings(body: String, kinds: [String]) {
    #expect(check(unusedProgram(body)).diagnostics.sorted.map(\.kind) == kinds, "\(body)")
}

@Test func unusedAliasOfAUsedInput() {
    let source = unusedProgram("y = x\noutput(alice, x)")
    #expect(check(source).diagnostics.sorted.map(\.kind) == ["unusedValue"])
}
