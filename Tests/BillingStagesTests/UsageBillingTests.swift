import BillingCore
@testable import BillingIO
import Testing
@testable import BillingStages

/// Usage billed end to end on `samples/basic`, with an `api_calls` charge (per unit, 0.001) on Pro:
/// S-001 (C-001, Washington) is on Pro from 11-07, so its usage periods are [11-07, 12-07),
/// [12-07, 01-07), … each billed on its last day's next day with the next advance fee.
@Suite struct UsageBillingTests {
    func workspace() throws -> String {
        let dir = try TestSupport.workspace()
        let charge = ", \"charges\": [{\"metric\": \"api_calls\", \"aggregation\": \"sum\", \"model\": \"per_unit\", \"unit_price\": \"0.001\"}]}"
        try TestSupport.write(dir + "/dataset/plans.json", try TestSupport.read(dir + "/dataset/plans.json")
            .replacingFirst("\"price\": \"249.95\"}", with: "\"price\": \"249.95\"" + charge))
        return dir
    }

    func run(_ dir: String, _ period: String, usage: String) throws {
        try TestSupport.write(dir + "/dataset/usage.csv", "event_id,subscription_id,metric,timestamp,quantity\n" + usage)
        try Pipeline.run(try TestSupport.config(dir, period: period))
    }

    func usageLines(_ dir: String) throws -> [String] {
        try Ledger(folder: dir + "/ledger", create: false).issuedItems().filter { $0.item.kind == .usage }.map {
            "\($0.documentNumber) \($0.item.billingDate) \($0.item.period.start)..\($0.item.period.end) \($0.item.amount) \($0.item.description)"
        }
    }

