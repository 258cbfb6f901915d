import BillingCore

/// What ingest saw in `usage.csv`.
public struct UsageSummary: Sendable {
    public var rows = 0
    public var accepted = 0
    public var rejected = 0
    /// Dated after the run window: billed by a later run.
    public var deferred = 0
    /// Dated inside a trial: counted, not billed, not rejected.
    public var trial = 0
    /// Repeats of an event id with identical content: counted once.
    public var duplicates = 0
    public init() {}
}

/// `OUTPUT/<period>/ingest/summary.json`.
public enum IngestSummary {
    public static func node(period: String, rowCounts: [String: Int], unknownColumns: [String: [String]], usage: UsageSummary) -> JSONNode {
        var files: [String: JSONNode] = [:]
        for (name, count) in rowCounts {
            files[name] = .object(["rows": .int(count), "unknown_columns": .array((unknownColumns[name] ?? []).map { .string($0) })])
        }
        return .object([
            "period": .string(period), "files": .object(files),
            "usage": .object([
                "rows": .int(usage.rows), "accepted": .int(usage.accepted), "rejected": .int(usage.rejected),
                "deferred": .int(usage.deferred), "trial": .int(usage.trial), "duplicates": .int(usage.duplicates),
            ]),
        ])
    }
}
