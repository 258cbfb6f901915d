/// One subscription's metric over one served period: the unit usage is aggregated and billed by.
public struct UsageKey: Sendable, Hashable, Comparable {
    public var subscriptionID: String
    public var metric: String
    public var period: DateRange
    public init(subscriptionID: String, metric: String, period: DateRange) {
        self.subscriptionID = subscriptionID
        self.metric = metric
        self.period = period
    }
    public static func < (a: UsageKey, b: UsageKey) -> Bool {
        (a.subscriptionID, a.metric, a.period) < (b.subscriptionID, b.metric, b.period)
    }
}

/// The usage of a set of events: per key, the aggregation state. Contributions of several runs merge.
public struct UsageState: Sendable {
    public var accumulators: [UsageKey: UsageAccumulator] = [:]
    /// Per key, the number of distinct `value`s (for `unique_count`) when they were counted apart
    /// from the accumulators: the stages count the ledger's contributions' values while reading
    /// them, never holding them (a month can hold millions). Nil when the accumulators' `values`
    /// hold them.
    public var distinctValueCounts: [UsageKey: Int]?
    public init() {}

    /// Adds the events of `other`. Neither state may have its values counted apart: a union of
    /// distinct values needs the values.
    public mutating func merge(_ other: UsageState) {
        precondition(distinctValueCounts == nil && other.distinctValueCounts == nil, "distinct values counted apart cannot be merged")
        if accumulators.isEmpty {
            accumulators = other.accumulators
            return
        }
        for (k, a) in other.accumulators { accumulators[k, default: UsageAccumulator()].merge(a) }
    }

    /// The units of `key` under `aggregation` (zero with no event).
    /// - Throws: for `sum`, if the quantities added up past what an `Int128` of 10^−9 units holds.
    public func units(_ key: UsageKey, _ aggregation: Aggregation) throws(ArithmeticOverflow) -> ExactDecimal {
        if aggregation == .uniqueCount, let distinctValueCounts { return ExactDecimal(distinctValueCounts[key] ?? 0) }
        return try (accumulators[key] ?? UsageAccumulator()).units(aggregation)
    }
}

/// Bills usage (SPEC §5): for every served paid period, every charge of the plan in effect on the
/// period's last served day is priced, even with no event, and billed on the day service of the
/// period ends (the next period's first day, or the cancel date).
public struct UsageRater: Sendable {
    public let settings: BillingSettings
    public init(settings: BillingSettings) { self.settings = settings }

    public func items(
        for s: Subscription, timeline: SubscriptionTimeline, periods: [RecurringRater.ServedPeriod], usage: UsageState, until: CivilDate
    ) throws(ArithmeticOverflow) -> [ChargeItem] {
        var out: [ChargeItem] = []
        for p in periods where !p.served.isEmpty && p.served.end < until {
            let plan = timeline.step(on: p.served.end.adding(days: -1)).plan
            for charge in plan.charges {
                let key = UsageKey(subscriptionID: s.id, metric: charge.metric, period: p.served)
                let units: ExactDecimal, amount: Money
                do {
                    units = try usage.units(key, charge.aggregation)
                    amount = try UsagePricing.price(charge.model, units: units, currency: plan.currency, rounding: settings.rounding)
                } catch {
                    throw ArithmeticOverflow("\(error.operation) of \(charge.metric) for \(p.served.start) – \(p.served.end.adding(days: -1))")
                }
                // A per-unit line reads units × unit price; other models show their total on one line.
                let (quantity, unitPrice): (ExactDecimal, ExactDecimal)
                if case .perUnit(let price) = charge.model { (quantity, unitPrice) = (units, price) } else { (quantity, unitPrice) = (ExactDecimal(1), amount.decimal) }
                out.append(ChargeItem(
                    customerID: s.customerID, subscriptionID: s.id, planID: plan.id, kind: .usage, metric: charge.metric, period: p.served,
                    quantity: quantity, unitPrice: unitPrice, amount: amount, billingDate: p.served.end,
                    description: "\(plan.name): \(charge.metric), \(units) units (\(charge.aggregation.rawValue), \(charge.model.name))",
                    taxCategory: plan.taxCategory))
            }
        }
        return out
    }
}
