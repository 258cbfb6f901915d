import BillingCore
import BillingIO
import Testing
@testable import BillingStages

/// SPEC §5/§8: a bad usage row goes to rejects.csv with its line and a reason and the run goes on;
/// every row is accepted, rejected, deferred, in a trial, or a counted duplicate: none is lost.
@Suite struct UsageIngestTests {
    /// The `api_calls` charge the workspaces' Pro and Starter plans have unless a test gives others.
    static let apiCalls = "{\"metric\": \"api_calls\", \"aggregation\": \"sum\", \"model\": \"per_unit\", \"unit_price\": \"0.001\"}"

    /// `samples/basic` with `charges` (JSON objects, comma-separated) on the Pro and Starter
    /// plans, after ingest.
    func workspace(charges: String = apiCalls, usage: String, timezone: String? = nil) throws -> String {
        let dir = try prepare(charges: charges, usage: usage, timezone: timezone)
        try IngestStage.run(try TestSupport.config(dir))
        return dir
    }

    /// The workspace with its usage file, before ingest.
    func prepare(charges: String = apiCalls, usage: String, timezone: String? = nil) throws -> String {
        let dir = try TestSupport.workspace { config in
            if let timezone { config = config.replacingFirst("\"alignment\": \"anniversary\"", with: "\"alignment\": \"anniversary\", \"timezone\": \"\(timezone)\"") }
        }
        let charge = ", \"charges\": [" + charges + "]}"
        let plans = try TestSupport.read(dir + "/dataset/plans.json")
            .replacingFirst("\"price\": \"249.95\"}", with: "\"price\": \"249.95\"" + charge)
            .replacingFirst("\"trial_days\": 14}", with: "\"trial_days\": 14" + charge)
        try TestSupport.write(dir + "/dataset/plans.json", plans)
        try TestSupport.write(dir + "/dataset/usage.csv", usage)
        return dir
    }

    /// An event id's hash picks its partition of `ids/`. When `event_id` is the first column the
    /// hash is taken from the row fingerprint's first field; otherwise the id is hashed on its own.
    /// The same 300 events with `event_id` first and third land in the same partitions with the
    /// same ids, and give the same contribution and rejects (a repeat, a conflicting repeat, an
    /// unknown subscription).
    @Test func idPartitionsDoNotDependOnColumnOrder() throws {
        var rows = (1...300).map { "u\($0),S-001,api_calls,2026-11-\(10 + $0 % 15)T10:00:00Z,\($0 % 7)," }
        rows += ["u5,S-001,api_calls,2026-11-15T10:00:00Z,5,", "u6,S-001,api_calls,2026-11-16T10:00:00Z,9,", "u9999,S-999,api_calls,2026-11-16T10:00:00Z,1,"]
        let idFirst = try workspace(usage: "event_id,subscription_id,metric,timestamp,quantity,value\n" + rows.joined(separator: "\n") + "\n")
        let moved = rows.map { row -> String in
            let f = row.split(separator: ",", omittingEmptySubsequences: false)
            return [f[1], f[2], f[0], f[3], f[4], f[5]].joined(separator: ",")
        }
        let idThird = try workspace(usage: "subscription_id,metric,event_id,timestamp,quantity,value\n" + moved.joined(separator: "\n") + "\n")
        let ingest = "/out/2026-11/ingest/usage_contribution"
        let files = try FileSystem.list(idFirst + ingest + ".ids").sorted()
        #expect(files.count > 100)  // 300 ids over 256 partitions
        #expect(try FileSystem.list(idThird + ingest + ".ids").sorted() == files)
        for name in files {
            let ids = { (dir: String) in try TestSupport.read(dir + ingest + ".ids/" + name).split(separator: "\n").map { $0.split(separator: ",")[0] } }
            #expect(try ids(idFirst) == ids(idThird), "\(name)")
        }
        #expect(try TestSupport.read(idFirst + ingest + ".csv") == TestSupport.read(idThird + ingest + ".csv"))
        let rejects = try TestSupport.read(idFirst + "/out/2026-11/rejects.csv")
        #expect(rejects == "file,line,event_id,reason\nusage.csv,303,u6,duplicate event_id with different content\nusage.csv,304,u9999,unknown subscription\n")
        #expect(try TestSupport.read(idThird + "/out/2026-11/rejects.csv") == rejects)
    }

