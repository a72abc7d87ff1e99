import Foundation
import TFERuntime

/// SecureNN's PrivateCompare kernels on the seed network's count at batch 100 (51,200 elements): one compute
/// server's masked, permuted messages (its draws from the common stream, the messages, the shuffle), server2's
/// zero test and its dealing of one share of 64 bits over Z_67 an element (`PRG.fill(fieldElements:below:)`),
/// min/median/max of 15 runs each, in ns of this thread's CPU time per element (CPU time, not wall time: the other
/// helpers' load on a two-core machine deschedules the thread, which wall time would count). The messages and the
/// zero test run `MatmulKernel.selected`'s kernels: `TFE_MATMUL_KERNEL=portable` measures the portable path in the
/// same binary.
enum PrivateCompareBenchmark {
    static func run() {
        let n = 51_200, runs = 15
        var prg = PRG(seed: Seed(fixed: 7), stream: 0)
        // Bytes below 64, as shares below p are.
        let bits = prg.nextUInt64s(count: 8 * n).map { $0 & 0x3F3F_3F3F_3F3F_3F3F }
        let thresholds = prg.nextUInt64s(count: n), flips = prg.nextUInt64s(count: n)
        var d0 = [UInt8](repeating: 0, count: 64 * n), d1 = d0
        var zeros = [UInt64](repeating: 0, count: n)
        let common = PRG(seed: Seed(fixed: 9), stream: 1)
        var messageTimes: [Double] = [], zeroTimes: [Double] = [], dealingTimes: [Double] = []
        var shares = [UInt8](repeating: 0, count: 64 * n)
        for _ in 0..<runs {
            messageTimes.append(cpuTime {
                bits.withUnsafeBytes { raw in
                    d0.withUnsafeMutableBufferPointer { d in
                        PrivateCompareStep.maskedMessages(
                            count: n, bits: raw.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            thresholds: thresholds, flips: flips, greaterEqual: true, isServer0: true, common: common,
                            into: d.baseAddress!)
                    }
                }
            })
            zeroTimes.append(cpuTime {
                d0.withUnsafeBufferPointer { a in
                    d1.withUnsafeBufferPointer { b in
                        zeros.withUnsafeMutableBufferPointer { z in
                            PrivateCompareStep.zeros(count: n, a.baseAddress!, b.baseAddress!, into: z.baseAddress!)
                        }
                    }
                }
            })
            dealingTimes.append(cpuTime {
                var dealer = PRG(seed: Seed(fixed: 11), stream: 2)
                shares.withUnsafeMutableBufferPointer { dealer.fill(fieldElements: $0, below: 67) }
            })
        }
        print("privatecompare: \(n) elements, \(runs) runs, ns of CPU time per element min/median/max")
        for (name, times) in [
            ("messages (server0)", messageTimes), ("zero test (server2)", zeroTimes),
            ("Z_67 dealing (server2)", dealingTimes),
        ] {
            let sorted = times.map { $0 * 1e9 / Double(n) }.sorted()
            print(PondBenchmark.pad(name, 24)
                  + String(format: "%.1f / %.1f / %.1f", sorted[0], sorted[runs / 2], sorted[runs - 1]))
        }
        _ = zeros.reduce(0, &+)
    }

    /// The CPU time `body` takes on this thread, in seconds.
    static func cpuTime(_ body: () -> Void) -> Double {
        func now() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
        }
        let start = now()
        body()
        return now() - start
    }
}
