/// How long a plan's billing period is.
public enum BillingInterval: String, Sendable, Hashable, Codable {
    case month
    case year
}

/// Where a subscription's periods are anchored (SPEC §5).
public enum Alignment: String, Sendable, Hashable, Codable {
    /// On the first paid day: its day of month, and for yearly plans its month.
    case anniversary
    /// Monthly on the 1st, `interval_count` months on Jan 1 and every `interval_count` months after, yearly on Jan 1.
    case calendar
}

/// The sequence of anchored billing periods of one subscription: a pure function of the plan's
/// interval, the alignment, the billing day and the first paid day.
public struct BillingCycle: Sendable, Hashable {
    /// Months per period (`interval_count`, times 12 for yearly plans).
    public let stepMonths: Int
    /// Day of month each period starts on, clamped to the month's length.
    public let billingDay: Int
    /// A month index that is an anchor month; anchors are every `stepMonths` from it.
    public let anchorMonthIndex: Int

    public init(stepMonths: Int, billingDay: Int, anchorMonthIndex: Int) {
        precondition(stepMonths > 0 && (1...31).contains(billingDay))
        self.stepMonths = stepMonths
        self.billingDay = billingDay
        self.anchorMonthIndex = anchorMonthIndex
    }

    /// The cycle of a subscription whose first paid day is `firstPaid`.
    public init(
        interval: BillingInterval, intervalCount: Int, alignment: Alignment, billingDay: Int?, firstPaid: CivilDate
    ) {
        let step = intervalCount * (interval == .year ? 12 : 1)
        switch alignment {
        case .anniversary:
            self.init(stepMonths: step, billingDay: billingDay ?? firstPaid.day, anchorMonthIndex: firstPaid.monthIndex)
        case .calendar:
            // January of year 0 is month index 0, so every January is a multiple of 12.
            self.init(stepMonths: step, billingDay: billingDay ?? 1, anchorMonthIndex: 0)
        }
    }

    /// The start of the k-th anchored period counted from the anchor month.
    public func anchor(_ k: Int) -> CivilDate {
        CivilDate.clamped(year: 0, monthIndex: anchorMonthIndex + k * stepMonths, day: billingDay)
    }

    /// The index of the anchored period that holds `date`.
    public func periodIndex(containing date: CivilDate) -> Int {
        let diff = date.monthIndex - anchorMonthIndex
        var k = diff >= 0 ? diff / stepMonths : -((-diff + stepMonths - 1) / stepMonths)
        while anchor(k) > date { k -= 1 }
        while anchor(k + 1) <= date { k += 1 }
        return k
    }

    /// The full anchored period `[anchor(k), anchor(k+1))`.
    public func period(_ k: Int) -> DateRange { DateRange(anchor(k), anchor(k + 1)) }

    /// The anchored period that holds `date`.
    public func period(containing date: CivilDate) -> DateRange { period(periodIndex(containing: date)) }
}
