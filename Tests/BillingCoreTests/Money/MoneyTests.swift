import Testing
@testable import BillingCore

struct MoneyTests {
    let usd = Currency(code: "USD")!
    let jpy = Currency(code: "JPY")!

    func dec(_ s: String) -> ExactDecimal { ExactDecimal(parsing: s)! }

    @Test func prorationFiguresFromSpec() throws {
        // 249.95 × 24 / 30 = 5998.80 / 30 = 199.96 exactly.
        #expect(try Money.rounding(dec("249.95"), times: 24, over: 30, in: usd, mode: .halfUp).description == "199.96")
        // 2399.95 × 362 / 365 = 868781.90 / 365 = 2380.2243… → 2380.22.
        #expect(try Money.rounding(dec("2399.95"), times: 362, over: 365, in: usd, mode: .halfUp).description == "2380.22")
        // −249.95 × 21 / 30 = −5248.95 / 30 = −174.965 → half_up (away from zero) −174.97.
        #expect(try Money.rounding(dec("-249.95"), times: 21, over: 30, in: usd, mode: .halfUp).description == "-174.97")
    }

    @Test(arguments: [
        // (value, currency, mode, expected): 0.5 JPY and −0.005 USD are exact halves.
        ("0.5", "JPY", RoundingMode.halfUp, "1"),
        ("0.5", "JPY", .halfEven, "0"),
        ("1.5", "JPY", .halfEven, "2"),
        ("-0.005", "USD", .halfUp, "-0.01"),
        ("-0.005", "USD", .halfEven, "0.00"),
        ("-0.015", "USD", .halfEven, "-0.02"),
        ("1.239", "USD", .down, "1.23"),
        ("-1.239", "USD", .down, "-1.23"),
        ("1.231", "USD", .up, "1.24"),
        ("-1.231", "USD", .up, "-1.24"),
        ("1.2345", "KWD", .halfUp, "1.235"),
        ("0.00005", "CLF", .halfUp, "0.0001"),
    ])
    func roundingModes(value: String, code: String, mode: RoundingMode, expected: String) throws {
        let m = try Money.rounding(dec(value), in: Currency(code: code)!, mode: mode)
        #expect(m.description == expected)
    }

    /// Powers of ten from the table: 10^0 = 1, 10^9 (the usage scale) = 1,000,000,000, and 10^36,
    /// the largest, is 1 followed by 36 zeros.
    @Test(arguments: [(0, "1"), (1, "10"), (9, "1000000000"), (18, "1" + String(repeating: "0", count: 18)), (36, "1" + String(repeating: "0", count: 36))])
    func powersOfTen(n: Int, expected: String) {
        #expect(String(pow10(n)) == expected)
    }

    /// 2^64 − 1 = 18 446 744 073 709 551 615 is the last magnitude `description` writes digit by
    /// digit; 2^64 goes through `String(Int128)`.
    static let beyond64Bits: [(Int128, Int, String)] = [
        (Int128(UInt64.max), 1, "1844674407370955161.5"), (Int128(UInt64.max) + 1, 0, "18446744073709551616"),
        (-(Int128(UInt64.max) + 1), 2, "-184467440737095516.16"),
    ]

