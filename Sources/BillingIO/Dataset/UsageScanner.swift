import BillingCore

/// A usage row ingest refused, written to `OUTPUT/<period>/rejects.csv`.
public struct UsageReject: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var eventID: String
    public var reason: String

    public static func document(_ rejects: [UsageReject]) -> String {
        CSVWriter.document(header: ["file", "line", "event_id", "reason"], rows: rejects.map { [$0.file, String($0.line), $0.eventID, $0.reason] })
    }
}

/// Streams `usage.csv` and sorts every row into accepted, rejected (with a reason), deferred
/// (after the run window) or trial (SPEC §5, §8). Fields are checked as bytes; only rejected
/// rows build strings.
///
/// Usage billing itself (aggregation and pricing) is issue #4; this stage already guarantees no
/// event is silently dropped.
public struct UsageScanner {
    let catalog: Catalog
    let settings: BillingSettings
    let window: DateRange
    /// Per subscription: the metrics of every plan it has over its life.
    let metrics: [String: Set<[UInt8]>]
    public private(set) var summary = UsageSummary()
    public private(set) var rejects: [UsageReject] = []
    public private(set) var unknownColumns: [String] = []
    /// The events counted by earlier runs (event_id → content fingerprint), from the ledger.
    let billed: [String: UInt64]
    /// What this run adds: the state of its new events and their ids.
    public private(set) var contribution = UsageContribution()
    /// Per subscription, its served periods (computed on first use) and the day dunning ended it.
    var periods: [String: [RecurringRater.ServedPeriod]] = [:]
    let endedOn: [String: CivilDate]
    /// Orders events for `last` across runs: this run's commit number in the high bits, the line below.
    let orderBase: Int64

    public init(
        catalog: Catalog, settings: BillingSettings, window: DateRange, billed: [String: UInt64] = [:], endedOn: [String: CivilDate] = [:],
        commitNumber: Int = 1
    ) {
        self.catalog = catalog
        self.settings = settings
        self.window = window
        self.billed = billed
        self.endedOn = endedOn
        self.orderBase = Int64(commitNumber) << 40
        var m: [String: Set<[UInt8]>] = [:]
        for s in catalog.subscriptions.values {
            let planIDs = [s.planID] + (catalog.changes[s.id] ?? []).compactMap(\.planID)
            m[s.id] = Set(planIDs.flatMap { catalog.plans[$0]?.charges.map { Array($0.metric.utf8) } ?? [] })
        }
        metrics = m
    }

    public mutating func scan(path: String) throws {
        var columns: [String: Int] = [:]
        var header: [String] = []
        var this = self
        try CSVReader.read(path: path) { row in
            if header.isEmpty {
                header = (0..<row.count).map { row.lossyString($0) }
                for (i, name) in header.enumerated() {
                    if columns[name] != nil {
                        throw DataError(file: path, line: row.line, column: i + 1, field: name, problem: "duplicate column", value: name)
                    }
                    columns[name] = i
                }
                for name in ["event_id", "subscription_id", "metric", "timestamp"] where columns[name] == nil {
                    throw DataError(file: path, line: 1, column: header.count + 1, field: name, problem: "missing required column",
                                    value: header.joined(separator: ","))
                }
                this.unknownColumns = header.filter { !["event_id", "subscription_id", "metric", "timestamp", "quantity", "value"].contains($0) }
                return
            }
            this.summary.rows += 1
            if let reason = this.classify(row, columns: columns, headerCount: header.count) {
                this.summary.rejected += 1
                let id = columns["event_id"].flatMap { $0 < row.count ? row.lossyString($0) : nil } ?? ""
                this.rejects.append(UsageReject(file: "usage.csv", line: row.line, eventID: id, reason: reason))
            }
            if this.summary.rows % 10_000_000 == 0 { Console.error("ingest: \(this.summary.rows) usage rows") }
        }
        self = this
    }

