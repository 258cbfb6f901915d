import BillingCore

/// Streams `usage.csv` and sorts every row into accepted, rejected (with a reason), deferred
/// (after the run window), trial or duplicate (SPEC §5, §8), aggregating the accepted ones.
///
/// Two passes keep memory bounded by subscriptions × metrics × periods, not by events:
/// 1. `scan` checks each row as bytes (subscription and metric looked up in byte-keyed tables,
///    timestamp and quantity parsed in place, no `String` per field), finds its served period and
///    accumulator slot, and appends the survivors to the spill partition of their event id.
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
        /// The served periods overlapping the run window, the first two of them, copied here
        /// (index `near`, `near + 1`) so most rows find their period without leaving this record.
        var nearStart0: Int32 = 0, nearEnd0: Int32 = 0, nearStart1: Int32 = 0, nearEnd1: Int32 = 0
        var near: Int32 = 0
        /// Whether its plan is in the catalog.
        var hasPlan: Bool
        /// Bit m: metric m is on one of its plans; or kept for `unique_count` (metrics 0…63).
        var metrics: UInt64 = 0
        var values: UInt64 = 0
    }

    // Subscriptions by id bytes.
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
    /// Served periods of all subscriptions, each one's in a run at `Hot.periodOffset`.
    var periodDays: [(start: Int, end: Int)] = []
    /// Accumulator slots: (subscription, metric, period index) packed → slot.
    var slotOf = IntKeyTable()
    var slotKeys: [UsageKey] = []
    var slotPacked: [Int] = []
    var accumulators: [UsageAccumulator] = []
    /// The distinct `value`s kept (for `unique_count`), interned: a slot's values are a set of
    /// small integers, so their memory is per distinct value, not per event.
    var valueIndex = ByteKeyTable()
    var slotValues: [Set<Int32>] = []
    let spill: UsageSpill

    /// - Parameter scratch: a folder for the spill, removed by `writeRejects`.
    public init(
        catalog: Catalog, settings: BillingSettings, window: DateRange, committed: [String] = [], endedOn: [String: CivilDate] = [:],
        commitNumber: Int = 1, scratch: String
    ) throws {
        self.settings = settings
        self.window = window
        self.windowEnd = window.end.dayNumber
        self.endedOn = endedOn
        self.committed = committed
        self.orderBase = Int64(commitNumber) << 40
        let subs = catalog.subscriptions.values.sorted { $0.id < $1.id }
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
        spill = try UsageSpill(folder: scratch)
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

    public func scan(path: String) throws {
        var columns: Columns?
        try CSVReader.read(path: path) { row in
            guard let c = columns else {
                columns = try self.header(row, path: path)
                return
            }
            self.summary.rows += 1
            if let reason = try self.classify(row, c) {
                self.summary.rejected += 1
                let id = c.id < row.count ? row.lossyString(c.id) : ""
                try self.spill.addReject(UsageReject(file: "usage.csv", line: row.line, eventID: id, reason: reason))
            }
            if self.summary.rows % 10_000_000 == 0 { Console.error("ingest: \(self.summary.rows) usage rows read") }
        }
        try spill.finish()
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

    /// Nil if the row is counted, spilled or in a trial; else the reason it is rejected.
    func classify(_ row: CSVRow, _ c: Columns) throws -> String? {
        guard row.count == c.count else { return "malformed row: \(row.count) fields, header has \(c.count)" }
        let id = row.bytes(c.id)
        guard Identifier.isValid(id) else { return "malformed event_id" }
        let subBytes = UnsafeRawBufferPointer(row.bytes(c.subscription))
        guard let sub = subscriptionIndex.find(subBytes, hash: ByteKeyTable.hash(subBytes)), hot[sub].hasPlan else {
            return "unknown subscription"
        }
        let metricBytes = UnsafeRawBufferPointer(row.bytes(c.metric))
        guard let metric = metricIndex.find(metricBytes, hash: ByteKeyTable.hash(metricBytes)), hasMetric(sub, metric) else {
            return "unknown metric for this subscription's plan"
        }
        guard let instant = Timestamp.instant(row.bytes(c.timestamp)) else { return "malformed timestamp" }
        var quantity: Int128 = Int128(1) * pow10(UsageAccumulator.scale)
        if let q = c.quantity, row.bytes(q).count > 0 {
            guard let value = ExactDecimal.parse(bytes: row.bytes(q), maxDecimals: UsageAccumulator.scale) else { return "malformed quantity" }
            if value.isNegative { return "negative quantity" }
            guard let scaled = try? value.rescaled(to: UsageAccumulator.scale) else { return "quantity too large" }
            quantity = scaled
        }
        var value = -1
        if let v = c.value, row.bytes(v).count > 0 {
            let bytes = row.bytes(v)
            guard !bytes.contains(0), String(validating: bytes, as: UTF8.self) != nil else { return "value is not valid UTF-8" }
            if keepsValues(sub, metric) {
                let raw = UnsafeRawBufferPointer(bytes)
                value = valueIndex.insert(raw, hash: ByteKeyTable.hash(raw)).index
            }
        }
        let day = Timestamp.dayNumber(epochSeconds: instant.seconds, offsetMinutes: settings.timezoneOffsetMinutes)
        let h = hot[sub]
        if day < Int(h.start) { return "outside every served period" }
        if day < Int(h.firstPaid) && day < Int(h.cancel) {
            summary.trial += 1
            return nil
        }
        guard let period = servedPeriod(of: sub, on: day) else { return "outside every served period" }
        let packed = sub << 28 | metric << 16 | period
        let slot = slotOf.value(for: packed) {
            slotPacked.append(packed)
            slotKeys.append(UsageKey(subscriptionID: subscriptions[sub].id, metric: metricNames[metric], period: servedRange(sub, period)))
            accumulators.append(UsageAccumulator())
            slotValues.append([])
            return slotKeys.count - 1
        }
        let event = SpilledEvent(
            hash: ByteKeyTable.hash(UnsafeRawBufferPointer(id)), fingerprint: UsageScanner.fingerprint(row), line: row.line,
            quantity: quantity, seconds: instant.seconds, nanos: instant.nanos, slot: slot, deferred: day >= windowEnd, value: value, id: 0..<0)
        try spill.add(event, id: id)
        return nil
    }

    @inline(__always) func hasMetric(_ sub: Int, _ metric: Int) -> Bool {
        if let wideMetrics { return wideMetrics[sub].contains(metric) }
        return hot[sub].metrics & (1 << UInt64(metric)) != 0
    }

    @inline(__always) func keepsValues(_ sub: Int, _ metric: Int) -> Bool {
        if let wideValues { return wideValues[sub].contains(metric) }
        return hot[sub].values & (1 << UInt64(metric)) != 0
    }

    /// The index (within the subscription's run) of the served period holding `day`, computing
    /// the periods far enough ahead first if needed.
    func servedPeriod(of sub: Int, on day: Int) -> Int? {
        if day >= Int(hot[sub].horizon) { computePeriods(sub, through: day) }
        let h = hot[sub]
        let d = Int32(truncatingIfNeeded: day)
        if h.nearStart0 <= d && d < h.nearEnd0 { return Int(h.near) }
        if h.nearStart1 <= d && d < h.nearEnd1 { return Int(h.near) + 1 }
        let offset = Int(h.periodOffset), count = Int(h.periodCount)
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if periodDays[offset + mid].end <= day { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && periodDays[offset + lo].start <= day && day < periodDays[offset + lo].end ? lo : nil
    }

    /// Computes a subscription's served periods up to 400 days past `day` (or the window's end).
    func computePeriods(_ sub: Int, through day: Int) {
        let s = subscriptions[sub]
        let horizon = max(window.end, CivilDate(dayNumber: day)).adding(days: 400)
        let timeline = SubscriptionTimeline(subscription: s, plan: plans[sub]!, changes: changes[s.id] ?? [], plans: allPlans)
        let computed = RecurringRater(settings: settings).servedPeriods(for: s, timeline: timeline, until: horizon, endedOn: endedOn[s.id])
        precondition(computed.count < 1 << 16, "more than 65535 served periods")
        var h = hot[sub]
        h.periodOffset = Int32(periodDays.count)
        h.periodCount = Int32(computed.count)
        h.horizon = Int32(horizon.dayNumber)
        (h.nearStart0, h.nearEnd0, h.nearStart1, h.nearEnd1, h.near) = (0, 0, 0, 0, 0)
        let windowStart = window.start.dayNumber
        for p in computed {
            periodDays.append((p.served.start.dayNumber, p.served.end.dayNumber))
        }
        if let first = computed.firstIndex(where: { $0.served.end.dayNumber > windowStart }) {
            let days = periodDays[Int(h.periodOffset) + first]
            (h.nearStart0, h.nearEnd0, h.near) = (Int32(days.start), Int32(days.end), Int32(first))
            if first + 1 < computed.count {
                let next = periodDays[Int(h.periodOffset) + first + 1]
                (h.nearStart1, h.nearEnd1) = (Int32(next.start), Int32(next.end))
            }
        }
        hot[sub] = h
    }

    /// The `period`-th served period of a subscription as dates.
    func servedRange(_ sub: Int, _ period: Int) -> DateRange {
        let days = periodDays[Int(hot[sub].periodOffset) + period]
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
