// swift-tools-version:6.0
import PackageDescription

// The wide matmul tiles are compiled for x86-64-v4 (AVX-512) in a module of their own; TFERuntime, built for
// baseline x86-64, calls them only once it has checked the CPU at run time (`MatmulKernel.selected`). Swift's
// `-target-cpu` does not know the x86-64-vN levels, but the code generator takes its features from the Clang
// importer's `-march`. `-disable-cmo` keeps the bodies out of the module's interface: cross-module optimization
// would otherwise copy small ones into TFERuntime, compiled there for baseline x86-64. On another host
// architecture the module is built without these flags and is never chosen.
#if arch(x86_64)
let wideKernelSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v4", "-disable-cmo"])]
#else
let wideKernelSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "tfe",
    products: [
        .executable(name: "tfec", targets: ["tfec"]),
        .executable(name: "tfe-vm", targets: ["tfe-vm"]),
    ],
    targets: [
        // MARK: - Libraries (dependencies only point down STYLE.md's table)
        .target(name: "TFECore"),
        .target(name: "TFEFrontend", dependencies: ["TFECore"]),
        .target(name: "TFEBytecode", dependencies: ["TFECore", "COpenSSL"], exclude: ["README.md"]),
        .target(name: "TFELowering", dependencies: ["TFECore", "TFEFrontend", "TFEBytecode"]),
        .target(name: "TFEImport", dependencies: ["TFEFrontend"]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "TFENumPy", dependencies: ["CZlib"]),
        .target(name: "TFEKernelsAVX512", swiftSettings: wideKernelSettings),
        .target(
            name: "TFERuntime", dependencies: ["TFECore", "TFEBytecode", "TFENumPy", "COpenSSL", "TFEKernelsAVX512"]
        ),
        .target(name: "TFENet", dependencies: ["TFECore", "TFEBytecode", "TFENumPy", "TFERuntime", "COpenSSL"]),
        .target(
            name: "TFECommands",
            dependencies: [
                "TFECore", "TFEFrontend", "TFEBytecode", "TFELowering", "TFEImport", "TFENumPy", "TFERuntime",
                "TFENet",
            ]
        ),
        .target(name: "TFETestSupport", dependencies: ["TFECore"]),

        // MARK: - Executables
        .executableTarget(name: "tfec", dependencies: ["TFECommands"]),
        .executableTarget(name: "tfe-vm", dependencies: ["TFECommands"]),
        .executableTarget(
            name: "tfe-bench",
            dependencies: [
                "TFECore", "TFEFrontend", "TFEBytecode", "TFELowering", "TFENumPy", "TFERuntime", "TFENet", "COpenSSL",
            ]
        ),

        // MARK: - Tests
        .testTarget(name: "TFECoreTests", dependencies: ["TFECore", "TFETestSupport"]),
        .testTarget(name: "TFEFrontendTests", dependencies: ["TFECore", "TFEFrontend", "TFETestSupport"]),
        .testTarget(
            name: "TFEImportTests",
            dependencies: ["TFEImport", "TFEFrontend", "TFECommands", "TFENumPy", "TFERuntime", "TFETestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "TFEBytecodeTests", dependencies: ["TFECore", "TFEBytecode", "TFETestSupport"]),
        .testTarget(
            name: "TFELoweringTests", dependencies: ["TFECore", "TFEFrontend", "TFEBytecode", "TFELowering", "TFETestSupport"]
        ),
        .testTarget(name: "TFENumPyTests", dependencies: ["TFENumPy", "TFERuntime"], exclude: ["Fixtures"]),
        .testTarget(
            name: "TFERuntimeTests",
            dependencies: ["TFECore", "TFEBytecode", "TFENumPy", "TFERuntime", "TFETestSupport"]
        ),
        .testTarget(
            name: "TFESecureNNTests",
            dependencies: [
                "TFECore", "TFEFrontend", "TFEBytecode", "TFELowering", "TFENumPy", "TFERuntime", "TFETestSupport",
            ]
        ),
        .testTarget(
            name: "TFECommandsTests", dependencies: ["TFECommands", "TFEFrontend", "TFERuntime", "TFETestSupport"]
        ),
        .testTarget(
            name: "TFENetTests",
            dependencies: [
                "TFECore", "TFEFrontend", "TFEBytecode", "TFELowering", "TFENumPy", "TFERuntime", "TFENet",
                "TFECommands", "TFETestSupport",
            ]
        ),
        .testTarget(
            name: "TFEGoldenTests",
            dependencies: ["TFECore", "TFEFrontend", "TFECommands", "TFENumPy", "TFERuntime", "TFETestSupport"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "TFEEndToEndTests",
            dependencies: [
                "TFECore", "TFEFrontend", "TFEBytecode", "TFELowering", "TFENumPy", "TFERuntime", "TFECommands",
                "TFETestSupport",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
