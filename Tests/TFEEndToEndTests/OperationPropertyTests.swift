import TFETestSupport
import Foundation
import Testing
import TFEBytecode
import TFECore
import TFEFrontend
import TFELowering
import TFERuntime

/// A small random program exercising one kind of operation, and how to draw its inputs.
struct GeneratedProgram {
    var text: String
    /// By input name; the rest get `.mixed`.
    var distributions: [String: InputDistribution] = [:]

    func distribution(for input: IODeclaration) -> InputDistribution { distributions[input.name] ?? .mixed }
}

/// The operation kinds the property tests cover, each a generator of random `.tfe` programs.
///
/// Inputs are `.mixed` unless said otherwise: moderate values, zeros, values of a few ulps, and values near
/// ±2^12, whose products (2^24, summed over at most a few dozen terms) stay inside the 2^30 range that a
/// product of fixed-point values may reach before truncation. Generators use smaller ranges where an
/// operation needs them and say why.
enum OperationCase: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case addSubtractNegateBroadcast, privateTimesPrivate, privateTimesPublic, privateTimesConstant
    case divideByConstant, square, matmul, batchedMatmul, sumMeanAxes, transpose, reshape, flatten
    case conv2dSame, conv2dValid, avgpoolSame, avgpoolValid, sigmoid, reluApprox
    case revealPublic, revealToPlayer, shareLocal, publicInput, intInputs, intFunctions, plaintextFunctions
    case publicAndLocalOperands, fractionalBits
    case reluDerivative, maxpoolGradient, privateDivision
    case concatenate, slicing, padding, squeezeExpandDims, maximumMinimum

    var testDescription: String { rawValue }

    static let header = "player alice, bob\n"

    func generate(_ g: inout SplitMix64) -> GeneratedProgram {
        func shape(_ ranks: ClosedRange<Int>, _ dimensions: ClosedRange<Int> = 1...4) -> [Int] {
            (0..<Int.random(in: ranks, using: &g)).map { _ in Int.random(in: dimensions, using: &g) }
        }
        /// A shape that broadcasts to `full`: a suffix of it with some axes set to 1.
        func partner(_ full: [Int]) -> [Int] {
            let dropped = Int.random(in: 0...full.count, using: &g)
            return full.dropFirst(dropped).map { Int.random(in: 0..<3, using: &g) == 0 ? 1 : $0 }
        }
        func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &g)] }
        let h = Self.header
        switch self {
        case .addSubtractNegateBroadcast:
            let full = shape(1...3)
            return GeneratedProgram(text: h + """
                a = private_input(alice, \(full.tfe))
                b = private_input(bob, \(partner(full).tfe))
                c = private_input(bob, \(partner(full).tfe))
                output(alice, "sum", a + b)
                output(alice, "difference", c - a)
                output(alice, "negated", -c)
                output(bob, "mixed", -(b - a) + c)
                """)
        case .privateTimesPrivate:
            let full = shape(1...3)
            return GeneratedProgram(text: h + """
                a = private_input(alice, \(full.tfe))
                b = private_input(bob, \(partner(full).tfe))
                output(alice, "product", a * b)
                output(alice, "reversed", b * a)
                output(bob, "self", a * a)
                """)
        case .privateTimesPublic:
            let full = shape(1...3)
            return GeneratedProgram(text: h + """
                a = private_input(alice, \(full.tfe))
                p = public_input(bob, \(partner(full).tfe))
                output(alice, "left", a * p)
                output(alice, "right", p * a)
                """)
        case .privateTimesConstant:
            let c = pick(["0.5", "-3", "2", "0.1", "-0.37", "1.5", "7", "0.001", "-2.75", "0"])
            let d = pick(["0.25", "-1", "3.3", "100"])
            return GeneratedProgram(text: h + """
                a = private_input(alice, \(shape(1...3).tfe))
                output(alice, "right", a * \(c))
                output(alice, "left", \(d) * a)
                output(alice, "negative", a * -\(d))
                """)
        case .divideByConstant:
            let c = pick(["3", "7", "-0.5", "10", "1.5", "255", "-4", "0.3", "100", "1000", "2.75", "3.14159"])
            let n = Int.random(in: 1...12, using: &g)
            return GeneratedProgram(text: "param n = \(n)\n" + h + """
                a = private_input(alice, \(shape(1...3).tfe))
                output(alice, "by_literal", a / \(c))
                output(alice, "by_param", a / n)
                output(alice, "by_expression", a / (n + 0.5))
                """)
        case .square:
            return GeneratedProgram(text: h + """
                a = private_input(alice, \(shape(1...3).tfe))
                output(alice, "square", square(a))
                output(alice, "shifted", square(1 - a))
                """)
        case .matmul:
            let (m, k, n) = (Int.random(in: 1...5, using: &g), Int.random(in: 1...5, using: &g),
                             Int.random(in: 1...5, using: &g))
            return GeneratedProgram(text: h + """
                a = private_input(alice, [\(m), \(k)])
                b = private_input(bob, [\(k), \(n)])
                p = public_input(bob, [\(n), \(k)])
                output(alice, "product", a @ b)
                output(alice, "function", matmul(transpose(b), transpose(a)))
                output(alice, "public_right", a @ transpose(p))
                output(alice, "public_left", p @ transpose(a))
                """)
        case .batchedMatmul:
            let (batch, other) = (Int.random(in: 1...3, using: &g), Int.random(in: 1...3, using: &g))
            let (m, k, n) = (Int.random(in: 1...4, using: &g), Int.random(in: 1...4, using: &g),
                             Int.random(in: 1...4, using: &g))
            return GeneratedProgram(text: h + """
                a = private_input(alice, [\(batch), \(m), \(k)])
                b = private_input(bob, [\(k), \(n)])
                c = private_input(alice, [\(batch), 1, \(m), \(k)])
                d = private_input(bob, [\(other), \(k), \(n)])
                e = private_input(bob, [\(m), \(k)])
                output(alice, "batch_by_matrix", a @ b)
                output(alice, "broadcast_batches", c @ d)
                output(alice, "matrix_by_batch", e @ d)
                """)
        case .sumMeanAxes:
            let s = shape(1...3)
            let axis = Int.random(in: -s.count..<s.count, using: &g)
            let other = Int.random(in: -s.count..<s.count, using: &g)
            return GeneratedProgram(text: h + """
                a = private_input(alice, \(s.tfe))
                output(alice, "total", sum(a))
                output(alice, "along", sum(a, axis: \(axis)))
                output(alice, "average", mean(a))
                output(alice, "average_along", mean(a, axis: \(other)))
                """)
        case .transpose:
            let s = shape(2...4)
            let permutation = Array(0..<s.count).shuffled(using: &g)
            return GeneratedProgram(text: h + """
                a = private_input(alice, \(s.tfe))
                output(alice, "reversed", transpose(a))
                output(alice, "permuted", transpose(a, \(permutation.tfe)))
                output(alice, "scaled", transpose(a * 3, axes: \(permutation.tfe)))
                """)
        case .reshape:
            let s = shape(1...3)
            var factors: [Int] = []
            var rest = s.reduce(1, *)
            while rest > 1 {
                let divisors = (2...rest).filter { rest % $0 == 0 }
                let factor = pick(divisors)
                factors.append(factor)
                rest /= factor
            }
            if factors.isEmpty { factors = [1] }
            var inferred = factors
            inferred[Int.random(in: 0..<inferred.count, using: &g)] = -1
            return GeneratedProgram(text: h + """
                a = private_input(alice, \(s.tfe))
                b = private_input(bob, \(s.tfe))
                output(alice, "reshaped", reshape(a, \(factors.shuffled(using: &g).tfe)))
                output(alice, "inferred", reshape(a * b, \(inferred.tfe)))
                """)
        case .flatten:
            let s = shape(2...4)
            let rest = s.dropFirst().reduce(1, *)
            return GeneratedProgram(
                text: h + """
                    a = private_input(alice, \(s.tfe))
                    w = private_input(bob, [\(rest), 2])
                    output(alice, "flat", flatten(a))
                    output(alice, "dense", flatten(a) @ w)
                    """,
                distributions: ["w": .uniform(2)])  // fan-in up to 64: keep the products' sums below 2^30
        case .conv2dSame, .conv2dValid:
            let padding = self == .conv2dSame ? "SAME" : "VALID"
            let (kh, kw) = (Int.random(in: 1...3, using: &g), Int.random(in: 1...3, using: &g))
            let (height, width) = (Int.random(in: kh...6, using: &g), Int.random(in: kw...6, using: &g))
            let (batch, channels, filters) = (Int.random(in: 1...2, using: &g), Int.random(in: 1...2, using: &g),
                                              Int.random(in: 1...3, using: &g))
            return GeneratedProgram(
                text: h + """
                    x = private_input(alice, [\(batch), \(height), \(width), \(channels)])
                    k = private_input(bob, [\(kh), \(kw), \(channels), \(filters)])
                    output(alice, "stride1", conv2d(x, k, stride: 1, padding: "\(padding)"))
                    output(alice, "stride2", conv2d(x, k, stride: 2, padding: "\(padding)"))
                    """,
                distributions: ["k": .uniform(2)])  // fan-in up to 18
        case .avgpoolSame, .avgpoolValid:
            let padding = self == .avgpoolSame ? "SAME" : "VALID"
            let size = Int.random(in: 1...3, using: &g)
            let (height, width) = (Int.random(in: size...7, using: &g), Int.random(in: size...7, using: &g))
            let stride = Int.random(in: 1...3, using: &g)
            let (batch, channels) = (Int.random(in: 1...2, using: &g), Int.random(in: 1...3, using: &g))
            return GeneratedProgram(text: h + """
                x = private_input(alice, [\(batch), \(height), \(width), \(channels)])
                output(alice, "pooled", avgpool2d(x, \(size), stride: \(stride), padding: "\(padding)"))
                output(alice, "default_stride", avgpool2d(x, size: \(size), padding: "\(padding)"))
                """)
        case .sigmoid, .reluApprox:
            let function = self == .sigmoid ? "sigmoid" : "relu_approx"
            // The polynomials are fitted on [-8, 8] and diverge outside it (beyond the ring's range).
            return GeneratedProgram(
                text: h + """
                    a = private_input(alice, \(shape(1...2, 1...6).tfe))
                    p = public_input(bob, [3])
                    output(alice, "private", \(function)(a))
                    output(alice, "public", \(function)(p))
                    output(alice, "local", \(function)(reveal(a, alice)))
                    """,
                distributions: ["a": .uniform(8), "p": .uniform(8)])
        case .revealPublic:
            let s = shape(1...3)
            // Products of revealed values are public products: keep them small.
            return GeneratedProgram(
                text: h + """
                    a = private_input(alice, \(s.tfe))
                    b = private_input(bob, \(partner(s).tfe))
                    r = reveal(a * b)
                    output(alice, "revealed", r)
                    output(bob, "public_arithmetic", r * r - r / 4 + 1)
                    output(alice, "back_to_private", r * a + sum(r))
                    """,
                distributions: ["a": .uniform(4), "b": .uniform(4)])
        case .revealToPlayer:
            let s = shape(1...3)
            return GeneratedProgram(
                text: h + """
                    a = private_input(alice, \(s.tfe))
                    b = private_input(bob, \(s.tfe))
                    l = reveal(a * b, alice)
                    output(alice, "revealed", l)
                    output(alice, "local", l * l + exp(l / 8))
                    output(bob, "reshared", share(l) * b)
                    """,
                distributions: ["a": .uniform(4), "b": .uniform(4)])
        case .shareLocal:
            let s = shape(1...3)
            return GeneratedProgram(text: h + """
                l = input(alice, \(s.tfe))
                b = private_input(bob, \(s.tfe))
                s = share(l / 3 - 1)
                output(alice, "shared", s)
                output(bob, "product", s * b)
                """)
        case .publicInput:
            let s = shape(1...3)
            return GeneratedProgram(
                text: h + """
                    a = private_input(alice, \(s.tfe))
                    p = public_input(bob, \(partner(s).tfe))
                    q = p * p + p / 2 - 1
                    output(alice, "public", q)
                    output(alice, "private", a + q)
                    output(bob, "scaled", a * p)
                    """,
                distributions: ["p": .uniform(4)])
        case .intInputs:
            let s = shape(1...3)
            return GeneratedProgram(text: h + """
                i = private_input(alice, \(s.tfe), dtype: int)
                j = private_input(bob, \(partner(s).tfe), dtype: int)
                f = private_input(bob, \(s.tfe))
                output(alice, "int_sum", i + j * 2)
                output(alice, "int_product", i * j)
                output(alice, "ratio", i / 3)
                output(alice, "mixed", i * f)
                output(alice, "shifted", i + f - 0.5)
                output(alice, "total", sum(i))
                output(alice, "average", mean(j))
                output(alice, "square", square(i))
                output(bob, "negated", -i)
                """)
        case .intFunctions:
            let s = shape(1...3)
            return GeneratedProgram(
                text: h + """
                    i = private_input(alice, \(s.tfe), dtype: int)
                    l = input(bob, \(s.tfe), dtype: int)
                    output(alice, "sigmoid", sigmoid(i))
                    output(alice, "relu_approx", relu_approx(i))
                    output(alice, "average_along", mean(i, axis: -1))
                    output(alice, "public_ratio", reveal(i) / 2)
                    output(alice, "local_ratio", reveal(i, alice) / 4)
                    output(bob, "reshared", share(l) * i)
                    output(bob, "local_sum", sum(l * 3 - 1))
                    """,
                distributions: ["i": .integers(8), "l": .integers(50)])  // sigmoid: stay within [-8, 8]
        case .publicAndLocalOperands:
            let (height, width) = (Int.random(in: 2...5, using: &g), Int.random(in: 2...5, using: &g))
            let channels = Int.random(in: 1...2, using: &g)
            let size = Int.random(in: 1...3, using: &g), stride = Int.random(in: 1...2, using: &g)
            let padding = pick(["SAME", "VALID"])
            let poolable = padding == "SAME" || (size <= height && size <= width)
            let pools = poolable ? """

                output(alice, "public_pool", avgpool2d(reveal(x), \(size), \(stride), "\(padding)"))
                output(alice, "local_pool", avgpool2d(reveal(x, alice), \(size), \(stride), "\(padding)"))
                """ : ""
            return GeneratedProgram(
                text: h + """
                    x = private_input(alice, [1, \(height), \(width), \(channels)])
                    k = public_input(bob, [2, 2, \(channels), 2])
                    m = input(alice, [\(channels), 3])
                    output(alice, "public_kernel", conv2d(x, k, \(stride), "SAME"))
                    output(alice, "public_image", conv2d(reveal(x), k, \(stride), "SAME"))
                    output(alice, "local_matmul", reveal(x, alice) @ m)
                    output(alice, "public_layout", transpose(reshape(reveal(x) * 2, [\(height), -1])))
                    """ + pools,
                distributions: ["x": .uniform(4), "k": .uniform(2), "m": .uniform(2)])
        case .fractionalBits:
            // Products of two values carry 2 frac bits: at frac 28 they must stay below 2^(62 - 56) = 64.
            let frac = pick([4, 8, 12, 20, 24, 28])
            let (m, k) = (Int.random(in: 1...3, using: &g), Int.random(in: 1...3, using: &g))
            return GeneratedProgram(
                text: "fixedpoint(frac: \(frac))\n" + h + """
                    a = private_input(alice, [\(m), \(k)])
                    b = private_input(bob, [\(k), \(m)])
                    output(alice, "product", a * transpose(b))
                    output(alice, "matmul", a @ b)
                    output(alice, "average", mean(a, axis: 0))
                    output(alice, "scaled", a / 3)
                    output(alice, "sigmoid", sigmoid(a))
                    """,
                distributions: ["a": .uniform(2), "b": .uniform(2)])
        case .reluDerivative:
            let s = shape(1...3)
            return GeneratedProgram(text: "protocol securenn\n" + h + """
                a = private_input(alice, \(s.tfe))
                dy = private_input(bob, \(partner(s).tfe))
                output(alice, "forward", relu(a))
                output(alice, "derivative", relu_deriv(a))
                output(bob, "backward", dy * relu_deriv(a))
                output(alice, "local", relu_deriv(reveal(a, alice)))
                """)
        case .maxpoolGradient:
            let size = Int.random(in: 1...3, using: &g), stride = Int.random(in: 1...3, using: &g)
            let padding = pick(["SAME", "VALID"])
            let (height, width) = (Int.random(in: size...6, using: &g), Int.random(in: size...6, using: &g))
            let (batch, channels) = (Int.random(in: 1...2, using: &g), Int.random(in: 1...2, using: &g))
            func out(_ n: Int) -> Int { padding == "SAME" ? (n + stride - 1) / stride : (n - size) / stride + 1 }
            let pooled = [batch, out(height), out(width), channels]
            return GeneratedProgram(text: "protocol securenn\n" + h + """
                x = private_input(alice, [\(batch), \(height), \(width), \(channels)])
                dy = private_input(bob, \(pooled.tfe))
                output(alice, "pooled", maxpool2d(x, \(size), \(stride), "\(padding)"))
                output(alice, "gradient", maxpool2d_grad(x, dy, \(size), \(stride), "\(padding)"))
                output(bob, "local", maxpool2d_grad(reveal(x, bob), reveal(dy, bob), \(size), \(stride), "\(padding)"))
                """)
        case .privateDivision:
            // SecureNN's division needs 0 <= a < 2b: ReLU outputs over their sum plus a margin, as its training's
            // normalisation, and over a larger divisor.
            let (m, k) = (Int.random(in: 1...3, using: &g), Int.random(in: 1...5, using: &g))
            return GeneratedProgram(
                text: "protocol securenn\n" + h + """
                    a = private_input(alice, [\(m), \(k)])
                    b = private_input(bob, [\(m), \(k)])
                    r = relu(a)
                    output(alice, "normalised", r / (reshape(sum(r, axis: 1), [\(m), 1]) + 0.5))
                    output(bob, "ratio", r / (r + relu(b) + 1))
                    """,
                distributions: ["a": .uniform(8), "b": .uniform(8)])
        case .plaintextFunctions:
            let s = [Int.random(in: 1...4, using: &g), Int.random(in: 2...5, using: &g)]
            return GeneratedProgram(
                text: h + """
                    a = private_input(alice, \(s.tfe))
                    b = private_input(bob, \(s.tfe))
                    r = reveal(a)
                    l = reveal(b, alice)
                    output(alice, "less", r < 0.5)
                    output(alice, "at_least", l >= l * 0.5 - 0.25)
                    output(alice, "largest", argmax(l, axis: -1))
                    output(alice, "probabilities", softmax(l))
                    output(alice, "rectified", relu(l))
                    output(alice, "logarithm", log(l * l + 1))
                    """,
                distributions: ["a": .uniform(4), "b": .uniform(4)])
        case .concatenate:
            let base = shape(1...3)
            let axis = Int.random(in: 0..<base.count, using: &g)
            func along(_ length: Int) -> [Int] {
                var dimensions = base
                dimensions[axis] = length
                return dimensions
            }
            let (la, lb, lp) = (Int.random(in: 1...3, using: &g), Int.random(in: 1...3, using: &g),
                                Int.random(in: 1...3, using: &g))
            let k = pick([axis, axis - base.count])
            let protocolLine = pick(["", "protocol securenn\n"])
            return GeneratedProgram(text: protocolLine + h + """
                a = private_input(alice, \(along(la).tfe))
                b = private_input(bob, \(along(lb).tfe))
                p = public_input(bob, \(along(lp).tfe))
                output(alice, "private", concat(a, b, axis: \(k)))
                output(alice, "mixed", concat(p, a, p, b, axis: \(k)) * 2 + 1)
                output(bob, "public", concat(p, p * 0.5, axis: \(k)))
                output(alice, "local", concat(reveal(a, alice), reveal(b, alice) - 1, axis: \(k)))
                """)
        case .slicing:
            let dimensions = shape(1...3, 1...6)
            var items: [String] = []
            for length in dimensions.prefix(Int.random(in: 1...dimensions.count, using: &g)) {
                // Non-empty slices only, written in NumPy's many spellings: negative bounds, bounds past the end,
                // omitted bounds, negative steps.
                let start = Int.random(in: 0..<length, using: &g)
                func either(_ bound: Int) -> String { pick([String(bound), String(bound - length)]) }
                switch Int.random(in: 0..<6, using: &g) {
                case 0: items.append(either(start))
                case 1: items.append(":")
                case 2:
                    let end = Int.random(in: (start + 1)...length, using: &g)
                    items.append(either(start) + ":" + (end == length ? pick(["", String(length + 2)]) : either(end)))
                case 3:
                    let step = Int.random(in: 1...3, using: &g)
                    items.append(pick(["", either(start)]).isEmpty ? "::\(step)" : either(start) + "::\(step)")
                case 4:
                    let step = -Int.random(in: 1...3, using: &g)
                    let end = Int.random(in: -1..<start, using: &g)
                    items.append(either(start) + ":" + (end == -1 ? "" : either(end)) + ":\(step)")
                default: items.append(pick([":\(start + 1)", "\(start):"]))
                }
            }
            let subscriptText = "[" + items.joined(separator: ", ") + "]"
            return GeneratedProgram(text: pick(["", "protocol securenn\n"]) + h + """
                a = private_input(alice, \(dimensions.tfe))
                p = public_input(bob, \(dimensions.tfe))
                output(alice, "private", a\(subscriptText))
                output(alice, "public", p\(subscriptText))
                output(alice, "computed", (a * p)\(subscriptText) + 1)
                output(bob, "local", reveal(a, bob)\(subscriptText))
                """)
        case .padding:
            let dimensions = shape(1...4)
            let pads = dimensions.map { _ in [Int.random(in: 0...2, using: &g), Int.random(in: 0...2, using: &g)] }
            let padsText = "[" + pads.map(\.tfe).joined(separator: ", ") + "]"
            return GeneratedProgram(text: pick(["", "protocol securenn\n"]) + h + """
                a = private_input(alice, \(dimensions.tfe))
                p = public_input(bob, \(dimensions.tfe))
                output(alice, "private", pad(a, \(padsText)))
                output(alice, "public", pad(p, \(padsText)))
                output(alice, "computed", pad(a * p, \(padsText)) - 1)
                output(bob, "local", pad(reveal(a, bob), \(padsText)))
                """)
        case .squeezeExpandDims:
            let dimensions = shape(1...3).map { Int.random(in: 0..<2, using: &g) == 0 ? 1 : $0 }
            let ones = dimensions.indices.filter { dimensions[$0] == 1 }
            let squeezed = ones.isEmpty
                ? "squeeze(a)" : "squeeze(a, axis: \(pick(ones) - pick([0, dimensions.count])))"
            let axis = Int.random(in: -(dimensions.count + 1)...dimensions.count, using: &g)
            return GeneratedProgram(text: h + """
                a = private_input(alice, \(dimensions.tfe))
                p = public_input(bob, \(dimensions.tfe))
                output(alice, "squeezed", \(squeezed))
                output(alice, "all", squeeze(a))
                output(alice, "expanded", expand_dims(a, axis: \(axis)))
                output(bob, "public", expand_dims(squeeze(p), axis: 0))
                """)
        case .maximumMinimum:
            let s = shape(1...3)
            return GeneratedProgram(text: "protocol securenn\n" + h + """
                a = private_input(alice, \(s.tfe))
                b = private_input(bob, \(partner(s).tfe))
                p = public_input(bob, \(partner(s).tfe))
                output(alice, "maximum", maximum(a, b))
                output(alice, "minimum", minimum(b, a))
                output(alice, "public", maximum(p, a))
                output(alice, "relu6", minimum(maximum(a, 0), 6))
                output(alice, "leaky", maximum(a, a * 0.1))
                output(bob, "plaintext", minimum(p, 0.5))
                output(bob, "local", maximum(reveal(a, bob), reveal(b, bob)))
                """)
        }
    }
}

