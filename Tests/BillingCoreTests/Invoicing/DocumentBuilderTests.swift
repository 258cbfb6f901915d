import Testing
@testable import BillingCore

struct DocumentBuilderTests {
    func item(_ customer: String, _ amount: String, on date: String, sub: String = "S1", period: (String, String) = ("2026-11-01", "2026-12-01")) -> ChargeItem {
        ChargeItem(
            customerID: customer, subscriptionID: sub, planID: "P", kind: amount.hasPrefix("-") ? .credit : .recurring,
            period: DateRange(Fx.d(period.0), Fx.d(period.1)), quantity: ExactDecimal(1), unitPrice: Fx.dec("1"), amount: Fx.money(amount),
            billingDate: Fx.d(date), description: "x", taxCategory: "standard")
    }

    let customers = [
        "A": Customer(id: "A", name: "A", country: "US", currency: Fx.usd, paymentMethod: .cardOK),
        "B": Customer(id: "B", name: "B", country: "US", currency: Fx.usd),
    ]
    let window = DateRange(Fx.d("2026-11-01"), Fx.d("2026-12-01"))

    /// Numbers follow (issue date, customer): B on 11-02 and A on 11-02 → A first; each series
    /// continues from the ledger's count (5 invoices and 1 credit note issued before).
    @Test func numberingOrderAndSeries() throws {
        var balances = LedgerBalances(invoiceCount: 5, creditNoteCount: 1)
        let docs = try DocumentBuilder(settings: BillingSettings()).build(
            items: [item("B", "10.00", on: "2026-11-02"), item("A", "20.00", on: "2026-11-02"), item("A", "-5.00", on: "2026-11-03", sub: "S9"),
                    item("A", "7.00", on: "2026-11-01")],
            window: window, customers: customers, issued: [], balances: &balances)
        #expect(docs.map { "\($0.number) \($0.customer.id) \($0.issueDate) \($0.tax.total)" } == [
            "INV-000006 A 2026-11-01 7.00", "INV-000007 A 2026-11-02 20.00", "INV-000008 B 2026-11-02 10.00", "CN-000002 A 2026-11-03 -5.00",
        ])
        // A pays by card: due on issue; B has no payment method: due 30 days later.
        #expect(docs[1].dueDate == Fx.d("2026-11-02"))
        #expect(docs[2].dueDate == Fx.d("2026-12-02"))
    }

    /// A credit note of −50.00 becomes A's credit; A's next invoice of 80.00 uses it: credit
    /// applied 50.00, amount due 30.00, and the balance is back to zero.
    @Test func creditBalanceAppliesToLaterInvoices() throws {
        var balances = LedgerBalances()
        let docs = try DocumentBuilder(settings: BillingSettings()).build(
            items: [item("A", "-50.00", on: "2026-11-05"), item("A", "80.00", on: "2026-11-09", sub: "S2")],
            window: window, customers: customers, issued: [], balances: &balances)
        #expect(docs[0].type == .creditNote && docs[0].amountDue.minorUnits == 0)
        #expect(docs[1].creditApplied.description == "50.00")
        #expect(docs[1].amountDue.description == "30.00")
        #expect(balances.creditBalance["A"]?.minorUnits == 0)
    }

    /// Tax is reversed per rate on a credit note: −100.00 at 10 % and −50.00 at 8 % give tax −10.00
    /// and −4.00, total −164.00; it references the invoice that billed the same subscription and days.
    @Test func creditNoteReversesTaxPerRate() throws {
        var a = item("A", "-100.00", on: "2026-11-20")
        a.tax = ItemTax(rate: Fx.dec("10"), name: "VAT", treatment: .standard)
        var b = item("A", "-50.00", on: "2026-11-20")
        b.planID = "Q"
        b.tax = ItemTax(rate: Fx.dec("8"), name: "VAT reduced", treatment: .standard)
        let billed = IssuedItem(item: item("A", "300.00", on: "2026-11-01"), documentNumber: "INV-000004")
        var balances = LedgerBalances()
        let docs = try DocumentBuilder(settings: BillingSettings()).build(
            items: [a, b], window: window, customers: customers, issued: [billed], balances: &balances)
        #expect(docs[0].type == .creditNote)
        #expect(docs[0].tax.summaries.map { "\($0.rate) \($0.taxable) \($0.tax)" } == ["10 -100.00 -10.00", "8 -50.00 -4.00"])
        #expect(docs[0].tax.total.description == "-164.00")
        #expect(docs[0].references == ["INV-000004"])
        #expect(balances.creditBalance["A"]?.description == "164.00")
    }

    /// An item billed before the window is issued on the window's first day; zero items are dropped.
    @Test func lateItemsMoveToWindowStartAndZeroLinesVanish() throws {
        var balances = LedgerBalances()
        let docs = try DocumentBuilder(settings: BillingSettings()).build(
            items: [item("A", "12.00", on: "2026-10-20"), item("B", "0.00", on: "2026-11-03")],
            window: window, customers: customers, issued: [], balances: &balances)
        #expect(docs.map { "\($0.number) \($0.issueDate)" } == ["INV-000001 2026-11-01"])
    }

    /// Regenerate-and-diff: an issued item is not issued again; a changed amount issues only the
    /// difference (12.00 issued, 15.00 due → 3.00); an item no longer due is reversed.
    @Test func diffIssuesOnlyTheDifference() throws {
        let a = item("A", "12.00", on: "2026-11-05")
        let gone = item("B", "9.00", on: "2026-11-06", sub: "S7")
        let issued = [IssuedItem(item: a, documentNumber: "INV-000001"), IssuedItem(item: gone, documentNumber: "INV-000002")]
        #expect(try ItemDiff.pending(computed: [a], issued: [IssuedItem(item: a, documentNumber: "INV-000001")], window: window).isEmpty)
        var bigger = a
        bigger.amount = Fx.money("15.00")
        let pending = try ItemDiff.pending(computed: [bigger], issued: issued, window: window)
        #expect(pending.map { "\($0.subscriptionID) \($0.amount)" } == ["S1 3.00", "S7 -9.00"])
        #expect(pending[0].description.hasPrefix("Correction for 2026-11-01 – 2026-11-30"))
    }

    /// Items of one key are summed, the first given describes them, whatever the input order;
    /// items billed from the window's end on are left out; keys come out in key order.
    /// S2: 4.00 + 6.00 = 10.00 due, nothing issued → 10.00 (described "first").
    /// S3: 5.00 due, 5.00 issued → nothing. S4: nothing due, 2.00 issued → −2.00.
    /// S5: 1.00 due, but billed on 12-01 (the window's end) → left out, and so is its issued 8.00.
    @Test func diffSumsEachKeyInKeyOrder() throws {
        var first = item("A", "4.00", on: "2026-11-05", sub: "S2")
        first.description = "first"
        var second = item("A", "6.00", on: "2026-11-05", sub: "S2")
        second.description = "second"
        let due = [item("A", "5.00", on: "2026-11-05", sub: "S3"), first, item("A", "1.00", on: "2026-12-01", sub: "S5"), second]
        let issued = [
            IssuedItem(item: item("A", "8.00", on: "2026-12-01", sub: "S5"), documentNumber: "INV-000003"),
            IssuedItem(item: item("A", "2.00", on: "2026-11-04", sub: "S4"), documentNumber: "INV-000002"),
            IssuedItem(item: item("A", "5.00", on: "2026-11-05", sub: "S3"), documentNumber: "INV-000001"),
        ]
        let pending = try ItemDiff.pending(computed: due, issued: issued, window: window)
        #expect(pending.map { "\($0.subscriptionID) \($0.amount)" } == ["S2 10.00", "S4 -2.00"])
        #expect(pending[0].description == "first")
        #expect(pending[1].description.hasPrefix("Correction for 2026-11-01 – 2026-11-30"))
    }
}
