import TFECore

// The per-opcode checks of `Verifier`: register kinds, shapes and operand values. They run once the indices
// of an instruction are known to be in range.
extension Verifier {
    private func shape(_ register: Register) -> Shape { program.info(register).shape }

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
    /// `checkHolders`' placement rule with `maxPrivate`. The registers are visited, not collected: this runs
    /// for most instructions.
    private mutating func checkElementwise(_ site: Site, maxPrivate: Int) {
        var dst: Register?
        var sources: (Register?, Register?, Register?) = (nil, nil, nil)
        var sourceCount = 0
        site.instruction.forEachRegister { isDestination, register in
            if isDestination {
                dst = register
                return
            }
            switch sourceCount {
            case 0: sources.0 = register
            case 1: sources.1 = register
            default: sources.2 = register
            }
            sourceCount += 1
        }
        guard let dst, let first = sources.0, sourceCount <= 3 else {
            let mnemonic = site.instruction.opcode.mnemonic
            report(.invalidOperands, "'\(mnemonic)' is not element-wise over one to three sources", at: site)
            return
        }
        checkHolders(dst, first, sources.1, sources.2, maxPrivate: maxPrivate, at: site)
        var result: Result<Shape, ShapeMismatch> = .success(shape(first))
        if let second = sources.1 { result = result.flatMap { broadcast($0, shape(second)) } }
        if let third = sources.2 { result = result.flatMap { broadcast($0, shape(third)) } }
        expect(dst, result, at: site)
    }

