/// Why an item has no tax rate (SPEC §5 `missing_rate: error`).
public struct MissingTaxRate: Error, Sendable, Equatable {
    public var customerID: String
    public var country: String
    public var region: String
    public var category: String
    public var date: CivilDate
}

/// Picks the tax that applies to an item: zero-rated for tax-exempt customers and EU reverse
/// charge, otherwise the most specific `tax_rates.csv` row valid on the service date.
public struct TaxResolver: Sendable {
    let rates: [TaxRate]
    let seller: Seller
    let missingRate: MissingRate

    public init(rates: [TaxRate], seller: Seller, missingRate: MissingRate) {
        self.rates = rates
        self.seller = seller
        self.missingRate = missingRate
    }

    /// An EU B2B customer with a tax id, in another member state than an EU seller.
    public func isReverseCharge(_ c: Customer) -> Bool {
        Countries.europeanUnion.contains(seller.country) && Countries.europeanUnion.contains(c.country)
            && c.country != seller.country && !c.taxID.isEmpty
    }

    /// The days inside `period` (after its first) on which the rate for this customer and category
    /// changes: a line is split there (issue #5). None for exempt and reverse-charge customers.
    public func changeDates(for customer: Customer, category: String, in period: DateRange) -> [CivilDate] {
        if customer.taxExempt || isReverseCharge(customer) { return [] }
        var dates: Set<CivilDate> = []
        for r in rates where r.country == customer.country && r.category == category && (r.region.isEmpty || r.region == customer.region) {
            for d in [r.validFrom, r.validTo.map { $0.adding(days: 1) }].compactMap({ $0 }) where d > period.start && d < period.end {
                dates.insert(d)
            }
        }
        return dates.sorted().filter { (try? tax(for: customer, category: category, on: $0.adding(days: -1))) != (try? tax(for: customer, category: category, on: $0)) }
    }

    public func tax(for customer: Customer, category: String, on date: CivilDate) throws(MissingTaxRate) -> ItemTax {
        if customer.taxExempt { return ItemTax(rate: .zero, name: "", treatment: .exempt) }
        if isReverseCharge(customer) { return ItemTax(rate: .zero, name: "", treatment: .reverseCharge) }
        let candidates = rates.filter {
            $0.country == customer.country && $0.category == category && $0.isValid(on: date)
                && ($0.region.isEmpty || $0.region == customer.region)
        }
        // A region row is more specific than a whole-country row; equal rows were refused at ingest.
        if let best = candidates.first(where: { !$0.region.isEmpty }) ?? candidates.first {
            return ItemTax(rate: best.rate, name: best.name, treatment: .standard)
        }
        if missingRate == .zero { return ItemTax(rate: .zero, name: "", treatment: .standard) }
        throw MissingTaxRate(customerID: customer.id, country: customer.country, region: customer.region, category: category, date: date)
    }
}