extension Array where Element == Int {
    /// `[2, 3]`, as the language writes shapes and lists.
    var tfe: String { "[" + map(String.init).joined(separator: ", ") + "]" }
}

/// Per-operation property tests: random small programs, run privately, against the reference.
///
/// Each case runs `trials` programs with seeds derived from the case; odd trials run without round batching.
/// A failure prints the seed and the program. `TFE_E2E_SEED=N swift test --filter OperationPropertyTests`
/// reruns every case with that one seed.
struct OperationPropertyTests {
    static let trials = 8

    static func seeds(for operation: OperationCase) -> [UInt64] {
        if let fixed = ProcessInfo.processInfo.environment["TFE_E2E_SEED"].flatMap(UInt64.init) { return [fixed] }
        let base = UInt64(OperationCase.allCases.firstIndex(of: operation)! + 1) * 1_000
        return (0..<UInt64(trials)).map { base + $0 }
    }

    @Test("random programs run privately as the reference", arguments: OperationCase.allCases)
    func operationMatchesReference(_ operation: OperationCase) throws {
        for (trial, seed) in Self.seeds(for: operation).enumerated() {
            var generator = SplitMix64(seed: seed)
            let generated = operation.generate(&generator)
            let context = "\(operation.rawValue), seed \(seed), program:\n\(generated.text)\n"
            let optimize = trial % 2 == 0
            let compiled = EndToEnd.compile(generated.text, path: "\(operation.rawValue).tfe", optimize: optimize)
            guard let program = compiled.program else {
                Issue.record(Comment(rawValue: context + "does not compile:\n"
                    + EndToEnd.describe(compiled.diagnostics, generated.text, path: "\(operation.rawValue).tfe")))
                continue
            }
            let inputs = EndToEnd.makeInputs(for: program, seed: seed, distribution: generated.distribution(for:))
            let reference: [OutputKey: ReferenceTensor]
            let run: LocalRunResult
            do {
                reference = try ReferenceInterpreter.run(compiled.frontend.program, inputs: inputs.doubles)
                run = try EndToEnd.run(program, inputs, seed: seed)
            } catch {
                Issue.record(Comment(rawValue: context + "failed: \(error)"))
                continue
            }
            #expect(run.cost == CostModel.cost(of: program), Comment(rawValue: context + "measured cost differs"))
            let comparison = EndToEnd.compare(EndToEnd.outputs(of: run), reference, players: program.players)
            EndToEnd.report("\(operation.rawValue) seed \(seed)", comparison)
            for problem in comparison.problems { Issue.record(Comment(rawValue: context + problem)) }
        }
    }
}
