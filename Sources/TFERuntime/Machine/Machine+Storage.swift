// Stored private values: `mask` keys, `store` and `load` (cached models, DESIGN.md section 6).

import Foundation
import TFEBytecode
import TFECore
import TFENumPy

/// The state files a server's run wrote, kept back until every server can commit them: as the user sees it, a
/// store is all or nothing across the three servers (README, "Cached models").
///
/// Committing takes two steps. `prepare(storeID:)` writes every file, stamped with the run's store id, to a
/// synced temporary next to it, and leaves the files a `load` reads untouched. Once every server has prepared,
/// each commits (`PreparedStateWrites.commit()`), renaming its temporaries into place. When a server cannot
/// prepare, the run fails for every party and every server that did prepare discards its temporaries, so the
/// previous state stays loadable. A local run takes both steps in process; networked parties tell each other
/// through notices (`TCPTransport.agreeOnStores`).
public struct StateWrites: Sendable {
    /// The state directory.
    public let directory: String
    /// Each stored value's name and file content (its store id still unassigned).
    var files: [(name: String, value: StoredValue)] = []

    /// The stored names, in program order.
    public var names: [String] { files.map(\.name) }

    /// Writes every file to a temporary next to it (0600 from its creation, synced), stamped with `storeID`,
    /// creating the directory if needed. The files themselves are untouched until `commit()`; on failure,
    /// nothing of this store is left behind.
    public func prepare(storeID: StoreID) throws(MachineError) -> PreparedStateWrites {
        try Self.createDirectory(atPath: directory)
        var prepared = PreparedStateWrites(directory: directory, storeID: storeID)
        for (name, value) in files {
            let url = StoredValue.url(of: name, in: directory)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                // Its rename would fail: found now, before any server commits.
                prepared.discard()
                throw .storedValue("cannot store '\(name)': '\(url.path)' is a directory")
            }
            var stamped = value
            stamped.storeID = storeID
            do {
                prepared.temporaries.append((name, try FileAccess.writePrivateTemporary(stamped.encoded, for: url)))
            } catch {
                prepared.discard()
                throw .storedValue("cannot store '\(name)': \(error)")
            }
        }
        return prepared
    }

    /// Whether `program` stores values (then every party takes part in the store's commit).
    public static func stores(in program: Program) -> Bool {
        program.online.contains { $0.instructions.contains { $0.opcode == .store || $0.opcode == .replicatedStore } }
    }

    /// Checks at start that a server can keep state in `directory`: it exists or can be made (0700), and a
    /// file can be created in it (tried, not inferred from mode bits, which do not stop root).
    public static func checkDirectory(atPath directory: String) throws(MachineError) {
        try createDirectory(atPath: directory)
        let probe = URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent("probe")
        do {
            let (descriptor, path) = try FileAccess.makePrivateTemporary(for: probe)
            close(descriptor)
            unlink(path)
        } catch {
            guard case .unwritableFile(_, let reason) = error else {
                throw .storedValue("cannot write to the state directory '\(directory)': \(error)")
            }
            throw .storedValue("cannot write to the state directory '\(directory)': \(reason)")
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

/// One server's prepared store (`StateWrites.prepare(storeID:)`): temporaries waiting to replace their files.
public struct PreparedStateWrites: Sendable {
    /// The state directory.
    public let directory: String
    /// The id every file of this store carries.
    public let storeID: StoreID
    /// Each stored value's name and the temporary holding its new file.
    var temporaries: [(name: String, path: String)] = []

    /// The stored names, in program order.
    public var names: [String] { temporaries.map(\.name) }

    /// Renames every temporary over its file, each atomically (a reader sees the old file or the new one).
    /// Called once every server has prepared; a failure here (rare: the temporaries are written and synced)
    /// removes the temporaries not yet renamed, and a later `load` finds the servers' ids differ.
    public func commit() throws(MachineError) {
        for (index, (name, temporary)) in temporaries.enumerated() {
            do {
                try FileAccess.replace(StoredValue.url(of: name, in: directory), with: temporary)
            } catch {
                for later in temporaries[(index + 1)...] { unlink(later.path) }
                throw .storedValue("cannot store '\(name)': \(error)")
            }
        }
    }

    /// Removes every temporary: another server could not prepare, so this store does not happen.
    public func discard() {
        for temporary in temporaries { unlink(temporary.path) }
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

    /// The error of a server without a state directory running a program that stores or loads.
    public static func missingStateDirectory(_ server: String) -> MachineError {
        .storedValue("this program stores or loads private values, so \(server) needs a state directory (--state DIR)")
    }

    /// Reads every value the program loads before anything is sent, so a missing or mismatched file stops
    /// the run at once with a message naming it.
    mutating func readStoredValues() throws(MachineError) {
        guard program.usesStoredValues, me == .server0 || me == .server1 || me == .server2 else { return }
        guard let directory = configuration.stateDirectory else { throw Self.missingStateDirectory(name(me)) }
        for round in program.offline {
            for instruction in round.instructions {
                guard let storedName = Program.loadedName(instruction),
                    case .private(let register)? = instruction.destinations.first
                else { continue }
                loadedValues[storedName] = try readStoredValue(storedName, like: register, from: directory)
            }
        }
    }

    /// Whether values stored under `stored` load under `loading`: the servers hold the same shares of a value
    /// (Pond's and SecureNN's two additive shares alike; ABY3's replicated components only under ABY3).
    static func storesAlike(_ stored: ProtocolKind, _ loading: ProtocolKind) -> Bool {
        stored.definition.roles.map(\.components) == loading.definition.roles.map(\.components)
    }

    private func readStoredValue(
        _ storedName: String, like register: PrivateRegister, from directory: String
    ) throws(MachineError) -> StoredValue {
        let url = StoredValue.url(of: storedName, in: directory)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .storedValue(
                "\(name(me)) has no stored value '\(storedName)' in '\(directory)' (run a program that calls "
                    + "store(\"\(storedName)\", ...) with this state directory first)")
        }
        let stored = try Self.cachedStoredValue(storedName, at: url)
        guard Self.storesAlike(stored.protocolKind, program.protocolKind) else {
            let (then, now) = (stored.protocolKind.rawValue, program.protocolKind.rawValue)
            throw .storedValue(
                "stored value '\(storedName)' was stored under protocol '\(then)', which this program's protocol "
                    + "'\(now)' cannot load (run the program that stores it again under protocol '\(now)')")
        }
        let info = program.info(.private(register))
        let count = info.shape.elementCount ?? 0
        let expectedKeys = replicated ? 0 : me == .server2 ? 2 : 1
        let expectedOpened = replicated || me == .server2 ? 0 : count
        let expectedComponents = replicated ? [count, count] : []
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
        guard stored.opened.count == expectedOpened, stored.components.map(\.count) == expectedComponents else {
            let held = stored.opened.count + stored.components.reduce(0) { $0 + $1.count }
            let expected = expectedOpened + expectedComponents.reduce(0, +)
            throw .storedValue("stored value file '\(url.path)' holds \(held) elements, "
                + "its shape \(stored.shape) needs \(expected)")
        }
        return stored
    }

    /// A state file's value, from `StoredValueCache` while the file is unchanged.
    static func cachedStoredValue(_ storedName: String, at url: URL) throws(MachineError) -> StoredValue {
        let stamp = StoredValueCache.stamp(of: url)
        if let stamp, let cached = StoredValueCache.shared.value(at: url, stamp: stamp) { return cached }
        let stored = try decodeStoredValue(storedName, at: url)
        if let stamp { StoredValueCache.shared.insert(stored, at: url, stamp: stamp) }
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
        let info = program.info(.private(mask))
        let values = me == .server2 ? [] : try ring(.public(opened), at: index)
        let stored = StoredValue(
            protocolKind: program.protocolKind, party: me, element: info.element,
            fractionalBits: program.fractionalBits, shape: info.shape, keys: keys, opened: values)
        try keep(stored, as: storedName)
    }

    /// `rload`: this server's two components, as `rstore` kept them.
    mutating func executeReplicatedLoad(_ dst: PrivateRegister, name storedName: String, index: Int)
        throws(MachineError)
    {
        guard let stored = loadedValues[storedName], stored.components.count == 2 else {
            throw .invalidProgram(instruction: index, reason: "stored value '\(storedName)' was not read")
        }
        try storeComponents(stored.components[0], stored.components[1], into: dst, at: index)
    }

    /// `rstore`: keeps this server's two components for the end of the run. They are fresh shares already (an
    /// input's from the owner's seeds, a product's and a truncation's re-shared from the servers' seeds), so
    /// writing them needs no message and tells no server more than it held.
    mutating func executeReplicatedStore(name storedName: String, _ src: PrivateRegister, index: Int)
        throws(MachineError)
    {
        let (first, second) = try components(src, at: index)
        let info = program.info(.private(src))
        let stored = StoredValue(
            protocolKind: program.protocolKind, party: me, element: info.element,
            fractionalBits: program.fractionalBits, shape: info.shape, components: [first, second])
        try keep(stored, as: storedName)
    }

    /// Adds a file to the writes committed once the run has succeeded.
    private mutating func keep(_ stored: StoredValue, as storedName: String) throws(MachineError) {
        guard let directory = configuration.stateDirectory else {
            throw .storedValue(
                "this program stores private values, so \(name(me)) needs a state directory (--state DIR)")
        }
        if result.stateWrites == nil { result.stateWrites = StateWrites(directory: directory) }
        result.stateWrites?.files.append((storedName, stored))
    }
}
