import BillingCore
import BillingIO
import Testing
@testable import BillingStages

/// One malformed-input case: an edit to one file of `samples/basic` and the first error line it
/// must produce (after the dataset folder path). A trailing `…` makes it a prefix match.
struct BadInput: Sendable, CustomTestStringConvertible {
    var file: String
    var find: String
    var replace: String
    var expected: String
    var testDescription: String { "\(file): \(expected.prefix(60))" }
}

/// SPEC §3 and §8: every kind of bad input gets `file:line:column: field: problem (value)`, exit
/// code 1, and the ledger is not touched. Line numbers: header is line 1, C-001/S-001 line 2.
@Suite struct BadInputTests {
    static let cases: [BadInput] = [
        // customers.csv: customer_id(1) name(2) country(3) currency(4) email(5) region(6) tax_id(7) tax_exempt(8) payment_method(9)
        .init(file: "customers.csv", find: "Kestrel Analytics,US,USD", replace: "Kestrel Analytics,US,XYZ",
              expected: "customers.csv:3:4: currency: unknown ISO 4217 currency code (XYZ)"),
        .init(file: "customers.csv", find: "Kestrel Analytics,US,USD", replace: "Kestrel Analytics,US,usd",
              expected: "customers.csv:3:4: currency: unknown ISO 4217 currency code (usd)"),
        .init(file: "customers.csv", find: "Blue Harbor LLC,US", replace: "Blue Harbor LLC,XX",
              expected: "customers.csv:2:3: country: unknown ISO 3166-1 alpha-2 country code (XX)"),
        .init(file: "customers.csv", find: "card_fail_first:1\n", replace: "card_fail_first:1\nC-001,Dup,US,USD,,,,false,\n",
              expected: "customers.csv:7:1: customer_id: duplicate id (C-001)"),
        .init(file: "customers.csv", find: "C-005,", replace: "../C-5,",
              expected: "customers.csv:6:1: customer_id: invalid id: expected [A-Za-z0-9][A-Za-z0-9._-]{0,63} (../C-5)"),
        .init(file: "customers.csv", find: "country,currency,", replace: "country,currencies,",
              expected: "customers.csv:1:10: currency: missing required column (…"),
        .init(file: "customers.csv", find: ",email,", replace: ",name,", expected: "customers.csv:1:5: name: duplicate column (name)"),
        .init(file: "customers.csv", find: "\"Fjord Systems, Inc.\"", replace: "\"Fjord Systems, Inc.",
              expected: "customers.csv:6:2: csv: malformed quoting (RFC 4180) (…"),
        .init(file: "customers.csv", find: "Blue Harbor", replace: "Blue \"Harbor", expected: "customers.csv:2:2: csv: malformed quoting (RFC 4180) (…"),
        .init(file: "customers.csv", find: "card_ok\nC-002", replace: "card_ok,extra\nC-002",
              expected: "customers.csv:2:10: csv: row has 10 fields, header has 9 (…"),
        .init(file: "customers.csv", find: "Kestrel", replace: "Kes\u{0}trel",
              expected: "customers.csv:3:2: name: not valid UTF-8 text or contains a NUL byte (Kes\\0trel Analytics)"),
        .init(file: "customers.csv", find: "Blue Harbor LLC", replace: "", expected: "customers.csv:2:2: name: required value is empty ()"),
        .init(file: "customers.csv", find: "false,card_ok\nC-002", replace: "yes,card_ok\nC-002",
              expected: "customers.csv:2:8: tax_exempt: expected true or false (yes)"),
        .init(file: "customers.csv", find: "false,card_declined", replace: "false,card_gold",
              expected: "customers.csv:5:9: payment_method: unknown gateway token (…"),
        .init(file: "customers.csv", find: "card_fail_first:1", replace: "card_random:1.5",
              expected: "customers.csv:6:9: payment_method: unknown gateway token (…"),
        .init(file: "customers.csv", find: "ap@blueharbor.example", replace: "not-an-address",
              expected: "customers.csv:2:5: email: not an e-mail address (not-an-address)"),
        .init(file: "customers.csv", find: "US,USD,ap@blueharbor.example,WA", replace: "US,USD,ap@blueharbor.example,wa",
              expected: "customers.csv:2:6: region: expected an upper-case subdivision code without the country (WA) (wa)"),
        // subscriptions.csv: subscription_id(1) customer_id(2) plan_id(3) start_date(4) quantity(5) trial_end_date(6) cancel_date(7) billing_day(8)
        .init(file: "subscriptions.csv", find: "2026-11-07", replace: "2026-02-30",
              expected: "subscriptions.csv:2:4: start_date: expected an existing date YYYY-MM-DD (2026-02-30)"),
        .init(file: "subscriptions.csv", find: "2026-11-07", replace: "9800-01-01",
              expected: "subscriptions.csv:2:4: start_date: after 9799-12-31, the latest date the pipeline supports (9800-01-01)"),
        .init(file: "subscriptions.csv", find: "2026-11-07", replace: "2026/11/07",
              expected: "subscriptions.csv:2:4: start_date: expected an existing date YYYY-MM-DD (2026/11/07)"),
        .init(file: "subscriptions.csv", find: "S-001,C-001,pro-monthly", replace: "S-001,C-001,nope",
              expected: "subscriptions.csv:2:3: plan_id: unknown plan (nope)"),
        .init(file: "subscriptions.csv", find: "S-001,C-001", replace: "S-001,C-999", expected: "subscriptions.csv:2:2: customer_id: unknown customer (C-999)"),
        .init(file: "subscriptions.csv", find: "S-003,C-003,jp-basic", replace: "S-003,C-003,pro-monthly",
              expected: "subscriptions.csv:4:3: plan_id: plan currency USD differs from customer C-003's currency JPY (pro-monthly)"),
        .init(file: "subscriptions.csv", find: "2026-11-07,1", replace: "2026-11-07,0",
              expected: "subscriptions.csv:2:5: quantity: expected a whole number 1…1000000000 (0)"),
        .init(file: "subscriptions.csv", find: "2026-11-07,1", replace: "2026-11-07,1.5",
              expected: "subscriptions.csv:2:5: quantity: expected a whole number 1…1000000000 (1.5)"),
        .init(file: "subscriptions.csv", find: "2026-11-07,1", replace: "2026-11-07,\"1,000\"",
              expected: "subscriptions.csv:2:5: quantity: expected a whole number 1…1000000000 (1,000)"),
        .init(file: "subscriptions.csv", find: "S-006,C-001", replace: "S-001,C-001", expected: "subscriptions.csv:7:1: subscription_id: duplicate id (S-001)"),
        .init(file: "subscriptions.csv", find: "2026-11-25", replace: "2026-10-01",
              expected: "subscriptions.csv:6:7: cancel_date: before start_date 2026-10-20 (2026-10-01)"),
        .init(file: "subscriptions.csv", find: "2026-11-10,2,,,1", replace: "2026-11-10,2,,,32",
              expected: "subscriptions.csv:4:8: billing_day: expected a whole number 1…31 (32)"),
        // Blank lines are skipped but counted: two blank lines push S-001 from line 2 to line 4.
        .init(file: "subscriptions.csv", find: "billing_day\nS-001,C-001,pro-monthly,2026-11-07", replace: "billing_day\n\n\nS-001,C-001,pro-monthly,2026-13-07",
              expected: "subscriptions.csv:4:4: start_date: expected an existing date YYYY-MM-DD (2026-13-07)"),
        // A quoted field spanning lines: the record starts on line 2, so S-002 is on line 4.
        .init(file: "subscriptions.csv", find: "S-001,C-001,pro-monthly,2026-11-07,1,,,", replace: "S-001,C-001,pro-monthly,2026-11-07,1,,,\"1\n\"",
              expected: "subscriptions.csv:2:8: billing_day: expected a whole number 1…31 (1\\n)"),
        // plans.json: the line and column of the offending value.
        .init(file: "plans.json", find: "\"interval\": \"month\", \"price\": \"249.95\"", replace: "\"interval\": \"month\", \"prcie\": \"249.95\"",
              expected: "plans.json:3:101: plans[0].prcie: unknown key (…"),
        .init(file: "plans.json", find: "\"price\": \"249.95\"", replace: "\"price\": 249.95", expected: "plans.json:3:101: plans[0].price: expected a string (number)"),
        .init(file: "plans.json", find: "\"price\": \"249.95\"", replace: "\"price\": \"2.4995e2\"",
              expected: "plans.json:3:101: plans[0].price: expected a decimal string ≥ 0 with at most 12 decimals (2.4995e2)"),
        .init(file: "plans.json", find: "\"price\": \"249.95\"", replace: "\"price\": \"249.9500000000001\"",
              expected: "plans.json:3:101: plans[0].price: expected a decimal string ≥ 0 with at most 12 decimals (249.9500000000001)"),
        .init(file: "plans.json", find: "\"price\": \"249.95\"", replace: "\"price\": \"-1\"",
              expected: "plans.json:3:101: plans[0].price: expected a decimal string ≥ 0 with at most 12 decimals (-1)"),
        .init(file: "plans.json", find: "\"price\": \"249.95\"", replace: "\"price\": \"1,249.95\"",
              expected: "plans.json:3:101: plans[0].price: expected a decimal string ≥ 0 with at most 12 decimals (1,249.95)"),
        .init(file: "plans.json", find: "\"interval\": \"month\", \"price\": \"249.95\"", replace: "\"interval\": \"week\", \"price\": \"249.95\"",
              expected: "plans.json:3:83: plans[0].interval: not an allowed value (week)"),
        .init(file: "plans.json", find: "\"currency\": \"JPY\"", replace: "\"currency\": \"YEN\"",
              expected: "plans.json:7:58: plans[4].currency: unknown ISO 4217 currency code (YEN)"),
        .init(file: "plans.json", find: "\"5000\"}", replace: "\"5000\"},", expected: "plans.json:8:3: json: invalid value (]…"),
        .init(file: "plans.json", find: "\"trial_days\": 14", replace: "\"trial_days\": \"14\"", expected: "plans.json:4:132: plans[1].trial_days: expected a whole number (string)"),
        // tax_rates.csv: country(1) region(2) category(3) rate(4) name(5) valid_from(6) valid_to(7)
        .init(file: "tax_rates.csv", find: "US,WA,standard,10.25", replace: "US,WA,standard,101",
              expected: "tax_rates.csv:3:4: rate: a percentage must be within 0…100 (101)"),
        .init(file: "tax_rates.csv", find: "US,WA,standard,10.25", replace: "US,WA,standard,1e1",
              expected: "tax_rates.csv:3:4: rate: expected a plain decimal with at most 6 decimals (1e1)"),
        .init(file: "tax_rates.csv", find: "JP,,reduced", replace: "US,WA,standard,9,dup,2026-01-01,\nJP,,reduced",
              expected: "tax_rates.csv:7:6: valid_from: overlaps the equally specific rate at line 3 for US/WA/standard (2026-01-01)"),
        .init(file: "tax_rates.csv", find: "消費税,2019-10-01,", replace: "消費税,2019-10-01,2019-09-30",
              expected: "tax_rates.csv:6:7: valid_to: before valid_from 2019-10-01 (2019-09-30)"),
        // Found while rating: the subscription row that needs the rate.
        .init(file: "tax_rates.csv", find: "JP,,standard,10,消費税,2019-10-01,\n", replace: "",
              expected: "subscriptions.csv:4:2: customer_id: no tax rate for country JP, region -, category standard on 2026-11-10 (C-003)"),
        .init(file: "fx_rates.csv", find: "2026-11-01,JPY,0.0065", replace: "2026-11-01,JPY,0",
              expected: "fx_rates.csv:2:3: rate: must be greater than zero (0)"),
        .init(file: "payments_received.csv", find: "2026-11-28", replace: "2026-11-31",
              expected: "payments_received.csv:2:2: date: expected an existing date YYYY-MM-DD (2026-11-31)"),
        .init(file: "payments_received.csv", find: "2612.95", replace: "-5", expected: "payments_received.csv:2:3: amount: must not be negative (-5)"),
        // More customers.csv rules.
        .init(file: "customers.csv", find: "Blue Harbor LLC", replace: String(repeating: "n", count: 201),
              expected: "customers.csv:2:2: name: longer than 200 characters (…"),
        .init(file: "customers.csv", find: "Blue Harbor LLC", replace: "Blue\tHarbor", expected: "customers.csv:2:2: name: control characters are not allowed (Blue\\tHarbor)"),
        .init(file: "customers.csv", find: "Blue Harbor LLC,US,USD,ap@blueharbor.example,WA,", replace: "Blue Harbor LLC,US,USD,ap@blueharbor.example,WA,\(String(repeating: "9", count: 33))",
              expected: "customers.csv:2:7: tax_id: longer than 32 characters (…"),
        .init(file: "customers.csv", find: "Blue Harbor LLC,US", replace: "Blue Harbor LLC,us",
              expected: "customers.csv:2:3: country: unknown ISO 3166-1 alpha-2 country code (us)"),
        // More plans.json rules (line 3 is the first plan, line 4 the second).
        .init(file: "plans.json", find: "\"plans\": [", replace: "\"plan\": [", expected: "plans.json:2:11: plan: unknown key (allowed: plans) (plan)"),  // `  "plan": [`: the value starts at 11
        .init(file: "plans.json", find: "{\"id\": \"starter-monthly\"", replace: "{\"id\": \"pro-monthly\"",
              expected: "plans.json:4:12: plans[1].id: duplicate id (pro-monthly)"),
        .init(file: "plans.json", find: "{\"id\": \"starter-monthly\"", replace: "{\"id\": \"starter monthly\"",
              expected: "plans.json:4:12: plans[1].id: invalid id: expected [A-Za-z0-9][A-Za-z0-9._-]{0,63} (starter monthly)"),
        .init(file: "plans.json", find: "{\"id\": \"starter-monthly\", ", replace: "{", expected: "plans.json:4:5: plans[1].id: required key is missing ()"),
        .init(file: "plans.json", find: "\"trial_days\": 14", replace: "\"interval_count\": 0",
              expected: "plans.json:4:136: plans[1].interval_count: expected a whole number 1…120 (0)"),
        .init(file: "plans.json", find: "\"fee_timing\": \"arrears\"", replace: "\"fee_timing\": \"later\"",
              expected: "plans.json:5:150: plans[2].fee_timing: not an allowed value (later)"),
        .init(file: "plans.json", find: "\"trial_days\": 14", replace: "\"tax_category\": \"\"",
              expected: "plans.json:4:134: plans[1].tax_category: invalid category ()"),
        .init(file: "plans.json", find: "\"trial_days\": 14", replace: "\"charges\": [{\"metric\": \"calls\", \"aggregation\": \"median\", \"model\": \"per_unit\", \"unit_price\": \"1\"}]",
              expected: "plans.json:4:165: plans[1].charges[0].aggregation: not an allowed value (median)"),
        .init(file: "plans.json", find: "\"trial_days\": 14", replace: "\"charges\": [{\"metric\": \"calls\", \"aggregation\": \"sum\", \"model\": \"tiered\"}]",
              expected: "plans.json:4:181: plans[1].charges[0].model: unknown model (per_unit, package, graduated, volume) (tiered)"),
        .init(file: "plans.json", find: "\"trial_days\": 14", replace: "\"charges\": [{\"metric\": \"calls\", \"aggregation\": \"sum\", \"model\": \"per_unit\"}]",
              expected: "plans.json:4:130: plans[1].charges[0].unit_price: required for per_unit ()"),
        .init(file: "plans.json", find: "\"trial_days\": 14", replace: "\"charges\": [{\"metric\": \"calls\", \"aggregation\": \"sum\", \"model\": \"package\", \"package_size\": \"0\", \"package_price\": \"5\"}]",
              expected: "plans.json:4:208: plans[1].charges[0].package_size: must be greater than zero (0)"),
        .init(file: "plans.json", find: "\"trial_days\": 14", replace: "\"charges\": [{\"metric\": \"calls\", \"aggregation\": \"sum\", \"model\": \"graduated\", \"tiers\": [{\"up_to\": \"10\", \"unit_price\": \"1\"}, {\"up_to\": \"5\", \"unit_price\": \"1\"}, {\"up_to\": null, \"unit_price\": \"0\"}]}]",
              expected: "plans.json:4:250: plans[1].charges[0].tiers[1].up_to: tiers must ascend (5)"),
        .init(file: "plans.json", find: "\"trial_days\": 14", replace: "\"charges\": [{\"metric\": \"calls\", \"aggregation\": \"sum\", \"model\": \"volume\", \"tiers\": [{\"up_to\": \"10\", \"unit_price\": \"1\"}]}]",
              expected: "plans.json:4:211: plans[1].charges[0].tiers[0].up_to: the last tier's up_to must be null (10)"),
        .init(file: "plans.json", find: "\"trial_days\": 14", replace: "\"charges\": [{\"metric\": \"calls\", \"aggregation\": \"sum\", \"model\": \"per_unit\", \"unit_price\": \"1\"}, {\"metric\": \"calls\", \"aggregation\": \"max\", \"model\": \"per_unit\", \"unit_price\": \"2\"}]",
              expected: "plans.json:4:213: plans[1].charges[1].metric: a second charge for the same metric (calls)"),
        // subscriptions.csv: trial end before start.
        .init(file: "subscriptions.csv", find: "2026-11-07,1,,", replace: "2026-11-07,1,2026-11-01,",
              expected: "subscriptions.csv:2:6: trial_end_date: before start_date 2026-11-07 (2026-11-01)"),
        // subscription_changes.csv: subscription_id(1) effective_date(2) plan_id(3) quantity(4)
        .init(file: "subscription_changes.csv", find: "", replace: "subscription_id,effective_date,plan_id,quantity\nS-999,2026-11-15,,2\n",
              expected: "subscription_changes.csv:2:1: subscription_id: unknown subscription (S-999)"),
        .init(file: "subscription_changes.csv", find: "", replace: "subscription_id,effective_date,plan_id,quantity\nS-001,2026-11-01,,2\n",
              expected: "subscription_changes.csv:2:2: effective_date: before the subscription's start_date 2026-11-07 (2026-11-01)"),
        .init(file: "subscription_changes.csv", find: "", replace: "subscription_id,effective_date,plan_id,quantity\nS-001,2026-11-15,,\n",
              expected: "subscription_changes.csv:2:3: plan_id: a change needs a plan_id or a quantity ()"),
        .init(file: "subscription_changes.csv", find: "", replace: "subscription_id,effective_date,plan_id,quantity\nS-001,2026-11-15,gold,\n",
              expected: "subscription_changes.csv:2:3: plan_id: unknown plan (gold)"),
        .init(file: "subscription_changes.csv", find: "", replace: "subscription_id,effective_date,plan_id,quantity\nS-001,2026-11-15,jp-basic,\n",
              expected: "subscription_changes.csv:2:3: plan_id: plan currency JPY differs from the customer's currency USD (jp-basic)"),
        .init(file: "subscription_changes.csv", find: "", replace: "subscription_id,effective_date,plan_id,quantity\nS-001,2026-11-15,,2\nS-001,2026-11-15,,3\n",
              expected: "subscription_changes.csv:3:2: effective_date: a second change for the same subscription on the same day (2026-11-15)"),
        .init(file: "subscription_changes.csv", find: "", replace: "subscription_id,plan_id\nS-001,pro-monthly\n",
              expected: "subscription_changes.csv:1:3: effective_date: missing required column (subscription_id,plan_id)"),
        // tax_rates.csv, fx_rates.csv, payments_received.csv.
        .init(file: "tax_rates.csv", find: "US,WA,standard", replace: "US,WA,standard rate", expected: "tax_rates.csv:3:3: category: invalid id: expected [A-Za-z0-9][A-Za-z0-9._-]{0,63} (standard rate)"),
        .init(file: "tax_rates.csv", find: "US,WA,standard", replace: "USA,WA,standard", expected: "tax_rates.csv:3:1: country: unknown ISO 3166-1 alpha-2 country code (USA)"),
        .init(file: "tax_rates.csv", find: "US,WA,standard", replace: "US,WASH,standard", expected: "tax_rates.csv:3:2: region: longer than 3 characters (WASH)"),
        .init(file: "fx_rates.csv", find: "2026-12-01,JPY", replace: "2026-11-01,JPY", expected: "fx_rates.csv:3:1: date: a second rate for JPY on the same day (2026-11-01)"),
        .init(file: "fx_rates.csv", find: "2026-12-01,JPY", replace: "2026-12-01,XAU", expected: "fx_rates.csv:3:2: currency: unknown ISO 4217 currency code (XAU)"),
        .init(file: "payments_received.csv", find: "2612.95", replace: "0", expected: "payments_received.csv:2:3: amount: must be greater than zero (0)"),
        .init(file: "payments_received.csv", find: "INV-000002", replace: "INV 2", expected: "payments_received.csv:2:1: invoice_number: invalid id: expected [A-Za-z0-9][A-Za-z0-9._-]{0,63} (INV 2)"),
    ]

