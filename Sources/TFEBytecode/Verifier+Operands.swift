import TFECore

// The per-opcode checks of `Verifier`: register kinds, shapes and operand values. They run once the indices
// of an instruction are known to be in range.
extension Verifier {
    /// The register's shape as a position in `shapes`: equal positions are equal shapes.
    private func shapePosition(_ register: Register) -> Int {
        switch register {
        case .private(let r): return Int(privateShapes[r.rawValue])
        case .public(let r): return Int(publicShapes[r.rawValue])
        case .local(let r): return Int(localShapes[r.rawValue])
        }
    }

    private func shape(_ register: Register) -> Shape { shapes[shapePosition(register)] }

    /// Reports unless `register` has the shape of `other`: the positions decide, the shapes only name the
    /// mismatch.
    private mutating func expect(_ register: Register, sameShapeAs other: Register, at site: Site) {
        if shapePosition(register) != shapePosition(other) { expect(register, shape: shape(other), at: site) }
    }

    private mutating func expect(_ register: Register, shape expected: Shape, at site: Site) {
        let actual = shape(register)
        if actual != expected {
            report(.shape, "'\(register)' has shape \(actual) where \(expected) is expected", at: site)
        }
    }

    /// Checks `result` against the destination's shape, or reports why there is no result.
    private mutating func expect(
        _ register: Register, _ result: Result<Shape, ShapeMismatch>, at site: Site
    ) {
        switch result {
        case .success(let expected): expect(register, shape: expected, at: site)
        case .failure(let mismatch): report(mismatch.isOperand ? .operandValue : .shape, mismatch.message, at: site)
        }
    }

    /// The placement rule of ordinary operations: local registers mix only with local registers of the same
    /// owner, and the destination is private exactly when an operand is.
    ///
    /// The operands come one by one rather than as an array: this runs for most instructions.
    private mutating func checkHolders(
        _ dst: Register, _ first: Register, _ second: Register? = nil, _ third: Register? = nil, maxPrivate: Int,
        at site: Site
    ) {
        func isLocal(_ register: Register?) -> Bool { if case .local = register { true } else { false } }
        func isPrivate(_ register: Register?) -> Int { register?.isPrivate == true ? 1 : 0 }
        if isLocal(dst) || isLocal(first) || isLocal(second) || isLocal(third) {
            checkLocalHolders([dst, first] + [second, third].compactMap { $0 }, at: site)
            return
        }
        let privateCount = isPrivate(first) + isPrivate(second) + isPrivate(third)
        if privateCount > maxPrivate {
            let limit = maxPrivate == 0 ? "no private operand" : "at most one private operand"
            report(.registerKind, "'\(site.instruction.opcode.mnemonic)' takes \(limit)", at: site)
        } else if dst.isPrivate != (privateCount > 0) {
            let expected = privateCount > 0 ? "private" : "public"
            report(.registerKind, "the destination \(describe(dst)) should be \(expected)", at: site)
        }
    }

    /// `checkHolders` when a register is local: all must be local to one owner.
    private mutating func checkLocalHolders(_ all: [Register], at site: Site) {
        if let local = all.first(where: { if case .local = $0 { return true } else { return false } }) {
            let owner = program.info(local).owner
            for register in all {
                if case .local = register {
                    if program.info(register).owner != owner {
                        report(
                            .registerKind, "\(describe(local)) and \(describe(register)) have different owners",
                            at: site)
                        return
                    }
                } else {
                    report(
                        .registerKind,
                        "\(describe(register)) cannot mix with \(describe(local)): local values mix only with "
                            + "local values of the same player", at: site)
                    return
                }
            }
        }
    }

    /// `ShapeRules.broadcast` of two shapes, without building an array when they are equal (most often).
    /// Equal shapes and a scalar against anything (a constant's shape) answer without building an array: this
    /// runs for most instructions.
    private func broadcast(_ a: Shape, _ b: Shape) -> Result<Shape, ShapeMismatch> {
        if b.rank == 0 || a == b { return .success(a) }
        if a.rank == 0 { return .success(b) }
        return ShapeRules.broadcast([a, b])
    }

