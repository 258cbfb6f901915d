/// An invoice as collections sees it.
public struct Receivable: Sendable, Hashable {
    public var number: String
    public var customerID: String
    public var issueDate: CivilDate
    public var amountDue: Money
    public var subscriptionIDs: [String]
    public var method: PaymentMethod?
    public init(number: String, customerID: String, issueDate: CivilDate, amountDue: Money, subscriptionIDs: [String], method: PaymentMethod?) {
        self.number = number
        self.customerID = customerID
        self.issueDate = issueDate
        self.amountDue = amountDue
        self.subscriptionIDs = subscriptionIDs
        self.method = method
    }
}

/// One payment attempt or receipt (`LEDGER/payments.csv`). `key` is its idempotency key.
public struct PaymentRecord: Sendable, Hashable {
    public var key: String
    public var invoiceNumber: String
    /// 1, 2, … for gateway attempts; 0 for a receipt.
    public var attempt: Int
    public var date: CivilDate
    public var amount: Money
    /// `succeeded`, `declined` or `received`.
    public var outcome: String
    public var reason: String
    public init(key: String, invoiceNumber: String, attempt: Int, date: CivilDate, amount: Money, outcome: String, reason: String) {
        self.key = key
        self.invoiceNumber = invoiceNumber
        self.attempt = attempt
        self.date = date
        self.amount = amount
        self.outcome = outcome
        self.reason = reason
    }
}

/// A bank transfer to apply (from `payments_received.csv`), with its idempotency key.
public struct Receipt: Sendable, Hashable {
    public var key: String
    public var invoiceNumber: String
    public var date: CivilDate
    public var amount: Money
    public var source: SourceLocation
    public init(key: String, invoiceNumber: String, date: CivilDate, amount: Money, source: SourceLocation) {
        self.key = key
        self.invoiceNumber = invoiceNumber
        self.date = date
        self.amount = amount
        self.source = source
    }
}

/// A receipt that cannot be applied: `field` is the column of `payments_received.csv` at fault.
public struct ReceiptError: Error, Sendable {
    public var receipt: Receipt
    public var field: String
    public var problem: String
    public var value: String
}

/// Runs collections for one window (SPEC §6): every gateway attempt dated before the window's
/// end that has not run yet runs now, once; receipts are applied; invoice and subscription
/// statuses follow. Pure: the pay stage supplies the ledger's history and records the result.
public struct Collections: Sendable {
    public let settings: BillingSettings
    public init(settings: BillingSettings) { self.settings = settings }

    /// The attempt dates of an invoice: the issue date, then each retry day after it.
    public func attemptDates(issued: CivilDate) -> [CivilDate] {
        [issued] + settings.retryDays.map { issued.adding(days: $0) }
    }

    public struct Result: Sendable {
        public var records: [PaymentRecord] = []
        public var changes: [StatusChange] = []
    }

