// Telling a party's machine to stop before its next receive: a peer failed or left without finishing.

import Foundation

/// Raised by a transport when the run cannot succeed any more (a peer's abort notice, or a peer whose connection
/// ended before it said it had finished). The machine looks at it before every instruction, and long kernels
/// between blocks of work, so a party stops within a fraction of a second of learning it instead of at its
/// next receive, which a large product can put seconds away.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var first: TransportError?

    public init() {}

    /// Raises the signal; the first error stays.
    public func raise(_ error: TransportError) {
        lock.lock()
        defer { lock.unlock() }
        if first == nil { first = error }
    }

    /// Why the run must stop, once raised.
    public var error: TransportError? {
        lock.lock()
        defer { lock.unlock() }
        return first
    }

    public var isRaised: Bool { error != nil }

    private static let key = "tfe.StopSignal"

    /// The signal of the machine running on this thread, for kernels deep below it (`MatmulDriver`).
    static var current: StopSignal? {
        get { Thread.current.threadDictionary[key] as? StopSignal }
        set { Thread.current.threadDictionary[key] = newValue }
    }
}
