import BillingCore
import BillingIO

/// `billing-rate`: computes every charge item that should exist up to the end of the run's
/// window (from `billing.since` on) and writes them to `OUTPUT/<period>/items.csv`. Reads the
/// ledger (for `since` and dunning cancellations), writes nothing to it.
public enum RateStage {
    public static func run(_ config: PipelineConfig) throws {
        PhaseClock.start()
        let context = try StageContext(config, writesLedger: false)
        let items: [ChargeItem]
        do {
            let since = try context.since()
            let endedOn = try context.dunningEnds()
            let usage = try context.usage()
            PhaseClock.mark("read usage and ledger")
            items = try RatingRun(catalog: context.catalog, settings: config.settings).items(
                since: since, until: config.window.end, endedOn: endedOn, usage: usage)
        } catch let e as RatingError {
            throw StageFailure.data([context.error(at: e.source, field: e.field, e.problem, value: e.value)])
        }
        PhaseClock.mark("rate")
        try FileSystem.replace(context.itemsPath, ItemsCSV.document(items))
        PhaseClock.mark("write items")
        Console.error("rate: \(items.count) items up to \(config.window.end)")
    }
}