    @Test(arguments: cases)
    func rejectsWithLocatedMessageAndLeavesLedgerUntouched(_ c: BadInput) throws {
        let dir = try TestSupport.workspace()
        let path = dir + "/dataset/" + c.file
        let original = FileSystem.exists(path) ? try TestSupport.read(path) : ""
        let edited = c.find.isEmpty ? c.replace : original.replacingFirst(c.find, with: c.replace)
        try #require(edited != original, "the edit must apply")
        try TestSupport.write(path, edited)
        let first = try firstDataError(dir)
        let expected = dir + "/dataset/" + c.expected
        if expected.hasSuffix("…") {
            #expect(first.hasPrefix(String(expected.dropLast())), "\(first)")
        } else {
            #expect(first == expected)
        }
        #expect(!FileSystem.exists(dir + "/ledger"), "the ledger must not be touched")
    }

    /// A whole number at its range's upper bound is accepted: a quantity of 1000000000 (ten digits)
    /// was refused as "expected a whole number 1…1000000000", as only nine digits were read. One
    /// more is refused. S-001's Pro then costs 249.95 × 10^9 = 249,950,000,000.00 before tax.
    @Test(arguments: [("1000000000", true), ("1000000001", false), ("0000000000000000001", false)])
    func quantityUpToItsUpperBound(quantity: String, accepted: Bool) throws {
        let dir = try TestSupport.workspace()
        let path = dir + "/dataset/subscriptions.csv"
        try TestSupport.write(path, try TestSupport.read(path).replacingFirst("S-001,C-001,pro-monthly,2026-11-07,1,", with: "S-001,C-001,pro-monthly,2026-11-07,\(quantity),"))
        if accepted {
            try TestSupport.runPipeline(dir, periods: ["2026-11"])
            let row = try Ledger(folder: dir + "/ledger", create: false).register().first { $0["issue_date"] == "2026-11-07" }
            #expect(row?["subtotal"] == "249950000000.00")
        } else {
            #expect(try firstDataError(dir) == dir + "/dataset/subscriptions.csv:2:5: quantity: expected a whole number 1…1000000000 (\(quantity))")
        }
    }

