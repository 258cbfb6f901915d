/// Monthly recurring revenue at one date (SPEC §7; definitions in docs/metrics.md).
///
/// Each live, paid subscription contributes `price × quantity / months per period` (yearly ÷ 12,
/// quarterly ÷ 3). Contributions are summed exactly as fractions over a common denominator and
/// rounded once per currency, and once for the reporting-currency total.
public struct MRRSnapshot: Sendable, Hashable {
    /// Per currency, rounded once.
    public var byCurrency: [Currency: Money]
    /// The sum converted to the reporting currency, rounded once; nil without a reporting currency.
    public var reporting: Money?
}

/// A conversion rate that is missing.
public struct MissingFxRate: Error, Sendable {
    public var currency: Currency
    public var date: CivilDate
}

public enum MRRCalculator {
    /// Whether `s` is a paying, live subscription on `date`.
    public static func isLive(_ s: Subscription, plan: Plan, on date: CivilDate, canceledOn: CivilDate?) -> Bool {
        let end = [s.cancelDate, canceledOn].compactMap { $0 }.min()
        return s.firstPaidDay(trialDays: plan.trialDays) <= date && (end.map { date < $0 } ?? true)
    }

    public static func snapshot(
        catalog: Catalog, on date: CivilDate, canceledOn: [String: CivilDate], rounding: RoundingMode,
        reportingCurrency: Currency?, fxRates: [FxRate]
    ) throws -> MRRSnapshot {
        // A common denominator for every plan's months per period.
        var denominator = 1
        for p in catalog.plans.values { denominator = lcm(denominator, p.monthsPerPeriod) }
        var numerators: [Currency: ExactDecimal] = [:]
        for s in catalog.sortedSubscriptions {
            let plan = catalog.plans[s.planID]!
            guard isLive(s, plan: plan, on: date, canceledOn: canceledOn[s.id]) else { continue }
            // The plan and quantity in effect on the date, after any changes.
            let step = SubscriptionTimeline(subscription: s, plan: plan, changes: catalog.changes[s.id] ?? [], plans: catalog.plans).step(on: date)
            let share = try step.plan.price * ExactDecimal(step.quantity) * ExactDecimal(denominator / step.plan.monthsPerPeriod)
            numerators[step.plan.currency] = try (numerators[step.plan.currency] ?? .zero) + share
        }
        var byCurrency: [Currency: Money] = [:]
        for (c, n) in numerators { byCurrency[c] = try Money.rounding(n, over: Int128(denominator), in: c, mode: rounding) }
        var reporting: Money?
        if let rc = reportingCurrency {
            var total = ExactDecimal.zero
            for (c, n) in numerators.sorted(by: { $0.key < $1.key }) {
                total = try total + (c == rc ? n : try n * rate(for: c, on: date, fxRates))
            }
            reporting = try Money.rounding(total, over: Int128(denominator), in: rc, mode: rounding)
        }
        return MRRSnapshot(byCurrency: byCurrency, reporting: reporting)
    }

    /// The latest rate dated on or before `date`.
    public static func rate(for c: Currency, on date: CivilDate, _ rates: [FxRate]) throws(MissingFxRate) -> ExactDecimal {
        guard let r = rates.filter({ $0.currency == c && $0.date <= date }).max(by: { $0.date < $1.date }) else {
            throw MissingFxRate(currency: c, date: date)
        }
        return r.rate
    }

    static func lcm(_ a: Int, _ b: Int) -> Int {
        func gcd(_ x: Int, _ y: Int) -> Int { y == 0 ? x : gcd(y, x % y) }
        return a / gcd(a, b) * b
    }
}

/// A subscription's status on a date, from its dates and the ledger's dunning history.
public enum StatusAsOf {
    public static func status(
        _ s: Subscription, plan: Plan, on date: CivilDate, canceledOn: CivilDate?, lastRecorded: SubscriptionStatus?
    ) -> String {
        if s.startDate > date { return "scheduled" }
        if let end = [s.cancelDate, canceledOn].compactMap({ $0 }).min(), end <= date { return SubscriptionStatus.canceled.rawValue }
        if date < s.firstPaidDay(trialDays: plan.trialDays) { return SubscriptionStatus.trialing.rawValue }
        if lastRecorded == .pastDue { return SubscriptionStatus.pastDue.rawValue }
        return SubscriptionStatus.active.rawValue
    }
}
