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
///
/// A private value x is the sum of `ProtocolKind.definition.shareCount` additive shares x_0 + x_1 + …; each
/// server holds the shares `components` names, in that order (its register's first and second component).
/// Share 0 carries public values: adding a public p to a private x adds p to x_0 alone.
public struct ServerRole: Hashable, Sendable {
    public var server: PlayerID
    /// The additive shares this server holds of every private value, in the order its registers keep them:
    /// `[0]` for Pond's server0, `[1]` for its server1, none for a helper; `[i, i + 1 mod 3]` under ABY3.
    public var components: [Int]
    /// Takes part in the online phase (SecureNN's helper does; Pond's dealer only deals ahead of time).
    public var isOnline: Bool

    public init(_ server: PlayerID, components: [Int], isOnline: Bool) {
        self.server = server
        self.components = components
        self.isOnline = isOnline
    }

    /// Holds shares of every private value (and so computes on private and public registers).
    public var holdsShares: Bool { !components.isEmpty }

    /// server0 and server1 hold two additive shares and are online; server2 holds none and is online or
    /// only deals ahead of time.
    public static func twoSharesAndThirdServer(online: Bool) -> [ServerRole] {
        [
            ServerRole(.server0, components: [0], isOnline: true),
            ServerRole(.server1, components: [1], isOnline: true),
            ServerRole(.server2, components: [], isOnline: online),
        ]
    }

    /// ABY3's replicated sharing: x = x_0 + x_1 + x_2 and server i holds (x_i, x_(i+1 mod 3)), so any two
    /// servers hold all three shares and any one holds two uniformly random ones.
    public static let replicated: [ServerRole] = [
        ServerRole(.server0, components: [0, 1], isOnline: true),
        ServerRole(.server1, components: [1, 2], isOnline: true),
        ServerRole(.server2, components: [2, 0], isOnline: true),
    ]
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

extension SecretSharingProtocol {
    /// How many additive shares a private value is split into.
    public var shareCount: Int { Set(roles.flatMap(\.components)).count }

    /// Whether every server holding shares holds two components of each private value (replicated sharing).
    public var isReplicated: Bool { roles.contains { $0.components.count > 1 } }

    /// The role of `server`; nil for a player that is not a server.
    public func role(of server: PlayerID) -> ServerRole? {
        roles.first { $0.server == server }
    }
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

/// ABY3 (Mohassel and Rindal, CCS 2018; TF Encrypted 0.8's default): 2-out-of-3 replicated shares over
/// Z_2^64 (`ServerRole.replicated`), products as local cross terms plus a zero-sharing from pairwise seeds (one
/// round, one ring element per party per output element), exact truncation from a pair server2 deals, and
/// comparisons by arithmetic-to-binary conversion over bit-sliced boolean shares and bit injection back. It
/// computes privately everything SecureNN does.
public struct ABY3: SecretSharingProtocol {
    public init() {}

    public var displayName: String { "ABY3" }

    public var roles: [ServerRole] { ServerRole.replicated }

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
        case .aby3: return ABY3()
        }
    }

    /// The first protocol, in declaration order, that computes `operation` privately: the one an error
    /// message tells the user to declare.
    public static func firstComputing(_ operation: PrivateOperation) -> ProtocolKind? {
        allCases.first { $0.definition.computesPrivately(operation) }
    }
}
