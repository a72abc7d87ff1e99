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
    /// `store "w0", s3, p4`: keeps a private value on the servers for later runs, in its masked form: s3 is
    /// the value's mask (dealt by `mask` or brought back by `load`) and p4 the opened difference
    /// `value − mask`. server0 and server1 each write p4 and the key their share of the mask is expanded
    /// from; server2 writes both keys. No file holds the value or a share of it in the clear, and a later
    /// `load` never opens it again. Files are written when the run has finished. Cost: none.
    case store = 20
    /// `s3 = divfinish p0, s1, s2 divisor=3`: the last, local step of exact division by a public integer D
    /// (`ExactDivision`), the truncation protocol generalized from 2^frac to any D. With c the opened
    /// `x + offset(D) + r`, and as shares q = ⌊r/D⌋ and w = msb(r)·(⌊r/D⌋ − ⌊(r − 2^64)/D⌋) (from `divpair`):
    /// server0 computes `⌊c/D⌋ − q0 + (1 − msb(c))·w0 − offset(D)/D`, server1 `−q1 + (1 − msb(c))·w1`. The
    /// result is ⌊x/D⌋ or ⌊x/D⌋ + 1, less than one unit from x/D, for every `−2^61 < x < 2^62`. Cost: none.
    case divFinish = 21
    /// `p1 = div p0 divisor=3`: a public ring value divided by the integer D, rounded to the nearest (halves
    /// up). Cost: none.
    case div = 22
    /// `s3 = concat s0, s1, s2 axis=1`: the sources joined along one axis, in order; every other axis agrees.
    /// All sources are of the destination's kind (private, public, or local to its owner): servers join their
    /// shares. Cost: none.
    case concat = 23
    /// `s1 = slice s0 begin=[0, 4] step=[1, 2]`: `dst[i] = src[begin + i * step]` for every index i of the
    /// destination (of the source's rank); a step may be negative, never zero. Cost: none.
    case slice = 24
    /// `s1 = pad s0 before=[0, 1, 1, 0]`: the source placed at offset `before` in a destination of zeros (the
    /// destination's shape gives the padding after). Zero is a sharing of zero, so servers pad their shares.
    /// Cost: none.
    case pad = 25

    // MARK: - Interactive (online; the scheduler merges rounds)

    /// `s0 = input @client "x"`: the player reads its input, draws a fresh seed, and sends server1 the seed
    /// (its share is the seed's expansion) and server0 the value minus that expansion (n elements); into a
    /// public register it sends the encoded value to server0 and server1 (n to each); into a local register
    /// nothing is sent.
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
    /// `s1 = share l0`: the owner of a local value secret-shares it as `input` does: a fresh seed to server1,
    /// the value minus the seed's expansion to server0 (n elements).
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
    /// `s3, p4 = load "w0"`: brings back a value `store` kept: s3 is its mask (server0's and server1's shares
    /// expanded from their stored keys; server2 expands both and keeps the mask for `product`), p4 the
    /// stored difference `value − mask` (server0 and server1). The value itself is `p4 + s3`, whose masked
    /// form every product reuses without opening anything. The machine checks the stored shape, element
    /// type and fractional bits against the instruction's registers. Cost: none.
    case load = 53
    /// `s0, s1, s2 = divpair divisor=3`: `truncpair` for exact division by D: shares of a random r, of ⌊r/D⌋ and
    /// of w = msb(r)·(⌊r/D⌋ − ⌊(r − 2^64)/D⌋), the correction when `x + offset(D) + r` wraps around 2^64 (it
    /// is 2^(64-k)·msb(r) for D = 2^k). r's shares come from seeds, server2 sends server1 its shares of the
    /// other two (2n elements).
    case divPair = 54

    // MARK: - SecureNN (Wagh, Gupta, Chandran, PETS 2019; server2 is the paper's P2)
    //
    // These instructions run SecureNN's ShareConvert, PrivateCompare and ComputeMSB, one instruction per
    // round, so the scheduler batches them across whole tensors. Besides Z_L (L = 2^64, every register's
    // ring) they compute in the odd ring Z_(L-1) (residues 0...2^64-2 in a register's words) and in the field
    // Z_p, p = 67 (residues 0...66, one byte each). A register of "bit shares" has the shape of its value plus
    // a last axis of 8: each element's 64 shares over Z_p of bits 0...63, one byte per bit, bit i in the i-th
    // byte of the element's 8 words (in memory order).
    // server0 and server1 also hold a seed that server2 never sees (server0 sends it to server1 in the first
    // offline round, 32 bytes, when a program uses these instructions); "common randomness" is drawn from it,
    // stream = instruction index. What server2 learns in a step (a reconstructed masked value, a compared
    // bit) stays on server2, filed under the instruction's first destination; the register itself holds the
    // servers' shares. Where server2 shares a value, server0's share comes from the seed it shares with
    // server2 (stream = instruction index) and server1 receives the difference, as in the paper's Section
    // 7.1 for Beaver triples. Below, n is the element count of the value and ℓ = 64.

    /// `s0, s1, s2 = msbpair`: ComputeMSB's randomness (Algorithm 5, step 1), dealt offline: a random r in
    /// Z_(L-1); s0 holds its shares over Z_(L-1) (both from seeds), s1 (shape of s0 plus [8]) the shares of
    /// its bits over Z_p, s2 the shares of its least significant bit over Z_L. server2 sends server1 its shares
    /// of the bits and the LSB: 64n bytes and n elements (ℓ log p + ℓ bits per element).
    case msbPair = 64
    /// `s1, p2, p3 = scmask s0`: ShareConvert round 1 (Algorithm 4, steps 1-4) of a sharing a over Z_L,
    /// a ≠ L-1. From common randomness the servers draw r = r0 + r1 and the bit η''; server j sends server2
    /// ã_j = a_j + r_j (n elements each: 2ℓ bits per element), and server2 keeps x = ã_0 + ã_1 and
    /// δ = wrap(ã_0, ã_1). s1 holds the servers' partial shares over Z_(L-1) (a_j − β_j, and + α + 1 on
    /// server0, with β_j = wrap(a_j, r_j) and α = wrap(r0, r1)); p2 holds r, p3 holds η'' (0 or 1).
    case shareConvertMask = 65
    /// `s2, s3 = scbits s1`: ShareConvert round 2 (steps 5-6): server2 shares the bits of x over Z_p into s2
    /// (shape of s1 plus [8]) and δ over Z_(L-1), which the servers subtract from s1's partial shares into
    /// s3. server2 sends server1 64n bytes and n elements (ℓ log p + ℓ bits per element; server0's halves,
    /// another ℓ log p + ℓ in the paper's count, come from its seed).
    case shareConvertBits = 66
    /// `s4 = privatecompare ge s2, p0, p1`: PrivateCompare (Algorithm 3) of x, whose bits s2 holds shared
    /// over Z_p, with the public t in p0: server2 learns β ⊕ (x ≥ t) (`ge`) or β ⊕ (x > t) (`gt`), where β is
    /// the low bit of p1. Each server sends server2 the 64 masked, permuted values d_i = s_i·c_i (re-randomised
    /// with common u_i): 64n bytes each (2ℓ log p bits per element), one round. s4 is server2's result.
    case privateCompare = 67
    /// `s6 = scfinish s3, s4, p1`: ShareConvert round 4 (steps 9-12): server2 shares the bit η' it learned in
    /// s4 over Z_(L-1); with η'' in p1 the servers form η = η' ⊕ η'' = (x ≥ r) and end with s6 = s3 − η,
    /// their shares of a over Z_(L-1). server2 sends server1 n elements (ℓ bits per element).
    case shareConvertFinish = 68
    /// `p2, p3 = msbopen s0, s1`: ComputeMSB round 2 (Algorithm 5, step 2): with y in s0 and the dealt r in s1
    /// (both over Z_(L-1)), the servers exchange their shares of c = 2y + r and both learn it in p2; from
    /// common randomness they draw the bit β into p3. n elements each way (2ℓ bits per element).
    case msbOpen = 69
    /// `s4, s5 = msbfinish s3, p2, p3, s1`: ComputeMSB round 4 (steps 5-7): server2 shares the bit β' it
    /// learned in s3 (PrivateCompare `gt` of r's bits with c) over Z_L; the servers compute shares of
    /// γ = β ⊕ β' = (r > c) into s4 and of δ = c[0] ⊕ r[0] into s5 (s1: the dealt LSB of r).
    /// MSB(y) = γ ⊕ δ, whose product γδ the lowering takes with a Beaver product. server2 sends server1 n
    /// elements (ℓ bits per element).
    case msbFinish = 70

    // MARK: - Training (local)

    /// `s1 = unpool s0 size=2 stride=2 padding=VALID`: the adjoint of gathering a pool's windows. s0 holds one
    /// tensor of the pool's output shape `[n, oh, ow, c]` per window offset, `[size², n, oh, ow, c]` in row-major
    /// offset order; each element is added into the input cell its window offset covers, giving s1 of the
    /// pool's input shape `[n, h, w, c]` (the destination register's shape); SAME padding's cells outside the
    /// input are dropped. Linear, so servers apply it to their shares (`maxpool2d_grad` scatters the routed
    /// gradient with it). Cost: none.
    case unpool = 80

    // MARK: - ABY3: replicated sharing (`ServerRole.replicated`)

    // Under `protocol aby3` a private register holds two components on every server: server i holds the
    // additive shares (x_i, x_(i+1 mod 3)) of x = x_0 + x_1 + x_2. Local opcodes (`add`, `matmul` by a public
    // value, `reshape`, …) run on both components, with public values added to share 0. `output` and `reveal`
    // send the additive view (server0 x_0 + x_1, server1 x_2). The pair a truncation or a division deals
    // (`truncpair`, `divpair`) stays Pond's two additive shares on server0 and server1; only the opcodes below
    // read it. Comparisons use the boolean opcodes at the end of this group (135-139).

    /// `s0 = rinput @client "x"`: the player splits its input into three additive shares, x_0 and x_1 expanded
    /// from two fresh seeds, x_2 = x − x_0 − x_1, and sends each server its two: server0 both seeds, server1
    /// the seed of x_1 and x_2, server2 x_2 and the seed of x_0 (2n elements and 4 seeds in all, against 6n
    /// for three explicit shares); into a public register it sends the encoded value to all three (n each).
    case replicatedInput = 128
    /// `s1 = rshare l0`: the owner of a local value shares it as `rinput` does (2n elements and 4 seeds).
    case replicatedShare = 129
    /// `p1 = ropen s0`: every server learns the value: server i sends its first component x_i to server
    /// i+1 mod 3, the one share that server lacks (n elements on each of three links).
    case replicatedOpen = 130
    /// `s2 = rproduct mul s0, s1` (also `matmul`, `conv2d stride=1 padding=SAME`): ABY3's product. Server i
    /// computes z_i = x_i∘y_i + x_i∘y_(i+1) + x_(i+1)∘y_i + α_i, where α_0 + α_1 + α_2 = 0 is drawn from the
    /// pairwise seeds (α_i = F(k_i) − F(k_(i+1)), seed k_j known to servers j and j−1), and sends z_i to server
    /// i−1, which then holds (z_(i−1), z_i). One round, n_c elements on each of three links.
    case replicatedProduct = 131
    /// `p2 = rmaskopen s0, s1`: opens x + r to server0 and server1 only, for x replicated and r a sharing
    /// server2 dealt to server0 and server1 (`truncpair`, `divpair`): server0 sends x_0 + x_1 + r_0, server1
    /// x_2 + r_1 (n elements each way). server2, which knows r, learns nothing; the public result exists on
    /// server0 and server1 alone and only `rtruncfinish` and `rdivfinish` read it.
    case replicatedMaskedOpen = 132
    /// `s3 = rtruncfinish p0, s1, s2`: `truncfinish`'s local step on server0 and server1, giving two additive
    /// shares a + b of the truncated value, then re-shared as replicated shares: x_0 from the seed of server0
    /// and server2, x_2 from the seed of server1 and server2, and x_1 = (a − x_0) + (b − x_2), whose two
    /// halves server0 and server1 exchange (n elements each way).
    case replicatedTruncFinish = 133
    /// `s3 = rdivfinish p0, s1, s2 divisor=3`: `divfinish`'s local step, re-shared as `rtruncfinish` does
    /// (n elements each way between server0 and server1).
    case replicatedDivFinish = 134

    // Binary sharings (ABY3's section 5.3): a private `int` register may hold a replicated boolean sharing of
    // 64-bit words, x = x_0 ⊕ x_1 ⊕ x_2 with server i holding (x_i, x_(i+1 mod 3)), one value's 64 bits to a
    // word. Only the opcodes below give it that meaning; the lowering never mixes the two readings except
    // through `component`, whose result is both a boolean and an arithmetic sharing of the same component.

    /// `s2 = xor s0, s1`: x ⊕ y of two boolean sharings, component by component, on each server alone. Cost: none.
    case booleanXor = 135
    /// `s1 = shl s0 by=1`: each component shifted left by a constant (logical), which shifts the shared word.
    /// Cost: none.
    case shiftLeft = 136
    /// `s1 = shr s0 by=63`: each component shifted right by a constant (logical). Cost: none.
    case shiftRight = 137
    /// `s1 = component s0 slot=2`: keeps component j of s0 and sets the other two to zero, on each server alone
    /// (the two servers holding x_j copy it). Read as a boolean sharing it is a_j, an addend of A2B's carry-save
    /// layer; read arithmetically, the sharing of the ring value x_j (of bit b_j when x is a shared bit).
    /// Cost: none.
    case component = 138
    /// `s2 = band s0, s1`: the replicated AND of two boolean sharings: server i computes z_i = x_i∧y_i ⊕
    /// x_i∧y_(i+1) ⊕ x_(i+1)∧y_i ⊕ α_i, α_i = F(k_i) ⊕ F(k_(i+1)) from the pairwise seeds (streams of its own,
    /// apart from `rproduct`'s), and sends z_i to server i−1. One round, one word per element on each of three
    /// links.
    case booleanAnd = 139

    // Cached models under ABY3 (148-159; 135-147 are the comparisons').

    /// `rstore "w0" s3`: keeps a private value on the servers for later runs: server i writes the two
    /// components (x_i, x_(i+1)) it holds, as they are; no server learns anything it did not hold during the
    /// run, and what one server holds is two of three additive shares, independent of the value. Files are
    /// written when the run has finished, in the same two-phase commit as `store`. Cost: none.
    case replicatedStore = 148
    /// `s3 = rload "w0"`: brings back a value `rstore` kept: each server reads its two components from its
    /// own state file, with the preprocessing (no player, and so no model owner, takes part). The machine
    /// checks the stored protocol, shape, element type and fractional bits against the register. Cost: none.
    case replicatedLoad = 149
}

