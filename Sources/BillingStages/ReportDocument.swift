import BillingCore
import BillingIO

/// The report's content and its renderings: `report.json` (stable keys) and `report.md`.
struct ReportDocument {
    var period: String
    var asOf: CivilDate
    var reporting: Currency
    var mrr: MRRSnapshot
    var movements: [Currency: MRRMovements]
    var reportingMovements: MRRMovements
    var retention: Retention
    var subscriptionsByStatus: [String: Int]
    var receivables: [Currency: ReceivablesFigures]
    var usageRevenue: [Currency: Money]

    static func amounts(_ m: [Currency: Money]) -> JSONNode {
        .object(Dictionary(uniqueKeysWithValues: m.map { ($0.key.code, JSONNode.string($0.value.description)) }))
    }

    static func money(_ minor: Int64, _ c: Currency) -> String { Money(minorUnits: minor, currency: c).description }

    static let movementKeys = ["start", "new", "expansion", "contraction", "churned", "reactivated", "end"]

    static func values(_ m: MRRMovements) -> [Int64] { [m.start, m.new, m.expansion, m.contraction, m.churned, m.reactivated, m.end] }

    static func movementNode(_ m: MRRMovements, _ c: Currency) -> JSONNode {
        .object(Dictionary(uniqueKeysWithValues: zip(movementKeys, values(m)).map { ($0, JSONNode.string(money($1, c))) }))
    }

    static func receivablesNode(_ f: ReceivablesFigures, _ c: Currency) -> JSONNode {
        .object([
            "period": .object(["invoiced": .string(money(f.invoicedInPeriod, c)), "credited": .string(money(f.creditedInPeriod, c)),
                               "collected": .string(money(f.collectedInPeriod, c))]),
            "to_date": .object(["invoiced": .string(money(f.invoicedToDate, c)), "credited": .string(money(f.creditedToDate, c)),
                                "collected": .string(money(f.collectedToDate, c))]),
            "open": .string(money(f.open, c)), "uncollectible": .string(money(f.uncollectible, c)),
            "unapplied_credit": .string(money(f.unappliedCredit, c)), "outstanding": .string(money(f.outstanding, c)),
            "outstanding_at_start": .string(money(f.outstandingAtStart, c)),
            "aging": .object(Dictionary(uniqueKeysWithValues: zip(Receivables.agingBuckets, f.aging).map { ($0, JSONNode.string(money($1, c))) })),
        ])
    }

    var json: JSONNode {
        let m = reportingMovements
        return .object([
            "period": .string(period), "as_of": .string(asOf.description), "reporting_currency": .string(reporting.code),
            "mrr": .object(["by_currency": Self.amounts(mrr.byCurrency), "reporting": mrr.reporting.map { .string($0.description) } ?? .null]),
            "movements": .object([
                "by_currency": .object(Dictionary(uniqueKeysWithValues: movements.map { ($0.key.code, Self.movementNode($0.value, $0.key)) })),
                "reporting": Self.movementNode(m, reporting),
            ]),
            "customers": .object([
                "paying_at_start": .int(m.customersAtStart), "paying_at_end": .int(m.customersAtEnd), "new": .int(m.newCustomers),
                "churned": .int(m.churnedCustomers), "reactivated": .int(m.reactivatedCustomers),
            ]),
            "metrics": .object([
                "logo_churn_percent": .string(retention.logoChurn), "revenue_churn_percent": .string(retention.revenueChurn),
                "net_revenue_retention_percent": .string(retention.netRevenueRetention),
                "arpa": .string(retention.arpa.map { Self.money($0, reporting) } ?? "n/a"),
                "ltv": .string(retention.ltv.map { Self.money($0, reporting) } ?? "n/a"),
            ]),
            "usage_revenue": Self.amounts(usageRevenue),
            "subscriptions_by_status": .object(subscriptionsByStatus.mapValues { .int($0) }),
            "receivables": .object(Dictionary(uniqueKeysWithValues: receivables.map { ($0.key.code, Self.receivablesNode($0.value, $0.key)) })),
        ])
    }

