import BillingCore
import BillingIO

/// What every stage after ingest starts from: the validated catalog ingest wrote, and the ledger
/// under its lock.
struct StageContext {
    let config: PipelineConfig
    let catalog: Catalog
    let ledger: Ledger
    /// Per dataset file name, the header as the user wrote it (from ingest's `columns.json`).
    let headers: [String: [String]]

    /// - Parameter catalogs: where to read the catalog through, when the stages run in one process.
    init(_ config: PipelineConfig, writesLedger: Bool, catalogs: CatalogCache? = nil) throws {
        self.config = config
        guard FileSystem.exists(FileSystem.join(config.ingestFolder, "customers.csv")) else {
            throw StageFailure.io("\(config.ingestFolder): no ingest output for \(config.period); run billing-ingest first")
        }
        self.catalog = try catalogs?.catalog(folder: config.ingestFolder) ?? NormalizedDataset.read(folder: config.ingestFolder)
        self.ledger = try Ledger(folder: config.ledger, create: writesLedger)
        var headers: [String: [String]] = [:]
        let columnsPath = FileSystem.join(config.ingestFolder, "columns.json")
        if FileSystem.exists(columnsPath), case .object(let files) = try JSONParser.parse(try FileSystem.read(columnsPath), file: columnsPath).value {
            for (name, list) in files { headers[name] = list.arrayValue?.compactMap(\.stringValue) ?? [] }
        }
        self.headers = headers
        PhaseClock.mark("read catalog")
    }

    /// A data error about `field` of the record at `source`, with the field's column in the
    /// user's file (1 when the file has no such column, as for JSON).
    func error(at source: SourceLocation, field: String, _ problem: String, value: String) -> DataError {
        let name = String(source.file.split(separator: "/").last ?? "")
        let column = (headers[name]?.firstIndex(of: field)).map { $0 + 1 } ?? 1
        return source.error(column: column, field: field, problem, value: value)
    }

    /// The ledger's first billing day: recorded in the ledger, else `billing.since`, else the first
    /// run's window start. A config that disagrees with the ledger is refused.
    func since() throws -> CivilDate {
        let recorded = try ledger.since()
        if let recorded, let configured = config.settings.since, configured != recorded {
            throw StageFailure.usage("\(config.configPath): billing.since is \(configured) but the ledger was created with \(recorded)")
        }
        return recorded ?? config.settings.since ?? config.window.start
    }

    /// Per subscription, the day dunning cancelled it (from the ledger's status changes).
    func dunningCancellations() throws -> [String: CivilDate] { try ledger.dunningCancellations() }

    /// Where ingest put this run's usage contribution, and the number of contributions the ledger
    /// had when it was computed.
    var pendingUsageBase: String { FileSystem.join(config.ingestFolder, "usage_contribution") }

    /// All usage counted so far: every contribution in the ledger, plus this run's if it is not
    /// committed yet.
    func usage() throws -> UsageState {
        var bases = try UsageStore.committed(ledger: ledger.folder)
        if try pendingUsage() != nil { bases.append(pendingUsageBase) }
        // The distinct values are counted on another core while the aggregates are read.
        let paths = bases.map { $0 + ".values.csv" }
        let counting = Background { Result { try UsageDistinctValues.count(paths: paths) } }
        var state = UsageState()
        for base in bases { state.merge(try UsageStore.read(base: base)) }
        state.distinctValueCounts = try counting.value().get()
        return state
    }

    /// This run's usage contribution if the ledger does not hold it yet: the number it gets and its
    /// event count. An ingest output computed against an older ledger is refused rather than
    /// counted twice.
    func pendingUsage() throws -> (number: Int, base: String, events: Int)? {
        let committed = try UsageStore.committed(ledger: ledger.folder)
        let basePath = FileSystem.join(config.ingestFolder, "usage_base.json")
        guard FileSystem.exists(basePath) else { return nil }
        let record = try JSONParser.parse(try FileSystem.read(basePath), file: basePath)
        guard case .number(let n) = record["committed"]?.value, let known = Int(n), case .number(let e) = record["events"]?.value,
            let events = Int(e)
        else { throw StageFailure.io("\(basePath): unreadable") }
        if events == 0 { return nil }
        if committed.count == known { return (known + 1, pendingUsageBase, events) }
        // Committed by an earlier run of this stage: the ledger's files are the same files (linked)
        // or hold the same bytes (copied).
        let pieces = try UsageStore.pieces(base: pendingUsageBase)
        if try pieces == UsageStore.pieces(base: committed[known]),
            try pieces.allSatisfy({ try FileSystem.sameContents(pendingUsageBase + $0, committed[known] + $0) })
        {
            return nil
        }
        throw StageFailure.io("\(config.ingestFolder): the ledger's usage changed since billing-ingest ran; run billing-ingest again")
    }

    /// The run's rated items, `OUTPUT/<period>/items.csv`.
    var itemsPath: String { StageContext.itemsPath(config) }

    /// Where rate writes the run's items and invoice reads them.
    static func itemsPath(_ config: PipelineConfig) -> String { FileSystem.join(config.runFolder, "items.csv") }
}
