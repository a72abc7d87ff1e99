// Every matmul micro-kernel this CPU runs (portable always, AVX-512 when the CPU has it) against naive references,
// and the run-time choice between them.

import Foundation
import TFECore
import TFETestSupport
import Testing
@testable import TFERuntime

/// The kernels under test on this machine; AVX-512 only where the CPU supports it.
let testedKernels = MatmulKernel.allCases.filter(\.isSupported)

@Suite struct MatmulKernelTests {
    /// Edge sizes around the tiles (4×4 portable, 4×16 wide) and the 256-deep k block.
    static let edges = [1, 3, 4, 15, 16, 17, 33]

    /// (m, k, n): every pair of edge sizes for m and n with a k drawn (seeded) from the edges and deeper
    /// values, then deep products across several k blocks and ones big enough to use two threads.
    static let shapes: [(Int, Int, Int)] = {
        var rng = SplitMix64(seed: 2026)
        let depths = edges + [255, 257, 700]
        var shapes = edges.flatMap { m in edges.map { n in (m, depths[Int(rng.next() % UInt64(depths.count))], n) } }
        shapes += [(17, 1100, 33), (33, 600, 17), (5, 2000, 40), (2, 1030, 100), (64, 300, 80), (100, 257, 61)]
        return shapes
    }()

    @Test func reportsTheKernelsUnderTest() {
        if !MatmulKernel.avx512.isSupported {
            print("MatmulKernelTests: this CPU (or OS) has no AVX-512 (x86-64-v4); only the portable kernel is tested")
        }
        #expect(testedKernels.contains(.portable))
    }

