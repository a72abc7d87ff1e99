// The one place the machine picks its ring kernels.

import TFECore

/// The ring kernels the machine calls: flat `[UInt64]` and a shape in, `[UInt64]` and a shape out, shape
/// problems as `NaiveKernels.ShapeError`. Every ring computation of the machine goes through here, so
/// switching to faster kernels (`RingKernels`) touches only this file.
enum MachineKernels {
    static func add(
        _ a: [UInt64], _ aShape: [Int], _ b: [UInt64], _ bShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        try NaiveKernels.binary(a, aShape, b, bShape, &+)
    }

    static func subtract(
        _ a: [UInt64], _ aShape: [Int], _ b: [UInt64], _ bShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        try NaiveKernels.binary(a, aShape, b, bShape, &-)
    }

    static func multiply(
        _ a: [UInt64], _ aShape: [Int], _ b: [UInt64], _ bShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        try NaiveKernels.binary(a, aShape, b, bShape, &*)
    }

    static func negate(_ a: [UInt64]) -> [UInt64] {
        a.map { 0 &- $0 }
    }

    static func matmul(
        _ a: [UInt64], _ aShape: [Int], _ b: [UInt64], _ bShape: [Int]
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        try NaiveKernels.matmul(a, aShape, b, bShape)
    }

    static func conv2d(
        _ x: [UInt64], _ xShape: [Int], _ k: [UInt64], _ kShape: [Int], stride: Int, padding: Padding
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        try NaiveKernels.conv2d(x, xShape, k, kShape, stride: stride, padding: padding)
    }

    static func sum(
        _ x: [UInt64], _ shape: [Int], axis: Int?
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        try NaiveKernels.sum(x, shape, axis: axis)
    }

    static func transpose(
        _ x: [UInt64], _ shape: [Int], permutation: [Int]
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        try NaiveKernels.transpose(x, shape, permutation: permutation)
    }

    static func poolsum(
        _ x: [UInt64], _ shape: [Int], size: Int, stride: Int, padding: Padding
    ) throws(NaiveKernels.ShapeError) -> (values: [UInt64], shape: [Int]) {
        try NaiveKernels.poolsum(x, shape, size: size, stride: stride, padding: padding)
    }
}
