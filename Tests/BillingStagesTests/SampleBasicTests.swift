import BillingCore
import BillingIO
import Testing
@testable import BillingStages

/// `samples/basic` end to end: golden files, figures worked out by hand, re-runs and row order.
@Suite struct SampleBasicTests {
    static let periods = ["2026-11", "2026-12"]


    /// November's register, every figure worked out by hand from SPEC §4–§5 (half_up):
    /// - INV-000001 C-001 11-01: support billed in arrears for [10-01, 11-01), 99.00; WA 10.25 %:
    ///   99.00 × 0.1025 = 10.1475 → 10.15; total 109.15.
    /// - INV-000002 C-002 11-04: Team yearly 2399.95; NY 8.875 %: 2399.95 × 0.08875 = 212.9955625
    ///   → 213.00; total 2612.95; no card, so due 30 days later, 12-04.
    /// - INV-000003 C-001 11-07: Pro 249.95; 249.95 × 0.1025 = 25.619875 → 25.62; total 275.57.
    /// - INV-000004 C-003 11-10: 5000 JPY × 2 seats, billing day 1 so [11-10, 12-01) is 21 of the
    ///   30 days of November: 10000 × 21 / 30 = 7000; 10 % = 700; total 7700.
    /// - INV-000005 C-005 11-20: Pro 249.95, Oregon has only the US 0 % row; total 249.95.
    /// - INV-000006 C-004 11-24: Starter 49.00 × 3 after a 14-day trial from 11-10 (first paid day
    ///   11-24) = 147.00; TX 6.25 %: 9.1875 → 9.19; total 156.19.
    /// - CN-000001 C-005 11-25: cancelled 11-25 inside [11-20, 12-20): −249.95 × 25 / 30 =
    ///   −208.291666… → −208.29.
    /// The latest month the pipeline runs, 9799-12, with the longest period it knows: Team yearly
    /// made `interval_count` 120, so S-002's first period from 9799-12-15 is [9799-12-15,
    /// 9919-12-15), and the billing loop looks at the next one, ending 10039-12-15, past
    /// 9999-12-31 (where ingest stopped on a failed force-unwrap). basic's subscriptions moved from
    /// 2026 to 9799, S-002 to start on 9799-12-15 (its payments received dropped). C-002 on
    /// 9799-12-15: 2399.95; NY 8.875 %:
    /// 212.9955625 → 213.00; total 2612.95.
    @Test func theLatestSupportedMonthRuns() throws {
        let dir = try TestSupport.workspace()
        let subscriptions = try TestSupport.read(dir + "/dataset/subscriptions.csv")
        let moved = subscriptions.replacing("2026-", with: "9799-").replacingFirst("S-002,C-002,team-yearly,9799-11-04,", with: "S-002,C-002,team-yearly,9799-12-15,")
        #expect(moved.contains("S-002,C-002,team-yearly,9799-12-15,"))
        try TestSupport.write(dir + "/dataset/subscriptions.csv", moved)
        try FileSystem.remove(dir + "/dataset/payments_received.csv")
        let plans = try TestSupport.read(dir + "/dataset/plans.json")
        let yearly = plans.replacingFirst("\"interval\": \"year\",", with: "\"interval\": \"year\", \"interval_count\": 120,")
        #expect(yearly != plans)
        try TestSupport.write(dir + "/dataset/plans.json", yearly)
        try TestSupport.runPipeline(dir, periods: ["9799-12"])
        let row = try Ledger(folder: dir + "/ledger", create: false).register().first { $0["customer_id"] == "C-002" }
        #expect([row?["issue_date"], row?["total"]] == ["9799-12-15", "2612.95"])
        let json = try TestSupport.read(dir + "/ledger/invoices/\(row?["number"] ?? "").json")
        #expect(json.contains("\"period_end\": \"9919-12-15\""), "\(json)")
    }

