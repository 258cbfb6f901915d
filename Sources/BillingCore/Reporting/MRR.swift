/// Monthly recurring revenue at one date (SPEC §7; definitions in docs/metrics.md).
///
/// Each live, paid subscription contributes `price × quantity / months per period` (yearly ÷ 12,
/// quarterly ÷ 3); a customer's contributions are summed exactly and rounded once (see
/// `CustomerMRR`), and totals are sums of customers, so movements reconcile exactly.
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

    /// MRR per currency (the sum of each customer's MRR) and in the reporting currency (each
    /// customer converted by `convert` (`CustomerMRR.converted` at the currency's rate, rounded
    /// once), then summed).
    public static func snapshot(
        customers: [String: Money], reportingCurrency: Currency, convert: (Money) throws -> Money
    ) throws -> MRRSnapshot {
        var byCurrency: [Currency: Money] = [:]
        var reporting = Money.zero(reportingCurrency)
        for (_, m) in customers.sorted(by: { $0.key < $1.key }) {
            byCurrency[m.currency] = try (byCurrency[m.currency] ?? .zero(m.currency)) + m
            reporting = try reporting + convert(m)
        }
        return MRRSnapshot(byCurrency: byCurrency, reporting: reporting)
    }

    /// The latest rate dated on or before `date`, with the row it comes from.
    public static func rate(for c: Currency, on date: CivilDate, _ rates: [FxRate]) throws(MissingFxRate) -> FxRate {
        guard let r = rates.filter({ $0.currency == c && $0.date <= date }).max(by: { $0.date < $1.date }) else {
            throw MissingFxRate(currency: c, date: date)
        }
        return r
    }

    public static func lcm(_ a: Int, _ b: Int) -> Int {
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
