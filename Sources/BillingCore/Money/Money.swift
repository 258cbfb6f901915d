/// An exact amount of one currency in integer minor units (cents, yen, fils).
public struct Money: Sendable, Hashable, CustomStringConvertible {
    /// The signed amount in minor units.
    public var minorUnits: Int64
    public var currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Exactly `value` in `currency`; nil if it has more decimals than the minor unit or does not fit.
    public init?(exactly value: ExactDecimal, currency: Currency) {
        let v = value.normalized
        guard v.scale <= currency.exponent, let units = try? v.rescaled(to: currency.exponent), let fits = Int64(exactly: units) else {
            return nil
        }
        self.init(minorUnits: fits, currency: currency)
    }

    /// Parses an amount written by this program (`-208.29`, `7700`); nil if it is not exact in `currency`.
    public init?(parsing text: String, currency: Currency) {
        guard let d = ExactDecimal(parsing: text, maxDecimals: currency.exponent) else { return nil }
        self.init(exactly: d, currency: currency)
    }

    /// Exactly `value × numerator / denominator`, rounded once to the minor unit with `mode`.
    ///
    /// This covers proration (`price × quantity × days used / days in period`), tax
    /// (`taxable × rate / 100`) and conversion: the caller folds every factor into one fraction.
    public static func rounding(
        _ value: ExactDecimal, times numerator: Int128 = 1, over denominator: Int128 = 1,
        in currency: Currency, mode: RoundingMode
    ) throws(ArithmeticOverflow) -> Money {
        let scaledNumerator = try checkedMultiply(
            try checkedMultiply(value.units, numerator, "amount"), pow10(currency.exponent), "amount")
        let scaledDenominator = try checkedMultiply(pow10(value.scale), denominator, "amount")
        let minor = mode.divide(scaledNumerator, by: scaledDenominator)
        guard let fits = Int64(exactly: minor) else { throw ArithmeticOverflow("amount out of range") }
        return Money(minorUnits: fits, currency: currency)
    }

    /// This amount as an exact decimal in major units.
    public var decimal: ExactDecimal { ExactDecimal(units: Int128(minorUnits), scale: currency.exponent) }

    /// Sum in the same currency; overflow throws.
    public static func + (a: Money, b: Money) throws(ArithmeticOverflow) -> Money {
        precondition(a.currency == b.currency, "currency mismatch")
        let (r, o) = a.minorUnits.addingReportingOverflow(b.minorUnits)
        if o { throw ArithmeticOverflow("money addition") }
        return Money(minorUnits: r, currency: a.currency)
    }

    public static prefix func - (a: Money) -> Money { Money(minorUnits: -a.minorUnits, currency: a.currency) }

    public static func - (a: Money, b: Money) throws(ArithmeticOverflow) -> Money { try a + (-b) }

    /// The amount with exactly the currency's decimals: `199.96`, `5000`, `1.250`.
    public var description: String { ExactDecimal.formatUnits(Int128(minorUnits), decimals: currency.exponent) }
}

extension Sequence where Element == Money {
    /// The checked sum of amounts in `currency`.
    public func sum(in currency: Currency) throws(ArithmeticOverflow) -> Money {
        var total = Money.zero(currency)
        for m in self { total = try total + m }
        return total
    }
}