extension Opcode {
    /// The opcode table: one entry per opcode with its mnemonic, phase, operand slots (their names, register
    /// kinds and asm keywords, in the order `Instruction` holds them), the messages it sends, and the seeds it
    /// draws from.
    /// Everything below and the encoder, decoder, printer, cost model and the verifier's generic checks derive
    /// from it. (`Sources/TFEBytecode/README.md` lists the steps to add an opcode.)
    public var spec: OpcodeSpec { OpcodeTable.specs[Int(rawValue)] }

    /// The entries, built once into `OpcodeTable.specs`.
    fileprivate var entry: OpcodeSpec {
        let (s0, s1, s2) = (Flow.Party.server0, Flow.Party.server1, Flow.Party.server2)
        let field = WireFormat.fieldElementBytes
        switch self {
        case .invalid: return OpcodeSpec("invalid", .local, [])
        case .const: return OpcodeSpec("const", .local, [.dst("dst"), .constant("constant")], ranges: .own)
        case .add:
            return OpcodeSpec(
                "add", .local, [.dst("dst"), .src("lhs"), .src("rhs")], shapes: .elementwise(maxPrivate: 2),
                ranges: .own)
        case .sub:
            return OpcodeSpec(
                "sub", .local, [.dst("dst"), .src("lhs"), .src("rhs")], shapes: .elementwise(maxPrivate: 2),
                ranges: .own)
        case .neg:
            return OpcodeSpec(
                "neg", .local, [.dst("dst"), .src("src")], shapes: .elementwise(maxPrivate: 1), ranges: .sourceKind)
        case .mul:
            return OpcodeSpec(
                "mul", .local, [.dst("dst"), .src("lhs"), .src("rhs")], shapes: .elementwise(maxPrivate: 1),
                ranges: .own)
        case .matmul: return OpcodeSpec("matmul", .local, [.dst("dst"), .src("lhs"), .src("rhs")], ranges: .own)
        case .conv2d:
            return OpcodeSpec(
                "conv2d", .local,
                [
                    .dst("dst"), .src("input"), .src("kernel"), .integer("stride", .keyword("stride")),
                    .selector("padding", .padding, .keyword("padding")),
                ], ranges: .own)
        case .sum:
            return OpcodeSpec("sum", .local, [.dst("dst"), .src("src"), .integer("axis", .axis)], ranges: .sourceKind)
        case .transpose:
            return OpcodeSpec(
                "transpose", .local, [.dst("dst"), .src("src"), .integers("permutation")], ranges: .sourceKind)
        case .reshape: return OpcodeSpec("reshape", .local, [.dst("dst"), .src("src")], ranges: .sourceKind)
        case .concat:
            return OpcodeSpec("concat", .local, [.dst("dst"), .srcs("sources"), .integer("axis", .axis)])
        case .slice:
            return OpcodeSpec(
                "slice", .local,
                [.dst("dst"), .src("src"), .integers("begin", .keyword("begin")), .integers("step", .keyword("step"))],
                ranges: .sourceKind)
        case .pad:
            return OpcodeSpec(
                "pad", .local, [.dst("dst"), .src("src"), .integers("before", .keyword("before"))],
                ranges: .sourceKind)
        case .poolsum: return OpcodeSpec("poolsum", .local, Opcode.windowSlots, ranges: .sourceKind)
        case .unpool: return OpcodeSpec("unpool", .local, Opcode.windowSlots, ranges: .sourceKind)
        case .trunc: return OpcodeSpec("trunc", .local, [.dst("dst", .public), .src("src", .public)], ranges: .own)
        case .map:
            return OpcodeSpec(
                "map", .local, [.dst("dst"), .src("src"), .selector("function", .mapFunction, .afterMnemonic)],
                shapes: .elementwise(maxPrivate: 0), ranges: .plaintext)
        case .compare:
            return OpcodeSpec(
                "compare", .local,
                [.dst("dst"), .src("lhs"), .src("rhs"), .selector("comparison", .comparison, .afterMnemonic)],
                shapes: .elementwise(maxPrivate: 0), ranges: .plaintext)
        case .select:
            return OpcodeSpec(
                "select", .local, [.dst("dst"), .src("condition"), .src("lhs"), .src("rhs")],
                shapes: .elementwise(maxPrivate: 0), ranges: .plaintext)
        case .reduce:
            return OpcodeSpec(
                "reduce", .local,
                [
                    .dst("dst"), .src("src"), .selector("reduction", .reduction, .afterMnemonic),
                    .integer("axis", .axis),
                ], ranges: .plaintext)
        case .sharePublic:
            return OpcodeSpec("sharepublic", .local, [.dst("dst", .private), .src("src", .public)], ranges: .own)
        case .truncFinish:
            return OpcodeSpec(
                "truncfinish", .local,
                [.dst("dst", .private), .src("masked", .public), .src("high", .private), .src("msb", .private)],
                ranges: .own)
        case .print: return OpcodeSpec("print", .local, [.player("player"), .string("format"), .srcs("values")])
        case .store:
            return OpcodeSpec("store", .local, [.string("name"), .src("mask", .private), .src("opened", .public)])
        case .divFinish:
            return OpcodeSpec(
                "divfinish", .local,
                [
                    .dst("dst", .private), .src("masked", .public), .src("quotient", .private),
                    .src("wrap", .private), .integer("divisor", .keyword("divisor")),
                ], ranges: .own)
        case .div:
            return OpcodeSpec(
                "div", .local, [.dst("dst", .public), .src("src", .public), .integer("divisor", .keyword("divisor"))],
                ranges: .own)
        case .input:
            return OpcodeSpec(
                "input", .online, [.dst("dst"), .player("player"), .string("name")],
                sends: [
                    Flow(.player(slot: 1), s0, elementsOf: [0], when: .notLocal(slot: 0)),
                    Flow(.player(slot: 1), s1, seeds: 1, when: .isPrivate(slot: 0)),
                    Flow(.player(slot: 1), s1, elementsOf: [0], when: .isPublic(slot: 0)),
                ], ranges: .own)
        case .output:
            return OpcodeSpec(
                "output", .online, [.player("player"), .string("name"), .src("src")],
                sends: [
                    Flow(s0, .player(slot: 0), elementsOf: [2], when: .notLocal(slot: 2)),
                    Flow(s1, .player(slot: 0), elementsOf: [2], when: .isPrivate(slot: 2)),
                ])
        case .open:
            return OpcodeSpec(
                "open", .online, [.dst("dst", .public), .src("src", .private)],
                sends: [Flow(s0, s1, elementsOf: [1]), Flow(s1, s0, elementsOf: [1])], ranges: .own)
        case .reveal:
            return OpcodeSpec(
                "reveal", .online, [.dst("dst", .local), .src("src", .private), .player("player")],
                sends: [Flow(s0, .player(slot: 2), elementsOf: [1]), Flow(s1, .player(slot: 2), elementsOf: [1])])
        case .share:
            return OpcodeSpec(
                "share", .online, [.dst("dst", .private), .src("src", .local)],
                sends: [Flow(.owner(slot: 1), s0, elementsOf: [0]), Flow(.owner(slot: 1), s1, seeds: 1)],
                ranges: .own)
        case .triple:
            return OpcodeSpec(
                "triple", .preprocessing,
                [.dst("a", .private), .dst("b", .private), .dst("c", .private)] + Opcode.tripleKindSlots(at: 3),
                sends: [Flow(s2, s1, elementsOf: [2])], seeds: .dealer)
        case .squarePair:
            return OpcodeSpec(
                "squarepair", .preprocessing, [.dst("a", .private), .dst("square", .private)],
                sends: [Flow(s2, s1, elementsOf: [1])], seeds: .dealer)
        case .truncPair:
            return OpcodeSpec(
                "truncpair", .preprocessing, [.dst("r", .private), .dst("high", .private), .dst("msb", .private)],
                sends: [Flow(s2, s1, elementsOf: [1, 2])], seeds: .dealer)
        case .mask: return OpcodeSpec("mask", .preprocessing, [.dst("a", .private)], seeds: .dealer, ranges: .own)
        case .product:
            return OpcodeSpec(
                "product", .preprocessing,
                [.dst("c", .private), .src("a", .private), .src("b", .private)] + Opcode.tripleKindSlots(at: 3),
                sends: [Flow(s2, s1, elementsOf: [0])], seeds: .dealer, ranges: .own)
        case .load:
            return OpcodeSpec(
                "load", .preprocessing, [.dst("mask", .private), .dst("opened", .public), .string("name")],
                ranges: .own)
        case .divPair:
            return OpcodeSpec(
                "divpair", .preprocessing,
                [
                    .dst("r", .private), .dst("quotient", .private), .dst("wrap", .private),
                    .integer("divisor", .keyword("divisor")),
                ],
                sends: [Flow(s2, s1, elementsOf: [1, 2])], seeds: .dealer)
        case .msbPair:
            return OpcodeSpec(
                "msbpair", .preprocessing, [.dst("r", .private), .dst("bits", .private), .dst("lsb", .private)],
                sends: [Flow(s2, s1, elementsOf: [0], factor: 64, elementBytes: field), Flow(s2, s1, elementsOf: [0])],
                seeds: .dealer)
        case .shareConvertMask:
            return OpcodeSpec(
                "scmask", .online,
                [.dst("dst", .private), .dst("mask", .public), .dst("flip", .public), .src("src", .private)],
                sends: [Flow(s0, s2, elementsOf: [3]), Flow(s1, s2, elementsOf: [3])], seeds: .serverPair)
        case .shareConvertBits:
            return OpcodeSpec(
                "scbits", .online, [.dst("bits", .private), .dst("dst", .private), .src("src", .private)],
                sends: [Flow(s2, s1, elementsOf: [1], factor: 64, elementBytes: field), Flow(s2, s1, elementsOf: [1])],
                seeds: .dealer)
        case .privateCompare:
            return OpcodeSpec(
                "privatecompare", .online,
                [
                    .dst("dst", .private), .src("bits", .private), .src("threshold", .public),
                    .src("flip", .public), .selector("comparison", .privateComparison, .afterMnemonic),
                ],
                sends: [
                    Flow(s0, s2, elementsOf: [0], factor: 64, elementBytes: field),
                    Flow(s1, s2, elementsOf: [0], factor: 64, elementBytes: field),
                ],
                seeds: .serverPair)
        case .shareConvertFinish:
            return OpcodeSpec(
                "scfinish", .online,
                [.dst("dst", .private), .src("partial", .private), .src("compared", .private), .src("flip", .public)],
                sends: [Flow(s2, s1, elementsOf: [0])], seeds: .dealer)
        case .msbOpen:
            return OpcodeSpec(
                "msbopen", .online,
                [.dst("dst", .public), .dst("flip", .public), .src("src", .private), .src("r", .private)],
                sends: [Flow(s0, s1, elementsOf: [2]), Flow(s1, s0, elementsOf: [2])], seeds: .serverPair)
        case .msbFinish:
            return OpcodeSpec(
                "msbfinish", .online,
                [
                    .dst("gamma", .private), .dst("delta", .private), .src("compared", .private),
                    .src("masked", .public), .src("flip", .public), .src("lsb", .private),
                ],
                sends: [Flow(s2, s1, elementsOf: [0])], seeds: .dealer, ranges: .own)
        case .replicatedInput:
            return OpcodeSpec(
                "rinput", .online, [.dst("dst"), .player("player"), .string("name")],
                sends: Opcode.replicatedSharing(from: .player(slot: 1), when: .isPrivate(slot: 0))
                    + [s0, s1, s2].map { Flow(.player(slot: 1), $0, elementsOf: [0], when: .isPublic(slot: 0)) })
        case .replicatedShare:
            return OpcodeSpec(
                "rshare", .online, [.dst("dst", .private), .src("src", .local)],
                sends: Opcode.replicatedSharing(from: .owner(slot: 1), when: .always))
        case .replicatedOpen:
            return OpcodeSpec(
                "ropen", .online, [.dst("dst", .public), .src("src", .private)],
                sends: [Flow(s0, s1, elementsOf: [1]), Flow(s1, s2, elementsOf: [1]), Flow(s2, s0, elementsOf: [1])])
        case .replicatedProduct:
            return OpcodeSpec(
                "rproduct", .online,
                [.dst("c", .private), .src("a", .private), .src("b", .private)] + Opcode.tripleKindSlots(at: 3),
                sends: [Flow(s0, s2, elementsOf: [0]), Flow(s1, s0, elementsOf: [0]), Flow(s2, s1, elementsOf: [0])],
                seeds: [.dealer, .serverPair])
        case .replicatedMaskedOpen:
            return OpcodeSpec(
                "rmaskopen", .online, [.dst("dst", .public), .src("src", .private), .src("r", .private)],
                sends: [Flow(s0, s1, elementsOf: [1]), Flow(s1, s0, elementsOf: [1])])
        case .replicatedTruncFinish:
            return OpcodeSpec(
                "rtruncfinish", .online,
                [.dst("dst", .private), .src("masked", .public), .src("high", .private), .src("msb", .private)],
                sends: [Flow(s0, s1, elementsOf: [0]), Flow(s1, s0, elementsOf: [0])], seeds: .dealer)
        case .replicatedDivFinish:
            return OpcodeSpec(
                "rdivfinish", .online,
                [
                    .dst("dst", .private), .src("masked", .public), .src("quotient", .private),
                    .src("wrap", .private), .integer("divisor", .keyword("divisor")),
                ],
                sends: [Flow(s0, s1, elementsOf: [0]), Flow(s1, s0, elementsOf: [0])], seeds: .dealer)
        case .booleanXor:
            return OpcodeSpec("xor", .local, [.dst("dst", .private), .src("lhs", .private), .src("rhs", .private)])
        case .shiftLeft:
            return OpcodeSpec(
                "shl", .local, [.dst("dst", .private), .src("src", .private), .integer("bits", .keyword("by"))])
        case .shiftRight:
            return OpcodeSpec(
                "shr", .local, [.dst("dst", .private), .src("src", .private), .integer("bits", .keyword("by"))])
        case .component:
            return OpcodeSpec(
                "component", .local,
                [.dst("dst", .private), .src("src", .private), .integer("slot", .keyword("slot"))])
        case .booleanAnd:
            return OpcodeSpec(
                "band", .online, [.dst("dst", .private), .src("lhs", .private), .src("rhs", .private)],
                sends: [Flow(s0, s2, elementsOf: [0]), Flow(s1, s0, elementsOf: [0]), Flow(s2, s1, elementsOf: [0])],
                seeds: [.dealer, .serverPair])
        case .replicatedStore:
            return OpcodeSpec("rstore", .local, [.string("name"), .src("src", .private)])
        case .replicatedLoad:
            return OpcodeSpec("rload", .preprocessing, [.dst("dst", .private), .string("name")])
        }
    }

