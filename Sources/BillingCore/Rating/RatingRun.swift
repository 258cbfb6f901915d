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

    /// - Parameters:
    ///   - endedOn: per subscription, the day dunning cancelled it (billing stops there).
    ///   - usage: every usage event counted so far, aggregated per subscription, metric and period.
    public func items(
        since: CivilDate, until: CivilDate, endedOn: [String: CivilDate] = [:], usage: UsageState = UsageState()
    ) throws(RatingError) -> [ChargeItem] {
        let rater = RecurringRater(settings: settings)
        let usageRater = UsageRater(settings: settings)
        let resolver = TaxResolver(rates: catalog.taxRates, seller: settings.seller, missingRate: settings.missingRate)
        var out: [ChargeItem] = []
        for sub in catalog.sortedSubscriptions {
            let plan = catalog.plans[sub.planID]!
            let customer = catalog.customers[sub.customerID]!
            let changes = catalog.changes[sub.id] ?? []
            let subItems: [ChargeItem]
            do {
                let timeline = SubscriptionTimeline(subscription: sub, plan: plan, changes: changes, plans: catalog.plans)
                let periods = rater.servedPeriods(for: sub, timeline: timeline, until: until, endedOn: endedOn[sub.id])
                subItems = try rater.items(for: sub, plan: plan, changes: changes, plans: catalog.plans, until: until, endedOn: endedOn[sub.id])
                    + usageRater.items(for: sub, timeline: timeline, periods: periods, usage: usage, until: until)
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
