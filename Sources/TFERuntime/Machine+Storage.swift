// Stored private values: `mask` keys, `store` and `load` (cached models, DESIGN.md section 6).

import Foundation
import TFEBytecode
import TFECore

/// The state files a party's run wrote, kept back until the caller commits them: a local run commits every
/// party's files only when all parties succeeded, a networked party when its own run did.
public struct StateWrites: Sendable {
    /// The state directory.
    public let directory: String
    /// Each file's name and bytes.
    var files: [(name: String, bytes: [UInt8])] = []

    /// The stored names, in program order.
    public var names: [String] { files.map(\.name) }

    /// Writes every file, each atomically (a reader sees the old file or the new one, never half of one), and
    /// readable by this user only from its creation, as the directory it creates: a file holds no secret
    /// alone, but it is this server's part of one.
    public func commit() throws(MachineError) {
        try commit(beforeRename: { _ in })
    }

    /// `commit()`, showing each temporary to `beforeRename` just before it replaces its file.
    func commit(beforeRename: (String) -> Void) throws(MachineError) {
        guard !files.isEmpty else { return }
        try Self.createDirectory(atPath: directory)
        for (name, bytes) in files {
            do {
                try FileAccess.writePrivately(
                    bytes, to: StoredValue.url(of: name, in: directory), beforeRename: beforeRename)
            } catch {
                throw .storedValue("cannot store '\(name)': \(error)")
            }
        }
    }

    /// Creates a state directory and its missing parents with mode 0700 from their creation; one that
    /// exists is left as it is. For callers that prepare the directory before a run.
    public static func createDirectory(atPath directory: String) throws(MachineError) {
        do {
            try FileAccess.makePrivateDirectory(atPath: directory)
        } catch {
            guard case .unwritableFile(let path, let reason) = error else {
                throw .storedValue("cannot create the state directory '\(directory)': \(error)")
            }
            let place = path == directory ? "" : " ('\(path)')"
            throw .storedValue("cannot create the state directory '\(directory)'\(place): \(reason)")
        }
    }
}

extension Machine {
    // MARK: - Mask keys

    /// A mask's share is expanded from a key of its own, drawn from stream `index` of the seed its holder
    /// shares with server2, so that `store` can keep the key of one mask without the seed of the whole run.
    static func maskKey(seed: Seed, index: Int) -> Seed {
        var prg = PRG(seed: seed, stream: UInt64(index))
        return prg.nextSeed()
    }

    static func maskShare(key: Seed, count: Int) -> [UInt64] {
        var prg = PRG(seed: key, stream: 0)
        return prg.nextUInt64s(count: count)
    }

    /// server2: both shares of a mask, and its value. The second share is added into the first a chunk at a
    /// time as it is drawn, so a large mask costs no further arrays.
    static func mask(keys: [Seed], count: Int) -> [UInt64] {
        var sum = maskShare(key: keys[0], count: count)
        var prg = PRG(seed: keys[1], stream: 0)
        prg.addWords(into: &sum)
        return sum
    }

    // MARK: - Checks before the run

    /// Reads every value the program loads before anything is sent, so a missing or mismatched file stops
    /// the run at once with a message naming it.
    mutating func readStoredValues() throws(MachineError) {
        guard program.usesStoredValues, me == .server0 || me == .server1 || me == .server2 else { return }
        guard let directory = configuration.stateDirectory else {
            throw .storedValue(
                "this program stores or loads private values, so \(name(me)) needs a state directory (--state DIR)")
        }
        for round in program.offline {
            for case .load(let mask, _, let storedName) in round.instructions {
                loadedValues[storedName] = try readStoredValue(storedName, like: mask, from: directory)
            }
        }
    }

