import TFECore

// Builders named after the opcodes, for readable call sites in the lowering and the tests:
// `.add(dst: s2, lhs: s0, rhs: s1)` is `Instruction(.add, s2, s0, s1)`. Each is one line over the generic,
// table-checked initializer; the table does not need them, and a new opcode can do without one
// (`Instruction(.abs, dst, src)`). Labels are the slots' names in the opcode's table entry.
//
// The builders the lowering calls several times per product (add, sub, mul, open, mask, product, truncpair,
// truncfinish) fill the slot words directly (`direct`), skipping the walk of the table: the words are those
// the generic initializer writes, which a debug build checks on every call (`checked`) and the tests check
// on sample operands. A release build leaves a register of a kind the table refuses to the verifier.

extension Instruction {
    public static func const(dst: Register, constant: Int) -> Instruction { Instruction(.const, dst, constant) }
    public static func add(dst: Register, lhs: Register, rhs: Register) -> Instruction {
        checked(direct(.add, dst.word, lhs.word, rhs.word)) { Instruction(.add, dst, lhs, rhs) }
    }
    public static func sub(dst: Register, lhs: Register, rhs: Register) -> Instruction {
        checked(direct(.sub, dst.word, lhs.word, rhs.word)) { Instruction(.sub, dst, lhs, rhs) }
    }
    public static func neg(dst: Register, src: Register) -> Instruction { Instruction(.neg, dst, src) }
    public static func mul(dst: Register, lhs: Register, rhs: Register) -> Instruction {
        checked(direct(.mul, dst.word, lhs.word, rhs.word)) { Instruction(.mul, dst, lhs, rhs) }
    }
    public static func matmul(dst: Register, lhs: Register, rhs: Register) -> Instruction {
        Instruction(.matmul, dst, lhs, rhs)
    }
    public static func conv2d(
        dst: Register, input: Register, kernel: Register, stride: Int, padding: Padding
    ) -> Instruction {
        Instruction(.conv2d, dst, input, kernel, stride, padding)
    }
    public static func sum(dst: Register, src: Register, axis: Int?) -> Instruction {
        Instruction(.sum, dst, src, axis)
    }
    public static func transpose(dst: Register, src: Register, permutation: [Int]) -> Instruction {
        Instruction(.transpose, dst, src, permutation)
    }
    public static func reshape(dst: Register, src: Register) -> Instruction { Instruction(.reshape, dst, src) }
    public static func concat(dst: Register, sources: [Register], axis: Int) -> Instruction {
        Instruction(.concat, dst, sources, axis)
    }
    public static func slice(dst: Register, src: Register, begin: [Int], step: [Int]) -> Instruction {
        Instruction(.slice, dst, src, begin, step)
    }
    public static func pad(dst: Register, src: Register, before: [Int]) -> Instruction {
        Instruction(.pad, dst, src, before)
    }
    public static func poolsum(dst: Register, src: Register, size: Int, stride: Int, padding: Padding) -> Instruction {
        Instruction(.poolsum, dst, src, size, stride, padding)
    }
    public static func unpool(dst: Register, src: Register, size: Int, stride: Int, padding: Padding) -> Instruction {
        Instruction(.unpool, dst, src, size, stride, padding)
    }
    public static func trunc(dst: PublicRegister, src: PublicRegister) -> Instruction { Instruction(.trunc, dst, src) }
    public static func map(dst: Register, src: Register, function: MapFunction) -> Instruction {
        Instruction(.map, dst, src, function)
    }
    public static func compare(dst: Register, lhs: Register, rhs: Register, comparison: Comparison) -> Instruction {
        Instruction(.compare, dst, lhs, rhs, comparison)
    }
    public static func select(dst: Register, condition: Register, lhs: Register, rhs: Register) -> Instruction {
        Instruction(.select, dst, condition, lhs, rhs)
    }
    public static func reduce(dst: Register, src: Register, reduction: Reduction, axis: Int?) -> Instruction {
        Instruction(.reduce, dst, src, reduction, axis)
    }
    public static func sharePublic(dst: PrivateRegister, src: PublicRegister) -> Instruction {
        Instruction(.sharePublic, dst, src)
    }
    public static func truncFinish(
        dst: PrivateRegister, masked: PublicRegister, high: PrivateRegister, msb: PrivateRegister
    ) -> Instruction {
        let words = (Register.private(dst).word, Register.public(masked).word, Register.private(high).word)
        return checked(direct(.truncFinish, words.0, words.1, words.2, Register.private(msb).word)) {
            Instruction(.truncFinish, dst, masked, high, msb)
        }
    }
    public static func print(player: PlayerID, format: String, values: [Register]) -> Instruction {
        Instruction(.print, player, format, values)
    }
    public static func store(name: String, mask: PrivateRegister, opened: PublicRegister) -> Instruction {
        Instruction(.store, name, mask, opened)
    }
    public static func divFinish(
        dst: PrivateRegister, masked: PublicRegister, quotient: PrivateRegister, wrap: PrivateRegister, divisor: Int
    ) -> Instruction {
        Instruction(.divFinish, dst, masked, quotient, wrap, divisor)
    }
    public static func div(dst: PublicRegister, src: PublicRegister, divisor: Int) -> Instruction {
        Instruction(.div, dst, src, divisor)
    }
    public static func input(dst: Register, player: PlayerID, name: String) -> Instruction {
        Instruction(.input, dst, player, name)
    }
    public static func output(player: PlayerID, name: String, src: Register) -> Instruction {
        Instruction(.output, player, name, src)
    }
    public static func open(dst: PublicRegister, src: PrivateRegister) -> Instruction {
        checked(direct(.open, Register.public(dst).word, Register.private(src).word)) { Instruction(.open, dst, src) }
    }
    public static func reveal(dst: LocalRegister, src: PrivateRegister, player: PlayerID) -> Instruction {
        Instruction(.reveal, dst, src, player)
    }
    public static func share(dst: PrivateRegister, src: LocalRegister) -> Instruction { Instruction(.share, dst, src) }
    public static func triple(
        a: PrivateRegister, b: PrivateRegister, c: PrivateRegister, kind: TripleKind
    ) -> Instruction {
        Instruction(.triple, a, b, c, kind)
    }
    public static func squarePair(a: PrivateRegister, square: PrivateRegister) -> Instruction {
        Instruction(.squarePair, a, square)
    }
    public static func truncPair(r: PrivateRegister, high: PrivateRegister, msb: PrivateRegister) -> Instruction {
        let words = (Register.private(r).word, Register.private(high).word, Register.private(msb).word)
        return checked(direct(.truncPair, words.0, words.1, words.2)) { Instruction(.truncPair, r, high, msb) }
    }
    public static func mask(_ value: PrivateRegister) -> Instruction {
        checked(direct(.mask, Register.private(value).word)) { Instruction(.mask, value) }
    }
    public static func product(
        c: PrivateRegister, a: PrivateRegister, b: PrivateRegister, kind: TripleKind
    ) -> Instruction {
        // The kind's slots: its code, then a stride and a padding that are 0 for every kind but a convolution.
        guard case .conv2d = kind else {
            let words = (Register.private(c).word, Register.private(a).word, Register.private(b).word)
            return checked(direct(.product, words.0, words.1, words.2, UInt32(kind.code.rawValue))) {
                Instruction(.product, c, a, b, kind)
            }
        }
        return Instruction(.product, c, a, b, kind)
    }
    public static func load(mask: PrivateRegister, opened: PublicRegister, name: String) -> Instruction {
        Instruction(.load, mask, opened, name)
    }
    public static func divPair(
        r: PrivateRegister, quotient: PrivateRegister, wrap: PrivateRegister, divisor: Int
    ) -> Instruction {
        Instruction(.divPair, r, quotient, wrap, divisor)
    }
    public static func msbPair(r: PrivateRegister, bits: PrivateRegister, lsb: PrivateRegister) -> Instruction {
        Instruction(.msbPair, r, bits, lsb)
    }
    public static func shareConvertMask(
        dst: PrivateRegister, mask: PublicRegister, flip: PublicRegister, src: PrivateRegister
    ) -> Instruction {
        Instruction(.shareConvertMask, dst, mask, flip, src)
    }
    public static func shareConvertBits(
        bits: PrivateRegister, dst: PrivateRegister, src: PrivateRegister
    ) -> Instruction {
        Instruction(.shareConvertBits, bits, dst, src)
    }
    public static func privateCompare(
        dst: PrivateRegister, bits: PrivateRegister, threshold: PublicRegister, flip: PublicRegister,
        comparison: PrivateComparison
    ) -> Instruction {
        Instruction(.privateCompare, dst, bits, threshold, flip, comparison)
    }
    public static func shareConvertFinish(
        dst: PrivateRegister, partial: PrivateRegister, compared: PrivateRegister, flip: PublicRegister
    ) -> Instruction {
        Instruction(.shareConvertFinish, dst, partial, compared, flip)
    }
    public static func msbOpen(
        dst: PublicRegister, flip: PublicRegister, src: PrivateRegister, r: PrivateRegister
    ) -> Instruction {
        Instruction(.msbOpen, dst, flip, src, r)
    }
    public static func msbFinish(
        gamma: PrivateRegister, delta: PrivateRegister, compared: PrivateRegister, masked: PublicRegister,
        flip: PublicRegister, lsb: PrivateRegister
    ) -> Instruction {
        Instruction(.msbFinish, gamma, delta, compared, masked, flip, lsb)
    }
    public static func replicatedInput(dst: Register, player: PlayerID, name: String) -> Instruction {
        Instruction(.replicatedInput, dst, player, name)
    }
    public static func replicatedShare(dst: PrivateRegister, src: LocalRegister) -> Instruction {
        Instruction(.replicatedShare, dst, src)
    }
    public static func replicatedOpen(dst: PublicRegister, src: PrivateRegister) -> Instruction {
        Instruction(.replicatedOpen, dst, src)
    }
    public static func replicatedProduct(
        c: PrivateRegister, a: PrivateRegister, b: PrivateRegister, kind: TripleKind
    ) -> Instruction {
        Instruction(.replicatedProduct, c, a, b, kind)
    }
    public static func replicatedMaskedOpen(
        dst: PublicRegister, src: PrivateRegister, r: PrivateRegister
    ) -> Instruction {
        Instruction(.replicatedMaskedOpen, dst, src, r)
    }
    public static func replicatedTruncFinish(
        dst: PrivateRegister, masked: PublicRegister, high: PrivateRegister, msb: PrivateRegister
    ) -> Instruction {
        Instruction(.replicatedTruncFinish, dst, masked, high, msb)
    }
    public static func replicatedDivFinish(
        dst: PrivateRegister, masked: PublicRegister, quotient: PrivateRegister, wrap: PrivateRegister, divisor: Int
    ) -> Instruction {
        Instruction(.replicatedDivFinish, dst, masked, quotient, wrap, divisor)
    }
    public static func booleanXor(dst: PrivateRegister, lhs: PrivateRegister, rhs: PrivateRegister) -> Instruction {
        Instruction(.booleanXor, dst, lhs, rhs)
    }
    public static func shiftLeft(dst: PrivateRegister, src: PrivateRegister, bits: Int) -> Instruction {
        Instruction(.shiftLeft, dst, src, bits)
    }
    public static func shiftRight(dst: PrivateRegister, src: PrivateRegister, bits: Int) -> Instruction {
        Instruction(.shiftRight, dst, src, bits)
    }
    public static func component(dst: PrivateRegister, src: PrivateRegister, slot: Int) -> Instruction {
        Instruction(.component, dst, src, slot)
    }
    public static func booleanAnd(dst: PrivateRegister, lhs: PrivateRegister, rhs: PrivateRegister) -> Instruction {
        Instruction(.booleanAnd, dst, lhs, rhs)
    }
    public static func replicatedStore(name: String, src: PrivateRegister) -> Instruction {
        Instruction(.replicatedStore, name, src)
    }
    public static func replicatedLoad(dst: PrivateRegister, name: String) -> Instruction {
        Instruction(.replicatedLoad, dst, name)
    }
}

extension Instruction {
    /// An instruction whose slots hold the given words (register words, or small codes), with nothing out of line:
    /// the first four slots, the others zero.
    static func direct(_ opcode: Opcode, _ w0: UInt32, _ w1: UInt32 = 0, _ w2: UInt32 = 0, _ w3: UInt32 = 0)
        -> Instruction
    {
        var words = SlotWords()
        words.low = UInt64(w0) | UInt64(w1) << 32
        words.middle = UInt64(w2) | UInt64(w3) << 32
        return Instruction(opcode: opcode, words: words, extras: [])
    }

    /// `instruction`, which a debug build first checks is what the generic, table-checked initializer builds.
    static func checked(_ instruction: Instruction, _ generic: () -> Instruction) -> Instruction {
        assert(instruction == generic(), "a direct builder of '\(instruction.opcode.mnemonic)' differs from the table")
        return instruction
    }
}
