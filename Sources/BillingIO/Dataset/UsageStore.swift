import BillingCore

/// The usage counted by one run: aggregation state per key, and the ids of the events counted
/// (with a fingerprint of their content). Ingest writes it to `OUTPUT/<period>/ingest/`; the
/// invoice stage commits it to `LEDGER/usage/NNNNNN.*`, numbered in commit order, so every later
/// run knows which events were already billed.
public struct UsageContribution: Sendable {
    public var state = UsageState()
    /// event_id → fingerprint of the row's content.
    public var events: [String: UInt64] = [:]
    public init() {}
    public var isEmpty: Bool { events.isEmpty }
}

/// Reads and writes usage contributions as three CSV files: `<base>.csv` (aggregates),
/// `<base>.values.csv` (distinct values, for `unique_count`) and `<base>.ids.csv` (event ids).
public enum UsageStore {
    static let aggregateHeader = [
        "subscription_id", "metric", "period_start", "period_end", "sum", "count", "max", "last_seconds", "last_nanos", "last_order",
        "last_quantity",
    ]

    public static func files(_ c: UsageContribution) -> [(suffix: String, text: String)] {
        let keys = c.state.accumulators.keys.sorted()
        func q(_ v: Int128?) -> String { v.map { ExactDecimal(units: $0, scale: UsageAccumulator.scale).normalized.description } ?? "" }
        var aggregates: [[String]] = []
        var values: [[String]] = []
        for k in keys {
            let a = c.state.accumulators[k]!
            let key = [k.subscriptionID, k.metric, k.period.start.description, k.period.end.description]
            aggregates.append(key + [q(a.sum), String(a.count), q(a.max), a.last.map { String($0.at.seconds) } ?? "",
                                     a.last.map { String($0.at.nanos) } ?? "", a.last.map { String($0.order) } ?? "", q(a.last?.quantity)])
            values += a.values.sorted().map { key + [$0] }
        }
        let ids = c.events.keys.sorted().map { [$0, String(c.events[$0]!, radix: 16)] }
        return [
            (".csv", CSVWriter.document(header: aggregateHeader, rows: aggregates)),
            (".values.csv", CSVWriter.document(header: ["subscription_id", "metric", "period_start", "period_end", "value"], rows: values)),
            (".ids.csv", CSVWriter.document(header: ["event_id", "fingerprint"], rows: ids)),
        ]
    }

    /// - Parameter events: also read the event ids (only ingest needs them, to deduplicate).
    public static func read(base: String, events: Bool = true) throws -> UsageContribution {
        var c = UsageContribution()
        func key(_ f: [String]) throws -> UsageKey {
            guard let s = CivilDate(parsing: f[2]), let e = CivilDate(parsing: f[3]), s <= e else {
                throw StageFailure.io("\(base): unreadable usage key \(f)")
            }
            return UsageKey(subscriptionID: f[0], metric: f[1], period: DateRange(s, e))
        }
        func q(_ s: String) throws -> Int128 {
            guard let d = ExactDecimal(parsing: s, maxDecimals: UsageAccumulator.scale) else { throw StageFailure.io("\(base): unreadable quantity \(s)") }
            return try d.rescaled(to: UsageAccumulator.scale)
        }
        for row in try CSVTable.load(path: base + ".csv", displayPath: base + ".csv").rows {
            let f = row.fields
            var a = UsageAccumulator()
            a.sum = try q(f[4])
            a.count = Int64(f[5]) ?? 0
            a.max = f[6].isEmpty ? nil : try q(f[6])
            if let s = Int(f[7]), let n = Int(f[8]), let o = Int64(f[9]) { a.last = (Timestamp.Instant(seconds: s, nanos: n), o, try q(f[10])) }
            c.state.accumulators[try key(f)] = a
        }
        for row in try CSVTable.load(path: base + ".values.csv", displayPath: base + ".values.csv").rows {
            c.state.accumulators[try key(row.fields), default: UsageAccumulator()].values.insert(CSVWriter.unneutralized(row.fields[4]))
        }
        for row in events ? try CSVTable.load(path: base + ".ids.csv", displayPath: base + ".ids.csv").rows : [] {
            c.events[row.fields[0]] = UInt64(row.fields[1], radix: 16) ?? 0
        }
        return c
    }

    /// The contributions committed to a ledger, in order (`usage/000001`, `usage/000002`, …).
    public static func committed(ledger: String) throws -> [String] {
        let folder = FileSystem.join(ledger, "usage")
        return try FileSystem.list(folder).filter { $0.hasSuffix(".ids.csv") }.map { FileSystem.join(folder, String($0.dropLast(8))) }
    }

    /// The suffixes of a contribution's three files.
    public static let suffixes = [".csv", ".values.csv", ".ids.csv"]

    /// The number of events in a contribution, from its ids file (lines less the header).
    public static func eventCount(base: String) throws -> Int {
        max(0, try FileSystem.read(base + ".ids.csv").reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } - 1)
    }

    /// The name of the n-th contribution in a ledger.
    public static func name(_ n: Int) -> String {
        let d = String(n)
        return "usage/" + String(repeating: "0", count: max(0, 6 - d.count)) + d
    }
}
