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

    /// Writes the aggregates file `<base>.csv` and the values file `<base>.values.csv` of a state
    /// given in key order (the ids are written by `UsageScanner`), each replaced atomically.
    /// Streamed 64k entries at a time, each batch rendered over every core: a month can hold
    /// millions of aggregates, and the values file grows with the distinct values of
    /// `unique_count` metrics. `entry` is called from several threads and must only read.
    public static func write(
        base: String, count: Int, entry: @escaping @Sendable (Int) -> (key: UsageKey, accumulator: UsageAccumulator, values: [ArraySlice<UInt8>])
    ) throws {
        try FileSystem.replace(base + ".values.csv") { emitValues in
            try FileSystem.replace(base + ".csv") { emitAggregates in
                try emitAggregates(Array(CSVWriter.line(aggregateHeader).utf8))
                try emitValues(Array(CSVWriter.line(["subscription_id", "metric", "period_start", "period_end", "value"]).utf8))
                for first in stride(from: 0, to: count, by: 1 << 16) {
                    let parts = Array(first..<min(first + 1 << 16, count)).parallelMapSlices { slice in
                        var aggregates: [UInt8] = [], values: [UInt8] = []
                        for i in slice { render(entry(i), aggregates: &aggregates, values: &values) }
                        return (aggregates, values)
                    }
                    for (aggregates, values) in parts {
                        try emitAggregates(aggregates)
                        try emitValues(values)
                    }
                }
            }
        }
    }

    /// Appends one entry's aggregates row, and a values row per distinct value. Numbers and dates
    /// are written as bytes (`ExactDecimal.appendNormalized`, `CivilDate.appendDescription`): a
    /// month's contribution has a row per subscription, metric and period.
    static func render(
        _ e: (key: UsageKey, accumulator: UsageAccumulator, values: [ArraySlice<UInt8>]), aggregates: inout [UInt8], values: inout [UInt8]
    ) {
        func q(_ v: Int128?) {
            if let v { ExactDecimal.appendNormalized(units: v, scale: UsageAccumulator.scale, to: &aggregates) }
        }
        func integer(_ v: Int64?) {
            if let v { ExactDecimal.appendNormalized(units: Int128(v), scale: 0, to: &aggregates) }
        }
        func comma() { aggregates.append(UInt8(ascii: ",")) }
        let (k, a) = (e.key, e.accumulator)
        let keyStart = aggregates.count
        CSVWriter.appendCell(k.subscriptionID, to: &aggregates)
        comma()
        CSVWriter.appendCell(k.metric, to: &aggregates)
        comma()
        k.period.start.appendDescription(to: &aggregates)
        comma()
        k.period.end.appendDescription(to: &aggregates)
        let keyEnd = aggregates.count
        let last = a.last
        comma(); q(a.sum)
        comma(); integer(a.count)
        comma(); q(a.max)
        comma(); integer(last.map { Int64($0.at.seconds) })
        comma(); integer(last.map { Int64($0.at.nanos) })
        comma(); integer(last?.order)
        comma(); q(last?.quantity)
        aggregates.append(UInt8(ascii: "\n"))
        for v in e.values {
            values += aggregates[keyStart..<keyEnd]
            values.append(UInt8(ascii: ","))
            v.withUnsafeBufferPointer { CSVWriter.appendCell(bytes: $0, to: &values) }
            values.append(UInt8(ascii: "\n"))
        }
    }

    /// The aggregates of a contribution, streamed row by row (a month can hold millions). Its
    /// distinct values are not read: `UsageDistinctValues` counts them over every contribution.
    public static func read(base: String) throws -> UsageState {
        var state = UsageState()
        var header = true
        let aggregatesPath = base + ".csv"
        try CSVReader.read(path: aggregatesPath) { row in
            if header { header = false; return }
            guard row.count == aggregateHeader.count else { throw StageFailure.io("\(aggregatesPath):\(row.line): unreadable row") }
            var a = UsageAccumulator()
            a.sum = try quantity(row, 4, aggregatesPath) ?? 0
            a.count = Int64(row.lossyString(5)) ?? 0
            a.max = try quantity(row, 6, aggregatesPath)
            if let s = Int(row.lossyString(7)), let n = Int(row.lossyString(8)), let o = Int64(row.lossyString(9)) {
                a.last = (Timestamp.Instant(seconds: s, nanos: n), o, try quantity(row, 10, aggregatesPath) ?? 0)
            }
            state.accumulators[try key(row, aggregatesPath)] = a
        }
        return state
    }

    /// The (subscription, metric, period) of a row of either file.
    static func key(_ row: CSVRow, _ path: String) throws -> UsageKey {
        guard row.count >= 4, let s = CivilDate(parsing: row.lossyString(2)), let e = CivilDate(parsing: row.lossyString(3)), s <= e else {
            throw StageFailure.io("\(path):\(row.line): unreadable usage key")
        }
        return UsageKey(subscriptionID: row.lossyString(0), metric: CSVWriter.unneutralized(row.lossyString(1)), period: DateRange(s, e))
    }

    /// A quantity column in 10^−9 units (nil when empty).
    private static func quantity(_ row: CSVRow, _ i: Int, _ path: String) throws -> Int128? {
        if row.bytes(i).isEmpty { return nil }
        guard let d = ExactDecimal.parse(bytes: row.bytes(i), maxDecimals: UsageAccumulator.scale) else {
            throw StageFailure.io("\(path):\(row.line): unreadable quantity \(row.lossyString(i))")
        }
        return try d.rescaled(to: UsageAccumulator.scale)
    }

    /// Calls `body` with each (event id, fingerprint) of an ids partition file (none if absent).
    /// Every later run reads every earlier month's ids: the fingerprint is read from its bytes.
    static func readIDs(_ path: String, _ body: (UnsafeRawBufferPointer, UInt64) throws -> Void) throws {
        guard FileSystem.exists(path) else { return }
        var first = true
        try CSVReader.read(path: path) { row in
            if first { first = false; return }
            guard row.count == 2, let fingerprint = hexValue(row.bytes(1)) else {
                throw StageFailure.io("\(path):\(row.line): unreadable event id row")
            }
            try body(UnsafeRawBufferPointer(row.bytes(0)), fingerprint)
        }
    }

    /// The number written by 1 to 16 hex digits (either case), as `UInt64(_:radix: 16)` reads them
    /// without a sign; nil for anything else.
    static func hexValue(_ digits: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard (1...16).contains(digits.count) else { return nil }
        var v: UInt64 = 0
        for c in digits {
            guard let d = HexDigit.value(c) else { return nil }
            v = v << 4 | UInt64(d)
        }
        return v
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
