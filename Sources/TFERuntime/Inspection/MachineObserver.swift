// A debugging hook: something that watches every instruction a machine completes (`--check-ranges`).

import TFEBytecode
import TFECore

/// Watches runs instruction by instruction, for debugging: `tfe-vm run --check-ranges` reconstructs private
/// values from server0's and server1's shares with one. Only a local run, where every party is in one process,
/// can have one; a deployment never does, since no party may see both shares.
///
/// A machine with an observer calls it after each instruction it completed (a local one once executed, a
/// communicating one once finished), before it frees the registers the instruction read for the last time. A
/// machine without one pays a nil check per instruction.
public protocol MachineObserver: AnyObject, Sendable {
    /// `party` completed instruction `index` (as in `Program.locations`); `registers` are its own. Called from
    /// the party's thread, so parties call concurrently. Throwing stops that party's run with the error.
    func machine(_ party: PlayerID, completed index: Int, registers: RegisterView) throws(MachineError)
}

/// Read access to one party's registers, for a `MachineObserver`. Values are shared with the machine, not
/// copied: keeping one costs nothing until the machine frees or overwrites its register.
public struct RegisterView {
    let file: RegisterFile

    init(_ file: RegisterFile) {
        self.file = file
    }

    /// This party's share of a private register; nil when it holds none (not written yet, or freed).
    public func share(_ register: PrivateRegister) -> [UInt64]? {
        file.privates.indices.contains(register.rawValue) ? file.privates[register.rawValue] : nil
    }

    /// The value of a public register (server0 and server1 hold the same); nil when this party holds none.
    public func value(_ register: PublicRegister) -> [UInt64]? {
        file.publics.indices.contains(register.rawValue) ? file.publics[register.rawValue] : nil
    }
}
