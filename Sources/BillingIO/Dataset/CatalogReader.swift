import BillingCore

/// Reads the small dataset files of SPEC §3 into a `Catalog`, checking every rule: grammar,
/// uniqueness, references, currencies and tax-row conflicts. All errors are collected so the
/// user can fix a file in one pass.
public struct CatalogReader {
    public var catalog = Catalog()
    public var errors: [DataError] = []
    /// Per file name: header columns it ignored.
    public var unknownColumns: [String: [String]] = [:]
    /// Per file name: the number of data rows read.
    public var rowCounts: [String: Int] = [:]
    /// Per file name: its header as the user wrote it (later stages use it to name columns).
    public var headers: [String: [String]] = [:]
    let folder: String
    /// Ids whose own rows were invalid; references to them are not reported a second time.
    var invalidIDs: [String: Set<String>] = [:]
    /// Files read ahead on another thread (the file as `CSVTable.load` gave it, or its error).
    var readAhead: [String: Result<CSVTable, any Error>] = [:]

    public init(folder: String) { self.folder = folder }

    func path(_ name: String) -> String { FileSystem.join(folder, name) }

    /// Opens one CSV file; nil (with an error recorded if it is required) when it is missing.
    mutating func rows(_ name: String, required: [String], optional: [String], mandatory: Bool) -> TableRows? {
        let p = path(name)
        guard FileSystem.exists(p) else {
            if mandatory {
                errors.append(DataError(file: p, line: 1, column: 1, field: "file", problem: "required dataset file is missing", value: name))
            }
            return nil
        }
        do {
            let table = try readAhead.removeValue(forKey: name)?.get() ?? CSVTable.load(path: p, displayPath: p)
            let t = try TableRows(table, required: required, optional: optional)
            unknownColumns[name] = t.unknownColumns
            headers[name] = t.table.header
            rowCounts[name] = t.table.rows.count
            return t
        } catch let e as DataError {
            errors.append(e)
        } catch {
            errors.append(DataError(file: p, line: 1, column: 1, field: "file", problem: "\(error)", value: name))
        }
        markUnreadable(name)
        return nil
    }

    /// A file that could not be read at all: every reference into it is already explained.
    mutating func markUnreadable(_ name: String) {
        let entity = ["customers.csv": "customer", "plans.json": "plan", "subscriptions.csv": "subscription"][name]
        if let entity { invalidIDs[entity, default: []].insert(CatalogReader.everything) }
    }

    static let everything = "*"

    /// Every file `readAll` reads, by name.
    static let fileNames = [
        "customers.csv", "plans.json", "subscriptions.csv", "subscription_changes.csv", "tax_rates.csv", "payments_received.csv",
        "fx_rates.csv",
    ]

    /// Reads every file; afterwards `errors` is empty if and only if the catalog is valid.
    ///
    /// - Parameter customersRead: called with the catalog as soon as its customers are read (its
    ///   other files are not yet): work on the customers alone can start then, on the core the
    ///   rest of the reading leaves idle. The customers may still have errors.
    public mutating func readAll(customersRead: (Catalog) -> Void = { _ in }) {
        // The two largest files: subscriptions.csv is parsed while customers.csv is checked.
        let subscriptions = path("subscriptions.csv")
        let ahead = Background { FileSystem.exists(subscriptions) ? Result { try CSVTable.load(path: subscriptions, displayPath: subscriptions) } : nil }
        readCustomers()
        customersRead(catalog)
        readPlans()
        readAhead["subscriptions.csv"] = ahead.value()
        readSubscriptions()
        readChanges()
        readTaxRates()
        readPaymentsReceived()
        readFxRates()
    }

