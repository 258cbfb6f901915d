/// A register row as reporting needs it.
public struct RegisterEntry: Sendable, Hashable {
    public var number: String
    public var type: DocumentType
    public var issueDate: CivilDate
    public var dueDate: CivilDate
    public var customerID: String
    public var total: Money
    public var creditApplied: Money
    public var amountDue: Money
    /// The invoice a credit note voided, if any.
    public var voids: String?
    public init(number: String, type: DocumentType, issueDate: CivilDate, dueDate: CivilDate, customerID: String, total: Money,
                creditApplied: Money, amountDue: Money, voids: String?) {
        self.number = number
        self.type = type
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.customerID = customerID
        self.total = total
        self.creditApplied = creditApplied
        self.amountDue = amountDue
        self.voids = voids
    }
}

/// Receivables of one currency (definitions and a worked example in docs/metrics.md).
public struct ReceivablesFigures: Sendable, Hashable {
    public var invoicedInPeriod: Int64 = 0
    public var creditedInPeriod: Int64 = 0
    public var collectedInPeriod: Int64 = 0
    public var invoicedToDate: Int64 = 0
    public var creditedToDate: Int64 = 0
    public var collectedToDate: Int64 = 0
    /// Unpaid amounts of open invoices, and of uncollectible ones, at the period's end.
    public var open: Int64 = 0
    public var uncollectible: Int64 = 0
    /// Credit notes not yet used on an invoice (owed to customers).
    public var unappliedCredit: Int64 = 0
    /// open + uncollectible − unapplied credit, at the end and at the start of the period.
    public var outstanding: Int64 = 0
    public var outstandingAtStart: Int64 = 0
    /// Open invoices by days past due: current, 1–30, 31–60, 61–90, over 90.
    public var aging: [Int64] = [0, 0, 0, 0, 0]
    public init() {}

    /// invoiced − credited − collected = outstanding, to date and over the period.
    public var reconciles: Bool {
        invoicedToDate - creditedToDate - collectedToDate == outstanding
            && invoicedInPeriod - creditedInPeriod - collectedInPeriod == outstanding - outstandingAtStart
    }
}

public enum Receivables {
    public static let agingBuckets = ["current", "1-30", "31-60", "61-90", "over_90"]

    /// - Parameters:
    ///   - payments: (invoice number, date, amount) of every successful attempt and receipt.
    ///   - statuses: (invoice number, date, new status) of every invoice status change.
    public static func compute(
        register: [RegisterEntry], payments: [(invoice: String, date: CivilDate, amount: Money)],
        statuses: [(invoice: String, date: CivilDate, status: InvoiceStatus)], window: DateRange
    ) -> [Currency: ReceivablesFigures] {
        var out: [Currency: ReceivablesFigures] = [:]
        let asOf = window.end.adding(days: -1)
        for r in register where r.issueDate < window.end {
            var f = out[r.total.currency] ?? ReceivablesFigures()
            let inPeriod = window.contains(r.issueDate)
            switch r.type {
            case .invoice:
                f.invoicedToDate += r.total.minorUnits
                if inPeriod { f.invoicedInPeriod += r.total.minorUnits }
            case .creditNote:
                f.creditedToDate -= r.total.minorUnits
                if inPeriod { f.creditedInPeriod -= r.total.minorUnits }
            }
            out[r.total.currency] = f
        }
        for p in payments where p.date < window.end {
            var f = out[p.amount.currency] ?? ReceivablesFigures()
            f.collectedToDate += p.amount.minorUnits
            if window.contains(p.date) { f.collectedInPeriod += p.amount.minorUnits }
            out[p.amount.currency] = f
        }
        for c in Array(out.keys) {
            var f = out[c]!
            var aging = [Int64](repeating: 0, count: 5)
            f.outstanding = balance(register, payments, statuses, currency: c, asOf: asOf, aging: &aging, parts: &f)
            f.aging = aging
            var ignoredAging = aging
            var ignoredParts = ReceivablesFigures()
            f.outstandingAtStart = balance(
                register, payments, statuses, currency: c, asOf: window.start.adding(days: -1), aging: &ignoredAging, parts: &ignoredParts)
            out[c] = f
        }
        return out
    }

    /// open + uncollectible − unapplied credit on `asOf`; fills the parts and the aging of open invoices.
    static func balance(
        _ register: [RegisterEntry], _ payments: [(invoice: String, date: CivilDate, amount: Money)],
        _ statuses: [(invoice: String, date: CivilDate, status: InvoiceStatus)], currency: Currency, asOf: CivilDate,
        aging: inout [Int64], parts: inout ReceivablesFigures
    ) -> Int64 {
        var paid: [String: Int64] = [:]
        for p in payments where p.date <= asOf { paid[p.invoice, default: 0] += p.amount.minorUnits }
        var status: [String: InvoiceStatus] = [:]
        for s in statuses where s.date <= asOf { status[s.invoice] = s.status }
        var open: Int64 = 0, uncollectible: Int64 = 0, credit: Int64 = 0
        for r in register where r.issueDate <= asOf && r.total.currency == currency {
            switch r.type {
            case .invoice:
                credit -= r.creditApplied.minorUnits
                let unpaid = r.amountDue.minorUnits - (paid[r.number] ?? 0)
                switch status[r.number] ?? .open {
                case .void, .paid: break
                case .uncollectible: uncollectible += unpaid
                case .open:
                    open += unpaid
                    let late = r.dueDate.days(to: asOf)
                    aging[late <= 0 ? 0 : late <= 30 ? 1 : late <= 60 ? 2 : late <= 90 ? 3 : 4] += unpaid
                }
            case .creditNote:
                if r.voids == nil { credit -= r.total.minorUnits }
            }
        }
        parts.open = open
        parts.uncollectible = uncollectible
        parts.unappliedCredit = credit
        return open + uncollectible - credit
    }
}
