/// Money received outside the gateway, such as a bank transfer (`payments_received.csv`).
public struct PaymentReceived: Sendable, Hashable {
    public var invoiceNumber: String
    public var date: CivilDate
    /// In major units of the invoice's currency.
    public var amount: ExactDecimal
    public var source: SourceLocation
    public init(invoiceNumber: String, date: CivilDate, amount: ExactDecimal, source: SourceLocation) {
        self.invoiceNumber = invoiceNumber
        self.date = date
        self.amount = amount
        self.source = source
    }
}

/// Reporting-currency units per one unit of `currency` from `date` on (`fx_rates.csv`).
public struct FxRate: Sendable, Hashable {
    public var date: CivilDate
    public var currency: Currency
    public var rate: ExactDecimal
    public var source: SourceLocation
    public init(date: CivilDate, currency: Currency, rate: ExactDecimal, source: SourceLocation) {
        self.date = date
        self.currency = currency
        self.rate = rate
        self.source = source
    }
}
