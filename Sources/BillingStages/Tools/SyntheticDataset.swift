import BillingCore
import BillingIO

/// SplitMix64: a small deterministic generator (integers only), so a seed gives the same dataset
/// on every machine.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    /// True with probability percent/100.
    mutating func percent(_ p: Int) -> Bool { below(100) < p }
}

/// `billing-gen`: writes a valid dataset of any size with a realistic mix: four currencies, monthly,
/// yearly and arrears plans, trials, per-seat quantities, changes, cancellations, and usage on
/// per-unit, package, graduated and volume charges. Deterministic in the seed.
public enum SyntheticDataset {
    struct Currency4 { let code: String; let country: String; let scale: Int; let fx: String; let tax: String }
    static let currencies = [
        Currency4(code: "USD", country: "US", scale: 1, fx: "1", tax: "0"),
        Currency4(code: "EUR", country: "DE", scale: 1, fx: "1.08", tax: "19"),
        Currency4(code: "JPY", country: "JP", scale: 100, fx: "0.0065", tax: "10"),
        Currency4(code: "GBP", country: "GB", scale: 1, fx: "1.27", tax: "20"),
    ]
    static let usRegions = [("WA", "10.25"), ("NY", "8.875"), ("TX", "6.25"), ("CA", "7.25"), ("OR", "")]

    public static func write(customers: Int, events: Int, seed: UInt64, period: String, to dir: String) throws {
        guard let window = DateRange.month(period) else { throw StageFailure.usage("--period: expected YYYY-MM (\(period))") }
        var rng = SplitMix64(state: seed)
        try FileSystem.createDirectory(dir)
        func price(_ major: Int, _ c: Currency4) -> String { String(major * c.scale) }
        // Plans per currency.
        var plans: [String] = []
        for c in currencies {
            let api = c.code == "JPY" ? "0.1" : "0.001"
            plans.append("{\"id\": \"starter-\(c.code)\", \"name\": \"Starter\", \"currency\": \"\(c.code)\", \"interval\": \"month\", \"price\": \"\(price(29, c))\", \"trial_days\": 14}")
            plans.append("""
                {"id": "pro-\(c.code)", "name": "Pro", "currency": "\(c.code)", "interval": "month", "price": "\(price(99, c))", "charges": [\
                {"metric": "api_calls", "aggregation": "sum", "model": "per_unit", "unit_price": "\(api)"}, \
                {"metric": "storage_gb", "aggregation": "max", "model": "graduated", "tiers": [{"up_to": "100", "unit_price": "0", "flat_fee": "0"}, {"up_to": "1000", "unit_price": "\(price(1, c))"}, {"up_to": null, "unit_price": "\(c.code == "JPY" ? "50" : "0.5")"}]}, \
                {"metric": "active_users", "aggregation": "unique_count", "model": "volume", "tiers": [{"up_to": "50", "unit_price": "\(price(2, c))", "flat_fee": "\(price(10, c))"}, {"up_to": null, "unit_price": "\(price(1, c))", "flat_fee": "\(price(50, c))"}]}]}
                """)
            plans.append("""
                {"id": "team-\(c.code)", "name": "Team", "currency": "\(c.code)", "interval": "month", "price": "\(price(49, c))", "charges": [\
                {"metric": "api_calls", "aggregation": "sum", "model": "package", "package_size": "1000", "package_price": "\(price(1, c))", "free_units": "10000"}, \
                {"metric": "builds", "aggregation": "count", "model": "per_unit", "unit_price": "\(c.code == "JPY" ? "2" : "0.02")"}]}
                """)
            plans.append("{\"id\": \"enterprise-\(c.code)\", \"name\": \"Enterprise\", \"currency\": \"\(c.code)\", \"interval\": \"year\", \"price\": \"\(price(9900, c))\"}")
            plans.append("{\"id\": \"support-\(c.code)\", \"name\": \"Support\", \"currency\": \"\(c.code)\", \"interval\": \"month\", \"price\": \"\(price(200, c))\", \"fee_timing\": \"arrears\"}")
        }
        try FileSystem.replace(dir + "/plans.json", Array(("{\"plans\": [\n" + plans.joined(separator: ",\n") + "\n]}\n").utf8))
        var tax = "country,region,category,rate,name\n"
        for c in currencies { tax += "\(c.country),,standard,\(c.tax),\(c.country == "US" ? "No sales tax" : "VAT")\n" }
        for (r, rate) in usRegions where !rate.isEmpty { tax += "US,\(r),standard,\(rate),\(r) sales tax\n" }
        try FileSystem.replace(dir + "/tax_rates.csv", Array(tax.utf8))
        try FileSystem.replace(dir + "/fx_rates.csv", Array(("date,currency,rate\n" + currencies.dropFirst().map { "\(window.start),\($0.code),\($0.fx)\n" }.joined()).utf8))

        var customersCSV = "customer_id,name,country,currency,region,payment_method\n"
        var subs = "subscription_id,customer_id,plan_id,start_date,quantity,cancel_date,billing_day\n"
        var changes = "subscription_id,effective_date,plan_id,quantity\n"
        // Subscriptions with usage: (id, kind 0 = pro, 1 = team, first usable day).
        var metered: [(id: String, kind: Int, from: Int)] = []
        let methods = ["card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_fail_first:1", ""]
        for i in 1...max(1, customers) {
            let c = currencies[[0, 0, 0, 0, 0, 0, 1, 1, 2, 3][rng.below(10)]]
            let id = "C-" + pad(i, 7)
            let region = c.country == "US" ? usRegions[rng.below(usRegions.count)].0 : ""
            customersCSV += "\(id),Customer \(i),\(c.country),\(c.code),\(region),\(methods[rng.below(methods.count)])\n"
            let roll = rng.below(100)
            let (plan, kind) = roll < 30 ? ("starter", -1) : roll < 70 ? ("pro", 0) : roll < 85 ? ("team", 1) : roll < 90 ? ("enterprise", -1) : ("support", -1)
            let start = window.start.adding(days: -rng.below(365))
            let quantity = kind == 1 ? 2 + rng.below(19) : 1
            let cancel = rng.percent(5) ? window.start.adding(days: 1 + rng.below(window.days - 1)).description : ""
            let billingDay = rng.percent(10) ? String(1 + rng.below(28)) : ""
            let sid = "S-" + pad(i, 7)
            subs += "\(sid),\(id),\(plan)-\(c.code),\(start),\(quantity),\(cancel),\(billingDay)\n"
            if rng.percent(3) {
                let day = max(start, window.start).adding(days: 1 + rng.below(20))
                if cancel.isEmpty || day.description < cancel {
                    changes += kind == 1 ? "\(sid),\(day),,\(quantity + 1 + rng.below(5))\n" : "\(sid),\(day),pro-\(c.code),\n"
                }
            }
            if kind >= 0 { metered.append((sid, kind, max(start, window.start).dayNumber)) }
        }
        try FileSystem.replace(dir + "/customers.csv", Array(customersCSV.utf8))
        try FileSystem.replace(dir + "/subscriptions.csv", Array(subs.utf8))
        try FileSystem.replace(dir + "/subscription_changes.csv", Array(changes.utf8))
        try writeUsage(events: events, metered: metered, window: window, rng: &rng, path: dir + "/usage.csv")
        let config = """
            {
              "dataset": ".", "ledger": "ledger", "output": "out", "period": "\(period)",
              "seller": {"name": "Synthetic SaaS Inc.", "address": "1 Main Street, Seattle, WA", "country": "US", "tax_id": "91-0000000"},
              "billing": {"since": "\(window.start)"},
              "report": {"currency": "USD"}
            }

            """
        try FileSystem.replace(dir + "/pipeline.json", Array(config.utf8))
    }

