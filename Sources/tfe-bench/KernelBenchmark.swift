import Foundation
import TFERuntime

/// The ring and Double matmul micro-kernels this CPU runs (portable, and AVX-512 when supported), side by side on
/// the products the networks make: G multiply-adds per second, min/median/max of alternating runs.
enum KernelBenchmark {
    /// (name, m, k, n): the products of the seed network and Network C's layers, and a batch-1 dense layer.
    static let shapes: [(String, Int, Int, Int)] = [
        ("seed dense 1, batch 100", 100, 784, 512),
        ("seed dense 2, batch 100", 100, 512, 10),
        ("batch-1 dense (thin)", 1, 784, 512),
        ("Network C conv 2, batch 1", 64, 500, 50),
        ("Network C conv 1, batch 128", 73_728, 25, 20),
        ("square 512", 512, 512, 512),
    ]

    static func run(arguments: [String]) {
        let runs = BenchmarkArguments.runs(in: arguments, default: 7)
        let kernels = MatmulKernel.allCases.filter(\.isSupported)
        print("kernels: matmul micro-kernels, G multiply-adds/s (min/median/max of \(runs) runs, kernels alternating);")
        print("selected: \(MatmulKernel.selected.rawValue); supported here: "
              + kernels.map(\.rawValue).joined(separator: ", "))
        let threadCounts = Array(Set([1, RingKernels.defaultThreadCount])).sorted()
        for (name, m, k, n) in shapes {
            var prg = PRG(seed: Seed(fixed: 2), stream: 0)
            let a = prg.nextUInt64s(count: m * k), b = prg.nextUInt64s(count: k * n)
            let da = a.map { Double($0 % 1000) / 1000 }, db = b.map { Double($0 % 1000) / 1000 }
            let work = Double(m * k * n)
            print("\n\(name): \(m)x\(k) · \(k)x\(n) (\(String(format: "%.1f", work / 1e6)) M multiply-adds)")
            for threads in threadCounts {
                var ring: [MatmulKernel: [Double]] = [:], double: [MatmulKernel: [Double]] = [:]
                var ringResults: [MatmulKernel: [UInt64]] = [:]
                for _ in 0..<runs {
                    for kernel in kernels {
                        let clock = ContinuousClock()
                        var c: [UInt64] = []
                        let t = clock.measure {
                            c = RingKernels.matmul(a, b, m: m, k: k, n: n, maxThreads: threads, kernel: kernel)
                        }
                        ring[kernel, default: []].append(work / t.inSeconds / 1e9)
                        ringResults[kernel] = c
                        let d = clock.measure {
                            _ = DoubleKernels.matmul(da, db, m: m, k: k, n: n, maxThreads: threads, kernel: kernel)
                        }
                        double[kernel, default: []].append(work / d.inSeconds / 1e9)
                    }
                }
                let agree = Set(ringResults.values).count <= 1
                for kernel in kernels {
                    print("  \(threads) thread\(threads == 1 ? " " : "s") \(pad(kernel.rawValue, 9))"
                          + "ring \(summary(ring[kernel]!))   double \(summary(double[kernel]!))"
                          + (agree ? "" : "   RING RESULTS DIFFER"))
                }
                if kernels.count == 2 {
                    let ratio = median(ring[.avx512]!) / median(ring[.portable]!)
                    let doubleRatio = median(double[.avx512]!) / median(double[.portable]!)
                    print("  \(threads) thread\(threads == 1 ? " " : "s") avx512/portable: ring "
                          + String(format: "%.2f", ratio) + "x, double " + String(format: "%.2f", doubleRatio) + "x")
                }
            }
        }
    }

    static func summary(_ values: [Double]) -> String {
        let sorted = values.sorted()
        return String(format: "%6.2f / %6.2f / %6.2f", sorted.first!, median(values), sorted.last!)
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
