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
        text = Array(DocumentText.render(d).utf8)
        html = Array(DocumentHTML.render(d).utf8)
        digest = SHA256.hex(json)
        textDigest = SHA256.hex(text)
        htmlDigest = SHA256.hex(html)
    }
}

/// A batch of documents rendered off the invoice stage's thread: their files, and the rows they
/// add to the register, the line index, the tax register and the status log, as CSV bytes
/// without headers. The thread that creates the files only appends these; the audit log and the
/// event feed, which are chained from entry to entry, stay on it.
struct RenderedBatch: Sendable {
    let documents: [RenderedDocument]
    let register: [UInt8]
    let index: [UInt8]
    let taxes: [UInt8]
    let statuses: [UInt8]

    init(_ batch: [Document]) {
        documents = batch.map(RenderedDocument.init)
        var register: [[String]] = [], index: [[String]] = [], taxes: [[String]] = [], statuses: [[String]] = []
        for (d, r) in zip(batch, documents) {
            register.append([
                d.number, d.type.rawValue, d.issueDate.description, d.dueDate.description, d.customer.id, d.customer.name,
                d.currency.code, d.tax.subtotal.description, d.tax.taxTotal.description, d.tax.total.description,
                d.creditApplied.description, d.amountDue.description, r.digest, d.voids ?? "",
            ])
            if let voided = d.voids {
                statuses.append([d.issueDate.description, "invoice", voided, "open", "void", "fully credited by \(d.number)"])
            }
            index += d.lines.map { ItemsCSV.row($0) + [d.number] }
            taxes += Ledger.taxRows(document: d.number, d.tax.summaries)
        }
        self.register = Ledger.rowBytes(register)
        self.index = Ledger.rowBytes(index)
        self.taxes = Ledger.rowBytes(taxes)
        self.statuses = Ledger.rowBytes(statuses)
    }
}