    /// How a player shares a value (in slot 0) into replicated shares: x_0 and x_1 come from seeds, x_2 = x − x_0
    /// − x_1 travels; server0 gets both seeds, server1 the seed of x_1 and x_2, server2 x_2 and the seed of x_0.
    private static func replicatedSharing(from owner: Flow.Party, when condition: Flow.Condition) -> [Flow] {
        [
            Flow(owner, .server0, seeds: 2, when: condition),
            Flow(owner, .server1, seeds: 1, when: condition),
            Flow(owner, .server1, elementsOf: [0], when: condition),
            Flow(owner, .server2, elementsOf: [0], when: condition),
            Flow(owner, .server2, seeds: 1, when: condition),
        ]
    }

    /// `poolsum` and `unpool`: `s1 = poolsum s0 size=2 stride=2 padding=VALID`.
    private static let windowSlots: [OperandSlot] = [
        .dst("dst"), .src("src"), .integer("size", .keyword("size")), .integer("stride", .keyword("stride")),
        .selector("padding", .padding, .keyword("padding")),
    ]

    /// A `TripleKind` as three slots from `first`: the kind, then a convolution's stride and padding (zero and
    /// not printed for the other kinds).
    private static func tripleKindSlots(at first: Int) -> [OperandSlot] {
        let convolution = (slot: first, code: TripleKind.Code.conv2d.rawValue)
        return [
            .selector("kind", .tripleKind, .afterMnemonic),
            .integer("stride", .keyword("stride"), shownWhen: convolution),
            .selector("padding", .padding, .keyword("padding"), shownWhen: convolution),
        ]
    }

