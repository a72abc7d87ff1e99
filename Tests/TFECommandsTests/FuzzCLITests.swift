import TFETestSupport
import Foundation
import Testing
import TFECommands
import TFECore
import TFEFrontend

/// The command-line half of the fuzz test (TFEFrontendTests/FuzzTests.swift): every 20th of the same mutants
/// goes through `tfec check`, which must exit 0 or 1, agreeing with the front end run in-process.
@Test func mutantsThroughTheCommandLine() throws {
    let count = Fuzz.count(default: 10_000), base = Fuzz.baseSeed
    let seeds = Fuzz.seeds()
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("tfe-fuzz-cli-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var checked = 0
    for index in stride(from: 0, to: count, by: min(20, count)) {
        let caseSeed = Fuzz.caseSeed(index, base: base)
        var rng = SplitMix64(seed: caseSeed)
        let mutant = Fuzz.mutate(seeds.randomElement(using: &rng)!, others: seeds, using: &rng)
        let expected = Frontend.check(
            SourceFile(path: "fuzz.tfe", bytes: mutant), options: CheckOptions(workLimit: 50_000))
        // The command line's work limit is 80 times larger: such a mutant would only be slow.
        if expected.diagnostics.all.contains(where: { $0.kind == "unrollLimit" }) { continue }
        let path = directory.appendingPathComponent("case-\(index).tfe").path
        try Data(mutant).write(to: URL(fileURLWithPath: path))
        let result = CommandOutput.capture { Tfec.main(["check", path], console: $0) }
        let context = "replay: TFE_FUZZ_SEED=\(Fuzz.hex(caseSeed)) TFE_FUZZ_COUNT=1; input: \(Fuzz.describe(mutant))"
        #expect(result.exitCode == (expected.diagnostics.hasErrors ? .failure : .success), "\(context)")
        #expect(result.output.isEmpty, "\(context)")
        #expect(result.error.isEmpty == expected.diagnostics.all.isEmpty, "\(context)")
        #expect(result.error.isEmpty || result.error.hasPrefix(path + ":"), "\(context)")
        checked += 1
    }
    print("fuzz: \(checked) mutants through tfec check")
    if count >= 1_000 {  // not when replaying one case
        #expect(checked >= count / 20 * 8 / 10, "only \(checked) mutants reached the command line")
    }
}
