// Instructions that do not communicate: ring arithmetic on shares and public values, float64 on locals.

import TFEBytecode
import TFECore

/// Binary tensor operations, on ring values or float64.
enum BinaryOperation {
    case add, subtract, multiply, matmul
    case conv2d(stride: Int, padding: Padding)

    /// Whether it is linear in each operand separately (a product): a private operand may then meet only
    /// public ones, which scale every share alike.
    var isProduct: Bool {
        switch self {
        case .add, .subtract: return false
        case .multiply, .matmul, .conv2d: return true
        }
    }
}

/// Unary operations that are linear, so servers apply them to their shares.
enum UnaryOperation {
    case negate, reshape
    case sum(axis: Int?)
    case transpose([Int])
    case poolsum(size: Int, stride: Int, padding: Padding)
    /// The destination's shape is the output's.
    case unpool(size: Int, stride: Int, padding: Padding, output: [Int])
    /// The destination's shape is the output's.
    case slice(begin: [Int], step: [Int], output: [Int])
    /// The destination's shape is the output's.
    case pad(before: [Int], output: [Int])
}

extension Machine {
    /// The machine's one dispatch over opcodes: runs a local instruction on this party (which
    /// `executes(_:index:)` selected) and returns nil, or does this party's part of a communicating or dealt
    /// instruction before the round's exchange (appending what it sends to `outbox`) and returns what is left
    /// for after it. Each case reads its operands by slot (`i.register(0)`, in the slot order of the opcode's
    /// table entry) and hands plain values to its handler. Every other decision (who runs what, which step a
    /// dealt value needs) reads the opcode table or the handler's own arguments, so a new opcode is one case here.
    mutating func execute(
        _ i: Instruction, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        switch i.opcode {
        case .invalid:
            throw .invalidProgram(instruction: index, reason: "'invalid' is no instruction")
        case .const:
            try executeConst(i.register(0), constant: i.constant(1), index: index)
        case .add:
            try executeBinary(.add, i.register(0), i.register(1), i.register(2), index: index)
        case .sub:
            try executeBinary(.subtract, i.register(0), i.register(1), i.register(2), index: index)
        case .mul:
            try executeBinary(.multiply, i.register(0), i.register(1), i.register(2), index: index)
        case .matmul:
            try executeBinary(.matmul, i.register(0), i.register(1), i.register(2), index: index)
        case .conv2d:
            let operation = BinaryOperation.conv2d(stride: i.integer(3), padding: i.padding(4))
            try executeBinary(operation, i.register(0), i.register(1), i.register(2), index: index)
        case .neg:
            try executeUnary(.negate, i.register(0), i.register(1), index: index)
        case .reshape:
            try executeUnary(.reshape, i.register(0), i.register(1), index: index)
        case .sum:
            try executeUnary(.sum(axis: i.axis(2)), i.register(0), i.register(1), index: index)
        case .transpose:
            try executeUnary(.transpose(i.integers(2)), i.register(0), i.register(1), index: index)
        case .poolsum:
            let operation = UnaryOperation.poolsum(size: i.integer(2), stride: i.integer(3), padding: i.padding(4))
            try executeUnary(operation, i.register(0), i.register(1), index: index)
        case .unpool:
            let (dst, src) = (i.register(0), i.register(1))
            let operation = UnaryOperation.unpool(
                size: i.integer(2), stride: i.integer(3), padding: i.padding(4), output: shape(dst))
            try executeUnary(operation, dst, src, index: index)
        case .concat:
            try executeConcat(i.register(0), i.registers(1), axis: i.integer(2), index: index)
        case .slice:
            let (dst, src) = (i.register(0), i.register(1))
            let operation = UnaryOperation.slice(begin: i.integers(2), step: i.integers(3), output: shape(dst))
            try executeUnary(operation, dst, src, index: index)
        case .pad:
            let (dst, src) = (i.register(0), i.register(1))
            try executeUnary(.pad(before: i.integers(2), output: shape(dst)), dst, src, index: index)
        case .trunc:
            let shift = UInt64(program.fractionalBits)
            let values = try ring(.public(i.publicRegister(1)), at: index).map {
                UInt64(bitPattern: Int64(bitPattern: $0) >> shift)
            }
            try store(values, into: .public(i.publicRegister(0)), at: index)
        case .sharePublic:
            try storeCommon(ring(.public(i.publicRegister(1)), at: index), into: .private(i.privateRegister(0)),
                            at: index)
        case .truncFinish:
            try executeTruncFinish(
                i.privateRegister(0), masked: i.publicRegister(1), high: i.privateRegister(2),
                msb: i.privateRegister(3), index: index)
        case .divFinish:
            try executeDivFinish(
                i.privateRegister(0), masked: i.publicRegister(1), quotient: i.privateRegister(2),
                wrap: i.privateRegister(3), divisor: i.integer(4), index: index)
        case .div:
            let d = try divisorValue(i.integer(2), at: index)
            let quotients = try ring(.public(i.publicRegister(1)), at: index).map {
                ExactDivisionArithmetic.rounded($0, dividedBy: d)
            }
            try store(quotients, into: .public(i.publicRegister(0)), at: index)
        case .map:
            try executeMap(i.register(0), i.register(1), i.selector(2, as: MapFunction.self), index: index)
        case .compare:
            let comparison = i.selector(3, as: Comparison.self)
            try executeCompare(i.register(0), i.register(1), i.register(2), comparison, index: index)
        case .select:
            try executeSelect(i.register(0), i.register(1), i.register(2), i.register(3), index: index)
        case .reduce:
            let reduction = i.selector(2, as: Reduction.self)
            try executeReduce(i.register(0), i.register(1), reduction, axis: i.axis(3), index: index)
        case .print:
            try executePrint(i.string(1), i.registers(2), index: index)
        case .store:
            try executeStore(name: i.string(0), i.privateRegister(1), i.publicRegister(2), index: index)
        case .input:
            let (dst, player, name) = (i.register(0), i.player(1), i.string(2))
            guard case .local = dst else {
                return try beginInput(dst, player: player, name: name, index: index, outbox: &outbox)
            }
            try executeLocalInput(dst, player: player, name: name, index: index)
        case .output:
            let (player, name, src) = (i.player(0), i.string(1), i.register(2))
            guard case .local = src else {
                return try beginOutput(player, name: name, src, index: index, outbox: &outbox)
            }
            try executeLocalOutput(name, src, index: index)
        case .load:
            try executeLoad(i.privateRegister(0), i.publicRegister(1), name: i.string(2), index: index)
        case .open:
            return try beginOpen(i.publicRegister(0), i.privateRegister(1), index: index, outbox: &outbox)
        case .reveal:
            return try beginReveal(
                i.localRegister(0), i.privateRegister(1), to: i.player(2), index: index, outbox: &outbox)
        case .share:
            return try beginShare(i.privateRegister(0), i.localRegister(1), index: index, outbox: &outbox)
        case .triple:
            let (a, b, c) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2))
            let dealing = Dealing([a, b, c], random: 2, .product(a, b, i.tripleKind(3), ofMasks: false))
            return try beginDeal(dealing, index: index, outbox: &outbox)
        case .product:
            let (c, a, b) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2))
            let dealing = Dealing([c], random: 0, .product(a, b, i.tripleKind(3), ofMasks: true))
            return try beginDeal(dealing, index: index, outbox: &outbox)
        case .squarePair:
            let dealing = Dealing([i.privateRegister(0), i.privateRegister(1)], random: 1, .square)
            return try beginDeal(dealing, index: index, outbox: &outbox)
        case .truncPair:
            let dealing = Dealing(
                [i.privateRegister(0), i.privateRegister(1), i.privateRegister(2)], random: 1, .truncation)
            return try beginDeal(dealing, index: index, outbox: &outbox)
        case .divPair:
            let dealing = Dealing(
                [i.privateRegister(0), i.privateRegister(1), i.privateRegister(2)], random: 1,
                .division(i.integer(3)))
            return try beginDeal(dealing, index: index, outbox: &outbox)
        case .mask:
            return try beginDeal(Dealing([i.privateRegister(0)], random: 1, .mask), index: index, outbox: &outbox)
        case .msbPair:
            let step = SecureNNStep.msbPair(
                r: i.privateRegister(0), bits: i.privateRegister(1), lsb: i.privateRegister(2))
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .shareConvertMask:
            let step = SecureNNStep.shareConvertMask(
                dst: i.privateRegister(0), mask: i.publicRegister(1), flip: i.publicRegister(2),
                src: i.privateRegister(3))
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .shareConvertBits:
            let step = SecureNNStep.shareConvertBits(
                bits: i.privateRegister(0), dst: i.privateRegister(1), src: i.privateRegister(2))
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .privateCompare:
            let step = SecureNNStep.privateCompare(
                dst: i.privateRegister(0), bits: i.privateRegister(1), threshold: i.publicRegister(2),
                flip: i.publicRegister(3), comparison: i.selector(4, as: PrivateComparison.self))
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .shareConvertFinish:
            let step = SecureNNStep.shareConvertFinish(
                dst: i.privateRegister(0), partial: i.privateRegister(1), compared: i.privateRegister(2),
                flip: i.publicRegister(3))
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .msbOpen:
            let step = SecureNNStep.msbOpen(
                dst: i.publicRegister(0), flip: i.publicRegister(1), src: i.privateRegister(2),
                r: i.privateRegister(3))
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .msbFinish:
            let step = SecureNNStep.msbFinish(
                gamma: i.privateRegister(0), delta: i.privateRegister(1), compared: i.privateRegister(2),
                masked: i.publicRegister(3), flip: i.publicRegister(4), lsb: i.privateRegister(5))
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .replicatedInput:
            return try beginReplicatedInput(
                i.register(0), player: i.player(1), name: i.string(2), index: index, outbox: &outbox)
        case .replicatedShare:
            return try beginReplicatedShare(i.privateRegister(0), i.localRegister(1), index: index, outbox: &outbox)
        case .replicatedOpen:
            return try beginReplicatedOpen(i.publicRegister(0), i.privateRegister(1), index: index, outbox: &outbox)
        case .replicatedProduct:
            return try beginReplicatedProduct(
                i.privateRegister(0), i.privateRegister(1), i.privateRegister(2), i.tripleKind(3), index: index,
                outbox: &outbox)
        case .replicatedMaskedOpen:
            return try beginReplicatedMaskedOpen(
                i.publicRegister(0), i.privateRegister(1), i.privateRegister(2), index: index, outbox: &outbox)
        case .replicatedTruncFinish:
            let dst = i.privateRegister(0)
            guard isComputeServer else { return try beginReshare(dst, additive: nil, index: index, outbox: &outbox) }
            let share = try truncFinish(
                masked: i.publicRegister(1), high: i.privateRegister(2), msb: i.privateRegister(3), index: index)
            return try beginReshare(dst, additive: share, index: index, outbox: &outbox)
        case .replicatedDivFinish:
            let dst = i.privateRegister(0)
            guard isComputeServer else { return try beginReshare(dst, additive: nil, index: index, outbox: &outbox) }
            let share = try divFinish(
                masked: i.publicRegister(1), quotient: i.privateRegister(2), wrap: i.privateRegister(3),
                divisor: i.integer(4), index: index)
            return try beginReshare(dst, additive: share, index: index, outbox: &outbox)
        case .booleanXor:
            try executeBooleanXor(i.privateRegister(0), i.privateRegister(1), i.privateRegister(2), index: index)
            return nil
        case .shiftLeft:
            try executeShift(i.privateRegister(0), i.privateRegister(1), bits: i.integer(2), left: true, index: index)
            return nil
        case .shiftRight:
            try executeShift(i.privateRegister(0), i.privateRegister(1), bits: i.integer(2), left: false, index: index)
            return nil
        case .component:
            try executeComponent(i.privateRegister(0), i.privateRegister(1), slot: i.integer(2), index: index)
            return nil
        case .booleanAnd:
            let (dst, lhs, rhs) = (i.privateRegister(0), i.privateRegister(1), i.privateRegister(2))
            return try beginBooleanAnd(dst, lhs, rhs, index: index, outbox: &outbox)
        case .replicatedStore:
            try executeReplicatedStore(name: i.string(0), i.privateRegister(1), index: index)
        case .replicatedLoad:
            try executeReplicatedLoad(i.privateRegister(0), name: i.string(1), index: index)
        }
        return nil
    }

    // MARK: - Constants

    private mutating func executeConst(_ dst: Register, constant: Int, index: Int) throws(MachineError) {
        guard program.constants.indices.contains(constant) else {
            throw .invalidProgram(instruction: index, reason: "constant #\(constant) does not exist")
        }
        var values = program.constants[constant]
        let count = self.count(dst)
        if values.count == 1, count != 1 { values = Array(repeating: values[0], count: count) }
        if case .local(let register) = dst {
            try store(values, into: register, at: index)
            return
        }
        guard case .success(let encoded) = fixedPoint.encode(values, as: element(dst)) else {
            throw .valueOutOfRange(
                instruction: index, reason: "constant #\(constant) has no '\(element(dst).rawValue)' ring encoding")
        }
        try storeCommon(encoded, into: dst, at: index)
    }

    // MARK: - Arithmetic

    private mutating func executeBinary(
        _ operation: BinaryOperation, _ dst: Register, _ lhs: Register, _ rhs: Register, index: Int
    ) throws(MachineError) {
        if case .local(let destination) = dst {
            guard case .local(let a) = lhs, case .local(let b) = rhs else {
                throw .invalidProgram(instruction: index, reason: "local \(dst) needs local operands")
            }
            let x = try local(a, at: index), y = try local(b, at: index)
            let result = try kernel(index) { () throws(NaiveKernels.ShapeError) in
                try Self.compute(operation, x, shape(lhs), y, shape(rhs))
            }
            try store(result, into: destination, at: index)
            return
        }
        if let values = try elementwiseInPlace(operation, lhs, rhs, index: index) {
            try storeRing(values, isPrivate: lhs.isPrivate, into: dst, at: index)
            return
        }
        var a = try ring(lhs, at: index), b = try ring(rhs, at: index)
        let isPrivate = lhs.isPrivate || rhs.isPrivate
        if operation.isProduct {
            guard !(lhs.isPrivate && rhs.isPrivate) else {
                throw .invalidProgram(
                    instruction: index, reason: "multiplies two private values, which needs a Beaver triple")
            }
        } else if lhs.isPrivate != rhs.isPrivate, shareIndex != 0 {
            // (p, 0, …) is a sharing of the public operand p: only share 0 adds or subtracts it.
            if lhs.isPrivate {
                b = [UInt64](repeating: 0, count: b.count)
            } else {
                a = [UInt64](repeating: 0, count: a.count)
            }
        }
        let result = try kernel(index) { () throws(NaiveKernels.ShapeError) in
            switch operation {
            case .add: return try MachineKernels.add(a, shape(lhs), b, shape(rhs)).values
            case .subtract: return try MachineKernels.subtract(a, shape(lhs), b, shape(rhs)).values
            case .multiply: return try MachineKernels.multiply(a, shape(lhs), b, shape(rhs)).values
            case .matmul: return try MachineKernels.matmul(a, shape(lhs), b, shape(rhs)).values
            case .conv2d(let stride, let padding):
                return try MachineKernels.conv2d(a, shape(lhs), b, shape(rhs), stride: stride, padding: padding).values
            }
        }
        try storeRing(result, isPrivate: isPrivate, into: dst, at: index)
    }

    /// `add` and `sub` of two registers of one kind and shape, written into the buffer of an operand that this
    /// instruction reads for the last time instead of into a new array; nil when no operand qualifies. A party
    /// then holds one array fewer at its peak (server0's and server1's `w - mask` of a layer's weights, where
    /// the mask dies) and writes into memory already mapped. Only when nothing reads registers between
    /// instructions (no observer, registers not retained for tests) and under an additive sharing.
    private mutating func elementwiseInPlace(
        _ operation: BinaryOperation, _ lhs: Register, _ rhs: Register, index: Int
    ) throws(MachineError) -> [UInt64]? {
        guard !retainsRegisters, configuration.observer == nil, !replicated, lhs != rhs else { return nil }
        let subtracts: Bool
        switch operation {
        case .add: subtracts = false
        case .subtract: subtracts = true
        case .multiply, .matmul, .conv2d: return nil
        }
        switch (lhs, rhs) {
        case (.private, .private), (.public, .public): break
        case (.private, _), (.public, _), (.local, _): return nil
        }
        let lhsDies = liveness.lastUse[lhs] == index, rhsDies = liveness.lastUse[rhs] == index
        guard lhsDies || rhsDies, shape(lhs) == shape(rhs) else { return nil }
        var a = try ring(lhs, at: index), b = try ring(rhs, at: index)
        guard a.count == b.count else { return nil }
        // Taken out of the register file, the operand's array has no other owner: the kernel writes in place.
        if lhsDies {
            forget(lhs)
            if subtracts { RingKernels.subtract(b, from: &a) } else { RingKernels.add(b, to: &a) }
            return a
        }
        forget(rhs)
        if subtracts { RingKernels.subtract(a, replacing: &b) } else { RingKernels.add(a, to: &b) }
        return b
    }

    /// Drops a ring register's value before its release after the instruction (which finds it gone).
    private mutating func forget(_ register: Register) {
        switch register {
        case .private(let r): registers.privates[r.rawValue] = nil
        case .public(let r): registers.publics[r.rawValue] = nil
        case .local(let r): registers.locals[r.rawValue] = nil
        }
    }

    private mutating func executeUnary(
        _ operation: UnaryOperation, _ dst: Register, _ src: Register, index: Int
    ) throws(MachineError) {
        if case .local(let destination) = dst {
            guard case .local(let source) = src else {
                throw .invalidProgram(instruction: index, reason: "local \(dst) needs a local operand")
            }
            let x = try local(source, at: index)
            let result = try kernel(index) { () throws(NaiveKernels.ShapeError) -> [Double] in
                switch operation {
                case .negate: return x.map { -$0 }
                case .reshape: return x
                case .sum(let axis): return try NaiveKernels.sum(x, shape(src), axis: axis).values
                case .transpose(let permutation):
                    return try NaiveKernels.transpose(x, shape(src), permutation: permutation).values
                case .poolsum(let size, let stride, let padding):
                    return try NaiveKernels.poolsum(x, shape(src), size: size, stride: stride, padding: padding).values
                case .unpool(let size, let stride, let padding, let output):
                    return try NaiveKernels.unpool(
                        x, shape(src), output: output, size: size, stride: stride, padding: padding).values
                case .slice(let begin, let step, let output):
                    return try NaiveKernels.slice(x, shape(src), output: output, begin: begin, step: step).values
                case .pad(let before, let output):
                    return try NaiveKernels.pad(x, shape(src), output: output, before: before).values
                }
            }
            try store(result, into: destination, at: index)
            return
        }
        let x = try ring(src, at: index)
        let result = try kernel(index) { () throws(NaiveKernels.ShapeError) -> [UInt64] in
            switch operation {
            case .negate: return MachineKernels.negate(x)
            case .reshape: return x
            case .sum(let axis): return try MachineKernels.sum(x, shape(src), axis: axis).values
            case .transpose(let permutation):
                return try MachineKernels.transpose(x, shape(src), permutation: permutation).values
            case .poolsum(let size, let stride, let padding):
                return try MachineKernels.poolsum(x, shape(src), size: size, stride: stride, padding: padding).values
            case .unpool(let size, let stride, let padding, let output):
                return try NaiveKernels.unpool(
                    x, shape(src), output: output, size: size, stride: stride, padding: padding).values
            case .slice(let begin, let step, let output):
                return try NaiveKernels.slice(x, shape(src), output: output, begin: begin, step: step).values
            case .pad(let before, let output):
                return try NaiveKernels.pad(x, shape(src), output: output, before: before).values
            }
        }
        try storeRing(result, isPrivate: src.isPrivate, into: dst, at: index)
    }

    /// `concat`: every source is of the destination's kind, so each party joins what it holds (shares, public
    /// ring values, or its own float64 values).
    private mutating func executeConcat(
        _ dst: Register, _ sources: [Register], axis: Int, index: Int
    ) throws(MachineError) {
        if case .local(let destination) = dst {
            var values: [([Double], [Int])] = []
            for source in sources {
                guard case .local(let register) = source else {
                    throw .invalidProgram(instruction: index, reason: "local \(dst) needs local operands")
                }
                values.append((try local(register, at: index), shape(source)))
            }
            let result = try kernel(index) { () throws(NaiveKernels.ShapeError) in
                try NaiveKernels.concat(values, axis: axis).values
            }
            try store(result, into: destination, at: index)
            return
        }
        var values: [([UInt64], [Int])] = []
        for source in sources {
            guard source.isPrivate == dst.isPrivate else {
                throw .invalidProgram(instruction: index, reason: "joins \(source) into \(dst), of another kind")
            }
            values.append((try ring(source, at: index), shape(source)))
        }
        let result = try kernel(index) { () throws(NaiveKernels.ShapeError) in
            try NaiveKernels.concat(values, axis: axis).values
        }
        try storeRing(result, isPrivate: dst.isPrivate, into: dst, at: index)
    }

    /// Stores a ring result: shares into a private register, a value both servers computed into a public
    /// one (or, as the sharing (value, 0), into a private one).
    private mutating func storeRing(
        _ values: [UInt64], isPrivate: Bool, into dst: Register, at index: Int
    ) throws(MachineError) {
        if isPrivate {
            guard dst.isPrivate else {
                throw .invalidProgram(instruction: index, reason: "writes a private result to non-private \(dst)")
            }
            try store(values, into: dst, at: index)
        } else {
            try storeCommon(values, into: dst, at: index)
        }
    }

    /// A binary operation in float64, for local registers.
    static func compute(
        _ operation: BinaryOperation, _ a: [Double], _ aShape: [Int], _ b: [Double], _ bShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> [Double] {
        switch operation {
        case .add: return try NaiveKernels.binary(a, aShape, b, bShape, +).values
        case .subtract: return try NaiveKernels.binary(a, aShape, b, bShape, -).values
        case .multiply: return try NaiveKernels.binary(a, aShape, b, bShape, *).values
        case .matmul: return try NaiveKernels.matmul(a, aShape, b, bShape).values
        case .conv2d(let stride, let padding):
            return try NaiveKernels.conv2d(a, aShape, b, bShape, stride: stride, padding: padding).values
        }
    }

    /// Runs a kernel, reporting shape problems as an error of instruction `index`.
    func kernel<T>(_ index: Int, _ body: () throws(NaiveKernels.ShapeError) -> T) throws(MachineError) -> T {
        do {
            return try body()
        } catch {
            throw .invalidProgram(instruction: index, reason: error.reason)
        }
    }

    // MARK: - Truncation

    /// The last step of private truncation, as `Opcode.truncFinish` documents it.
    private mutating func executeTruncFinish(
        _ dst: PrivateRegister, masked: PublicRegister, high: PrivateRegister, msb: PrivateRegister, index: Int
    ) throws(MachineError) {
        try store(truncFinish(masked: masked, high: high, msb: msb, index: index), into: .private(dst), at: index)
    }

    /// server0's or server1's additive share of the truncated value (`Opcode.truncFinish`).
    func truncFinish(
        masked: PublicRegister, high: PrivateRegister, msb: PrivateRegister, index: Int
    ) throws(MachineError) -> [UInt64] {
        let c = try ring(.public(masked), at: index)
        let hi = try ring(.private(high), at: index), rmsb = try ring(.private(msb), at: index)
        guard c.count == hi.count, c.count == rmsb.count else {
            throw .invalidProgram(instruction: index, reason: "truncation operands differ in size")
        }
        let frac = UInt64(program.fractionalBits)
        let wrap: UInt64 = frac == 0 ? 0 : 1 << (64 - frac)
        let offset: UInt64 = 1 << (62 - frac)
        var result = [UInt64](repeating: 0, count: c.count)
        for i in 0..<c.count {
            let correction = rmsb[i] &* ((1 &- (c[i] >> 63)) &* wrap)
            result[i] =
                me == .server0
                ? (c[i] >> frac) &- hi[i] &+ correction &- offset
                : 0 &- hi[i] &+ correction
        }
        return result
    }

    /// The last step of exact division, as `Opcode.divFinish` documents it.
    private mutating func executeDivFinish(
        _ dst: PrivateRegister, masked: PublicRegister, quotient: PrivateRegister, wrap: PrivateRegister, divisor: Int,
        index: Int
    ) throws(MachineError) {
        let result = try divFinish(masked: masked, quotient: quotient, wrap: wrap, divisor: divisor, index: index)
        try store(result, into: .private(dst), at: index)
    }

    /// server0's or server1's additive share of the quotient (`Opcode.divFinish`).
    func divFinish(
        masked: PublicRegister, quotient: PrivateRegister, wrap: PrivateRegister, divisor: Int, index: Int
    ) throws(MachineError) -> [UInt64] {
        let d = try divisorValue(divisor, at: index)
        let c = try ring(.public(masked), at: index)
        let q = try ring(.private(quotient), at: index), w = try ring(.private(wrap), at: index)
        guard c.count == q.count, c.count == w.count else {
            throw .invalidProgram(instruction: index, reason: "division operands differ in size")
        }
        let offset = ExactDivision.offsetQuotient(divisor: divisor)
        var result = [UInt64](repeating: 0, count: c.count)
        for i in 0..<c.count {
            let correction = (1 &- (c[i] >> 63)) &* w[i]
            result[i] = me == .server0 ? c[i] / d &- q[i] &+ correction &- offset : 0 &- q[i] &+ correction
        }
        return result
    }

    /// An instruction's divisor, which the verifier has checked; a program that skipped it gets an error.
    func divisorValue(_ divisor: Int, at index: Int) throws(MachineError) -> UInt64 {
        guard ExactDivision.isValid(divisor: divisor) else {
            throw .invalidProgram(
                instruction: index, reason: "divisor \(divisor) is outside 1...\(ExactDivision.divisorLimit)")
        }
        return UInt64(divisor)
    }
}
