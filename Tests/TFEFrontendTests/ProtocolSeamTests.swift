import Testing
import TFECore
@testable import TFEFrontend

/// The checker asks the program's protocol what it computes privately (`SecretSharingProtocol`), and the
/// one list of element-wise functions is the language's.
struct ProtocolSeamTests {
    /// A private use of each operation, on `x` of shape [1, 4, 4, 2].
    static let uses: [PrivateOperation: String] = [
        .relu: "relu(x)", .reluDerivative: "relu_deriv(x)", .comparison: "x < x", .select: "where(x, x, x)",
        .argmax: "argmax(x, 3)", .maxPool: "maxpool2d(x, 2)", .maxPoolGradient: "maxpool2d_grad(x, x, 1)",
        .divisionByPrivate: "x / x",
    ]

    @Test func everyOperationHasAUse() {
        #expect(Set(Self.uses.keys) == Set(PrivateOperation.allCases))
    }

    @Test(arguments: ProtocolKind.allCases)
    func theCheckerAcceptsExactlyWhatTheProtocolComputes(kind: ProtocolKind) {
        for operation in PrivateOperation.allCases {
            let source = "protocol \(kind.rawValue)\nplayer alice\nx = private_input(alice, [1, 4, 4, 2])\n"
                + "output(alice, \"y\", \(Self.uses[operation]!))\n"
            let result = Frontend.check(SourceFile(path: "t.tfe", text: source))
            let computes = kind.definition.computesPrivately(operation)
            #expect(result.diagnostics.hasErrors == !computes, "\(kind) \(operation)")
            if !computes {
                let capable = ProtocolKind.firstComputing(operation)
                #expect(capable != nil)
                let message = result.diagnostics.sorted.first { $0.severity == .error }?.message ?? ""
                #expect(message.contains("'protocol \(capable?.rawValue ?? "")'"), "\(message)")
                #expect(message.contains("'\(kind.rawValue)'"), "\(message)")
            }
        }
    }

    @Test func pondComputesNoneAndSecureNNAllWithAnOnlineHelper() {
        #expect(PrivateOperation.allCases.allSatisfy { !Pond().computesPrivately($0) })
        #expect(PrivateOperation.allCases.allSatisfy { SecureNN().computesPrivately($0) })
        #expect(PrivateOperation.allCases.allSatisfy { ProtocolKind.firstComputing($0) == .securenn })
        #expect(Pond().roles.map(\.isOnline) == [true, true, false])
        #expect(SecureNN().roles.map(\.isOnline) == [true, true, true])
        for kind in ProtocolKind.allCases {
            #expect(kind.definition.roles.map(\.server) == [.server0, .server1, .server2])
        }
        for kind in [ProtocolKind.pond, .securenn] {
            #expect(kind.definition.roles.map(\.holdsShares) == [true, true, false])
            #expect(kind.definition.shareCount == 2 && !kind.definition.isReplicated)
        }
    }

    @Test func aby3ComputesWhatSecureNNDoesWithReplicatedShares() {
        #expect(PrivateOperation.allCases.allSatisfy { ABY3().computesPrivately($0) })
        #expect(ABY3().roles.map(\.components) == [[0, 1], [1, 2], [2, 0]])
        #expect(ABY3().roles.map(\.isOnline) == [true, true, true])
        #expect(ABY3().shareCount == 3 && ABY3().isReplicated)
    }

    @Test func elementwiseBuiltinsAreTheSharedList() {
        let builtins = Builtin.allCases.compactMap { builtin -> ElementwiseFunction? in
            if case .elementwise(let function) = builtin { return function }
            return nil
        }
        #expect(builtins == ElementwiseFunction.allCases.filter(\.isBuiltin))
        for builtin in Builtin.allCases { #expect(Builtin(rawValue: builtin.rawValue) == builtin) }
        #expect(Set(Builtin.allCases.map(\.rawValue)).count == Builtin.allCases.count)
        #expect(Builtin(rawValue: "reciprocal") == nil)
    }

    /// Constants fold through the same definition the machine's `map` uses.
    @Test(arguments: [-3.5, -1.0, 0.25, 2.0, 7.0])
    func foldedConstantsMatchTheSharedDefinition(x: Double) {
        for function in [ElementwiseFunction.sigmoid, .exp, .reluApprox, .square] {
            let source = "player alice\np = public_input(alice, [1])\n"
                + "output(alice, \"y\", p + \(function.name)(\(x)))\n"
            let result = Frontend.check(SourceFile(path: "t.tfe", text: source))
            let constant = result.program.operations.compactMap { operation -> Double? in
                if case .constant(let value) = operation.kind { return value }
                return nil
            }
            #expect(constant == [function.evaluate(x)], "\(function.name)(\(x))")
        }
    }
}
