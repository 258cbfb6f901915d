import BillingCore
import Testing
@testable import BillingIO

/// SPEC §2/§8: pipeline.json is strict; every problem is a usage error (exit 2) naming the line.
struct PipelineConfigTests {
    static let base = """
        {
          "dataset": "d", "ledger": "l", "output": "o", "period": "2026-11",
          "seller": {"name": "S", "address": "A", "country": "DE", "tax_id": "DE1"},
          "billing": {"alignment": "calendar", "rounding": "half_even", "timezone": "+09:00", "payment_terms_days": 14, "invoice_prefix": "R-", "credit_note_prefix": "G-", "since": "2026-01-01"},
          "tax": {"basis": "per_line", "rounding": "down", "inclusive": true, "missing_rate": "zero"},
          "payments": {"seed": 7, "retry_days": [2, 4], "after_final_failure": "past_due"},
          "report": {"currency": "EUR"},
          "stages": ["ingest", "rate"]
        }
        """

    func load(_ text: String, period: String? = nil) throws -> PipelineConfig {
        let dir = FileSystem.parent(try tempFile(""))
        try FileSystem.replace(dir + "/pipeline.json", Array(text.utf8))
        return try PipelineConfigLoader.load(path: dir + "/pipeline.json", periodOverride: period)
    }

    @Test func everySettingIsRead() throws {
        let c = try load(Self.base)
        let s = c.settings
        #expect(s.seller.country == "DE" && s.alignment == .calendar && s.rounding == .halfEven && s.timezoneOffsetMinutes == 540)
        #expect(s.paymentTermsDays == 14 && s.invoicePrefix == "R-" && s.creditNotePrefix == "G-" && s.since == CivilDate(parsing: "2026-01-01"))
        #expect(s.taxBasis == .perLine && s.taxRounding == .down && s.taxInclusive && s.missingRate == .zero)
        #expect(s.paymentSeed == 7 && s.retryDays == [2, 4] && s.afterFinalFailure == .pastDue && s.reportCurrency?.code == "EUR")
        #expect(c.stages == [.ingest, .rate])
        #expect(c.dataset.hasSuffix("/d") && c.window == DateRange.month("2026-11"))
        #expect(try load(Self.base, period: "2027-02").window == DateRange.month("2027-02"))
    }

    @Test func defaults() throws {
        let c = try load("{\"dataset\": \"d\", \"ledger\": \"l\", \"output\": \"o\", \"period\": \"2026-11\"}")
        #expect(c.settings == BillingSettings())
        #expect(c.stages == StageName.allCases)
    }

    @Test(arguments: [
        ("\"country\": \"DE\"", "\"country\": \"XX\"", "seller.country: unknown ISO 3166-1 alpha-2 country (XX)"),
        ("\"+09:00\"", "\"+9\"", "billing.timezone: expected a fixed UTC offset like +09:00 (+9)"),
        ("\"payment_terms_days\": 14", "\"payment_terms_days\": -1", "billing.payment_terms_days: expected a whole number 0…3650 (-1)"),
        ("\"invoice_prefix\": \"R-\"", "\"invoice_prefix\": \"R/\"", "billing.invoice_prefix: expected up to 16 letters, digits, '-' or '_' (R/)"),
        ("\"credit_note_prefix\": \"G-\"", "\"credit_note_prefix\": \"R-\"", "billing.credit_note_prefix: must differ from invoice_prefix (R-)"),
        ("\"since\": \"2026-01-01\"", "\"since\": \"2026-11-31\"", "billing.since: expected a date YYYY-MM-DD up to 9799-12-31 (2026-11-31)"),
        ("\"since\": \"2026-01-01\"", "\"since\": \"9800-01-01\"", "billing.since: expected a date YYYY-MM-DD up to 9799-12-31 (9800-01-01)"),
        ("\"alignment\": \"calendar\"", "\"alignment\": \"monthly\"", "billing.alignment: not an allowed value (monthly)"),
        ("\"basis\": \"per_line\"", "\"basis\": \"per_doc\"", "tax.basis: not an allowed value (per_doc)"),
        ("\"inclusive\": true", "\"inclusive\": \"yes\"", "tax.inclusive: expected true or false (string)"),
        ("\"missing_rate\": \"zero\"", "\"missing_rate\": \"skip\"", "tax.missing_rate: not an allowed value (skip)"),
        ("\"retry_days\": [2, 4]", "\"retry_days\": [4, 2]", "payments.retry_days: must be strictly increasing ([4, 2])"),
        ("\"retry_days\": [2, 4]", "\"retry_days\": [0]", "payments.retry_days: expected a whole number of days 1…365"),
        ("\"after_final_failure\": \"past_due\"", "\"after_final_failure\": \"retry\"", "payments.after_final_failure: not an allowed value (retry)"),
        ("\"seed\": 7", "\"seed\": 1.5", "payments.seed: expected a whole number 0…2147483647 (1.5)"),
        ("\"currency\": \"EUR\"", "\"currency\": \"EURO\"", "report.currency: unknown ISO 4217 currency (EURO)"),
        ("\"stages\": [\"ingest\", \"rate\"]", "\"stages\": [\"ingest\", \"bill\"]", "stages: unknown stage (ingest, rate, invoice, pay, report)"),
        ("\"report\": {\"currency\": \"EUR\"}", "\"report\": {\"currency\": \"EUR\", \"charts\": true}", "report.charts: unknown key"),
        ("\"dataset\": \"d\", ", "", "dataset: required path is missing ()"),
        ("\"seller\": {", "\"seller\": [{", "expected ',' or ']'"),
    ])
    func invalidConfigIsAUsageErrorWithItsLine(find: String, replace: String, message: String) throws {
        let text = Self.base.replacingFirst(find, with: replace)
        #expect(text != Self.base)
        do {
            _ = try load(text)
            Issue.record("accepted")
        } catch let StageFailure.usage(m) {
            #expect(m.contains(message), "\(m)")
            #expect(m.contains("pipeline.json:"), "names the file and line: \(m)")
        }
    }

    /// The run's month ends at `CivilDate.latestInput`'s: 9999-12 stopped the loader on a failed
    /// force-unwrap (its window's end, 10000-01-01, does not exist), 9800-01 is past the bound.
    @Test(arguments: ["9999-12", "9800-01", "2026-13", "0000-12"])
    func periodMustBeASupportedMonth(period: String) throws {
        do {
            _ = try load("{\"dataset\": \"d\", \"ledger\": \"l\", \"output\": \"o\", \"period\": \"\(period)\"}")
            Issue.record("accepted")
        } catch let StageFailure.usage(m) {
            #expect(m.hasSuffix("/pipeline.json: period: expected YYYY-MM from 0001-01 to 9799-12 (\(period))"), "\(m)")
        }
        #expect(try load("{\"dataset\": \"d\", \"ledger\": \"l\", \"output\": \"o\", \"period\": \"9799-12\"}").window.end.description == "9800-01-01")
    }

    @Test func periodIsRequired() throws {
        #expect(throws: StageFailure.self) { try load("{\"dataset\": \"d\", \"ledger\": \"l\", \"output\": \"o\"}") }
        #expect(throws: StageFailure.self) { try load("{\"dataset\": \"d\", \"ledger\": \"l\", \"output\": \"o\", \"period\": \"2026-11\"}", period: "11-2026") }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) {
                return String(self[..<i]) + replacement + String(self[index(i, offsetBy: target.count)...])
            }
            i = index(after: i)
        }
        return self
    }
}
