import BillingCore
import Testing
@testable import BillingIO

/// `ItemsCSV.readBack` tells, without the text, what `read` makes of `document`: the items the
/// pipeline's rate stage hands its invoice stage (`RatedItemsCache`) must be those a stage run alone
/// parses, down to each decimal's scale (which the renderings print).
struct ItemsCSVTests {
    static let usd = Currency(code: "USD")!

    static func item(
        _ sub: String, start: String = "2026-11-01", metric: String = "", quantity: String = "1", unitPrice: String = "10.00",
        description: String = "Pro (monthly)", taxCategory: String = "standard", taxName: String = "Sales tax", rate: String = "8.50",
        customer: String = "C-1"
    ) -> ChargeItem {
        let day = { (s: String) in CivilDate(parsing: s)! }
        return ChargeItem(
            customerID: customer, subscriptionID: sub, planID: "P-1", kind: metric.isEmpty ? .recurring : .usage, metric: metric,
            period: DateRange(day(start), day("2026-12-01")), quantity: ExactDecimal(parsing: quantity)!,
            unitPrice: ExactDecimal(parsing: unitPrice)!, amount: Money(parsing: "10.00", currency: usd)!, billingDate: day(start),
            description: description, taxCategory: taxCategory,
            tax: ItemTax(rate: ExactDecimal(parsing: rate)!, name: taxName, treatment: .standard))
    }

    /// What `read` returns for `items` written as `document` writes them.
    func parsed(_ items: [ChargeItem]) throws -> [ChargeItem] {
        let path = try tempFile(String(decoding: ItemsCSV.document(items), as: UTF8.self))
        return try ItemsCSV.read(path: path).map(\.item)
    }

    /// Items out of the file's order, decimals with trailing zeros (1.50 is read back as 1.5, a
    /// different scale though an equal value: compared as text, `String(reflecting:)`), and text
    /// the writer marks or quotes but `read` restores (descriptions and tax names).
    @Test func readBackIsWhatTheFileReadsAs() throws {
        let items = [
            Self.item("S-2", quantity: "1.50", unitPrice: "0.0010", rate: "10.00"),
            Self.item("S-1", start: "2026-11-15", metric: "api_calls", quantity: "2500", description: "=SUM(A1:A9), \"quoted\""),
            Self.item("S-1", description: "'apostrophe", taxName: "+VAT"),
            Self.item("S-3", quantity: "0.000000001", unitPrice: "999999.999999999999", description: "-12.50", rate: "0"),
        ]
        let order = ItemsCSV.fileOrder(items)
        #expect(order == [2, 1, 0, 3])
        let back = try #require(ItemsCSV.readBack(items, order: order))
        #expect(String(reflecting: back) == String(reflecting: try parsed(items)))
        #expect(back[2].quantity.description == "1.5")
        #expect(back[2].unitPrice.description == "0.001")
        #expect(back[2].tax.rate.description == "10")
        #expect(back[1].description == "=SUM(A1:A9), \"quoted\"")
    }

    /// Cells that do not read back as the same value, or not at all: `readBack` answers nil (the
    /// invoice stage then parses the file). Each case shows that the guard is needed: the text read
    /// back differs, or the file does not read.
    @Test(arguments: [
        ("metric", "-x"), ("metric", "=cmd"), ("tax_category", "@x"), ("description", "two\nlines"), ("tax_name", "a\rb"),
        ("quantity", "0.0000000001"), ("customer_id", "_C"),
    ])
    func cellsThatDoNotReadBack(field: String, value: String) throws {
        var bad = Self.item("S-1")
        switch field {
        case "metric": bad = Self.item("S-1", metric: value)
        case "tax_category": bad = Self.item("S-1", taxCategory: value)
        case "description": bad = Self.item("S-1", description: value)
        case "tax_name": bad = Self.item("S-1", taxName: value)
        case "quantity": bad = Self.item("S-1", quantity: value)
        default: bad = Self.item("S-1", customer: value)
        }
        let items = [Self.item("S-0"), bad]
        #expect(ItemsCSV.readBack(items, order: ItemsCSV.fileOrder(items)) == nil)
        switch field {
        case "metric": #expect(try parsed(items)[1].metric == "'" + value)
        case "tax_category": #expect(try parsed(items)[1].taxCategory == "'" + value)
        case "quantity", "customer_id": #expect(throws: StageFailure.self) { try parsed(items) }
        default: break  // a line break in a quoted cell is kept by libcsv; nil only by caution
        }
    }

    /// The kept items answer one read of a file holding exactly the kept bytes; any other read
    /// parses the file.
    @Test func theCacheAnswersOnlyTheSameBytesOnce() throws {
        let items = [Self.item("S-1", quantity: "1.50")]
        let bytes = ItemsCSV.document(items)
        let path = try tempFile(String(decoding: bytes, as: UTF8.self))
        // Kept items that differ from the file's, to tell which answered.
        let marker = [Self.item("S-9")]
        let cache = RatedItemsCache()
        cache.keep(path: path, bytes: bytes, items: marker)
        #expect(try cache.items(path: path).map(\.subscriptionID) == ["S-9"])
        #expect(try cache.items(path: path).map(\.subscriptionID) == ["S-1"])
        #expect(cache.hits == 1)
        cache.keep(path: path, bytes: bytes + Array("\n".utf8), items: marker)
        #expect(try cache.items(path: path).map(\.subscriptionID) == ["S-1"])
        cache.keep(path: path + "x", bytes: bytes, items: marker)
        #expect(try cache.items(path: path).map(\.subscriptionID) == ["S-1"])
        #expect(cache.hits == 1)
    }
}
