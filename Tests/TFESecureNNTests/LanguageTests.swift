// `relu`, comparisons and `where` on private values under `protocol securenn`, compiled from source and run
// on local threads, against their plaintext definitions.

import TFEBytecode
import TFECore
import TFERuntime
import Testing

@Suite struct LanguageTests {
    typealias S = SecureNNSupport

    @Test func reluOfAFewValues() throws {
        let source = """
            protocol securenn
            player alice, bob
            x = private_input(alice, [6])
            output(bob, "y", relu(x))
            """
        let program = try #require(S.compile(source))
        let xs: [Double] = [-3, -0.5, 0, 0.25, 7, -1.0 / 65536]
        let run = try S.run(program, inputs: [S.alice: ["x": S.doubles(xs, [6])]])
        let y = try #require(run[S.bob].outputs["y"]).doubles
        #expect(y == xs.map { max(0, $0) })
    }
}
