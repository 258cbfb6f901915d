/// A billed customer (`customers.csv`).
public struct Customer: Sendable, Hashable {
    public var id: String
    public var name: String
    /// ISO 3166-1 alpha-2.
    public var country: String
    public var currency: Currency
    public var email: String
    /// Subdivision code without the country (`WA`), for tax; empty for none.
    public var region: String
    public var taxID: String
    public var taxExempt: Bool
    /// The simulated gateway token; nil means no automatic payment (pays by bank transfer).
    public var paymentMethod: PaymentMethod?
    public var source: SourceLocation

    public init(
        id: String, name: String, country: String, currency: Currency, email: String = "", region: String = "",
        taxID: String = "", taxExempt: Bool = false, paymentMethod: PaymentMethod? = nil,
        source: SourceLocation = SourceLocation(file: "customers.csv", line: 0)
    ) {
        self.id = id
        self.name = name
        self.country = country
        self.currency = currency
        self.email = email
        self.region = region
        self.taxID = taxID
        self.taxExempt = taxExempt
        self.paymentMethod = paymentMethod
        self.source = source
    }
}
