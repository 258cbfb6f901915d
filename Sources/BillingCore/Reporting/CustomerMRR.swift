/// Each customer's monthly recurring revenue on a date: every live, paid subscription's recurring
/// fee normalised to a month (yearly ÷ 12, quarterly ÷ 3) after quantity, summed exactly and rounded
/// once per customer. Totals are sums of these, so movements between two dates reconcile to the
/// minor unit. Usage is not recurring revenue and is reported apart.
public enum CustomerMRR {
    public static func on(_ date: CivilDate, catalog: Catalog, canceledOn: [String: CivilDate], rounding: RoundingMode) throws -> [String: Money] {
        var denominator = 1
        for p in catalog.plans.values { denominator = MRRCalculator.lcm(denominator, p.monthsPerPeriod) }
        var exact: [String: (ExactDecimal, Currency)] = [:]
        // Exact sums, and a customer's subscriptions all bill in its currency: any order gives
        // the same result, so the subscriptions are not sorted first.
        for s in catalog.subscriptions.values {
            let plan = catalog.plans[s.planID]!
            guard MRRCalculator.isLive(s, plan: plan, on: date, canceledOn: canceledOn[s.id]) else { continue }
            let step = SubscriptionTimeline(subscription: s, plan: plan, changes: catalog.changes[s.id] ?? [], plans: catalog.plans).step(on: date)
            let share = try step.plan.price * ExactDecimal(step.quantity) * ExactDecimal(denominator / step.plan.monthsPerPeriod)
            exact[s.customerID] = (try (exact[s.customerID]?.0 ?? .zero) + share, step.plan.currency)
        }
        var out: [String: Money] = [:]
        for (customer, (n, c)) in exact {
            let m = try Money.rounding(n, over: Int128(denominator), in: c, mode: rounding)
            if m.minorUnits != 0 { out[customer] = m }
        }
        return out
    }

    /// A customer's MRR in the reporting currency at `rate` (one rounding).
    public static func converted(_ m: Money, to reporting: Currency, rate: ExactDecimal, rounding: RoundingMode) throws -> Money {
        if m.currency == reporting { return m }
        return try Money.rounding(try m.decimal * rate, in: reporting, mode: rounding)
    }

    /// The customers who paid for any subscription before `date` (a returning customer is
    /// "reactivated", not "new"), in one pass over the subscriptions.
    public static func paidBefore(_ date: CivilDate, catalog: Catalog, canceledOn: [String: CivilDate]) -> Set<String> {
        var out: Set<String> = []
        for s in catalog.subscriptions.values {
            guard let plan = catalog.plans[s.planID] else { continue }
            let firstPaid = s.firstPaidDay(trialDays: plan.trialDays)
            let end = [s.cancelDate, canceledOn[s.id]].compactMap { $0 }.min()
            if firstPaid < date && (end.map { firstPaid < $0 } ?? true) { out.insert(s.customerID) }
        }
        return out
    }
}
