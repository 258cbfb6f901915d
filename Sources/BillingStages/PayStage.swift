import BillingCore
import BillingIO

/// `billing-pay`: runs every payment attempt due before the end of the window that has not run
/// yet (once: the key is invoice number + attempt), applies `payments_received.csv`, and records
/// attempts, receipts and status changes in the ledger in one commit.
public enum PayStage {
    static let paymentsHeader = ["key", "invoice_number", "attempt", "date", "outcome", "reason", "amount", "currency"]
    static let statusesHeader = ["date", "entity", "id", "from", "to", "reason"]

    /// - Parameter catalogs: the pipeline's cache of the normalised dataset, if it runs the stages
    ///   in one process.
    public static func run(_ config: PipelineConfig, catalogs: CatalogCache? = nil) throws {
        PhaseClock.start()
        let context = try StageContext(config, writesLedger: true, catalogs: catalogs)
        let ledger = context.ledger
        let result = try context.collect()
        PhaseClock.mark("collect")
        let commit = ledger.newCommit()
        var audit = try ledger.auditLog()
        var events = try ledger.eventFeed()
        // Events and audit entries are rendered a slice at a time over every core; the event ids
        // and the audit chain are then filled in, in order, and each slice goes to the commit
        // (memory holds one slice of entries, not the month's).
        func record<T: Sendable>(_ items: [T], _ entry: @escaping @Sendable (T) -> (EventFeed.Event, AuditLog.Draft)) throws {
            for start in stride(from: 0, to: items.count, by: 16_384) {
                let entries = Array(items[start..<min(start + 16_384, items.count)]).parallelMap(entry)
                events.add(entries.map(\.0))
                for e in entries { audit.add(e.1) }
                try commit.append("audit.jsonl", audit.takeBytes())
                try commit.append("events.jsonl", events.takeBytes())
            }
        }
        try record(result.records) { r in
            (EventFeed.Event(r.attempt == 0 ? "payment.received" : r.outcome == "succeeded" ? "payment.succeeded" : "payment.failed", on: r.date, [
                "invoice_number": .string(r.invoiceNumber), "attempt": .int(r.attempt), "amount": .string(r.amount.description),
                "currency": .string(r.amount.currency.code), "reason": .string(r.reason),
            ]),
            AuditLog.draft(r.attempt == 0 ? "payment.received" : "payment.attempt", [
                "key": .string(r.key), "invoice_number": .string(r.invoiceNumber), "date": .string(r.date.description),
                "outcome": .string(r.outcome), "amount": .string(r.amount.description), "currency": .string(r.amount.currency.code),
            ]))
        }
        try record(result.changes) { c in (c.event, c.audit) }
        if !result.records.isEmpty || !result.changes.isEmpty {
            audit.add("run", ["stage": .string("pay"), "period": .string(config.period), "attempts": .int(result.records.count),
                              "status_changes": .int(result.changes.count)])
            try commit.append("audit.jsonl", audit.takeBytes())
            try ledger.appendRows(result.records.map { r in
                [r.key, r.invoiceNumber, String(r.attempt), r.date.description, r.outcome, r.reason, r.amount.description, r.amount.currency.code]
            }, to: "payments.csv", header: paymentsHeader, in: commit)
            try ledger.appendRows(result.changes.map(\.row), to: "statuses.csv", header: statusesHeader, in: commit)
        }
        PhaseClock.mark("records")
        try ledger.commit(commit)
        PhaseClock.mark("commit")
        events.warnIfUnsigned()
        Console.error("pay: \(result.records.count) attempts and receipts, \(result.changes.count) status changes")
    }

    static func record(_ row: LedgerRow) throws -> PaymentRecord {
        guard let date = CivilDate(parsing: row["date"] ?? ""), let attempt = Int(row["attempt"] ?? "") else {
            throw StageFailure.io("payments.csv: unreadable row \(row)")
        }
        return PaymentRecord(
            key: row["key"] ?? "", invoiceNumber: row["invoice_number"] ?? "", attempt: attempt, date: date,
            amount: try Ledger.money(row, "amount", file: "payments.csv"), outcome: row["outcome"] ?? "",
            reason: row["reason"] ?? "")
    }
}
