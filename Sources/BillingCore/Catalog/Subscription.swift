/// A customer's subscription to a plan (`subscriptions.csv`).
public struct Subscription: Sendable, Hashable {
    public var id: String
    public var customerID: String
    public var planID: String
    public var startDate: CivilDate
    public var quantity: Int
    /// The first paid day (the trial covers `[startDate, trialEnd)`); nil means start + the plan's trial days.
    public var trialEnd: CivilDate?
    /// The first day no longer served.
    public var cancelDate: CivilDate?
    /// Day of month periods start on; nil for the alignment's default.
    public var billingDay: Int?
    public var source: SourceLocation

    public init(
        id: String, customerID: String, planID: String, startDate: CivilDate, quantity: Int = 1,
        trialEnd: CivilDate? = nil, cancelDate: CivilDate? = nil, billingDay: Int? = nil,
        source: SourceLocation = SourceLocation(file: "subscriptions.csv", line: 0)
    ) {
        self.id = id
        self.customerID = customerID
        self.planID = planID
        self.startDate = startDate
        self.quantity = quantity
        self.trialEnd = trialEnd
        self.cancelDate = cancelDate
        self.billingDay = billingDay
        self.source = source
    }

    /// The first paid day: the explicit trial end, else start plus the plan's trial days.
    public func firstPaidDay(trialDays: Int) -> CivilDate {
        max(startDate, trialEnd ?? startDate.adding(days: trialDays))
    }
}

/// A plan or quantity change taking effect on `effectiveDate` (`subscription_changes.csv`).
public struct SubscriptionChange: Sendable, Hashable {
    public var subscriptionID: String
    public var effectiveDate: CivilDate
    public var planID: String?
    public var quantity: Int?
    public var source: SourceLocation
    public init(subscriptionID: String, effectiveDate: CivilDate, planID: String?, quantity: Int?, source: SourceLocation) {
        self.subscriptionID = subscriptionID
        self.effectiveDate = effectiveDate
        self.planID = planID
        self.quantity = quantity
        self.source = source
    }
}
