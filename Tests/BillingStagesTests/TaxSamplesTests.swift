import BillingCore
import BillingIO
import Testing
@testable import BillingStages

/// samples/japan, japan-inclusive, eu and us: figures worked by hand, required fields, and HTML that
/// a browser opens without fetching anything.
@Suite struct TaxSamplesTests {
    func register(_ sample: String) throws -> [String] {
        let dir = try TestSupport.runSample(sample)
        return try Ledger(folder: dir + "/ledger", create: false).register().map {
            "\($0["customer_id"]!) \($0["subtotal"]!) \($0["tax_total"]!) \($0["total"]!)"
        }
    }

    /// Japan, tax rounded down once per rate per document:
    /// J-01: 12,345 at 10 % and 3,240 at 8 % (reduced): ⌊1,234.5⌋ + ⌊259.2⌋ = 1,234 + 259 = 1,493; total 17,078.
    /// J-02: 1,234 + 2,345 + 3,456 = 7,035 at 10 %: ⌊703.5⌋ = 703 (per line it would be 123 + 234 + 345 = 702).
    @Test func japanByHand() throws {
        #expect(try register("japan") == ["J-01 15585 1493 17078", "J-02 7035 703 7738"])
    }

    /// Tax-inclusive prices: 1,100 at 10 % holds 1,100 × 10/110 = 100; 1,080 at 8 % holds 1,080 × 8/108 = 80.
    @Test func japanInclusiveByHand() throws {
        #expect(try register("japan-inclusive") == ["J-11 2000 180 2180"])
    }

    /// EU (DE seller): E-01 FR B2B reverse charge: 0; E-02 AT B2C 30.00 split at the rate change on
    /// 11-15: 30 × 14/30 = 14.00 at 20 % = 2.80 and 16.00 at 19 % = 3.04; E-03 exempt; E-04 DE 19 %.
    @Test func euByHand() throws {
        #expect(try register("eu") == ["E-01 100.00 0.00 100.00", "E-02 30.00 5.84 35.84", "E-03 100.00 0.00 100.00", "E-04 100.00 19.00 119.00"])
    }

