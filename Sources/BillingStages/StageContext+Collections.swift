import BillingCore
import BillingIO

extension StageContext {
    /// Runs collections for the window on everything the ledger has issued: the payment attempts
    /// due (each once), the receipts, and the status changes they cause. Pure given the ledger and
    /// the dataset, so the rate stage can ask it which subscriptions dunning cancels in the window
    /// before billing them, and the pay stage then records exactly that.
    ///
    /// - Parameter predicting: leave out receipts for invoices not issued yet (the run's own invoice
    ///   stage has not issued them); they cannot change the retries of invoices already issued.
    func collect(predicting: Bool = false) throws -> Collections.Result {
        let customers = catalog.customers
        let subscriptionsOf = try ledger.documentSubscriptions()
        var receivables: [Receivable] = []
        for row in try ledger.register() where row["type"] == DocumentType.invoice.rawValue {
            let number = row["number"] ?? "", customerID = row["customer_id"] ?? ""
            guard let issued = CivilDate(parsing: row["issue_date"] ?? "") else {
                throw StageFailure.io("\(ledger.path("invoices.csv")): unreadable row for \(number)")
            }
            receivables.append(Receivable(
                number: number, customerID: customerID, issueDate: issued, amountDue: try Ledger.money(row, "amount_due", file: "invoices.csv"),
                subscriptionIDs: (subscriptionsOf[number] ?? []).sorted(), method: customers[customerID]?.paymentMethod))
        }
        let currencyOf = Dictionary(uniqueKeysWithValues: receivables.map { ($0.number, $0.amountDue.currency) })
        let receipts = try receipts(currencyOf: currencyOf, onlyKnown: predicting)
        let done = try ledger.payments().map(PayStage.record)
        var invoiceStatus: [String: InvoiceStatus] = [:]
        var subscriptionStatus: [String: SubscriptionStatus] = [:]
        for row in try ledger.statuses() {
            if row["entity"] == "invoice" { invoiceStatus[row["id"] ?? ""] = InvoiceStatus(rawValue: row["to"] ?? "") }
            if row["entity"] == "subscription" { subscriptionStatus[row["id"] ?? ""] = SubscriptionStatus(rawValue: row["to"] ?? "") }
        }
        do {
            return try Collections(settings: config.settings).run(
                receivables: receivables, receipts: receipts, done: done, window: config.window, invoiceStatus: invoiceStatus,
                subscriptionStatus: subscriptionStatus)
        } catch let e as ReceiptError {
            throw StageFailure.data([error(at: e.receipt.source, field: e.field, e.problem, value: e.value)])
        }
    }

    /// Per subscription, the day dunning cancelled it or will cancel it within this window: the
    /// ledger's record plus the outcome of the attempts due in the window on invoices already issued.
    func dunningEnds() throws -> [String: CivilDate] {
        var ends = try ledger.dunningCancellations()
        guard FileSystem.exists(ledger.path("invoices.csv")) else { return ends }
        let predicted: Collections.Result
        do { predicted = try collect(predicting: true) } catch StageFailure.data {
            return ends  // a receipt that cannot be applied is billing-pay's to report
        }
        for c in predicted.changes where c.entity == "subscription" && c.to == SubscriptionStatus.canceled.rawValue {
            ends[c.id] = min(ends[c.id] ?? c.date, c.date)
        }
        return ends
    }

    /// Receipts dated before the window's end, with idempotency keys: invoice, date, amount and the
    /// ordinal among identical rows.
    func receipts(currencyOf: [String: Currency], onlyKnown: Bool = false) throws -> [Receipt] {
        var seen: [String: Int] = [:]
        // A receipt dated after the window is applied by the run whose window holds it.
        return try catalog.paymentsReceived.filter { $0.date < config.window.end && (!onlyKnown || currencyOf[$0.invoiceNumber] != nil) }.sorted { ($0.date, $0.invoiceNumber, $0.source.line) < ($1.date, $1.invoiceNumber, $1.source.line) }.map { p in
            guard let currency = currencyOf[p.invoiceNumber] else {
                throw StageFailure.data([error(at: p.source, field: "invoice_number", "unknown invoice number", value: p.invoiceNumber)])
            }
            guard let amount = Money(exactly: p.amount, currency: currency) else {
                let problem = p.amount.normalized.scale > currency.exponent
                    ? "more decimals than \(currency.code) has" : "too large: an amount holds up to 2^63 − 1 minor units"
                throw StageFailure.data([error(at: p.source, field: "amount", problem, value: p.amount.description)])
            }
            let base = "\(p.invoiceNumber)@\(p.date)@\(amount)"
            seen[base, default: 0] += 1
            return Receipt(key: "\(base)#\(seen[base]!)", invoiceNumber: p.invoiceNumber, date: p.date, amount: amount, source: p.source)
        }
    }
}
