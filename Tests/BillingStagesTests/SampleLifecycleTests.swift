import BillingCore
import BillingIO
import Testing
@testable import BillingStages

/// `samples/lifecycle`: 20 customers over the 12 months of 2026, with a correction of the input
/// arriving in month 7 (SL-14's seats, SL-19's back-dated upgrade, SL-20's cancel date).
@Suite struct SampleLifecycleTests {
    /// Sum of document totals per customer, in cents, from the register.
    func totals(_ ledger: String) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for row in try Ledger(folder: ledger, create: false).register() {
            out[row["customer_id"]!, default: 0] += try Ledger.money(row, "total", file: "invoices.csv").minorUnits
        }
        return out
    }

    /// Every document over the 12 runs, summed per customer (Oregon: no tax, so totals are net):
    /// - L-03 Starter 29.00 from 01-10, Pro 99.00 from 03-25: 29 × 3 (Jan, Feb, Mar periods) = 87.00;
    ///   the change credits −29 × 16/31 = −14.967… → −14.97 and charges 99 × 16/31 = 51.096… → 51.10;
    ///   then Pro for Apr 10 … Dec 10, 9 × 99 = 891.00. Sum 87 − 14.97 + 51.10 + 891 = 1014.13.
    /// - L-05 Team 49.00 × 5 = 245.00 from 01-01, 8 seats from 04-11: Jan–Apr 4 × 245 = 980.00; the
    ///   change credits −245 × 20/30 = −163.33 and charges 392 × 20/30 = 261.33; May–Dec 8 × 392 =
    ///   3136.00. Sum 980 − 163.33 + 261.33 + 3136 = 4214.00.
    /// - L-10 Pro yearly 990.00 from 02-01, cancelled 09-01: 153 of 365 days unused (Sep 30 + Oct 31 +
    ///   Nov 30 + Dec 31 + Jan 31): −990 × 153/365 = −414.986… → −414.99. Sum 575.01.
    /// - L-14 Pro from 03-03, 1 seat (entered as 2 until the July correction): Mar–Jun issued at
    ///   198.00 = 792.00; July's correction −4 × 99 = −396.00; Jul–Dec 6 × 99 = 594.00. Sum 990.00,
    ///   which is 10 periods × 99.
    /// - L-20 Starter from 01-10, cancelled 05-25 (recorded as 06-20 until July): Jan–May periods
    ///   5 × 29 = 145.00; June period 29.00 and its credit −29 × 20/30 = −19.33 (issued in June);
    ///   July's correction: the true credit −29 × 16/31 = −14.97, June reversed −29.00, the old credit
    ///   reversed +19.33. Sum 145 + 29 − 19.33 − 14.97 − 29 + 19.33 = 130.03 (= 145 − 14.97).
    @Test func fiveCustomersOverTwelveMonthsByHand() throws {
        let dir = try TestSupport.runSample("lifecycle")
        let t = try totals(dir + "/ledger")
        #expect(t["L-03"] == 101413)
        #expect(t["L-05"] == 421400)
        #expect(t["L-10"] == 57501)
        #expect(t["L-14"] == 99000)
        #expect(t["L-20"] == 13003)
    }

    /// Month 7 issues exactly the correcting documents, each line labelled with the service period
    /// it corrects, on the window's first day.
    @Test func monthSevenCorrections() throws {
        let dir = try TestSupport.runSample("lifecycle")
        let rows = try Ledger(folder: dir + "/ledger", create: false).register().filter { $0["issue_date"] == "2026-07-01" }
        let byCustomer = Dictionary(uniqueKeysWithValues: rows.map { ($0["customer_id"]!, $0) })
        #expect(byCustomer["L-14"]?["number"] == "CN-000004" && byCustomer["L-14"]?["total"] == "-396.00")
        #expect(byCustomer["L-19"]?["total"] == "205.13")  // 36.13 (May) + 70.00 (June) + 99.00 (July)
        #expect(byCustomer["L-20"]?["number"] == "CN-000005" && byCustomer["L-20"]?["total"] == "-24.64")
        let cn = try JSONParser.parse(try FileSystem.read(dir + "/ledger/invoices/CN-000005.json"), file: "cn")
        let lines = cn["lines"]!.arrayValue!.map { "\($0["period_start"]!.stringValue!) \($0["amount"]!.stringValue!) \($0["description"]!.stringValue!)" }
        #expect(lines == [
            "2026-05-25 -14.97 Correction for 2026-05-25 – 2026-06-09: Credit: Starter, unused 16/31 days",
            "2026-06-10 -29.00 Correction for 2026-06-10 – 2026-07-09: Starter",
            "2026-06-20 19.33 Correction for 2026-06-20 – 2026-07-09: Credit: Starter, unused 20/30 days",
        ])
        // The credit note names the invoices it corrects: May's (INV-000075) and June's (INV-000094).
        #expect(cn["references"]!.arrayValue!.compactMap(\.stringValue) == ["INV-000075", "INV-000094"])
    }

    /// Re-running any month issues nothing and changes no file; no issued file ever changes.
    @Test func everyMonthRerunIssuesNothing() throws {
        var issuedFiles: [String: [UInt8]] = [:]
        _ = try TestSupport.runSample("lifecycle") { dir, period in
            let before = try TestSupport.snapshot(dir + "/ledger")
            try Pipeline.run(try TestSupport.config(dir, period: period))
            #expect(try TestSupport.snapshot(dir + "/ledger") == before, "re-running \(period) changed the ledger")
            for (name, bytes) in before where name.hasPrefix("invoices/") {
                if let earlier = issuedFiles[name] { #expect(earlier == bytes, "\(name) changed") }
                issuedFiles[name] = bytes
            }
        }
    }

    /// Months 1–12 in one go (a December run on a fresh ledger, since 2026-01-01, with the corrected
    /// data) bill every customer the same total as twelve monthly runs with the late correction.
    @Test func oneGoEqualsMonthByMonth() throws {
        let monthly = try TestSupport.runSample("lifecycle")
        let dir = TestSupport.tempFolder()
        let config = try TestSupport.read(TestSupport.root + "/samples/lifecycle/pipeline.json")
            .replacingFirst("\"dataset\": \".\"", with: "\"dataset\": \"\(TestSupport.root)/samples/lifecycle\"")
        try TestSupport.write(dir + "/pipeline.json", config)
        try Pipeline.run(try TestSupport.config(dir, period: "2026-12"))
        let once = try totals(dir + "/ledger")
        #expect(once == (try totals(monthly + "/ledger")))
        #expect(once.count == 20)
    }
}
