/// Computes the recurring fees (and their cancellation credits) of every subscription that are
/// due before `until` (SPEC §5): advance and arrears, anniversary and calendar alignment, billing
/// day, the prorated first partial period, trials and the cancel date. Pure.
public struct RecurringRater: Sendable {
    public let settings: BillingSettings
    public init(settings: BillingSettings) { self.settings = settings }

    /// Every recurring item of `subscription` with a billing date before `until`.
    ///
    /// `endedOn` is the day dunning cancelled the subscription (SPEC §6): billing stops after it
    /// with no credit, so whatever was billed on or before that day stays as issued. A
    /// `cancel_date` instead credits the unused part of a period billed in advance.
    public func items(
        for subscription: Subscription, plan: Plan, until: CivilDate, endedOn: CivilDate? = nil
    ) throws(ArithmeticOverflow) -> [ChargeItem] {
        let firstPaid = subscription.firstPaidDay(trialDays: plan.trialDays)
        let cancel = subscription.cancelDate
        if let cancel, cancel <= firstPaid { return [] }
        let cycle = BillingCycle(
            interval: plan.interval, intervalCount: plan.intervalCount, alignment: settings.alignment,
            billingDay: subscription.billingDay, firstPaid: firstPaid)
        let quantity = ExactDecimal(subscription.quantity)
        let fullPrice = try plan.price * quantity
        var out: [ChargeItem] = []
        var k = cycle.periodIndex(containing: firstPaid)
        while true {
            let full = cycle.period(k)
            k += 1
            let servedStart = max(full.start, firstPaid)
            if let cancel, servedStart >= cancel { break }
            if let endedOn, servedStart > endedOn { break }
            if servedStart >= until { break }
            switch plan.feeTiming {
            case .advance:
                let covered = DateRange(servedStart, full.end)
                let amount = try fee(fullPrice, covered: covered, of: full, currency: plan.currency)
                out.append(item(subscription, plan, .recurring, covered, quantity, amount, billed: servedStart,
                                description: describe(plan, covered, full)))
                // A cancellation inside a period billed in advance credits [cancel, end), unless
                // dunning ended the subscription first.
                if let cancel, cancel > servedStart, cancel < full.end, cancel < until, endedOn.map({ $0 >= cancel }) ?? true,
                    settings.proration == .prorate
                {
                    let unused = DateRange(cancel, full.end)
                    let credit = try Money.rounding(
                        -amount.decimal, times: Int128(unused.days), over: Int128(covered.days), in: plan.currency, mode: settings.rounding)
                    out.append(item(subscription, plan, .credit, unused, quantity, credit, billed: cancel,
                                    description: "Credit: \(plan.name), unused \(unused.days)/\(covered.days) days"))
                }
            case .arrears:
                // Billed on the day after the period, or for the served part on the day service ends.
                let servedEnd = [full.end, cancel, endedOn].compactMap { $0 }.min()!
                if servedEnd >= until || servedEnd <= servedStart { break }
                let covered = DateRange(servedStart, servedEnd)
                let amount = try fee(fullPrice, covered: covered, of: full, currency: plan.currency)
                out.append(item(subscription, plan, .recurring, covered, quantity, amount, billed: servedEnd,
                                description: describe(plan, covered, full)))
            }
            if let end = [cancel, endedOn].compactMap({ $0 }).min(), full.end > end { break }
        }
        return out
    }

    /// The fee for `covered` out of the anchored period `full`: prorated by the day, one rounding.
    func fee(_ fullPrice: ExactDecimal, covered: DateRange, of full: DateRange, currency: Currency) throws(ArithmeticOverflow) -> Money {
        if covered == full || settings.proration == .none {
            return try Money.rounding(fullPrice, in: currency, mode: settings.rounding)
        }
        return try Money.rounding(fullPrice, times: Int128(covered.days), over: Int128(full.days), in: currency, mode: settings.rounding)
    }

    func describe(_ plan: Plan, _ covered: DateRange, _ full: DateRange) -> String {
        if covered == full || settings.proration == .none { return plan.name }
        return "\(plan.name) (prorated \(covered.days)/\(full.days) days)"
    }

    func item(
        _ s: Subscription, _ plan: Plan, _ kind: LineKind, _ period: DateRange, _ quantity: ExactDecimal, _ amount: Money,
        billed: CivilDate, description: String
    ) -> ChargeItem {
        ChargeItem(
            customerID: s.customerID, subscriptionID: s.id, planID: plan.id, kind: kind, period: period, quantity: quantity,
            unitPrice: plan.price, amount: amount, billingDate: billed, description: description, taxCategory: plan.taxCategory)
    }
}