    // MARK: - Facts derived from the table

    /// The asm spelling.
    public var mnemonic: String { spec.mnemonic }

    /// The operand kinds, in order.
    public var operands: [OperandKind] { OpcodeTable.operandKinds[Int(rawValue)] }

    /// Whether the operation can send messages (online or offline); `Instruction.communicates` says whether
    /// one instruction does.
    public var isInteractive: Bool { OpcodeTable.communication[Int(rawValue)] != .never }

    /// Whether the operation belongs to the preprocessing phase (offline rounds).
    public var isPreprocessing: Bool { spec.phase == .preprocessing }

    /// Whether the operation draws from the seed server0 and server1 share (SecureNN's common randomness).
    public var usesServerPairSeed: Bool { spec.seeds.contains(.serverPair) }

    /// Whether the operation runs online but needs the seeds of the first offline round (server2 shares a
    /// value it learned, or the servers draw common randomness).
    public var needsSeeds: Bool { spec.phase != .preprocessing && !spec.seeds.isEmpty }

    /// Whether server0's and server1's part expands shares from the seeds server2 deals in the first offline
    /// round: in that round they can run it only once the round's frames (carrying the seeds) have arrived.
    public var expandsDealerSeeds: Bool { spec.seeds.contains(.dealer) }

    /// How the verifier checks the register kinds and shapes (`OpcodeSpec.shapes`), read once per instruction.
    public var shapeRule: ShapeRule { OpcodeTable.shapeRules[Int(rawValue)] }

