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

    init(_ config: PipelineConfig, writesLedger: Bool) throws {
        self.config = config
        guard FileSystem.exists(FileSystem.join(config.ingestFolder, "customers.csv")) else {
            throw StageFailure.io("\(config.ingestFolder): no ingest output for \(config.period); run billing-ingest first")
        }
        self.catalog = try NormalizedDataset.read(folder: config.ingestFolder)
        self.ledger = try Ledger(folder: config.ledger, create: writesLedger)
        var headers: [String: [String]] = [:]
        let columnsPath = FileSystem.join(config.ingestFolder, "columns.json")
        if FileSystem.exists(columnsPath), case .object(let files) = try JSONParser.parse(try FileSystem.read(columnsPath), file: columnsPath).value {
            for (name, list) in files { headers[name] = list.arrayValue?.compactMap(\.stringValue) ?? [] }
        }
        self.headers = headers
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
    func dunningCancellations() throws -> [String: CivilDate] {
        var out: [String: CivilDate] = [:]
        for row in try ledger.statuses() where row["entity"] == "subscription" && row["to"] == "canceled" {
            if let id = row["id"], let d = CivilDate(parsing: row["date"] ?? "") { out[id] = min(out[id] ?? d, d) }
        }
        return out
    }

    var itemsPath: String { FileSystem.join(config.runFolder, "items.csv") }
}
