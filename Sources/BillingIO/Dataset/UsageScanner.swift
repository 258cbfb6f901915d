import BillingCore
import Dispatch

/// Streams `usage.csv` and sorts every row into accepted, rejected (with a reason), deferred
/// (after the run window), trial or duplicate (SPEC §5, §8), aggregating the accepted ones.
///
/// Two passes keep memory bounded by subscriptions × metrics × periods, not by events:
/// 1. `scan` splits the file at line breaks into one part per core; a `UsagePassOne` worker per
///    part checks each row as bytes (subscription and metric looked up in byte-keyed tables,
///    timestamp and quantity parsed in place, no `String` per field), finds its served period, and
///    appends the survivors to its spill partition of their event id. The tables it reads are
///    complete before it starts (served periods included), so the workers share them unlocked.
/// 2. `deduplicate` takes one partition at a time with the same partition of every earlier
///    contribution in the ledger: the first occurrence of an id counts (SPEC §8), a repeat with the
///    same content is a counted duplicate, one with other content is rejected. Counted events go
///    into their accumulators, and their ids to the contribution's `ids/` partition files.
public final class UsageScanner {
    let settings: BillingSettings
    let window: DateRange
    let windowEnd: Int
    let endedOn: [String: CivilDate]
    /// Orders events for `last` across runs: this run's commit number in the high bits, the line below.
    let orderBase: Int64
    /// The ledger's contributions (bases), whose ids were billed by earlier runs.
    let committed: [String]
    public internal(set) var summary = UsageSummary()
    /// Rejected rows of pass 2 (conflicting repeats); pass 1 streams its rejects to the spill.
    var lateRejects: [UsageReject] = []
    public private(set) var unknownColumns: [String] = []
    /// Events counted by this run (accepted or deferred).
    public internal(set) var counted = 0

    /// What the hot path needs of a subscription, in one 64-byte record (dates as day numbers).
    struct Hot {
        var start: Int32
        var firstPaid: Int32
        var cancel: Int32
        /// The day its served periods are known up to (`Int32.min`: not computed yet).
        var horizon = Int32.min
        var periodOffset: Int32 = 0
        var periodCount: Int32 = 0
        /// The first two served periods overlapping the run window, copied here so that most rows
        /// find their period without leaving this record.
        var nearStart0: Int32 = 0, nearEnd0: Int32 = 0, nearStart1: Int32 = 0, nearEnd1: Int32 = 0
        /// Whether its plan is in the catalog.
        var hasPlan: Bool
        /// Bit m: metric m is on one of its plans; or kept for `unique_count` (metrics 0…63).
        var metrics: UInt64 = 0
        var values: UInt64 = 0
    }

    // Subscriptions by id bytes. Read-only once `init` returns.
    let subscriptionIndex: ByteKeyTable
    var hot: [Hot]
    let subscriptions: [Subscription]
    let plans: [Plan?]
    let allPlans: [String: Plan]
    let changes: [String: [SubscriptionChange]]
    /// With more than 64 metrics, per subscription its metric indexes and those kept for values.
    let wideMetrics: [[Int]]?
    let wideValues: [[Int]]?
    let metricIndex: ByteKeyTable
    let metricNames: [String]
    /// Served periods of all subscriptions up to 400 days past the window, each one's in a run at
    /// `Hot.periodOffset`.
    var periodDays: [(start: Int, end: Int)] = []
    /// Accumulator slots (filled by pass 2): `key` → slot.
    var slotOf = IntKeyTable()
    var slotKeys: [UsageKey] = []
    var slotPacked: [Int] = []
    var accumulators: [UsageAccumulator] = []
    /// The distinct `value`s kept (for `unique_count`), interned: a slot's values are a set of
    /// small integers, so their memory is per distinct value, not per event.
    var valueIndex = ByteKeyTable()
    var slotValues: [Set<Int32>] = []
    /// The folder of pass 1's spills, one subfolder per part.
    let scratch: String
    let workers: Int
    /// Pass 1's parts whose rows count, in file order, with the lines before each and the global
    /// numbers of its interned values.
    var parts: [(worker: UsagePassOne, lineOffset: Int, values: [Int32])] = []

    /// One event's quantity when the file has no `quantity` (1, in units of 10^−9).
    static let one: Int128 = Int128(1) * pow10(UsageAccumulator.scale)

