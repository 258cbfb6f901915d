/// What every usage event updates in its accumulator (SPEC §5): the sum, count and largest
/// quantity, and when the latest event happened. The latest event's quantity is not here: an event
/// only writes it when it is the latest so far, so `add` says so and the caller keeps it.
///
/// All of it is plain integers in one 64-byte record: ingest adds ten million events to a few
/// hundred thousand of these in random order, and each add then costs one cache line, not three.
public struct UsageTally: Sendable, Hashable, BitwiseCopyable {
    /// Σ quantity, in units of 10^−9.
    public var sum: Int128 = 0
    /// The largest quantity, in units of 10^−9 (meaningful when `hasMax`).
    public var max: Int128 = 0
    public var count: Int64 = 0
    /// The latest event: its instant, and its order for ties (meaningful when `hasLatest`).
    public var latestSeconds: Int64 = 0
    public var latestOrder: Int64 = 0
    public var latestNanos: Int32 = 0
    public var hasMax = false
    public var hasLatest = false
    /// Whether `sum` (or, in a merge, `count`) went past what it holds: its value is then
    /// meaningless, and the units of `sum` are an error (`UsageAccumulator.units`); the other
    /// aggregations stay exact. (`add` counts one event at a time: 2^63 of them are out of reach.)
    public var overflowed = false

    public init() {}

    /// The latest event's instant.
    public var latest: Timestamp.Instant { Timestamp.Instant(seconds: Int(latestSeconds), nanos: Int(latestNanos)) }

    /// Whether an event at `at` with `order` comes after the latest one (a later order wins a tie).
    @inlinable
    public func isAfterLatest(_ at: Timestamp.Instant, order: Int64) -> Bool {
        !hasLatest || (Int64(at.seconds), Int32(at.nanos), order) > (latestSeconds, latestNanos, latestOrder)
    }

    /// Adds one event; true if it is now the latest (its quantity is then the `last` one).
    @inlinable @discardableResult
    public mutating func add(quantity: Int128, at: Timestamp.Instant, order: Int64) -> Bool {
        let (s, o) = sum.addingReportingOverflow(quantity)
        sum = s
        if o { overflowed = true }
        count &+= 1
        if !hasMax || quantity > max { max = quantity }
        hasMax = true
        guard isAfterLatest(at, order: order) else { return false }
        setLatest(at, order: order)
        return true
    }

    /// Makes `at`, `order` the latest event.
    @inlinable
    public mutating func setLatest(_ at: Timestamp.Instant, order: Int64) {
        latestSeconds = Int64(at.seconds)
        latestNanos = Int32(at.nanos)
        latestOrder = order
        hasLatest = true
    }

    /// Adds another tally's events; true if its latest event is now the latest.
    @discardableResult
    public mutating func merge(_ other: UsageTally) -> Bool {
        let (s, o) = sum.addingReportingOverflow(other.sum)
        let (c, co) = count.addingReportingOverflow(other.count)
        sum = s
        count = c
        if o || co || other.overflowed { overflowed = true }
        if other.hasMax && (!hasMax || other.max > max) {
            max = other.max
            hasMax = true
        }
        guard other.hasLatest, isAfterLatest(other.latest, order: other.latestOrder) else { return false }
        setLatest(other.latest, order: other.latestOrder)
        return true
    }
}
