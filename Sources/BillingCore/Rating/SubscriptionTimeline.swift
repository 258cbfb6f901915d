/// The plan and quantity of one subscription over time: its start, then each change from its
/// effective date on (SPEC §3 `subscription_changes.csv`).
public struct SubscriptionTimeline: Sendable {
    /// One stretch: from `from` on, `plan` at `quantity`.
    public struct Step: Sendable, Hashable {
        public var from: CivilDate
        public var plan: Plan
        public var quantity: Int
    }

    /// Steps in date order; the first starts on the subscription's start date.
    public let steps: [Step]

    /// - Parameter plans: every plan a change may name (missing ones were refused at ingest).
    public init(subscription s: Subscription, plan: Plan, changes: [SubscriptionChange], plans: [String: Plan]) {
        var steps = [Step(from: s.startDate, plan: plan, quantity: s.quantity)]
        for c in changes.sorted(by: { $0.effectiveDate < $1.effectiveDate }) {
            let last = steps[steps.count - 1]
            let next = Step(from: c.effectiveDate, plan: c.planID.flatMap { plans[$0] } ?? last.plan, quantity: c.quantity ?? last.quantity)
            if next.plan == last.plan && next.quantity == last.quantity { continue }
            if next.from == last.from { steps[steps.count - 1] = next } else { steps.append(next) }
        }
        self.steps = steps
    }

    /// The step in effect on `date` (the first step for dates before the start).
    public func step(on date: CivilDate) -> Step {
        steps.last { $0.from <= date } ?? steps[0]
    }

    /// The dates in the open range `(after, before)` on which the plan or quantity changes.
    public func changeDates(after: CivilDate, before: CivilDate) -> [CivilDate] {
        // Most subscriptions never change: no array is made for them.
        guard steps.count > 1 else { return [] }
        var dates: [CivilDate] = []
        for step in steps where step.from > after && step.from < before { dates.append(step.from) }
        return dates
    }
}

extension Plan {
    /// Whether two plans bill on the same cycle (interval, count and timing); a change between
    /// plans that do not restarts the cycle (SPEC §5).
    public func sharesCycle(with other: Plan) -> Bool {
        interval == other.interval && intervalCount == other.intervalCount && feeTiming == other.feeTiming
    }
}
