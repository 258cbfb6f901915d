/// The aggregation state of one subscription's metric over one period (SPEC §5): enough to give
/// the units of any aggregation, and mergeable, so events can arrive over several runs.
public struct UsageAccumulator: Sendable, Hashable {
    /// Σ quantity, in units of 10^−9.
    public var sum: Int128 = 0
    public var count: Int64 = 0
    /// The largest quantity, in units of 10^−9 (nil before the first event).
    public var max: Int128?
    /// The latest event: (seconds, nanoseconds, order) and its quantity; later order wins a tie.
    public var last: (at: Timestamp.Instant, order: Int64, quantity: Int128)?
    /// Distinct `value`s, for `unique_count`.
    public var values: Set<String> = []

    public init() {}

    public static let scale = 9

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
        sum += quantity
        count += 1
        max = Swift.max(max ?? quantity, quantity)
        if last == nil || (at, order) > (last!.at, last!.order) { last = (at, order, quantity) }
        if let value { values.insert(value) }
    }

    /// The state of both sets of events.
    public mutating func merge(_ other: UsageAccumulator) {
        sum += other.sum
        count += other.count
        if let m = other.max { max = Swift.max(max ?? m, m) }
        if let l = other.last, last == nil || (l.at, l.order) > (last!.at, last!.order) { last = l }
        values.formUnion(other.values)
    }

    /// The period's units under `aggregation` (zero with no event).
    public func units(_ aggregation: Aggregation) -> ExactDecimal {
        switch aggregation {
        case .sum: return ExactDecimal(units: sum, scale: Self.scale).normalized
        case .count: return ExactDecimal(Int(count))
        case .max: return ExactDecimal(units: max ?? 0, scale: Self.scale).normalized
        case .uniqueCount: return ExactDecimal(values.count)
        case .last: return ExactDecimal(units: last?.quantity ?? 0, scale: Self.scale).normalized
        }
    }
}