    @Test(arguments: 0..<shapes.count)
    func ringKernelsMatchTheWrappingReference(shapeIndex: Int) {
        let (m, k, n) = Self.shapes[shapeIndex]
        var rng = SplitMix64(seed: 500 + UInt64(shapeIndex))
        let a = rng.ringValues(m * k), b = rng.ringValues(k * n), start = rng.ringValues(m * n)
        for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
            let expected = referenceRingMatmul(a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB)
            for kernel in testedKernels {
                for threads in [1, 2] {
                    let label = "\(kernel) \(m)×\(k)×\(n) transposeA \(transposeA) transposeB \(transposeB) "
                        + "threads \(threads)"
                    let c = RingKernels.matmul(a, b, m: m, k: k, n: n, transposeA: transposeA,
                                               transposeB: transposeB, maxThreads: threads, kernel: kernel)
                    #expect(c == expected, "\(label)")
                    var sum = start
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            sum.withUnsafeMutableBufferPointer { sum in
                                RingKernels.matmul(a, b, into: sum, m: m, k: k, n: n, transposeA: transposeA,
                                                   transposeB: transposeB, accumulate: true, maxThreads: threads,
                                                   kernel: kernel)
                            }
                        }
                    }
                    #expect(sum == RingKernels.add(start, expected), "accumulating \(label)")
                }
            }
        }
    }

    /// Small signed values in two's complement: the ring product decodes to the float64 product exactly.
    @Test(arguments: [(3, 17, 33), (33, 700, 16), (1, 784, 128), (100, 784, 20), (16, 5, 1)])
    func ringKernelsMatchTheFloat64Reference(m: Int, k: Int, n: Int) {
        var rng = SplitMix64(seed: UInt64(m * 1000 + n))
        let x = (0..<m * k).map { _ in Int64(rng.next() % 2001) - 1000 }
        let y = (0..<k * n).map { _ in Int64(rng.next() % 2001) - 1000 }
        let expected = referenceMatmul(x.map(Double.init), y.map(Double.init), m: m, k: k, n: n, zero: 0.0) {
            $0 + $1 * $2
        }
        for kernel in testedKernels {
            let c = RingKernels.matmul(x.map { UInt64(bitPattern: $0) }, y.map { UInt64(bitPattern: $0) },
                                       m: m, k: k, n: n, kernel: kernel)
            #expect(c.map { Double(Int64(bitPattern: $0)) } == expected, "\(kernel) \(m)×\(k)×\(n)")
        }
    }

    /// Random doubles: every kernel within rounding of the float64 reference, and all kernels equal bit for bit
    /// (they add in the same order, without fused multiply-adds).
    @Test(arguments: [0, 9, 18, 27, 36, 45, 49, 50, 51, 52, 53, 54])
    func doubleKernelsMatchTheFloat64ReferenceAndEachOther(shapeIndex: Int) {
        let (m, k, n) = Self.shapes[shapeIndex]
        var rng = SplitMix64(seed: 900 + UInt64(shapeIndex))
        let a = (0..<m * k).map { _ in Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1 }
        let b = (0..<k * n).map { _ in Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1 }
        for (transposeA, transposeB) in [(false, false), (true, true)] {
            let expected = referenceMatmul(a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB,
                                           zero: 0.0) { $0 + $1 * $2 }
            let results = testedKernels.map { kernel in
                DoubleKernels.matmul(a, b, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB,
                                     maxThreads: 2, kernel: kernel)
            }
            for (kernel, c) in zip(testedKernels, results) {
                let error = zip(c, expected).map { abs($0 - $1) }.max() ?? 0
                #expect(error <= 1e-13 * Double(k), "\(kernel) \(m)×\(k)×\(n): error \(error)")
            }
            #expect(results.allSatisfy { $0 == results[0] }, "\(m)×\(k)×\(n) kernels differ")
        }
    }

    @Test(arguments: [(2, 12, 12, 3, 5, 5, 20), (1, 28, 28, 1, 5, 5, 16), (3, 9, 7, 17, 3, 3, 33)])
    func convolutionMatchesTheNaiveKernel(
        batch: Int, height: Int, width: Int, channels: Int, kh: Int, kw: Int, outChannels: Int
    ) throws {
        var rng = SplitMix64(seed: UInt64(batch * height * channels * outChannels))
        let input = rng.ringValues(batch * height * width * channels)
        let filter = rng.ringValues(kh * kw * channels * outChannels)
        for (padding, naivePadding) in [(WindowPadding.same, Padding.same), (.valid, .valid)] {
            for stride in [1, 2] {
                let g = try #require(WindowGeometry(
                    batch: batch, height: height, width: width, channels: channels, windowHeight: kh,
                    windowWidth: kw, strideHeight: stride, strideWidth: stride, padding: padding))
                let expected = try NaiveKernels.conv2d(input, [batch, height, width, channels], filter,
                                                       [kh, kw, channels, outChannels], stride: stride,
                                                       padding: naivePadding).values
                for kernel in testedKernels {
                    #expect(RingKernels.conv2d(input, filter, geometry: g, outputChannels: outChannels,
                                               kernel: kernel) == expected, "\(kernel) \(padding) stride \(stride)")
                }
            }
        }
    }

    // MARK: - Selection

    static let x86Flags = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx "
        + "fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology cpuid pni "
        + "pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor "
        + "lahf_lm abm 3dnowprefetch bmi1 avx2 smep bmi2 erms invpcid"
    static let avx512Flags = " avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni "
        + "avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves avx512vbmi umip pku ospke avx512_vbmi2"

    static func cpuInfo(_ flagLines: [String]) -> String {
        flagLines.enumerated().map { processor, flags in
            "processor\t: \(processor)\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n"
                + "flags\t\t: \(flags)\nbugs\t\t: spectre_v1\n\n"
        }.joined()
    }

    @Test func cpuInfoWithTheFlagsOfX86_64V4OnEveryProcessorSupportsAVX512() {
        #expect(MatmulKernel.supportsAVX512(cpuInfo: Self.cpuInfo([Self.x86Flags + Self.avx512Flags])))
        #expect(MatmulKernel.supportsAVX512(cpuInfo: Self.cpuInfo(Array(repeating: Self.x86Flags + Self.avx512Flags,
                                                                        count: 4))))
        // Flags separated by tabs, a line without a final newline.
        #expect(MatmulKernel.supportsAVX512(
            cpuInfo: "flags:" + (Self.x86Flags + Self.avx512Flags).replacingOccurrences(of: " ", with: "\t")))
    }

    @Test func cpuInfoWithoutAVX512OnSomeProcessorDoesNotSupportIt() {
        #expect(!MatmulKernel.supportsAVX512(cpuInfo: Self.cpuInfo([Self.x86Flags])))
        // avx512f alone is not enough: vpmullq is AVX-512DQ, and the module may use BW/VL/CD.
        for missing in ["avx512dq", "avx512bw", "avx512vl", "avx512cd", "avx2", "fma", "bmi2"] {
            let flags = (Self.x86Flags + Self.avx512Flags).split(separator: " ").filter { $0 != missing }
            #expect(!MatmulKernel.supportsAVX512(cpuInfo: Self.cpuInfo([flags.joined(separator: " ")])), "\(missing)")
        }
        // One processor whose flags were cleared (the OS did not enable the state there).
        #expect(!MatmulKernel.supportsAVX512(cpuInfo: Self.cpuInfo([Self.x86Flags + Self.avx512Flags, Self.x86Flags])))
        // A flag name that only starts like a required one does not count.
        #expect(!MatmulKernel.supportsAVX512(
            cpuInfo: Self.cpuInfo([(Self.x86Flags + Self.avx512Flags).replacingOccurrences(of: "avx512dq",
                                                                                          with: "avx512dqx")])))
        // Other architectures and empty text: no `flags` line at all.
        #expect(!MatmulKernel.supportsAVX512(cpuInfo: "processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull\n"))
        #expect(!MatmulKernel.supportsAVX512(cpuInfo: ""))
        // The word in another field is not a flag.
        #expect(!MatmulKernel.supportsAVX512(cpuInfo: "model name\t: avx512f avx512dq avx512cd avx512bw avx512vl\n"))
    }

    @Test func theEnvironmentVariableForcesOrIsRefused() {
        for supported in [false, true] {
            let automatic: MatmulKernel = supported ? .avx512 : .portable
            #expect(MatmulKernel.choose(setting: nil, avx512Supported: supported) == .success(automatic))
            #expect(MatmulKernel.choose(setting: "", avx512Supported: supported) == .success(automatic))
            #expect(MatmulKernel.choose(setting: "auto", avx512Supported: supported) == .success(automatic))
            #expect(MatmulKernel.choose(setting: "portable", avx512Supported: supported) == .success(.portable))
            #expect(MatmulKernel.choose(setting: "AVX512", avx512Supported: supported)
                    == .failure(.unknownSetting("AVX512")))
            #expect(MatmulKernel.choose(setting: "sse2", avx512Supported: supported)
                    == .failure(.unknownSetting("sse2")))
        }
        #expect(MatmulKernel.choose(setting: "avx512", avx512Supported: true) == .success(.avx512))
        #expect(MatmulKernel.choose(setting: "avx512", avx512Supported: false) == .failure(.avx512Unsupported))
    }

    @Test func theProcessUsesAKernelItsCPUSupports() {
        #expect(MatmulKernel.selected.isSupported)
        if MatmulKernel.environmentProblem == nil,
           ProcessInfo.processInfo.environment[MatmulKernel.environmentVariable] == nil {
            #expect(MatmulKernel.selected == (MatmulKernel.avx512.isSupported ? .avx512 : .portable))
        }
    }
}