    @Test func invalidUTF8IsReportedWithItsLine() throws {
        let dir = try TestSupport.workspace()
        var bytes = try FileSystem.read(dir + "/dataset/customers.csv")
        let at = bytes.firstIndex(of: UInt8(ascii: "K"))!  // "Kestrel", line 3, column 2
        bytes[at] = 0xFF
        try FileSystem.replace(dir + "/dataset/customers.csv", bytes)
        #expect(try firstDataError(dir).hasPrefix(dir + "/dataset/customers.csv:3:2: name: not valid UTF-8 text or contains a NUL byte ("))
        #expect(!FileSystem.exists(dir + "/ledger"))
    }

    @Test(arguments: ["customers.csv", "subscriptions.csv", "plans.json", "tax_rates.csv"])
    func missingRequiredFile(name: String) throws {
        let dir = try TestSupport.workspace()
        try FileSystem.remove(dir + "/dataset/" + name)
        #expect(try firstDataError(dir).hasPrefix(dir + "/dataset/\(name):1:1: file: required dataset file is missing (\(name))"))
        #expect(!FileSystem.exists(dir + "/ledger"))
    }

    @Test func emptyFileNeedsAHeader() throws {
        let dir = try TestSupport.workspace()
        try TestSupport.write(dir + "/dataset/customers.csv", "")
        #expect(try firstDataError(dir) == dir + "/dataset/customers.csv:1:1: csv: empty file: a header row is required ()")
    }

