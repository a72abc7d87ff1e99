/// One problem found in a program, with its location and context notes.
///
/// A diagnostic is built from a phase's kind enum (`ParseError`, `ShapeError`, ...): the kind supplies the
/// wording and a stable name that tests assert on; the diagnostic keeps both so it can be compared and
/// rendered without knowing the phase.
public struct Diagnostic: Hashable, Sendable {
    /// How bad a diagnostic is.
    public enum Severity: String, Hashable, Sendable {
        case error, warning, note
    }

    /// A `note:` line attached to a diagnostic, optionally pointing at source.
    public struct Note: Hashable, Sendable {
        public var message: String
        public var range: SourceRange?

        public init(_ message: String, at range: SourceRange? = nil) {
            self.message = message
            self.range = range
        }
    }

    public var severity: Severity
    /// The kind's case name, e.g. `matmulShapeMismatch`: stable across wording changes.
    public var kind: String
    public var message: String
    /// The primary range: the caret goes under its first character.
    public var range: SourceRange
    /// Further ranges underlined with `~` (for example both operands of a mismatch).
    public var related: [SourceRange]
    public var notes: [Note]

    public init(
        severity: Severity, kind: String, message: String, range: SourceRange,
        related: [SourceRange] = [], notes: [Note] = []
    ) {
        self.severity = severity
        self.kind = kind
        self.message = message
        self.range = range
        self.related = related
        self.notes = notes
    }

    public init(_ kind: some DiagnosticKind, at range: SourceRange, related: [SourceRange] = [], notes: [Note] = []) {
        self.init(
            severity: kind.severity, kind: kind.name, message: kind.message, range: range,
            related: related, notes: notes)
    }
}

/// A phase's enum of problems. Each case's wording lives in one `message` switch.
public protocol DiagnosticKind: Sendable {
    var message: String { get }
    var severity: Diagnostic.Severity { get }
}

extension DiagnosticKind {
    public var severity: Diagnostic.Severity { .error }

    /// The case name without its payload: `wrongArgumentCount(...)` gives `wrongArgumentCount`.
    public var name: String {
        let described = String(describing: self)
        if let paren = described.firstIndex(of: "(") { return String(described[..<paren]) }
        return described
    }
}

/// The problems collected by one run of the compiler, in the order they were found. Identical reports (a
/// loop body checked once per iteration, a function inlined at several calls, a name checked by two passes)
/// are kept once: the first, with its notes.
public struct Diagnostics: Sendable {
    public private(set) var all: [Diagnostic] = []
    private var seen = Set<Key>()

    /// What makes two reports the same problem (notes may differ, e.g. the call site of an inlined body).
    private struct Key: Hashable {
        var severity: Diagnostic.Severity
        var kind: String
        var message: String
        var range: SourceRange
    }

    public init() {}

    public mutating func append(_ diagnostic: Diagnostic) {
        let key = Key(severity: diagnostic.severity, kind: diagnostic.kind, message: diagnostic.message,
                      range: diagnostic.range)
        if seen.insert(key).inserted { all.append(diagnostic) }
    }

    public mutating func append(_ kind: some DiagnosticKind, at range: SourceRange,
                                related: [SourceRange] = [], notes: [Diagnostic.Note] = []) {
        append(Diagnostic(kind, at: range, related: related, notes: notes))
    }

    public var hasErrors: Bool { all.contains { $0.severity == .error } }
    public var errorCount: Int { all.count { $0.severity == .error } }

    /// One diagnostic per problem, sorted by position (ties keep the order they were found in).
    public var sorted: [Diagnostic] {
        all.enumerated().sorted { lhs, rhs in
            if lhs.element.range.start != rhs.element.range.start {
                return lhs.element.range.start < rhs.element.range.start
            }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }
}
