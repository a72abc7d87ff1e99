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
    /// The machine's one dispatch over instructions: runs a local instruction on this party (which
    /// `executes(_:index:)` selected) and returns nil, or does this party's part of a communicating or dealt
    /// instruction before the round's exchange (appending what it sends to `outbox`) and returns what is left
    /// for after it. Every other decision (who runs what, which step a dealt value needs) reads the opcode
    /// table or the handler's own arguments, so a new opcode is one case here.
    mutating func execute(
        _ instruction: Instruction, index: Int, outbox: inout [PlayerID: [UInt8]]
    ) throws(MachineError) -> PendingStep? {
        switch instruction {
        case .const(let dst, let constant):
            try executeConst(dst, constant: constant, index: index)
            return nil
        case .add(let dst, let lhs, let rhs):
            try executeBinary(.add, dst, lhs, rhs, index: index)
            return nil
        case .sub(let dst, let lhs, let rhs):
            try executeBinary(.subtract, dst, lhs, rhs, index: index)
            return nil
        case .mul(let dst, let lhs, let rhs):
            try executeBinary(.multiply, dst, lhs, rhs, index: index)
            return nil
        case .matmul(let dst, let lhs, let rhs):
            try executeBinary(.matmul, dst, lhs, rhs, index: index)
            return nil
        case .conv2d(let dst, let input, let kernel, let stride, let padding):
            try executeBinary(.conv2d(stride: stride, padding: padding), dst, input, kernel, index: index)
            return nil
        case .neg(let dst, let src):
            try executeUnary(.negate, dst, src, index: index)
            return nil
        case .reshape(let dst, let src):
            try executeUnary(.reshape, dst, src, index: index)
            return nil
        case .sum(let dst, let src, let axis):
            try executeUnary(.sum(axis: axis), dst, src, index: index)
            return nil
        case .transpose(let dst, let src, let permutation):
            try executeUnary(.transpose(permutation), dst, src, index: index)
            return nil
        case .poolsum(let dst, let src, let size, let stride, let padding):
            try executeUnary(.poolsum(size: size, stride: stride, padding: padding), dst, src, index: index)
            return nil
        case .unpool(let dst, let src, let size, let stride, let padding):
            let operation = UnaryOperation.unpool(size: size, stride: stride, padding: padding, output: shape(dst))
            try executeUnary(operation, dst, src, index: index)
            return nil
        case .concat(let dst, let sources, let axis):
            try executeConcat(dst, sources, axis: axis, index: index)
            return nil
        case .slice(let dst, let src, let begin, let step):
            try executeUnary(.slice(begin: begin, step: step, output: shape(dst)), dst, src, index: index)
            return nil
        case .pad(let dst, let src, let before):
            try executeUnary(.pad(before: before, output: shape(dst)), dst, src, index: index)
            return nil
        case .trunc(let dst, let src):
            let shift = UInt64(program.fractionalBits)
            let values = try ring(.public(src), at: index).map { UInt64(bitPattern: Int64(bitPattern: $0) >> shift) }
            try store(values, into: .public(dst), at: index)
            return nil
        case .sharePublic(let dst, let src):
            try storeCommon(ring(.public(src), at: index), into: .private(dst), at: index)
            return nil
        case .truncFinish(let dst, let masked, let high, let msb):
            try executeTruncFinish(dst, masked: masked, high: high, msb: msb, index: index)
            return nil
        case .divFinish(let dst, let masked, let quotient, let wrap, let divisor):
            try executeDivFinish(dst, masked: masked, quotient: quotient, wrap: wrap, divisor: divisor, index: index)
            return nil
        case .div(let dst, let src, let divisor):
            let d = try divisorValue(divisor, at: index)
            try store(ring(.public(src), at: index).map { ExactDivisionArithmetic.rounded($0, dividedBy: d) },
                      into: .public(dst), at: index)
            return nil
        case .map(let dst, let src, let function):
            try executeMap(dst, src, function, index: index)
            return nil
        case .compare(let dst, let lhs, let rhs, let comparison):
            try executeCompare(dst, lhs, rhs, comparison, index: index)
            return nil
        case .select(let dst, let condition, let lhs, let rhs):
            try executeSelect(dst, condition, lhs, rhs, index: index)
            return nil
        case .reduce(let dst, let src, let reduction, let axis):
            try executeReduce(dst, src, reduction, axis: axis, index: index)
            return nil
        case .print(_, let format, let values):
            try executePrint(format, values, index: index)
            return nil
        case .store(let storedName, let mask, let opened):
            try executeStore(name: storedName, mask, opened, index: index)
            return nil
        case .input(let dst, let player, let name):
            guard case .local = dst else { return try beginInput(dst, player: player, name: name, index: index,
                                                                  outbox: &outbox) }
            try executeLocalInput(dst, player: player, name: name, index: index)
            return nil
        case .output(let player, let name, let src):
            guard case .local = src else { return try beginOutput(player, name: name, src, index: index,
                                                                  outbox: &outbox) }
            try executeLocalOutput(name, src, index: index)
            return nil
        case .load(let mask, let opened, let storedName):
            try executeLoad(mask, opened, name: storedName, index: index)
            return nil
        case .open(let dst, let src):
            return try beginOpen(dst, src, index: index, outbox: &outbox)
        case .reveal(let dst, let src, let player):
            return try beginReveal(dst, src, to: player, index: index, outbox: &outbox)
        case .share(let dst, let src):
            return try beginShare(dst, src, index: index, outbox: &outbox)
        case .triple(let a, let b, let c, let kind):
            return try beginDeal(Dealing([a, b, c], random: 2, .product(a, b, kind, ofMasks: false)), index: index,
                                 outbox: &outbox)
        case .product(let c, let a, let b, let kind):
            return try beginDeal(Dealing([c], random: 0, .product(a, b, kind, ofMasks: true)), index: index,
                                 outbox: &outbox)
        case .squarePair(let a, let square):
            return try beginDeal(Dealing([a, square], random: 1, .square), index: index, outbox: &outbox)
        case .truncPair(let r, let high, let msb):
            return try beginDeal(Dealing([r, high, msb], random: 1, .truncation), index: index, outbox: &outbox)
        case .divPair(let r, let quotient, let wrap, let divisor):
            return try beginDeal(Dealing([r, quotient, wrap], random: 1, .division(divisor)), index: index,
                                 outbox: &outbox)
        case .mask(let a):
            return try beginDeal(Dealing([a], random: 1, .mask), index: index, outbox: &outbox)
        case .msbPair(let r, let bits, let lsb):
            return try beginSecureNN(.msbPair(r: r, bits: bits, lsb: lsb), index: index, outbox: &outbox)
        case .shareConvertMask(let dst, let mask, let flip, let src):
            let step = SecureNNStep.shareConvertMask(dst: dst, mask: mask, flip: flip, src: src)
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .shareConvertBits(let bits, let dst, let src):
            return try beginSecureNN(.shareConvertBits(bits: bits, dst: dst, src: src), index: index, outbox: &outbox)
        case .privateCompare(let dst, let bits, let threshold, let flip, let comparison):
            let step = SecureNNStep.privateCompare(
                dst: dst, bits: bits, threshold: threshold, flip: flip, comparison: comparison)
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .shareConvertFinish(let dst, let partial, let compared, let flip):
            let step = SecureNNStep.shareConvertFinish(dst: dst, partial: partial, compared: compared, flip: flip)
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .msbOpen(let dst, let flip, let src, let r):
            return try beginSecureNN(.msbOpen(dst: dst, flip: flip, src: src, r: r), index: index, outbox: &outbox)
        case .msbFinish(let gamma, let delta, let compared, let masked, let flip, let lsb):
            let step = SecureNNStep.msbFinish(
                gamma: gamma, delta: delta, compared: compared, masked: masked, flip: flip, lsb: lsb)
            return try beginSecureNN(step, index: index, outbox: &outbox)
        case .replicatedInput(let dst, let player, let name):
            return try beginReplicatedInput(dst, player: player, name: name, index: index, outbox: &outbox)
        case .replicatedShare(let dst, let src):
            return try beginReplicatedShare(dst, src, index: index, outbox: &outbox)
        case .replicatedOpen(let dst, let src):
            return try beginReplicatedOpen(dst, src, index: index, outbox: &outbox)
        case .replicatedProduct(let c, let a, let b, let kind):
            return try beginReplicatedProduct(c, a, b, kind, index: index, outbox: &outbox)
        case .replicatedMaskedOpen(let dst, let src, let r):
            return try beginReplicatedMaskedOpen(dst, src, r, index: index, outbox: &outbox)
        case .replicatedTruncFinish(let dst, let masked, let high, let msb):
            guard isComputeServer else { return try beginReshare(dst, additive: nil, index: index, outbox: &outbox) }
            let share = try truncFinish(masked: masked, high: high, msb: msb, index: index)
            return try beginReshare(dst, additive: share, index: index, outbox: &outbox)
        case .replicatedDivFinish(let dst, let masked, let quotient, let wrap, let divisor):
            guard isComputeServer else { return try beginReshare(dst, additive: nil, index: index, outbox: &outbox) }
            let share = try divFinish(masked: masked, quotient: quotient, wrap: wrap, divisor: divisor, index: index)
            return try beginReshare(dst, additive: share, index: index, outbox: &outbox)
        case .replicatedStore(let storedName, let src):
            try executeReplicatedStore(name: storedName, src, index: index)
            return nil
        case .replicatedLoad(let dst, let storedName):
            try executeReplicatedLoad(dst, name: storedName, index: index)
            return nil
        }
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
