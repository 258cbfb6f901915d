import BillingCore

/// The CSV form of charge items: the run's `items.csv` (what rating says should exist) and the
/// ledger's `items.csv` (every line issued, with its document number), read back by the next stage.
public enum ItemsCSV {
    public static let header = [
        "customer_id", "subscription_id", "plan_id", "kind", "metric", "period_start", "period_end", "quantity", "unit_price",
        "currency", "amount", "billing_date", "tax_category", "tax_rate", "tax_name", "tax_treatment", "description",
    ]

    public static func row(_ i: ChargeItem) -> [String] {
        [i.customerID, i.subscriptionID, i.planID, i.kind.rawValue, i.metric, i.period.start.description, i.period.end.description,
         i.quantity.normalized.description, i.unitPrice.normalized.description, i.amount.currency.code, i.amount.description,
         i.billingDate.description, i.taxCategory, i.tax.rate.normalized.description, i.tax.name, i.tax.treatment.rawValue,
         i.description]
    }

    /// The positions of `items` in the file's fixed order (subscription, period, kind, plan,
    /// metric). Positions are sorted, not the items: moving an Int costs no reference counting.
    public static func fileOrder(_ items: [ChargeItem]) -> [Int] {
        let keys = items.map(\.key)
        return items.indices.sorted { keys[$0] < keys[$1] }
    }

    /// Items sorted in the file's fixed order, as UTF-8 (`order`: `fileOrder(items)`, if known).
    public static func document(_ items: [ChargeItem], order: [Int]? = nil) -> [UInt8] {
        let order = order ?? fileOrder(items)
        // The rows are rendered in slices on every core, then joined in order.
        let parts = order.parallelMapSlices { slice in
            var bytes: [UInt8] = []
            for i in slice { CSVWriter.append(row(items[i]), to: &bytes) }
            return bytes
        }
        var out: [UInt8] = []
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count } + 256)
        CSVWriter.append(header, to: &out)
        for part in parts { out += part }
        return out
    }

    /// The items `read` returns from `document(items, order: order)`, told without writing or
    /// parsing the text: in the file's order, their decimals normalised as the file writes them.
    /// Nil when a cell is not certain to read back as the same value, and only a parse can tell
    /// (an id `read` refuses, a decimal beyond the digits it accepts or negative where it refuses
    /// that, text the writer marks as a formula or holding a NUL or a line break): `billing-pipeline`
    /// then has the invoice stage parse the file, as a stage run alone does.
    public static func readBack(_ items: [ChargeItem], order: [Int]) -> [ChargeItem]? {
        // `read` accepts decimals of up to 36 digits: below 10^30 units, with at most 12
        // decimals, a normalised value is written in at most 30.
        let readBackLimit = Int128(1_000_000_000_000_000) * 1_000_000_000_000_000
        // Text read as it is (`raw`): the writer must not mark it, nor quote a line break in it.
        func plain(_ s: String) -> Bool {
            guard let first = s.utf8.first else { return true }
            if "=+-@\t\r'".utf8.contains(first) { return false }
            return !s.utf8.contains { $0 == 0 || $0 == 0x0A || $0 == 0x0D }
        }
        // Text read through `unneutralized`, which undoes any mark: a line break or a NUL still cannot.
        func unmarked(_ s: String) -> Bool { !s.utf8.contains { $0 == 0 || $0 == 0x0A || $0 == 0x0D } }
        func decimal(_ d: ExactDecimal, maxDecimals: Int) -> ExactDecimal? {
            let n = d.normalized
            guard n.scale <= maxDecimals, n.units >= 0, n.units < readBackLimit else { return nil }
            return n
        }
        var out: [ChargeItem] = []
        out.reserveCapacity(order.count)
        for i in order {
            var item = items[i]
            guard Identifier.isValid(item.customerID), Identifier.isValid(item.subscriptionID), Identifier.isValid(item.planID),
                plain(item.metric), plain(item.taxCategory), unmarked(item.description), unmarked(item.tax.name),
                let quantity = decimal(item.quantity, maxDecimals: 9), let unitPrice = decimal(item.unitPrice, maxDecimals: 12),
                let rate = decimal(item.tax.rate, maxDecimals: 6)
            else { return nil }
            item.quantity = quantity
            item.unitPrice = unitPrice
            item.tax.rate = rate
            out.append(item)
        }
        return out
    }

    /// Reads items (and the `document` column, when present) back. The file is the pipeline's own,
    /// so any problem is reported as a data error in it.
    public static func read(path: String) throws -> [(item: ChargeItem, document: String)] {
        guard FileSystem.exists(path) else { return [] }
        var errors: [DataError] = []
        let out = try TableRows.map(path: path, required: header, optional: ["document"], errors: &errors) { r in
            let currency = try r.currency("currency")
            guard let kind = LineKind(rawValue: r.raw("kind")), let treatment = TaxTreatment(rawValue: r.raw("tax_treatment")),
                let amount = Money(parsing: r.raw("amount"), currency: currency)
            else { throw r.error("kind", "unreadable item row") }
            let item = ChargeItem(
                customerID: try r.id("customer_id"), subscriptionID: try r.id("subscription_id"), planID: try r.id("plan_id"), kind: kind,
                metric: r.raw("metric"), period: DateRange(try r.date("period_start", latest: nil), try r.date("period_end", latest: nil)),
                quantity: try r.decimal("quantity", maxDecimals: 9), unitPrice: try r.decimal("unit_price", maxDecimals: 12),
                amount: amount,
                billingDate: try r.date("billing_date", latest: nil), description: CSVWriter.unneutralized(r.raw("description")),
                taxCategory: r.raw("tax_category"),
                tax: ItemTax(rate: try r.decimal("tax_rate", maxDecimals: 6), name: CSVWriter.unneutralized(r.raw("tax_name")), treatment: treatment))
            return (item: item, document: r.raw("document"))
        }
        if !errors.isEmpty { throw StageFailure.data(errors) }
        return out
    }
}
