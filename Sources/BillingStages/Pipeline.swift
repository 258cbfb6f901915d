import BillingCore
import BillingIO

/// `billing-pipeline`: runs the stages `pipeline.json` lists, in order, and stops at the first
/// that fails (SPEC §1).
public enum Pipeline {
    public static func run(_ config: PipelineConfig) throws {
        for stage in config.stages {
            Console.error("== \(stage.rawValue) \(config.period)")
            try runStage(stage, config)
        }
    }

    public static func runStage(_ stage: StageName, _ config: PipelineConfig) throws {
        switch stage {
        case .ingest: try IngestStage.run(config)
        case .rate: try RateStage.run(config)
        case .invoice: try InvoiceStage.run(config)
        case .pay: try PayStage.run(config)
        case .report: try ReportStage.run(config)
        }
    }
}
