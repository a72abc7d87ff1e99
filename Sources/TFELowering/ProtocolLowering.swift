import TFEBytecode
import TFECore
import TFEFrontend

/// How a protocol lowers the private operations protocols differ in (`PrivateOperation`); nil where it
/// cannot compute one, which the checker has already reported. Everything else (products, truncation,
/// division by constants, the polynomial approximations) every protocol lowers alike today. A new protocol
/// adds its entries here, next to its `SecretSharingProtocol` in TFECore, and `ProtocolKind.lowering` names it.
struct ProtocolLowering {
    var relu: (@Sendable (inout Lowerer, PrivateRegister, ValueType) -> PrivateRegister)?
    var reluDerivative: (@Sendable (inout Lowerer, PrivateRegister) -> PrivateRegister)?
    var comparison: (@Sendable (inout Lowerer, BinaryOperator, Register, Register, Shape) -> PrivateRegister)?
    /// `where(c, a, b)` whose result is private.
    var select: (@Sendable (inout Lowerer, ValueID, ValueID, ValueID, ValueType) -> Register)?
    var argmax: (@Sendable (inout Lowerer, ValueID, Int?, ValueType) -> Register)?
    var maxPool: (@Sendable (inout Lowerer, ValueID, Int, Int, Padding, ValueType) -> Register)?
    var maxPoolGradient: (@Sendable (inout Lowerer, ValueID, ValueID, Int, Int, Padding, ValueType) -> Register)?
    var divisionByPrivate: (@Sendable (inout Lowerer, Register, PrivateRegister, ValueType) -> PrivateRegister)?
    /// MSB(x) = [x < 0] as shares of a 0/1 `int`: the one primitive everything above is built on
    /// (`Lowerer.isNegative` remembers it per register).
    var isNegative: (@Sendable (inout Lowerer, PrivateRegister) -> PrivateRegister)?
    /// x · MSB(y) for a private y and an x of y's shape or one that broadcasts with it, of the given type,
    /// where the protocol has a cheaper way than a product with the 0/1 ring value MSB(y): relu(x) is
    /// x − x · MSB(x), and a maximum of a and b is a − (a − b) · MSB(a − b). nil: they multiply by DReLU.
    var timesSign: (@Sendable (inout Lowerer, Register, PrivateRegister, ValueType) -> Register)?
    /// How private values are shared, multiplied and opened: what every protocol computes, in its own way.
    var sharing = SharingLowering.additive

    /// Pond computes none of them: its non-linear functions are the polynomial approximations.
    static let pond = ProtocolLowering()

    /// SecureNN: MSB(x) by ShareConvert and ComputeMSB (eight online rounds, server2 helping), and the
    /// algorithms built on it (`comparing`).
    static let secureNN = ProtocolLowering.comparing(isNegative: { lowerer, x in lowerer.computeMSB(x) })

    /// ABY3: products and truncation over replicated shares (`SharingLowering.replicated`); MSB(x) by A2B
    /// (a carry-save layer and a Kogge-Stone adder over bit-sliced words, `band` rounds) and bit injection by
    /// two products; relu and the maxima of pooling and argmax by A2B and the bit product (`Lowerer+ABY3.swift`);
    /// everything else as SecureNN builds it on MSB(x), with `rproduct` for its products.
    static let aby3: ProtocolLowering = {
        var lowering = ProtocolLowering.comparing(isNegative: { lowerer, x in lowerer.replicatedIsNegative(x) })
        lowering.timesSign = { lowerer, x, y, type in lowerer.replicatedTimesSign(x, signOf: y, type) }
        lowering.sharing = .replicated
        return lowering
    }()

    /// SecureNN's algorithms on top of a protocol's MSB(x): DReLU (relu, relu_deriv, comparisons),
    /// SelectShare (`where`), trees of maxima (argmax, max-pooling and its gradient), and long division by
    /// DReLU bits. Their products go through the protocol's `sharing`.
    static func comparing(
        isNegative: @escaping @Sendable (inout Lowerer, PrivateRegister) -> PrivateRegister
    ) -> ProtocolLowering {
        ProtocolLowering(
            relu: { lowerer, x, type in lowerer.relu(x, type) },
            reluDerivative: { lowerer, x in lowerer.reluDerivative(x) },
            comparison: { lowerer, op, a, b, shape in lowerer.comparePrivately(op, a, b, shape) },
            select: { lowerer, condition, lhs, rhs, type in lowerer.lowerWhere(condition, lhs, rhs, type) },
            argmax: { lowerer, source, axis, type in lowerer.lowerArgmax(source, axis: axis, type) },
            maxPool: { lowerer, input, size, stride, padding, type in
                lowerer.lowerMaxPool(input, size: size, stride: stride, padding: padding, type)
            },
            maxPoolGradient: { lowerer, input, gradient, size, stride, padding, type in
                lowerer.lowerMaxPoolGradient(input, gradient, size: size, stride: stride, padding: padding, type)
            },
            divisionByPrivate: { lowerer, numerator, divisor, type in lowerer.divide(numerator, by: divisor, type) },
            isNegative: isNegative)
    }
}

