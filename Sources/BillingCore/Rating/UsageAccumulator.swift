/// The aggregation state of one subscription's metric over one period (SPEC §5): enough to give
/// the units of any aggregation, and mergeable, so events can arrive over several runs.
public struct UsageAccumulator: Sendable, Hashable {
    /// Sum, count, largest and latest event (see `UsageTally`).
    public var tally = UsageTally()
    /// The latest event's quantity, in units of 10^−9.
    public var latestQuantity: Int128 = 0
    /// Distinct `value`s, for `unique_count`.
    public var values: Set<String> = []

    public init() {}

    /// A tally and its latest event's quantity.
    public init(tally: UsageTally, latestQuantity: Int128) {
        self.tally = tally
        self.latestQuantity = latestQuantity
    }

    public static let scale = 9

    /// Σ quantity, in units of 10^−9.
    public var sum: Int128 {
        get { tally.sum }
        set { tally.sum = newValue }
    }

    public var count: Int64 {
        get { tally.count }
        set { tally.count = newValue }
    }

    /// The largest quantity, in units of 10^−9 (nil before the first event).
    public var max: Int128? {
        get { tally.hasMax ? tally.max : nil }
        set {
            tally.max = newValue ?? 0
            tally.hasMax = newValue != nil
        }
    }

    /// The latest event: (seconds, nanoseconds, order) and its quantity; later order wins a tie.
    public var last: (at: Timestamp.Instant, order: Int64, quantity: Int128)? {
        get { tally.hasLatest ? (tally.latest, tally.latestOrder, latestQuantity) : nil }
        set {
            if let l = newValue {
                tally.setLatest(l.at, order: l.order)
                latestQuantity = l.quantity
            } else {
                tally.hasLatest = false
                tally.latestSeconds = 0
                tally.latestNanos = 0
                tally.latestOrder = 0
                latestQuantity = 0
            }
        }
    }

    public static func == (a: UsageAccumulator, b: UsageAccumulator) -> Bool {
        a.sum == b.sum && a.count == b.count && a.max == b.max && a.values == b.values
            && a.last?.at == b.last?.at && a.last?.order == b.last?.order && a.last?.quantity == b.last?.quantity
    }

    public func hash(into h: inout Hasher) {
        h.combine(sum)
        h.combine(count)
    }

    /// Adds one event: its quantity in 10^−9 units, when it happened, its order (file position or
    /// commit sequence, for ties), and its `value`.
    public mutating func add(quantity: Int128, at: Timestamp.Instant, order: Int64, value: String?) {
        if tally.add(quantity: quantity, at: at, order: order) { latestQuantity = quantity }
        if let value { values.insert(value) }
    }

    /// The state of both sets of events.
    public mutating func merge(_ other: UsageAccumulator) {
        if tally.merge(other.tally) { latestQuantity = other.latestQuantity }
        merge(values: other.values)
    }

    /// Adds distinct `value`s. Into an accumulator with none yet (the usual case: one contribution
    /// per period), the set is shared rather than copied element by element, so reading a month's
    /// values does not hold them twice.
    public mutating func merge(values other: Set<String>) {
        if values.isEmpty { values = other } else { values.formUnion(other) }
    }

    /// The period's units under `aggregation` (zero with no event).
    /// - Throws: for `sum`, if the quantities added up past what an `Int128` of 10^−9 units holds.
    public func units(_ aggregation: Aggregation) throws(ArithmeticOverflow) -> ExactDecimal {
        switch aggregation {
        case .sum:
            if tally.overflowed { throw ArithmeticOverflow("the sum of the usage quantities") }
            return ExactDecimal(units: sum, scale: Self.scale).normalized
        case .count: return ExactDecimal(Int(count))
        case .max: return ExactDecimal(units: max ?? 0, scale: Self.scale).normalized
        case .uniqueCount: return ExactDecimal(values.count)
        case .last: return ExactDecimal(units: last?.quantity ?? 0, scale: Self.scale).normalized
        }
    }
}
