/// The seller printed on every document.
public struct Seller: Sendable, Hashable {
    public var name: String
    public var address: String
    /// ISO 3166-1 alpha-2.
    public var country: String
    public var taxID: String
    public init(name: String, address: String, country: String, taxID: String) {
        self.name = name
        self.address = address
        self.country = country
        self.taxID = taxID
    }
}

/// Whether partial periods are prorated (SPEC §2).
public enum Proration: String, Sendable, Hashable {
    /// Partial periods and credits are charged by the day.
    case prorate
    /// A partial period is charged in full and nothing is credited on a cancellation.
    case none
}

/// How tax is rounded on a document (SPEC §5).
public enum TaxBasis: String, Sendable, Hashable {
    /// Sum taxable amounts per rate, round tax once per rate per document.
    case perInvoiceRate = "per_invoice_rate"
    /// Round tax on each line.
    case perLine = "per_line"
}

/// What happens when an item has no tax rate.
public enum MissingRate: String, Sendable, Hashable {
    case error
    case zero
}

/// What happens after the last retry of a payment fails.
public enum AfterFinalFailure: String, Sendable, Hashable {
    case cancel
    case pastDue = "past_due"
}

/// Every rule setting of `pipeline.json` with SPEC §2's defaults: the pure input of the core.
public struct BillingSettings: Sendable, Hashable {
    public var seller = Seller(name: "", address: "", country: "US", taxID: "")
    public var alignment: Alignment = .anniversary
    public var rounding: RoundingMode = .halfUp
    /// The fixed UTC offset used to date usage timestamps, in minutes.
    public var timezoneOffsetMinutes = 0
    public var proration: Proration = .prorate
    public var paymentTermsDays = 30
    public var invoicePrefix = "INV-"
    public var creditNotePrefix = "CN-"
    /// The first billing day the ledger owns; nil until the ledger records it.
    public var since: CivilDate?
    public var taxBasis: TaxBasis = .perInvoiceRate
    public var taxRounding: RoundingMode = .halfUp
    public var taxInclusive = false
    public var missingRate: MissingRate = .error
    public var paymentSeed: Int64 = 0
    public var retryDays: [Int] = [3, 5, 7]
    public var afterFinalFailure: AfterFinalFailure = .cancel
    /// Required once more than one currency is billed.
    public var reportCurrency: Currency?

    public init() {}
}
