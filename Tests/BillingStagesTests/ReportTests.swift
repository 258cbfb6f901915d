import BillingCore
import BillingIO
import Testing
@testable import BillingStages

/// The report on a dataset small enough to work by hand (docs/metrics.md walks through it):
/// six customers, Basic 10.00 and Pro 30.00 a month, no tax, billed from 2026-01-01.
/// - R-1 Basic throughout (card).
/// - R-2 Basic, Pro from 02-01 (card): an expansion.
/// - R-3 Pro, Basic from 02-01 (bank transfer, pays nothing): a contraction.
/// - R-4 Basic, cancelled 02-15 (card): churned.
/// - R-5 Pro from 02-10 (bank transfer): new.
/// - R-6 paid Basic in November–December 2025 (cancelled 12-20), Basic again from 02-05 (card): reactivated.
@Suite struct ReportTests {
    static let dataset: [String: String] = [
        "customers.csv": """
            customer_id,name,country,currency,region,payment_method
            R-1,One,US,USD,OR,card_ok
            R-2,Two,US,USD,OR,card_ok
            R-3,Three,US,USD,OR,
            R-4,Four,US,USD,OR,card_ok
            R-5,Five,US,USD,OR,
            R-6,Six,US,USD,OR,card_ok

            """,
        "plans.json": """
            {"plans": [{"id": "basic", "name": "Basic", "currency": "USD", "interval": "month", "price": "10.00"},
                       {"id": "pro", "name": "Pro", "currency": "USD", "interval": "month", "price": "30.00"}]}
            """,
        "subscriptions.csv": """
            subscription_id,customer_id,plan_id,start_date,cancel_date
            S-1,R-1,basic,2025-12-01,
            S-2,R-2,basic,2025-12-01,
            S-3,R-3,pro,2025-12-01,
            S-4,R-4,basic,2025-12-01,2026-02-15
            S-5,R-5,pro,2026-02-10,
            S-6A,R-6,basic,2025-11-01,2025-12-20
            S-6B,R-6,basic,2026-02-05,

            """,
        "subscription_changes.csv": "subscription_id,effective_date,plan_id\nS-2,2026-02-01,pro\nS-3,2026-02-01,basic\n",
        "tax_rates.csv": "country,region,category,rate,name\nUS,,standard,0,No sales tax\n",
    ]

    func run() throws -> String {
        let dir = TestSupport.tempFolder()
        for (name, text) in Self.dataset { try TestSupport.write(dir + "/dataset/" + name, text) }
        try TestSupport.write(dir + "/pipeline.json", """
            {"dataset": "dataset", "ledger": "ledger", "output": "out", "period": "2026-01", "billing": {"since": "2026-01-01"}}
            """)
        try TestSupport.runPipeline(dir, periods: ["2026-01", "2026-02", "2026-03"])
        return dir
    }

