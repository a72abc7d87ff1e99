import TFEBytecode
import TFECore
import TFEFrontend

/// A max-pooling of one checked value with one window: the key under which its tree is built once.
struct PoolKey: Hashable {
    var input: ValueID
    var size: Int
    var stride: Int
    var padding: Padding
}

/// A built max-pooling tree: the window maxima and, when a gradient needs them, the one-hot position of each
/// maximum as `[size², N, OH, OW, C]` 0/1 `int` values (the first maximum of its window in row-major order).
struct PoolTree {
    var value: Register
    var positions: Register?
}

// MARK: - Derivatives for training (SecureNN)

extension Lowerer {
    /// `relu_deriv(x)`, SecureNN's DReLU: 1 − MSB(x), the `int` [x ≥ 0]. It shares the MSB of x with `relu(x)`
    /// and with comparisons of x against zero (`isNegative` remembers it per register).
    mutating func reluDerivative(_ x: PrivateRegister) -> PrivateRegister {
        if let known = nonNegatives[x] { return known }
        let bit = complement(isNegative(x))
        nonNegatives[x] = bit
        return bit
    }

    /// Whether a register holds the materialized scalar constant 0 (a search of the few zero registers: the scan
    /// of every constant this replaced made lowering quadratic in the number of constants).
    func isZero(_ register: Register) -> Bool {
        zeroRegisters.contains(register)
    }

    /// The tree of maxima over the windows of a pool (built once per key). Every window offset's cells are
    /// gathered as a tensor of the output's shape (a local convolution of each channel with a one-hot
    /// kernel), and the candidates are reduced pairwise: ⌈log2 size²⌉ levels of DReLU and SelectShare
    /// (Algorithm 9's n − 1 comparisons, side by side rather than one after another). With SAME padding a
    /// cell outside the input becomes −2^61 in the ring (every real value is above it, and differences stay
    /// below 2^62, where comparisons are exact), so it never wins. When the program takes the pool's gradient
    /// the tree also carries each candidate's one-hot position, selected with the same bits (SelectShare on
    /// the position vector, in the same round as the value's): the paper's MaxPool with its index.
    /// Plaintext values take the same path with plaintext comparisons.
    mutating func poolTree(_ key: PoolKey, placement: Placement) -> PoolTree {
        if let tree = poolTrees[key] { return tree }
        let (size, stride, padding) = (key.size, key.stride, key.padding)
        let x = operand(key.input, for: placement)
        let element = element(of: x)
        let dims = self.shape(of: x).dimensions
        let (batch, height, width, channels) = (dims[0], dims[1], dims[2], dims[3])
        guard let outHeight = ShapeRules.windowOutput(input: height, window: size, stride: stride, padding: padding),
            let outWidth = ShapeRules.windowOutput(input: width, window: size, stride: stride, padding: padding)
        else { fatalError("internal error in pass 'lower': the checker accepted an empty pool") }
        let outShape = Shape([batch, outHeight, outWidth, channels])
        let top = padding == .same ? max(0, (outHeight - 1) * stride + size - height) / 2 : 0
        let left = padding == .same ? max(0, (outWidth - 1) * stride + size - width) / 2 : 0
        // One image per channel: [N, C, H, W] as [N·C, H, W, 1].
        let planes = makeRegister(element, Shape([batch, channels, height, width]), placement)
        emit(.transpose(dst: planes, src: x, permutation: [0, 3, 1, 2]))
        let images = makeRegister(element, Shape([batch * channels, height, width, 1]), placement)
        emit(.reshape(dst: images, src: planes))

        var candidates: [Register] = [], positions: [Register] = []
        let carriesPositions = pooledWithPositions.contains(key)
        for dy in 0..<size {
            for dx in 0..<size {
                var kernel = [Double](repeating: 0, count: size * size)
                kernel[dy * size + dx] = 1
                if carriesPositions {
                    positions.append(constantTensor(kernel, .int, Shape([size * size, 1, 1, 1, 1]), for: placement))
                }
                let oneHot = constantTensor(kernel, .int, Shape([size, size, 1, 1]), for: placement)
                let picked = product(
                    .conv2d(stride: stride, padding: padding), images, oneHot,
                    ValueType(element, Shape([batch * channels, outHeight, outWidth, 1]), placement))
                let grouped = makeRegister(element, Shape([batch, channels, outHeight, outWidth]), placement)
                emit(.reshape(dst: grouped, src: picked))
                let value = makeRegister(element, outShape, placement)
                emit(.transpose(dst: value, src: grouped, permutation: [0, 2, 3, 1]))
                let rows = (0..<outHeight).map { (0..<height).contains($0 * stride + dy - top) }
                let columns = (0..<outWidth).map { (0..<width).contains($0 * stride + dx - left) }
                if !rows.contains(false) && !columns.contains(false) {
                    candidates.append(value)
                    continue
                }
                // valid · value + (1 − valid) · floor, with public (or local) constants: exact in the ring and
                // in float64 alike.
                var mask: [Double] = [], floors: [Double] = []
                for row in rows {
                    for column in columns {
                        mask.append(row && column ? 1 : 0)
                        floors.append(row && column ? 0 : -Double(UInt64(1) << 61))
                    }
                }
                let cellShape = Shape([1, outHeight, outWidth, 1])
                let valid = constantTensor(mask, .int, cellShape, for: placement)
                let floor = constantTensor(floors, .int, cellShape, for: placement)
                let kept = product(.mul, valid, value, ValueType(element, outShape, placement))
                let replaced = makeRegister(element, outShape, placement)
                emit(.add(dst: replaced, lhs: kept, rhs: floor))
                candidates.append(replaced)
            }
        }
        let result = maximum(candidates, indices: carriesPositions ? positions : nil,
                             ValueType(element, outShape, placement))
        let tree = PoolTree(value: result.value, positions: result.index)
        poolTrees[key] = tree
        return tree
    }

