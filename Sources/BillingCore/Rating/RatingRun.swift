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
        try items(of: catalog.sortedSubscriptions[...], since: since, until: until, endedOn: endedOn, usage: usage)
    }

    /// The items of `subscriptions` alone, in their order: given consecutive slices of
    /// `catalog.sortedSubscriptions`, the results joined in order are the whole run's, so a caller
    /// can rate the slices on different cores.
    public func items(
        of subscriptions: ArraySlice<Subscription>, since: CivilDate, until: CivilDate, endedOn: [String: CivilDate] = [:],
        usage: UsageState = UsageState()
    ) throws(RatingError) -> [ChargeItem] {
        let rater = RecurringRater(settings: settings)
        let usageRater = UsageRater(settings: settings)
        let resolver = TaxResolver(rates: catalog.taxRates, seller: settings.seller, missingRate: settings.missingRate)
        var out: [ChargeItem] = []
        for sub in subscriptions {
            let plan = catalog.plans[sub.planID]!
            let customer = catalog.customers[sub.customerID]!
            let changes = catalog.changes[sub.id] ?? []
            var subItems: [ChargeItem]
            let timeline = SubscriptionTimeline(subscription: sub, plan: plan, changes: changes, plans: catalog.plans)
            let periods = rater.servedPeriods(for: sub, timeline: timeline, until: until, endedOn: endedOn[sub.id])
            do {
                subItems = try rater.items(for: sub, timeline: timeline, periods: periods, until: until, endedOn: endedOn[sub.id])
            } catch {
                throw RatingError(source: sub.source, field: "quantity", problem: "amount overflows: \(error)", value: String(sub.quantity))
            }
            do {
                subItems += try usageRater.items(for: sub, timeline: timeline, periods: periods, usage: usage, until: until)
            } catch {
                throw RatingError(source: sub.source, field: "subscription_id", problem: "usage amount overflows: \(error)", value: sub.id)
            }
            for whole in subItems where whole.billingDate >= since {
                for var item in try split(whole, at: resolver.changeDates(for: customer, category: whole.taxCategory, in: whole.period)) {
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
        }
        return out
    }

    /// An item cut at tax-rate changes inside its service period: each part gets its share of the
    /// days, rounded once; the last part takes the remainder, so the parts add up to the item.
    func split(_ item: ChargeItem, at dates: [CivilDate]) throws(RatingError) -> [ChargeItem] {
        guard !dates.isEmpty else { return [item] }
        let bounds = [item.period.start] + dates + [item.period.end]
        var parts: [ChargeItem] = []
        var left = item.amount
        for (i, (a, b)) in zip(bounds, bounds.dropFirst()).enumerated() {
            var part = item
            part.period = DateRange(a, b)
            if i == bounds.count - 2 {
                part.amount = left
            } else {
                do {
                    part.amount = try Money.rounding(
                        item.amount.decimal, times: Int128(part.period.days), over: Int128(item.period.days), in: item.amount.currency,
                        mode: settings.rounding)
                    left = try left - part.amount
                } catch {
                    throw RatingError(source: SourceLocation(file: "", line: 0), field: "amount", problem: "\(error)", value: item.subscriptionID)
                }
            }
            part.description = item.description + " (\(a) – \(b.adding(days: -1)), tax rate period)"
            parts.append(part)
        }
        return parts
    }
}
