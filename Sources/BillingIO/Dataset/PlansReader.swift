import BillingCore

/// Reads `plans.json`: `{"plans": [...]}` with decimals as strings. Unknown keys and wrong types
/// are errors at the offending value's line (SPEC §8).
public enum PlansReader {
    public static func read(_ bytes: [UInt8], file: String) throws -> [String: Plan] {
        let root = try JSONParser.parse(bytes, file: file)
        let r = JSONObjectReader(root, file: file, field: "")
        try r.allow(["plans"])
        guard let list = try r.array("plans") else { throw r.error("plans", "required key is missing", "") }
        var plans: [String: Plan] = [:]
        for (index, node) in list.enumerated() {
            let p = JSONObjectReader(node, file: file, field: "plans[\(index)]")
            try p.allow(["id", "name", "currency", "interval", "interval_count", "price", "fee_timing", "trial_days", "tax_category", "charges"])
            guard let id = try p.string("id") else { throw p.error("id", "required key is missing", "") }
            guard Identifier.isValid(id) else { throw p.error("id", "invalid id: expected [A-Za-z0-9][A-Za-z0-9._-]{0,63}", id) }
            if plans[id] != nil { throw p.error("id", "duplicate id", id) }
            guard let code = try p.string("currency") else { throw p.error("currency", "required key is missing", "") }
            guard let currency = Currency(code: code) else { throw p.error("currency", "unknown ISO 4217 currency code", code) }
            guard let interval = try p.enumValue("interval", BillingInterval.init(rawValue:)) else {
                throw p.error("interval", "required key is missing (month or year)", "")
            }
            let category = try p.string("tax_category") ?? "standard"
            guard Identifier.isValid(category) else { throw p.error("tax_category", "invalid category", category) }
            var charges: [UsageCharge] = []
            for (ci, cnode) in (try p.array("charges") ?? []).enumerated() {
                let charge = try readCharge(JSONObjectReader(cnode, file: file, field: "plans[\(index)].charges[\(ci)]"))
                if charges.contains(where: { $0.metric == charge.metric }) {
                    throw DataError(file: file, line: cnode.line, column: cnode.column, field: "plans[\(index)].charges[\(ci)].metric",
                                    problem: "a second charge for the same metric", value: charge.metric)
                }
                charges.append(charge)
            }
            plans[id] = Plan(
                id: id, name: try p.string("name") ?? id, currency: currency, interval: interval,
                intervalCount: try p.integer("interval_count", range: 1...120) ?? 1, price: try p.decimal("price") ?? .zero,
                feeTiming: try p.enumValue("fee_timing", FeeTiming.init(rawValue:)) ?? .advance,
                trialDays: try p.integer("trial_days", range: 0...3650) ?? 0, taxCategory: category, charges: charges,
                source: SourceLocation(file: file, line: node.line))
        }
        return plans
    }

    static func readCharge(_ c: JSONObjectReader) throws -> UsageCharge {
        try c.allow(["metric", "aggregation", "model", "unit_price", "package_size", "package_price", "free_units", "tiers"])
        guard let metric = try c.string("metric"), Identifier.isValid(metric) else {
            throw c.error("metric", "required: a metric name matching the id grammar", (try? c.string("metric")) ?? "")
        }
        guard let aggregation = try c.enumValue("aggregation", Aggregation.init(rawValue:)) else {
            throw c.error("aggregation", "required key is missing (sum, count, max, unique_count, last)", "")
        }
        guard let modelName = try c.string("model") else { throw c.error("model", "required key is missing", "") }
        let model: PriceModel
        switch modelName {
        case "per_unit":
            guard let price = try c.decimal("unit_price") else { throw c.error("unit_price", "required for per_unit", "") }
            model = .perUnit(unitPrice: price)
        case "package":
            guard let size = try c.decimal("package_size", maxDecimals: 9) else { throw c.error("package_size", "required for package", "") }
            if size.isZero { throw c.error("package_size", "must be greater than zero", size.description) }
            guard let price = try c.decimal("package_price") else { throw c.error("package_price", "required for package", "") }
            model = .package(packageSize: size, packagePrice: price, freeUnits: try c.decimal("free_units", maxDecimals: 9) ?? .zero)
        case "graduated", "volume":
            guard let tierNodes = try c.array("tiers"), !tierNodes.isEmpty else { throw c.error("tiers", "required for \(modelName)", "") }
            var tiers: [PriceTier] = []
            for (ti, tnode) in tierNodes.enumerated() {
                let t = JSONObjectReader(tnode, file: c.file, field: c.field + ".tiers[\(ti)]")
                try t.allow(["up_to", "unit_price", "flat_fee"])
                let upTo = try t.decimal("up_to", maxDecimals: 9)
                let isLast = ti == tierNodes.count - 1
                if isLast != (upTo == nil) {
                    throw t.error("up_to", isLast ? "the last tier's up_to must be null" : "required on every tier but the last", upTo?.description ?? "null")
                }
                if let upTo, let previous = tiers.last?.upTo, upTo <= previous {
                    throw t.error("up_to", "tiers must ascend", upTo.description)
                }
                tiers.append(PriceTier(upTo: upTo, unitPrice: try t.decimal("unit_price") ?? .zero, flatFee: try t.decimal("flat_fee") ?? .zero))
            }
            model = modelName == "graduated" ? .graduated(tiers) : .volume(tiers)
        default:
            throw c.error("model", "unknown model (per_unit, package, graduated, volume)", modelName)
        }
        return UsageCharge(metric: metric, aggregation: aggregation, model: model)
    }
}
