/// The ledger's running state that numbering and credit need: the next number of each series and
/// each customer's credit balance.
public struct LedgerBalances: Sendable {
    public var invoiceCount: Int
    public var creditNoteCount: Int
    /// Per customer: credit notes issued minus credit already applied (≥ 0).
    public var creditBalance: [String: Money]
    public init(invoiceCount: Int = 0, creditNoteCount: Int = 0, creditBalance: [String: Money] = [:]) {
        self.invoiceCount = invoiceCount
        self.creditNoteCount = creditNoteCount
        self.creditBalance = creditBalance
    }
}

/// Turns pending items into documents (SPEC §5): one per customer per issue date, typed by the
/// sign of its total, taxed, numbered gaplessly in `(issue date, customer_id)` order, with credit
/// balances applied to later invoices.
public struct DocumentBuilder: Sendable {
    public let settings: BillingSettings
    public init(settings: BillingSettings) { self.settings = settings }

    /// Document numbers are the prefix and a six-digit sequence (more digits when it outgrows them).
    public static func number(prefix: String, _ n: Int) -> String {
        let digits = String(n)
        return prefix + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Builds the documents of `items` (their drafts made one after another, then numbered).
    ///
    /// - Parameters:
    ///   - invoiceTotals: the totals of invoices issued before, by number.
    ///   - voidable: whether an invoice is still unpaid and could not have been collected by the
    ///     given date (decided by the caller from payments and receipts).
    public func build(
        items: [ChargeItem], window: DateRange, customers: [String: Customer], issued: [IssuedItem], balances: inout LedgerBalances,
        invoiceTotals: [String: Money] = [:], voidable: (String, CivilDate) -> Bool = { _, _ in false }
    ) throws(ArithmeticOverflow) -> [Document] {
        let drafts = try DocumentDraft.groups(items: items, window: window).map { g throws(ArithmeticOverflow) in try draft(g, customers: customers) }
        return try build(drafts: drafts, issued: issued, balances: &balances, invoiceTotals: invoiceTotals, voidable: voidable)
    }

    /// Numbers `drafts` (in the order of `DocumentDraft.groups`) into documents: each series
    /// continues from `balances`, a credit note adds to its customer's credit balance (or voids
    /// the one unpaid invoice it reverses whole), and an invoice uses that balance.
    public func build(
        drafts: [DocumentDraft], issued: [IssuedItem], balances: inout LedgerBalances,
        invoiceTotals: [String: Money] = [:], voidable: (String, CivilDate) -> Bool = { _, _ in false }
    ) throws(ArithmeticOverflow) -> [Document] {
        var invoiceTotals = invoiceTotals
        // Issued lines by subscription, including this run's documents as they are built.
        var issuedSoFar: [String: [IssuedItem]] = Dictionary(grouping: issued, by: \.item.subscriptionID)
        var documents: [Document] = []
        documents.reserveCapacity(drafts.count)
        for draft in drafts {
            let customer = draft.customer
            let lines = draft.lines
            let tax = draft.tax
            let currency = customer.currency
            let type: DocumentType = tax.total.minorUnits < 0 ? .creditNote : .invoice
            let number: String
            let balance = balances.creditBalance[customer.id]
            var credit = balance ?? .zero(currency)
            var creditApplied = Money.zero(currency)
            var amountDue = Money.zero(currency)
            var references: [String] = []
            var notes: [String] = []
            var voids: String?
            switch type {
            case .invoice:
                balances.invoiceCount += 1
                number = DocumentBuilder.number(prefix: settings.invoicePrefix, balances.invoiceCount)
                creditApplied = Money(minorUnits: min(credit.minorUnits, tax.total.minorUnits), currency: currency)
                credit = try credit - creditApplied
                amountDue = try tax.total - creditApplied
            case .creditNote:
                balances.creditNoteCount += 1
                number = DocumentBuilder.number(prefix: settings.creditNotePrefix, balances.creditNoteCount)
                references = Self.references(for: lines, in: issuedSoFar)
                if references.count == 1, let total = invoiceTotals[references[0]], total.minorUnits == -tax.total.minorUnits,
                    customer.paymentMethod == nil, voidable(references[0], draft.issueDate)
                {
                    voids = references[0]
                    notes.append("Credit note for \(references[0]), which is void")
                } else {
                    credit = try credit + (-tax.total)
                    if !references.isEmpty { notes.append("Credit note for \(references.joined(separator: ", "))") }
                }
            }
            // A customer with no balance and none now keeps no entry (absent is zero).
            if balance != nil || credit.minorUnits != 0 { balances.creditBalance[customer.id] = credit }
            notes += draft.treatmentNotes
            let due = type == .invoice && customer.paymentMethod == nil ? draft.issueDate.adding(days: settings.paymentTermsDays) : draft.issueDate
            documents.append(Document(
                number: number, type: type, issueDate: draft.issueDate, dueDate: due, currency: currency, seller: settings.seller,
                customer: customer, lines: lines, tax: tax, creditApplied: creditApplied, amountDue: amountDue, notes: notes,
                references: references, voids: voids))
            if type == .invoice && creditApplied.minorUnits == 0 { invoiceTotals[number] = tax.total }
            for line in lines { issuedSoFar[line.subscriptionID, default: []].append(IssuedItem(item: line, documentNumber: number)) }
        }
        return documents
    }

    /// The invoices holding charges of the same subscriptions over overlapping service periods
    /// (`issued`: the lines issued so far, by subscription).
    static func references(for lines: [ChargeItem], in issued: [String: [IssuedItem]]) -> [String] {
        var refs: Set<String> = []
        for line in lines {
            for i in issued[line.subscriptionID] ?? [] where i.item.amount.minorUnits > 0 && i.item.period.clamped(to: line.period) != nil {
                refs.insert(i.documentNumber)
            }
        }
        return refs.sorted()
    }
}
