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
}