/// The instructions a protocol's sharing lowers to: inputs, products, openings, and the last step of
/// truncation and exact division (whose pair server2 deals alike under every protocol).
struct SharingLowering: Sendable {
    /// A player's input into a private or public register.
    var input: @Sendable (Register, PlayerID, String) -> Instruction
    /// `share(v)` of a local value.
    var share: @Sendable (PrivateRegister, LocalRegister) -> Instruction
    /// `reveal(v)`: every server learns the value.
    var open: @Sendable (PublicRegister, PrivateRegister) -> Instruction
    /// A product of two private values, before truncation.
    var product: @Sendable (inout Lowerer, Lowerer.ProductKind, PrivateRegister, PrivateRegister, ValueType)
        -> PrivateRegister
    /// Opens `x + r` (r dealt by server2 to server0 and server1) into a new public register.
    var openMasked: @Sendable (inout Lowerer, PrivateRegister, PrivateRegister) -> PublicRegister
    /// The step after the opening of a truncation: `truncfinish` or `rtruncfinish`.
    var truncFinish: @Sendable (PrivateRegister, PublicRegister, PrivateRegister, PrivateRegister) -> Instruction
    /// The step after the opening of an exact division.
    var divFinish: @Sendable (PrivateRegister, PublicRegister, PrivateRegister, PrivateRegister, Int) -> Instruction
    /// `store("name", x)`: keeps a private value on the servers for later runs.
    var store: @Sendable (inout Lowerer, String, PrivateRegister) -> Void
    /// `load("name", SHAPE)`: a value an earlier run stored, as a private register.
    var load: @Sendable (inout Lowerer, String, ValueType) -> PrivateRegister

    /// Pond's two additive shares (SecureNN's too): Beaver products over masked values, `open` between
    /// server0 and server1.
    static let additive = SharingLowering(
        input: { .input(dst: $0, player: $1, name: $2) },
        share: { .share(dst: $0, src: $1) },
        open: { .open(dst: $0, src: $1) },
        product: { lowerer, kind, x, y, type in lowerer.beaver(kind, x, y, type) },
        openMasked: { lowerer, x, r in
            let shape = lowerer.shape(of: .private(x))
            let masked = lowerer.makePrivate(.int, shape)
            lowerer.emit(.add(dst: .private(masked), lhs: .private(x), rhs: .private(r)))
            let opened = lowerer.makePublic(.int, shape)
            lowerer.emitRound(.open(dst: opened, src: masked))
            return opened
        },
        truncFinish: { .truncFinish(dst: $0, masked: $1, high: $2, msb: $3) },
        divFinish: { .divFinish(dst: $0, masked: $1, quotient: $2, wrap: $3, divisor: $4) },
        store: { lowerer, name, x in
            let form = lowerer.masked([x])[0]
            lowerer.emit(.store(name: name, mask: form.mask, opened: form.opened))
        },
        load: { lowerer, name, type in lowerer.lowerLoad(name, type) })

    /// ABY3's replicated shares: `rinput`, `rproduct`, `ropen`, and truncation's opening to server0 and server1
    /// with the result re-shared (`rmaskopen`, `rtruncfinish`). `rstore` keeps each server's two components and
    /// `rload` (with the preprocessing) brings them back: no messages, and no masked form to reuse, since a
    /// replicated product opens nothing.
    static let replicated = SharingLowering(
        input: { dst, player, name in
            if case .local = dst { return .input(dst: dst, player: player, name: name) }
            return .replicatedInput(dst: dst, player: player, name: name)
        },
        share: { .replicatedShare(dst: $0, src: $1) },
        open: { .replicatedOpen(dst: $0, src: $1) },
        product: { lowerer, kind, x, y, type in
            let c = lowerer.makePrivate(type.element, type.shape)
            lowerer.emitRound([.replicatedProduct(c: c, a: x, b: y, kind: kind.tripleKind)])
            return c
        },
        openMasked: { lowerer, x, r in
            let opened = lowerer.makePublic(.int, lowerer.shape(of: .private(x)))
            lowerer.emitRound([.replicatedMaskedOpen(dst: opened, src: x, r: r)])
            return opened
        },
        truncFinish: { .replicatedTruncFinish(dst: $0, masked: $1, high: $2, msb: $3) },
        divFinish: { .replicatedDivFinish(dst: $0, masked: $1, quotient: $2, wrap: $3, divisor: $4) },
        store: { lowerer, name, x in lowerer.emit(.replicatedStore(name: name, src: x)) },
        load: { lowerer, name, type in
            let value = lowerer.makePrivate(type.element, type.shape)
            lowerer.emitPreprocessing(.replicatedLoad(dst: value, name: name))
            return value
        })
}

extension ProtocolKind {
    /// How the protocol lowers what protocols differ in.
    var lowering: ProtocolLowering {
        switch self {
        case .pond: return .pond
        case .securenn: return .secureNN
        case .aby3: return .aby3
        }
    }
}

extension Lowerer {
    /// Reports that the program's protocol cannot lower `operation`, naming the protocol that can: `what`
    /// is the start of the message (`'relu' on private values`).
    mutating func unavailable(_ operation: PrivateOperation, _ what: String, _ checkedOperation: Operation) {
        let capable = ProtocolKind.firstComputing(operation)?.definition.displayName ?? "another protocol"
        unsupported("\(what) (it needs \(capable))", checkedOperation)
    }
}
