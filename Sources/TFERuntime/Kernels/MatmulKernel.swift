// Which matmul micro-kernels a process uses, decided once at run time from the CPU and `TFE_MATMUL_KERNEL`.

import Foundation

/// The micro-kernels behind every ring and Double matrix product (and so every convolution).
///
/// `selected` is decided once per process: the AVX-512 kernels when the CPU and the OS support x86-64-v4
/// (the level `TFEKernelsAVX512` is compiled for), else the portable ones; `TFE_MATMUL_KERNEL=portable|avx512`
/// forces a choice. Both compute the same values: the ring kernels exactly, the Double kernels bit for bit
/// (same order of additions, no fused multiply-add).
public enum MatmulKernel: String, CaseIterable, Sendable {
    /// 4×4 tiles in baseline x86-64 (SSE2), where a 64-bit lane multiply is split into 32-bit halves; the
    /// kernel of any CPU without AVX-512.
    case portable
    /// 4×16 tiles of `SIMD8` lanes (`vpmullq` on zmm registers), in the `TFEKernelsAVX512` module.
    case avx512

    /// The environment variable that forces a kernel: `portable`, `avx512`, or `auto` (the same as unset).
    public static let environmentVariable = "TFE_MATMUL_KERNEL"

    /// The kernel of this process: the one `TFE_MATMUL_KERNEL` forces, or the fastest this CPU runs. When the
    /// variable's value cannot be honoured it is ignored here, and `environmentProblem` says why (the tools
    /// refuse to run with it).
    public static let selected: MatmulKernel = (try? selection.get()) ?? (hostSupportsAVX512 ? .avx512 : .portable)

    /// Why `TFE_MATMUL_KERNEL` cannot be honoured (an unknown value, or `avx512` on a CPU without it); nil when
    /// it is unset or valid.
    public static var environmentProblem: MatmulKernelError? {
        if case .failure(let problem) = selection { problem } else { nil }
    }

    /// Whether this process can run the kernel.
    public var isSupported: Bool {
        switch self {
        case .portable: true
        case .avx512: Self.hostSupportsAVX512
        }
    }

    /// The kernel for a `TFE_MATMUL_KERNEL` value (nil when unset) on a CPU that does or does not support AVX-512.
    public static func choose(setting: String?, avx512Supported: Bool) -> Result<MatmulKernel, MatmulKernelError> {
        let automatic: MatmulKernel = avx512Supported ? .avx512 : .portable
        guard let setting, !setting.isEmpty, setting != "auto" else {
            return .success(automatic)
        }
        guard let kernel = MatmulKernel(rawValue: setting) else {
            return .failure(.unknownSetting(setting))
        }
        if kernel == .avx512 && !avx512Supported {
            return .failure(.avx512Unsupported)
        }
        return .success(kernel)
    }

    // MARK: - CPU features

    /// The `/proc/cpuinfo` flags of x86-64-v4, the level `TFEKernelsAVX512` is compiled for (its code may use
    /// any of them): AVX-512 F/DQ/CD/BW/VL, and the v3 and v2 levels below it (`abm` is LZCNT, `pni` SSE3).
    static let x86_64_v4Flags: [Substring] = [
        "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl",
        "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave",
        "cx16", "lahf_lm", "popcnt", "pni", "ssse3", "sse4_1", "sse4_2",
    ]

    /// Whether every processor listed in `cpuInfo` (the text of Linux's `/proc/cpuinfo`) has the flags of
    /// x86-64-v4. Linux clears a processor's `avx512*` flags when the OS has not enabled their register state
    /// (XSAVE), so the flags answer for the CPU and the OS together.
    static func supportsAVX512(cpuInfo: String) -> Bool {
        var sawFlags = false
        for line in cpuInfo.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"),
                  line[..<colon].trimmingCharacters(in: .whitespaces) == "flags" else {
                continue
            }
            sawFlags = true
            let flags = Set(line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }))
            if !x86_64_v4Flags.allSatisfy(flags.contains) {
                return false
            }
        }
        return sawFlags
    }

    /// Whether this host can run `TFEKernelsAVX512`'s code: read once from `/proc/cpuinfo` on x86-64 Linux;
    /// false on other systems (they use the portable kernel).
    static let hostSupportsAVX512: Bool = {
        #if arch(x86_64) && os(Linux)
        guard let data = FileManager.default.contents(atPath: "/proc/cpuinfo") else {
            return false
        }
        return supportsAVX512(cpuInfo: String(decoding: data, as: UTF8.self))
        #else
        return false
        #endif
    }()

    /// The kernel `TFE_MATMUL_KERNEL` asks for on this host, or why it cannot have it.
    private static let selection = choose(
        setting: ProcessInfo.processInfo.environment[environmentVariable], avx512Supported: hostSupportsAVX512)
}

/// Why a `TFE_MATMUL_KERNEL` setting cannot be honoured.
public enum MatmulKernelError: Error, Equatable, CustomStringConvertible {
    /// The value is not a kernel's name.
    case unknownSetting(String)
    /// `avx512` was forced on a CPU (or OS) without x86-64-v4's AVX-512.
    case avx512Unsupported

    public var description: String {
        switch self {
        case .unknownSetting(let value):
            "\(MatmulKernel.environmentVariable) is '\(value)'; expected 'portable', 'avx512' or 'auto'"
        case .avx512Unsupported:
            "\(MatmulKernel.environmentVariable) is 'avx512', but this CPU or OS does not support AVX-512 "
                + "(x86-64-v4: AVX-512 F, DQ, CD, BW and VL)"
        }
    }
}
