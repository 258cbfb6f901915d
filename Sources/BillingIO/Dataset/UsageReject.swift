/// A usage row ingest refused, written to `OUTPUT/<period>/rejects.csv`.
public struct UsageReject: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var eventID: String
    public var reason: String

    public static let header = ["file", "line", "event_id", "reason"]

    /// Its row of `rejects.csv`.
    public var csvLine: String { CSVWriter.line([file, String(line), eventID, reason]) }
}