    /// One subscription, two metrics, two periods: S-001 (Pro, monthly from 2026-11-07) meters
    /// `api_calls` (sum) and `storage_gb` (max). Each (metric, period) is its own accumulator,
    /// whichever way pass 2 finds it (dense slot or key): api_calls in [11-07, 12-07) sums 3 + 4
    /// = 7 over 2 events, largest 4; storage_gb there sums 7 + 5 = 12, largest 7; api_calls in
    /// [12-07, 2027-01-07) has the deferred 10; storage_gb has nothing there (no row).
    @Test func eachMetricAndPeriodOfASubscriptionIsItsOwnAccumulator() throws {
        let storage = "{\"metric\": \"storage_gb\", \"aggregation\": \"max\", \"model\": \"per_unit\", \"unit_price\": \"0.10\"}"
        let dir = try workspace(charges: UsageIngestTests.apiCalls + ", " + storage, usage: """
            event_id,subscription_id,metric,timestamp,quantity,value
            m1,S-001,api_calls,2026-11-10T10:00:00Z,3,
            m2,S-001,storage_gb,2026-11-11T10:00:00Z,7,
            m3,S-001,api_calls,2026-11-20T10:00:00Z,4,
            m4,S-001,storage_gb,2026-11-21T10:00:00Z,5,
            m5,S-001,api_calls,2026-12-08T10:00:00Z,10,

            """)
        let rows = try TestSupport.read(dir + "/out/2026-11/ingest/usage_contribution.csv").split(separator: "\n").dropFirst()
        #expect(rows.map { $0.split(separator: ",").prefix(7).joined(separator: ",") } == [
            "S-001,api_calls,2026-11-07,2026-12-07,7,2,4",
            "S-001,api_calls,2026-12-07,2027-01-07,10,1,10",
            "S-001,storage_gb,2026-11-07,2026-12-07,12,2,7",
        ])
    }

    /// A contribution's distinct values are written in the order of their text, per accumulator,
    /// whatever order the rows first gave them in. S-001 (Pro, monthly from 2026-11-07) counts
    /// `users` with `unique_count`. In [11-07, 12-07) the rows give "zed", "b", "Émile", "a" and
    /// "b" again: {a, b, zed, Émile} in text order ("É" is U+00C9, after every ASCII letter), where
    /// their first-seen order (zed, b, Émile, a) would be wrong. In [12-07, 2027-01-07) (deferred)
    /// "y" then "b": {b, y}, a subset ranked among all five values.
    @Test func distinctValuesAreWrittenInTextOrderPerAccumulator() throws {
        let users = "{\"metric\": \"users\", \"aggregation\": \"unique_count\", \"model\": \"per_unit\", \"unit_price\": \"1\"}"
        let dir = try workspace(charges: users, usage: """
            event_id,subscription_id,metric,timestamp,quantity,value
            v1,S-001,users,2026-11-10T10:00:00Z,,zed
            v2,S-001,users,2026-12-08T10:00:00Z,,y
            v3,S-001,users,2026-11-11T10:00:00Z,,b
            v4,S-001,users,2026-11-12T10:00:00Z,,\u{C9}mile
            v5,S-001,users,2026-12-09T10:00:00Z,,b
            v6,S-001,users,2026-11-13T10:00:00Z,,a
            v7,S-001,users,2026-11-14T10:00:00Z,,b

            """)
        #expect(try TestSupport.read(dir + "/out/2026-11/ingest/usage_contribution.values.csv") == """
            subscription_id,metric,period_start,period_end,value
            S-001,users,2026-11-07,2026-12-07,a
            S-001,users,2026-11-07,2026-12-07,b
            S-001,users,2026-11-07,2026-12-07,zed
            S-001,users,2026-11-07,2026-12-07,\u{C9}mile
            S-001,users,2026-12-07,2027-01-07,b
            S-001,users,2026-12-07,2027-01-07,y

            """)
    }

    @Test func everyRowIsAccountedFor() throws {
        let dir = try workspace(usage: """
            event_id,subscription_id,metric,timestamp,quantity,value
            e1,S-001,api_calls,2026-11-08T10:00:00Z,5,
            e2,S-999,api_calls,2026-11-08T10:00:00Z,1,
            e3,S-001,storage,2026-11-08T10:00:00Z,1,
            e4,S-001,api_calls,2026-11-08 10:00:00,1,
            e5,S-001,api_calls,2026-11-08T10:00:00Z,-1,
            e6,S-001,api_calls,2026-11-08T10:00:00Z,1e3,
            e1,S-001,api_calls,2026-11-08T10:00:00Z,5,
            e1,S-001,api_calls,2026-11-08T10:00:00Z,6,
            e7,S-001,api_calls,2026-12-02T00:00:00Z,1,
            e8,S-001,api_calls,2026-11-06T23:59:59Z,1,
            e9,S-001,api_calls,2026-11-06T23:30:00-01:00,1,
            e10,S-001,api_calls,2026-11-08T10:00:00Z,1,x,extra
            ../x,S-001,api_calls,2026-11-08T10:00:00Z,1,
            e11,S-004,api_calls,2026-11-12T00:00:00Z,1,
            e12,S-001,api_calls,2026-11-08T10:00:00.123456Z,0.000000001,k

            """)
        // Line by line: e1 accepted (2); e2 unknown subscription (3); e3 metric not on Pro (4); e4 no
        // `T` and no zone (5); e5 negative (6); e6 exponent (7); e1 again, same content: a counted
        // duplicate (8); e1 with another quantity: rejected (9); e7 after the window: deferred (10); e8
        // the day before S-001 starts (11); e9 is 11-07T00:30Z, S-001's first day: accepted (12); e10
        // has 7 fields (13); ../x is not an id (14); e11 falls in S-004's trial 11-10…11-23 (15); e12
        // has a fraction of a second and 9 decimals: accepted (16).
        #expect(try TestSupport.read(dir + "/out/2026-11/rejects.csv") == """
            file,line,event_id,reason
            usage.csv,3,e2,unknown subscription
            usage.csv,4,e3,unknown metric for this subscription's plan
            usage.csv,5,e4,malformed timestamp
            usage.csv,6,e5,negative quantity
            usage.csv,7,e6,malformed quantity
            usage.csv,9,e1,duplicate event_id with different content
            usage.csv,11,e8,outside every served period
            usage.csv,13,e10,"malformed row: 7 fields, header has 6"
            usage.csv,14,../x,malformed event_id

            """)
        let usage = try JSONParser.parse(try FileSystem.read(dir + "/out/2026-11/ingest/summary.json"), file: "s")["usage"]!
        // 15 rows = 3 accepted + 9 rejected + 1 deferred + 1 trial + 1 duplicate.
        #expect(["rows", "accepted", "rejected", "deferred", "trial", "duplicates"].map { usage[$0]!.value } ==
                [.number("15"), .number("3"), .number("9"), .number("1"), .number("1"), .number("1")])
    }

    /// The configured offset decides the day: 2026-11-06T20:00Z is 11-07 05:00 at +09:00 (S-001's
    /// first day, accepted) but still 11-06 at UTC (before it started, rejected).
    @Test(arguments: [("+09:00", ""), ("+00:00", "usage.csv,2,t1,outside every served period\n")])
    func timezoneDecidesTheDay(timezone: String, rejected: String) throws {
        let dir = try workspace(usage: "event_id,subscription_id,metric,timestamp\nt1,S-001,api_calls,2026-11-06T20:00:00Z\n", timezone: timezone)
        #expect(try TestSupport.read(dir + "/out/2026-11/rejects.csv") == "file,line,event_id,reason\n" + rejected)
    }

    /// A subscription may have more than 65,535 served periods: ingest stopped on a failed
    /// precondition (a leftover of an older key layout) when one did. S-001 starts 0001-01-07,
    /// monthly, and the run is for 6000-11: (6000 − 1) × 12 + 10 = 71,998 periods start before
    /// 6000-11-07. g1 (6000-11-10, 3 units) falls in [6000-11-07, 6000-12-07); g2, the day before
    /// S-001 starts, in none.
    @Test func subscriptionsWithManyPeriodsAreIngested() throws {
        let dir = try prepare(usage: """
            event_id,subscription_id,metric,timestamp,quantity
            g1,S-001,api_calls,6000-11-10T10:00:00Z,3
            g2,S-001,api_calls,0001-01-06T10:00:00Z,1

            """)
        let subscriptions = try TestSupport.read(dir + "/dataset/subscriptions.csv")
        #expect(subscriptions.contains("S-001,C-001,pro-monthly,2026-11-07,"))
        try TestSupport.write(dir + "/dataset/subscriptions.csv", subscriptions.replacingFirst("S-001,C-001,pro-monthly,2026-11-07,", with: "S-001,C-001,pro-monthly,0001-01-07,"))
        try IngestStage.run(try TestSupport.config(dir, period: "6000-11"))
        #expect(try TestSupport.read(dir + "/out/6000-11/rejects.csv") == "file,line,event_id,reason\nusage.csv,3,g2,outside every served period\n")
        #expect(try TestSupport.read(dir + "/out/6000-11/ingest/usage_contribution.csv").contains("\nS-001,api_calls,6000-11-07,6000-12-07,3,1,"))
    }

    /// Usage timestamps end at `CivilDate.latestInput`, 9799-12-31, in the configured offset: l1,
    /// 9799-12-31T23:00-14:00, is 9800-01-01 13:00 UTC and day 9800-01-01, rejected; l2, the
    /// same day at 10:00 UTC, is in a served period after the window, deferred. (Such a row
    /// computed served periods into year 10000 and stopped ingest on a failed force-unwrap.)
    @Test func timestampsEndAtTheLatestSupportedDate() throws {
        let dir = try workspace(usage: """
            event_id,subscription_id,metric,timestamp,quantity
            l1,S-001,api_calls,9799-12-31T23:00:00-14:00,1
            l2,S-001,api_calls,9799-12-31T10:00:00Z,1

            """)
        #expect(try TestSupport.read(dir + "/out/2026-11/rejects.csv")
            == "file,line,event_id,reason\nusage.csv,2,l1,\"timestamp after 9799-12-31, the latest date the pipeline supports\"\n")
        let summary = try JSONParser.parse(try FileSystem.read(dir + "/out/2026-11/ingest/summary.json"), file: "s")["usage"]!
        #expect(["rows", "deferred", "rejected"].map { summary[$0]!.value } == [.number("2"), .number("1"), .number("1")])
    }

    /// A period's quantities that add up past the sum an accumulator holds (2^127 − 1 units of
    /// 10^−9, about 1.7 × 10^29 units) stop ingest with an error naming the subscription, metric
    /// and period: o1 + o2 = 2 × 10^29 units. Each alone is exact (10^29 < 1.7 × 10^29). It
    /// stopped ingest on an arithmetic-overflow trap.
    @Test func usageSumOverflowIsADataError() throws {
        let dir = try prepare(usage: """
            event_id,subscription_id,metric,timestamp,quantity
            o1,S-001,api_calls,2026-11-10T10:00:00Z,100000000000000000000000000000
            o2,S-001,api_calls,2026-11-11T10:00:00Z,100000000000000000000000000000

            """)
        do {
            try IngestStage.run(try TestSupport.config(dir))
            Issue.record("accepted")
        } catch let StageFailure.data(errors) {
            #expect(errors.map(\.description) == [
                "usage.csv:1:5: quantity: the quantities of api_calls for 2026-11-07 – 2026-12-06 add up past the largest sum kept (2^127 − 1 units of 10^−9) (S-001)",
            ])
        }
        // Nothing of the usage is left for the next stages: no contribution, no ids.
        #expect(!FileSystem.exists(dir + "/out/2026-11/ingest/usage_contribution.csv"))
        #expect(!FileSystem.exists(dir + "/out/2026-11/ingest/usage_contribution.ids"))
    }

    /// A usage charge whose amount overflows is reported against its subscription, with the metric
    /// and period: 10^20 units × 10^23 = 10^43 > 1.7 × 10^38. (It named the subscription's
    /// `quantity` before, which had nothing to do with it.)
    @Test func usageAmountOverflowNamesTheCharge() throws {
        let dir = try prepare(usage: "event_id,subscription_id,metric,timestamp,quantity\no1,S-001,api_calls,2026-11-10T10:00:00Z,100000000000000000000\n")
        let plans = try TestSupport.read(dir + "/dataset/plans.json")
        try TestSupport.write(dir + "/dataset/plans.json", plans.replacingFirst("\"unit_price\": \"0.001\"", with: "\"unit_price\": \"100000000000000000000000\""))
        let config = try TestSupport.config(dir, period: "2026-12")
        try IngestStage.run(config)
        do {
            try RateStage.run(config)
            Issue.record("accepted")
        } catch let StageFailure.data(errors) {
            #expect(errors.count == 1)
            #expect(errors.first?.description.hasSuffix(
                "/dataset/subscriptions.csv:2:1: subscription_id: usage amount overflows: arithmetic overflow in decimal multiplication of api_calls for 2026-11-07 – 2026-12-06 (S-001)"
            ) == true, "\(errors)")
        }
    }

    /// A row dated past the periods computed ahead (to the window's end + 62 days: 2027-02-01 here)
    /// gets its period computed for it, kept for its subscription's next rows (with two workers,
    /// f4, f2 and f6 are answered from what f1 and f5 kept). S-001 (Pro, monthly from 2026-11-07)
    /// is billed from the 7th to the 7th: f1 (03-10) and f2 (03-20) fall in 2029-03-07…04-07
    /// (2 + 3 = 5 calls, 2 events); f4 (04-08) in 04-07…05-07 (5 calls); f3 (03-05, before what f1
    /// kept) in 02-07…03-07 (4 calls). All four are after the window: deferred. S-005 ended on
    /// 2026-11-25, so f5 and f6 are outside every served period.
    @Test func rowsOverAYearAheadFindTheirPeriods() throws {
        let dir = try workspace(usage: """
            event_id,subscription_id,metric,timestamp,quantity,value
            f1,S-001,api_calls,2029-03-10T10:00:00Z,2,
            f4,S-001,api_calls,2029-04-08T10:00:00Z,5,
            f2,S-001,api_calls,2029-03-20T10:00:00Z,3,
            f3,S-001,api_calls,2029-03-05T10:00:00Z,4,
            f5,S-005,api_calls,2029-03-10T10:00:00Z,1,
            f6,S-005,api_calls,2029-03-11T10:00:00Z,1,

            """)
        #expect(try TestSupport.read(dir + "/out/2026-11/rejects.csv") == """
            file,line,event_id,reason
            usage.csv,6,f5,outside every served period
            usage.csv,7,f6,outside every served period

            """)
        let summary = try JSONParser.parse(try FileSystem.read(dir + "/out/2026-11/ingest/summary.json"), file: "s")["usage"]!
        // 6 rows = 0 accepted + 4 deferred + 2 rejected.
        #expect(["rows", "accepted", "deferred", "rejected"].map { summary[$0]!.value } == [.number("6"), .number("0"), .number("4"), .number("2")])
        let contribution = try TestSupport.read(dir + "/out/2026-11/ingest/usage_contribution.csv")
        for row in ["S-001,api_calls,2029-02-07,2029-03-07,4,1,", "S-001,api_calls,2029-03-07,2029-04-07,5,2,", "S-001,api_calls,2029-04-07,2029-05-07,5,1,"] {
            #expect(contribution.contains(row), "\(row)")
        }
    }

    /// Pass 1 splits the file at a line break near its middle and reads both parts at once. Here
    /// that line break is inside a quoted value (20 lines of it), so the second part's work is
    /// dropped and the first reader reads on: every row and line number is as one reader sees them.
    @Test func splitInsideAQuotedFieldReadsOn() throws {
        let filler = (1...20).map { "filler line \($0) inside a quoted value, with, commas, and more, fields" }.joined(separator: "\n")
        let usage = "event_id,subscription_id,metric,timestamp,quantity,value\n"
            + "e1,S-001,api_calls,2026-11-08T10:00:00Z,5,\n"
            + "e2,S-001,api_calls,2026-11-09T10:00:00Z,1,\"a\n\(filler)\nb\"\n"
            + "e3,S-999,api_calls,2026-11-08T10:00:00Z,1,\n\n"
            + "e4,S-001,api_calls,2026-11-10T10:00:00Z,-2,\n"
        // The middle byte is in the quoted value: 56 + 43 bytes before it, over 1,300 in it.
        #expect(usage.utf8.count / 2 > 99 + 50 && usage.utf8.count / 2 < usage.utf8.count - 150)
        let dir = try workspace(usage: usage)
        // e2's value runs from line 3 to line 24 (1 + 20 filler lines + `b"`); e3 is on line 25,
        // line 26 is blank, e4 is on line 27.
        #expect(try TestSupport.read(dir + "/out/2026-11/rejects.csv") == """
            file,line,event_id,reason
            usage.csv,25,e3,unknown subscription
            usage.csv,27,e4,negative quantity

            """)
        let summary = try JSONParser.parse(try FileSystem.read(dir + "/out/2026-11/ingest/summary.json"), file: "s")["usage"]!
        // 4 rows: e1 and e2 accepted (5 + 1 = 6 calls), e3 and e4 rejected.
        #expect(["rows", "accepted", "rejected"].map { summary[$0]!.value } == [.number("4"), .number("2"), .number("2")])
        #expect(try TestSupport.read(dir + "/out/2026-11/ingest/usage_contribution.csv").contains(",api_calls,2026-11-07,2026-12-07,6,2,"))
    }

    /// Pass 1 checks rows a few hundred at a time (their fields copied aside, then checked in
    /// order). 700 rows span several batches in each part; every 7th names an unknown
    /// subscription; rows 300 and 301 carry values of 100,000 and 70,000 bytes, more than a
    /// batch's first 64 KiB of room. Every reject keeps its line, in order, and nothing is lost.
    @Test func rowsCheckedInBatchesKeepTheirOrder() throws {
        var usage = "event_id,subscription_id,metric,timestamp,quantity,value\n"
        for k in 1...700 {
            let value = k == 300 ? String(repeating: "v", count: 100_000) : k == 301 ? String(repeating: "w", count: 70_000) : ""
            usage += "r\(k),\(k % 7 == 0 ? "S-999" : "S-001"),api_calls,2026-11-08T10:00:00Z,1,\(value)\n"
        }
        let dir = try workspace(usage: usage)
        // Row k is on line k + 1; k = 7, 14, …, 700 are rejected: 100 rows.
        let rejected = stride(from: 7, through: 700, by: 7).map { "usage.csv,\($0 + 1),r\($0),unknown subscription\n" }.joined()
        #expect(try TestSupport.read(dir + "/out/2026-11/rejects.csv") == "file,line,event_id,reason\n" + rejected)
        // 700 − 100 = 600 accepted, one call each: a sum of 600 over 600 events.
        let summary = try JSONParser.parse(try FileSystem.read(dir + "/out/2026-11/ingest/summary.json"), file: "s")["usage"]!
        #expect(["rows", "accepted", "rejected"].map { summary[$0]!.value } == [.number("700"), .number("600"), .number("100")])
        #expect(try TestSupport.read(dir + "/out/2026-11/ingest/usage_contribution.csv").contains(",api_calls,2026-11-07,2026-12-07,600,600,"))
    }

    /// A `value` must be UTF-8 text without NUL bytes, whatever the metric: `café` (é is 0xC3 0xA9)
    /// is accepted; a lone 0xFF byte and a NUL byte are refused, each on its own line.
    @Test func valueMustBeText() throws {
        let dir = try prepare(usage: "")
        let row = { (id: String, value: [UInt8]) in Array("\(id),S-001,api_calls,2026-11-08T10:00:00Z,1,".utf8) + value + [0x0A] }
        let bytes = Array("event_id,subscription_id,metric,timestamp,quantity,value\n".utf8)
            + row("e1", Array("café".utf8)) + row("e2", [0x61, 0xFF, 0x62]) + row("e3", [0x61, 0x00, 0x62])
        try FileSystem.replace(dir + "/dataset/usage.csv", bytes)
        try IngestStage.run(try TestSupport.config(dir))
        #expect(try TestSupport.read(dir + "/out/2026-11/rejects.csv") == """
            file,line,event_id,reason
            usage.csv,3,e2,value is not valid UTF-8 text or contains a NUL byte
            usage.csv,4,e3,value is not valid UTF-8 text or contains a NUL byte

            """)
    }

    /// File-level problems stop the run, and ingest writes nothing: a missing required column, and
    /// an unterminated quote after rows already spilled.
    @Test(arguments: [
        ("event_id,subscription_id,timestamp\ne1,S-001,2026-11-08T10:00:00Z\n",
         "usage.csv:1:4: metric: missing required column (event_id,subscription_id,timestamp)"),
        ("event_id,subscription_id,metric,timestamp\ne1,S-001,api_calls,2026-11-08T10:00:00Z\ne2,\"S-001,api_calls,2026-11-08T10:00:00Z\n",
         "usage.csv:3:2: csv: malformed quoting (RFC 4180) (e2)"),  // the record's line, its second field, what was read
    ])
    func fileLevelUsageErrorIsFatal(usage: String, message: String) throws {
        let dir = try prepare(usage: usage)
        do {
            try IngestStage.run(try TestSupport.config(dir))
            Issue.record("accepted")
        } catch let e as DataError {
            #expect(e.description.hasSuffix(message))
        }
        #expect(!FileSystem.exists(dir + "/out/2026-11"), "ingest must write nothing on a data error")
    }
}

/// Receipts that cannot be applied are data errors naming their row; billing-pay writes nothing.
@Suite struct ReceiptErrorTests {
    @Test(arguments: [
        ("INV-000002,2026-11-28,2612.95", "INV-000099,2026-11-28,10.00", "payments_received.csv:2:1: invoice_number: unknown invoice number (INV-000099)"),
        // INV-000002 is 2612.95; 3000.00 is more than is outstanding.
        ("INV-000002,2026-11-28,2612.95", "INV-000002,2026-11-28,3000.00", "payments_received.csv:2:3: amount: overpayment: INV-000002 has 2612.95 USD outstanding (3000.00)"),
        // INV-000004 is 7700 JPY: yen have no decimals.
        ("INV-000002,2026-11-28,2612.95", "INV-000004,2026-11-28,7700.5", "payments_received.csv:2:3: amount: more decimals than JPY has (7700.5)"),
        // 10^29 − 1 dollars is past the 2^63 − 1 cents an amount holds (it read "more decimals than USD has").
        ("INV-000002,2026-11-28,2612.95", "INV-000002,2026-11-28,99999999999999999999999999999",
         "payments_received.csv:2:3: amount: too large: an amount holds up to 2^63 − 1 minor units (99999999999999999999999999999)"),
        // INV-000006 became uncollectible on 11-24 (hard decline).
        ("INV-000002,2026-11-28,2612.95", "INV-000006,2026-11-28,156.19", "payments_received.csv:2:1: invoice_number: invoice is uncollectible, not open (INV-000006)"),
    ])
    func receiptErrors(find: String, replace: String, expected: String) throws {
        let dir = try TestSupport.workspace()
        let path = dir + "/dataset/payments_received.csv"
        try TestSupport.write(path, try TestSupport.read(path).replacingFirst(find, with: replace))
        do {
            try TestSupport.runPipeline(dir, periods: ["2026-11"])
            Issue.record("accepted")
        } catch let StageFailure.data(errors) {
            #expect(errors.map(\.description) == [dir + "/dataset/" + expected])
        }
        #expect(!FileSystem.exists(dir + "/ledger/payments.csv"), "billing-pay must write nothing")
    }
}
