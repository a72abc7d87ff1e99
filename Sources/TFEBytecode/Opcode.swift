/// Operations of the tfe machine. The raw value is the binary encoding: append new cases, never renumber
/// or reuse one.
///
/// Registers come in three kinds: `s` private (additive shares of a ring element held by server0 and
/// server1), `p` public (a ring element known to server0 and server1), `l` local (a float64 value held by
/// one player). Ring elements are in Z_2^64; a `fixed` register holds `round(v * 2^frac)`, an `int` register
/// holds `v`. Arithmetic on ring registers is raw ring arithmetic: products of two fixed values carry
/// `2 * frac` fractional bits until lowering truncates them. Local registers hold plain float64 values.
///
/// An operation with a private operand is executed by server0 and server1 on their shares; one whose
/// operands are all public by server0 and server1 on the clear value; one on local registers by their owner.
/// "n" below is the element count of the tensor that travels; every element is 8 bytes.
public enum Opcode: UInt8, CaseIterable, Sendable {
    case invalid = 0  // zero-filled bytes never decode as an instruction

    // MARK: - Local (no communication)

    /// `p0 = const #3`: the public constant number 3 of the constant pool, encoded by the register's element
    /// type (or `l0 = const #3` for a player's local copy). Cost: none.
    case const = 1
    /// `s2 = add s0, p1`: element-wise sum with NumPy broadcasting. With one private and one public operand,
    /// server0 adds the public value to its share and server1 keeps its share. Cost: none.
    case add = 2
    /// `s2 = sub s0, s1`: element-wise difference, broadcasting, like `add`. Cost: none.
    case sub = 3
    /// `s1 = neg s0`: element-wise negation. Cost: none.
    case neg = 4
    /// `s2 = mul p0, s1`: element-wise ring product with broadcasting; at most one operand is private, so
    /// each server multiplies its share by the public value. Cost: none.
    case mul = 5
    /// `s2 = matmul s0, p1`: matrix product over the last two axes, batch axes broadcast; at most one
    /// operand private. Cost: none.
    case matmul = 6
    /// `s2 = conv2d s0, p1 stride=1 padding=SAME`: NHWC input, HWIO kernel, TensorFlow padding; at most one
    /// operand private. Cost: none.
    case conv2d = 7
    /// `s1 = sum s0 axis=1`: sum over one axis (`axis=all` sums everything). Cost: none.
    case sum = 8
    /// `s1 = transpose s0 [1, 0]`: permutes axes. Cost: none.
    case transpose = 9
    /// `s1 = reshape s0`: same elements in row-major order, the destination register's shape. Cost: none.
    case reshape = 10
    /// `s1 = poolsum s0 size=2 stride=2 padding=VALID`: per-window sums of an NHWC tensor (the numerator
    /// of an average pool; SAME windows sum only the cells inside the input). Cost: none.
    case poolsum = 11
    /// `p1 = trunc p0`: arithmetic shift right by `frac` bits of a public ring value (a product's extra
    /// fractional bits). Private values are truncated by the `truncpair` / `open` / `truncfinish`
    /// protocol instead. Cost: none.
    case trunc = 12
    /// `l1 = map sigmoid l0`: a function applied element-wise to a public or local value, computed in
    /// float64 (public values are decoded, computed and encoded again, identically on both servers).
    /// Cost: none.
    case map = 13
    /// `l2 = compare lt l0, l1`: element-wise comparison of public or local values, 0 or 1. Cost: none.
    case compare = 14
    /// `l3 = select l0, l1, l2`: `where(c, a, b)` on public or local values. Cost: none.
    case select = 15
    /// `l1 = reduce argmax l0 axis=1`: `argmax` or `softmax` along an axis of a public or local value.
    /// Cost: none.
    case reduce = 16
    /// `s1 = share p0`: a public value as a sharing (server0 takes the value, server1 zero). Cost: none.
    case sharePublic = 17
    /// `s3 = truncfinish p0, s1, s2`: the last, local step of private truncation. With `c` the opened
    /// `x + 2^62 + r`, `rhi = r >> frac` and `rmsb = msb(r)` as shares: server0 computes
    /// `(c >> frac) - rhi0 + rmsb0 * (1 - msb(c)) * 2^(64-frac) - 2^(62-frac)`, server1
    /// `-rhi1 + rmsb1 * (1 - msb(c)) * 2^(64-frac)`. Exact but for at most one unit in the last place,
    /// for every `|x| < 2^62`. Cost: none.
    case truncFinish = 18
    /// `print "loss" l0`: a player (or server0, for public values) prints plaintext values. Cost: none.
    case print = 19