    /// The rules of opcodes whose table entry says `.own`: true when the opcode has one here. (A chain of
    /// `if case` rather than a switch: a switch would have to list the opcodes the table's rules check.)
    private mutating func checkOwnRule(_ site: Site) -> Bool {
        // The most frequent first: products and truncations make up most of a large program.
        if case .open(let dst, let src) = site.instruction {
            expect(.public(dst), shape: shape(.private(src)), at: site)
            return true
        }
        if case .truncFinish(let dst, let masked, let high, let msb) = site.instruction {
            let expected = shape(.private(dst))
            expect(.public(masked), shape: expected, at: site)
            expect(.private(high), shape: expected, at: site)
            expect(.private(msb), shape: expected, at: site)
            return true
        }
        if case .product(let c, let a, let b, let kind) = site.instruction {
            expectProduct(c, of: a, b, kind, at: site)
            return true
        }
        if case .truncPair(let r, let high, let msb) = site.instruction {
            expect(.private(high), shape: shape(.private(r)), at: site)
            expect(.private(msb), shape: shape(.private(r)), at: site)
            return true
        }
        if case .triple(let a, let b, let c, let kind) = site.instruction {
            expectProduct(c, of: a, b, kind, at: site)
            return true
        }
        if case .const(let dst, let constant) = site.instruction {
            checkConstant(dst, constant, at: site)
            return true
        }
        if case .matmul(let dst, let lhs, let rhs) = site.instruction {
            checkHolders(dst, lhs, rhs, maxPrivate: 1, at: site)
            expect(dst, ShapeRules.matmul(shape(lhs), shape(rhs)), at: site)
            return true
        }
        if case .conv2d(let dst, let input, let kernel, let stride, let padding) = site.instruction {
            checkHolders(dst, input, kernel, maxPrivate: 1, at: site)
            expect(dst, ShapeRules.conv2d(shape(input), shape(kernel), stride: stride, padding: padding), at: site)
            return true
        }
        if case .sum(let dst, let src, let axis) = site.instruction {
            checkHolders(dst, src, maxPrivate: 1, at: site)
            expect(dst, ShapeRules.reduced(shape(src), axis: axis), at: site)
            return true
        }
        if case .transpose(let dst, let src, let permutation) = site.instruction {
            checkHolders(dst, src, maxPrivate: 1, at: site)
            expect(dst, ShapeRules.transposed(shape(src), permutation), at: site)
            return true
        }
        if case .slice(let dst, let src, let begin, let step) = site.instruction {
            checkHolders(dst, src, maxPrivate: 1, at: site)
            if let problem = ShapeRules.slice(shape(src), into: shape(dst), begin: begin, step: step) {
                report(problem.isOperand ? .operandValue : .shape, problem.message, at: site)
            }
            return true
        }
        if case .pad(let dst, let src, let before) = site.instruction {
            checkHolders(dst, src, maxPrivate: 1, at: site)
            if let problem = ShapeRules.pad(shape(src), into: shape(dst), before: before) {
                report(problem.isOperand ? .operandValue : .shape, problem.message, at: site)
            }
            return true
        }
        if case .concat(let dst, let sources, let axis) = site.instruction {
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
        if case .reshape(let dst, let src) = site.instruction {
            checkHolders(dst, src, maxPrivate: 1, at: site)
            if shape(dst).elementCount != shape(src).elementCount {
                report(.shape, "cannot reshape \(shape(src)) to \(shape(dst)): element counts differ", at: site)
            }
            return true
        }
        if case .poolsum(let dst, let src, let size, let stride, let padding) = site.instruction {
            checkHolders(dst, src, maxPrivate: 1, at: site)
            expect(dst, ShapeRules.poolsum(shape(src), size: size, stride: stride, padding: padding), at: site)
            return true
        }
        if case .unpool(let dst, let src, let size, let stride, let padding) = site.instruction {
            checkHolders(dst, src, maxPrivate: 1, at: site)
            if let problem = ShapeRules.unpool(shape(src), into: shape(dst), size: size, stride: stride,
                                               padding: padding) {
                report(problem.isOperand ? .operandValue : .shape, problem.message, at: site)
            }
            return true
        }
        if case .trunc(let dst, let src) = site.instruction {
            expect(.public(dst), shape: shape(.public(src)), at: site)
            return true
        }
        if case .div(let dst, let src, let divisor) = site.instruction {
            expect(.public(dst), shape: shape(.public(src)), at: site)
            checkDivisor(divisor, at: site)
            return true
        }
        if case .reduce(let dst, let src, let reduction, let axis) = site.instruction {
            checkHolders(dst, src, maxPrivate: 0, at: site)
            switch reduction {
            case .argmax:
                expect(dst, ShapeRules.reduced(shape(src), axis: axis), at: site)
            case .softmax:
                if let axis, axis >= 0, axis < shape(src).rank {
                    expect(dst, shape: shape(src), at: site)
                } else {
                    report(.operandValue, "softmax needs an axis of \(shape(src))", at: site)
                }
            }
            return true
        }
        if case .sharePublic(let dst, let src) = site.instruction {
            expect(.private(dst), shape: shape(.public(src)), at: site)
            return true
        }
        if case .divFinish(let dst, let masked, let quotient, let wrap, let divisor) = site.instruction {
            let expected = shape(.private(dst))
            for register in [Register.public(masked), .private(quotient), .private(wrap)] {
                expect(register, shape: expected, at: site)
            }
            checkDivisor(divisor, at: site)
            return true
        }
        if case .print(let player, let format, let values) = site.instruction {
            checkPrint(player, format, values, at: site)
            return true
        }
        if case .input(let dst, let player, _) = site.instruction {
            checkInput(dst, player, at: site)
            return true
        }
        if case .output(let player, _, let src) = site.instruction {
            checkOutput(src, player, at: site)
            return true
        }
        if case .reveal(let dst, let src, let player) = site.instruction {
            checkReceiver(player, of: .private(src), "reveal", at: site)
            if program.info(.local(dst)).owner != player {
                report(
                    .registerKind,
                    "\(describe(.local(dst))) cannot hold a value revealed to @\(program.playerName(player))", at: site
                )
            }
            expect(.local(dst), shape: shape(.private(src)), at: site)
            return true
        }
        if case .share(let dst, let src) = site.instruction {
            expect(.private(dst), shape: shape(.local(src)), at: site)
            return true
        }
        if case .mask = site.instruction {
            return true
        }
        if case .store(let name, let mask, let opened) = site.instruction {
            checkStored(name, mask, opened, at: site)
            return true
        }
        if case .load(let mask, let opened, let name) = site.instruction {
            checkStored(name, mask, opened, at: site)
            return true
        }
        if case .squarePair(let a, let square) = site.instruction {
            expect(.private(square), shape: shape(.private(a)), at: site)
            return true
        }
        if case .divPair(let r, let quotient, let wrap, let divisor) = site.instruction {
            expect(.private(quotient), shape: shape(.private(r)), at: site)
            expect(.private(wrap), shape: shape(.private(r)), at: site)
            checkDivisor(divisor, at: site)
            return true
        }
        if case .msbPair(let r, let bits, let lsb) = site.instruction {
            expectSecureNN(value: .private(r), bits: bits, others: [.private(lsb)], at: site)
            return true
        }
        if case .shareConvertMask(let dst, let mask, let flip, let src) = site.instruction {
            expectSecureNN(value: .private(src), others: [.private(dst), .public(mask), .public(flip)], at: site)
            return true
        }
        if case .shareConvertBits(let bits, let dst, let src) = site.instruction {
            expectSecureNN(value: .private(src), bits: bits, others: [.private(dst)], at: site)
            return true
        }
        if case .privateCompare(let dst, let bits, let threshold, let flip, _) = site.instruction {
            expectSecureNN(value: .private(dst), bits: bits, others: [.public(threshold), .public(flip)], at: site)
            return true
        }
        if case .shareConvertFinish(let dst, let partial, let compared, let flip) = site.instruction {
            let others: [Register] = [.private(partial), .private(compared), .public(flip)]
            expectSecureNN(value: .private(dst), others: others, at: site)
            return true
        }
        if case .msbOpen(let dst, let flip, let src, let r) = site.instruction {
            expectSecureNN(value: .private(src), others: [.public(dst), .public(flip), .private(r)], at: site)
            return true
        }
        if case .msbFinish(let gamma, let delta, let compared, let masked, let flip, let lsb) = site.instruction {
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
        if case .replicatedInput(let dst, let player, _) = instruction {
            if case .local = dst { report(.registerKind, "'rinput' cannot write \(describe(dst))", at: site) }
            checkInput(dst, player, at: site)
            isReplicated = true
        } else if case .replicatedShare(let dst, let src) = instruction {
            expect(.private(dst), shape: shape(.local(src)), at: site)
            isReplicated = true
        } else if case .replicatedOpen(let dst, let src) = instruction {
            expect(.public(dst), shape: shape(.private(src)), at: site)
            isReplicated = true
        } else if case .replicatedProduct(let c, let a, let b, let kind) = instruction {
            expectProduct(c, of: a, b, kind, at: site)
            isReplicated = true
        } else if case .replicatedMaskedOpen(let dst, let src, let r) = instruction {
            expect(.public(dst), shape: shape(.private(src)), at: site)
            expect(.private(r), shape: shape(.private(src)), at: site)
            isReplicated = true
        } else if case .replicatedTruncFinish(let dst, let masked, let high, let msb) = instruction {
            for register in [Register.public(masked), .private(high), .private(msb)] {
                expect(register, shape: shape(.private(dst)), at: site)
            }
            isReplicated = true
        } else if case .replicatedDivFinish(let dst, let masked, let quotient, let wrap, let divisor) = instruction {
            for register in [Register.public(masked), .private(quotient), .private(wrap)] {
                expect(register, shape: shape(.private(dst)), at: site)
            }
            checkDivisor(divisor, at: site)
            isReplicated = true
        } else if case .replicatedStore(let name, _) = instruction {
            checkStoredName(name, at: site)
            isReplicated = true
        } else if case .replicatedLoad(_, let name) = instruction {
            checkStoredName(name, at: site)
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
        expect(.public(opened), shape: shape(.private(mask)), at: site)
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
        let (x, y) = (shape(.private(a)), shape(.private(b)))
        switch kind {
        case .mul: expect(.private(c), broadcast(x, y), at: site)
        case .matmul: expect(.private(c), ShapeRules.matmul(x, y), at: site)
        case .conv2d(let stride, let padding):
            expect(.private(c), ShapeRules.conv2d(x, y, stride: stride, padding: padding), at: site)
        }
    }
}