    /// Checks an instruction's register kinds, shapes and operand values: by the table's rule, or by the
    /// opcode's own.
    mutating func checkOperands(_ site: Site) {
        switch site.instruction.opcode.shapeRule {
        case .elementwise(let maxPrivate):
            checkElementwise(site, maxPrivate: maxPrivate)
        case .own:
            if !checkOwnRule(site) {
                let mnemonic = site.instruction.opcode.mnemonic
                report(.invalidOperands, "'\(mnemonic)' has no rule of its own in the verifier", at: site)
            }
        }
    }

    /// The table's `.elementwise` rule: the destination has the broadcast shape of the register sources, and
    /// `checkHolders`' placement rule with `maxPrivate`. It reads the registers `check` gathered (the last
    /// destination, as the walk over the slots left it): this runs for most instructions.
    private mutating func checkElementwise(_ site: Site, maxPrivate: Int) {
        let sourceCount = self.sources.count
        let sources = (
            sourceCount > 0 ? self.sources[0] : nil, sourceCount > 1 ? self.sources[1] : nil,
            sourceCount > 2 ? self.sources[2] : nil
        )
        guard let dst = destinations.last, let first = sources.0, sourceCount <= 3 else {
            let mnemonic = site.instruction.opcode.mnemonic
            report(.invalidOperands, "'\(mnemonic)' is not element-wise over one to three sources", at: site)
            return
        }
        checkHolders(dst, first, sources.1, sources.2, maxPrivate: maxPrivate, at: site)
        // By positions first: equal shapes, or a scalar against anything, broadcast without building a shape.
        var position = shapePosition(first)
        var positionsDecide = true
        func meet(_ source: Register?) {
            guard let source, positionsDecide else { return }
            let other = shapePosition(source)
            if other == position || scalarShapes[other] { return }
            if scalarShapes[position] {
                position = other
            } else {
                positionsDecide = false
            }
        }
        meet(sources.1)
        meet(sources.2)
        if positionsDecide {
            if shapePosition(dst) != position { expect(dst, shape: shapes[position], at: site) }
            return
        }
        var result: Result<Shape, ShapeMismatch> = .success(shape(first))
        if let second = sources.1 { result = result.flatMap { broadcast($0, shape(second)) } }
        if let third = sources.2 { result = result.flatMap { broadcast($0, shape(third)) } }
        expect(dst, result, at: site)
    }

