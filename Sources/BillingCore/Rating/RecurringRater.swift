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

    /// One billing period of a subscription as served: the anchored period, the part of it served
    /// (cut short by a cancel date, a dunning end or a cycle restart), and what happens in it.
    public struct ServedPeriod: Sendable, Hashable {
        /// The anchored period `[anchor(k), anchor(k+1))`.
        public var full: DateRange
        /// The served part: from the first paid day (or the restart) to the day service stops.
        public var served: DateRange
        /// Plan and quantity changes inside the served part (same cycle).
        public var changes: [CivilDate]
        /// A change to a plan of another cycle inside the period, which ends it.
        public var restart: CivilDate?
    }

    /// The served periods of `subscription` that start before `until`, in order; with `from`,
    /// only those whose anchored period ends after it (the same periods as filtering the whole
    /// list). A subscription that never changes plan or quantity has one cycle, so its periods
    /// are found from `from` on directly, not walked from its start: usage ingest needs the
    /// periods near the run window of every subscription, most of them years old.
    public func servedPeriods(
        for subscription: Subscription, timeline: SubscriptionTimeline, from: CivilDate? = nil, until: CivilDate, endedOn: CivilDate? = nil
    ) -> [ServedPeriod] {
        let firstPaid = subscription.firstPaidDay(trialDays: timeline.steps[0].plan.trialDays)
        let cancel = subscription.cancelDate
        // Service ends on the cancel date, or the day after dunning cancelled it.
        let serviceEnd = [cancel, endedOn.map { $0.adding(days: 1) }].compactMap { $0 }.min()
        if let cancel, cancel <= firstPaid { return [] }
        var out: [ServedPeriod] = []
        // An epoch is a run of periods on one cycle; a change to a plan of another cycle starts a
        // new epoch anchored on the change date ("c becomes the anchor": its day, and its month for
        // yearly plans).
        var epochStart = firstPaid
        let first = timeline.step(on: firstPaid).plan
        var cycle = BillingCycle(
            interval: first.interval, intervalCount: first.intervalCount, alignment: settings.alignment,
            billingDay: subscription.billingDay, firstPaid: firstPaid)
        var k = cycle.periodIndex(containing: epochStart)
        // One step: no change can restart the cycle, so period k is period k whatever came before.
        var jumped = false
        if let from, timeline.steps.count == 1, from > epochStart {
            k = cycle.periodIndex(containing: from)
            jumped = true
        }
        while true {
            let full = cycle.period(k)
            k += 1
            let servedStart = max(full.start, epochStart)
            if let serviceEnd, servedStart >= serviceEnd { break }
            if servedStart >= until { break }
            let changes = timeline.changeDates(after: servedStart, before: min(full.end, serviceEnd ?? full.end))
            var restart: CivilDate?
            if !changes.isEmpty {
                let plan = timeline.step(on: servedStart).plan
                restart = changes.first { !timeline.step(on: $0).plan.sharesCycle(with: plan) }
            }
            // The served part ends at a restart, the cancel date, or the day dunning cancelled it
            // (compared one by one, with no array: this runs for every period of every subscription).
            var end = full.end
            if let restart, restart < end { end = restart }
            if let cancel, cancel < end { end = cancel }
            if let endedOn, endedOn < end { end = endedOn }
            out.append(ServedPeriod(full: full, served: DateRange(servedStart, max(servedStart, end)),
                                    changes: changes.filter { $0 < (restart ?? full.end) }, restart: restart))
            if let restart, restart < (serviceEnd ?? restart.adding(days: 1)) {
                epochStart = restart
                let p = timeline.step(on: restart).plan
                cycle = BillingCycle(interval: p.interval, intervalCount: p.intervalCount, alignment: .anniversary, billingDay: nil, firstPaid: restart)
                k = cycle.periodIndex(containing: restart)
                continue
            }
            if let serviceEnd, full.end >= serviceEnd { break }
        }
        if let from, !jumped { return out.filter { $0.full.end > from } }
        return out
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
        return try items(
            for: subscription, timeline: timeline, periods: servedPeriods(for: subscription, timeline: timeline, until: until, endedOn: endedOn),
            until: until, endedOn: endedOn)
    }

    /// `items` from a timeline and served periods the caller has built already (the rating run
    /// needs them for usage too).
    public func items(
        for subscription: Subscription, timeline: SubscriptionTimeline, periods: [ServedPeriod], until: CivilDate, endedOn: CivilDate?
    ) throws(ArithmeticOverflow) -> [ChargeItem] {
        let cancel = subscription.cancelDate
        // A cancel date credits only if dunning had not ended the subscription before it.
        let creditedCancel = cancel.flatMap { c in (endedOn.map { $0 >= c } ?? true) ? c : nil }
        var out: [ChargeItem] = []
        for p in periods {
            let step = timeline.step(on: p.served.start)
            switch step.plan.feeTiming {
            case .advance:
                try advance(subscription, full: p.full, from: p.served.start, step: step, changes: p.changes, timeline: timeline,
                            creditFrom: [p.restart, creditedCancel].compactMap { $0 }.filter { $0 < p.full.end }.min(), into: &out)
            case .arrears:
                if !p.served.isEmpty {
                    try arrears(subscription, full: p.full, served: p.served, changes: p.changes.filter { $0 < p.served.end },
                                timeline: timeline, into: &out)
                }
            }
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
