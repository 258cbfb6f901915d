import BillingCore
import BillingIO

/// `billing-pipeline`: runs the stages `pipeline.json` lists, in order, and stops at the first
/// that fails (SPEC §1).
public enum Pipeline {
    public static func run(_ config: PipelineConfig) throws {
        // Rate, invoice, pay and report read the same normalised dataset: it is parsed once.
        let catalogs = CatalogCache()
        // Rate's items go to the invoice stage without being parsed again.
        let ratedItems = RatedItemsCache()
        for stage in config.stages {
            Console.error("== \(stage.rawValue) \(config.period)")
            try runStage(stage, config, catalogs: catalogs, ratedItems: ratedItems)
            FreedMemory.release()
            // Ingest's pass 2 is faster with a high bar for mapped blocks (decision 66); the later
            // stages' peaks are lower with a bar of 256 KiB (decision 53).
            if stage == .ingest { FreedMemory.mapLargeBlocks(atLeast: 256 << 10) }
            PhaseClock.note("resident after \(stage.rawValue), freed memory returned: \(PhaseClock.residentMiB()) MiB")
        }
    }

    public static func runStage(
        _ stage: StageName, _ config: PipelineConfig, catalogs: CatalogCache? = nil, ratedItems: RatedItemsCache? = nil
    ) throws {
        switch stage {
        case .ingest: try IngestStage.run(config)
        case .rate: try RateStage.run(config, catalogs: catalogs, ratedItems: ratedItems)
        case .invoice: try InvoiceStage.run(config, catalogs: catalogs, ratedItems: ratedItems)
        case .pay: try PayStage.run(config, catalogs: catalogs)
        case .report: try ReportStage.run(config, catalogs: catalogs)
        }
    }
}