    /// A BOM, CRLF line ends and unknown columns are all accepted; the unknown column is named in the summary.
    @Test func bomCRLFAndUnknownColumnsAreAccepted() throws {
        let dir = try TestSupport.workspace()
        let text = try TestSupport.read(dir + "/dataset/customers.csv")
        var lines = text.split(separator: "\n").map(String.init)
        lines[0] += ",notes"
        for i in 1..<lines.count { lines[i] += ",hello" }
        try TestSupport.write(dir + "/dataset/customers.csv", "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n")
        try IngestStage.run(try TestSupport.config(dir))
        let summary = try JSONParser.parse(try FileSystem.read(dir + "/out/2026-11/ingest/summary.json"), file: "s")
        #expect(summary["files"]?["customers.csv"]?["unknown_columns"]?.arrayValue?.compactMap(\.stringValue) == ["notes"])
        #expect(summary["files"]?["customers.csv"]?["rows"]?.value == .number("5"))
    }

    /// A 10 MB field is read whole and refused with its position, not truncated or crashed on.
    @Test func tenMegabyteField() throws {
        let dir = try TestSupport.workspace()
        let path = dir + "/dataset/customers.csv"
        try TestSupport.write(path, try TestSupport.read(path).replacingFirst("Blue Harbor LLC", with: String(repeating: "x", count: 10_000_000)))
        #expect(try firstDataError(dir).hasPrefix(dir + "/dataset/customers.csv:2:2: name: longer than 200 characters (xxxx"))
        #expect(!FileSystem.exists(dir + "/ledger"))
    }

