// The shape arithmetic of sliding-window operations (conv2d, pooling), with TensorFlow's padding rules.

/// TensorFlow's padding modes for windowed operations.
public enum WindowPadding: Sendable, Hashable {
    /// Windows wholly inside the input: `out = (in − window) / stride + 1`.
    case valid
    /// Zero padding so that `out = ⌈in / stride⌉`, split as TensorFlow does: `before = total / 2`,
    /// the odd cell after.
    case same
}

/// Where the windows of a 2-D sliding-window operation fall on an NHWC input: output size and padding.
///
/// Output cell `(oh, ow)` reads input rows `oh·strideHeight − padTop + dy` for `dy < windowHeight` (and
/// likewise columns); rows outside `0..<height` are padding (zeros for conv2d, skipped by pooling).
public struct WindowGeometry: Sendable, Hashable {
    /// Images in the input (N).
    public let batch: Int
    /// Input rows (H).
    public let height: Int
    /// Input columns (W).
    public let width: Int
    /// Input channels (C); a conv2d filter's input channels.
    public let channels: Int
    /// Window (filter) rows.
    public let windowHeight: Int
    /// Window (filter) columns.
    public let windowWidth: Int
    /// Rows between consecutive windows.
    public let strideHeight: Int
    /// Columns between consecutive windows.
    public let strideWidth: Int
    /// How the windows meet the borders.
    public let padding: WindowPadding
    /// Output rows.
    public let outputHeight: Int
    /// Output columns.
    public let outputWidth: Int
    /// Padding rows above the input (TensorFlow: half the total, rounded down).
    public let padTop: Int
    /// Padding columns left of the input.
    public let padLeft: Int

    /// The geometry of `window` over an NHWC input `[batch, height, width, channels]`, or nil when the
    /// sizes are invalid (non-positive window or stride, negative input size, or a VALID window larger
    /// than the input).
    public init?(
        batch: Int, height: Int, width: Int, channels: Int, windowHeight: Int, windowWidth: Int,
        strideHeight: Int, strideWidth: Int, padding: WindowPadding
    ) {
        guard batch >= 0, channels >= 0,
              let rows = Self.axis(input: height, window: windowHeight, stride: strideHeight, padding: padding),
              let columns = Self.axis(input: width, window: windowWidth, stride: strideWidth, padding: padding)
        else {
            return nil
        }
        self.batch = batch
        self.height = height
        self.width = width
        self.channels = channels
        self.windowHeight = windowHeight
        self.windowWidth = windowWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padding = padding
        (outputHeight, padTop) = rows
        (outputWidth, padLeft) = columns
    }

    /// Output size and padding before, along one axis.
    private static func axis(input: Int, window: Int, stride: Int, padding: WindowPadding) -> (Int, Int)? {
        guard input >= 0, window > 0, stride > 0 else {
            return nil
        }
        switch padding {
        case .valid:
            guard input >= window else {
                return nil
            }
            return ((input - window) / stride + 1, 0)
        case .same:
            let output = (input + stride - 1) / stride
            let total = max(0, (output - 1) * stride + window - input)
            return (output, total / 2)
        }
    }

    /// Values in the input, `batch · height · width · channels`.
    public var inputCount: Int { batch * height * width * channels }
    /// Output positions over the whole batch, `batch · outputHeight · outputWidth`: the rows of im2col.
    public var patchCount: Int { batch * outputHeight * outputWidth }
    /// Values under one window, `windowHeight · windowWidth · channels`: the columns of im2col.
    public var patchSize: Int { windowHeight * windowWidth * channels }

    /// The input rows (or columns, with the width parameters) window position `output` covers, clipped
    /// to the input.
    func validRange(output: Int, stride: Int, pad: Int, window: Int, size: Int) -> Range<Int> {
        let start = output * stride - pad
        return max(0, start)..<min(size, start + window)
    }
}
