// conv2d and average-pool window sums against direct loops, with TensorFlow's padding split.

import TFETestSupport
import Testing
import TFERuntime

@Suite struct RingConvolutionTests {
    @Test func tensorFlowPaddingSplit() throws {
        // in 5, window 3, stride 2, SAME: out 3, total padding 2, one row on each side.
        let a = try #require(WindowGeometry(batch: 1, height: 5, width: 6, channels: 1, windowHeight: 3,
                                            windowWidth: 3, strideHeight: 2, strideWidth: 2, padding: .same))
        #expect((a.outputHeight, a.padTop) == (3, 1))
        // in 6, window 3, stride 2, SAME: out 3, total padding 1, all of it after (pad_top = 1 / 2 = 0).
        #expect((a.outputWidth, a.padLeft) == (3, 0))
        let b = try #require(WindowGeometry(batch: 2, height: 7, width: 4, channels: 3, windowHeight: 4,
                                            windowWidth: 2, strideHeight: 1, strideWidth: 2, padding: .valid))
        #expect((b.outputHeight, b.outputWidth, b.padTop, b.padLeft) == (4, 2, 0, 0))
        #expect((b.patchCount, b.patchSize, b.inputCount) == (16, 24, 168))
        // in 4, window 4, stride 1, SAME: total padding 3, top 1, bottom 2.
        let c = try #require(WindowGeometry(batch: 1, height: 4, width: 4, channels: 1, windowHeight: 4,
                                            windowWidth: 1, strideHeight: 1, strideWidth: 1, padding: .same))
        #expect((c.outputHeight, c.padTop, c.outputWidth, c.padLeft) == (4, 1, 4, 0))
        #expect(WindowGeometry(batch: 1, height: 2, width: 2, channels: 1, windowHeight: 3, windowWidth: 1,
                               strideHeight: 1, strideWidth: 1, padding: .valid) == nil)
        #expect(WindowGeometry(batch: 1, height: 2, width: 2, channels: 1, windowHeight: 1, windowWidth: 1,
                               strideHeight: 0, strideWidth: 1, padding: .same) == nil)
    }

    /// (batch, height, width, channels, window height, window width, output channels)
    static let cases: [(Int, Int, Int, Int, Int, Int, Int)] = [
        (1, 1, 1, 1, 1, 1, 1), (1, 5, 5, 1, 3, 3, 2), (2, 6, 7, 3, 3, 2, 4), (1, 8, 8, 2, 5, 5, 3),
        (3, 4, 9, 5, 2, 4, 1), (1, 10, 6, 1, 1, 3, 6), (2, 12, 12, 4, 3, 3, 8),
    ]

    @Test(arguments: 0..<cases.count)
    func conv2dMatchesDirectConvolution(caseIndex: Int) throws {
        let (batch, height, width, channels, kh, kw, outChannels) = Self.cases[caseIndex]
        var rng = SplitMix64(seed: 40 + UInt64(caseIndex))
        let input = rng.ringValues(batch * height * width * channels)
        let filter = rng.ringValues(kh * kw * channels * outChannels)
        for padding in [WindowPadding.same, .valid] {
            for (sh, sw) in [(1, 1), (2, 2), (2, 1)] {
                guard let g = WindowGeometry(batch: batch, height: height, width: width, channels: channels,
                                             windowHeight: kh, windowWidth: kw, strideHeight: sh, strideWidth: sw,
                                             padding: padding)
                else {
                    continue
                }
                let expected = directConv2d(input, filter, g, outChannels)
                #expect(RingKernels.conv2d(input, filter, geometry: g, outputChannels: outChannels) == expected,
                        "case \(caseIndex) \(padding) stride \(sh)×\(sw)")
                let patches = RingKernels.im2col(input, geometry: g)
                #expect(patches.count == g.patchCount * g.patchSize)
                #expect(RingKernels.matmul(patches, filter, m: g.patchCount, k: g.patchSize, n: outChannels)
                        == expected)
            }
        }
    }

    @Test func conv2dLargerThanOnePatchSlice() throws {
        // 16·32·32 patches of 144 values: more than one slice of the patch matrix.
        var rng = SplitMix64(seed: 12)
        let g = try #require(WindowGeometry(batch: 16, height: 32, width: 32, channels: 16, windowHeight: 3,
                                            windowWidth: 3, strideHeight: 1, strideWidth: 1, padding: .same))
        let input = rng.ringValues(g.inputCount), filter = rng.ringValues(g.patchSize * 2)
        #expect(RingKernels.conv2d(input, filter, geometry: g, outputChannels: 2) == directConv2d(input, filter, g, 2))
    }

    @Test func doubleConv2dMatchesDirectConvolution() throws {
        var rng = SplitMix64(seed: 77)
        let g = try #require(WindowGeometry(batch: 2, height: 7, width: 5, channels: 3, windowHeight: 3,
                                            windowWidth: 3, strideHeight: 2, strideWidth: 1, padding: .same))
        let input = rng.smallDoubles(g.inputCount), filter = rng.smallDoubles(g.patchSize * 4)
        let ringInput = input.map { UInt64(bitPattern: Int64($0)) }
        let ringFilter = filter.map { UInt64(bitPattern: Int64($0)) }
        let expected = directConv2d(ringInput, ringFilter, g, 4).map { Double(Int64(bitPattern: $0)) }
        #expect(DoubleKernels.conv2d(input, filter, geometry: g, outputChannels: 4) == expected)
    }

    @Test(arguments: [WindowPadding.same, .valid])
    func averagePoolSumsAndCounts(padding: WindowPadding) throws {
        var rng = SplitMix64(seed: 11)
        for (height, width, window, stride) in [(5, 5, 2, 2), (6, 7, 3, 2), (4, 4, 3, 1), (1, 1, 1, 1)] {
            let g = try #require(WindowGeometry(batch: 2, height: height, width: width, channels: 3,
                                                windowHeight: window, windowWidth: window, strideHeight: stride,
                                                strideWidth: stride, padding: padding))
            let input = rng.ringValues(g.inputCount)
            let (sums, counts) = RingKernels.averagePoolWindowSums(input, geometry: g)
            var expectedSums: [UInt64] = []
            var expectedCounts: [Int] = []
            for b in 0..<2 {
                for oh in 0..<g.outputHeight {
                    for ow in 0..<g.outputWidth {
                        var cells = 0
                        var total = [UInt64](repeating: 0, count: 3)
                        for dy in 0..<window {
                            for dx in 0..<window {
                                let ih = oh * stride - g.padTop + dy, iw = ow * stride - g.padLeft + dx
                                guard (0..<height).contains(ih) && (0..<width).contains(iw) else {
                                    continue
                                }
                                cells += 1
                                for c in 0..<3 {
                                    total[c] &+= input[((b * height + ih) * width + iw) * 3 + c]
                                }
                            }
                        }
                        expectedSums += total
                        if b == 0 {
                            expectedCounts.append(cells)
                        }
                    }
                }
            }
            #expect(sums == expectedSums, "\(height)×\(width) window \(window) stride \(stride)")
            #expect(counts == expectedCounts, "\(height)×\(width) window \(window) stride \(stride)")
            if padding == .valid {
                #expect(counts.allSatisfy { $0 == window * window })
            }
        }
    }

    /// Direct NHWC × HWIO convolution, zero padding, TensorFlow's split.
    func directConv2d(_ input: [UInt64], _ filter: [UInt64], _ g: WindowGeometry, _ outChannels: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: g.patchCount * outChannels)
        for b in 0..<g.batch {
            for oh in 0..<g.outputHeight {
                for ow in 0..<g.outputWidth {
                    for o in 0..<outChannels {
                        var total: UInt64 = 0
                        for dy in 0..<g.windowHeight {
                            for dx in 0..<g.windowWidth {
                                let ih = oh * g.strideHeight - g.padTop + dy
                                let iw = ow * g.strideWidth - g.padLeft + dx
                                guard (0..<g.height).contains(ih) && (0..<g.width).contains(iw) else {
                                    continue
                                }
                                for c in 0..<g.channels {
                                    let x = input[((b * g.height + ih) * g.width + iw) * g.channels + c]
                                    let w = filter[((dy * g.windowWidth + dx) * g.channels + c) * outChannels + o]
                                    total &+= x &* w
                                }
                            }
                        }
                        out[((b * g.outputHeight + oh) * g.outputWidth + ow) * outChannels + o] = total
                    }
                }
            }
        }
        return out
    }
}