    /// Runs the pipeline and returns the first error line of the data failure it must raise (exit code 1).
    func firstDataError(_ dir: String) throws -> String {
        do {
            try TestSupport.runPipeline(dir, periods: ["2026-11"])
        } catch let failure as StageFailure {
            #expect(failure.exitCode == 1, "\(failure)")
            if case .data(let errors) = failure { return errors.first?.description ?? "(no error)" }
            return "\(failure)"
        }
        Issue.record("the pipeline accepted bad input")
        return ""
    }
}

/// One bad record is reported once: rows that refer to it do not add "unknown" errors.
@Suite struct ErrorCascadeTests {
    @Test func aBadCustomerRowIsReportedOnce() throws {
        let dir = try TestSupport.workspace()
        let path = dir + "/dataset/customers.csv"
        try TestSupport.write(path, try TestSupport.read(path).replacingFirst("Blue Harbor LLC,US", with: "Blue Harbor LLC,XX"))
        let errors = try dataErrors(dir)
        #expect(errors == [path + ":2:3: country: unknown ISO 3166-1 alpha-2 country code (XX)"])
    }

    @Test func anUnreadablePlansFileIsReportedOnce() throws {
        let dir = try TestSupport.workspace()
        let path = dir + "/dataset/plans.json"
        try TestSupport.write(path, try TestSupport.read(path).replacingFirst("\"price\": \"249.95\"", with: "\"price\": 249.95"))
        #expect(try dataErrors(dir).count == 1)
    }

