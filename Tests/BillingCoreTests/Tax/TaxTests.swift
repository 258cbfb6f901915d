import Testing
@testable import BillingCore

struct TaxTests {
    func tax(_ amounts: [(String, String)], _ c: Currency, basis: TaxBasis, _ mode: RoundingMode = .halfUp, inclusive: Bool = false) throws -> DocumentTax {
        try TaxCalculator.compute(
            lines: amounts.map { (Fx.money($0.0, c), ItemTax(rate: Fx.dec($0.1), name: "", treatment: .standard)) }, currency: c,
            basis: basis, rounding: mode, inclusive: inclusive)
    }

    /// 1,234 + 2,345 + 3,456 = 7,035 JPY at 10 %, rounding down: per invoice 703.5 → 703;
    /// per line 123.4 + 234.5 + 345.6 → 123 + 234 + 345 = 702.
    @Test func japanPerInvoiceVersusPerLine() throws {
        let lines = [("1234", "10"), ("2345", "10"), ("3456", "10")]
        #expect(try tax(lines, Fx.jpy, basis: .perInvoiceRate, .down).taxTotal.description == "703")
        #expect(try tax(lines, Fx.jpy, basis: .perLine, .down).taxTotal.description == "702")
    }

    /// Mixed rates round once per rate: 10 % on 1,000 = 100; 8 % on 1,005 + 1,005 = 2,010 → 160.8 → 161
    /// (per line it would be 80.4 + 80.4 → 80 + 80 = 160).
    @Test func mixedRatesRoundOncePerRate() throws {
        let t = try tax([("1000", "10"), ("1005", "8"), ("1005", "8")], Fx.jpy, basis: .perInvoiceRate)
        #expect(t.summaries.map { "\($0.rate) \($0.taxable) \($0.tax)" } == ["10 1000 100", "8 2010 161"])
        #expect(t.total.description == "3271")
        #expect(try tax([("1000", "10"), ("1005", "8"), ("1005", "8")], Fx.jpy, basis: .perLine).taxTotal.description == "260")
    }

    /// Inclusive: 1,100 JPY at 10 % holds 1100 × 10 / 110 = 100 of tax; net 1,000.
    @Test func inclusiveHoldsTax() throws {
        let t = try tax([("1100", "10")], Fx.jpy, basis: .perInvoiceRate, inclusive: true)
        #expect(t.taxTotal.description == "100")
        #expect(t.subtotal.description == "1000")
        #expect(t.total.description == "1100")
    }

    /// KWD has 3 decimals: 1.234 × 5 % = 0.0617 → 0.062 fils-exact.
    @Test func threeDecimalCurrency() throws {
        let kwd = Currency(code: "KWD")!
        #expect(try tax([("1.234", "5")], kwd, basis: .perInvoiceRate).taxTotal.description == "0.062")
    }

    /// A credit: −208.29 at 10.25 % = −21.349725 → −21.35 (half_up rounds away from zero).
    @Test func negativeTaxRoundsAwayFromZero() throws {
        #expect(try tax([("-208.29", "10.25")], Fx.usd, basis: .perInvoiceRate).taxTotal.description == "-21.35")
    }

    let seller = Seller(name: "S", address: "", country: "DE", taxID: "DE123456789")
    let rates = [
        TaxRate(country: "US", category: "standard", rate: Fx.dec("0"), name: "none"),
        TaxRate(country: "US", region: "WA", category: "standard", rate: Fx.dec("10.25"), name: "WA"),
        TaxRate(country: "DE", category: "standard", rate: Fx.dec("19"), name: "MwSt", validTo: Fx.d("2026-06-30")),
        TaxRate(country: "DE", category: "standard", rate: Fx.dec("20"), name: "MwSt", validFrom: Fx.d("2026-07-01")),
    ]

    @Test func mostSpecificValidRowApplies() throws {
        let r = TaxResolver(rates: rates, seller: seller, missingRate: .error)
        let wa = Customer(id: "A", name: "A", country: "US", currency: Fx.usd, region: "WA")
        let or = Customer(id: "B", name: "B", country: "US", currency: Fx.usd, region: "OR")
        #expect(try r.tax(for: wa, category: "standard", on: Fx.d("2026-11-01")).rate == Fx.dec("10.25"))
        #expect(try r.tax(for: or, category: "standard", on: Fx.d("2026-11-01")).rate == .zero)
        let de = Customer(id: "D", name: "D", country: "DE", currency: Currency(code: "EUR")!)
        #expect(try r.tax(for: de, category: "standard", on: Fx.d("2026-06-30")).rate == Fx.dec("19"))  // valid_to is inclusive
        #expect(try r.tax(for: de, category: "standard", on: Fx.d("2026-07-01")).rate == Fx.dec("20"))
    }

    @Test func exemptReverseChargeAndMissing() throws {
        let r = TaxResolver(rates: rates, seller: seller, missingRate: .error)
        let exempt = Customer(id: "E", name: "E", country: "US", currency: Fx.usd, taxExempt: true)
        #expect(try r.tax(for: exempt, category: "standard", on: Fx.d("2026-11-01")).treatment == .exempt)
        let frB2B = Customer(id: "F", name: "F", country: "FR", currency: Currency(code: "EUR")!, taxID: "FR12345678901")
        #expect(try r.tax(for: frB2B, category: "standard", on: Fx.d("2026-11-01")).treatment == .reverseCharge)
        let frB2C = Customer(id: "G", name: "G", country: "FR", currency: Currency(code: "EUR")!)
        #expect(throws: MissingTaxRate.self) { try r.tax(for: frB2C, category: "standard", on: Fx.d("2026-11-01")) }
        let zero = TaxResolver(rates: rates, seller: seller, missingRate: .zero)
        #expect(try zero.tax(for: frB2C, category: "standard", on: Fx.d("2026-11-01")).rate == .zero)
        // Reverse charge needs an EU seller.
        let usSeller = TaxResolver(rates: rates, seller: Seller(name: "", address: "", country: "US", taxID: ""), missingRate: .zero)
        #expect(try usSeller.tax(for: frB2B, category: "standard", on: Fx.d("2026-11-01")).treatment == .standard)
    }
}