    /// What the range checker makes of the results (`OpcodeSpec.ranges`), read once per instruction.
    public var rangeRule: RangeRule { OpcodeTable.rangeRules[Int(rawValue)] }

    /// Whether some operand names a player or a constant (whose indices the verifier checks).
    public var hasTableOperands: Bool { OpcodeTable.hasTableOperands[Int(rawValue)] }
}

/// The opcode table, built once from `Opcode.entry`, and the facts hot loops read, as flat arrays by raw value.
@usableFromInline
enum OpcodeTable {
    @usableFromInline static let specs: [OpcodeSpec] = {
        var table = Array(repeating: Opcode.invalid.entry, count: Int(UInt8.max) + 1)
        for opcode in Opcode.allCases { table[Int(opcode.rawValue)] = opcode.entry }
        return table
    }()

    @usableFromInline static let operandKinds: [[OperandKind]] = specs.map { $0.operands.map(\.kind) }

    /// What building and visiting an instruction reads per slot, flat and allocated once for the life of the
    /// process: `Instruction.maxSlots` entries per opcode from `raw value × maxSlots`. Reading it retains
    /// nothing, which matters at millions of instructions (nested arrays cost a retain and a release a read).
    @usableFromInline struct Slot {
        @usableFromInline var kind: OperandKind
        @usableFromInline var registers: RegisterClass
        /// How many codes a selector slot's enum has (256 for a selector of no enum).
        @usableFromInline var selectorCodes: Int
    }

