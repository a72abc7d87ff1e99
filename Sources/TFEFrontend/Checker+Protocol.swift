import TFECore

extension Checker {
    // MARK: - What the protocol computes privately

    /// The program's protocol.
    var secretSharing: any SecretSharingProtocol { program.protocolKind.definition }

    /// Whether the program's protocol computes `operation` on private values; when it does not, reports it
    /// at `range`, naming the first protocol that can. `what` names the operation as the message shows it
    /// (`'relu'`, `comparison '<'`).
    mutating func computesPrivately(_ operation: PrivateOperation, _ what: String, at range: SourceRange,
                                    related: [SourceRange] = [], notes: [Diagnostic.Note] = []) -> Bool {
        if secretSharing.computesPrivately(operation) { return true }
        let capable = ProtocolKind.firstComputing(operation)?.rawValue ?? "of another kind"
        report(ProtocolError.needsProtocol(operation: what, capable: capable, current: program.protocolKind.rawValue),
               at: range, related: related, notes: notes)
        return false
    }
}
