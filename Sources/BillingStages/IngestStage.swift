import BillingCore
import BillingIO

/// `billing-ingest`: validates the dataset folder and writes its normalised copy to
/// `OUTPUT/<period>/ingest/` (the folder the later stages read), `rejects.csv` and `summary.json`.
/// It never touches the ledger; on a data error it writes nothing at all.
public enum IngestStage {
    public static func run(_ config: PipelineConfig) throws {
        PhaseClock.start()
        // Its passes take and free their tables again and again: kept, not faulted in afresh
        // (decision 66); the stages after it in `billing-pipeline` trim as usual.
        FreedMemory.keepFreed()
        defer { FreedMemory.trimAsUsual() }
        guard FileSystem.isDirectory(config.dataset) else { throw StageFailure.io("\(config.dataset): dataset folder not found") }
        var reader = CatalogReader(folder: config.dataset)
        // The normalised customers are rendered on another thread as soon as they are read: the
        // rest of the catalog's reading leaves a core idle (decisions 80, 84).
        var customersRendering: Background<[UInt8]>?
        reader.readAll { catalog in customersRendering = Background { NormalizedDataset.customersFile(catalog) } }
        if !reader.errors.isEmpty { throw StageFailure.data(reader.errors) }
        let catalog = reader.catalog
        let customersFile = customersRendering!
        PhaseClock.mark("catalog")
        let usagePath = FileSystem.join(config.dataset, "usage.csv")
        var usage = UsageSummary()
        // Events the ledger already counted, and dunning ends, decide what is new and what is served.
        var endedOn: [String: CivilDate] = [:]
        var committed: [String] = []
        if FileSystem.isDirectory(config.ledger) {
            let ledger = try Ledger(folder: config.ledger, create: false)
            committed = try UsageStore.committed(ledger: ledger.folder)
            endedOn = try ledger.dunningCancellations()
        }
        let base = FileSystem.join(config.ingestFolder, "usage_contribution")
        let runFolderExisted = FileSystem.isDirectory(config.runFolder)
        var counted = 0
        var scanner: UsageScanner?
        var datasetFiles: Background<[(name: String, bytes: [UInt8])]>?
        if FileSystem.exists(usagePath) {
            let scanning = try UsageScanner(
                catalog: catalog, settings: config.settings, window: config.window, committed: committed, endedOn: endedOn,
                commitNumber: committed.count + 1, scratch: FileSystem.join(config.runFolder, "ingest-spill"))
            PhaseClock.mark("usage setup")
            scanner = scanning
            do { try scanning.scan(path: usagePath) } catch {
                // A data error writes nothing: the spill goes, and the run folder if ingest made it.
                try? scanning.discard()
                if !runFolderExisted { try? FileSystem.removeTree(config.runFolder) }
                throw error
            }
            PhaseClock.mark("usage pass 1")
            PhaseClock.note("usage pass 1 read \(scanning.partCount) parts")
            try FileSystem.createDirectory(config.ingestFolder)
            try scanning.countPartitions(idsBase: base)
            // Pass 2's merge works on one core: the normalised dataset is rendered on the other.
            let sortedSubscriptions = scanning.subscriptionsInIDOrder
            datasetFiles = Background {
                NormalizedDataset.files(catalog, sortedSubscriptions: sortedSubscriptions, customers: customersFile.value())
            }
            try scanning.mergeCounts()
            PhaseClock.mark("usage pass 2")
            PhaseClock.note("usage pass 2 took a partition in up to \(scanning.rounds) rounds")
            usage = scanning.summary
            counted = scanning.counted
            reader.unknownColumns["usage.csv"] = scanning.unknownColumns
            reader.rowCounts["usage.csv"] = usage.rows
        } else {
            try FileSystem.createDirectory(config.ingestFolder)
            try FileSystem.removeTree(UsageStore.idsFolder(base))
        }
        let slots = scanner?.sortedSlots ?? []
        // Read only from here on, so the contribution's rows can be rendered on every core.
        nonisolated(unsafe) let finished = scanner
        // rejects.csv is merged and written on a thread of its own meanwhile: one after the other,
        // each file's writing and sync waited for the other's (decision 69).
        let rejectsPath = FileSystem.join(config.runFolder, "rejects.csv")
        let rejectsWritten = Background { () -> Error? in
            do {
                if let finished {
                    try finished.writeRejects(to: rejectsPath)
                } else {
                    try FileSystem.replace(rejectsPath, Array(CSVWriter.line(UsageReject.header).utf8))
                }
                return nil
            } catch { return error }
        }
        let stored = Result { try UsageStore.write(base: base, count: slots.count, entry: { finished!.entry(slots[$0]) }) }
        if let error = rejectsWritten.value() { throw error }
        try stored.get()
        try finished?.placeIDs(idsBase: base)
        try FileSystem.replace(
            FileSystem.join(config.ingestFolder, "usage_base.json"),
            Array(JSONWriter.pretty(.object(["committed": .int(committed.count), "events": .int(counted)])).utf8))
        PhaseClock.mark("usage write")
        for (name, bytes) in datasetFiles?.value() ?? NormalizedDataset.files(catalog, customers: customersFile.value()) {
            try FileSystem.replace(FileSystem.join(config.ingestFolder, name), bytes)
        }
        try FileSystem.replace(
            FileSystem.join(config.ingestFolder, "plans.json"), try FileSystem.read(FileSystem.join(config.dataset, "plans.json")))
        let headers = JSONNode.object(reader.headers.mapValues { .array($0.map { .string($0) }) })
        try FileSystem.replace(FileSystem.join(config.ingestFolder, "columns.json"), Array(JSONWriter.pretty(headers).utf8))
        let summary = IngestSummary.node(period: config.period, rowCounts: reader.rowCounts, unknownColumns: reader.unknownColumns, usage: usage)
        try FileSystem.replace(FileSystem.join(config.ingestFolder, "summary.json"), Array(JSONWriter.pretty(summary).utf8))
        PhaseClock.mark("dataset write")
        printError(
            "ingest: \(catalog.customers.count) customers, \(catalog.plans.count) plans, \(catalog.subscriptions.count) subscriptions; "
                + "usage \(usage.rows) rows, \(usage.accepted) accepted, \(usage.rejected) rejected, \(usage.deferred) deferred")
    }
}
