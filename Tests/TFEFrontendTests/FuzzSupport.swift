// Shared by TFEFrontendTests (FuzzTests.swift) and TFECommandsTests (FuzzCLITests.swift, a symbolic link to
// this file): seed programs, a seeded mutator, and the filter for inputs that hit known, unfixed crashes.
// TODO: move to TFETestSupport once that module may depend on TFEFrontend.
import TFETestSupport
import Foundation
import TFECore
import TFEFrontend


enum Fuzz {
    /// The base seed; `TFE_FUZZ_SEED` overrides it (decimal or 0x-hex) to replay a failure.
    static var baseSeed: UInt64 {
        parse(ProcessInfo.processInfo.environment["TFE_FUZZ_SEED"]) ?? 0x7FE_F022
    }

    /// How many mutants to check; `TFE_FUZZ_COUNT` overrides it.
    static func count(default value: Int) -> Int {
        ProcessInfo.processInfo.environment["TFE_FUZZ_COUNT"].flatMap { Int($0) } ?? value
    }

    private static func parse(_ text: String?) -> UInt64? {
        guard let text else { return nil }
        if text.hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) }
        return UInt64(text)
    }

    /// The seed of case `index`: case 0 of a run with `TFE_FUZZ_SEED=<that seed>` replays it.
    static func caseSeed(_ index: Int, base: UInt64 = baseSeed) -> UInt64 {
        base &+ UInt64(index) &* 0x2545_F491_4F6C_DD1D
    }

    static func hex(_ seed: UInt64) -> String { "0x" + String(seed, radix: 16) }

    // MARK: - Seeds

    /// Small programs that check clean, so the fuzzer has material even without golden or example files.
    static let embeddedSeeds: [String] = [
        """
        # checks: the DESIGN.md MNIST network
        protocol securenn
        player model_owner
        player client
        param batch = 100
        w0 = private_input(model_owner, [784, 512])
        b0 = private_input(model_owner, [512])
        w1 = private_input(model_owner, [512, 10])
        b1 = private_input(model_owner, [10])
        x  = private_input(client, [batch, 784])
        h      = relu(matmul(x, w0) + b0)
        logits = h @ w1 + b1
        output(client, logits)

        """,
        """
        # checks: a small CNN under securenn
        protocol securenn
        fixedpoint(frac: 20)
        player owner, client
        param batch = 2
        x = private_input(client, [batch, 8, 8, 1])
        k = private_input(owner, "kernel", [3, 3, 1, 4])
        h = relu(conv2d(x, k, 1, "SAME"))
        p = maxpool2d(h, 2)
        a = avgpool2d(p, size: 2, stride: 2, padding: "VALID")
        f = flatten(a)
        w = private_input(owner, [16, 3])
        logits = f @ w
        output(client, "pred", argmax(logits, axis: 1))

        """,
        """
        # checks: a training-style loop with functions, local pre-processing, share and reveal
        protocol pond
        player alice, bob
        param steps = 3
        def dense(x, w, b) = x @ w + b
        def step(w, g) {
          d = g * 0.1
          return w - d
        }
        raw = input(alice, [4, 2])
        scaled = raw / 255 - 0.5
        x = share(scaled)
        w = private_input(bob, [2, 2])
        b = public_input(bob, [2])
        for i in 0..<steps {
          y = dense(x, w, b)
          g = transpose(x) @ y
          w = step(w, g / 4)
        }
        loss = mean(square(y), 0)
        print("loss", reveal(loss))
        output(bob, w)
        output(alice, "mine", reveal(y, alice))

        """,
        """
        # checks: a cached model with store and load, comparisons under securenn
        protocol securenn
        player owner, client
        param n = 4
        param twice = n * 2
        m = load("model", [n, 2])
        x = private_input(client, [3, n])
        s = x @ m
        mask = s > 0
        r = where(mask, s, 0); store("scores", r)
        z = sum(r, -1) + twice
        output(client, z)
        output(owner, "count", sum(mask))

        """,
    ]

    /// The repository's root, from this file's path (`Tests/<target>/FuzzSupport.swift`).
    static func repositoryRoot(_ filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Every `.tfe` file under the golden tests and `programs/`, sorted, so runs are reproducible.
    static func fileSeeds() -> [(name: String, bytes: [UInt8])] {
        let root = repositoryRoot()
        var paths: [String] = []
        for folder in ["Tests/TFEGoldenTests/Golden", "programs"] {
            let directory = root.appendingPathComponent(folder).path
            guard let enumerator = FileManager.default.enumerator(atPath: directory) else { continue }
            while let relative = enumerator.nextObject() as? String {
                if relative.hasSuffix(".tfe") { paths.append(directory + "/" + relative) }
            }
        }
        return paths.sorted().compactMap { path in
            FileManager.default.contents(atPath: path).map { (path, [UInt8]($0)) }
        }
    }

    /// Embedded seeds first, then the files.
    static func seeds() -> [[UInt8]] {
        embeddedSeeds.map { Array($0.utf8) } + fileSeeds().map(\.bytes)
    }

    // MARK: - Mutations

    static let words: [String] = Token.Kind.keywords.keys.sorted() + Builtin.allCases.map(\.rawValue)
        + ["server0", "server2", "int", "fixed", "pond", "securenn", "frac", "axis", "dtype", "SAME", "VALID"]
    static let hugeNumbers = [
        "99999999999999999999", "1e999", "9223372036854775807", "-9223372036854775807 - 1", "1e-999",
        "1048576", "0", "-1", "4294967296", "1.7976931348623157e308",
    ]
    static let hugeBounds = ["1000000000", "9223372036854775807", "99999999999999999999", "100000 * 100000", "50001"]
    static let fragments = [
        "(", ")", "[", "]", "{", "}", ",", ":", ";", "\n", "\\\n", "#", "\"", "'", "=", "==", "..<", "@", "-", "*",
        "/", "<", ".", "$", "!", "\t", "\r\n", " ", "return ", "{\n", "}\n", "x", "y = ", "output(client, ",
    ]

    /// One to three random mutations of `seed`; `others` supplies material for splices.
    static func mutate(_ seed: [UInt8], others: [[UInt8]], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        let roll = Int.random(in: 0..<10, using: &rng)
        for _ in 0..<(roll < 6 ? 1 : roll < 9 ? 2 : 3) {
            mutateOnce(&bytes, others: others, using: &rng)
        }
        return bytes
    }

    private static func mutateOnce(_ bytes: inout [UInt8], others: [[UInt8]], using rng: inout SplitMix64) {
        func position() -> Int { Int.random(in: 0...bytes.count, using: &rng) }
        func insert(_ text: String) { bytes.insert(contentsOf: Array(text.utf8), at: position()) }
        func range(maxLength: Int) -> Range<Int> {
            guard !bytes.isEmpty else { return 0..<0 }
            let start = Int.random(in: 0..<bytes.count, using: &rng)
            return start..<min(bytes.count, start + Int.random(in: 1...maxLength, using: &rng))
        }
        switch pick(using: &rng) {
        case 0:  // flip one bit
            guard !bytes.isEmpty else { return }
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng)
        case 1:  // replace one byte with anything
            guard !bytes.isEmpty else { return }
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        case 2:  // delete a range
            bytes.removeSubrange(range(maxLength: 40))
        case 3:  // duplicate a range
            let copied = Array(bytes[range(maxLength: 80)])
            bytes.insert(contentsOf: copied, at: position())
        case 4:  // a bracket
            insert(String("([{}])".randomElement(using: &rng)!))
        case 5:  // a keyword or built-in name
            let word = words.randomElement(using: &rng)!
            insert(Bool.random(using: &rng) ? " \(word) " : "\(word)(")
        case 6:  // a huge or odd number
            insert(" \(hugeNumbers.randomElement(using: &rng)!) ")
        case 7:  // a huge loop bound
            setHugeLoopBound(&bytes, using: &rng)
        case 8:  // invalid UTF-8
            let invalid: [[UInt8]] = [
                [0xFF], [0x80], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF],
            ]
            bytes.insert(contentsOf: invalid.randomElement(using: &rng)!, at: position())
        case 9:  // NUL bytes
            bytes.insert(contentsOf: [UInt8](repeating: 0, count: Int.random(in: 1...3, using: &rng)), at: position())
        case 10:  // truncation
            bytes.removeSubrange(position()...)
        case 11:  // a punctuation fragment
            insert(fragments.randomElement(using: &rng)!)
        case 12:  // splice a range of another seed
            guard let other = others.randomElement(using: &rng), !other.isEmpty else { return }
            let start = Int.random(in: 0..<other.count, using: &rng)
            let end = min(other.count, start + Int.random(in: 1...120, using: &rng))
            bytes.insert(contentsOf: other[start..<end], at: position())
        case 13:  // swap two lines
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            guard lines.count > 1 else { return }
            lines.swapAt(Int.random(in: 0..<lines.count, using: &rng), Int.random(in: 0..<lines.count, using: &rng))
            bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        default:  // replace a name with another word
            replaceWord(&bytes, using: &rng)
        }
    }

    /// Relative weights of the mutations in `mutateOnce`, by case number. Structured mutations (names, numbers,
    /// splices) keep more mutants parseable, so the checker sees them; huge loop bounds are rare because a
    /// mutant that runs to the work limit costs a hundred ordinary ones.
    private static let weights = [12, 8, 16, 16, 12, 20, 16, 1, 8, 4, 4, 16, 16, 12, 24]

    private static func pick(using rng: inout SplitMix64) -> Int {
        var roll = Int.random(in: 0..<weights.reduce(0, +), using: &rng)
        for (index, weight) in weights.enumerated() {
            if roll < weight { return index }
            roll -= weight
        }
        return weights.count - 1
    }

    /// Replaces the bound after a `..<` with a huge one, or wraps a random line in a huge loop.
    private static func setHugeLoopBound(_ bytes: inout [UInt8], using rng: inout SplitMix64) {
        let bound = Array(hugeBounds.randomElement(using: &rng)!.utf8)
        let marker = Array("..<".utf8)
        var ranges: [Int] = []
        if bytes.count >= 3 {
            for index in 0...(bytes.count - 3) where Array(bytes[index..<index + 3]) == marker {
                ranges.append(index + 3)
            }
        }
        if let start = ranges.randomElement(using: &rng) {
            var end = start
            while end < bytes.count, bytes[end] == UInt8(ascii: " ") { end += 1 }
            while end < bytes.count, isWordByte(bytes[end]) { end += 1 }
            bytes.replaceSubrange(start..<end, with: bound)
            return
        }
        var lineStarts = [0]
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { lineStarts.append(index + 1) }
        let line = lineStarts.randomElement(using: &rng)!
        let lineEnd = bytes[line...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        bytes.insert(contentsOf: Array("\n}".utf8), at: lineEnd)
        bytes.insert(contentsOf: Array("for q in 0..<".utf8) + bound + Array(" {\n".utf8), at: line)
    }

    private static func replaceWord(_ bytes: inout [UInt8], using rng: inout SplitMix64) {
        var starts: [Int] = []
        for index in bytes.indices where isWordByte(bytes[index]) && (index == 0 || !isWordByte(bytes[index - 1])) {
            starts.append(index)
        }
        guard let start = starts.randomElement(using: &rng) else { return }
        var end = start
        while end < bytes.count, isWordByte(bytes[end]) { end += 1 }
        bytes.replaceSubrange(start..<end, with: Array(words.randomElement(using: &rng)!.utf8))
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "_") || (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
    }


    /// `bytes` as a Swift-like string literal; bytes that are not printable ASCII show as `\x{HH}`, so invalid
    /// UTF-8 survives in failure messages.
    static func describe(_ bytes: [UInt8]) -> String {
        var out = "\""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\t"): out += "\\t"
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20..<0x7F: out.append(Character(Unicode.Scalar(byte)))
            default: out += "\\x{" + String(byte, radix: 16, uppercase: true) + "}"
            }
        }
        return out + "\""
    }
}