    @Test func februaryByHand() throws {
        let dir = try run()
        let r = try JSONParser.parse(try FileSystem.read(dir + "/out/2026-02/report.json"), file: "report")
        func s(_ path: String...) -> String? {
            var n: JSONNode? = r
            for p in path { n = n?[p] }
            if case .number(let v)? = n?.value { return v }
            return n?.stringValue
        }
        // MRR at 01-31: R-1 10 + R-2 10 + R-3 30 + R-4 10 = 60.00. At 02-28: R-1 10 + R-2 30 + R-3 10
        // + R-5 30 + R-6 10 = 90.00 (R-4 stopped on 02-15).
        #expect(s("mrr", "by_currency", "USD") == "90.00" && s("mrr", "reporting") == "90.00")
        // 60 + 30 new (R-5) + 20 expansion − 20 contraction − 10 churned (R-4) + 10 reactivated (R-6) = 90.
        #expect(["start", "new", "expansion", "contraction", "churned", "reactivated", "end"].map { s("movements", "reporting", $0) } ==
                ["60.00", "30.00", "20.00", "-20.00", "-10.00", "10.00", "90.00"])
        #expect(["paying_at_start", "paying_at_end", "new", "churned", "reactivated"].map { s("customers", $0) } == ["4", "5", "1", "1", "1"])
        // Logo churn 1/4 = 25.00 %; revenue churn (10 + 20)/60 = 50.00 %; NRR (60 + 20 − 20 − 10)/60 = 83.33 %;
        // ARPA 90.00/5 = 18.00; LTV = ARPA ÷ logo churn = 18.00 × 4/1 = 72.00.
        #expect(["logo_churn_percent", "revenue_churn_percent", "net_revenue_retention_percent", "arpa", "ltv"].map { s("metrics", $0) } ==
                ["25.00", "50.00", "83.33", "18.00", "72.00"])
        // S-1, S-2, S-3, S-5, S-6B active; S-4 and S-6A cancelled.
        #expect(s("subscriptions_by_status", "active") == "5" && s("subscriptions_by_status", "canceled") == "2")
        #expect(r["usage_revenue"]?.value == .object([]))
        // February invoices: S-1 10, S-2 30 (Pro from the period's first day), S-3 10, S-4 10, S-6B 10
        // (02-05), S-5 30 (02-10) = 100.00; R-4's credit note 02-15: −10 × 14/28 = −5.00. Collected by
        // card: R-1 10, R-2 30, R-4 10, R-6 10 = 60.00. pay by transfer and have not paid.
        #expect(["invoiced", "credited", "collected"].map { s("receivables", "USD", "period", $0) } == ["100.00", "5.00", "60.00"])
        // To date: January invoiced 10 + 10 + 30 + 10 = 60.00 and collected 30.00 (R-3 did not pay 30.00).
        #expect(["invoiced", "credited", "collected"].map { s("receivables", "USD", "to_date", $0) } == ["160.00", "5.00", "90.00"])
        // Open at 02-28: R-3's 30.00 (January) + 10.00 (February) + R-5's 30.00 = 70.00; R-4's 5.00 of
        // credit is unused; outstanding 70 − 5 = 65.00 = 160 − 5 − 90; at the start (01-31) 30.00, and
        // 30 + (100 − 5 − 60) = 65.
        #expect(["open", "uncollectible", "unapplied_credit", "outstanding", "outstanding_at_start"].map { s("receivables", "USD", $0) } ==
                ["70.00", "0.00", "5.00", "65.00", "30.00"])
        // Aging at 02-28: R-3's January invoice was due 01-31, 28 days late (1–30); the other two are not due yet.
        #expect(Receivables.agingBuckets.map { s("receivables", "USD", "aging", $0) } == ["40.00", "30.00", "0.00", "0.00", "0.00"])
        // The journal balances, and its revenue postings sum to −(100.00 − 5.00).
        let journal = try TestSupport.read(dir + "/out/2026-02/journal.ledger")
        let checked = GeneralLedger.check(journal)
        #expect(checked.unbalanced == nil && checked.transactions == 7 + 4)  // 7 documents, 4 card payments
        let revenue = journal.split(separator: "\n").filter { $0.hasPrefix("    Revenue:") }.compactMap { line in
            ExactDecimal(parsing: line.split(separator: " ").dropLast().last ?? "", maxDecimals: 2)
        }
        #expect(try revenue.reduce(ExactDecimal.zero) { try $0 + $1 } == ExactDecimal(parsing: "-95.00")!)
        let svg = try TestSupport.read(dir + "/out/2026-02/mrr.svg")
        #expect(svg.hasPrefix("<svg") && svg.contains("2026-01") && svg.contains("2026-02") && !svg.contains("href"))
    }

    /// On every month of samples/lifecycle: movements sum from start to end, receivables reconcile,
    /// and the journal balances (re-checked here from the written files).
    @Test func reconciliationsHoldOnLifecycle() throws {
        let dir = try TestSupport.runSample("lifecycle")
        for run in try TestSupport.runs("lifecycle") {
            let r = try JSONParser.parse(try FileSystem.read("\(dir)/out/\(run.period)/report.json"), file: "report")
            func d(_ n: JSONNode?) -> ExactDecimal { ExactDecimal(parsing: n?.stringValue ?? "x") ?? ExactDecimal(999_999) }
            let m = r["movements"]?["reporting"]
            let sum = try ["start", "new", "expansion", "contraction", "churned", "reactivated"].reduce(ExactDecimal.zero) { try $0 + d(m?[$1]) }
            #expect(sum == d(m?["end"]), "movements of \(run.period)")
            let f = r["receivables"]?["USD"]
            let period = try d(f?["period"]?["invoiced"]) + (-d(f?["period"]?["credited"])) + (-d(f?["period"]?["collected"]))
            #expect(period == (try d(f?["outstanding"]) + (-d(f?["outstanding_at_start"]))), "receivables of \(run.period)")
            let toDate = try d(f?["to_date"]?["invoiced"]) + (-d(f?["to_date"]?["credited"])) + (-d(f?["to_date"]?["collected"]))
            #expect(toDate == d(f?["outstanding"]))
            let journal = GeneralLedger.check(try TestSupport.read("\(dir)/out/\(run.period)/journal.ledger"))
            #expect(journal.unbalanced == nil && journal.transactions > 0, "journal of \(run.period)")
        }
    }

    /// The checker itself finds an unbalanced transaction.
    /// A ledger from before taxes.csv: the journal reads each document's tax from its file, and the
    /// report comes out byte for byte the same.
    @Test func journalWithoutTaxRegisterReadsTheFiles() throws {
        let dir = try TestSupport.runSample("basic")
        let config = try TestSupport.config(dir, period: "2026-12")
        let before = try TestSupport.snapshot(dir + "/out/2026-12")
        try FileSystem.remove(dir + "/ledger/taxes.csv")
        try ReportStage.run(config)
        let after = try TestSupport.snapshot(dir + "/out/2026-12")
        #expect(after["journal.ledger"] != nil && after["journal.ledger"] == before["journal.ledger"])
        #expect(after == before)
    }

    /// A reporting-currency conversion too large to compute is an error of the rate's row (exit 1),
    /// not an environment failure (exit 3, "arithmetic overflow in amount out of range", no row):
    /// C-003's MRR, 5000 JPY × 2 seats = 10000 JPY, × (10^23 − 1) ≈ 10^27 USD ≈ 10^29 cents, past
    /// the 2^63 − 1 ≈ 9.2 × 10^18 minor units an amount holds.
    @Test func aConversionThatOverflowsNamesItsRate() throws {
        let dir = try TestSupport.workspace()
        try TestSupport.write(dir + "/dataset/fx_rates.csv", "date,currency,rate\n2026-11-01,JPY,99999999999999999999999\n")
        do {
            try TestSupport.runPipeline(dir, periods: ["2026-11"])
            Issue.record("accepted")
        } catch let StageFailure.data(errors) {
            #expect(errors.map(\.description) == [dir + "/dataset/fx_rates.csv:2:3: rate: converting 10000 JPY to USD at this rate overflows (99999999999999999999999)"])
        }
    }

    /// An overflow no stage pinned on a row is a data problem: exit 1, not 3.
    @Test func aStrayOverflowExitsWithOne() {
        let tool = CommandLineTool(name: "billing-test", summary: "")
        #expect(tool.run { throw ArithmeticOverflow("amount out of range") } == 1)
        #expect(tool.run { throw StageFailure.io("disk") } == 3)
    }

    @Test func journalCheckerFindsImbalance() {
        let bad = "; x\n\n2026-02-01 INV-1 X\n    Assets:Receivables    10.00 USD\n    Revenue:basic    -9.99 USD\n"
        #expect(GeneralLedger.check(bad).unbalanced == "2026-02-01 INV-1 X")
    }
}