    @usableFromInline nonisolated(unsafe) static let slots: UnsafePointer<Slot> = {
        let table = UnsafeMutablePointer<Slot>.allocate(capacity: specs.count * Instruction.maxSlots)
        let empty = Slot(kind: .integer, registers: .any, selectorCodes: 0)
        table.initialize(repeating: empty, count: specs.count * Instruction.maxSlots)
        for (raw, spec) in specs.enumerated() {
            for (index, slot) in spec.operands.prefix(Instruction.maxSlots).enumerated() {
                let codes = slot.kind == .selector ? slot.selector?.names.count ?? 256 : 0
                table[raw * Instruction.maxSlots + index] = Slot(
                    kind: slot.kind, registers: slot.registers, selectorCodes: codes)
            }
        }
        return UnsafePointer(table)
    }()

    /// Each opcode's slot count, by raw value (flat, like `slots`).
    @usableFromInline nonisolated(unsafe) static let slotCounts: UnsafePointer<Int> = {
        let table = UnsafeMutablePointer<Int>.allocate(capacity: specs.count)
        table.initialize(repeating: 0, count: specs.count)
        for (raw, spec) in specs.enumerated() { table[raw] = spec.operands.count }
        return UnsafePointer(table)
    }()

    static let communication: [Communication] = specs.map(\.communication)

    static let shapeRules: [ShapeRule] = specs.map(\.shapes)

    static let rangeRules: [RangeRule] = specs.map(\.ranges)

    static let hasTableOperands: [Bool] = specs.map { spec in
        spec.operands.contains { $0.kind == .player || $0.kind == .constant }
    }
}
