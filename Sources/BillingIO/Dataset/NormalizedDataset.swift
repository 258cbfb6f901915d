import BillingCore

/// Writes a validated catalog back as dataset CSVs: sorted by id, defaults filled in, with a
/// `_source` column giving each record's original `file:line`. The result is itself a valid
/// dataset folder, which the later stages read with the same `CatalogReader`.
public enum NormalizedDataset {
    /// The files (name and UTF-8 bytes). Each row is rendered straight into its file's bytes,
    /// dates and numbers as bytes, with no `String` per cell: a catalog can hold millions of
    /// customers and subscriptions, and ingest renders them while it aggregates usage.
    ///
    /// - Parameters:
    ///   - sortedSubscriptions: `c.sortedSubscriptions`, if the caller has it already (ingest's
    ///     usage lookup does): sorting a million subscriptions again took 0.4 s.
    ///   - customers: `customersFile(c)`, if the caller has rendered it already (ingest does, on
    ///     the core the rest of the catalog's reading leaves idle).
    public static func files(_ c: Catalog, sortedSubscriptions: [Subscription]? = nil, customers: [UInt8]? = nil) -> [(name: String, bytes: [UInt8])] {
        let customers = customers ?? customersFile(c)
        var subscriptions = Rows(header: [
            "subscription_id", "customer_id", "plan_id", "start_date", "quantity", "trial_end_date", "cancel_date", "billing_day", "_source",
        ])
        for x in sortedSubscriptions ?? c.sortedSubscriptions {
            subscriptions.text(x.id); subscriptions.text(x.customerID); subscriptions.text(x.planID); subscriptions.date(x.startDate)
            subscriptions.integer(x.quantity); subscriptions.date(x.trialEnd); subscriptions.date(x.cancelDate)
            subscriptions.integer(x.billingDay); subscriptions.source(x.source)
        }
        var changes = Rows(header: ["subscription_id", "effective_date", "plan_id", "quantity", "_source"])
        for id in c.changes.keys.sorted() {
            for x in c.changes[id]! {
                changes.text(id); changes.date(x.effectiveDate); changes.text(x.planID ?? ""); changes.integer(x.quantity); changes.source(x.source)
            }
        }
        var taxRates = Rows(header: ["country", "region", "category", "rate", "name", "valid_from", "valid_to", "_source"])
        for x in c.taxRates.sorted(by: { ($0.country, $0.region, $0.category, $0.validFrom?.description ?? "") < ($1.country, $1.region, $1.category, $1.validFrom?.description ?? "") }) {
            taxRates.text(x.country); taxRates.text(x.region); taxRates.text(x.category); taxRates.text(x.rate.normalized.description)
            taxRates.text(x.name); taxRates.date(x.validFrom); taxRates.date(x.validTo); taxRates.source(x.source)
        }
        var received = Rows(header: ["invoice_number", "date", "amount", "_source"])
        for x in c.paymentsReceived.sorted(by: { ($0.date, $0.invoiceNumber, $0.source.line) < ($1.date, $1.invoiceNumber, $1.source.line) }) {
            received.text(x.invoiceNumber); received.date(x.date); received.text(x.amount.description); received.source(x.source)
        }
        var fx = Rows(header: ["date", "currency", "rate", "_source"])
        for x in c.fxRates.sorted(by: { ($0.date, $0.currency) < ($1.date, $1.currency) }) {
            fx.date(x.date); fx.text(x.currency.code); fx.text(x.rate.description); fx.source(x.source)
        }
        return [
            ("customers.csv", customers), ("subscriptions.csv", subscriptions.bytes), ("subscription_changes.csv", changes.bytes),
            ("tax_rates.csv", taxRates.bytes), ("payments_received.csv", received.bytes), ("fx_rates.csv", fx.bytes),
        ]
    }

    /// The bytes of `customers.csv`: the customers sorted by id (a million of them took about a
    /// second to sort and render).
    public static func customersFile(_ c: Catalog) -> [UInt8] {
        var customers = Rows(header: ["customer_id", "name", "country", "currency", "email", "region", "tax_id", "tax_exempt", "payment_method", "_source"])
        for x in c.sortedCustomers {
            customers.text(x.id); customers.text(x.name); customers.text(x.country); customers.text(x.currency.code)
            customers.text(x.email); customers.text(x.region); customers.text(x.taxID); customers.text(x.taxExempt ? "true" : "false")
            customers.text(x.paymentMethod?.description ?? ""); customers.source(x.source)
        }
        return customers.bytes
    }

    /// A CSV file's bytes, cell by cell, as `CSVWriter` writes them: a row ends at its `_source`
    /// cell (always the last).
    struct Rows {
        private(set) var bytes: [UInt8] = []
        private var atStart = true
        /// The last source file seen, and whether `CSVWriter` writes `file:line` of it unchanged
        /// (no quoting, no formula mark), so that its line can be appended as digits.
        private var file: String?
        private var plainFile = false

        init(header: [String]) { CSVWriter.append(header, to: &bytes) }

        private mutating func separate() {
            if !atStart { bytes.append(UInt8(ascii: ",")) }
            atStart = false
        }

        mutating func text(_ s: String) {
            separate()
            CSVWriter.appendCell(s, to: &bytes)
        }

        mutating func date(_ d: CivilDate?) {
            separate()
            d?.appendDescription(to: &bytes)
        }

        mutating func integer(_ n: Int?) {
            separate()
            if let n { ExactDecimal.appendNormalized(units: Int128(n), scale: 0, to: &bytes) }
        }

        /// The `_source` cell, `file:line`, and the end of the row.
        mutating func source(_ s: SourceLocation) {
            separate()
            if s.file != file {
                file = s.file
                var probe: [UInt8] = []
                CSVWriter.appendCell(s.file + ":0", to: &probe)
                plainFile = probe == Array((s.file + ":0").utf8)
            }
            if plainFile {
                bytes += s.file.utf8
                bytes.append(UInt8(ascii: ":"))
                ExactDecimal.appendNormalized(units: Int128(s.line), scale: 0, to: &bytes)
            } else {
                CSVWriter.appendCell(s.description, to: &bytes)
            }
            bytes.append(0x0A)
            atStart = true
        }
    }

    /// Reads a folder written by `files` (or any dataset folder) back into a catalog.
    public static func read(folder: String) throws -> Catalog {
        var reader = CatalogReader(folder: folder)
        reader.readAll()
        if !reader.errors.isEmpty { throw StageFailure.data(reader.errors) }
        return reader.catalog
    }
}
