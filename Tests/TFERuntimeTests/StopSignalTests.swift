// The stop signal: a machine whose transport says the run cannot succeed stops before its next instruction,
// and a large product stops between blocks instead of finishing.

import Foundation
import TFEBytecode
import TFECore
import Testing

@testable import TFERuntime

/// A transport that never delivers, whose stop signal is already raised.
struct StoppedTransport: Transport {
    let player: PlayerID
    let signal: StopSignal

    var stopSignal: StopSignal? { signal }

    func send(_ frame: Frame, to receiver: PlayerID) throws(TransportError) {}

    func receive(from sender: PlayerID, phase: Phase, round: Int, timeout: Duration) throws(TransportError) -> Frame {
        throw .timedOut(peer: "anyone", phase: phase, round: round, seconds: 0)
    }
}

@Suite struct StopSignalTests {
    @Test func aRaisedSignalStopsTheMachineBeforeItsFirstInstruction() throws {
        let signal = StopSignal()
        signal.raise(.disconnected(peer: "server1"))
        signal.raise(.closed(reason: "a later reason"))  // the first stays
        let program = MachineFailureTests.program()
        var machine = Machine(MachineConfiguration(
            program: program, party: .server0, transport: StoppedTransport(player: .server0, signal: signal),
            randomness: PRG(seed: Seed(fixed: 1), stream: 0)))
        #expect(throws: MachineError.transport(.disconnected(peer: "server1"))) { try machine.run() }
    }

    /// With the signal raised on the calling thread, a product large enough to use the blocked kernel returns
    /// without computing every block; without it, the same product is complete.
    @Test func aLargeProductStopsBetweenBlocks() {
        let m = 64, k = 4096, n = 512
        let a = [UInt64](repeating: 1, count: m * k), b = [UInt64](repeating: 1, count: k * n)
        let full = RingKernels.matmul(a, b, m: m, k: k, n: n)
        #expect(full.allSatisfy { $0 == UInt64(k) })
        let signal = StopSignal()
        signal.raise(.closed(reason: "stop"))
        StopSignal.current = signal
        defer { StopSignal.current = nil }
        let stopped = RingKernels.matmul(a, b, m: m, k: k, n: n)
        #expect(stopped != full)
    }
}
