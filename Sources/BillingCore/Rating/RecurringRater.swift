/// Computes the recurring fees of a subscription due before a date (SPEC §5): advance and
/// arrears, anniversary and calendar alignment, billing day, the prorated first period, trials,
/// plan and quantity changes, the cancel date, and the end of billing after dunning. Pure.
public struct RecurringRater: Sendable {
    public let settings: BillingSettings
    public init(settings: BillingSettings) { self.settings = settings }

    /// The last line billed in advance for the current period: what a change or a cancellation credits.
    struct Billed {
        var amount: Money
        var covered: DateRange
        var step: SubscriptionTimeline.Step
    }

    /// Every recurring item of `subscription` billed before `until`.
    ///
    /// - Parameters:
    ///   - changes: the subscription's plan and quantity changes; `plans` resolves their plan ids.
    ///   - endedOn: the day dunning cancelled the subscription (SPEC §6): billing stops after it
    ///     with no credit, so whatever was billed on or before that day stays as issued. A
    ///     `cancel_date` instead credits the unused part of a period billed in advance.
    public func items(
        for subscription: Subscription, plan: Plan, changes: [SubscriptionChange] = [], plans: [String: Plan] = [:],
        until: CivilDate, endedOn: CivilDate? = nil
    ) throws(ArithmeticOverflow) -> [ChargeItem] {
        let timeline = SubscriptionTimeline(subscription: subscription, plan: plan, changes: changes, plans: plans)
        let firstPaid = subscription.firstPaidDay(trialDays: plan.trialDays)
        let cancel = subscription.cancelDate
        // Service ends on the cancel date, or the day after dunning cancelled it.
        let serviceEnd = [cancel, endedOn.map { $0.adding(days: 1) }].compactMap { $0 }.min()
        if let cancel, cancel <= firstPaid { return [] }
        var out: [ChargeItem] = []
        // An epoch is a run of periods on one cycle; a change to a plan of another cycle starts a
        // new epoch anchored on the change date.
        var epochStart = firstPaid
        var cycle = BillingCycle(
            interval: timeline.step(on: firstPaid).plan.interval, intervalCount: timeline.step(on: firstPaid).plan.intervalCount,
            alignment: settings.alignment, billingDay: subscription.billingDay, firstPaid: firstPaid)
        var k = cycle.periodIndex(containing: epochStart)
        while true {
            let full = cycle.period(k)
            k += 1
            let servedStart = max(full.start, epochStart)
            if let serviceEnd, servedStart >= serviceEnd { break }
            if servedStart >= until { break }
            let step = timeline.step(on: servedStart)
            // The next change to another cycle inside this period ends the epoch there.
            let changes = timeline.changeDates(after: servedStart, before: min(full.end, serviceEnd ?? full.end))
            let restart = changes.first { !timeline.step(on: $0).plan.sharesCycle(with: step.plan) }
            let periodEnd = min(full.end, restart ?? full.end, serviceEnd ?? full.end)
            let inPeriod = changes.filter { $0 < periodEnd }
            switch step.plan.feeTiming {
            case .advance:
                // A cancel date credits only if dunning had not ended the subscription before it.
                let creditedCancel = cancel.flatMap { c in (endedOn.map { $0 >= c } ?? true) ? c : nil }
                try advance(subscription, full: full, from: servedStart, step: step, changes: inPeriod, timeline: timeline,
                            creditFrom: [restart, creditedCancel].compactMap { $0 }.filter { $0 < full.end }.min(), into: &out)
            case .arrears:
                // The served part ends on the cancel date, or on the day dunning cancelled it.
                let end = [periodEnd, endedOn].compactMap { $0 }.min()!
                if end > servedStart {
                    try arrears(subscription, full: full, served: DateRange(servedStart, end), changes: inPeriod.filter { $0 < end },
                                timeline: timeline, into: &out)
                }
            }
            if let restart, restart < (serviceEnd ?? restart.adding(days: 1)) {
                epochStart = restart
                let p = timeline.step(on: restart).plan
                // "c becomes the anchor": its day of month, and its month for yearly plans.
                cycle = BillingCycle(interval: p.interval, intervalCount: p.intervalCount, alignment: .anniversary, billingDay: nil, firstPaid: restart)
                k = cycle.periodIndex(containing: restart)
                continue
            }
            if let serviceEnd, full.end >= serviceEnd { break }
        }
        return out.filter { $0.billingDate < until }
    }

