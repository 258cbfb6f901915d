@testable import BillingCore

/// Small builders for core tests.
enum Fx {
    static let usd = Currency(code: "USD")!
    static let jpy = Currency(code: "JPY")!
    static func d(_ s: String) -> CivilDate { CivilDate(parsing: s)! }
    static func dec(_ s: String) -> ExactDecimal { ExactDecimal(parsing: s)! }
    static func money(_ s: String, _ c: Currency = usd) -> Money { try! Money.rounding(dec(s), in: c, mode: .halfUp) }

    static func plan(
        _ price: String, _ interval: BillingInterval = .month, count: Int = 1, timing: FeeTiming = .advance, trial: Int = 0,
        currency: Currency = usd
    ) -> Plan {
        Plan(id: "P", name: "Plan", currency: currency, interval: interval, intervalCount: count, price: dec(price), feeTiming: timing, trialDays: trial)
    }

    static func sub(_ start: String, quantity: Int = 1, cancel: String? = nil, billingDay: Int? = nil) -> Subscription {
        Subscription(id: "S", customerID: "C", planID: "P", startDate: d(start), quantity: quantity, cancelDate: cancel.map(d), billingDay: billingDay)
    }

    static func settings(_ alignment: Alignment = .anniversary, proration: Proration = .prorate) -> BillingSettings {
        var s = BillingSettings()
        s.alignment = alignment
        s.proration = proration
        return s
    }

    /// "billing_date period amount kind" for compact comparisons.
    static func lines(_ items: [ChargeItem]) -> [String] {
        items.map { "\($0.billingDate) \($0.period.start)..\($0.period.end) \($0.amount) \($0.kind.rawValue)" }
    }
}
