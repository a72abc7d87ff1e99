/// An index into one kind of table, typed by a tag so that indices of different kinds cannot be mixed.
public struct TypedIndex<Tag>: Hashable, Comparable, Sendable {
    public let rawValue: Int

    public init(_ rawValue: Int) {
        self.rawValue = rawValue
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Tag for `PlayerID`.
public enum PlayerTag {}

/// A player in a program's player table. Servers come first: `server0`, `server1`, `server2`.
public typealias PlayerID = TypedIndex<PlayerTag>

extension PlayerID {
    public static let server0 = PlayerID(0)
    public static let server1 = PlayerID(1)
    public static let server2 = PlayerID(2)
    /// The three compute servers, always present and never declared.
    public static let serverNames = ["server0", "server1", "server2"]

    /// Whether this is one of the three servers (the first entries of every player table).
    public var isServer: Bool { rawValue >= 0 && rawValue < Self.serverNames.count }
}
