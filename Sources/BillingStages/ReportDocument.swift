import BillingCore
import BillingIO

/// The report's content and its two renderings: `report.json` (stable keys) and `report.md`.
struct ReportDocument {
    var period: String
    var asOf: CivilDate
    var mrr: MRRSnapshot
    var reportingCurrency: Currency?
    var subscriptionsByStatus: [String: Int]
    var activity: PeriodActivity

    static func amounts(_ m: [Currency: Money]) -> JSONNode {
        .object(Dictionary(uniqueKeysWithValues: m.map { ($0.key.code, JSONNode.string($0.value.description)) }))
    }

    var json: JSONNode {
        .object([
            "period": .string(period), "as_of": .string(asOf.description),
            "reporting_currency": reportingCurrency.map { .string($0.code) } ?? .null,
            "mrr": .object(["by_currency": Self.amounts(mrr.byCurrency), "reporting": mrr.reporting.map { .string($0.description) } ?? .null]),
            "subscriptions_by_status": .object(subscriptionsByStatus.mapValues { .int($0) }),
            "period_activity": .object([
                "documents": .int(activity.documents), "invoiced": Self.amounts(activity.invoiced), "credited": Self.amounts(activity.credited),
                "collected": Self.amounts(activity.collected),
            ]),
        ])
    }

    var markdown: String {
        var md = ["# Billing report \(period)", "", "Figures as of the end of \(asOf) (definitions: docs/metrics.md).", ""]
        md += ["## MRR", "", "| Currency | MRR |", "|---|---:|"]
        md += mrr.byCurrency.sorted { $0.key < $1.key }.map { "| \($0.key.code) | \($0.value) |" }
        if let r = mrr.reporting, let rc = reportingCurrency { md.append("| **Total in \(rc.code)** | **\(r)** |") }
        md += ["", "## Subscriptions by status", "", "| Status | Subscriptions |", "|---|---:|"]
        md += subscriptionsByStatus.sorted { $0.key < $1.key }.map { "| \($0.key) | \($0.value) |" }
        md += ["", "## Activity in \(period)", "", "Documents issued: \(activity.documents)", "",
               "| Currency | Invoiced | Credited | Collected |", "|---|---:|---:|---:|"]
        let currencies = Set(activity.invoiced.keys).union(activity.credited.keys).union(activity.collected.keys).sorted()
        for c in currencies {
            let z = Money.zero(c)
            md.append("| \(c.code) | \(activity.invoiced[c] ?? z) | \(activity.credited[c] ?? z) | \(activity.collected[c] ?? z) |")
        }
        return md.joined(separator: "\n") + "\n"
    }
}