    /// - Parameters:
    ///   - scratch: a folder for the spill, removed by `writeRejects` or `discard`.
    ///   - workers: how many parts pass 1 splits the file into (at most).
    public init(
        catalog: Catalog, settings: BillingSettings, window: DateRange, committed: [String] = [], endedOn: [String: CivilDate] = [:],
        commitNumber: Int = 1, scratch: String, workers: Int = min(ProcessInfoLite.processors, 4)
    ) throws {
        self.settings = settings
        self.window = window
        self.windowEnd = window.end.dayNumber
        self.endedOn = endedOn
        self.committed = committed
        self.orderBase = Int64(commitNumber) << 40
        self.scratch = scratch
        self.workers = max(1, workers)
        let subs = catalog.subscriptions.values.sorted { $0.id < $1.id }
        precondition(subs.count < 1 << 29, "more than 2^29 subscriptions")
        subscriptions = subs
        subscriptionIndex = ByteKeyTable(subs.map(\.id))
        allPlans = catalog.plans
        changes = catalog.changes
        plans = subs.map { catalog.plans[$0.planID] }
        let names = Set(catalog.plans.values.flatMap { $0.charges.map(\.metric) }).sorted()
        precondition(names.count < 1 << 12, "more than 4095 usage metrics")
        metricNames = names
        metricIndex = ByteKeyTable(names)
        let position = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var hot: [Hot] = []
        var metricsOf: [[Int]] = []
        var valuesOf: [[Int]] = []
        for (s, plan) in zip(subs, plans) {
            let charges = ([s.planID] + (catalog.changes[s.id] ?? []).compactMap(\.planID)).flatMap { catalog.plans[$0]?.charges ?? [] }
            let metrics = Set(charges.map { position[$0.metric]! }).sorted()
            let values = Set(charges.filter { $0.aggregation == .uniqueCount }.map { position[$0.metric]! }).sorted()
            metricsOf.append(metrics)
            valuesOf.append(values)
            var h = Hot(start: Int32(s.startDate.dayNumber), firstPaid: Int32(s.firstPaidDay(trialDays: plan?.trialDays ?? 0).dayNumber),
                        cancel: Int32(s.cancelDate?.dayNumber ?? Int(Int32.max)), hasPlan: plan != nil)
            if names.count <= 64 {
                for m in metrics { h.metrics |= 1 << UInt64(m) }
                for m in values { h.values |= 1 << UInt64(m) }
            }
            hot.append(h)
        }
        self.hot = hot
        wideMetrics = names.count > 64 ? metricsOf : nil
        wideValues = names.count > 64 ? valuesOf : nil
        computeServedPeriods()
    }

    /// The slots holding counted events, in key order (slots sort by their packed key:
    /// subscriptions, metrics and periods are each indexed in sorted order).
    public var sortedSlots: [Int] {
        slotKeys.indices.filter { accumulators[$0].count > 0 }.sorted { slotPacked[$0] < slotPacked[$1] }
    }

    /// A slot's key, aggregation state and sorted distinct values.
    public func entry(_ slot: Int) -> (key: UsageKey, accumulator: UsageAccumulator, values: [String]) {
        (slotKeys[slot], accumulators[slot], slotValues[slot].map { String(decoding: valueIndex.key(Int($0)), as: UTF8.self) }.sorted())
    }

    // MARK: Pass 1

    struct Columns {
        var id = 0, subscription = 0, metric = 0, timestamp = 0
        var quantity: Int?
        var value: Int?
        var count = 0
    }