    var markdown: String {
        let rc = reporting
        var md = ["# Billing report \(period)", "", "Figures as of the end of \(asOf); reporting currency \(rc.code). Definitions: docs/metrics.md.", "",
                  "![MRR and its movements](mrr.svg)", "", "## MRR", "", "| Currency | MRR |", "|---|---:|"]
        md += mrr.byCurrency.sorted { $0.key < $1.key }.map { "| \($0.key.code) | \($0.value) |" }
        if let r = mrr.reporting { md.append("| **Total in \(rc.code)** | **\(r)** |") }
        md += ["", "## MRR movements", "", "| | " + (movements.keys.sorted().map(\.code) + ["in \(rc.code)"]).joined(separator: " | ") + " |",
               "|---|" + String(repeating: "---:|", count: movements.count + 1)]
        let columns = movements.sorted { $0.key < $1.key }.map { (Self.values($0.value), $0.key) } + [(Self.values(reportingMovements), rc)]
        for (i, key) in Self.movementKeys.enumerated() {
            md.append("| \(key == "start" ? "MRR at start" : key == "end" ? "MRR at end" : key) | " + columns.map { Self.money($0.0[i], $0.1) }.joined(separator: " | ") + " |")
        }
        let m = reportingMovements
        md += ["", "## Customers and retention", "", "| Figure | Value |", "|---|---:|",
               "| Paying customers at start | \(m.customersAtStart) |", "| Paying customers at end | \(m.customersAtEnd) |",
               "| New / churned / reactivated customers | \(m.newCustomers) / \(m.churnedCustomers) / \(m.reactivatedCustomers) |",
               "| Logo churn | \(retention.logoChurn) % |", "| Revenue churn | \(retention.revenueChurn) % |",
               "| Net revenue retention | \(retention.netRevenueRetention) % |",
               "| ARPA (\(rc.code)) | \(retention.arpa.map { Self.money($0, rc) } ?? "n/a") |",
               "| LTV (\(rc.code)) | \(retention.ltv.map { Self.money($0, rc) } ?? "n/a") |", ""]
        md += ["## Subscriptions by status", "", "| Status | Subscriptions |", "|---|---:|"]
        md += subscriptionsByStatus.sorted { $0.key < $1.key }.map { "| \($0.key) | \($0.value) |" }
        md += ["", "## Usage revenue invoiced in \(period)", "", "| Currency | Usage |", "|---|---:|"]
        md += usageRevenue.isEmpty ? ["| – | 0 |"] : usageRevenue.sorted { $0.key < $1.key }.map { "| \($0.key.code) | \($0.value) |" }
        md += ["", "## Receivables", "", "| Currency | Invoiced | Credited | Collected | Outstanding at start | Outstanding at end | of which open | uncollectible | customer credit |",
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for (c, f) in receivables.sorted(by: { $0.key < $1.key }) {
            md.append("| \(c.code) | \(Self.money(f.invoicedInPeriod, c)) | \(Self.money(f.creditedInPeriod, c)) | \(Self.money(f.collectedInPeriod, c)) | \(Self.money(f.outstandingAtStart, c)) | \(Self.money(f.outstanding, c)) | \(Self.money(f.open, c)) | \(Self.money(f.uncollectible, c)) | \(Self.money(-f.unappliedCredit, c)) |")
        }
        md += ["", "Aging of open invoices at \(asOf), by days past due:", "", "| Currency | current | 1–30 | 31–60 | 61–90 | over 90 |", "|---|---:|---:|---:|---:|---:|"]
        for (c, f) in receivables.sorted(by: { $0.key < $1.key }) { md.append("| \(c.code) | " + f.aging.map { Self.money($0, c) }.joined(separator: " | ") + " |") }
        md += ["", "The period's double-entry journal is in `journal.ledger` (hledger and ledger read it)."]
        return md.joined(separator: "\n") + "\n"
    }
}
