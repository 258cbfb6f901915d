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
    ///   `alongside`, for a stage that does not write the ledger, gets the ledger as soon as it is
    ///   open (locked, a killed commit redone) and runs while the catalog is parsed on another
    ///   core; it must not need the catalog, and is not called if the ledger cannot be opened. The
    ///   catalog's errors still come first, then the ledger's. A stage that writes the ledger opens
    ///   it (creating it, the first time) only once the catalog is read.
    init(
        _ config: PipelineConfig, writesLedger: Bool, catalogs: CatalogCache? = nil, alongside: ((Ledger) -> Void)? = nil
    ) throws {
        precondition(alongside == nil || !writesLedger, "a stage that writes the ledger opens it after the catalog is read")
        self.config = config
        let folder = config.ingestFolder
        guard FileSystem.exists(FileSystem.join(folder, "customers.csv")) else {
            throw StageFailure.io("\(folder): no ingest output for \(config.period); run billing-ingest first")
        }
        // The cache is used by this parse alone until it is waited for.
        nonisolated(unsafe) let cache = catalogs
        let parse: @Sendable () throws -> Catalog = { try cache?.catalog(folder: folder) ?? NormalizedDataset.read(folder: folder) }
        if let alongside {
            let parsing = Background { Result { try parse() } }
            let opened = Result { try Ledger(folder: config.ledger, create: false) }
            if case .success(let ledger) = opened { alongside(ledger) }
            self.catalog = try parsing.value().get()
            self.ledger = try opened.get()
        } else {
            self.catalog = try parse()
            self.ledger = try Ledger(folder: config.ledger, create: writesLedger)
        }
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
    static func pendingUsageBase(_ config: PipelineConfig) -> String { FileSystem.join(config.ingestFolder, "usage_contribution") }

    /// All usage counted so far: every contribution in `ledger`, plus this run's if it is not
    /// committed yet. Needs no catalog (rate reads it while the catalog is parsed).
    static func usage(_ config: PipelineConfig, ledger: Ledger) throws -> UsageState {
        var bases = try UsageStore.committed(ledger: ledger.folder)
        if try pendingUsage(config, ledger: ledger) != nil { bases.append(pendingUsageBase(config)) }
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
    func pendingUsage() throws -> (number: Int, base: String, events: Int)? { try StageContext.pendingUsage(config, ledger: ledger) }

    /// `pendingUsage` of `ledger`.
    static func pendingUsage(_ config: PipelineConfig, ledger: Ledger) throws -> (number: Int, base: String, events: Int)? {
        let pendingUsageBase = pendingUsageBase(config)
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