    /// taxes.csv, the tax register, holds each document's tax per rate as euByHand works it out:
    /// E-02 is 14.00 at 20 % = 2.80 and 16.00 at 19 % = 3.04; E-04 100.00 at 19 % = 19.00; E-01
    /// (reverse charge) and E-03 (exempt) are 100.00 at 0 %.
    @Test func euTaxRegisterByHand() throws {
        let dir = try TestSupport.runSample("eu")
        let taxes = try Ledger(folder: dir + "/ledger", create: false).taxSummaries()
        let rows = taxes.mapValues { $0.map { "\($0.rate.normalized) \($0.taxable) \($0.tax)" } }
        #expect(rows == [
            "INV-000001": ["0 100.00 0.00"], "INV-000002": ["20 14.00 2.80", "19 16.00 3.04"], "INV-000003": ["0 100.00 0.00"],
            "INV-000004": ["19 100.00 19.00"],
        ])
    }

    /// US, per line: U-01 three 4.95 lines at 10.25 %: 0.507375 → 0.51 each, 1.53 (per invoice it
    /// would be 14.85 × 10.25 % = 1.522125 → 1.52); NY 100 × 8.875 % = 8.875 → 8.88; CA 49 × 7.25 % =
    /// 3.5525 → 3.55; Oregon has no sales tax.
    @Test func usByHand() throws {
        #expect(try register("us") == ["U-01 14.85 1.53 16.38", "U-02 100.00 8.88 108.88", "U-03 49.00 3.55 52.55", "U-04 49.00 0.00 49.00"])
    }

    /// Every field of docs/legal-fields.md is in each document's JSON and HTML.
    @Test(arguments: ["japan", "japan-inclusive", "eu"])
    func requiredFields(sample: String) throws {
        let folder = TestSupport.root + "/samples/\(sample)/expected/ledger/invoices"
        for name in try FileSystem.list(folder) where name.hasSuffix(".json") {
            let doc = try JSONParser.parse(try FileSystem.read(folder + "/" + name), file: name)
            let html = try TestSupport.read(folder + "/" + name.replacingFirst(".json", with: ".html"))
            for key in ["number", "issue_date", "supply_period", "seller", "customer", "lines", "tax", "tax_total", "total", "notes", "references"] {
                #expect(doc[key] != nil, "\(name) lacks \(key)")
            }
            for value in [doc["number"], doc["issue_date"], doc["seller"]?["name"], doc["seller"]?["tax_id"], doc["seller"]?["address"],
                          doc["customer"]?["name"], doc["tax_total"], doc["total"], doc["supply_period"]?["start"]].compactMap({ $0?.stringValue }) {
                #expect(html.contains(DocumentHTML.e(value)), "\(name): HTML lacks \(value)")
            }
            for t in doc["tax"]?.arrayValue ?? [] {
                for v in [t["rate"], t["taxable"], t["tax"]].compactMap({ $0?.stringValue }) { #expect(html.contains(v), "\(name): HTML lacks tax \(v)") }
            }
            for l in doc["lines"]?.arrayValue ?? [] {
                #expect(l["tax_category"] != nil && l["unit_price"] != nil && l["quantity"] != nil && l["tax_rate"] != nil)
                #expect(html.contains(DocumentHTML.e(l["description"]?.stringValue ?? "?")))
                if l["tax_category"]?.stringValue == "reduced" { #expect(html.contains("※") && html.contains("軽減税率対象")) }
            }
            if sample.hasPrefix("japan") { #expect(html.contains("登録番号") && html.contains("適格")) }
            if doc["lines"]?.arrayValue?.contains(where: { $0["tax_rate"]?.stringValue == "0" }) == true, sample == "eu" {
                let notes = doc["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(notes.contains("Reverse charge") || notes.contains("Tax exempt"), "\(name) needs its zero-rate reason")
                if notes.contains("Reverse charge") {
                    #expect(html.contains(doc["seller"]?["tax_id"]?.stringValue ?? "?") && html.contains(doc["customer"]?["tax_id"]?.stringValue ?? "?"))
                }
            }
        }
    }

    /// No HTML document refers to anything outside itself: no scripts, links, images, fonts or URLs.
    @Test func htmlHasNoExternalReferences() throws {
        for sample in try FileSystem.list(TestSupport.root + "/samples") {
            let folder = TestSupport.root + "/samples/\(sample)/expected/ledger/invoices"
            for name in try FileSystem.list(folder) where name.hasSuffix(".html") {
                let html = try TestSupport.read(folder + "/" + name).lowercased()
                for forbidden in ["http:", "https:", "src=", "href=", "url(", "@import", "<script", "<link", "<img", "<iframe", "@font-face"] {
                    #expect(!html.contains(forbidden), "\(sample)/\(name) contains \(forbidden)")
                }
            }
        }
    }

    /// A 3-decimal currency end to end: a Kuwaiti customer on 12.345 KWD, prorated 21/30 days:
    /// 12.345 × 21 / 30 = 8.6415 → 8.642 (half_up to the fils); no VAT in Kuwait (0 %).
    @Test func threeDecimalCurrencyEndToEnd() throws {
        let dir = try TestSupport.workspace()
        let path = dir + "/dataset/"
        try TestSupport.write(path + "customers.csv", try TestSupport.read(path + "customers.csv") + "K-001,Gulf Data Co,KW,KWD,k@gulf.example,,,false,card_ok\n")
        try TestSupport.write(path + "plans.json", try TestSupport.read(path + "plans.json").replacingFirst("\"plans\": [", with: "\"plans\": [\n    {\"id\": \"kw\", \"name\": \"KW plan\", \"currency\": \"KWD\", \"interval\": \"month\", \"price\": \"12.345\"},"))
        try TestSupport.write(path + "subscriptions.csv", try TestSupport.read(path + "subscriptions.csv") + "K-S1,K-001,kw,2026-11-10,1,,,1\n")
        try TestSupport.write(path + "tax_rates.csv", try TestSupport.read(path + "tax_rates.csv") + "KW,,standard,0,No VAT,,\n")
        try TestSupport.write(path + "fx_rates.csv", try TestSupport.read(path + "fx_rates.csv") + "2026-11-01,KWD,3.25\n")
        try TestSupport.runPipeline(dir, periods: ["2026-11"])
        let row = try Ledger(folder: dir + "/ledger", create: false).register().first { $0["customer_id"] == "K-001" }
        #expect(row?["total"] == "8.642" && row?["currency"] == "KWD")
        // MRR in USD: 12.345 KWD × 3.25 = 40.12125 → 40.12 added to 613.95 (basic's) = 654.07.
        let report = try JSONParser.parse(try FileSystem.read(dir + "/out/2026-11/report.json"), file: "r")
        #expect(report["mrr"]?["by_currency"]?["KWD"]?.stringValue == "12.345")
        #expect(report["mrr"]?["reporting"]?.stringValue == "654.07")
    }
}