    /// The rules of opcodes whose table entry says `.own`: true when the opcode has one here. (A chain of
    /// `if`s rather than a switch: a switch would have to list the opcodes the table's rules check.)
    private mutating func checkOwnRule(_ site: Site) -> Bool {
        let i = site.instruction
        // The most frequent first: products and truncations make up most of a large program.
        if i.opcode == .open {
            let (dst, src) = (i.publicRegister(0), i.privateRegister(1))
            expect(.public(dst), sameShapeAs: .private(src), at: site)
            return true
        }
        if i.opcode == .truncFinish {
            let (dst, masked, high) = (i.privateRegister(0), i.publicRegister(1), i.privateRegister(2))
            let msb = i.privateRegister(3)
            expect(.public(masked), sameShapeAs: .private(dst), at: site)
            expect(.private(high), sameShapeAs: .private(dst), at: site)
            expect(.private(msb), sameShapeAs: .private(dst), at: site)
            return true
        }
        if i.opcode == .product {
            let (c, a, b, kind) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2), i.tripleKind(3))
            expectProduct(c, of: a, b, kind, at: site)
            return true
        }
        if i.opcode == .truncPair {
            let (r, high, msb) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2))
            expect(.private(high), sameShapeAs: .private(r), at: site)
            expect(.private(msb), sameShapeAs: .private(r), at: site)
            return true
        }
        if i.opcode == .triple {
            let (a, b, c, kind) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2), i.tripleKind(3))
            expectProduct(c, of: a, b, kind, at: site)
            return true
        }
        if i.opcode == .const {
            let (dst, constant) = (i.register(0), i.constant(1))
            checkConstant(dst, constant, at: site)
            return true
        }
        if i.opcode == .matmul {
            let (dst, lhs, rhs) = (i.register(0), i.register(1), i.register(2))
            checkHolders(dst, lhs, rhs, maxPrivate: 1, at: site)
            expect(dst, ShapeRules.matmul(shape(lhs), shape(rhs)), at: site)
            return true
        }
        if i.opcode == .conv2d {
            let (dst, input, kernel, stride) = (i.register(0), i.register(1), i.register(2), i.integer(3))
            let padding = i.padding(4)
            checkHolders(dst, input, kernel, maxPrivate: 1, at: site)
            expect(dst, ShapeRules.conv2d(shape(input), shape(kernel), stride: stride, padding: padding), at: site)
            return true
        }
        if i.opcode == .sum {
            let (dst, src, axis) = (i.register(0), i.register(1), i.axis(2))
            checkHolders(dst, src, maxPrivate: 1, at: site)
            expect(dst, ShapeRules.reduced(shape(src), axis: axis), at: site)
            return true
        }
        if i.opcode == .transpose {
            let (dst, src, permutation) = (i.register(0), i.register(1), i.integers(2))
            checkHolders(dst, src, maxPrivate: 1, at: site)
            expect(dst, ShapeRules.transposed(shape(src), permutation), at: site)
            return true
        }
        if i.opcode == .slice {
            let (dst, src, begin, step) = (i.register(0), i.register(1), i.integers(2), i.integers(3))
            checkHolders(dst, src, maxPrivate: 1, at: site)
            if let problem = ShapeRules.slice(shape(src), into: shape(dst), begin: begin, step: step) {
                report(problem.isOperand ? .operandValue : .shape, problem.message, at: site)
            }
            return true
        }
        if i.opcode == .pad {
            let (dst, src, before) = (i.register(0), i.register(1), i.integers(2))
            checkHolders(dst, src, maxPrivate: 1, at: site)
            if let problem = ShapeRules.pad(shape(src), into: shape(dst), before: before) {
                report(problem.isOperand ? .operandValue : .shape, problem.message, at: site)
            }
            return true
        }
        if i.opcode == .concat {
            let (dst, sources, axis) = (i.register(0), i.registers(1), i.integer(2))
            func isLocal(_ register: Register) -> Bool { if case .local = register { true } else { false } }
            if isLocal(dst) || sources.contains(where: isLocal) {
                checkLocalHolders([dst] + sources, at: site)
            } else if let mixed = sources.first(where: { $0.isPrivate != dst.isPrivate }) {
                report(.registerKind, "'concat' joins registers of one kind: \(describe(mixed)) into \(describe(dst))",
                       at: site)
            }
            expect(dst, ShapeRules.concatenated(sources.map { shape($0) }, axis: axis), at: site)
            return true
        }
        if i.opcode == .reshape {
            let (dst, src) = (i.register(0), i.register(1))
            checkHolders(dst, src, maxPrivate: 1, at: site)
            if shape(dst).elementCount != shape(src).elementCount {
                report(.shape, "cannot reshape \(shape(src)) to \(shape(dst)): element counts differ", at: site)
            }
            return true
        }
        if i.opcode == .poolsum {
            let (dst, src, size, stride) = (i.register(0), i.register(1), i.integer(2), i.integer(3))
            let padding = i.padding(4)
            checkHolders(dst, src, maxPrivate: 1, at: site)
            expect(dst, ShapeRules.poolsum(shape(src), size: size, stride: stride, padding: padding), at: site)
            return true
        }
        if i.opcode == .unpool {
            let (dst, src, size, stride) = (i.register(0), i.register(1), i.integer(2), i.integer(3))
            let padding = i.padding(4)
            checkHolders(dst, src, maxPrivate: 1, at: site)
            if let problem = ShapeRules.unpool(shape(src), into: shape(dst), size: size, stride: stride,
                                               padding: padding) {
                report(problem.isOperand ? .operandValue : .shape, problem.message, at: site)
            }
            return true
        }
        if i.opcode == .trunc {
            let (dst, src) = (i.publicRegister(0), i.publicRegister(1))
            expect(.public(dst), sameShapeAs: .public(src), at: site)
            return true
        }
        if i.opcode == .div {
            let (dst, src, divisor) = (i.publicRegister(0), i.publicRegister(1), i.integer(2))
            expect(.public(dst), sameShapeAs: .public(src), at: site)
            checkDivisor(divisor, at: site)
            return true
        }
        if i.opcode == .reduce {
            let (dst, src, reduction) = (i.register(0), i.register(1), i.selector(2, as: Reduction.self))
            let axis = i.axis(3)
            checkHolders(dst, src, maxPrivate: 0, at: site)
            switch reduction {
            case .argmax:
                expect(dst, ShapeRules.reduced(shape(src), axis: axis), at: site)
            case .softmax:
                if let axis, axis >= 0, axis < shape(src).rank {
                    expect(dst, sameShapeAs: src, at: site)
                } else {
                    report(.operandValue, "softmax needs an axis of \(shape(src))", at: site)
                }
            }
            return true
        }
        if i.opcode == .sharePublic {
            let (dst, src) = (i.privateRegister(0), i.publicRegister(1))
            expect(.private(dst), sameShapeAs: .public(src), at: site)
            return true
        }
        if i.opcode == .divFinish {
            let (dst, masked, quotient) = (i.privateRegister(0), i.publicRegister(1), i.privateRegister(2))
            let (wrap, divisor) = (i.privateRegister(3), i.integer(4))
            for register in [Register.public(masked), .private(quotient), .private(wrap)] {
                expect(register, sameShapeAs: .private(dst), at: site)
            }
            checkDivisor(divisor, at: site)
            return true
        }
        if i.opcode == .print {
            let (player, format, values) = (i.player(0), i.string(1), i.registers(2))
            checkPrint(player, format, values, at: site)
            return true
        }
        if i.opcode == .input {
            let (dst, player) = (i.register(0), i.player(1))
            checkInput(dst, player, at: site)
            return true
        }
        if i.opcode == .output {
            let (player, src) = (i.player(0), i.register(2))
            checkOutput(src, player, at: site)
            return true
        }
        if i.opcode == .reveal {
            let (dst, src, player) = (i.localRegister(0), i.privateRegister(1), i.player(2))
            checkReceiver(player, of: .private(src), "reveal", at: site)
            if program.info(.local(dst)).owner != player {
                report(
                    .registerKind,
                    "\(describe(.local(dst))) cannot hold a value revealed to @\(program.playerName(player))", at: site
                )
            }
            expect(.local(dst), sameShapeAs: .private(src), at: site)
            return true
        }
        if i.opcode == .share {
            let (dst, src) = (i.privateRegister(0), i.localRegister(1))
            expect(.private(dst), sameShapeAs: .local(src), at: site)
            return true
        }
        if i.opcode == .mask {
            return true
        }
        if i.opcode == .store {
            let (name, mask, opened) = (i.string(0), i.privateRegister(1), i.publicRegister(2))
            checkStored(name, mask, opened, at: site)
            return true
        }
        if i.opcode == .load {
            let (mask, opened, name) = (i.privateRegister(0), i.publicRegister(1), i.string(2))
            checkStored(name, mask, opened, at: site)
            return true
        }
        if i.opcode == .squarePair {
            let (a, square) = (i.privateRegister(0), i.privateRegister(1))
            expect(.private(square), sameShapeAs: .private(a), at: site)
            return true
        }
        if i.opcode == .divPair {
            let (r, quotient, wrap) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2))
            let divisor = i.integer(3)
            expect(.private(quotient), sameShapeAs: .private(r), at: site)
            expect(.private(wrap), sameShapeAs: .private(r), at: site)
            checkDivisor(divisor, at: site)
            return true
        }
        if i.opcode == .msbPair {
            let (r, bits, lsb) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2))
            expectSecureNN(value: .private(r), bits: bits, others: [.private(lsb)], at: site)
            return true
        }
        if i.opcode == .shareConvertMask {
            let (dst, mask, flip) = (i.privateRegister(0), i.publicRegister(1), i.publicRegister(2))
            let src = i.privateRegister(3)
            expectSecureNN(value: .private(src), others: [.private(dst), .public(mask), .public(flip)], at: site)
            return true
        }
        if i.opcode == .shareConvertBits {
            let (bits, dst, src) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2))
            expectSecureNN(value: .private(src), bits: bits, others: [.private(dst)], at: site)
            return true
        }
        if i.opcode == .privateCompare {
            let (dst, bits, threshold) = (i.privateRegister(0), i.privateRegister(1), i.publicRegister(2))
            let flip = i.publicRegister(3)
            expectSecureNN(value: .private(dst), bits: bits, others: [.public(threshold), .public(flip)], at: site)
            return true
        }
        if i.opcode == .shareConvertFinish {
            let (dst, partial, compared) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2))
            let flip = i.publicRegister(3)
            let others: [Register] = [.private(partial), .private(compared), .public(flip)]
            expectSecureNN(value: .private(dst), others: others, at: site)
            return true
        }
        if i.opcode == .msbOpen {
            let (dst, flip, src) = (i.publicRegister(0), i.publicRegister(1), i.privateRegister(2))
            let r = i.privateRegister(3)
            expectSecureNN(value: .private(src), others: [.public(dst), .public(flip), .private(r)], at: site)
            return true
        }
        if i.opcode == .msbFinish {
            let (gamma, delta, compared) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2))
            let (masked, flip, lsb) = (i.publicRegister(3), i.publicRegister(4), i.privateRegister(5))
            let others: [Register] = [
                .private(delta), .private(compared), .public(masked), .public(flip), .private(lsb),
            ]
            expectSecureNN(value: .private(gamma), others: others, at: site)
            return true
        }
        return checkReplicatedRule(site)
    }

    /// ABY3's opcodes: they exist only under a protocol whose servers hold replicated shares.
    private mutating func checkReplicatedRule(_ site: Site) -> Bool {
        let instruction = site.instruction
        let isReplicated: Bool
        if instruction.opcode == .replicatedInput {
            let (dst, player) = (instruction.register(0), instruction.player(1))
            if case .local = dst { report(.registerKind, "'rinput' cannot write \(describe(dst))", at: site) }
            checkInput(dst, player, at: site)
            isReplicated = true
        } else if instruction.opcode == .replicatedShare {
            let (dst, src) = (instruction.privateRegister(0), instruction.localRegister(1))
            expect(.private(dst), sameShapeAs: .local(src), at: site)
            isReplicated = true
        } else if instruction.opcode == .replicatedOpen {
            let (dst, src) = (instruction.publicRegister(0), instruction.privateRegister(1))
            expect(.public(dst), sameShapeAs: .private(src), at: site)
            isReplicated = true
        } else if instruction.opcode == .replicatedProduct {
            let (c, a) = (instruction.privateRegister(0), instruction.privateRegister(1))
            let (b, kind) = (instruction.privateRegister(2), instruction.tripleKind(3))
            expectProduct(c, of: a, b, kind, at: site)
            isReplicated = true
        } else if instruction.opcode == .replicatedMaskedOpen {
            let (dst, src) = (instruction.publicRegister(0), instruction.privateRegister(1))
            let r = instruction.privateRegister(2)
            expect(.public(dst), sameShapeAs: .private(src), at: site)
            expect(.private(r), sameShapeAs: .private(src), at: site)
            isReplicated = true
        } else if instruction.opcode == .replicatedTruncFinish {
            let (dst, masked) = (instruction.privateRegister(0), instruction.publicRegister(1))
            let (high, msb) = (instruction.privateRegister(2), instruction.privateRegister(3))
            for register in [Register.public(masked), .private(high), .private(msb)] {
                expect(register, sameShapeAs: .private(dst), at: site)
            }
            isReplicated = true
        } else if instruction.opcode == .replicatedDivFinish {
            let (dst, masked) = (instruction.privateRegister(0), instruction.publicRegister(1))
            let (quotient, wrap) = (instruction.privateRegister(2), instruction.privateRegister(3))
            let divisor = instruction.integer(4)
            for register in [Register.public(masked), .private(quotient), .private(wrap)] {
                expect(register, sameShapeAs: .private(dst), at: site)
            }
            checkDivisor(divisor, at: site)
            isReplicated = true
        } else if [.booleanXor, .booleanAnd].contains(instruction.opcode) {
            let dst = instruction.privateRegister(0)
            let (lhs, rhs) = (instruction.privateRegister(1), instruction.privateRegister(2))
            expectSameShapes(.private(dst), .private(lhs), .private(rhs), at: site)
            isReplicated = true
        } else if [.shiftLeft, .shiftRight, .component].contains(instruction.opcode) {
            let (dst, src) = (instruction.privateRegister(0), instruction.privateRegister(1))
            let amount = instruction.integer(2)
            expectSameShapes(.private(dst), .private(src), at: site)
            if instruction.opcode == .component {
                if !(0..<3).contains(amount) {
                    report(.operandValue, "component slot \(amount) is outside 0...2", at: site)
                }
            } else {
                checkShift(amount, at: site)
            }
            isReplicated = true
        } else if instruction.opcode == .replicatedStore {
            checkStoredName(instruction.string(0), at: site)
            isReplicated = true
        } else if instruction.opcode == .replicatedLoad {
            checkStoredName(instruction.string(1), at: site)
            isReplicated = true
        } else {
            return false
        }
        if isReplicated, !program.protocolKind.definition.isReplicated {
            report(
                .operandValue,
                "'\(instruction.opcode.mnemonic)' needs replicated shares, which protocol "
                    + "'\(program.protocolKind.rawValue)' does not use", at: site)
        }
        return true
    }

    /// `store` and `load`: a valid name, and the opened value has the mask's shape and element type.
    private mutating func checkStored(
        _ name: String, _ mask: PrivateRegister, _ opened: PublicRegister, at site: Site
    ) {
        checkStoredName(name, at: site)
        expect(.public(opened), sameShapeAs: .private(mask), at: site)
        if program.info(.public(opened)).element != program.info(.private(mask)).element {
            let (opened, mask) = (Register.public(opened), Register.private(mask))
            report(.registerKind, "'\(opened)' and '\(mask)' differ in element type",
                   at: site)
        }
    }

    /// SecureNN's shapes: every register has the value's shape, and a register of bit shares has it plus a
    /// last axis of 8 (64 bytes).
    private mutating func expectSecureNN(
        value: Register, bits: PrivateRegister? = nil, others: [Register], at site: Site
    ) {
        let expected = shape(value)
        for register in others { expect(register, shape: expected, at: site) }
        if let bits { expect(.private(bits), shape: Shape(expected.dimensions + [8]), at: site) }
    }

    /// The boolean opcodes' rule: every register has the destination's shape (no broadcasting).
    private mutating func expectSameShapes(
        _ dst: Register, _ first: Register, _ second: Register? = nil, at site: Site
    ) {
        expect(first, sameShapeAs: dst, at: site)
        if let second { expect(second, sameShapeAs: dst, at: site) }
    }

    /// A shift of a 64-bit word moves it by 0 to 63 bits.
    private mutating func checkShift(_ bits: Int, at site: Site) {
        if !(0..<64).contains(bits) { report(.operandValue, "shift by \(bits) is outside 0...63", at: site) }
    }

    private mutating func checkDivisor(_ divisor: Int, at site: Site) {
        if !ExactDivision.isValid(divisor: divisor) {
            report(.operandValue, "divisor \(divisor) is outside 1...\(ExactDivision.divisorLimit)", at: site)
        }
    }

    private mutating func checkConstant(_ dst: Register, _ constant: Int, at site: Site) {
        if dst.isPrivate {
            report(.registerKind, "a constant cannot be loaded into \(describe(dst)); share a public one", at: site)
            return
        }
        let values = program.constants[constant]
        let count = shape(dst).elementCount ?? 0
        if values.count != 1 && values.count != count {
            report(
                .constantSize,
                "constant #\(constant) has \(values.count) values but \(describe(dst)) holds \(count)", at: site)
        }
        // A public register encodes the value in the ring: it must fit 63 bits once scaled.
        if case .public = dst {
            let frac = FractionalBits.range.contains(program.fractionalBits) ? program.fractionalBits : 0
            let scale = program.info(dst).element == .fixed ? Double(sign: .plus, exponent: frac, significand: 1) : 1
            let limit = Double(sign: .plus, exponent: 63, significand: 1)
            if let bad = values.first(where: { $0.isFinite && abs($0 * scale) >= limit }) {
                report(.constantValue, "constant #\(constant) value \(bad) does not fit \(describe(dst))", at: site)
            }
        }
    }

    private mutating func checkStoredName(_ name: String, at site: Site) {
        if !StoredName.isValid(name) {
            report(.operandValue, "stored value name \"\(name)\" is not \(StoredName.rule)", at: site)
        }
    }

    private mutating func checkPrint(_ player: PlayerID, _ format: String, _ values: [Register], at site: Site) {
        let placeholders = format.split(separator: "{}", omittingEmptySubsequences: false).count - 1
        if placeholders != values.count {
            report(.operandValue, "the format has \(placeholders) '{}' for \(values.count) values", at: site)
        }
        for register in values {
            switch register {
            case .private:
                report(.registerKind, "cannot print \(describe(register)); reveal it first", at: site)
            case .public where player != .server0:
                report(
                    .registerKind, "public values are printed by server0, not @\(program.playerName(player))", at: site
                )
            case .local where program.info(register).owner != player:
                report(.registerKind, "@\(program.playerName(player)) cannot print \(describe(register))", at: site)
            default:
                break
            }
        }
    }

    private func disclosure(of register: Register) -> IODeclaration.Disclosure {
        switch register {
        case .private: return .private
        case .public: return .public
        case .local: return .local
        }
    }

    mutating func checkDeclaration(
        _ entry: IODeclaration, _ register: Register, _ direction: String, at site: Site
    ) {
        let info = program.info(register)
        if entry.disclosure != disclosure(of: register) {
            report(
                .ioTable,
                "the \(direction) table declares \(Program.asmString(entry.name)) \(entry.disclosure), but "
                    + "\(describe(register)) is not", at: site)
        }
        if entry.element != info.element || entry.shape != info.shape {
            report(
                .ioTable,
                "the \(direction) table declares \(entry.element.rawValue)\(entry.shape), but '\(register)' is "
                    + "\(info.element.rawValue)\(info.shape)", at: site)
        }
    }

    private mutating func checkInput(_ dst: Register, _ player: PlayerID, at site: Site) {
        if case .local = dst, program.info(dst).owner != player {
            report(.registerKind, "@\(program.playerName(player))'s input cannot go to \(describe(dst))", at: site)
        }
    }

    private mutating func checkOutput(_ src: Register, _ player: PlayerID, at site: Site) {
        checkReceiver(player, of: src, "output", at: site)
        if case .local = src, program.info(src).owner != player {
            report(.registerKind, "\(describe(src)) cannot be output to @\(program.playerName(player))", at: site)
        }
    }

    /// Outputs and reveals go to players other than the servers: a server receiving both shares would hold
    /// the value in the clear. The checker refuses a server there; this keeps hand-made bytecode from it too.
    private mutating func checkReceiver(_ player: PlayerID, of src: Register, _ verb: String, at site: Site) {
        guard player.isServer else { return }
        let name = program.playerName(player)
        if src.isPrivate {
            report(.outputToServer, "\(verb) to '\(name)' would give a server a private value in the clear", at: site)
        } else {
            report(.outputToServer, "\(verb) to '\(name)': the servers receive no outputs", at: site)
        }
    }
}

extension Verifier {
    /// A Beaver triple's or a product's result shape: what `kind` makes of its operands' shapes.
    mutating func expectProduct(
        _ c: PrivateRegister, of a: PrivateRegister, _ b: PrivateRegister, _ kind: TripleKind, at site: Site
    ) {
        if case .mul = kind {
            // By positions when they decide, as `checkElementwise`.
            let (x, y) = (shapePosition(.private(a)), shapePosition(.private(b)))
            if x == y || scalarShapes[y] { return expect(.private(c), sameShapeAs: .private(a), at: site) }
            if scalarShapes[x] { return expect(.private(c), sameShapeAs: .private(b), at: site) }
        }
        let (x, y) = (shape(.private(a)), shape(.private(b)))
        switch kind {
        case .mul: expect(.private(c), broadcast(x, y), at: site)
        case .matmul: expect(.private(c), ShapeRules.matmul(x, y), at: site)
        case .conv2d(let stride, let padding):
            expect(.private(c), ShapeRules.conv2d(x, y, stride: stride, padding: padding), at: site)
        }
    }
}
