import Foundation
import Testing
import TFEBytecode
import TFECore
import TFEFrontend
@testable import TFELowering

/// The pass table is the pipeline: `Compiler.compile` walks it, `-O0` skips what is not required, the
/// verifier holds after every pass, and a broken pass is named.
struct PassTableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every example program and every valid asm golden case, small enough to compile in a test.
    static let sources: [String] = {
        var paths: [String] = []
        for folder in ["programs", "Tests/TFEGoldenTests/Golden/asm", "Tests/TFEGoldenTests/Golden/unoptimized"] {
            let url = root.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(atPath: url.path) else { continue }
            for case let path as String in walker where path.hasSuffix(".tfe") {
                paths.append(folder + "/" + path)
            }
        }
        return paths.sorted()
    }()

    static func source(_ path: String) -> SourceFile {
        let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) ?? Data()
        return SourceFile(path: path, bytes: [UInt8](data))
    }

    /// The example programs' batch of 100 makes each a few million instructions; 2 keeps them quick.
    static func options(_ path: String, optimize: Bool) -> CompilerOptions {
        let text = String(decoding: source(path).bytes, as: UTF8.self)
        let overrides = text.contains("param batch") ? ["batch": 2] : [:]
        return CompilerOptions(check: CheckOptions(overrides: overrides), optimize: optimize)
    }

    @Test func orderingsHoldInThePassTable() {
        let names = Compiler.passes.map(\.name)
        for ordering in Compiler.orderings {
            let first = names.firstIndex(of: ordering.first), second = names.firstIndex(of: ordering.before)
            #expect(first != nil && second != nil && first! < second!, "\(ordering.first) before \(ordering.before)")
        }
        #expect(Set(names).count == names.count, "pass names are unique")
        #expect(names.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "-" } }, "pass names are kebab-case")
    }

    @Test func frontEndPassesArePrefixOfTheCompilersTable() {
        #expect(Array(Compiler.passNames.prefix(Frontend.passes.count)) == Frontend.passes.map(\.name))
    }

    @Test(arguments: [true, false])
    func compileWalksTheTableAndOptimisationOffSkipsOnlyOptionalPasses(optimize: Bool) {
        var ran: [String] = []
        let text = "player a\nx = private_input(a, [2])\noutput(a, \"y\", x * x + x * x)\n"
        let source = SourceFile(path: "t.tfe", text: text)
        let result = Compiler.compile(source, options: CompilerOptions(optimize: optimize)) { pass, _ in
            ran.append(pass.name)
        }
        #expect(!result.diagnostics.hasErrors)
        #expect(ran == Compiler.passes.filter { $0.required || optimize }.map(\.name))
    }

    @Test func theWalkStopsAfterAPassWithErrorsExceptResolveNames() {
        var ran: [String] = []
        _ = Compiler.compile(SourceFile(path: "t.tfe", text: "x = (\n")) { pass, _ in ran.append(pass.name) }
        #expect(ran == ["parse"])
        ran = []
        let source = SourceFile(path: "t.tfe", text: "player a\ny = nowhere + private_input(a, [2])\n")
        let result = Compiler.compile(source) { pass, _ in ran.append(pass.name) }
        #expect(ran == ["parse", "resolve-names", "check"])
        #expect(result.program == nil)
    }

    /// STYLE.md section 3: in tests a verifier runs after every pass that has built a machine program.
    @Test(arguments: sources)
    func verifierHoldsAfterEveryPass(path: String) {
        for optimize in [true, false] {
            var verified: [String] = []
            let result = Compiler.compile(Self.source(path), options: Self.options(path, optimize: optimize)) {
                pass, state in
                guard let program = state.program else { return }
                let problems = Verifier.problems(in: program)
                let first = problems.first.map(String.init(describing:)) ?? ""
                #expect(problems.isEmpty, "\(path) after '\(pass.name)': \(first)")
                verified.append(pass.name)
            }
            #expect(!result.diagnostics.hasErrors, "\(path): \(result.diagnostics.sorted.map(\.message))")
            #expect(verified.first == "lower")
        }
    }

    @Test func statsGetTheUnoptimizedProgramFromTheSameWalk() {
        let path = "programs/network-a/network-a.tfe"
        let once = Compiler.compile(Self.source(path), options: Self.options(path, optimize: true),
                                    keepUnoptimized: true)
        let separate = Compiler.compile(Self.source(path), options: Self.options(path, optimize: false))
        #expect(once.unoptimized != nil)
        #expect(once.unoptimized?.asm == separate.program?.asm)
        #expect(once.program?.asm != separate.program?.asm, "batching changed the rounds")
        // Under -O0 no optional pass runs, so there is nothing separate to keep.
        #expect(Compiler.compile(Self.source(path), options: Self.options(path, optimize: false),
                                 keepUnoptimized: true).unoptimized == nil)
    }

    /// Without `keepFrontEnd` the syntax tree and the checked program are gone once lowered, and the program is
    /// the same; a program the front end refuses keeps them, with its diagnostics.
    @Test func theFrontEndCanBeLetGoOnceLowered() {
        let path = "programs/network-a/network-a.tfe"
        let kept = Compiler.compile(Self.source(path), options: Self.options(path, optimize: true))
        let dropped = Compiler.compile(Self.source(path), options: Self.options(path, optimize: true),
                                       keepFrontEnd: false)
        #expect(dropped.program != nil)
        #expect(dropped.program?.encoded() == kept.program?.encoded())
        #expect(!kept.frontend.ast.topLevel.isEmpty)
        #expect(dropped.frontend.ast.topLevel.isEmpty)
        #expect(dropped.frontend.usedOverrides == kept.frontend.usedOverrides)
        let broken = SourceFile(path: "broken.tfe", text: "player alice\nx = private_input(alice, [2])\ny = x +\n")
        let refused = Compiler.compile(broken, keepFrontEnd: false)
        #expect(refused.program == nil)
        #expect(refused.diagnostics.hasErrors)
        #expect(!refused.frontend.ast.topLevel.isEmpty)
    }

    /// A pass that drops the first online instruction (an input) leaves later reads before any write: the
    /// failure is attributed to it, not to the pass after it or the last pass.
    @Test func aBrokenPassIsNamed() throws {
        let breaker = Pass<Compilation>("drop-first-input", required: true) { state in
            guard var program = state.program, !program.online.isEmpty else { return }
            let offline = program.offline.reduce(0) { $0 + $1.instructions.count }
            program.online[0].instructions.removeFirst()
            program.locations.remove(at: offline)
            state.program = program
        }
        var passes = Compiler.passes
        passes.insert(breaker, at: try #require(passes.firstIndex { $0.name == "lower" }) + 1)
        let source = SourceFile(path: "t.tfe", text: "player a\nx = private_input(a, [2])\noutput(a, \"y\", x + x)\n")
        #expect(Compiler.firstFailingPass(source) == nil)
        let failure = Compiler.firstFailingPass(source, passes: passes)
        #expect(failure?.pass == "drop-first-input")
    }
}