    /// - Parameters:
    ///   - done: payment records already in the ledger.
    ///   - invoiceStatus / subscriptionStatus: current statuses (missing means open / active).
    public func run(
        receivables: [Receivable], receipts: [Receipt], done: [PaymentRecord], window: DateRange,
        invoiceStatus: [String: InvoiceStatus], subscriptionStatus: [String: SubscriptionStatus]
    ) throws -> Result {
        var result = Result()
        var invoiceStatus = invoiceStatus
        var subStatus = subscriptionStatus
        let doneKeys = Set(done.map(\.key))
        var paid: [String: Money] = [:]
        for r in done where r.outcome != "declined" { paid[r.invoiceNumber] = try (paid[r.invoiceNumber] ?? .zero(r.amount.currency)) + r.amount }
        let byNumber = Dictionary(uniqueKeysWithValues: receivables.indices.map { (receivables[$0].number, $0) })

        // Every event of this window in date order: attempts (by invoice, attempt) and receipts.
        // Events name their receivable or receipt by index: sorting 100k whole receivables moved
        // far more bytes than it compared.
        enum Event { case attempt(receivable: Int, attempt: Int, date: CivilDate), receipt(Int) }
        var events: [(date: CivilDate, order: String, event: Event)] = []
        for (k, r) in receivables.enumerated() where r.method != nil && r.amountDue.minorUnits > 0 {
            for (i, date) in attemptDates(issued: r.issueDate).enumerated() where date < window.end {
                events.append((date, "\(r.number)#\(i + 1)", .attempt(receivable: k, attempt: i + 1, date: date)))
            }
        }
        for (k, rc) in receipts.enumerated() where rc.date < window.end { events.append((rc.date, "~" + rc.key, .receipt(k))) }
        events.sort { ($0.date, $0.order) < ($1.date, $1.order) }

        func setInvoice(_ number: String, _ to: InvoiceStatus, _ date: CivilDate, _ reason: String) throws {
            let from = invoiceStatus[number] ?? .open
            guard from != to else { return }
            guard from.canMove(to: to) else { throw IllegalTransition(entity: "invoice", id: number, from: from.rawValue, to: to.rawValue) }
            invoiceStatus[number] = to
            result.changes.append(StatusChange(date: date, entity: "invoice", id: number, from: from.rawValue, to: to.rawValue, reason: reason))
        }
        func setSubscriptions(_ r: Receivable, _ to: SubscriptionStatus, _ date: CivilDate, _ reason: String) throws {
            for id in r.subscriptionIDs {
                let from = subStatus[id] ?? .active
                guard from != to, from != .canceled else { continue }
                guard from.canMove(to: to) else { throw IllegalTransition(entity: "subscription", id: id, from: from.rawValue, to: to.rawValue) }
                subStatus[id] = to
                result.changes.append(StatusChange(date: date, entity: "subscription", id: id, from: from.rawValue, to: to.rawValue, reason: reason))
            }
        }
        func outstanding(_ r: Receivable) throws -> Money { try r.amountDue - (paid[r.number] ?? .zero(r.amountDue.currency)) }

        // Invoices with nothing to collect are paid on issue.
        for r in receivables where r.amountDue.minorUnits == 0 && (invoiceStatus[r.number] ?? .open) == .open && r.issueDate < window.end {
            try setInvoice(r.number, .paid, r.issueDate, "nothing due")
        }
        var stopped: Set<String> = Set(done.filter { $0.reason == "card_declined" }.map(\.invoiceNumber))
        for (_, _, event) in events {
            switch event {
            case .attempt(let k, let n, let date):
                let r = receivables[k]
                let key = "\(r.number)#\(n)"
                if doneKeys.contains(key) { continue }
                guard (invoiceStatus[r.number] ?? .open) == .open, !stopped.contains(r.number) else { continue }
                let due = try outstanding(r)
                guard due.minorUnits > 0 else { continue }
                let outcome = Gateway.outcome(method: r.method!, seed: settings.paymentSeed, invoiceNumber: r.number, attempt: n)
                result.records.append(PaymentRecord(
                    key: key, invoiceNumber: r.number, attempt: n, date: date, amount: outcome.succeeded ? due : .zero(due.currency),
                    outcome: outcome.succeeded ? "succeeded" : "declined", reason: outcome.reason))
                if outcome.succeeded {
                    paid[r.number] = try (paid[r.number] ?? .zero(due.currency)) + due
                    try setInvoice(r.number, .paid, date, "payment succeeded")
                    try setSubscriptions(r, .active, date, "payment succeeded")
                    continue
                }
                try setSubscriptions(r, .pastDue, date, "payment failed: \(outcome.reason)")
                var isFinal = n == settings.retryDays.count + 1
                if case .hardDecline = outcome { isFinal = true; stopped.insert(r.number) }
                if isFinal && settings.afterFinalFailure == .cancel {
                    try setInvoice(r.number, .uncollectible, date, "final payment attempt failed")
                    try setSubscriptions(r, .canceled, date, "final payment attempt failed")
                }
            case .receipt(let k):
                let rc = receipts[k]
                if doneKeys.contains(rc.key) { continue }
                guard let r = byNumber[rc.invoiceNumber].map({ receivables[$0] }) else {
                    throw ReceiptError(receipt: rc, field: "invoice_number", problem: "unknown invoice number", value: rc.invoiceNumber)
                }
                guard (invoiceStatus[r.number] ?? .open) == .open else {
                    throw ReceiptError(receipt: rc, field: "invoice_number", problem: "invoice is \((invoiceStatus[r.number] ?? .open).rawValue), not open",
                                       value: rc.invoiceNumber)
                }
                let due = try outstanding(r)
                if rc.amount.minorUnits > due.minorUnits {
                    throw ReceiptError(receipt: rc, field: "amount", problem: "overpayment: \(r.number) has \(due) \(due.currency) outstanding",
                                       value: rc.amount.description)
                }
                result.records.append(PaymentRecord(key: rc.key, invoiceNumber: r.number, attempt: 0, date: rc.date, amount: rc.amount, outcome: "received", reason: "bank transfer"))
                paid[r.number] = try (paid[r.number] ?? .zero(rc.amount.currency)) + rc.amount
                if try outstanding(r).minorUnits == 0 {
                    try setInvoice(r.number, .paid, rc.date, "paid by transfer")
                    try setSubscriptions(r, .active, rc.date, "paid by transfer")
                }
            }
        }
        return result
    }
}
