// A player's inputs are encoded as they are sent, a chunk at a time: the same ring values, whatever the file's
// dtype, as encoding the whole array as float64 up front.

import TFEBytecode
import TFECore
import TFENumPy
import Testing

@testable import TFERuntime

@Suite struct InputEncodingTests {
    typealias B = ProgramBuilder

    /// alice's fixed [4, 250] input "x" and her int [3] input "n".
    static func validated(_ x: NPYArray, frac: Int = 16) throws -> [String: ValidatedInput] {
        var b = ProgramBuilder(frac: frac)
        let (_, readX) = b.input(B.alice, "x", [4, 250])
        let (_, readN) = b.input(B.alice, "n", [3], .int)
        b.online(readX, readN)
        let program = b.program
        let machine = Machine(MachineConfiguration(
            program: program, party: B.alice,
            inputs: ["x": x, "n": try NPYArray(shape: [3], storage: .int64([-5, 0, Int64.max]))],
            transport: LocalNetwork(players: program.players).transport(for: B.alice),
            randomness: PRG(seed: Seed(fixed: 1), stream: 0)))
        return try machine.validateInputs()
    }

    /// The encoding of float64 values as the machine always defined it.
    static func reference(_ values: [Double], frac: Int) -> [UInt64] {
        values.map { UInt64(bitPattern: Int64(($0 * Double(1 << frac)).rounded())) }
    }

    @Test(arguments: [16, 24])
    func everyDtypeEncodesAsItsFloat64Values(frac: Int) throws {
        let doubles = testValues(1000, limit: 100, seed: UInt64(frac)).enumerated().map { $1 + Double($0) / 7 }
        let floats = doubles.map { Float($0) }
        let integers = doubles.map { Int32($0.rounded()) }
        let arrays: [NPYArray] = [
            try NPYArray(shape: [4, 250], storage: .float64(doubles)),
            try NPYArray(shape: [4, 250], storage: .float32(floats)),
            try NPYArray(shape: [4, 250], storage: .int32(integers)),
        ]
        for array in arrays {
            let input = try #require(try Self.validated(array, frac: frac)["x"])
            let expected = Self.reference(array.asDoubles(), frac: frac)
            #expect(input.count == 1000)
            #expect(input.encoded == expected, "\(array.dtype)")
            #expect(input.plain == array.asDoubles(), "\(array.dtype)")
            // A chunk at a time, from an offset inside the array, as `sendShares` asks.
            var chunk = [UInt64](repeating: 0, count: 300)
            chunk.withUnsafeMutableBufferPointer { input.encode(611, into: $0) }
            #expect(chunk == Array(expected[611..<911]), "\(array.dtype)")
        }
    }

    /// The encoding rounds halves away from zero, as `rounded()` does, at the edges of the input range and on
    /// the values next to every half.
    @Test func theEncodingRoundsAsRoundedDoes() {
        let scale = 65536.0, limit = 1073741824.0  // frac 16: |value| < 2^30
        var values: [Double] = [0, -0.0, limit.nextDown, -limit.nextDown, 1 / scale, -1 / scale]
        for k in [0.0, 1, 2, 3, 1000, 12345, 70_368_744_177_663] {  // up to 2^46 - 1: the scaled limit
            for half in [k + 0.5, -(k + 0.5)] {
                values += [half, half.nextUp, half.nextDown].map { $0 / scale }
            }
        }
        // Uniform doubles in [-limit, limit), with all 53 bits of fraction.
        var prg = PRG(seed: Seed(fixed: 15), stream: 0)
        for limit in [1e9, 1e3, 1e-3] {
            values += prg.nextUInt64s(count: 2000).map { (Double($0 >> 11) / 0x1p52 - 1) * limit }
        }
        for value in values {
            let expected = UInt64(bitPattern: Int64((value * scale).rounded()))
            #expect(ValidatedInput.encode(value, scale: scale) == expected, "\(value)")
        }
    }

    @Test func anIntInputKeepsItsIntegersExactly() throws {
        let x = try NPYArray(shape: [4, 250], storage: .float64(testValues(1000)))
        let input = try #require(try Self.validated(x)["n"])
        #expect(input.encoded == [UInt64(bitPattern: -5), 0, UInt64(Int64.max)])
        #expect(input.plain == [-5, 0, Double(Int64.max)])
    }
}
