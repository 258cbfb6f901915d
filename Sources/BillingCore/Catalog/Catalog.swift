/// The validated contents of a dataset folder, keyed by id. Everything later stages bill from.
public struct Catalog: Sendable {
    public var customers: [String: Customer] = [:]
    public var plans: [String: Plan] = [:]
    public var subscriptions: [String: Subscription] = [:]
    /// Per subscription, sorted by effective date.
    public var changes: [String: [SubscriptionChange]] = [:]
    public var taxRates: [TaxRate] = []
    public var paymentsReceived: [PaymentReceived] = []
    public var fxRates: [FxRate] = []

    public init() {}

    /// Subscriptions in id order (every output is written in a fixed order). The ids (the keys)
    /// are sorted, not the records: moving a record costs its size and its references' counting.
    public var sortedSubscriptions: [Subscription] { subscriptions.keys.sorted().map { subscriptions[$0]! } }
    /// The customers in id order (ids sorted, as for `sortedSubscriptions`).
    public var sortedCustomers: [Customer] { customers.keys.sorted().map { customers[$0]! } }
}
