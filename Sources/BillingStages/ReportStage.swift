import BillingCore
import BillingIO

/// `billing-report`: MRR and its movements, retention, usage revenue, receivables with aging, an
/// MRR chart over every month of the ledger and a general-ledger journal, as `report.json`,
/// `report.md`, `mrr.svg` and `journal.ledger` in `OUTPUT/<period>/`. Both reconciliations (MRR
/// movements, receivables) are checked: if one fails the stage fails. Reads the ledger only.
public enum ReportStage {
    /// - Parameter catalogs: the pipeline's cache of the normalised dataset, if it runs the stages
    ///   in one process.
    public static func run(_ config: PipelineConfig, catalogs: CatalogCache? = nil) throws {
        PhaseClock.start()
        let context = try StageContext(config, writesLedger: false, catalogs: catalogs)
        let catalog = context.catalog
        let settings = config.settings
        let asOf = config.window.end.adding(days: -1)
        let currencies = Set(catalog.subscriptions.values.compactMap { catalog.plans[$0.planID]?.currency })
        if currencies.count > 1 && settings.reportCurrency == nil {
            throw StageFailure.usage("\(config.configPath): report.currency: required when more than one currency is billed (\(currencies.sorted().map(\.code).joined(separator: ", ")))")
        }
        let reporting = settings.reportCurrency ?? currencies.first ?? Currency(code: "USD")!
        let canceled = try context.dunningCancellations()
        var lastStatus: [String: SubscriptionStatus] = [:]
        for row in try context.ledger.statuses() where row["entity"] == "subscription" {
            if let d = CivilDate(parsing: row["date"] ?? ""), d <= asOf { lastStatus[row["id"]!] = SubscriptionStatus(rawValue: row["to"]!) }
        }
        // A customer's MRR in the reporting currency at the rate of the as-of day, rounded once.
        // A conversion too large to compute is an error of the rate's row.
        func toReporting(_ m: Money) throws -> Money {
            if m.currency == reporting { return m }
            let row: FxRate
            do { row = try MRRCalculator.rate(for: m.currency, on: asOf, catalog.fxRates) } catch {
                throw StageFailure.data([DataError(
                    file: FileSystem.join(config.dataset, "fx_rates.csv"), line: 1, column: 1, field: "rate",
                    problem: "no rate for \(error.currency) on or before \(error.date)", value: error.currency.code)])
            }
            do { return try CustomerMRR.converted(m, to: reporting, rate: row.rate, rounding: settings.rounding) } catch {
                throw StageFailure.data([context.error(
                    at: row.source, field: "rate", "converting \(m) \(m.currency.code) to \(reporting.code) at this rate overflows",
                    value: row.rate.description)])
            }
        }
        // Each customer's MRR on a day. The last two days computed are kept: the as-of day is also
        // the run's window's end, and a month's end is the next month's start.
        var recent: [(day: CivilDate, mrr: [String: Money])] = []
        func mrrOn(_ day: CivilDate) throws -> [String: Money] {
            if let known = recent.first(where: { $0.day == day }) { return known.mrr }
            let computed = try CustomerMRR.on(day, catalog: catalog, canceledOn: canceled, rounding: settings.rounding)
            recent = recent.suffix(1) + [(day, computed)]
            return computed
        }
        let mrr = try MRRCalculator.snapshot(
            customers: try mrrOn(asOf), reportingCurrency: reporting, convert: toReporting)

        // Movements of this period, per currency and in the reporting currency (both ends at the end's rates).
        func movements(_ window: DateRange) throws -> (byCurrency: [Currency: MRRMovements], reporting: MRRMovements) {
            let start = try mrrOn(window.start.adding(days: -1))
            let end = try mrrOn(window.end.adding(days: -1))
            let paidBefore = CustomerMRR.paidBefore(window.start, catalog: catalog, canceledOn: canceled)
            let returning = { (c: String) in paidBefore.contains(c) }
            var byCurrency: [Currency: MRRMovements] = [:]
            for c in Set(start.values.map(\.currency)).union(end.values.map(\.currency)) {
                byCurrency[c] = MRRMovements.between(
                    start: start.filter { $0.value.currency == c }.mapValues(\.minorUnits), end: end.filter { $0.value.currency == c }.mapValues(\.minorUnits),
                    returning: returning)
            }
            let convert = { (m: [String: Money]) in
                try m.mapValues { try toReporting($0).minorUnits }
            }
            let inReporting = MRRMovements.between(start: try convert(start), end: try convert(end), returning: returning)
            for m in Array(byCurrency.values) + [inReporting] where !m.reconciles {
                throw StageFailure.data([DataError(file: config.ledger, line: 0, column: 0, field: "mrr",
                                                   problem: "MRR movements do not reconcile start to end", value: config.period)])
            }
            return (byCurrency, inReporting)
        }
        PhaseClock.mark("mrr")
        let moved = try movements(config.window)
        var months: [MRRMonth] = []
        var month = DateRange.month(String(try context.since().description.prefix(7)))!
        while month.start <= config.window.start {
            // The run's own month was computed above.
            let reporting = month == config.window ? moved.reporting : try movements(month).reporting
            months.append(MRRMonth(month: String(month.start.description.prefix(7)), movements: reporting))
            month = DateRange(month.end, CivilDate.clamped(year: 0, monthIndex: month.end.monthIndex + 1, day: 1))
        }

        PhaseClock.mark("movements")
        var byStatus: [String: Int] = [:]
        for s in catalog.subscriptions.values {
            let st = StatusAsOf.status(s, plan: catalog.plans[s.planID]!, on: asOf, canceledOn: canceled[s.id], lastRecorded: lastStatus[s.id])
            byStatus[st, default: 0] += 1
        }
        PhaseClock.mark("statuses")
        let ledgerData = try LedgerReportData(ledger: context.ledger)
        PhaseClock.mark("read ledger")
        let receivables = Receivables.compute(register: ledgerData.register, payments: ledgerData.collections, statuses: ledgerData.invoiceStatuses, window: config.window)
        if let bad = receivables.first(where: { !$0.value.reconciles }) {
            throw StageFailure.data([DataError(file: config.ledger, line: 0, column: 0, field: "receivables",
                                               problem: "issued − credited − collected does not equal outstanding in \(bad.key.code)", value: config.period)])
        }
        var usageRevenue: [Currency: Money] = [:]
        let issueDates = Dictionary(uniqueKeysWithValues: ledgerData.register.map { ($0.number, $0.issueDate) })
        for i in ledgerData.issued where i.item.kind == .usage && config.window.contains(issueDates[i.documentNumber] ?? asOf.adding(days: 1)) {
            usageRevenue[i.item.amount.currency] = try (usageRevenue[i.item.amount.currency] ?? .zero(i.item.amount.currency)) + i.item.amount
        }
        let journal = try ledgerData.journal(window: config.window, customers: catalog.customers, inclusive: settings.taxInclusive)
        guard journal.allSatisfy(\.balances) else { throw StageFailure.data([DataError(file: config.ledger, line: 0, column: 0, field: "journal", problem: "a transaction does not balance", value: config.period)]) }

        PhaseClock.mark("receivables, usage, journal")
        let report = ReportDocument(
            period: config.period, asOf: asOf, reporting: reporting, mrr: mrr, movements: moved.byCurrency, reportingMovements: moved.reporting,
            retention: Retention(moved.reporting, rounding: settings.rounding), subscriptionsByStatus: byStatus, receivables: receivables,
            usageRevenue: usageRevenue)
        try FileSystem.createDirectory(config.runFolder)
        try FileSystem.replace(FileSystem.join(config.runFolder, "report.json"), Array(JSONWriter.pretty(report.json).utf8))
        try FileSystem.replace(FileSystem.join(config.runFolder, "report.md"), Array(report.markdown.utf8))
        try FileSystem.replace(FileSystem.join(config.runFolder, "mrr.svg"), Array(MRRChart.svg(months, currency: reporting).utf8))
        var journalText = Array(GeneralLedger.heading.utf8)
        for part in journal.parallelMapSlices({ Array(GeneralLedger.entries($0).utf8) }) { journalText += part }
        try FileSystem.replace(FileSystem.join(config.runFolder, "journal.ledger"), journalText)
        PhaseClock.mark("write report")
        Console.error("report: \(FileSystem.join(config.runFolder, "report.md"))")
    }
}
