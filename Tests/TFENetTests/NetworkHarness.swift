// Networked runs inside the test process: a thread per party, each with its own TCPTransport on loopback.

import Dispatch
import Foundation
import TFEBytecode
import TFECore
import TFELowering
import TFENumPy
import TFERuntime
import Testing

@testable import TFENet

/// Compiles a `.tfe` source, failing the test on any diagnostic error.
func compile(_ text: String, name: String = "test.tfe") throws -> Program {
    let result = Compiler.compile(SourceFile(path: name, text: text))
    guard let program = result.program else {
        Issue.record("does not compile: \(result.diagnostics)")
        throw TestFailure("does not compile")
    }
    return program
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Two inputs, a matmul, a product and outputs for both players: the smallest program with every kind of
/// Pond traffic (inputs, triples and truncation pairs, opening, outputs).
let twoPlayerSource = """
    protocol pond
    player alice, bob
    x = private_input(alice, [2, 3])
    w = private_input(bob, [3, 2])
    y = x @ w
    z = y * y + 1.5
    output(alice, z)
    output(bob, y)
    """

let twoPlayerInputs: [String: [String: NPYArray]] = [
    "alice": ["x": try! NPYArray(shape: [2, 3], storage: .float64([0.5, -1.25, 2, 0.75, 3.5, -0.125]))],
    "bob": ["w": try! NPYArray(shape: [3, 2], storage: .float64([1, -0.5, 0.25, 2, -1.5, 0.125]))],
]

/// The inputs of `program`, by `PlayerID`, from inputs by player name.
func inputsByID(_ program: Program, _ named: [String: [String: NPYArray]]) -> [PlayerID: [String: NPYArray]] {
    var result: [PlayerID: [String: NPYArray]] = [:]
    for (name, inputs) in named { result[PlayerID(program.players.firstIndex(of: name)!)] = inputs }
    return result
}

/// A listener on 127.0.0.1 port 0 for every party, and the host map they make.
func loopbackListeners(_ count: Int) throws -> ([TCPListener], [HostAddress]) {
    let listeners = try (0..<count).map { _ in try TCPListener.bind(HostAddress(host: "127.0.0.1", port: 0)) }
    return (listeners, listeners.map(\.address))
}

/// A value several threads write once and the test reads after joining them.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func update(_ change: (inout Value) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        change(&value)
    }

    var current: Value {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

/// Runs `body(party)` for every party on its own thread and waits for all, at most `limit` (a test must
/// never hang); a party still running then is reported as nil.
func onThreads<T: Sendable>(_ count: Int, limit: Duration = .seconds(60), _ body: @escaping @Sendable (Int) -> T)
    -> [T?]
{
    let results = Locked<[T?]>(Array(repeating: nil, count: count))
    let group = DispatchGroup()
    for party in 0..<count {
        group.enter()
        let thread = Thread {
            let value = body(party)
            results.update { $0[party] = value }
            group.leave()
        }
        thread.start()
    }
    let seconds = Double(limit.components.seconds)
    if group.wait(timeout: .now() + seconds) == .timedOut { Issue.record("parties still running after \(limit)") }
    return results.current
}

/// What one party of a networked run ended with.
enum PartyOutcome: Sendable {
    case finished(PartyResult, Traffic)
    case cannotConnect(NetworkError)
    case failed(MachineError, elapsed: Duration)

    var result: PartyResult? {
        if case .finished(let result, _) = self { return result }
        return nil
    }

    var traffic: Traffic? {
        if case .finished(_, let traffic) = self { return traffic }
        return nil
    }

    var networkError: NetworkError? {
        if case .cannotConnect(let error) = self { return error }
        return nil
    }

    var machineError: MachineError? {
        if case .failed(let error, _) = self { return error }
        return nil
    }
}

/// Runs every party of `program` on its own thread, each over its own `TCPTransport`, as separate
/// processes would: over TLS with the test deployment's certificates, or plain TCP when `secure` is false.
/// `wrap` may replace a party's transport (to make it fail); `programs` may give a party another program.
func runNetworked(
    _ program: Program, inputs: [PlayerID: [String: NPYArray]], seed: UInt64? = nil,
    receiveTimeout: Duration = .seconds(10),
    options: TCPTransportOptions = .test(), secure: Bool = true,
    listeners prepared: [TCPListener]? = nil,
    programs: [PlayerID: Program] = [:],
    wrap: @escaping @Sendable (PlayerID, TCPTransport) -> any Transport = { $1 },
    onFinish: @escaping @Sendable (PlayerID) -> Void = { _ in }
) throws -> [PartyOutcome?] {
    let (listeners, addresses) =
        try prepared.map { ($0, $0.map(\.address)) } ?? loopbackListeners(program.players.count)
    let box = ListenerBox(listeners)
    return onThreads(program.players.count) { number in
        let party = PlayerID(number)
        defer { onFinish(party) }
        let mine = programs[party] ?? program
        let transport: TCPTransport
        do throws(NetworkError) {
            let name = mine.players[number]
            transport = try TCPTransport.connect(
                program: mine, player: party, addresses: addresses,
                options: secure ? TestCertificates.options(name, options) : options, listener: box.take(number))
        } catch {
            return .cannotConnect(error)
        }
        defer { transport.close() }
        let randomness: PRG
        if let seed {
            randomness = PRG(seed: Seed(fixed: seed), stream: UInt64(number))
        } else {
            randomness = try! MachineConfiguration.freshRandomness()
        }
        var machine = Machine(
            MachineConfiguration(
                program: mine, party: party, inputs: inputs[party] ?? [:], transport: wrap(party, transport),
                randomness: randomness, receiveTimeout: receiveTimeout))
        let start = ContinuousClock.now
        do throws(MachineError) {
            let result = try machine.run()
            transport.finish()
            return .finished(result, transport.traffic)
        } catch {
            transport.stop(after: error)
            return .failed(error, elapsed: ContinuousClock.now - start)
        }
    }
}

/// Hands each party thread its listener exactly once.
final class ListenerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var listeners: [TCPListener?]

    init(_ listeners: [TCPListener]) { self.listeners = listeners }

    func take(_ number: Int) -> TCPListener? {
        lock.lock()
        defer { lock.unlock() }
        defer { listeners[number] = nil }
        return listeners[number]
    }
}

/// A transport that behaves like `base` until it has received `receives` frames, then closes `base` (as a
/// party whose process stops) and fails.
struct StoppingTransport: Transport {
    let base: TCPTransport
    let receives: Int
    let count = Locked(0)

    var player: PlayerID { base.player }

    func send(_ frame: Frame, to receiver: PlayerID) throws(TransportError) {
        try base.send(frame, to: receiver)
    }

    func receive(from sender: PlayerID, phase: Phase, round: Int, timeout: Duration) throws(TransportError) -> Frame {
        var stop = false
        count.update {
            $0 += 1
            stop = $0 > receives
        }
        if stop {
            base.close()
            throw .closed(reason: "stopped by the test")
        }
        return try base.receive(from: sender, phase: phase, round: round, timeout: timeout)
    }
}

/// Largest absolute difference between two outputs' values.
func maxDifference(_ a: OutputValue, _ b: OutputValue) -> Double {
    zip(a.doubles, b.doubles).map { abs($0 - $1) }.max() ?? 0
}
