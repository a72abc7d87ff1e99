import Testing
import TFEBytecode
import TFECore
import TFEFrontend
@testable import TFELowering

/// The lowering's rounds stored flat (`FlatRounds`, `FlatProgram`) stand for the same rounds as `[Round]`: empty
/// rounds kept, an open round left out, and a program's rounds back unchanged; `batch-rounds` reads them as the
/// lowering left them, or as a pass that set the program as rounds left them.
struct FlatProgramTests {
    static let s0 = Register.private(PrivateRegister(0)), s1 = Register.private(PrivateRegister(1))
    static let s2 = Register.private(PrivateRegister(2))

    @Test func roundsKeepTheirBoundariesAndEmptyRounds() {
        var flat = FlatRounds()
        #expect(flat.rounds.isEmpty)
        #expect(!flat.hasOpenRound)
        flat.closeRound()  // an empty first round, as the seeds' offline round
        flat.append(.add(dst: Self.s2, lhs: Self.s0, rhs: Self.s1))
        #expect(flat.hasOpenRound)
        flat.append(.sub(dst: Self.s1, lhs: Self.s0, rhs: Self.s2))
        flat.closeRound()
        flat.append(.add(dst: Self.s0, lhs: Self.s1, rhs: Self.s1))
        #expect(flat.rounds.map(\.instructions.count) == [0, 2], "the open round is left out")
        flat.closeRound()
        let rounds = flat.rounds
        #expect(rounds.map(\.instructions.count) == [0, 2, 1])
        #expect(rounds[1].instructions == [.add(dst: Self.s2, lhs: Self.s0, rhs: Self.s1),
                                           .sub(dst: Self.s1, lhs: Self.s0, rhs: Self.s2)])
        #expect(FlatRounds(rounds) == flat)
        #expect(FlatRounds(rounds).rounds == rounds)
    }

    /// Every example program lowers to the same program through the flat form and back, and `batch-rounds`
    /// gives the same program from the lowering's flat rounds as from those rounds flattened again.
    @Test(arguments: PassTableTests.sources)
    func aLoweredProgramRoundTrips(path: String) throws {
        let checked = Frontend.check(PassTableTests.source(path),
                                     options: PassTableTests.options(path, optimize: true).check)
        try #require(!checked.diagnostics.hasErrors)
        let flat = Lowerer.lower(checked.program).program
        #expect(flat.tables.offline.isEmpty && flat.tables.online.isEmpty)
        let program = flat.program
        #expect(program.instructionCount == flat.offline.instructions.count + flat.online.instructions.count)
        #expect(program.locations.count == program.instructionCount)
        #expect(FlatProgram(program) == flat)
        #expect(FlatProgram(program).program == program)
        #expect(RoundBatcher.run(FlatProgram(program)) == RoundBatcher.run(flat))
    }

    /// What a pass sets as `program` is what the next reads, flat or not; nothing is there before `lower`.
    @Test func aCompilationGivesTheProgramInEitherForm() throws {
        let path = "programs/network-a/network-a.tfe"
        var state = Compilation(source: PassTableTests.source(path),
                                options: PassTableTests.options(path, optimize: true))
        #expect(!state.hasProgram)
        #expect(state.program == nil && state.flatProgram == nil)
        for pass in Compiler.passes where pass.name != "batch-rounds" { pass.run(&state) }
        #expect(state.hasProgram)
        let lowered = try #require(state.flatProgram)
        #expect(state.program == lowered.program)
        state.program = lowered.program
        #expect(state.flatProgram == lowered)
    }
}