    // MARK: - Interactive (online; the scheduler merges rounds)

    /// `s0 = input @client "x"`: the player reads its input and sends one random share to server0 and the
    /// difference to server1 (n elements to each); into a public register it sends the encoded value to
    /// server0 and server1 (n to each); into a local register nothing is sent.
    case input = 32
    /// `output @client "logits" s9`: server0 and server1 send their shares to the player, who adds them
    /// (n elements each); a public value comes from server0 alone (n); a local value of the same player
    /// travels nowhere. The player writes it as `NAME.npy`.
    case output = 33
    /// `p1 = open s0`: server0 and server1 exchange their shares (n elements each way) and both learn the
    /// value. Masked operands of products and truncations are opened with it.
    case open = 34
    /// `l1 = reveal s0 @client`: server0 and server1 send their shares to the player (n each), who keeps
    /// the decoded value as a local register.
    case reveal = 35
    /// `s1 = share l0`: the owner of a local value secret-shares it: one random share to server0 and the
    /// difference to server1 (n elements each).
    case share = 36

    // MARK: - Preprocessing (offline: server2 deals correlated randomness)

    /// `s0, s1, s2 = triple mul [100, 512] [512]`: an element-wise Beaver triple `c = a * b` (broadcast).
    /// The shares of a and b, and server0's share of c, are expanded from the seeds server2 shares with
    /// each server; server2 sends server1 the correction share of c (n_c elements).
    case triple = 48
    /// `s0, s1 = squarepair [100, 512]`: a pair `(a, a^2)`; server2 sends server1 its share of a^2 (n).
    case squarePair = 49
    /// `s0, s1, s2 = truncpair [100, 512]`: shares of a random r, of `r >> frac` and of `msb(r)`; r's
    /// shares come from seeds, server2 sends server1 its shares of the other two (2n elements).
    case truncPair = 50
    /// `s0 = mask`: a random mask a for one private value; server0's and server1's shares come from their
    /// seeds with server2, which keeps a. Every product of that value reuses the mask, so the masked value
    /// `x − a` is opened once however many products it takes part in. Cost: none.
    case mask = 51
    /// `s2 = product mul s0, s1`: the correlation `c = a ∘ b` (element-wise, `matmul`, or `conv2d`) of two
    /// masks dealt by `mask`; server0's share of c comes from its seed, server2 sends server1 the correction
    /// share (n_c elements).
    case product = 52
}

/// What an operand slot of an instruction holds; the encoder, decoder, verifier and printer walk these.
public enum OperandKind: Sendable, Hashable {
    /// A destination register (any kind).
    case destination
    /// A source register (any kind).
    case source
    /// A list of source registers.
    case sources
    case player
    case string
    /// A constant-pool index.
    case constant
    case integer
    /// A list of small integers (an axis permutation).
    case integers
    /// A small enum: map function, comparison, reduction, padding, triple kind.
    case selector
}

extension Opcode {
    /// The asm spelling.
    public var mnemonic: String {
        switch self {
        case .invalid: return "invalid"
        case .const: return "const"
        case .add: return "add"
        case .sub: return "sub"
        case .neg: return "neg"
        case .mul: return "mul"
        case .matmul: return "matmul"
        case .conv2d: return "conv2d"
        case .sum: return "sum"
        case .transpose: return "transpose"
        case .reshape: return "reshape"
        case .poolsum: return "poolsum"
        case .trunc: return "trunc"
        case .map: return "map"
        case .compare: return "compare"
        case .select: return "select"
        case .reduce: return "reduce"
        case .sharePublic: return "sharepublic"
        case .truncFinish: return "truncfinish"
        case .print: return "print"
        case .input: return "input"
        case .output: return "output"
        case .open: return "open"
        case .reveal: return "reveal"
        case .share: return "share"
        case .triple: return "triple"
        case .squarePair: return "squarepair"
        case .truncPair: return "truncpair"
        case .mask: return "mask"
        case .product: return "product"
        }
    }

    /// Whether the operation sends messages (online or offline).
    public var isInteractive: Bool { rawValue >= 32 }

    /// Whether the operation belongs to the preprocessing phase (server2's dealing).
    public var isPreprocessing: Bool { rawValue >= 48 }
}