    /// A period billed in advance: the charge on its first served day; each change in it credits
    /// the unused part of the last line billed and charges the new plan or quantity for the rest;
    /// a cancellation or a restart credits the unused part.
    func advance(
        _ s: Subscription, full: DateRange, from start: CivilDate, step: SubscriptionTimeline.Step, changes: [CivilDate],
        timeline: SubscriptionTimeline, creditFrom: CivilDate?, into out: inout [ChargeItem]
    ) throws(ArithmeticOverflow) {
        let covered = DateRange(start, full.end)
        var last = Billed(amount: try fee(step, covered: covered, of: full), covered: covered, step: step)
        out.append(item(s, step, .recurring, covered, last.amount, billed: start, description: describe(step.plan, covered, full)))
        guard settings.proration == .prorate else { return }
        for c in changes where c < (creditFrom ?? full.end) {
            let next = timeline.step(on: c)
            let rest = DateRange(c, full.end)
            try credit(s, last, from: c, into: &out)
            let charge = try fee(next, covered: rest, of: full)
            out.append(item(s, next, .recurring, rest, charge, billed: c, description: describe(next.plan, rest, full)))
            last = Billed(amount: charge, covered: rest, step: next)
        }
        if let creditFrom, creditFrom > start { try credit(s, last, from: creditFrom, into: &out) }
    }

    /// A period billed in arrears: one prorated line per plan-and-quantity segment of the served
    /// part, all billed on the day after it.
    func arrears(
        _ s: Subscription, full: DateRange, served: DateRange, changes: [CivilDate], timeline: SubscriptionTimeline,
        into out: inout [ChargeItem]
    ) throws(ArithmeticOverflow) {
        guard !served.isEmpty else { return }
        if settings.proration == .none {
            let step = timeline.step(on: served.start)
            out.append(item(s, step, .recurring, served, try fee(step, covered: served, of: full), billed: served.end, description: step.plan.name))
            return
        }
        let bounds = [served.start] + changes + [served.end]
        for (a, b) in zip(bounds, bounds.dropFirst()) {
            let step = timeline.step(on: a)
            let part = DateRange(a, b)
            out.append(item(s, step, .recurring, part, try fee(step, covered: part, of: full), billed: served.end,
                            description: describe(step.plan, part, full)))
        }
    }

    /// `−billed × unused days / days the billed line covers`, one rounding, billed on `from`.
    func credit(_ s: Subscription, _ last: Billed, from: CivilDate, into out: inout [ChargeItem]) throws(ArithmeticOverflow) {
        let unused = DateRange(from, last.covered.end)
        guard !unused.isEmpty, settings.proration == .prorate else { return }
        let amount = try Money.rounding(
            -last.amount.decimal, times: Int128(unused.days), over: Int128(last.covered.days), in: last.amount.currency, mode: settings.rounding)
        out.append(item(s, last.step, .credit, unused, amount, billed: from,
                        description: "Credit: \(last.step.plan.name), unused \(unused.days)/\(last.covered.days) days"))
    }

    /// The fee for `covered` out of the anchored period `full`: prorated by the day, one rounding.
    func fee(_ step: SubscriptionTimeline.Step, covered: DateRange, of full: DateRange) throws(ArithmeticOverflow) -> Money {
        let price = try step.plan.price * ExactDecimal(step.quantity)
        if covered == full || settings.proration == .none {
            return try Money.rounding(price, in: step.plan.currency, mode: settings.rounding)
        }
        return try Money.rounding(price, times: Int128(covered.days), over: Int128(full.days), in: step.plan.currency, mode: settings.rounding)
    }

    func describe(_ plan: Plan, _ covered: DateRange, _ full: DateRange) -> String {
        if covered == full || settings.proration == .none { return plan.name }
        return "\(plan.name) (prorated \(covered.days)/\(full.days) days)"
    }

    func item(
        _ s: Subscription, _ step: SubscriptionTimeline.Step, _ kind: LineKind, _ period: DateRange, _ amount: Money, billed: CivilDate,
        description: String
    ) -> ChargeItem {
        ChargeItem(
            customerID: s.customerID, subscriptionID: s.id, planID: step.plan.id, kind: kind, period: period,
            quantity: ExactDecimal(step.quantity), unitPrice: step.plan.price, amount: amount, billingDate: billed,
            description: description, taxCategory: step.plan.taxCategory)
    }
}
