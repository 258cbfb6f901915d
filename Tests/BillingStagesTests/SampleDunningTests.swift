import BillingCore
import BillingIO
import Testing
@testable import BillingStages

/// `samples/dunning`: October to December 2026, retry days [3, 5, 7], `after_final_failure: cancel`,
/// one customer per gateway token, bank transfers, and a correction in November that voids an
/// unpaid invoice (D-07's subscription never started).
@Suite struct SampleDunningTests {
    func ledger(_ dir: String) throws -> Ledger { try Ledger(folder: dir + "/ledger", create: false) }

    /// Worked from the schedule: attempt 1 on the issue date, then +3, +5, +7 days.
    /// - D-02 card_declined, INV-000002 of 10-05: one attempt, hard decline: uncollectible, SD-02 cancelled 10-05.
    /// - D-03 insufficient funds, INV-000006 of 10-26: 10-26, 10-29, 10-31 fail in October's run; the
    ///   last, 11-02, in November's: uncollectible and SD-03 cancelled 11-02.
    /// - D-04 card_fail_first:2, INV-000007 of 10-28: 10-28 and 10-31 fail, 11-02 (third) succeeds;
    ///   INV-000011 of 11-28: 11-28 fails (November), 12-01 fails and 12-03 pays (December).
    /// - D-06 bank transfer: INV-000003 paid 10-20; INV-000009 paid 20.00 on 11-15 and 30.00 on 12-05.
    /// - D-07: the October invoice INV-000004 is void on 11-01 (reversed whole by CN-000001, unpaid).
    @Test func statusesWorkedByHand() throws {
        let dir = try TestSupport.runSample("dunning")
        let changes = try ledger(dir).statuses().map { "\($0["date"]!) \($0["id"]!) \($0["to"]!)" }
        for expected in [
            "2026-10-05 INV-000002 uncollectible", "2026-10-05 SD-02 canceled",
            "2026-11-02 INV-000006 uncollectible", "2026-11-02 SD-03 canceled",
            "2026-10-28 SD-04 past_due", "2026-11-02 INV-000007 paid", "2026-11-02 SD-04 active",
            "2026-11-28 SD-04 past_due", "2026-12-03 INV-000011 paid", "2026-12-03 SD-04 active",
            "2026-10-20 INV-000003 paid", "2026-12-05 INV-000009 paid", "2026-11-01 INV-000004 void",
        ] {
            #expect(changes.contains(expected), "missing \(expected)")
        }
        let attempts = try ledger(dir).payments().filter { ($0["key"] ?? "").hasPrefix("INV-000006#") }.map(\.["date"])
        #expect(attempts == ["2026-10-26", "2026-10-29", "2026-10-31", "2026-11-02"])
        // D-02 and D-03 are billed nothing after their cancellation.
        let docs = try ledger(dir).register()
        #expect(docs.filter { $0["customer_id"] == "D-02" }.map { $0["number"]! } == ["INV-000002"])
        #expect(docs.filter { $0["customer_id"] == "D-03" }.map { $0["number"]! } == ["INV-000006"])
        // The void credit note settled INV-000004: D-07 has no credit to spend.
        #expect(try ledger(dir).balances().creditBalance["D-07"]?.minorUnits ?? 0 == 0)
    }

    @Test func rerunningAnyMonthMakesNoNewAttemptOrEvent() throws {
        _ = try TestSupport.runSample("dunning") { dir, period in
            let before = try TestSupport.snapshot(dir + "/ledger")
            try Pipeline.run(try TestSupport.config(dir, period: period))
            #expect(try TestSupport.snapshot(dir + "/ledger") == before, "re-running \(period) changed the ledger")
        }
    }

    /// With BILLING_EVENTS_SECRET every event is signed; billing-verify --events checks them and
    /// finds an edited one. The secret appears in no output.
    @Test func signedFeedVerifies() throws {
        let dir = TestSupport.tempFolder()
        let secret = "whsec_test_3f9a"
        let template = try TestSupport.read(TestSupport.root + "/samples/dunning/pipeline.json")
        for run in try TestSupport.runs("dunning") {
            try TestSupport.write(dir + "/pipeline.json", template.replacingFirst("\"dataset\": \".\"", with: "\"dataset\": \"\(run.folder)\""))
            let r = try TestSupport.run("billing-pipeline", ["--config", dir + "/pipeline.json", "--period", run.period], env: ["BILLING_EVENTS_SECRET": secret])
            #expect(r.status == 0)
            #expect(!r.stderr.contains("unsigned"))
        }
        let ok = try TestSupport.run("billing-verify", ["--config", dir + "/pipeline.json", "--events"], env: ["BILLING_EVENTS_SECRET": secret])
        let count = try TestSupport.read(dir + "/ledger/events.jsonl").split(separator: "\n").count
        #expect(count > 0 && ok.status == 0 && ok.stdout.contains("\(count) events correctly signed"), "\(ok.stdout)\(ok.stderr)")
        let wrong = try TestSupport.run("billing-verify", ["--config", dir + "/pipeline.json", "--events"], env: ["BILLING_EVENTS_SECRET": "other"])
        #expect(wrong.status == 1)
        #expect(try TestSupport.snapshot(dir).values.allSatisfy { !String(decoding: $0, as: UTF8.self).contains(secret) })
        // Edit one amount in the feed: its signature no longer matches.
        let feed = dir + "/ledger/events.jsonl"
        try FileSystem.replace(feed, Array(try TestSupport.read(feed).replacingFirst("\"amount\":\"50.00\"", with: "\"amount\":\"5.00\"").utf8))
        let edited = try TestSupport.run("billing-verify", ["--config", dir + "/pipeline.json", "--events"], env: ["BILLING_EVENTS_SECRET": secret])
        #expect(edited.status == 1 && edited.stderr.contains("signature does not match (edited or signed with another secret)"))
        // Without the secret, --events is a usage error.
        #expect(try TestSupport.run("billing-verify", ["--config", dir + "/pipeline.json", "--events"]).status == 2)
    }

    /// Without a secret the feed says it is unsigned, on every line and on stderr.
    @Test func unsignedFeedSaysSo() throws {
        let dir = try TestSupport.runSample("dunning")
        let lines = try TestSupport.read(dir + "/ledger/events.jsonl").split(separator: "\n")
        // One event per document, payment record and status change.
        let l = try ledger(dir)
        #expect(lines.count == (try l.register().count + l.payments().count + l.statuses().count))
        #expect(lines.allSatisfy { $0.contains("\"signature\":\"unsigned\"") })
        #expect(lines.contains { $0.contains("\"type\":\"subscription.past_due\"") } && lines.contains { $0.contains("\"type\":\"invoice.voided\"") })
    }
}
