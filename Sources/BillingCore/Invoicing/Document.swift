/// Invoice or credit note, decided by the sign of the total (SPEC §5).
public enum DocumentType: String, Sendable, Hashable {
    case invoice
    case creditNote = "credit_note"
}

/// One line of a document.
public struct DocumentLine: Sendable, Hashable {
    public var item: ChargeItem
    public init(item: ChargeItem) { self.item = item }
}

/// An issued document: everything its canonical JSON file holds (SPEC §7).
public struct Document: Sendable, Hashable {
    public var number: String
    public var type: DocumentType
    public var issueDate: CivilDate
    public var dueDate: CivilDate
    public var currency: Currency
    public var seller: Seller
    public var customer: Customer
    public var lines: [ChargeItem]
    public var tax: DocumentTax
    /// Customer credit balance used on this invoice (≥ 0; zero on credit notes).
    public var creditApplied: Money
    /// `total − credit_applied` for invoices; zero for credit notes.
    public var amountDue: Money
    public var notes: [String]
    /// For a credit note, the invoices it corrects.
    public var references: [String]
    /// For a credit note that reverses an unpaid invoice whole, that invoice: it becomes `void`
    /// and the credit note settles it instead of adding to the customer's credit balance.
    public var voids: String? = nil

    /// The service dates the document covers: from its earliest line's start to its latest line's
    /// end (exclusive), the "date of supply" of EU invoices.
    public var supplyPeriod: DateRange {
        DateRange(lines.map(\.period.start).min() ?? issueDate, lines.map(\.period.end).max() ?? issueDate)
    }
}
