import BillingCore

/// The persistent ledger folder (SPEC §2, §7), opened under its lock. Opening applies any
/// commit a killed run left pending, so every reader sees a complete state.
///
/// Layout: `ledger.json` (created once: the `since` date), `invoices/<number>.json` and `.txt`
/// (read-only), `invoices.csv` (register), `items.csv` (every issued line, the index that
/// regenerate-and-diff compares against), `taxes.csv` (each document's tax per rate),
/// `payments.csv`, `statuses.csv`, `audit.jsonl`.
///
/// Sendable: its stored properties are constants, so its readers may run on several threads at
/// once (the report reads the line index while it reads the register).
public final class Ledger: @unchecked Sendable {
    public let folder: String
    let lock: LedgerLock?

    public static let registerHeader = [
        "number", "type", "issue_date", "due_date", "customer_id", "customer_name", "currency", "subtotal", "tax_total", "total",
        "credit_applied", "amount_due", "sha256", "voids",
    ]

    /// `taxes.csv`: a document's tax summary, one row per rate, as its file shows it (the tax
    /// register an accountant files returns from, and what the journal reads instead of every
    /// document file).
    public static let taxesHeader = ["document", "rate", "name", "taxable", "tax", "currency"]

    /// The `taxes.csv` rows of a document.
    public static func taxRows(document: String, _ summaries: [TaxSummary]) -> [[String]] {
        summaries.map { [document, $0.rate.normalized.description, $0.name, $0.taxable.description, $0.tax.description, $0.tax.currency.code] }
    }

    /// Per document number, its tax summary from `taxes.csv` (documents issued before the ledger
    /// had the file are absent: read them from their files).
    public func taxSummaries() throws -> [String: [TaxSummary]] {
        var out: [String: [TaxSummary]] = [:]
        for row in try readRows("taxes.csv") {
            guard let c = Currency(code: row["currency"] ?? ""), let rate = ExactDecimal(parsing: row["rate"] ?? "", maxDecimals: 6),
                let taxable = Money(parsing: row["taxable"] ?? "", currency: c), let tax = Money(parsing: row["tax"] ?? "", currency: c)
            else { throw StageFailure.io("taxes.csv: unreadable row \(row)") }
            out[row["document"] ?? "", default: []].append(TaxSummary(rate: rate, name: row["name"] ?? "", taxable: taxable, tax: tax))
        }
        return out
    }

    /// Opens the ledger under its lock. With `create: false` (stages that only read it) a ledger
    /// that does not exist yet is read as empty and not created.
    public init(folder: String, create: Bool) throws {
        self.folder = folder
        if !create && !FileSystem.isDirectory(folder) {
            self.lock = nil
            return
        }
        self.lock = try LedgerLock(folder: folder)
        try LedgerCommit.redo(folder: folder)
    }

    public func path(_ name: String) -> String { FileSystem.join(folder, name) }

    /// The first billing day this ledger owns, if the ledger has been created.
    public func since() throws -> CivilDate? {
        let p = path("ledger.json")
        guard FileSystem.exists(p) else { return nil }
        let node = try JSONParser.parse(try FileSystem.read(p), file: p)
        guard let s = node["since"]?.stringValue, let d = CivilDate(parsing: s) else { throw StageFailure.io("\(p): unreadable") }
        return d
    }

    /// The `ledger.json` a first commit creates.
    public static func metaFile(since: CivilDate) -> (path: String, bytes: [UInt8]) {
        ("ledger.json", Array(JSONWriter.pretty(.object(["format": .int(1), "since": .string(since.description)])).utf8))
    }

    /// Every line issued so far, with its document number.
    public func issuedItems() throws -> [IssuedItem] {
        try ItemsCSV.read(path: path("items.csv")).map { IssuedItem(item: $0.item, documentNumber: $0.document) }
    }

    /// Per document number, the subscriptions its lines bill: two columns of the line index,
    /// read without building the lines (collections needs only these).
    public func documentSubscriptions() throws -> [String: Set<String>] {
        let p = path("items.csv")
        guard FileSystem.exists(p) else { return [:] }
        var out: [String: Set<String>] = [:]
        var columns: (subscription: Int, document: Int)?
        try CSVReader.read(path: p) { row in
            guard let (s, d) = columns else {
                let names = (0..<row.count).map { row.lossyString($0) }
                guard let s = names.firstIndex(of: "subscription_id"), let d = names.firstIndex(of: "document") else {
                    throw StageFailure.io("\(p): no subscription_id and document columns")
                }
                columns = (s, d)
                return
            }
            guard row.count > max(s, d) else { throw StageFailure.io("\(p):\(row.line): unreadable row") }
            out[row.lossyString(d), default: []].insert(row.lossyString(s))
        }
        return out
    }