    mutating func readCustomers() {
        guard let t = rows("customers.csv", required: ["customer_id", "name", "country", "currency"],
                           optional: ["email", "region", "tax_id", "tax_exempt", "payment_method"], mandatory: true)
        else { return }
        var out: [String: Customer] = [:]
        out.reserveCapacity(t.table.rows.count)
        t.forEach(errors: &errors, keyColumn: "customer_id", invalidKeys: &invalidIDs["customer", default: []]) { r in
            let id = try r.id("customer_id")
            if out[id] != nil { throw r.error("customer_id", "duplicate id") }
            let name = try r.text("name")
            if name.isEmpty { throw r.error("name", "required value is empty") }
            let region = try r.text("region", maxLength: 3)
            if !region.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) }) {
                throw r.error("region", "expected an upper-case subdivision code without the country (WA)")
            }
            let email = try r.text("email", maxLength: 254)
            if !email.isEmpty && !email.contains("@") { throw r.error("email", "not an e-mail address") }
            var method: PaymentMethod?
            if let token = r.optional("payment_method") {
                guard let m = PaymentMethod(token: token) else {
                    throw r.error("payment_method", "unknown gateway token (card_ok, card_declined, card_insufficient_funds, card_fail_first:N, card_random:P)")
                }
                method = m
            }
            out[id] = Customer(
                id: id, name: name, country: try r.country("country"), currency: try r.currency("currency"), email: email,
                region: region, taxID: try r.text("tax_id", maxLength: 32), taxExempt: try r.bool("tax_exempt") ?? false,
                paymentMethod: method, source: r.source)
        }
        catalog.customers = out
    }

    mutating func readPlans() {
        let p = path("plans.json")
        guard FileSystem.exists(p) else {
            errors.append(DataError(file: p, line: 1, column: 1, field: "file", problem: "required dataset file is missing", value: "plans.json"))
            markUnreadable("plans.json")
            return
        }
        do {
            catalog.plans = try PlansReader.read(try FileSystem.read(p), file: p)
            rowCounts["plans.json"] = catalog.plans.count
        } catch let e as DataError {
            errors.append(e)
            markUnreadable("plans.json")
        } catch {
            errors.append(DataError(file: p, line: 1, column: 1, field: "file", problem: "\(error)", value: "plans.json"))
            markUnreadable("plans.json")
        }
    }

    mutating func readSubscriptions() {
        guard let t = rows("subscriptions.csv", required: ["subscription_id", "customer_id", "plan_id", "start_date"],
                           optional: ["quantity", "trial_end_date", "cancel_date", "billing_day"], mandatory: true)
        else { return }
        var out: [String: Subscription] = [:]
        out.reserveCapacity(t.table.rows.count)
        let customers = catalog.customers, plans = catalog.plans
        let badCustomers = invalidIDs["customer"] ?? [], badPlans = invalidIDs["plan"] ?? []
        t.forEach(errors: &errors, keyColumn: "subscription_id", invalidKeys: &invalidIDs["subscription", default: []]) { r in
            let id = try r.id("subscription_id")
            if out[id] != nil { throw r.error("subscription_id", "duplicate id") }
            let customerID = try r.id("customer_id")
            guard let customer = customers[customerID] else {
                if badCustomers.contains(customerID) || badCustomers.contains(CatalogReader.everything) { throw TableRows.AlreadyReported() }
                throw r.error("customer_id", "unknown customer")
            }
            let planID = try r.id("plan_id")
            guard let plan = plans[planID] else {
                if badPlans.contains(planID) || badPlans.contains(CatalogReader.everything) { throw TableRows.AlreadyReported() }
                throw r.error("plan_id", "unknown plan")
            }
            if plan.currency != customer.currency {
                throw r.error("plan_id", "plan currency \(plan.currency) differs from customer \(customerID)'s currency \(customer.currency)")
            }
            let start = try r.date("start_date")
            let trialEnd = try r.optionalDate("trial_end_date")
            if let trialEnd, trialEnd < start { throw r.error("trial_end_date", "before start_date \(start)") }
            let cancel = try r.optionalDate("cancel_date")
            if let cancel, cancel < start { throw r.error("cancel_date", "before start_date \(start)") }
            out[id] = Subscription(
                id: id, customerID: customerID, planID: planID, startDate: start,
                quantity: try r.integer("quantity", in: 1...1_000_000_000) ?? 1, trialEnd: trialEnd, cancelDate: cancel,
                billingDay: try r.integer("billing_day", in: 1...31), source: r.source)
        }
        catalog.subscriptions = out
    }

    mutating func readChanges() {
        guard let t = rows("subscription_changes.csv", required: ["subscription_id", "effective_date"],
                           optional: ["plan_id", "quantity"], mandatory: false)
        else { return }
        var out: [String: [SubscriptionChange]] = [:]
        let subs = catalog.subscriptions, plans = catalog.plans, customers = catalog.customers
        let badSubscriptions = invalidIDs["subscription"] ?? []
        t.forEach(errors: &errors) { r in
            let subID = try r.id("subscription_id")
            guard let sub = subs[subID] else {
                if badSubscriptions.contains(subID) || badSubscriptions.contains(CatalogReader.everything) { throw TableRows.AlreadyReported() }
                throw r.error("subscription_id", "unknown subscription")
            }
            let date = try r.date("effective_date")
            if date < sub.startDate { throw r.error("effective_date", "before the subscription's start_date \(sub.startDate)") }
            let planID = try r.optionalID("plan_id")
            let quantity = try r.integer("quantity", in: 1...1_000_000_000)
            if planID == nil && quantity == nil { throw r.error("plan_id", "a change needs a plan_id or a quantity") }
            if let planID {
                guard let plan = plans[planID] else { throw r.error("plan_id", "unknown plan") }
                if let c = customers[sub.customerID], plan.currency != c.currency {
                    throw r.error("plan_id", "plan currency \(plan.currency) differs from the customer's currency \(c.currency)")
                }
            }
            if out[subID, default: []].contains(where: { $0.effectiveDate == date }) {
                throw r.error("effective_date", "a second change for the same subscription on the same day")
            }
            out[subID, default: []].append(SubscriptionChange(subscriptionID: subID, effectiveDate: date, planID: planID, quantity: quantity, source: r.source))
        }
        catalog.changes = out.mapValues { $0.sorted { $0.effectiveDate < $1.effectiveDate } }
    }

    mutating func readTaxRates() {
        guard let t = rows("tax_rates.csv", required: ["country", "category", "rate"],
                           optional: ["region", "name", "valid_from", "valid_to"], mandatory: true)
        else { return }
        var out: [TaxRate] = []
        t.forEach(errors: &errors) { r in
            let rate = try r.decimal("rate", maxDecimals: 6)
            if rate > ExactDecimal(100) { throw r.error("rate", "a percentage must be within 0…100") }
            let category = try r.id("category")
            let region = try r.text("region", maxLength: 3)
            let row = TaxRate(
                country: try r.country("country"), region: region, category: category, rate: rate, name: try r.text("name", maxLength: 60),
                validFrom: try r.optionalDate("valid_from"), validTo: try r.optionalDate("valid_to"), source: r.source)
            if let f = row.validFrom, let to = row.validTo, to < f { throw r.error("valid_to", "before valid_from \(f)") }
            if let clash = out.first(where: { TaxRate.overlap($0, row) }) {
                throw r.error("valid_from", "overlaps the equally specific rate at line \(clash.source.line) for \(row.country)/\(row.region.isEmpty ? "-" : row.region)/\(category)")
            }
            out.append(row)
        }
        catalog.taxRates = out
    }

    mutating func readPaymentsReceived() {
        guard let t = rows("payments_received.csv", required: ["invoice_number", "date", "amount"], optional: [], mandatory: false)
        else { return }
        var out: [PaymentReceived] = []
        t.forEach(errors: &errors) { r in
            let amount = try r.decimal("amount", maxDecimals: 4)
            if amount.isZero { throw r.error("amount", "must be greater than zero") }
            out.append(PaymentReceived(invoiceNumber: try r.id("invoice_number"), date: try r.date("date"), amount: amount, source: r.source))
        }
        catalog.paymentsReceived = out
    }

    mutating func readFxRates() {
        guard let t = rows("fx_rates.csv", required: ["date", "currency", "rate"], optional: [], mandatory: false) else { return }
        var out: [FxRate] = []
        t.forEach(errors: &errors) { r in
            let rate = try r.decimal("rate", maxDecimals: 12)
            if rate.isZero { throw r.error("rate", "must be greater than zero") }
            let fx = FxRate(date: try r.date("date"), currency: try r.currency("currency"), rate: rate, source: r.source)
            if out.contains(where: { $0.date == fx.date && $0.currency == fx.currency }) {
                throw r.error("date", "a second rate for \(fx.currency) on the same day")
            }
            out.append(fx)
        }
        catalog.fxRates = out
    }
}

extension TaxRate {
    /// Two rows for the same country, region and category whose validity shares a day.
    static func overlap(_ a: TaxRate, _ b: TaxRate) -> Bool {
        guard a.country == b.country, a.region == b.region, a.category == b.category else { return false }
        let aFrom = a.validFrom?.dayNumber ?? Int.min, aTo = a.validTo?.dayNumber ?? Int.max
        let bFrom = b.validFrom?.dayNumber ?? Int.min, bTo = b.validTo?.dayNumber ?? Int.max
        return aFrom <= bTo && bFrom <= aTo
    }
}
