import BillingCore

/// Reads and writes usage contributions: the usage counted by one run. Ingest writes its
/// contribution to `OUTPUT/<period>/ingest/usage_contribution*`; the invoice stage commits it to
/// `LEDGER/usage/NNNNNN*`, numbered in commit order, so every later run knows which events were
/// already billed. A contribution is `<base>.csv` (aggregates per subscription, metric and
/// period), `<base>.values.csv` (distinct values, for `unique_count`) and `<base>.ids/PP.csv`:
/// the counted event ids with their content fingerprints, split into 256 partitions by a hash of
/// the id (only non-empty ones are written), so deduplication reads one partition at a time.
public enum UsageStore {
    static let aggregateHeader = [
        "subscription_id", "metric", "period_start", "period_end", "sum", "count", "max", "last_seconds", "last_nanos", "last_order",
        "last_quantity",
    ]

    /// The number of id partitions (part of the ledger's format).
    public static let partitions = 256

    /// The partition of an event id, from `ByteKeyTable.hash` of its bytes (the high 8 bits).
    static func partition(ofHash h: UInt64) -> Int { Int(h >> 56) }

    static func partitionName(_ p: Int) -> String {
        let hex = String(p, radix: 16)
        return (hex.count < 2 ? "0" + hex : hex) + ".csv"
    }

    public static func idsFolder(_ base: String) -> String { base + ".ids" }
    static func idsFile(_ base: String, partition p: Int) -> String { idsFolder(base) + "/" + partitionName(p) }

    /// The aggregates and values files of a state (the ids are written by `UsageScanner`).
    public static func files(_ state: UsageState) -> [(suffix: String, text: String)] {
        let keys = state.accumulators.keys.sorted()
        func q(_ v: Int128?) -> String { v.map { ExactDecimal(units: $0, scale: UsageAccumulator.scale).normalized.description } ?? "" }
        var aggregates: [[String]] = []
        var values: [[String]] = []
        for k in keys {
            let a = state.accumulators[k]!
            let key = [k.subscriptionID, k.metric, k.period.start.description, k.period.end.description]
            aggregates.append(key + [q(a.sum), String(a.count), q(a.max), a.last.map { String($0.at.seconds) } ?? "",
                                     a.last.map { String($0.at.nanos) } ?? "", a.last.map { String($0.order) } ?? "", q(a.last?.quantity)])
            values += a.values.sorted().map { key + [$0] }
        }
        return [
            (".csv", CSVWriter.document(header: aggregateHeader, rows: aggregates)),
            (".values.csv", CSVWriter.document(header: ["subscription_id", "metric", "period_start", "period_end", "value"], rows: values)),
        ]
    }

    /// The aggregation state of a contribution.
    public static func read(base: String) throws -> UsageState {
        var state = UsageState()
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
            state.accumulators[try key(f)] = a
        }
        for row in try CSVTable.load(path: base + ".values.csv", displayPath: base + ".values.csv").rows {
            state.accumulators[try key(row.fields), default: UsageAccumulator()].values.insert(CSVWriter.unneutralized(row.fields[4]))
        }
        return state
    }

    /// Calls `body` with each (event id, fingerprint) of an ids partition file (none if absent).
    static func readIDs(_ path: String, _ body: (UnsafeRawBufferPointer, UInt64) throws -> Void) throws {
        guard FileSystem.exists(path) else { return }
        var first = true
        try withoutActuallyEscaping(body) { body in
            try CSVReader.read(path: path) { row in
                if first { first = false; return }
                guard row.count == 2, let fingerprint = UInt64(row.lossyString(1), radix: 16) else {
                    throw StageFailure.io("\(path):\(row.line): unreadable event id row")
                }
                try body(UnsafeRawBufferPointer(row.bytes(0)), fingerprint)
            }
        }
    }

    /// The contributions committed to a ledger, in order (`usage/000001`, `usage/000002`, …).
    public static func committed(ledger: String) throws -> [String] {
        let folder = FileSystem.join(ledger, "usage")
        return try FileSystem.list(folder).filter { $0.count == 10 && $0.hasSuffix(".csv") }.map { FileSystem.join(folder, String($0.dropLast(4))) }
    }

    /// The files of a contribution, as suffixes of its base: aggregates, values, then each ids
    /// partition present.
    public static func pieces(base: String) throws -> [String] {
        [".csv", ".values.csv"] + (try FileSystem.list(idsFolder(base)).map { ".ids/" + $0 })
    }

    /// The name of the n-th contribution in a ledger.
    public static func name(_ n: Int) -> String {
        let d = String(n)
        return "usage/" + String(repeating: "0", count: max(0, 6 - d.count)) + d
    }
}
