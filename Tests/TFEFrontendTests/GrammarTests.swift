import Foundation
import Testing
import TFECore
@testable import TFEFrontend

/// Keeps `Grammar/tfe.ebnf` and the parser in step (STYLE.md section 1).
struct GrammarTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func read(_ path: String) -> String {
        (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) ?? ""
    }

    /// `name = body ;` lines of the grammar, in order.
    static let rules: [(name: String, body: String)] = read("Grammar/tfe.ebnf").split(separator: "\n").compactMap {
        line in
        let parts = line.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let first = line.first, first.isLetter else { return nil }
        return (parts[0].trimmingCharacters(in: .whitespaces), String(parts[1]))
    }

    static let lexicalRules: Set<String> = [
        "separator", "compareOperator", "keyword", "identifier", "integer", "decimal", "exponent", "string",
        "comment", "builtin",
    ]

    static func quoted(in body: String) -> Set<String> {
        var result = Set<String>()
        var current: String?
        for character in body {
            if character == "\"" {
                if let text = current {
                    result.insert(text)
                    current = nil
                } else {
                    current = ""
                }
            } else if current != nil {
                current!.append(character)
            }
        }
        return result
    }

    @Test func everySyntaxRuleHasAParserFunctionAndViceVersa() {
        #expect(!Self.rules.isEmpty)
        // The parser is `Parser.swift` and its extensions (`Parser+Expressions.swift`, …).
        let folder = Self.root.appendingPathComponent("Sources/TFEFrontend")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasPrefix("Parser") && $0.hasSuffix(".swift") }.sorted()
        #expect(files.contains("Parser.swift") && files.count > 1)
        let parser = files.map { Self.read("Sources/TFEFrontend/" + $0) }.joined(separator: "\n")
        let syntaxRules = Self.rules.map(\.name).filter { !Self.lexicalRules.contains($0) }
        for rule in syntaxRules {
            let function = "func parse" + rule.prefix(1).uppercased() + rule.dropFirst() + "("
            #expect(parser.contains(function), "Grammar rule '\(rule)' has no \(function)) in Parser*.swift")
        }
        let functions = parser.components(separatedBy: "func parse").dropFirst().compactMap { tail -> String? in
            guard let paren = tail.firstIndex(of: "(") else { return nil }
            let name = String(tail[..<paren])
            return name.prefix(1).lowercased() + name.dropFirst()
        }
        for function in functions where !function.isEmpty {
            #expect(syntaxRules.contains(function), "parse\(function)() has no rule '\(function)' in Grammar/tfe.ebnf")
        }
    }

    @Test func keywordsMatchTheLexer() {
        let keywordRule = Self.rules.first { $0.name == "keyword" }?.body ?? ""
        #expect(Self.quoted(in: keywordRule) == Set(Token.Kind.keywords.keys))
        // Every quoted word in the syntax rules is a keyword (or an operator).
        let words = Self.rules.filter { !Self.lexicalRules.contains($0.name) }.flatMap { Self.quoted(in: $0.body) }
            .filter { $0.first?.isLetter == true }
        #expect(Set(words).isSubset(of: Set(Token.Kind.keywords.keys)))
    }

    @Test func builtinsMatchTheChecker() {
        let builtinRule = Self.rules.first { $0.name == "builtin" }?.body ?? ""
        #expect(Self.quoted(in: builtinRule) == Set(Builtin.allCases.map(\.rawValue)))
    }

    /// Every program in `programs/` and every valid golden case parses without a syntax error.
    @Test func programsAndValidGoldensParse() throws {
        var paths: [String] = []
        for folder in ["programs", "Tests/TFEGoldenTests/Golden/ast"] {
            let directory = Self.root.appendingPathComponent(folder)
            let enumerator = FileManager.default.enumerator(atPath: directory.path)
            while let next = enumerator?.nextObject() as? String {
                if next.hasSuffix(".tfe") { paths.append(directory.appendingPathComponent(next).path) }
            }
        }
        #expect(!paths.isEmpty)
        for path in paths {
            let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
            var diagnostics = Diagnostics()
            _ = Parser.parse(SourceFile(path: path, bytes: bytes), into: &diagnostics)
            #expect(!diagnostics.hasErrors, "\(path) does not parse")
        }
    }
}
