import BillingCore
import Testing
@testable import BillingIO

/// `NormalizedDataset.Rows` writes each cell as `CSVWriter` does, without a `String` per row.
struct NormalizedDatasetTests {
    /// Rows of a text, a date, a missing date, an integer, a negative one, a missing one and the
    /// source, against `CSVWriter.line` of the same cells as text: a plain source file (its line
    /// appended as digits), one with a comma (the cell quoted), one starting with `=` (marked so
    /// that no spreadsheet runs it), and the plain one again after them.
    @Test(arguments: ["data/customers.csv", "my,data/customers.csv", "=cmd/customers.csv", "", "say \"hi\"/x.csv"])
    func rowsAsCSVWriterWritesThem(file: String) {
        var rows = NormalizedDataset.Rows(header: ["a", "b"])
        var expected = CSVWriter.line(["a", "b"])
        let date = CivilDate(parsing: "2026-11-05")!
        for (file, line) in [(file, 7), (file, 1234), ("plain.csv", 12), (file, 99)] {
            rows.text("x, \"y\""); rows.date(date); rows.date(nil); rows.integer(42); rows.integer(-3); rows.integer(nil)
            rows.source(SourceLocation(file: file, line: line))
            expected += CSVWriter.line(["x, \"y\"", "2026-11-05", "", "42", "-3", "", "\(file):\(line)"])
        }
        #expect(String(decoding: rows.bytes, as: UTF8.self) == expected)
    }

    /// Ingest hands the files its usage lookup's subscriptions (`UsageScanner.subscriptionsInIDOrder`)
    /// instead of sorting them again: they must be `Catalog.sortedSubscriptions`, so the files are
    /// the same. Ids given out of order, with shared prefixes and digits that sort as text
    /// (`S-1` < `S-10` < `S-2`), come out in that order either way.
    @Test func theUsageLookupsSubscriptionsWriteTheSameFiles() throws {
        var catalog = Catalog()
        catalog.customers["C"] = Customer(id: "C", name: "C", country: "US", currency: Currency(code: "USD")!)
        for id in ["S-2", "S-10", "A", "S-1"] {
            catalog.subscriptions[id] = Subscription(id: id, customerID: "C", planID: "P", startDate: CivilDate(parsing: "2026-01-01")!)
        }
        let dir = tempFolder("billing-io-normalized")
        defer { try? FileSystem.removeTree(dir) }
        let window = DateRange(CivilDate(parsing: "2026-11-01")!, CivilDate(parsing: "2026-12-01")!)
        let scanner = try UsageScanner(catalog: catalog, settings: BillingSettings(), window: window, scratch: dir + "/spill", workers: 1)
        #expect(scanner.subscriptionsInIDOrder.map(\.id) == ["A", "S-1", "S-10", "S-2"])
        let given = NormalizedDataset.files(catalog, sortedSubscriptions: scanner.subscriptionsInIDOrder)
        let sorted = NormalizedDataset.files(catalog)
        #expect(given.map(\.name) == sorted.map(\.name) && given.map(\.bytes) == sorted.map(\.bytes))
    }

    /// Ingest renders `customers.csv` ahead, on its own (`customersFile`), and hands it over: the
    /// customers sorted by id (`C-10` before `C-2`, as text), one row each with the defaults
    /// filled in, and the files the same as those rendered in one go.
    @Test func customersRenderedAheadWriteTheSameFiles() {
        var catalog = Catalog()
        for id in ["C-2", "C-10"] {
            catalog.customers[id] = Customer(id: id, name: "N \(id)", country: "US", currency: Currency(code: "USD")!)
        }
        let customers = NormalizedDataset.customersFile(catalog)
        let lines = String(decoding: customers, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0] == "customer_id,name,country,currency,email,region,tax_id,tax_exempt,payment_method,_source")
        #expect(lines[1].hasPrefix("C-10,N C-10,US,USD,") && lines[2].hasPrefix("C-2,N C-2,US,USD,"))
        let ahead = NormalizedDataset.files(catalog, customers: customers)
        let whole = NormalizedDataset.files(catalog)
        #expect(ahead.map(\.name) == whole.map(\.name) && ahead.map(\.bytes) == whole.map(\.bytes))
        #expect(whole.first { $0.name == "customers.csv" }?.bytes == customers)
    }
}
