import Testing
import TFEBytecode
import TFECore
import TFEFrontend

/// The reference itself, on cases worked out by hand from NumPy's and TensorFlow's definitions (the
/// models under `programs/` check it against NumPy at scale, in `EndToEndTests`).
struct ReferenceInterpreterTests {
    /// Evaluates `body` after `player alice`, with every input local to alice.
    static func evaluate(_ body: String, _ inputs: [String: [Double]]) throws -> [String: ReferenceTensor] {
        let result = Frontend.check(SourceFile(path: "reference.tfe", text: "player alice\n" + body))
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all.map(\.message))")
        let outputs = try ReferenceInterpreter.run(result.program, inputs: [PlayerID(3): inputs])
        return Dictionary(uniqueKeysWithValues: outputs.map { ($0.key.name, $0.value) })
    }

    @Test func broadcastingStretchesBothOperands() throws {
        let out = try Self.evaluate("""
            a = input(alice, [3, 1])
            b = input(alice, [4])
            output(alice, "y", a + b)
            """, ["a": [0, 10, 20], "b": [1, 2, 3, 4]])
        #expect(out["y"]?.shape == [3, 4])
        #expect(out["y"]?.values == [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24])
    }

    @Test func batchedMatmulBroadcastsBatchAxes() throws {
        // [2, 1, 1, 2] @ [3, 2, 1]: batch axes [2, 1] and [3] broadcast to [2, 3].
        let out = try Self.evaluate("""
            a = input(alice, [2, 1, 1, 2])
            b = input(alice, [3, 2, 1])
            output(alice, "y", a @ b)
            """, ["a": [1, 2, 3, 4], "b": [1, 0, 0, 1, 1, 1]])
        #expect(out["y"]?.shape == [2, 3, 1, 1])
        #expect(out["y"]?.values == [1, 2, 3, 3, 4, 7])
    }

    @Test func transposeFollowsThePermutation() throws {
        let out = try Self.evaluate("""
            x = input(alice, [2, 3])
            output(alice, "t", transpose(x))
            output(alice, "p", transpose(reshape(x, [1, 2, 3]), [2, 0, 1]))
            """, ["x": [0, 1, 2, 3, 4, 5]])
        #expect(out["t"]?.values == [0, 3, 1, 4, 2, 5])
        #expect(out["p"]?.shape == [3, 1, 2])
        #expect(out["p"]?.values == [0, 3, 1, 4, 2, 5])
    }

    @Test func reductionsOverOneAxisOrAll() throws {
        let out = try Self.evaluate("""
            x = input(alice, [2, 3])
            output(alice, "rows", sum(x, axis: 1))
            output(alice, "columns", mean(x, axis: 0))
            output(alice, "all", mean(x))
            output(alice, "flat", flatten(reshape(x, [2, 3, 1])))
            """, ["x": [1, 2, 3, 4, 5, 6]])
        #expect(out["rows"]?.values == [6, 15])
        #expect(out["columns"]?.values == [2.5, 3.5, 4.5])
        #expect(out["all"]?.values == [3.5])
        #expect(out["flat"]?.shape == [2, 3])
    }

    /// TensorFlow's SAME padding puts the odd extra cell after: input 4, window 3, stride 2 gives windows
    /// [0, 2] and [2, 4) plus one padded cell, not [-1, 1] and [1, 3].
    @Test func sameConvolutionPadsAfter() throws {
        let out = try Self.evaluate("""
            x = input(alice, [1, 4, 1, 1])
            k = input(alice, [3, 1, 1, 1])
            output(alice, "stride2", conv2d(x, k, 2, "SAME"))
            output(alice, "stride1", conv2d(x, k, 1, "SAME"))
            output(alice, "valid", conv2d(x, k, 1, "VALID"))
            """, ["x": [1, 2, 3, 4], "k": [1, 1, 1]])
        #expect(out["stride2"]?.values == [6, 7])
        #expect(out["stride1"]?.values == [3, 6, 9, 7])
        #expect(out["valid"]?.values == [6, 9])
    }

    @Test func convolutionUsesHWIOKernels() throws {
        // One 2x2 window of a 2-channel image, two filters: filter f sums channel c times k[h, w, c, f].
        let out = try Self.evaluate("""
            x = input(alice, [1, 2, 2, 2])
            k = input(alice, [2, 2, 2, 2])
            output(alice, "y", conv2d(x, k))
            """, ["x": [1, 10, 2, 20, 3, 30, 4, 40], "k": [1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1]])
        #expect(out["y"]?.shape == [1, 1, 1, 2])
        #expect(out["y"]?.values == [10, 100])
    }

    /// SAME average pools divide by the cells inside the input only, as TensorFlow does.
    @Test func averagePoolCountsOnlyCellsInside() throws {
        // Along the width (1 cell, window 3) only the middle column of each window is inside.
        let out = try Self.evaluate("""
            x = input(alice, [1, 4, 1, 1])
            y = input(alice, [1, 2, 4, 1])
            output(alice, "same", avgpool2d(x, 3, 2, "SAME"))
            output(alice, "valid", avgpool2d(y, 2))
            """, ["x": [1, 2, 3, 4], "y": [1, 2, 3, 4, 5, 6, 7, 8]])
        #expect(out["same"]?.values == [2, 3.5])
        #expect(out["valid"]?.values == [3.5, 5.5])
    }

    @Test func plaintextFunctions() throws {
        let out = try Self.evaluate("""
            x = input(alice, [2, 2])
            output(alice, "argmax", argmax(x, axis: 1))
            output(alice, "softmax", softmax(x))
            output(alice, "less", x < 1)
            output(alice, "ratio", x / 4)
            """, ["x": [3, 3, 0, 1]])
        #expect(out["argmax"]?.values == [0, 1])  // the first of equal maxima
        #expect(out["softmax"]?.values.prefix(2) == [0.5, 0.5])
        #expect(out["less"]?.values == [0, 0, 1, 0])
        #expect(out["ratio"]?.values == [0.75, 0.75, 0, 0.25])
    }

    /// Sigmoid is the servers' polynomial on private values and the logistic function elsewhere.
    @Test func sigmoidDependsOnPlacement() throws {
        let result = Frontend.check(SourceFile(path: "s.tfe", text: """
            player alice
            x = private_input(alice, [1])
            output(alice, "private", sigmoid(x))
            output(alice, "local", sigmoid(reveal(x, alice)))
            """))
        let outputs = try ReferenceInterpreter.run(result.program, inputs: [PlayerID(3): ["x": [3]]])
        #expect(outputs[OutputKey(player: PlayerID(3), name: "private")]?.values == [Approximations.sigmoid(3)])
        #expect(outputs[OutputKey(player: PlayerID(3), name: "local")]?.values == [1 / (1 + 0.049787068367863944)])
    }

    /// The bound of a private product of exact inputs is one truncation; a constant adds its rounding.
    @Test func boundsFollowTheFixedPointSteps() throws {
        let ulp = 1.0 / 65536
        let result = Frontend.check(SourceFile(path: "b.tfe", text: """
            player alice
            x = private_input(alice, [1])
            y = private_input(alice, [1])
            output(alice, "sum", x + y)
            output(alice, "product", x * y)
            output(alice, "scaled", x * 0.1)
            output(alice, "doubled", x * 2)
            """))
        let outputs = try ReferenceInterpreter.run(result.program, inputs: [PlayerID(3): ["x": [3], "y": [0.5]]])
        func bound(_ name: String) -> Double? { outputs[OutputKey(player: PlayerID(3), name: name)]?.bounds.first }
        #expect(bound("sum") == 0)
        #expect(bound("product") == ulp)
        let rounding = abs(0.1 - (0.1 * 65536).rounded() / 65536)
        #expect(bound("scaled") == 3 * rounding + ulp)
        #expect(bound("doubled") == 0)  // an int constant: exact, and no truncation
    }
}