    /// The register rows as text fields by column name.
    public func register() throws -> [LedgerRow] { try readRows("invoices.csv") }
    public func payments() throws -> [LedgerRow] { try readRows("payments.csv") }
    public func statuses() throws -> [LedgerRow] { try readRows("statuses.csv") }

    func readRows(_ name: String) throws -> [LedgerRow] {
        let p = path(name)
        guard FileSystem.exists(p) else { return [] }
        let t = try CSVTable.load(path: p, displayPath: p)
        let columns = Dictionary(t.header.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        return t.rows.map { LedgerRow(columns: columns, fields: $0.fields.map(CSVWriter.unneutralized)) }
    }

    /// Per subscription, the day dunning cancelled it (from the recorded status changes).
    public func dunningCancellations() throws -> [String: CivilDate] {
        var out: [String: CivilDate] = [:]
        for row in try statuses() where row["entity"] == "subscription" && row["to"] == "canceled" {
            if let id = row["id"], let d = CivilDate(parsing: row["date"] ?? "") { out[id] = min(out[id] ?? d, d) }
        }
        return out
    }

    /// The audit chain's tail: the hash of the last line and the next sequence number, the one
    /// after the last line's `seq` (which is its line number: `billing-verify` checks every one).
    /// Only the last line is read: the log gains a line per document and payment every month.
    public func auditLog() throws -> AuditLog {
        let p = path("audit.jsonl")
        guard FileSystem.exists(p), let last = try FileSystem.lastLine(of: p) else { return AuditLog(lastHash: AuditLog.genesis, nextSeq: 1) }
        guard let seq = AuditLog.seq(ofLine: last) else { throw StageFailure.io("\(p): the last line has no seq; run billing-verify") }
        return AuditLog(lastHash: SHA256.hex(last), nextSeq: seq + 1)
    }

    /// A new, empty commit on this ledger.
    public func newCommit() -> LedgerCommit { LedgerCommit(folder: folder) }

    /// Applies a commit; a no-op for an empty one, so a run with nothing new changes no file.
    public func commit(_ c: LedgerCommit) throws {
        guard !c.isEmpty else { return }
        try FileSystem.createDirectory(path("invoices"))
        try c.apply()
    }

    /// Numbering and credit state from the register.
    public func balances() throws -> LedgerBalances {
        var b = LedgerBalances()
        for row in try register() {
            let customer = row["customer_id"] ?? ""
            let total = try Ledger.money(row, "total", file: "invoices.csv")
            var credit = b.creditBalance[customer] ?? .zero(total.currency)
            if row["type"] == DocumentType.creditNote.rawValue {
                b.creditNoteCount += 1
                // A credit note that voided an invoice settled it; it is not spendable credit.
                if (row["voids"] ?? "").isEmpty { credit = try credit - total }
            } else {
                b.invoiceCount += 1
                credit = try credit - (try Ledger.money(row, "credit_applied", file: "invoices.csv"))
            }
            b.creditBalance[customer] = credit
        }
        return b
    }

    /// The amount in column `key` of a ledger row, in the row's `currency`.
    public static func money(_ row: LedgerRow, _ key: String, file: String) throws -> Money {
        guard let c = Currency(code: row["currency"] ?? ""), let m = Money(parsing: row[key] ?? "", currency: c) else {
            throw StageFailure.io("\(file): unreadable \(key) in row \(row)")
        }
        return m
    }

    /// Adds CSV rows to an append-only ledger file in `commit`, with the header if the file is new.
    public func appendRows(_ rows: [[String]], to name: String, header: [String], in commit: LedgerCommit) throws {
        try appendRows(bytes: Ledger.rowBytes(rows), to: name, header: header, in: commit)
    }

    /// Adds CSV rows already rendered by `rowBytes` (on another thread, say), with the header if
    /// the file is new.
    public func appendRows(bytes rows: [UInt8], to name: String, header: [String], in commit: LedgerCommit) throws {
        guard !rows.isEmpty else { return }
        if !FileSystem.exists(path(name)) && !commit.appends(to: name) {
            var bytes: [UInt8] = []
            CSVWriter.append(header, to: &bytes)
            try commit.append(name, bytes)
        }
        try commit.append(name, rows)
    }

    /// CSV rows as the bytes `appendRows` appends, without a header.
    public static func rowBytes(_ rows: [[String]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for row in rows { CSVWriter.append(row, to: &bytes) }
        return bytes
    }
}
