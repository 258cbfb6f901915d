import BillingCore
import BillingIO

/// `billing-report`: MRR at the end of the period by currency and in the reporting currency,
/// subscriptions by status, and what was invoiced and collected in the period, as
/// `OUTPUT/<period>/report.json` and `report.md`. Reads the ledger; writes nothing to it.
public enum ReportStage {
    public static func run(_ config: PipelineConfig) throws {
        let context = try StageContext(config, writesLedger: false)
        let catalog = context.catalog
        let asOf = config.window.end.adding(days: -1)
        let currencies = Set(catalog.subscriptions.values.compactMap { catalog.plans[$0.planID]?.currency })
        if currencies.count > 1 && config.settings.reportCurrency == nil {
            throw StageFailure.usage("\(config.configPath): report.currency: required when more than one currency is billed (\(currencies.sorted().map(\.code).joined(separator: ", ")))")
        }
        let canceled = try context.dunningCancellations()
        var lastStatus: [String: SubscriptionStatus] = [:]
        for row in try context.ledger.statuses() where row["entity"] == "subscription" {
            if let d = CivilDate(parsing: row["date"] ?? ""), d <= asOf { lastStatus[row["id"]!] = SubscriptionStatus(rawValue: row["to"]!) }
        }
        let mrr: MRRSnapshot
        do {
            mrr = try MRRCalculator.snapshot(
                catalog: catalog, on: asOf, canceledOn: canceled, rounding: config.settings.rounding,
                reportingCurrency: config.settings.reportCurrency, fxRates: catalog.fxRates)
        } catch let e as MissingFxRate {
            throw StageFailure.data([DataError(
                file: FileSystem.join(config.dataset, "fx_rates.csv"), line: 1, column: 1, field: "rate",
                problem: "no rate for \(e.currency) on or before \(e.date)", value: e.currency.code)])
        }
        var byStatus: [String: Int] = [:]
        for s in catalog.sortedSubscriptions {
            let st = StatusAsOf.status(s, plan: catalog.plans[s.planID]!, on: asOf, canceledOn: canceled[s.id], lastRecorded: lastStatus[s.id])
            byStatus[st, default: 0] += 1
        }
        let activity = try PeriodActivity.compute(register: try context.ledger.register(), payments: try context.ledger.payments(), window: config.window)
        let report = ReportDocument(period: config.period, asOf: asOf, mrr: mrr, reportingCurrency: config.settings.reportCurrency,
                                    subscriptionsByStatus: byStatus, activity: activity)
        try FileSystem.createDirectory(config.runFolder)
        try FileSystem.replace(FileSystem.join(config.runFolder, "report.json"), Array(JSONWriter.pretty(report.json).utf8))
        try FileSystem.replace(FileSystem.join(config.runFolder, "report.md"), Array(report.markdown.utf8))
        Console.error("report: \(FileSystem.join(config.runFolder, "report.md"))")
    }
}

/// Invoiced, credited and collected in the window, per currency, from the ledger.
struct PeriodActivity {
    var invoiced: [Currency: Money] = [:]
    var credited: [Currency: Money] = [:]
    var collected: [Currency: Money] = [:]
    var documents = 0

    static func compute(register: [[String: String]], payments: [[String: String]], window: DateRange) throws -> PeriodActivity {
        var a = PeriodActivity()
        for row in register {
            guard let d = CivilDate(parsing: row["issue_date"] ?? ""), window.contains(d) else { continue }
            let total = try Ledger.money(row, "total", file: "invoices.csv")
            a.documents += 1
            if row["type"] == DocumentType.creditNote.rawValue {
                a.credited[total.currency] = try (a.credited[total.currency] ?? .zero(total.currency)) + (-total)
            } else {
                a.invoiced[total.currency] = try (a.invoiced[total.currency] ?? .zero(total.currency)) + total
            }
        }
        for row in payments where row["outcome"] != "declined" {
            guard let d = CivilDate(parsing: row["date"] ?? ""), window.contains(d) else { continue }
            let amount = try Ledger.money(row, "amount", file: "payments.csv")
            a.collected[amount.currency] = try (a.collected[amount.currency] ?? .zero(amount.currency)) + amount
        }
        return a
    }
}
