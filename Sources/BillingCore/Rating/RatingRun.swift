/// Why rating stopped, pointing at the record that needs fixing.
public struct RatingError: Error, Sendable {
    public var source: SourceLocation
    public var field: String
    public var problem: String
    public var value: String
}

/// Rates a whole catalog: every item that should exist with a billing date in `[since, until)`,
/// each with its tax resolved (SPEC §5). Pure; the rate stage writes the result.
public struct RatingRun: Sendable {
    public let catalog: Catalog
    public let settings: BillingSettings

    public init(catalog: Catalog, settings: BillingSettings) {
        self.catalog = catalog
        self.settings = settings
    }

    /// - Parameter endedOn: per subscription, the day dunning cancelled it (billing stops there).
    public func items(since: CivilDate, until: CivilDate, endedOn: [String: CivilDate] = [:]) throws(RatingError) -> [ChargeItem] {
        let rater = RecurringRater(settings: settings)
        let resolver = TaxResolver(rates: catalog.taxRates, seller: settings.seller, missingRate: settings.missingRate)
        var out: [ChargeItem] = []
        for sub in catalog.sortedSubscriptions {
            let plan = catalog.plans[sub.planID]!
            let customer = catalog.customers[sub.customerID]!
            let changes = catalog.changes[sub.id] ?? []
            let usagePlan = ([plan] + changes.compactMap { $0.planID.flatMap { catalog.plans[$0] } }).first { !$0.charges.isEmpty }
            if let plan = usagePlan {
                throw RatingError(source: plan.source, field: "charges",
                                  problem: "usage charges are not billed by this version yet (tracked in issue #4)", value: plan.id)
            }
            let subItems: [ChargeItem]
            do {
                subItems = try rater.items(for: sub, plan: plan, changes: changes, plans: catalog.plans, until: until, endedOn: endedOn[sub.id])
            } catch {
                throw RatingError(source: sub.source, field: "quantity", problem: "amount overflows: \(error)", value: String(sub.quantity))
            }
            for var item in subItems where item.billingDate >= since {
                do {
                    item.tax = try resolver.tax(for: customer, category: item.taxCategory, on: item.period.start)
                } catch {
                    throw RatingError(
                        source: sub.source, field: "customer_id",
                        problem: "no tax rate for country \(error.country), region \(error.region.isEmpty ? "-" : error.region), category \(error.category) on \(error.date)",
                        value: customer.id)
                }
                out.append(item)
            }
        }
        return out
    }
}