    private func readStoredValue(
        _ storedName: String, like mask: PrivateRegister, from directory: String
    ) throws(MachineError) -> StoredValue {
        let url = StoredValue.url(of: storedName, in: directory)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .storedValue(
                "\(name(me)) has no stored value '\(storedName)' in '\(directory)' (run a program that calls "
                    + "store(\"\(storedName)\", ...) with this state directory first)")
        }
        let stored: StoredValue
        let stamp = StoredValueCache.stamp(of: url)
        if let stamp, let cached = StoredValueCache.shared.value(at: url, stamp: stamp) {
            stored = cached
        } else {
            stored = try Self.decodeStoredValue(storedName, at: url)
            if let stamp { StoredValueCache.shared.insert(stored, at: url, stamp: stamp) }
        }
        let info = program.info(.private(mask))
        let expectedKeys = me == .server2 ? 2 : 1
        let expectedOpened = me == .server2 ? 0 : info.shape.elementCount ?? 0
        guard stored.party == me, stored.keys.count == expectedKeys else {
            throw .storedValue(
                "stored value file '\(url.path)' belongs to \(name(stored.party)), not \(name(me))")
        }
        guard stored.shape == info.shape else {
            throw .storedValue(
                "stored value '\(storedName)' has shape \(stored.shape), but the program loads it as \(info.shape)")
        }
        guard stored.element == info.element else {
            throw .storedValue(
                "stored value '\(storedName)' holds '\(stored.element.rawValue)' elements, but the program loads "
                    + "'\(info.element.rawValue)'")
        }
        guard stored.fractionalBits == program.fractionalBits || stored.element == .int else {
            throw .storedValue(
                "stored value '\(storedName)' has \(stored.fractionalBits) fractional bits, the program uses "
                    + "\(program.fractionalBits)")
        }
        guard stored.opened.count == expectedOpened else {
            throw .storedValue("stored value file '\(url.path)' holds \(stored.opened.count) elements, "
                + "its shape \(stored.shape) has \(expectedOpened)")
        }
        return stored
    }

    /// Reads and checks a state file.
    private static func decodeStoredValue(_ storedName: String, at url: URL) throws(MachineError) -> StoredValue {
        do {
            return try StoredValue(decoding: [UInt8](FileAccess.contents(of: url)))
        } catch let error as StoredValueError {
            guard case .corrupted(let reason) = error else { fatalError("unreachable") }
            throw .storedValue("stored value file '\(url.path)' is unusable: \(reason)")
        } catch {
            throw .storedValue("cannot read stored value '\(storedName)': \(error)")
        }
    }

    // MARK: - Instructions

    /// `load`: the mask's shares from the stored keys, the opened difference as it was stored.
    mutating func executeLoad(
        _ mask: PrivateRegister, _ opened: PublicRegister, name storedName: String, index: Int
    ) throws(MachineError) {
        guard me == .server0 || me == .server1 || me == .server2 else { return }
        guard let stored = loadedValues[storedName] else {
            throw .invalidProgram(instruction: index, reason: "stored value '\(storedName)' was not read")
        }
        maskKeys[mask] = stored.keys
        let count = self.count(.private(mask))
        if me == .server2 {
            if liveness.lastDealerUse[mask] != nil { dealtMasks[mask] = Self.mask(keys: stored.keys, count: count) }
            return
        }
        try store(Self.maskShare(key: stored.keys[0], count: count), into: .private(mask), at: index)
        try store(stored.opened, into: .public(opened), at: index)
    }

    /// `store`: keeps the masked form for the end of the run.
    mutating func executeStore(
        name storedName: String, _ mask: PrivateRegister, _ opened: PublicRegister, index: Int
    ) throws(MachineError) {
        guard let keys = maskKeys[mask] else {
            throw .invalidProgram(
                instruction: index, reason: "'store' of \(Register.private(mask)), which no 'mask' or 'load' wrote")
        }
        guard let directory = configuration.stateDirectory else {
            throw .storedValue("this program stores private values, so \(name(me)) needs a state directory (--state DIR)")
        }
        let info = program.info(.private(mask))
        let values = me == .server2 ? [] : try ring(.public(opened), at: index)
        let stored = StoredValue(
            party: me, element: info.element, fractionalBits: program.fractionalBits, shape: info.shape, keys: keys,
            opened: values)
        if result.stateWrites == nil { result.stateWrites = StateWrites(directory: directory) }
        result.stateWrites?.files.append((storedName, stored.encoded))
    }
}
