// An in-process driver of all three parties of a replicated protocol, for tests and benchmarks.

/// What one run of the three parties sent, as `ReplicatedLocalRun` observed it.
public struct ReplicatedTranscript: Sendable {
    /// `wordsSent[r][i]`: words party i sent in round r.
    public var wordsSent: [[Int]] = []
    /// `messages[r][i]`: party i's message in round r, when the run recorded them.
    public var messages: [[[UInt64]]] = []

    /// Rounds run.
    public var rounds: Int { wordsSent.count }

    /// Bytes each party sent, or nil when the parties sent different amounts.
    public var bytesPerParty: Int? {
        let perParty = (0..<3).map { party in wordsSent.reduce(0) { $0 + $1[party] } }
        return perParty.allSatisfy { $0 == perParty[0] } ? 8 * perParty[0] : nil
    }

    /// Whether every party sent what `cost` predicts in every round.
    public func matches(_ cost: ReplicatedCost) -> Bool {
        wordsSent == cost.wordsPerRound.map { [$0, $0, $0] }
    }
}

/// Runs the three parties of a replicated protocol in one thread, round by round: every party begins, each
/// message moves one step back round the ring (party i's to party i − 1), and every party finishes. The machine
/// drives the same steps over its transport; this driver serves tests and benchmarks.
public enum ReplicatedLocalRun {
    /// More rounds than any protocol here takes: a run that has not finished by then is a bug.
    static let roundLimit = 1_000

    /// The three outputs and what was sent. `parties[i]` and `zeros[i]` are party i's.
    public static func run<Run: ReplicatedRounds>(
        _ parties: [Run], zeros: inout [ReplicatedZeroSharing], recordingMessages: Bool = false
    ) -> (outputs: [Run.Output], transcript: ReplicatedTranscript) {
        precondition(parties.count == 3 && zeros.count == 3, "three parties")
        precondition((0..<3).allSatisfy { zeros[$0].party == $0 }, "party i's streams are zeros[i]")
        var parties = parties
        var transcript = ReplicatedTranscript()
        while parties.contains(where: { $0.output == nil }) {
            precondition(transcript.rounds < roundLimit, "a replicated protocol did not finish")
            let messages = (0..<3).map { parties[$0].begin(&zeros[$0]) }
            for party in 0..<3 { parties[party].finish(messages[(party + 1) % 3]) }
            transcript.wordsSent.append(messages.map(\.count))
            if recordingMessages { transcript.messages.append(messages) }
        }
        return (parties.map { $0.output! }, transcript)
    }
}
