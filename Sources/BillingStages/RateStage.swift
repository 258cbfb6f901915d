import BillingCore
import BillingIO

/// `billing-rate`: computes every charge item that should exist up to the end of the run's
/// window (from `billing.since` on) and writes them to `OUTPUT/<period>/items.csv`. Reads the
/// ledger (for `since` and dunning cancellations), writes nothing to it.
public enum RateStage {
    /// - Parameters:
    ///   - catalogs: the pipeline's cache of the normalised dataset, if it runs the stages in one
    ///     process.
    ///   - ratedItems: where the pipeline keeps the items for its invoice stage.
    public static func run(_ config: PipelineConfig, catalogs: CatalogCache? = nil, ratedItems: RatedItemsCache? = nil) throws {
        PhaseClock.start()
        // The usage counted so far is read while the catalog is parsed on another core.
        var usageRead: Result<UsageState, Error>?
        let context = try StageContext(config, writesLedger: false, catalogs: catalogs) { ledger in
            usageRead = Result { try StageContext.usage(config, ledger: ledger) }
        }
        let items: [ChargeItem]
        do {
            let since = try context.since()
            let endedOn = try context.dunningEnds()
            let usage = try usageRead!.get()
            PhaseClock.mark("read usage and ledger")
            // Slices of the subscriptions are rated on every core and joined in order; the first
            // error in subscription order is the one reported, as in a run on one core.
            let run = RatingRun(catalog: context.catalog, settings: config.settings)
            let parts = context.catalog.sortedSubscriptions.parallelMapSlices { subs in
                Result { () throws(RatingError) in try run.items(of: subs, since: since, until: config.window.end, endedOn: endedOn, usage: usage) }
            }
            items = try parts.flatMap { try $0.get() }
        } catch let e as RatingError {
            throw StageFailure.data([context.error(at: e.source, field: e.field, e.problem, value: e.value)])
        }
        PhaseClock.mark("rate")
        let order = ItemsCSV.fileOrder(items)
        let bytes = ItemsCSV.document(items, order: order)
        // For the pipeline's invoice stage, the items as it would read them back are told on
        // another core while the file is written.
        let readBack = ratedItems.map { _ in Background { ItemsCSV.readBack(items, order: order) } }
        try FileSystem.replace(context.itemsPath, bytes)
        if let ratedItems, let readBack { ratedItems.keep(path: context.itemsPath, bytes: bytes, items: readBack.value()) }
        PhaseClock.mark("write items")
        Console.error("rate: \(items.count) items up to \(config.window.end)")
    }
}
