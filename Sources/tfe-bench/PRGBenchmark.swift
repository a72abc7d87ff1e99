import COpenSSL
import Foundation
import TFERuntime

/// The PRG's keystream: GB/s of `PRG.fill` by draw size, ns per word of `next()`, ns per value of a byte draw
/// below 67, and, for reference in the same run, OpenSSL's raw AES-128-CTR, AES-256-CTR and ChaCha20 (a fresh
/// context per 64 KB call). Min/median/max over `runs` runs of this thread's CPU time. Every draw writes into
/// one 256 KB buffer, which stays in cache, so that the figures are the generator's and not memory's.
enum PRGBenchmark {
    static func run(arguments: [String]) {
        let runs = BenchmarkArguments.runs(in: arguments, default: 9)
        let totalBytes = 32 << 20, bufferBytes = 256 << 10
        print("prg: \(runs) runs of \(totalBytes >> 20) MB each, CPU time; min/median/max")
        var words = [UInt64](repeating: 0, count: bufferBytes / 8)
        for drawBytes in [64, 256, 1024, 4096, 65536, bufferBytes] {
            var prg = PRG(seed: Seed(fixed: 3), stream: 0)
            let rates = (0..<runs).map { _ in
                let seconds = PrivateCompareBenchmark.cpuTime {
                    words.withUnsafeMutableBufferPointer { all in
                        for _ in 0..<(totalBytes / bufferBytes) {
                            var start = 0
                            while start < all.count {
                                prg.fill(UnsafeMutableBufferPointer(rebasing: all[start..<(start + drawBytes / 8)]))
                                start += drawBytes / 8
                            }
                        }
                    }
                }
                return Double(totalBytes) / seconds / 1e9
            }
            print(PondBenchmark.pad("PRG.fill \(drawBytes) B", 28) + summary(rates, unit: "GB/s"))
        }
        var prg = PRG(seed: Seed(fixed: 4), stream: 0)
        let wordCount = 4 << 20
        var sink: UInt64 = 0
        let nextTimes = (0..<runs).map { _ in
            PrivateCompareBenchmark.cpuTime {
                for _ in 0..<wordCount { sink &+= prg.next() }
            } * 1e9 / Double(wordCount)
        }
        print(PondBenchmark.pad("PRG.next", 28) + summary(nextTimes, unit: "ns/word"))
        var bytes = [UInt8](repeating: 0, count: bufferBytes)
        let byteTimes = (0..<runs).map { _ in
            PrivateCompareBenchmark.cpuTime {
                bytes.withUnsafeMutableBufferPointer { prg.fill(bytes: $0, below: 67) }
            } * 1e9 / Double(bytes.count)
        }
        print(PondBenchmark.pad("PRG.fill(bytes:) < 67", 28) + summary(byteTimes, unit: "ns/value"))
        for name in ["AES-128-CTR", "AES-256-CTR", "ChaCha20"] {
            let rates = (0..<runs).map { _ in
                Double(totalBytes) / rawCipherSeconds(name, into: &words, totalBytes: totalBytes) / 1e9
            }
            print(PondBenchmark.pad("OpenSSL \(name), 64 KB", 28) + summary(rates, unit: "GB/s"))
        }
        print("(checksum \(sink &+ words.reduce(0, &+) &+ UInt64(bytes.reduce(0) { $0 &+ Int($1) })))")
    }

    /// The CPU time of encrypting 32 MB of zeros into `words` (over and over), 64 KB a call, each call with a
    /// fresh context.
    static func rawCipherSeconds(_ name: String, into words: inout [UInt64], totalBytes: Int) -> Double {
        guard let cipher = EVP_CIPHER_fetch(nil, name, nil) else { return .nan }
        defer { EVP_CIPHER_free(cipher) }
        let zeros = [UInt8](repeating: 0, count: 64 << 10), key = [UInt8](repeating: 7, count: 32)
        let iv = [UInt8](repeating: 0, count: 16)
        return PrivateCompareBenchmark.cpuTime {
            words.withUnsafeMutableBytes { output in
                var done = 0
                while done < totalBytes {
                    let context = EVP_CIPHER_CTX_new()
                    var written: Int32 = 0
                    _ = EVP_EncryptInit_ex(context, cipher, nil, key, iv)
                    let target = output.baseAddress!.assumingMemoryBound(to: UInt8.self) + done % output.count
                    _ = EVP_EncryptUpdate(context, target, &written, zeros, Int32(zeros.count))
                    EVP_CIPHER_CTX_free(context)
                    done += zeros.count
                }
            }
        }
    }

    static func summary(_ values: [Double], unit: String) -> String {
        let sorted = values.sorted()
        return String(format: "%.2f / %.2f / %.2f %@", sorted[0], sorted[sorted.count / 2], sorted[sorted.count - 1],
                      unit)
    }
}
