import BillingCore
import Testing
@testable import BillingIO

/// `TableRows.map`: the rows of a large file turned into values on two threads, a batch at a time.
struct TableRowsTests {
    /// 10,000 rows, two and a half batches of 4,096: `n` on line n + 2 (the header is line 1).
    /// Row `shortAt`, if given, has one field.
    static func numbers(badEvery: Int? = nil, shortAt: Int? = nil) -> String {
        var text = "n,label\n"
        for n in 0..<10_000 {
            if n == shortAt { text += "\(n)\n"; continue }
            text += (badEvery.map { n % $0 == 0 } ?? false) ? "x\(n),bad\n" : "\(n),row \(n)\n"
        }
        return text
    }

    @Test func valuesComeInFileOrderAcrossBatches() throws {
        var errors: [DataError] = []
        let values = try TableRows.map(path: try tempFile(TableRowsTests.numbers()), required: ["n"], optional: ["label"], errors: &errors) { r in
            (try r.integer("n", in: 0...99_999)!, r.line, r.raw("label"))
        }
        #expect(errors.isEmpty)
        #expect(values.count == 10_000)
        #expect(values.map(\.0) == Array(0..<10_000))
        #expect(values.map(\.1) == Array(2..<10_002))
        #expect(values[4096].2 == "row 4096")  // the first row of the second batch
    }

    /// Rows 0, 50, 100, … fail (200 of them): the errors kept are the first 100 in file order,
    /// rows 0 … 4950, lines 2 … 4952, though they span two batches converted on another thread.
    @Test func firstErrorsInFileOrderUpToTheLimit() throws {
        var errors: [DataError] = []
        _ = try TableRows.map(path: try tempFile(TableRowsTests.numbers(badEvery: 50)), required: ["n"], optional: [], errors: &errors) { r in
            try r.integer("n", in: 0...99_999)!
        }
        #expect(errors.count == 100)
        #expect(errors.map(\.line) == Array(stride(from: 2, through: 4952, by: 50)))
        #expect(errors.first?.field == "n" && errors.first?.value == "x0" && errors.last?.value == "x4950")
    }

    /// A row that breaks the file's own rules (its field count) stops the read with its line; a
    /// missing required column is reported against the header.
    @Test func fileErrorsStopTheRead() throws {
        var errors: [DataError] = []
        let short = TableRowsTests.numbers(shortAt: 5000)
        #expect(throws: DataError.self) {
            _ = try TableRows.map(path: try tempFile(short), required: ["n"], optional: ["label"], errors: &errors) { $0.line }
        }
        do {
            _ = try TableRows.map(path: try tempFile(short), required: ["n"], optional: ["label"], errors: &errors) { $0.line }
        } catch let e as DataError {
            #expect(e.line == 5002 && e.problem == "row has 1 fields, header has 2")
        }
        #expect(throws: DataError.self) {
            _ = try TableRows.map(path: try tempFile("a,b\n1,2\n"), required: ["n"], optional: [], errors: &errors) { $0.line }
        }
    }
}