    func header(_ row: CSVRow, path: String) throws -> Columns {
        let header = (0..<row.count).map { row.lossyString($0) }
        var at: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if at[name] != nil { throw DataError(file: path, line: row.line, column: i + 1, field: name, problem: "duplicate column", value: name) }
            at[name] = i
        }
        for name in ["event_id", "subscription_id", "metric", "timestamp"] where at[name] == nil {
            throw DataError(file: path, line: 1, column: header.count + 1, field: name, problem: "missing required column", value: header.joined(separator: ","))
        }
        unknownColumns = header.filter { !["event_id", "subscription_id", "metric", "timestamp", "quantity", "value"].contains($0) }
        return Columns(
            id: at["event_id"]!, subscription: at["subscription_id"]!, metric: at["metric"]!, timestamp: at["timestamp"]!,
            quantity: at["quantity"], value: at["value"], count: header.count)
    }

    @inline(__always) func hasMetric(_ sub: Int, _ metric: Int) -> Bool {
        if let wideMetrics { return wideMetrics[sub].contains(metric) }
        return hot[sub].metrics & (1 << UInt64(metric)) != 0
    }

    @inline(__always) func keepsValues(_ sub: Int, _ metric: Int) -> Bool {
        if let wideValues { return wideValues[sub].contains(metric) }
        return hot[sub].values & (1 << UInt64(metric)) != 0
    }

    /// An accumulator's key: subscription, metric and the first day of the served period, packed
    /// so that keys sort as (subscription, metric, period). Day numbers are biased by the days
    /// from 0001-01-01 to 1970-01-01 (plus one) to fit 22 bits.
    @inline(__always) static func key(_ sub: Int, _ metric: Int, _ periodStart: Int) -> Int {
        sub << 34 | metric << 22 | (periodStart + dayBias)
    }
    static let dayBias = 719_163

    /// The first day of the served period holding `day`, if one does (no shared state changes:
    /// workers call it concurrently).
    @inline(__always) func servedPeriodStart(of sub: Int, on day: Int) -> Int? {
        let h = hot[sub]
        let d = Int32(truncatingIfNeeded: day)
        if h.nearStart0 <= d && d < h.nearEnd0 { return Int(h.nearStart0) }
        if h.nearStart1 <= d && d < h.nearEnd1 { return Int(h.nearStart1) }
        if day >= Int(h.horizon) {
            // Beyond the computed periods (an event over a year ahead): computed for this row only.
            return servedPeriods(sub, until: CivilDate(dayNumber: day).adding(days: 400)).first { $0.start <= day && day < $0.end }?.start
        }
        let offset = Int(h.periodOffset), count = Int(h.periodCount)
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if periodDays[offset + mid].end <= day { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && periodDays[offset + lo].start <= day && day < periodDays[offset + lo].end ? periodDays[offset + lo].start : nil
    }

    /// A subscription's served periods (as day numbers) up to `horizon`.
    func servedPeriods(_ sub: Int, until horizon: CivilDate) -> [(start: Int, end: Int)] {
        let s = subscriptions[sub]
        let timeline = SubscriptionTimeline(subscription: s, plan: plans[sub]!, changes: changes[s.id] ?? [], plans: allPlans)
        let computed = RecurringRater(settings: settings).servedPeriods(for: s, timeline: timeline, until: horizon, endedOn: endedOn[s.id])
        precondition(computed.count < 1 << 16, "more than 65535 served periods")
        return computed.map { ($0.served.start.dayNumber, $0.served.end.dayNumber) }
    }

    /// Every subscription's served periods up to 400 days past the window (over every core), and
    /// in its hot record the first two overlapping the window.
    func computeServedPeriods() {
        let horizon = window.end.adding(days: 400)
        var computed = [[(start: Int, end: Int)]](repeating: [], count: subscriptions.count)
        computed.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            nonisolated(unsafe) let scanner = self
            let n = out.count, w = workers
            DispatchQueue.concurrentPerform(iterations: w) { k in
                for sub in stride(from: k, to: n, by: w) where scanner.hot[sub].hasPlan {
                    out[sub] = scanner.servedPeriods(sub, until: horizon)
                }
            }
        }
        let windowStart = window.start.dayNumber
        for (sub, periods) in computed.enumerated() {
            var h = hot[sub]
            h.periodOffset = Int32(periodDays.count)
            h.periodCount = Int32(periods.count)
            h.horizon = Int32(horizon.dayNumber)
            periodDays += periods
            if let first = periods.firstIndex(where: { $0.end > windowStart }) {
                (h.nearStart0, h.nearEnd0) = (Int32(periods[first].start), Int32(periods[first].end))
                if first + 1 < periods.count { (h.nearStart1, h.nearEnd1) = (Int32(periods[first + 1].start), Int32(periods[first + 1].end)) }
            }
            hot[sub] = h
        }
    }

    /// The served period of a subscription that starts on `start` (a day number), as dates.
    func servedRange(_ sub: Int, start: Int) -> DateRange {
        let h = hot[sub]
        let known = periodDays[Int(h.periodOffset)..<Int(h.periodOffset + h.periodCount)]
        let days = known.first { $0.start == start } ?? servedPeriods(sub, until: CivilDate(dayNumber: start).adding(days: 400)).first { $0.start == start }!
        return DateRange(CivilDate(dayNumber: days.start), CivilDate(dayNumber: days.end))
    }

    /// FNV-1a (64 bits) over the row's fields: tells a repeated event from a conflicting one.
    /// Part of the ledger's format (the ids files hold it).
    static func fingerprint(_ row: CSVRow) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<row.count {
            for b in row.bytes(i) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ 0x1f) &* 0x100_0000_01b3
        }
        return h
    }
}
