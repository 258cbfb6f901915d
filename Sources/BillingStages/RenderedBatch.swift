import BillingCore
import BillingIO

/// A document's three files and their SHA-256 digests, computed off the stage's thread.
struct RenderedDocument: Sendable {
    let json: [UInt8]
    let text: [UInt8]
    let html: [UInt8]
    let digest: String
    let textDigest: String
    let htmlDigest: String

    init(_ d: Document) {
        json = DocumentJSON.bytes(d)
        text = DocumentText.bytes(d)
        html = DocumentHTML.bytes(d)
        digest = SHA256.hex(json)
        textDigest = SHA256.hex(text)
        htmlDigest = SHA256.hex(html)
    }
}

/// A batch of documents rendered off the invoice stage's thread: their files, the rows they add
/// to the register, the line index, the tax register and the status log (CSV bytes without
/// headers), their events and their audit entries. The thread that creates the files only
/// appends these, and fills in the audit chain.
struct RenderedBatch: Sendable {
    let documents: [RenderedDocument]
    let register: [UInt8]
    let index: [UInt8]
    let taxes: [UInt8]
    let statuses: [UInt8]
    let events: EventFeed.Rendered
    let audit: [AuditLog.Draft]

    /// The events a document adds: its issue, and before it the voiding of the invoice it voids.
    static func eventCount(_ d: Document) -> Int { d.voids == nil ? 1 : 2 }

    /// - Parameters:
    ///   - eventsFrom: the id of the batch's first event (the feed's next id plus the events of
    ///     the batches before it).
    init(_ batch: [Document], feed: EventFeed, eventsFrom seq: Int) {
        documents = batch.map(RenderedDocument.init)
        var register: [[String]] = [], index: [[String]] = [], taxes: [[String]] = [], statuses: [[String]] = []
        var events: [EventFeed.Event] = [], audit: [AuditLog.Draft] = []
        for (d, r) in zip(batch, documents) {
            if let voided = d.voids {
                let change = StatusChange(
                    date: d.issueDate, entity: "invoice", id: voided, from: InvoiceStatus.open.rawValue, to: InvoiceStatus.void.rawValue,
                    reason: "fully credited by \(d.number)")
                statuses.append(change.row)
                events.append(change.event)
                audit.append(change.audit)
            }
            events.append(EventFeed.Event(d.type == .invoice ? "invoice.issued" : "credit_note.issued", on: d.issueDate, [
                "number": .string(d.number), "customer_id": .string(d.customer.id), "currency": .string(d.currency.code),
                "total": .string(d.tax.total.description), "amount_due": .string(d.amountDue.description), "due_date": .string(d.dueDate.description),
            ]))
            audit.append(AuditLog.draft("document.issued", [
                "number": .string(d.number), "type": .string(d.type.rawValue), "file": .string("invoices/\(d.number).json"),
                "sha256": .string(r.digest), "text_sha256": .string(r.textDigest), "html_sha256": .string(r.htmlDigest),
                "customer_id": .string(d.customer.id), "issue_date": .string(d.issueDate.description),
                "total": .string(d.tax.total.description), "currency": .string(d.currency.code),
            ]))
            register.append([
                d.number, d.type.rawValue, d.issueDate.description, d.dueDate.description, d.customer.id, d.customer.name,
                d.currency.code, d.tax.subtotal.description, d.tax.taxTotal.description, d.tax.total.description,
                d.creditApplied.description, d.amountDue.description, r.digest, d.voids ?? "",
            ])
            index += d.lines.map { ItemsCSV.row($0) + [d.number] }
            taxes += Ledger.taxRows(document: d.number, d.tax.summaries)
        }
        self.register = Ledger.rowBytes(register)
        self.index = Ledger.rowBytes(index)
        self.taxes = Ledger.rowBytes(taxes)
        self.statuses = Ledger.rowBytes(statuses)
        self.events = feed.render(events, from: seq)
        self.audit = audit
    }
}
