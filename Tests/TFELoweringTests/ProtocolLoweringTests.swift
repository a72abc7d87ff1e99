import Testing
import TFEBytecode
import TFECore
import TFEFrontend
@testable import TFELowering

/// Lowering asks the program's protocol how each operation lowers (`ProtocolLowering`): a checked program
/// whose protocol cannot lower an operation gets one diagnostic naming the protocol that can.
struct ProtocolLoweringTests {
    @Test(arguments: [
        ("relu(x)", "'relu' on private values (it needs SecureNN) is not supported yet"),
        ("x < x", "comparison '<' on private values (it needs SecureNN) is not supported yet"),
        ("where(x, x, x)", "'where' on private values (it needs SecureNN) is not supported yet"),
        ("x / x", "division by a private value (it needs SecureNN) is not supported yet"),
        ("maxpool2d(x, 2)", "'maxpool2d' on private values (it needs SecureNN) is not supported yet"),
    ])
    func pondLowersNoneOfSecureNNsOperations(use: String, message: String) throws {
        let source = "protocol securenn\nplayer alice\nx = private_input(alice, [1, 4, 4, 2])\n"
            + "output(alice, \"y\", \(use))\n"
        var checked = try Frontend.compile(SourceFile(path: "t.tfe", text: source))
        #expect(Lowerer.lower(checked).diagnostics.all.isEmpty)
        checked.protocolKind = .pond
        let diagnostics = Lowerer.lower(checked).diagnostics.all
        #expect(diagnostics.map(\.message) == [message])
    }

    @Test func everyProtocolHasALoweringThatMatchesWhatItComputes() {
        for kind in ProtocolKind.allCases {
            let lowering = kind.lowering, definition = kind.definition
            let lowers: [PrivateOperation: Bool] = [
                .relu: lowering.relu != nil, .reluDerivative: lowering.reluDerivative != nil,
                .comparison: lowering.comparison != nil, .select: lowering.select != nil,
                .argmax: lowering.argmax != nil, .maxPool: lowering.maxPool != nil,
                .maxPoolGradient: lowering.maxPoolGradient != nil,
                .divisionByPrivate: lowering.divisionByPrivate != nil,
            ]
            #expect(Set(lowers.keys) == Set(PrivateOperation.allCases))
            for (operation, lowered) in lowers {
                #expect(lowered == definition.computesPrivately(operation), "\(kind) \(operation)")
            }
        }
    }
}
