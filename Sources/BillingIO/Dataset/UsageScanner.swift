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
    /// event_id → SHA-256 of the row's content, to tell a repeat from a conflicting duplicate.
    var seen: [[UInt8]: [UInt8]] = [:]

    public init(catalog: Catalog, settings: BillingSettings, window: DateRange) {
        self.catalog = catalog
        self.settings = settings
        self.window = window
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
        guard let seconds = Timestamp.epochSeconds(row.bytes(columns["timestamp"]!)) else { return "malformed timestamp" }
        if let q = columns["quantity"], row.bytes(q).count > 0 {
            let b = row.bytes(q)
            guard let value = ExactDecimal.parse(bytes: Array(b)[...], maxDecimals: 9) else { return "malformed quantity" }
            if value.isNegative { return "negative quantity" }
        }
        if let v = columns["value"], String(validating: row.bytes(v), as: UTF8.self) == nil { return "value is not valid UTF-8" }
        var digest = SHA256()
        for i in 0..<row.count { digest.update(row.bytes(i)); digest.update([0]) }
        let fingerprint = digest.finalize()
        let id = Array(idBytes)
        if let previous = seen[id] {
            if previous != fingerprint { return "duplicate event_id with different content" }
            summary.duplicates += 1
            return nil
        }
        seen[id] = fingerprint
        let day = Timestamp.day(epochSeconds: seconds, offsetMinutes: settings.timezoneOffsetMinutes)
        if day >= window.end {
            summary.deferred += 1
            return nil
        }
        if day < sub.startDate || (sub.cancelDate.map { day >= $0 } ?? false) { return "outside every served period" }
        if day < sub.firstPaidDay(trialDays: plan.trialDays) {
            summary.trial += 1
            return nil
        }
        summary.accepted += 1
        return nil
    }
}

