/// When a recurring fee is billed: at the start of its period or the day after it ends.
public enum FeeTiming: String, Sendable, Hashable {
    case advance
    case arrears
}

/// A price plan (`plans.json`).
public struct Plan: Sendable, Hashable {
    public var id: String
    public var name: String
    public var currency: Currency
    public var interval: BillingInterval
    /// Intervals per period: 3 months is a quarter.
    public var intervalCount: Int
    /// The recurring fee per unit of quantity per period, in major units.
    public var price: ExactDecimal
    public var feeTiming: FeeTiming
    public var trialDays: Int
    /// Selects the tax rate (`standard`, `reduced`, …).
    public var taxCategory: String
    public var charges: [UsageCharge]
    public var source: SourceLocation

    public init(
        id: String, name: String, currency: Currency, interval: BillingInterval, intervalCount: Int = 1,
        price: ExactDecimal, feeTiming: FeeTiming = .advance, trialDays: Int = 0, taxCategory: String = "standard",
        charges: [UsageCharge] = [], source: SourceLocation = SourceLocation(file: "plans.json", line: 0)
    ) {
        self.id = id
        self.name = name
        self.currency = currency
        self.interval = interval
        self.intervalCount = intervalCount
        self.price = price
        self.feeTiming = feeTiming
        self.trialDays = trialDays
        self.taxCategory = taxCategory
        self.charges = charges
        self.source = source
    }

    /// Months in one billing period (for MRR normalisation).
    public var monthsPerPeriod: Int { intervalCount * (interval == .year ? 12 : 1) }
}
