import BillingCore

/// Writes a validated catalog back as dataset CSVs: sorted by id, defaults filled in, with a
/// `_source` column giving each record's original `file:line`. The result is itself a valid
/// dataset folder, which the later stages read with the same `CatalogReader`.
public enum NormalizedDataset {
    public static func files(_ c: Catalog) -> [(name: String, text: String)] {
        func opt(_ d: CivilDate?) -> String { d?.description ?? "" }
        let customers = c.sortedCustomers.map {
            [$0.id, $0.name, $0.country, $0.currency.code, $0.email, $0.region, $0.taxID, String($0.taxExempt),
             $0.paymentMethod?.description ?? "", $0.source.description]
        }
        let subscriptions = c.sortedSubscriptions.map {
            [$0.id, $0.customerID, $0.planID, $0.startDate.description, String($0.quantity), opt($0.trialEnd), opt($0.cancelDate),
             $0.billingDay.map(String.init) ?? "", $0.source.description]
        }
        let changes = c.changes.keys.sorted().flatMap { id in
            c.changes[id]!.map { [id, $0.effectiveDate.description, $0.planID ?? "", $0.quantity.map(String.init) ?? "", $0.source.description] }
        }
        let taxRates = c.taxRates.sorted { ($0.country, $0.region, $0.category, opt($0.validFrom)) < ($1.country, $1.region, $1.category, opt($1.validFrom)) }.map {
            [$0.country, $0.region, $0.category, $0.rate.normalized.description, $0.name, opt($0.validFrom), opt($0.validTo), $0.source.description]
        }
        let received = c.paymentsReceived.sorted { ($0.date, $0.invoiceNumber, $0.source.line) < ($1.date, $1.invoiceNumber, $1.source.line) }.map {
            [$0.invoiceNumber, $0.date.description, $0.amount.description, $0.source.description]
        }
        let fx = c.fxRates.sorted { ($0.date, $0.currency) < ($1.date, $1.currency) }.map {
            [$0.date.description, $0.currency.code, $0.rate.description, $0.source.description]
        }
        return [
            ("customers.csv", CSVWriter.document(
                header: ["customer_id", "name", "country", "currency", "email", "region", "tax_id", "tax_exempt", "payment_method", "_source"],
                rows: customers)),
            ("subscriptions.csv", CSVWriter.document(
                header: ["subscription_id", "customer_id", "plan_id", "start_date", "quantity", "trial_end_date", "cancel_date", "billing_day", "_source"],
                rows: subscriptions)),
            ("subscription_changes.csv", CSVWriter.document(header: ["subscription_id", "effective_date", "plan_id", "quantity", "_source"], rows: changes)),
            ("tax_rates.csv", CSVWriter.document(
                header: ["country", "region", "category", "rate", "name", "valid_from", "valid_to", "_source"], rows: taxRates)),
            ("payments_received.csv", CSVWriter.document(header: ["invoice_number", "date", "amount", "_source"], rows: received)),
            ("fx_rates.csv", CSVWriter.document(header: ["date", "currency", "rate", "_source"], rows: fx)),
        ]
    }

    /// Reads a folder written by `files` (or any dataset folder) back into a catalog.
    public static func read(folder: String) throws -> Catalog {
        var reader = CatalogReader(folder: folder)
        reader.readAll()
        if !reader.errors.isEmpty { throw StageFailure.data(reader.errors) }
        return reader.catalog
    }
}