    static func writeUsage(events: Int, metered: [(id: String, kind: Int, from: Int)], window: DateRange, rng: inout SplitMix64, path: String) throws {
        try FileSystem.replace(path, Array("event_id,subscription_id,metric,timestamp,quantity,value\n".utf8))
        guard !metered.isEmpty, events > 0 else { return }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 22)
        let end = window.end.dayNumber
        for e in 1...events {
            let s = metered[rng.below(metered.count)]
            let day = CivilDate(dayNumber: s.from + rng.below(max(1, end - s.from)))
            let seconds = rng.below(86400)
            let r = rng.below(100)
            let line: String
            if s.kind == 0 {
                if r < 70 { line = "api_calls,\(ts(day, seconds)),\(1 + rng.below(500)),"
                } else if r < 90 { line = "storage_gb,\(ts(day, seconds)),\(rng.below(2000)).\(rng.below(10)),"
                } else { line = "active_users,\(ts(day, seconds)),1,u\(rng.below(200))" }
            } else {
                line = r < 80 ? "api_calls,\(ts(day, seconds)),\(1 + rng.below(1000))," : "builds,\(ts(day, seconds)),1,"
            }
            buffer.append(contentsOf: "E\(pad(e, 10)),\(s.id),\(line)\n".utf8)
            if buffer.count >= 1 << 22 {
                try FileSystem.append(path, buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try FileSystem.append(path, buffer)
    }

    static func pad(_ n: Int, _ w: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, w - s.count)) + s
    }

    static func ts(_ d: CivilDate, _ s: Int) -> String { "\(d)T\(pad(s / 3600, 2)):\(pad(s / 60 % 60, 2)):\(pad(s % 60, 2))Z" }
}