    @Test func novemberFiguresByHand() throws {
        let dir = try TestSupport.workspace()
        try TestSupport.runPipeline(dir, periods: ["2026-11"])
        let rows = try Ledger(folder: dir + "/ledger", create: false).register()
        let got = rows.map { [$0["number"]!, $0["issue_date"]!, $0["due_date"]!, $0["customer_id"]!, $0["subtotal"]!, $0["tax_total"]!, $0["total"]!] }
        #expect(got == [
            ["INV-000001", "2026-11-01", "2026-11-01", "C-001", "99.00", "10.15", "109.15"],
            ["INV-000002", "2026-11-04", "2026-12-04", "C-002", "2399.95", "213.00", "2612.95"],
            ["INV-000003", "2026-11-07", "2026-11-07", "C-001", "249.95", "25.62", "275.57"],
            ["INV-000004", "2026-11-10", "2026-11-10", "C-003", "7000", "700", "7700"],
            ["INV-000005", "2026-11-20", "2026-11-20", "C-005", "249.95", "0.00", "249.95"],
            ["INV-000006", "2026-11-24", "2026-11-24", "C-004", "147.00", "9.19", "156.19"],
            ["CN-000001", "2026-11-25", "2026-11-25", "C-005", "-208.29", "0.00", "-208.29"],
        ])
        // CN-000001 corrects INV-000005 (same subscription S-005, overlapping service period).
        let cn = try JSONParser.parse(try FileSystem.read(dir + "/ledger/invoices/CN-000001.json"), file: "CN")
        #expect(cn["references"]?.arrayValue?.compactMap(\.stringValue) == ["INV-000005"])
        #expect(cn["type"]?.stringValue == "credit_note")
    }

    /// Payments: C-001 and C-003 pay on issue; C-005 (card_fail_first:1) declines on 11-20 and pays
    /// on the retry 3 days later, 11-23; C-004 (card_declined) is declined once, hard, so the invoice
    /// is uncollectible and S-004 cancelled on 11-24; C-002 pays 2612.95 by transfer on 11-28.
    @Test func novemberPaymentsAndStatuses() throws {
        let dir = try TestSupport.workspace()
        try TestSupport.runPipeline(dir, periods: ["2026-11"])
        let ledger = try Ledger(folder: dir + "/ledger", create: false)
        let attempts = try ledger.payments().map { "\($0["key"]!) \($0["date"]!) \($0["outcome"]!) \($0["amount"]!)" }
        #expect(attempts == [
            "INV-000001#1 2026-11-01 succeeded 109.15", "INV-000003#1 2026-11-07 succeeded 275.57",
            "INV-000004#1 2026-11-10 succeeded 7700", "INV-000005#1 2026-11-20 declined 0.00",
            "INV-000005#2 2026-11-23 succeeded 249.95", "INV-000006#1 2026-11-24 declined 0.00",
            "INV-000002@2026-11-28@2612.95#1 2026-11-28 received 2612.95",
        ])
        let subs = try ledger.statuses().filter { $0["entity"] == "subscription" }.map { "\($0["id"]!) \($0["from"]!)→\($0["to"]!)" }
        #expect(subs == ["S-005 active→past_due", "S-005 past_due→active", "S-004 active→past_due", "S-004 past_due→canceled"])
    }

    /// December continues the numbering; S-004 (cancelled by dunning) and S-005 (cancelled) bill
    /// nothing: INV-000007 C-001 support for November 99.00 + 10.15; INV-000008 C-003 a full month
    /// 5000 × 2 = 10000 + 1000 tax; INV-000009 C-001 Pro 249.95 + 25.62.
    @Test func decemberContinuesNumbering() throws {
        let dir = try TestSupport.workspace()
        try TestSupport.runPipeline(dir, periods: Self.periods)
        let rows = try Ledger(folder: dir + "/ledger", create: false).register().suffix(3)
        #expect(rows.map { "\($0["number"]!) \($0["customer_id"]!) \($0["total"]!)" } == [
            "INV-000007 C-001 109.15", "INV-000008 C-003 11000", "INV-000009 C-001 275.57",
        ])
    }

    /// MRR at 11-30: USD 249.95 (S-001) + 99.00 (S-006) + 2399.95 / 12 (S-002) = 548.945833… → 548.95;
    /// JPY 5000 × 2 = 10000; in USD at 0.0065: 548.945833… + 65 = 613.945833… → 613.95.
    @Test func novemberMRRByHand() throws {
        let dir = try TestSupport.workspace()
        try TestSupport.runPipeline(dir, periods: ["2026-11"])
        let report = try JSONParser.parse(try FileSystem.read(dir + "/out/2026-11/report.json"), file: "report")
        #expect(report["mrr"]?["by_currency"]?["USD"]?.stringValue == "548.95")
        #expect(report["mrr"]?["by_currency"]?["JPY"]?.stringValue == "10000")
        #expect(report["mrr"]?["reporting"]?.stringValue == "613.95")
        #expect(report["subscriptions_by_status"]?["canceled"]?.value == .number("2"))
        #expect(report["subscriptions_by_status"]?["active"]?.value == .number("4"))
    }

    @Test func samePeriodTwiceIssuesNothingAndChangesNoFile() throws {
        let dir = try TestSupport.workspace()
        try TestSupport.runPipeline(dir, periods: ["2026-11"])
        let first = try TestSupport.snapshot(dir)
        try TestSupport.runPipeline(dir, periods: ["2026-11"])
        #expect(try TestSupport.snapshot(dir) == first)
        try TestSupport.runPipeline(dir, periods: ["2026-12"])
        let afterDecember = try TestSupport.snapshot(dir + "/ledger")
        try TestSupport.runPipeline(dir, periods: ["2026-12", "2026-11"])
        #expect(try TestSupport.snapshot(dir + "/ledger") == afterDecember)
    }

    /// Every CSV's data rows reversed and rotated: the ledger and the reports are byte-identical.
    @Test func shuffledRowsGiveIdenticalOutputs() throws {
        let plain = try TestSupport.workspace()
        try TestSupport.runPipeline(plain, periods: Self.periods)
        let shuffled = try TestSupport.workspace()
        for name in try FileSystem.list(shuffled + "/dataset") where name.hasSuffix(".csv") {
            let lines = try TestSupport.read(shuffled + "/dataset/" + name).split(separator: "\n").map(String.init)
            var body = Array(lines.dropFirst().reversed())
            if body.count > 2 { body = Array(body[2...] + body[..<2]) }
            try TestSupport.write(shuffled + "/dataset/" + name, ([lines[0]] + body).joined(separator: "\r\n") + "\r\n")
        }
        try TestSupport.runPipeline(shuffled, periods: Self.periods)
        #expect(try TestSupport.snapshot(shuffled + "/ledger") == (try TestSupport.snapshot(plain + "/ledger")))
        for period in Self.periods {
            for name in ["report.json", "report.md", "items.csv"] {
                #expect(try FileSystem.read("\(shuffled)/out/\(period)/\(name)") == (try FileSystem.read("\(plain)/out/\(period)/\(name)")))
            }
        }
    }

    @Test func verifyPassesThenCatchesOneChangedByte() throws {
        let dir = try TestSupport.workspace()
        try TestSupport.runPipeline(dir, periods: ["2026-11"])
        let ok = try TestSupport.run("billing-verify", ["--config", dir + "/pipeline.json"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("verify: OK"))
        let file = dir + "/ledger/invoices/INV-000003.json"
        var bytes = try FileSystem.read(file)
        let i = bytes.firstIndex(of: UInt8(ascii: "7"))!  // a digit of 275.57 or of a date
        bytes[i] = UInt8(ascii: "8")
        chmodWritable(file)
        try FileSystem.replace(file, bytes)
        let bad = try TestSupport.run("billing-verify", ["--config", dir + "/pipeline.json"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("invoices/INV-000003.json: content differs from the SHA-256 recorded in the audit log"))
    }

    /// SIGKILL the pipeline after its k-th durable write, re-run it, and carry on to December:
    /// the ledger must equal the golden one byte for byte (nothing lost, nothing issued twice).
    @Test(arguments: [1, 2, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 34, 37, 40, 45, 50])
    func killedRunResumesToTheSameLedger(killAfter: Int) throws {
        let dir = try TestSupport.workspace()
        let cfg = dir + "/pipeline.json"
        let killed = try TestSupport.run("billing-pipeline", ["--config", cfg], env: ["BILLING_FAULT_KILL_AFTER": String(killAfter)])
        // A November run makes about 36 durable writes, so these points must really kill it.
        if killAfter <= 30 { #expect(killed.signaled && killed.status == 9) } else { #expect(killed.signaled || killed.status == 0) }
        #expect(try TestSupport.run("billing-pipeline", ["--config", cfg]).status == 0)
        #expect(try TestSupport.run("billing-pipeline", ["--config", cfg, "--period", "2026-12"]).status == 0)
        let golden = try TestSupport.snapshot(TestSupport.root + "/samples/basic/expected/ledger")
        #expect(try TestSupport.snapshot(dir + "/ledger") == golden)
    }
}

#if canImport(Glibc)
    import Glibc
#endif

func chmodWritable(_ path: String) { chmod(path, 0o644) }
