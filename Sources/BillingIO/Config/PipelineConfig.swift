import BillingCore

/// The stages in their fixed order.
public enum StageName: String, Sendable, CaseIterable {
    case ingest, rate, invoice, pay, report
}

/// A loaded `pipeline.json`: resolved paths plus the settings. Paths are relative to the config
/// file's folder (SPEC §2).
public struct PipelineConfig: Sendable {
    public var configPath: String
    public var dataset: String
    public var ledger: String
    public var output: String
    /// `YYYY-MM`.
    public var period: String
    public var window: DateRange
    public var settings: BillingSettings
    public var stages: [StageName]

    /// `OUTPUT/<period>/`.
    public var runFolder: String { FileSystem.join(output, period) }
    /// Where ingest writes its normalised dataset, read by the later stages.
    public var ingestFolder: String { FileSystem.join(runFolder, "ingest") }
}
