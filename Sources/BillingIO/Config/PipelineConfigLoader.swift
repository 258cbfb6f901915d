import BillingCore

/// Reads and validates `pipeline.json`. Unknown keys and wrong types are errors naming the line
/// of the offending value; every problem here is a usage error (exit 2, SPEC §8).
public enum PipelineConfigLoader {
    public static func load(path: String, periodOverride: String?) throws -> PipelineConfig {
        guard FileSystem.exists(path) else { throw StageFailure.usage("\(path): config file not found") }
        let bytes = try FileSystem.read(path)
        do {
            return try decode(try JSONParser.parse(bytes, file: path), path: path, periodOverride: periodOverride)
        } catch let e as DataError {
            throw StageFailure.usage(e.description)
        }
    }

    static func decode(_ root: JSONNode, path: String, periodOverride: String?) throws -> PipelineConfig {
        let r = JSONObjectReader(root, file: path, field: "pipeline.json")
        try r.allow(["dataset", "ledger", "output", "period", "seller", "billing", "tax", "payments", "report", "stages"])
        let base = FileSystem.parent(path)
        var s = BillingSettings()

        let sellerNode = try r.object("seller")
        if let sellerNode {
            let sr = JSONObjectReader(sellerNode, file: path, field: "seller")
            try sr.allow(["name", "address", "country", "tax_id"])
            let country = try sr.string("country") ?? "US"
            if !Countries.all.contains(country) { throw sr.error("country", "unknown ISO 3166-1 alpha-2 country", country) }
            let taxID = try sr.string("tax_id") ?? ""
            // A Japanese seller issues qualified invoices: its registration number is T + 13 digits.
            if country == "JP" && !(taxID.utf8.count == 14 && taxID.hasPrefix("T") && taxID.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }) {
                throw sr.error("tax_id", "a Japanese seller needs its qualified invoice registration number: T followed by 13 digits", taxID)
            }
            s.seller = Seller(name: try sr.string("name") ?? "", address: try sr.string("address") ?? "", country: country, taxID: taxID)
        }
        if let b = try r.object("billing") {
            let br = JSONObjectReader(b, file: path, field: "billing")
            try br.allow([
                "alignment", "rounding", "timezone", "proration", "payment_terms_days", "invoice_prefix",
                "credit_note_prefix", "since",
            ])
            s.alignment = try br.enumValue("alignment", Alignment.init(rawValue:)) ?? s.alignment
            s.rounding = try br.enumValue("rounding", RoundingMode.init(rawValue:)) ?? s.rounding
            if let tz = try br.string("timezone") {
                guard let minutes = parseOffset(tz) else { throw br.error("timezone", "expected a fixed UTC offset like +09:00", tz) }
                s.timezoneOffsetMinutes = minutes
            }
            s.proration = try br.enumValue("proration", Proration.init(rawValue:)) ?? s.proration
            s.paymentTermsDays = try br.integer("payment_terms_days", range: 0...3650) ?? s.paymentTermsDays
            s.invoicePrefix = try br.prefix("invoice_prefix") ?? s.invoicePrefix
            s.creditNotePrefix = try br.prefix("credit_note_prefix") ?? s.creditNotePrefix
            if s.invoicePrefix == s.creditNotePrefix {
                throw br.error("credit_note_prefix", "must differ from invoice_prefix", s.creditNotePrefix)
            }
            if let since = try br.string("since") {
                guard let d = CivilDate(parsing: since), d <= CivilDate.latestInput else {
                    throw br.error("since", "expected a date YYYY-MM-DD up to \(CivilDate.latestInput)", since)
                }
                s.since = d
            }
        }
        if let t = try r.object("tax") {
            let tr = JSONObjectReader(t, file: path, field: "tax")
            try tr.allow(["basis", "rounding", "inclusive", "missing_rate"])
            s.taxBasis = try tr.enumValue("basis", TaxBasis.init(rawValue:)) ?? s.taxBasis
            s.taxRounding = try tr.enumValue("rounding", RoundingMode.init(rawValue:)) ?? s.taxRounding
            s.taxInclusive = try tr.bool("inclusive") ?? s.taxInclusive
            s.missingRate = try tr.enumValue("missing_rate", MissingRate.init(rawValue:)) ?? s.missingRate
        }
        if let p = try r.object("payments") {
            let pr = JSONObjectReader(p, file: path, field: "payments")
            try pr.allow(["seed", "retry_days", "after_final_failure"])
            s.paymentSeed = Int64(try pr.integer("seed", range: 0...Int(Int32.max)) ?? 0)
            if let days = try pr.array("retry_days") {
                s.retryDays = try days.map { node in
                    guard case .number(let n) = node.value, let v = Int(n), v > 0, v <= 365 else {
                        throw DataError(file: path, line: node.line, column: node.column, field: "payments.retry_days",
                                        problem: "expected a whole number of days 1…365", value: "\(node.value)")
                    }
                    return v
                }
                if s.retryDays != s.retryDays.sorted() || Set(s.retryDays).count != s.retryDays.count {
                    throw pr.error("retry_days", "must be strictly increasing", "\(s.retryDays)")
                }
            }
            s.afterFinalFailure = try pr.enumValue("after_final_failure", AfterFinalFailure.init(rawValue:)) ?? s.afterFinalFailure
        }
        if let rep = try r.object("report") {
            let rr = JSONObjectReader(rep, file: path, field: "report")
            try rr.allow(["currency"])
            if let c = try rr.string("currency") {
                guard let cur = Currency(code: c) else { throw rr.error("currency", "unknown ISO 4217 currency", c) }
                s.reportCurrency = cur
            }
        }
        var stages = StageName.allCases
        if let list = try r.array("stages") {
            stages = try list.map { node in
                guard let name = node.stringValue, let st = StageName(rawValue: name) else {
                    throw DataError(file: path, line: node.line, column: node.column, field: "stages",
                                    problem: "unknown stage (ingest, rate, invoice, pay, report)", value: "\(node.value)")
                }
                return st
            }
        }
        guard let periodText = try periodOverride ?? r.string("period") else {
            throw StageFailure.usage("\(path): period: missing; set \"period\" or pass --period YYYY-MM")
        }
        guard let window = DateRange.month(periodText) else {
            throw StageFailure.usage("\(path): period: expected YYYY-MM from 0001-01 to \(CivilDate.latestInput.description.prefix(7)) (\(periodText))")
        }
        func pathKey(_ key: String) throws -> String {
            guard let v = try r.string(key), !v.isEmpty else { throw r.error(key, "required path is missing", "") }
            return FileSystem.join(base, v)
        }
        return PipelineConfig(
            configPath: path, dataset: try pathKey("dataset"), ledger: try pathKey("ledger"), output: try pathKey("output"),
            period: periodText, window: window, settings: s, stages: stages)
    }

    /// `+09:00` → 540, `-05:30` → −330.
    static func parseOffset(_ s: String) -> Int? {
        let b = Array(s.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":"),
            let h = Int(String(decoding: b[1..<3], as: UTF8.self)), let m = Int(String(decoding: b[4..<6], as: UTF8.self)),
            b[1...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), b[4...5].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            h <= 14, m < 60
        else { return nil }
        return (b[0] == UInt8(ascii: "-") ? -1 : 1) * (h * 60 + m)
    }
}
