/// The tax of one rate on one document.
public struct TaxSummary: Sendable, Hashable {
    public var rate: ExactDecimal
    public var name: String
    /// Net amount taxed at this rate (excluding tax, also for inclusive prices).
    public var taxable: Money
    public var tax: Money
    public init(rate: ExactDecimal, name: String, taxable: Money, tax: Money) {
        self.rate = rate
        self.name = name
        self.taxable = taxable
        self.tax = tax
    }
}

/// A document's tax: per rate, and the totals.
public struct DocumentTax: Sendable, Hashable {
    public var summaries: [TaxSummary]
    /// Net of tax.
    public var subtotal: Money
    public var taxTotal: Money
    public var total: Money
}

/// Computes a document's tax from its lines (SPEC §5): `per_invoice_rate` rounds once per rate per
/// document, `per_line` rounds each line; inclusive prices hold `gross × rate / (100 + rate)`.
public enum TaxCalculator {
    public static func compute(
        lines: [(amount: Money, tax: ItemTax)], currency: Currency, basis: TaxBasis, rounding: RoundingMode, inclusive: Bool
    ) throws(ArithmeticOverflow) -> DocumentTax {
        struct RateKey: Hashable { var rate: ExactDecimal; var name: String }
        var groups: [RateKey: (amount: Money, tax: Money)] = [:]
        var order: [RateKey] = []
        for line in lines {
            let key = RateKey(rate: line.tax.rate.normalized, name: line.tax.name)
            if groups[key] == nil {
                groups[key] = (.zero(currency), .zero(currency))
                order.append(key)
            }
            var g = groups[key]!
            g.amount = try g.amount + line.amount
            if basis == .perLine { g.tax = try g.tax + taxOf(line.amount, rate: key.rate, rounding, inclusive) }
            groups[key] = g
        }
        var summaries: [TaxSummary] = []
        for key in order.sorted(by: { ($0.rate, $0.name) > ($1.rate, $1.name) }) {
            let g = groups[key]!
            let tax = basis == .perLine ? g.tax : try taxOf(g.amount, rate: key.rate, rounding, inclusive)
            let taxable = inclusive ? try g.amount - tax : g.amount
            summaries.append(TaxSummary(rate: key.rate, name: key.name, taxable: taxable, tax: tax))
        }
        let subtotal = try summaries.map(\.taxable).sum(in: currency)
        let taxTotal = try summaries.map(\.tax).sum(in: currency)
        return DocumentTax(summaries: summaries, subtotal: subtotal, taxTotal: taxTotal, total: try subtotal + taxTotal)
    }

    /// Tax on `amount` at `rate` percent, one rounding: `amount × rate / 100`, or for a gross
    /// (inclusive) amount `amount × rate / (100 + rate)`.
    static func taxOf(_ amount: Money, rate: ExactDecimal, _ rounding: RoundingMode, _ inclusive: Bool) throws(ArithmeticOverflow) -> Money {
        if rate.isZero { return .zero(amount.currency) }
        let hundred = try ExactDecimal(100).rescaled(to: rate.scale)
        let denominator = inclusive ? hundred + rate.units : hundred
        return try Money.rounding(
            amount.decimal, times: rate.units, over: denominator, in: amount.currency, mode: rounding)
    }
}
