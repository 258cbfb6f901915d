import BillingCore
import BillingIO

/// The ledger as reporting reads it: the register, the issued lines, money collected and invoice statuses.
struct LedgerReportData {
    let ledger: Ledger
    let register: [RegisterEntry]
    let issued: [IssuedItem]
    let collections: [(invoice: String, date: CivilDate, amount: Money)]
    let collectionKinds: [String]
    let invoiceStatuses: [(invoice: String, date: CivilDate, status: InvoiceStatus)]

    /// The tax register, read on another core while the rest is read.
    private let taxRegister: Background<Result<[String: [TaxSummary]], Error>>

    init(ledger: Ledger) throws {
        self.ledger = ledger
        // The two largest files are read on other threads while this one reads the register,
        // payments and statuses.
        let lines = Background { Result { try ledger.issuedItems() } }
        taxRegister = Background { Result { try ledger.taxSummaries() } }
        register = try ledger.register().map { row in
            guard let type = DocumentType(rawValue: row["type"] ?? ""), let issued = CivilDate(parsing: row["issue_date"] ?? ""),
                let due = CivilDate(parsing: row["due_date"] ?? "")
            else { throw StageFailure.io("invoices.csv: unreadable row \(row)") }
            return RegisterEntry(
                number: row["number"] ?? "", type: type, issueDate: issued, dueDate: due, customerID: row["customer_id"] ?? "",
                total: try Ledger.money(row, "total", file: "invoices.csv"), creditApplied: try Ledger.money(row, "credit_applied", file: "invoices.csv"),
                amountDue: try Ledger.money(row, "amount_due", file: "invoices.csv"), voids: (row["voids"] ?? "").isEmpty ? nil : row["voids"])
        }
        let paid = try ledger.payments().map(PayStage.record).filter { $0.outcome != "declined" }
        collections = paid.map { ($0.invoiceNumber, $0.date, $0.amount) }
        collectionKinds = paid.map { $0.outcome == "received" ? "Bank transfer" : "Card payment" }
        invoiceStatuses = try ledger.statuses().filter { $0["entity"] == "invoice" }.map { row in
            guard let d = CivilDate(parsing: row["date"] ?? ""), let s = InvoiceStatus(rawValue: row["to"] ?? "") else {
                throw StageFailure.io("statuses.csv: unreadable row \(row)")
            }
            return (row["id"] ?? "", d, s)
        }
        issued = try lines.value().get()
    }

    /// The period's journal: each document issued and each payment collected in the window.
    func journal(window: DateRange, customers: [String: Customer], inclusive: Bool) throws -> [JournalTransaction] {
        var lines: [String: [ChargeItem]] = [:]
        for i in issued { lines[i.documentNumber, default: []].append(i.item) }
        var out: [JournalTransaction] = []
        // Each document's per-rate tax summary: from taxes.csv, or for a document issued before
        // the ledger had it, from the document's file (parsed over every core).
        let inWindow = register.filter { window.contains($0.issueDate) }
        let indexed = try taxRegister.value().get()
        let folder = ledger.folder
        let parsed = inWindow.parallelMap { r -> Result<[TaxSummary], Error> in
            if let known = indexed[r.number] { return .success(known) }
            return Result { try LedgerReportData.taxes(of: r, path: FileSystem.join(folder, "invoices/\(r.number).json")) }
        }
        for (r, taxes) in zip(inWindow, parsed) {
            out.append(GeneralLedger.document(r, customerName: customers[r.customerID]?.name ?? r.customerID, lines: lines[r.number] ?? [],
                                              taxes: try taxes.get(), inclusive: inclusive))
        }
        for (i, p) in collections.enumerated() where window.contains(p.date) {
            out.append(GeneralLedger.payment(invoice: p.invoice, date: p.date, amount: p.amount, how: collectionKinds[i]))
        }
        return out.enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element)
    }

    /// The per-rate tax summary of a document, from its JSON file.
    static func taxes(of r: RegisterEntry, path: String) throws -> [TaxSummary] {
        let doc = try JSONParser.parse(try FileSystem.read(path), file: path)
        return try (doc["tax"]?.arrayValue ?? []).map { t -> TaxSummary in
            guard let rate = ExactDecimal(parsing: t["rate"]?.stringValue ?? "", maxDecimals: 6),
                let tax = Money(parsing: t["tax"]?.stringValue ?? "", currency: r.total.currency),
                let taxable = Money(parsing: t["taxable"]?.stringValue ?? "", currency: r.total.currency)
            else { throw StageFailure.io("\(path): unreadable tax") }
            return TaxSummary(rate: rate, name: t["name"]?.stringValue ?? "", taxable: taxable, tax: tax)
        }
    }
}
