/// How MRR moved between the start and the end of a period, per customer classified as new,
/// expansion, contraction, churned or reactivated (definitions in docs/metrics.md).
public struct MRRMovements: Sendable, Hashable {
    public var start: Int64 = 0
    public var new: Int64 = 0
    public var expansion: Int64 = 0
    public var contraction: Int64 = 0
    public var churned: Int64 = 0
    public var reactivated: Int64 = 0
    public var end: Int64 = 0
    /// Customers paying at the start and at the end; counts of new, churned and reactivated customers.
    public var customersAtStart = 0
    public var customersAtEnd = 0
    public var newCustomers = 0
    public var churnedCustomers = 0
    public var reactivatedCustomers = 0

    public init() {}

    /// Classifies every customer's change. `start` and `end` are in one currency (minor units);
    /// `returning(customer)` says whether a customer paying at the end but not at the start had paid before.
    public static func between(start: [String: Int64], end: [String: Int64], returning: (String) -> Bool) -> MRRMovements {
        var m = MRRMovements()
        for customer in Set(start.keys).union(end.keys) {
            let a = start[customer] ?? 0, b = end[customer] ?? 0
            m.start += a
            m.end += b
            if a > 0 { m.customersAtStart += 1 }
            if b > 0 { m.customersAtEnd += 1 }
            if a == 0 && b > 0 {
                if returning(customer) { m.reactivated += b; m.reactivatedCustomers += 1 } else { m.new += b; m.newCustomers += 1 }
            } else if a > 0 && b == 0 {
                m.churned -= a
                m.churnedCustomers += 1
            } else if b > a {
                m.expansion += b - a
            } else if b < a {
                m.contraction += b - a
            }
        }
        return m
    }

    /// start + new + expansion + contraction + churned + reactivated = end, exactly.
    public var reconciles: Bool { start + new + expansion + contraction + churned + reactivated == end }
}

/// Retention figures of a period, as exact fractions rounded for display (they are ratios, not money).
public struct Retention: Sendable, Hashable {
    /// Percent strings with two decimals, or "n/a" when undefined.
    public var logoChurn: String
    public var revenueChurn: String
    public var netRevenueRetention: String
    /// Average MRR per paying customer at the end, in minor units of the reporting currency.
    public var arpa: Int64?
    /// ARPA ÷ monthly logo churn, in minor units; nil ("n/a") when churn is zero.
    public var ltv: Int64?

    public init(_ m: MRRMovements, rounding: RoundingMode) {
        func percent(_ num: Int64, _ den: Int64) -> String {
            guard den != 0 else { return "n/a" }
            let hundredths = rounding.divide(Int128(num) * 10_000, by: Int128(den))
            return ExactDecimal(units: hundredths, scale: 2).description
        }
        logoChurn = percent(Int64(m.churnedCustomers), Int64(m.customersAtStart))
        revenueChurn = percent(-(m.churned + m.contraction), m.start)
        netRevenueRetention = percent(m.start + m.expansion + m.contraction + m.churned, m.start)
        arpa = m.customersAtEnd > 0 ? Int64(rounding.divide(Int128(m.end), by: Int128(m.customersAtEnd))) : nil
        // LTV = ARPA / (churned / customers at start) = ARPA × customers at start / churned.
        if let arpa, m.churnedCustomers > 0 {
            ltv = Int64(rounding.divide(Int128(arpa) * Int128(m.customersAtStart), by: Int128(m.churnedCustomers)))
        } else {
            ltv = nil
        }
    }
}
