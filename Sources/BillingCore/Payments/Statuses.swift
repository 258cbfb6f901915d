/// An invoice's collection status (SPEC §6).
public enum InvoiceStatus: String, Sendable, Hashable {
    case open, paid, uncollectible, void

    /// `open → paid | uncollectible | void`; nothing leaves a final status.
    public func canMove(to next: InvoiceStatus) -> Bool { self == .open && next != .open }
}

/// A subscription's status (SPEC §6).
public enum SubscriptionStatus: String, Sendable, Hashable {
    case trialing
    case active
    case pastDue = "past_due"
    case canceled

    /// `trialing → active → past_due → active | canceled`; a cancellation can also come from
    /// `trialing` or `active` (its cancel date); nothing leaves `canceled`.
    public func canMove(to next: SubscriptionStatus) -> Bool {
        switch (self, next) {
        case (.trialing, .active), (.active, .pastDue), (.pastDue, .active), (.pastDue, .canceled),
            (.trialing, .canceled), (.active, .canceled):
            return true
        default:
            return false
        }
    }
}

/// A refused status transition: a bug, never silently applied.
public struct IllegalTransition: Error, Sendable, CustomStringConvertible {
    public var entity: String
    public var id: String
    public var from: String
    public var to: String
    public var description: String { "illegal \(entity) status change for \(id): \(from) → \(to)" }
}

/// One recorded status change (`LEDGER/statuses.csv`).
public struct StatusChange: Sendable, Hashable {
    public var date: CivilDate
    /// `invoice` or `subscription`.
    public var entity: String
    public var id: String
    public var from: String
    public var to: String
    public var reason: String
    public init(date: CivilDate, entity: String, id: String, from: String, to: String, reason: String) {
        self.date = date
        self.entity = entity
        self.id = id
        self.from = from
        self.to = to
        self.reason = reason
    }
}
