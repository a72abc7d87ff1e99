import Foundation
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering

/// Online rounds without and with `batch-rounds`, offline rounds and bytes, for every program in
/// `programs/` and for 10,000 independent products followed by 10,000 that depend on them.
enum RoundsBenchmark {
    static func run(root: String) {
        print("rounds: -O0 (one round per communicating step, in program order) against batch-rounds")
        print(pad("program", 44) + pad("online -O0", 12) + pad("online", 9) + pad("ratio", 8) + pad("offline -O0", 13)
              + pad("offline", 9) + pad("online MB", 11) + "offline MB")
        var programs: [(String, SourceFile)] = []
        let enumerator = FileManager.default.enumerator(atPath: root + "/programs")
        var paths: [String] = []
        while let next = enumerator?.nextObject() as? String { if next.hasSuffix(".tfe") { paths.append(next) } }
        for path in paths.sorted() {
            guard let data = FileManager.default.contents(atPath: root + "/programs/" + path) else { continue }
            programs.append((path, SourceFile(path: path, bytes: [UInt8](data))))
        }
        var generated = "player alice\nx = private_input(alice, [1])\ny = private_input(alice, [1])\n"
        for k in 0..<10_000 { generated += "a\(k) = x * y\n" }
        for k in 0..<10_000 { generated += "b\(k) = a\(k) * x\n" }
        generated += "output(alice, \"last\", b9999)\n"
        programs.append(("10k independent + 10k dependent products", SourceFile(path: "generated.tfe", text: generated)))
        for (name, source) in programs {
            let unbatched = Compiler.compile(source, options: CompilerOptions(optimize: false))
            let batched = Compiler.compile(source, options: CompilerOptions(optimize: true))
            guard let before = unbatched.program.map(CostModel.cost(of:)),
                let after = batched.program.map(CostModel.cost(of:))
            else {
                let reason = batched.diagnostics.sorted.first { $0.severity == .error }?.message ?? "does not compile"
                print(pad(name, 44) + "skipped: " + reason)
                continue
            }
            let (online0, online1) = (before.rounds[.online] ?? 0, after.rounds[.online] ?? 0)
            print(pad(name, 44) + pad("\(online0)", 12) + pad("\(online1)", 9)
                  + pad(String(format: "%.2f", Double(online0) / Double(max(1, online1))), 8)
                  + pad("\(before.rounds[.offline] ?? 0)", 13) + pad("\(after.rounds[.offline] ?? 0)", 9)
                  + pad(String(format: "%.3f", Double(after.bytes(in: .online)) / 1e6), 11)
                  + String(format: "%.3f", Double(after.bytes(in: .offline)) / 1e6))
        }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
