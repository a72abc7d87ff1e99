import Foundation
import TFECore
import TFEFrontend
import TFERuntime

/// `tfe-bench`: the project's benchmarks. Each prints its figures as a table of ratios measured in one run.
let arguments = Array(CommandLine.arguments.dropFirst())
MemoryPolicy.keepFreedMemory()
let usage = """
    USAGE: tfe-bench <benchmark>

    BENCHMARKS:
      aby3       The MNIST Pond network under pond and under aby3 at batch 1 and 100, runs alternating:
                 min/median/max time, their ratio, rounds and bytes, and how far the two protocols' logits differ;
                 then the seed network (batch 1, 100) and Network A (batch 1) under securenn and under aby3.
      aby3bin    ABY3's binary library: ReLU on 51,200 elements by three in-process parties (one thread, and a
                 thread each), beside SecureNN's ReLU on the same count; min/median/max, rounds and bytes.
      cached     A cached private model (store once, load per prediction) against one re-shared every run:
                 bytes per server and prediction, and the simulated WAN (also printed by net).
      compile    tfec compile on 20k and 200k unrolled products and a training program, per phase, against
                 the 0.5 s aim (--baseline TFEC: also time another tfec build on the same files).
      kernels    The matmul micro-kernels this CPU runs (portable, AVX-512) on the networks' products, ring and
                 Double, 1 thread and all: G multiply-adds/s, min/median/max (--runs N, default 7).
      frontend   Parse and check generated programs of 10k, 100k and 1M lines (--file PATH: each pass on one
                 file).
      net        TLS against --insecure (tls, below); MNIST Pond as five tfe-vm processes on loopback, and on a
                 simulated LAN and WAN, against the network's lower bound (needs the tfe-vm of the same build).
      tls        MNIST Pond and the SecureNN seed network at batch 100 as five tfe-vm processes on loopback,
                 TLS 1.3 against plain TCP (--insecure), min/median/max of each and their ratio.
      paper      SecureNN's Networks A-D at batch 1 and 128 against the paper's Table 7 LAN figures, and the
                 seed network against TF Encrypted's SecureNN (--batch 1,128, --runs N, --quick: batch 1 only,
                 --wan: also the paper's WAN, simulated, --only B,seed: just those, --protocol securenn,aby3: each
                 under both protocols, runs alternating, logits checked against float64 and each other).
      privatecompare  SecureNN's PrivateCompare kernels on 51,200 elements: one server's masked, permuted
                 messages, server2's zero test and Z_67 dealing, ns per element (min/median/max of 15).
      prg        The PRG's keystream: GB/s of PRG.fill by draw size, next() and byte draws, against OpenSSL's raw
                 AES-128-CTR, AES-256-CTR and ChaCha20 (--runs N, default 9).
      pond       The MNIST Pond network at batch 1, 100 and 1000 against float64; the ring matmul kernel.
      securenn   The seed network and Network A under SecureNN at batch 1 and 100; bytes per ReLU.
      rounds     Online and offline rounds and bytes of every program in programs/, with and without batching.

    """

if let problem = MatmulKernel.environmentProblem {
    FileHandle.standardError.write(Data("tfe-bench: error: \(problem)\n".utf8))
    exit(1)
}
if let name = arguments.first, !["-h", "--help", "help"].contains(name) {
    print("matmul kernel: \(MatmulKernel.selected.rawValue) (\(MatmulKernel.environmentVariable)=portable|avx512 "
          + "forces one)\n")
}

switch arguments.first {
case "kernels":
    KernelBenchmark.run(arguments: Array(arguments.dropFirst()))
case "aby3bin":
    do {
        try Aby3BinBenchmark.run()
    } catch {
        FileHandle.standardError.write(Data("tfe-bench: error: \(error)\n".utf8))
        exit(1)
    }
case "compile":
    do {
        let flag = arguments.firstIndex(of: "--baseline")
        let baseline = flag.flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
        try CompileBenchmark.run(root: FileManager.default.currentDirectoryPath, baseline: baseline)
    } catch {
        FileHandle.standardError.write(Data("tfe-bench: error: \(error)\n".utf8))
        exit(1)
    }
case "frontend":
    if let flag = arguments.firstIndex(of: "--file"), arguments.indices.contains(flag + 1) {
        do {
            try FrontendBenchmark.run(file: arguments[flag + 1])
        } catch {
            FileHandle.standardError.write(Data("tfe-bench: error: \(error)\n".utf8))
            exit(1)
        }
    } else {
        FrontendBenchmark.run(sizes: arguments.dropFirst().compactMap { Int($0) })
    }
case "aby3":
    do {
        try ABY3Benchmark.run(root: FileManager.default.currentDirectoryPath)
        print("")
        try ABY3ComparisonBenchmark.run(root: FileManager.default.currentDirectoryPath)
    } catch {
        FileHandle.standardError.write(Data("tfe-bench: error: \(error)\n".utf8))
        exit(1)
    }
case "pond":
    do {
        try PondBenchmark.run(root: FileManager.default.currentDirectoryPath)
    } catch {
        FileHandle.standardError.write(Data("tfe-bench: error: \(error)\n".utf8))
        exit(1)
    }
case "net":
    do {
        try NetBenchmark.run(root: FileManager.default.currentDirectoryPath)
    } catch {
        FileHandle.standardError.write(Data("tfe-bench: error: \(error)\n".utf8))
        exit(1)
    }
case "tls":
    do {
        try TLSBenchmark.run(root: FileManager.default.currentDirectoryPath)
    } catch {
        FileHandle.standardError.write(Data("tfe-bench: error: \(error)\n".utf8))
        exit(1)
    }
case "cached":
    do {
        try CachedModelBenchmark.run(root: FileManager.default.currentDirectoryPath)
    } catch {
        FileHandle.standardError.write(Data("tfe-bench: error: \(error)\n".utf8))
        exit(1)
    }
case "securenn":
    do {
        try SecureNNBenchmark.run(root: FileManager.default.currentDirectoryPath)
    } catch {
        FileHandle.standardError.write(Data("tfe-bench: error: \(error)\n".utf8))
        exit(1)
    }
case "paper":
    do {
        try PaperBenchmark.run(root: FileManager.default.currentDirectoryPath, arguments: Array(arguments.dropFirst()))
    } catch {
        FileHandle.standardError.write(Data("tfe-bench: error: \(error)\n".utf8))
        exit(1)
    }
case "privatecompare":
    PrivateCompareBenchmark.run()
case "prg":
    PRGBenchmark.run(arguments: Array(arguments.dropFirst()))
case "rounds":
    RoundsBenchmark.run(root: FileManager.default.currentDirectoryPath)
case "-h", "--help", "help":
    print(usage, terminator: "")
default:
    FileHandle.standardError.write(Data(("Error: expected a benchmark name\n" + usage).utf8))
    exit(64)
}