    func dataErrors(_ dir: String) throws -> [String] {
        do { try IngestStage.run(try TestSupport.config(dir)) } catch let StageFailure.data(errors) { return errors.map(\.description) }
        return []
    }
}

/// Rate reads the usage counted so far while the catalog is parsed on another core; what either
/// read finds wrong is reported as when they ran one after the other: the catalog first.
@Suite struct RateReadOrderTests {
    /// After ingest, the ingest output's `usage_base.json` is made unreadable: rate stops on it.
    /// With `customers.csv` of the output also given an unknown country, rate stops on the
    /// catalog's error instead, as it did when the catalog was read first.
    @Test func theCatalogsErrorComesFirst() throws {
        let dir = try TestSupport.workspace()
        let config = try TestSupport.config(dir)
        try IngestStage.run(config)
        try TestSupport.write(config.ingestFolder + "/usage_base.json", "not JSON")
        #expect(try rateFailure(config) == "\(config.ingestFolder)/usage_base.json:1:1: json: invalid literal (not JSON)")
        let customers = config.ingestFolder + "/customers.csv"
        try TestSupport.write(customers, try TestSupport.read(customers).replacingFirst("Blue Harbor LLC,US", with: "Blue Harbor LLC,XX"))
        // The error names the user's file and line, which the normalised row carries.
        #expect(try rateFailure(config) == dir + "/dataset/customers.csv:2:3: country: unknown ISO 3166-1 alpha-2 country code (XX)")
    }

    /// The first line of the failure rate raises.
    func rateFailure(_ config: PipelineConfig) throws -> String {
        do { try RateStage.run(config) } catch let StageFailure.data(errors) {
            return errors.first?.description ?? "(no error)"
        } catch {
            return "\(error)"
        }
        Issue.record("rate accepted a broken ingest output")
        return ""
    }
}