    /// Nil if the row is fine (and counted), else the reason it is rejected.
    mutating func classify(_ row: CSVRow, columns: [String: Int], headerCount: Int) -> String? {
        guard row.count == headerCount else { return "malformed row: \(row.count) fields, header has \(headerCount)" }
        let idBytes = row.bytes(columns["event_id"]!)
        guard Identifier.isValid(idBytes) else { return "malformed event_id" }
        let subID = String(decoding: row.bytes(columns["subscription_id"]!), as: UTF8.self)
        guard let sub = catalog.subscriptions[subID], let plan = catalog.plans[sub.planID] else { return "unknown subscription" }
        guard metrics[subID]?.contains(Array(row.bytes(columns["metric"]!))) == true else { return "unknown metric for this subscription's plan" }
        let metric = String(decoding: row.bytes(columns["metric"]!), as: UTF8.self)
        guard let instant = Timestamp.instant(row.bytes(columns["timestamp"]!)) else { return "malformed timestamp" }
        var quantity: Int128 = Int128(1) * pow10(UsageAccumulator.scale)
        if let q = columns["quantity"], row.bytes(q).count > 0 {
            guard let value = ExactDecimal.parse(bytes: Array(row.bytes(q))[...], maxDecimals: UsageAccumulator.scale) else { return "malformed quantity" }
            if value.isNegative { return "negative quantity" }
            guard let scaled = try? value.rescaled(to: UsageAccumulator.scale) else { return "quantity too large" }
            quantity = scaled
        }
        var value: String?
        if let v = columns["value"], row.bytes(v).count > 0 {
            guard let s = String(validating: row.bytes(v), as: UTF8.self), !s.utf8.contains(0) else { return "value is not valid UTF-8" }
            value = s
        }
        let fingerprint = UsageScanner.fingerprint(row)
        let id = String(decoding: idBytes, as: UTF8.self)
        if let previous = billed[id] ?? contribution.events[id] {
            if previous != fingerprint {
                return billed[id] != nil ? "duplicate event_id with different content (already billed)" : "duplicate event_id with different content"
            }
            summary.duplicates += 1
            return nil
        }
        let day = Timestamp.day(epochSeconds: instant.seconds, offsetMinutes: settings.timezoneOffsetMinutes)
        if day < sub.startDate { return "outside every served period" }
        if day < sub.firstPaidDay(trialDays: plan.trialDays), sub.cancelDate.map({ day < $0 }) ?? true {
            summary.trial += 1
            return nil
        }
        guard let period = servedPeriod(of: sub, plan: plan, on: day) else { return "outside every served period" }
        contribution.events[id] = fingerprint
        contribution.state.accumulators[UsageKey(subscriptionID: subID, metric: metric, period: period), default: UsageAccumulator()]
            .add(quantity: quantity, at: instant, order: orderBase + Int64(row.line), value: value)
        if day >= window.end { summary.deferred += 1 } else { summary.accepted += 1 }
        return nil
    }

    /// The served period holding `day`, computing (and caching) the subscription's periods far
    /// enough ahead.
    mutating func servedPeriod(of sub: Subscription, plan: Plan, on day: CivilDate) -> DateRange? {
        var list = periods[sub.id] ?? []
        if list.isEmpty || (list.last!.served.end <= day && list.last!.full.end <= day) {
            let horizon = max(window.end, day).adding(days: 400)
            let timeline = SubscriptionTimeline(subscription: sub, plan: plan, changes: catalog.changes[sub.id] ?? [], plans: catalog.plans)
            list = RecurringRater(settings: settings).servedPeriods(for: sub, timeline: timeline, until: horizon, endedOn: endedOn[sub.id])
            periods[sub.id] = list
        }
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].served.end <= day { lo = mid + 1 } else { hi = mid }
        }
        return lo < list.count && list[lo].served.contains(day) ? list[lo].served : nil
    }

    /// FNV-1a (64 bits) over the row's fields: tells a repeated event from a conflicting one.
    static func fingerprint(_ row: CSVRow) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<row.count {
            for b in row.bytes(i) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ 0x1f) &* 0x100_0000_01b3
        }
        return h
    }
}