    /// `maxpool2d_grad(x, dy, ...)`: the one-hot positions of the pool's tree times dy (a Beaver product of an
    /// `int` with dy: no truncation), then `unpool` adds each window's share back into x's shape, locally.
    mutating func lowerMaxPoolGradient(
        _ input: ValueID, _ gradient: ValueID, size: Int, stride: Int, padding: Padding, _ type: ValueType
    ) -> Register {
        let inputPlacement = checked[input].type?.placement ?? type.placement
        let key = PoolKey(input: input, size: size, stride: stride, padding: padding)
        let tree = poolTree(key, placement: inputPlacement)
        guard let positions = tree.positions else {
            fatalError("internal error in pass 'lower': the pool of a gradient carries no positions")
        }
        var dy = operand(gradient, for: type.placement)
        if type.element == .fixed { dy = scaledToFixed(dy) }
        let pooled = self.shape(of: tree.value).dimensions
        let routedShape = Shape([size * size] + pooled)
        let routed = product(.mul, positions, dy, ValueType(type.element, routedShape, type.placement))
        let result = makeRegister(type.element, type.shape, type.placement)
        emit(.unpool(dst: result, src: routed, size: size, stride: stride, padding: padding))
        return result
    }

    // MARK: - Division

    /// The number of quotient bits of private division, ℓ_D = frac + 1: quotients in [0, 2) to `frac`
    /// fractional bits, what SecureNN's training needs (a ReLU output over the sum of its row).
    var divisionBits: Int { frac + 1 }

    /// `a / b` with a private divisor: SecureNN's Division (Algorithm 8), long division one quotient bit at a
    /// time from the top. With A = a·2^frac (a's ring value, scaled once more) and B = b's ring value, bit i is
    /// β_i = DReLU(A − U − 2^i·B), where U = Σ_{j>i} β_j·2^j·B, and U grows by β_i·2^i·B (a Beaver product of the
    /// bit with B, whose masked form is opened once for all bits). The result Σ β_i·2^i is the fixed-point
    /// value of floor(a/b · 2^frac) for 0 ≤ a < 2b, b > 0 (|a|, |b| < 2^30 at 16 fractional bits);
    /// a < 0 gives 0 and a ≥ 2b saturates at 2 − 2^-frac. Each bit costs one DReLU and one product.
    mutating func divide(_ numerator: Register, by divisor: PrivateRegister, _ type: ValueType) -> PrivateRegister {
        let shape = type.shape
        var b = divisor
        if element(of: .private(divisor)) == .int, case .private(let scaled) = scaledToFixed(.private(divisor)) {
            b = scaled
        }
        let scale = constant(Double(1 << frac), .int, for: .public)
        let numeratorShape = self.shape(of: numerator)
        let scaledNumerator = makeRegister(.fixed, numeratorShape, placement(of: numerator))
        emit(.mul(dst: scaledNumerator, lhs: numerator, rhs: scale))
        var remainder = scaledNumerator  // A − U
        var quotient: Register?
        for bit in stride(from: divisionBits - 1, through: 0, by: -1) {
            let weight = constant(Double(UInt64(1) << UInt64(bit)), .int, for: .public)
            let shifted = makePrivate(.fixed, self.shape(of: .private(b)))
            emit(.mul(dst: .private(shifted), lhs: .private(b), rhs: weight))
            let z = makePrivate(.fixed, shape)
            emit(.sub(dst: .private(z), lhs: remainder, rhs: .private(shifted)))
            let beta = reluDerivative(z)
            let term = makePrivate(.fixed, shape)
            emit(.mul(dst: .private(term), lhs: .private(beta), rhs: weight))
            if let previous = quotient {
                let sum = makePrivate(.fixed, shape)
                emit(.add(dst: .private(sum), lhs: previous, rhs: .private(term)))
                quotient = .private(sum)
            } else {
                quotient = .private(term)
            }
            guard bit > 0 else { break }
            // U += β_i·2^i·B: the bit times B (int times fixed: no truncation), shifted locally.
            let chosen = product(.mul, .private(beta), .private(b), ValueType(.fixed, shape, .private))
            let scaledChosen = makePrivate(.fixed, shape)
            emit(.mul(dst: .private(scaledChosen), lhs: chosen, rhs: weight))
            let next = makePrivate(.fixed, shape)
            emit(.sub(dst: .private(next), lhs: remainder, rhs: .private(scaledChosen)))
            remainder = .private(next)
        }
        guard case .private(let result)? = quotient else { fatalError("unreachable") }
        return result
    }
}