    @Test func eventsAreBilledOnceAndLateEventsCorrect() throws {
        let dir = try workspace()
        // November: e3 (12-03) is after the window: deferred, kept, and billed with its period.
        try run(dir, "2026-11", usage: """
            e1,S-001,api_calls,2026-11-08T09:00:00Z,1000
            e2,S-001,api_calls,2026-11-20T09:00:00Z,500
            e3,S-001,api_calls,2026-12-03T09:00:00Z,250

            """)
        #expect(try usageLines(dir).isEmpty)  // the period [11-07, 12-07) has not ended
        // December: e2 again (already counted: billed once) and twice in this file, e4 new, e5 in
        // the next period. [11-07, 12-07) = 1000 + 500 + 250 + 250 = 2000 units × 0.001 = 2.00.
        try run(dir, "2026-12", usage: """
            e2,S-001,api_calls,2026-11-20T09:00:00Z,500
            e2,S-001,api_calls,2026-11-20T09:00:00Z,500
            e4,S-001,api_calls,2026-12-05T09:00:00Z,250
            e5,S-001,api_calls,2026-12-10T09:00:00Z,100

            """)
        #expect(try usageLines(dir) == ["INV-000009 2026-12-07 2026-11-07..2026-12-07 2.00 Pro (monthly): api_calls, 2000 units (sum, per_unit)"])
        // December's contribution lists the ids it counted, e4 and e5, and not e2, which November's lists.
        let ids = { (contribution: String) in
            try FileSystem.list(dir + "/ledger/usage/\(contribution).ids").filter { $0.hasSuffix(".csv") }.flatMap { name in
                try TestSupport.read(dir + "/ledger/usage/\(contribution).ids/" + name).split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) }
            }.sorted()
        }
        #expect(try ids("000001") == ["e1", "e2", "e3"])
        #expect(try ids("000002") == ["e4", "e5"])
        // That invoice: Pro 249.95 + usage 2.00 = 251.95; WA 10.25 %: 25.824875 → 25.82; total 277.77.
        let inv = try Ledger(folder: dir + "/ledger", create: false).register().first { $0["number"] == "INV-000009" }
        #expect(inv?["total"] == "277.77")
        // January: a late event for the invoiced period: 3000 more units make it 5.00, so exactly one
        // correcting item of +3.00, labelled with that period, on the window's first day; and the
        // period [12-07, 01-07) with e5 alone: 100 × 0.001 = 0.10 on 01-07.
        try run(dir, "2027-01", usage: "e6,S-001,api_calls,2026-11-30T09:00:00Z,3000\n")
        let lines = try usageLines(dir)
        #expect(lines.count == 3)
        // The index keeps the natural billing date (12-07); the document is dated the window's first day.
        #expect(try Ledger(folder: dir + "/ledger", create: false).register().first { $0["number"] == "INV-000010" }?["issue_date"] == "2027-01-01")
        #expect(lines[1] == "INV-000010 2026-12-07 2026-11-07..2026-12-07 3.00 Correction for 2026-11-07 – 2026-12-06: Pro (monthly): api_calls, 5000 units (sum, per_unit)")
        #expect(lines[2].hasSuffix("2027-01-07 2026-12-07..2027-01-07 0.10 Pro (monthly): api_calls, 100 units (sum, per_unit)"))
        // Re-running January issues nothing more.
        let before = try TestSupport.snapshot(dir + "/ledger")
        try run(dir, "2027-01", usage: "e6,S-001,api_calls,2026-11-30T09:00:00Z,3000\n")
        #expect(try TestSupport.snapshot(dir + "/ledger") == before)
    }

    /// `unique_count` across two runs: the distinct `value`s of both contributions are united, and
    /// a repeated value (in one file, or again in a later run) counts once.
    @Test func uniqueCountUnitesValuesAcrossRuns() throws {
        let dir = try TestSupport.workspace()
        let charge = ", \"charges\": [{\"metric\": \"active_users\", \"aggregation\": \"unique_count\", \"model\": \"per_unit\", \"unit_price\": \"2\"}]}"
        try TestSupport.write(dir + "/dataset/plans.json", try TestSupport.read(dir + "/dataset/plans.json")
            .replacingFirst("\"price\": \"249.95\"}", with: "\"price\": \"249.95\"" + charge))
        let header = "event_id,subscription_id,metric,timestamp,quantity,value\n"
        let november = "e1,S-001,active_users,2026-11-08T09:00:00Z,,u1\ne2,S-001,active_users,2026-11-09T09:00:00Z,,u2\n"
            + "e3,S-001,active_users,2026-11-10T09:00:00Z,,u1\ne4,S-001,active_users,2026-11-11T09:00:00Z,,u3\n"
        try TestSupport.write(dir + "/dataset/usage.csv", header + november)
        try Pipeline.run(try TestSupport.config(dir, period: "2026-11"))
        // November's contribution holds u1, u2, u3 once each for S-001's period [11-07, 12-07).
        #expect(try TestSupport.read(dir + "/ledger/usage/000001.values.csv") == """
            subscription_id,metric,period_start,period_end,value
            S-001,active_users,2026-11-07,2026-12-07,u1
            S-001,active_users,2026-11-07,2026-12-07,u2
            S-001,active_users,2026-11-07,2026-12-07,u3

            """)
        // December adds e5 (u2 again) and e6 (u4, new), both in [11-07, 12-07), billed on 12-07:
        // distinct {u1, u2, u3, u4} = 4 users × 2.00 = 8.00.
        try TestSupport.write(dir + "/dataset/usage.csv", header + november
            + "e5,S-001,active_users,2026-12-01T09:00:00Z,,u2\ne6,S-001,active_users,2026-12-02T09:00:00Z,,u4\n")
        try Pipeline.run(try TestSupport.config(dir, period: "2026-12"))
        let lines = try Ledger(folder: dir + "/ledger", create: false).issuedItems().filter { $0.item.kind == .usage }
        #expect(lines.map { "\($0.item.period.start)..\($0.item.period.end) \($0.item.quantity) × \($0.item.unitPrice) = \($0.item.amount)" }
                == ["2026-11-07..2026-12-07 4 × 2 = 8.00"])
    }

    /// Zero events still price the charge (SPEC §5): a graduated first-tier flat fee of 5.00 is due.
    @Test func zeroUnitsStillBillTheFlatFee() throws {
        let dir = try TestSupport.workspace()
        let charge = ", \"charges\": [{\"metric\": \"seats\", \"aggregation\": \"max\", \"model\": \"graduated\", \"tiers\": [{\"up_to\": \"10\", \"unit_price\": \"1\", \"flat_fee\": \"5.00\"}, {\"up_to\": null, \"unit_price\": \"0.5\"}]}]}"
        try TestSupport.write(dir + "/dataset/plans.json", try TestSupport.read(dir + "/dataset/plans.json")
            .replacingFirst("\"price\": \"249.95\"}", with: "\"price\": \"249.95\"" + charge))
        try TestSupport.runPipeline(dir, periods: ["2026-11", "2026-12"])
        // Every served period of a Pro subscription owes it: S-005's [10-20, 11-20) on 11-20 (on or
        // after `since`), its last days [11-20, 11-25) on the cancel date, and S-001's first period.
        #expect(try usageLines(dir) == [
            "INV-000005 2026-11-20 2026-10-20..2026-11-20 5.00 Pro (monthly): seats, 0 units (max, graduated)",
            "CN-000001 2026-11-25 2026-11-20..2026-11-25 5.00 Pro (monthly): seats, 0 units (max, graduated)",
            "INV-000009 2026-12-07 2026-11-07..2026-12-07 5.00 Pro (monthly): seats, 0 units (max, graduated)",
        ])
    }

    /// A billed event sent again with other content is rejected, naming the earlier billing.
    @Test func conflictingRepeatOfABilledEventIsRejected() throws {
        let dir = try workspace()
        try run(dir, "2026-11", usage: "e1,S-001,api_calls,2026-11-08T09:00:00Z,1000\n")
        try run(dir, "2026-12", usage: "e1,S-001,api_calls,2026-11-08T09:00:00Z,999\n")
        #expect(try TestSupport.read(dir + "/out/2026-12/rejects.csv") == "file,line,event_id,reason\nusage.csv,2,e1,duplicate event_id with different content (already billed)\n")
        #expect(try usageLines(dir).first?.contains(" 1.00 ") == true)  // 1000 × 0.001, the first occurrence
    }

    /// Running only rate and invoice again after a committed run does not count the usage twice;
    /// an ingest output older than the ledger is refused.
    @Test func ingestOutputIsCommittedOnce() throws {
        let dir = try workspace()
        try run(dir, "2026-11", usage: "e1,S-001,api_calls,2026-11-08T09:00:00Z,1000\n")
        let before = try TestSupport.snapshot(dir + "/ledger")
        let config = try TestSupport.config(dir, period: "2026-11")
        try RateStage.run(config)
        try InvoiceStage.run(config)
        #expect(try TestSupport.snapshot(dir + "/ledger") == before)
        // An ingest output computed before the ledger took another contribution: December's
        // ingest counts e2 of 5 units (as contribution 2), then a full December run where e2 has
        // 7 units commits that as contribution 2 (the same files by name: e2's ids partition);
        // the first output put back is refused, not billed.
        let december = try TestSupport.config(dir, period: "2026-12")
        try TestSupport.write(dir + "/dataset/usage.csv", "event_id,subscription_id,metric,timestamp,quantity\ne2,S-001,api_calls,2026-12-08T09:00:00Z,5\n")
        try IngestStage.run(december)
        #expect(try TestSupport.run("/bin/cp", ["-a", dir + "/out/2026-12/ingest", dir + "/stale"]).status == 0)
        try run(dir, "2026-12", usage: "e2,S-001,api_calls,2026-12-08T09:00:00Z,7\n")
        try FileSystem.removeTree(dir + "/out/2026-12/ingest")
        #expect(try TestSupport.run("/bin/mv", [dir + "/stale", dir + "/out/2026-12/ingest"]).status == 0)
        #expect(try UsageStore.pieces(base: dir + "/out/2026-12/ingest/usage_contribution").map { "usage/000002" + $0 }
                == (try FileSystem.list(dir + "/ledger/usage/000002.ids")).reduce(["usage/000002.csv", "usage/000002.values.csv"]) { $0 + ["usage/000002.ids/" + $1] })
        let refused = "the ledger's usage changed since billing-ingest ran; run billing-ingest again"
        #expect { try RateStage.run(december) } throws: { "\($0)".hasSuffix(refused) }
        #expect { try InvoiceStage.run(december) } throws: { "\($0)".hasSuffix(refused) }
    }

    /// SIGKILL a run with usage after its k-th durable write (ingest's outputs, the documents
    /// written in place, the usage contribution linked into the ledger and its manifest, the redo record, the
    /// appends), run it again and go on to December: the ledger, usage contribution and ids
    /// included, equals that of runs never interrupted. The run makes 71 durable writes; each one
    /// is a case (a 72nd would find the run not killed, which the first expectation refuses).
    @Test(arguments: Array(1...71))
    func killedUsageRunResumesToTheSameLedger(killAfter: Int) throws {
        let usage = "event_id,subscription_id,metric,timestamp,quantity\n"
            + "e1,S-001,api_calls,2026-11-08T09:00:00Z,1000\ne2,S-001,api_calls,2026-11-09T09:00:00Z,20\ne1,S-001,api_calls,2026-11-08T09:00:00Z,1000\n"
        func months(_ dir: String, killAfter: Int?) throws {
            try TestSupport.write(dir + "/dataset/usage.csv", usage)
            let cfg = dir + "/pipeline.json"
            if let killAfter {
                let killed = try TestSupport.run("billing-pipeline", ["--config", cfg], env: ["BILLING_FAULT_KILL_AFTER": String(killAfter)])
                #expect(killed.signaled && killed.status == 9, "the run must really be killed at write \(killAfter)")
            }
            #expect(try TestSupport.run("billing-pipeline", ["--config", cfg]).status == 0)
            try TestSupport.write(dir + "/dataset/usage.csv", usage + "e3,S-001,api_calls,2026-11-10T09:00:00Z,5\n")  // a late event
            #expect(try TestSupport.run("billing-pipeline", ["--config", cfg, "--period", "2026-12"]).status == 0)
        }
        let reference = try workspace()
        try months(reference, killAfter: nil)
        let dir = try workspace()
        try months(dir, killAfter: killAfter)
        let expected = try TestSupport.snapshot(reference + "/ledger")
        #expect(expected.keys.contains("usage/000001.ids/" + UsageStore.partitionName(UsageStore.partition(ofHash: hashOf("e1")))))
        #expect(try TestSupport.snapshot(dir + "/ledger") == expected)
    }

    func hashOf(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { ByteKeyTable.hash(UnsafeRawBufferPointer($0)) }
    }

    /// A catalog may define thousands of metrics: accumulator keys held 4,095 before, and ingest
    /// stopped on a failed precondition (exit 132) at 4,096. Pro gets 4,100 charges `m0000` …
    /// `m4099`, each sum, per unit 0.001. S-001's period [11-07, 12-07) is billed on 12-07:
    /// m0000 = 1000 units × 0.001 = 1.00; m4099 = 2500 + 500 = 3000 units × 0.001 = 3.00. Every
    /// other charge is priced with no event (SPEC §5): 0 units = 0.00, so rate's items hold 4,100
    /// usage items for that period, and only the two that are not zero are issued (a zero
    /// difference issues no line). `m4100` is on no plan: rejected.
    @Test func thousandsOfMetricsAreBilled() throws {
        let dir = try TestSupport.workspace()
        let charges = (0..<4100).map { m in
            "{\"metric\": \"m\(String(10000 + m).dropFirst())\", \"aggregation\": \"sum\", \"model\": \"per_unit\", \"unit_price\": \"0.001\"}"
        }
        try TestSupport.write(dir + "/dataset/plans.json", try TestSupport.read(dir + "/dataset/plans.json")
            .replacingFirst("\"price\": \"249.95\"}", with: "\"price\": \"249.95\", \"charges\": [" + charges.joined(separator: ", ") + "]}"))
        try run(dir, "2026-11", usage: """
            e1,S-001,m0000,2026-11-08T09:00:00Z,1000
            e2,S-001,m4099,2026-11-20T09:00:00Z,2500
            e3,S-001,m4099,2026-11-21T09:00:00Z,500
            e4,S-001,m4100,2026-11-21T09:00:00Z,7

            """)
        #expect(try TestSupport.read(dir + "/out/2026-11/rejects.csv").hasSuffix("usage.csv,5,e4,unknown metric for this subscription's plan\n"))
        try run(dir, "2026-12", usage: "")
        let rated = try ItemsCSV.read(path: dir + "/out/2026-12/items.csv").map(\.item).filter {
            $0.kind == .usage && $0.subscriptionID == "S-001" && $0.period.start.description == "2026-11-07"
        }
        #expect(rated.count == 4100)
        #expect(Set(rated.map(\.metric)).count == 4100)
        let lines = try usageLines(dir).filter { $0.contains(" 2026-11-07..2026-12-07 ") }
        #expect(lines.map { String($0.split(separator: " ", maxSplits: 1)[1]) }.sorted() == [
            "2026-12-07 2026-11-07..2026-12-07 1.00 Pro (monthly): m0000, 1000 units (sum, per_unit)",
            "2026-12-07 2026-11-07..2026-12-07 3.00 Pro (monthly): m4099, 3000 units (sum, per_unit)",
        ])
    }
}
