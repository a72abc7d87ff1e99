import Testing
@testable import TFELowering

/// The plans lowering makes for divisors known at compile time: m/D with min(m, D) at most 2^(frac − 1).
struct ConstantDivisionTests {
    static let exact: [(Double, [Int], Int)] = [
        (3, [1], 3), (1000, [1], 1000), (-4, [-1], 4), (0.3, [10], 3), (0.5, [2], 1), (-0.25, [-4], 1),
        (1.5, [2], 3), (2.75, [4], 11), (0.37, [100], 37), (4_294_967_296, [1], 4_294_967_296),
    ]

    @Test(arguments: exact)
    func divisorIsARatioOfIntegers(_ c: Double, _ multipliers: [Int], _ divisor: Int) {
        let plan = ConstantDivision.dividing(by: c, fractionalBits: 16)
        #expect(plan == ConstantDivision(multipliers: multipliers, divisor: divisor))
    }

    /// π to five decimals: the closest fraction with m ≤ 2^15 (1/π ≈ 113/355 is one), far closer than 1/c rounded
    /// to 16 bits (relative error 2^-17/0.32).
    @Test func otherDivisorsTakeTheClosestFractionWithinTheBound() throws {
        let plan = try #require(ConstantDivision.dividing(by: 3.14159, fractionalBits: 16))
        #expect(plan.multipliers[0] <= 1 << 15)
        #expect(plan.relativeError(dividing: 3.14159) < 1e-9)
    }

    /// Below 2^-15 neither m nor D can stay within the bound and approximate 1/c: the product by 1/c stays.
    @Test func tinyAndHugeDivisorsKeepTheProduct() {
        #expect(ConstantDivision.dividing(by: 1e-12, fractionalBits: 16) == nil)
        #expect(ConstantDivision.dividing(by: 1e12 + 0.5, fractionalBits: 16) == nil)
    }

    static let averages: [([Int], ConstantDivision?)] = [
        ([784], ConstantDivision(multipliers: [1], divisor: 784)),
        ([9, 6, 4], ConstantDivision(multipliers: [4, 6, 9], divisor: 36)),
        ([32768], ConstantDivision(multipliers: [1], divisor: 32768)),
        ([32769], nil),
        ([16, 20, 24, 28, 25, 30, 35, 36, 42, 49], nil),  // 7×7 SAME windows: lcm 176400
    ]

    @Test(arguments: averages)
    func averagesDivideByTheLeastCommonMultiple(_ counts: [Int], _ plan: ConstantDivision?) {
        #expect(ConstantDivision.averaging(counts: counts, fractionalBits: 16) == plan)
    }

    /// At 4 fractional bits the bound is 8: 0.3 (m = 10) still fits through D = 3, a mean over 9 does not.
    @Test func theBoundFollowsTheFractionalBits() {
        let plan = ConstantDivision.dividing(by: 0.3, fractionalBits: 4)
        #expect(plan == ConstantDivision(multipliers: [10], divisor: 3))
        #expect(ConstantDivision.averaging(counts: [9], fractionalBits: 4) == nil)
        #expect(ConstantDivision.averaging(counts: [8], fractionalBits: 4) != nil)
    }
}
