/// A tax rate row (`tax_rates.csv`): the rate for a country (and optionally a region) and a tax
/// category, valid between two inclusive dates.
public struct TaxRate: Sendable, Hashable {
    public var country: String
    /// Empty for the whole country.
    public var region: String
    public var category: String
    /// A percentage, 0…100 (`10`, `7.25`).
    public var rate: ExactDecimal
    /// Printed on invoices (`VAT`, `消費税`, `WA sales tax`).
    public var name: String
    public var validFrom: CivilDate?
    public var validTo: CivilDate?
    public var source: SourceLocation

    public init(
        country: String, region: String = "", category: String, rate: ExactDecimal, name: String = "",
        validFrom: CivilDate? = nil, validTo: CivilDate? = nil, source: SourceLocation = SourceLocation(file: "tax_rates.csv", line: 0)
    ) {
        self.country = country
        self.region = region
        self.category = category
        self.rate = rate
        self.name = name
        self.validFrom = validFrom
        self.validTo = validTo
        self.source = source
    }

    /// Whether the row applies on `date` (both bounds inclusive).
    public func isValid(on date: CivilDate) -> Bool {
        (validFrom.map { $0 <= date } ?? true) && (validTo.map { date <= $0 } ?? true)
    }
}
