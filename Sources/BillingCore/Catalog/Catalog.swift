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

    /// Subscriptions in id order (every output is written in a fixed order).
    public var sortedSubscriptions: [Subscription] { subscriptions.values.sorted { $0.id < $1.id } }
    public var sortedCustomers: [Customer] { customers.values.sorted { $0.id < $1.id } }
}