    /// Units of 10^−scale written as normalized text, worked by hand: trailing fractional zeros
    /// go (1 500 000 000 × 10^−9 = 1.5), a fraction below one gets its leading zeros, the sign goes
    /// first, and the 64-bit limits and beyond them (Int128, written the slow way) come out whole, as
    /// bytes and as `description`.
    @Test(arguments: [
        (Int128(0), 9, "0"), (0, 0, "0"), (5, 9, "0.000000005"), (-5, 9, "-0.000000005"),
        (1_500_000_000, 9, "1.5"), (-1_500_000_000, 9, "-1.5"), (2_000_000_000, 9, "2"), (10, 1, "1"), (15, 2, "0.15"),
        (120, 0, "120"), (-7, 0, "-7"), (100_000_000_001, 9, "100.000000001"),
        (Int128(Int64.max), 9, "9223372036.854775807"), (Int128(Int64.min), 9, "-9223372036.854775808"),
        (Int128(Int64.max), 0, "9223372036854775807"), (Int128(Int64.max) + 1, 9, "9223372036.854775808"),
        (Int128(Int64.min) - 10, 1, "-922337203685477581.8"), (7, 18, "0.000000000000000007"),
        (100, 3, "0.1"), (-15_000_000, 9, "-0.015"), (1_234_567_890_123, 9, "1234.567890123"), (Int128(Int64.min), 18, "-9.223372036854775808"),
        (Int128(Int64.max), 18, "9.223372036854775807"), (-1, 18, "-0.000000000000000001"),
    ] + beyond64Bits)
    func normalizedDecimalBytes(units: Int128, scale: Int, expected: String) {
        var out = Array("x".utf8)
        ExactDecimal.appendNormalized(units: units, scale: scale, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x" + expected)
        #expect(ExactDecimal(units: units, scale: scale).normalized.description == expected)
    }

    @Test func iso4217Exponents() {
        #expect(Currency(code: "JPY")?.exponent == 0)
        #expect(Currency(code: "USD")?.exponent == 2)
        #expect(Currency(code: "KWD")?.exponent == 3)
        #expect(Currency(code: "CLF")?.exponent == 4)
        #expect(Currency(code: "usd") == nil)
        #expect(Currency(code: "XXX") == nil)
    }

    @Test(arguments: ["12", "0.0004", "-3.5", "0"])
    func decimalGrammarAccepts(text: String) {
        #expect(ExactDecimal(parsing: text)?.description == text)
    }

    @Test(arguments: ["1e3", "1,000", "1.", ".5", "+1", "", "-", "1.2.3", " 1", "0x10", "1.0000000000001"])
    func decimalGrammarRejects(text: String) {
        #expect(ExactDecimal(parsing: text, maxDecimals: 12) == nil)
    }

    @Test func overflowThrows() {
        let huge = ExactDecimal(units: Int128.max / 2, scale: 0)
        #expect(throws: ArithmeticOverflow.self) { try Money.rounding(huge, times: 4, in: usd, mode: .halfUp) }
        #expect(throws: ArithmeticOverflow.self) {
            try Money(minorUnits: .max, currency: usd) + Money(minorUnits: 1, currency: usd)
        }
        // A value that fits in Int128 but not in Int64 minor units is also an error.
        #expect(throws: ArithmeticOverflow.self) {
            try Money.rounding(ExactDecimal(units: Int128(Int64.max), scale: 0), in: usd, mode: .halfUp)
        }
    }

    @Test func exactAmountsOnly() {
        #expect(Money(parsing: "-208.29", currency: usd)?.minorUnits == -20829)
        #expect(Money(parsing: "7700", currency: jpy)?.minorUnits == 7700)
        #expect(Money(exactly: ExactDecimal(parsing: "12.500")!, currency: usd)?.minorUnits == 1250)  // trailing zeros are exact
        #expect(Money(parsing: "2612.95", currency: jpy) == nil)  // yen have no decimals: never rounded
        #expect(Money(exactly: ExactDecimal(units: Int128(Int64.max) + 1, scale: 0), currency: jpy) == nil)
    }

    @Test func equalityIgnoresTrailingZeros() {
        #expect(dec("1.50") == dec("1.5"))
        #expect(dec("1.49") < dec("1.5"))
        #expect(Set([dec("2"), dec("2.00")]).count == 1)
    }

    /// Whole numbers of 1 to 18 digits are read by the usage hot path's own loop; anything else
    /// (no digit, 19 digits, a sign, a point, a space, a byte just below `0` or above `9`) is
    /// left to `parse`. Where both read a number, they agree.
    @Test(arguments: [
        ("0", 0), ("7", 7), ("007", 7), ("271", 271), (String(repeating: "9", count: 18), 999_999_999_999_999_999),
        (String(repeating: "9", count: 19), nil), ("", nil), ("-1", nil), ("+1", nil), ("1.5", nil), ("1 ", nil), ("1/", nil), ("1:", nil),
    ] as [(String, Int64?)])
    func wholeNumbers(text: String, value: Int64?) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer { ExactDecimal.wholeNumber($0) } == value)
        if let value {
            #expect(ExactDecimal.parse(bytes: bytes[...], maxDecimals: 9) == ExactDecimal(units: Int128(value), scale: 0))
        }
    }
}
