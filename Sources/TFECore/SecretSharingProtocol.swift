/// An operation on private values that some protocols compute and others cannot. Everything else on private
/// values (linear algebra, products, truncation, constant division, the polynomial approximations) every
/// protocol computes.
public enum PrivateOperation: Hashable, Sendable, CaseIterable {
    /// Exact `relu`.
    case relu
    /// `relu_deriv`.
    case reluDerivative
    /// `<`, `<=`, `>`, `>=`, `==`, `!=`.
    case comparison
    /// `where(c, a, b)`.
    case select
    case argmax
    case maxPool
    case maxPoolGradient
    /// `a / b` with a private `b`.
    case divisionByPrivate
}

/// What one compute server does in a protocol.
public struct ServerRole: Hashable, Sendable {
    public var server: PlayerID
    /// Holds one additive share of every private value.
    public var holdsShares: Bool
    /// Takes part in the online phase (SecureNN's helper does; Pond's dealer only deals ahead of time).
    public var isOnline: Bool

    public init(_ server: PlayerID, holdsShares: Bool, isOnline: Bool) {
        self.server = server
        self.holdsShares = holdsShares
        self.isOnline = isOnline
    }

    /// server0 and server1 hold two additive shares and are online; server2 holds none and is online or
    /// only deals ahead of time.
    public static func twoSharesAndThirdServer(online: Bool) -> [ServerRole] {
        [
            ServerRole(.server0, holdsShares: true, isOnline: true),
            ServerRole(.server1, holdsShares: true, isOnline: true),
            ServerRole(.server2, holdsShares: false, isOnline: online),
        ]
    }
}

/// A secret-sharing protocol's one home for what the compiler asks about it: its servers' roles and which
/// private operations it computes. The checker asks it (and names, when it cannot, the first protocol that
/// can); lowering finds how each operation lowers in the protocol's `ProtocolLowering` (TFELowering). Adding a
/// protocol is a `ProtocolKind` case, a type conforming to this, and its lowering; the compiler then lists
/// the switches over `ProtocolKind` that must name it.
public protocol SecretSharingProtocol: Sendable {
    /// Its name in lowering messages: `SecureNN`.
    var displayName: String { get }
    /// server0, server1 and server2, in order.
    var roles: [ServerRole] { get }
    /// Whether it computes `operation` on private values.
    func computesPrivately(_ operation: PrivateOperation) -> Bool
}

/// Pond (TF Encrypted's default): two additive shares, Beaver products with triples server2 deals offline,
/// exact truncation. No comparisons: everything non-linear is a polynomial approximation.
public struct Pond: SecretSharingProtocol {
    public init() {}

    public var displayName: String { "Pond" }

    public var roles: [ServerRole] { ServerRole.twoSharesAndThirdServer(online: false) }

    public func computesPrivately(_ operation: PrivateOperation) -> Bool {
        switch operation {
        case .relu, .reluDerivative, .comparison, .select, .argmax, .maxPool, .maxPoolGradient, .divisionByPrivate:
            return false
        }
    }
}

/// SecureNN (Wagh, Gupta, Chandran, PETS 2019) on top of Pond's sharing and products: server2 is an online
/// helper for PrivateCompare, ShareConvert and ComputeMSB, which give exact comparisons and everything built
/// on them.
public struct SecureNN: SecretSharingProtocol {
    public init() {}

    public var displayName: String { "SecureNN" }

    public var roles: [ServerRole] { ServerRole.twoSharesAndThirdServer(online: true) }

    public func computesPrivately(_ operation: PrivateOperation) -> Bool {
        switch operation {
        case .relu, .reluDerivative, .comparison, .select, .argmax, .maxPool, .maxPoolGradient, .divisionByPrivate:
            return true
        }
    }
}

extension ProtocolKind {
    /// The protocol's definition.
    public var definition: any SecretSharingProtocol {
        switch self {
        case .pond: return Pond()
        case .securenn: return SecureNN()
        }
    }

    /// The first protocol, in declaration order, that computes `operation` privately: the one an error
    /// message tells the user to declare.
    public static func firstComputing(_ operation: PrivateOperation) -> ProtocolKind? {
        allCases.first { $0.definition.computesPrivately(operation) }
    }
}
