import BillingCore
import Testing
@testable import BillingIO

struct JSONTests {
    func parse(_ s: String) throws -> JSONNode { try JSONParser.parse(Array(s.utf8), file: "t.json") }

    @Test func positionsAreLineAndCharacterColumn() throws {
        let node = try parse("{\n  \"a\": [1, \"é\", \"x\"],\n  \"b\": true\n}")
        #expect(node["a"]?.line == 2 && node["a"]?.column == 8)
        let items = node["a"]!.arrayValue!
        // `  "a": [1, "é", "x"]`: 2 spaces, "a" (3–5), ':' 6, ' ' 7, '[' 8, '1' 9, ',' 10, ' ' 11,
        // "é" (12–14, é is two bytes but one character), ',' 15, ' ' 16, so "x" starts at 17.
        #expect(items[2].column == 17)
        #expect(node["b"]?.line == 3)
    }

    @Test(arguments: [("{\"a\": 1,}", 1, 9), ("[1 2]", 1, 4), ("{\"a\": 01}", 1, 7), ("\"abc", 1, 5), ("{\"a\":\n nul}", 2, 2),
                      ("{\"a\": 1, \"a\": 2}", 1, 10), ("[\"\\x\"]", 1, 5), ("1e", 1, 3)])
    func errorsPointAtTheProblem(text: String, line: Int, column: Int) {
        do {
            _ = try parse(text)
            Issue.record("accepted \(text)")
        } catch let e as DataError {
            #expect(e.line == line && e.column == column, "\(e)")
        } catch { Issue.record("\(error)") }
    }

    @Test func escapesAndUnicode() throws {
        #expect(try parse("\"a\\n\\u00e9\\ud83d\\ude00\\\"\"").stringValue == "a\né😀\"")
    }

    /// Canonical: keys sorted by UTF-8 bytes, numbers as written, strings escaped minimally.
    @Test func canonicalWriter() throws {
        let node = try parse("{\"b\": 1.50, \"a\": {\"z\": null, \"B\": [true, \"x\\ty\"]}}")
        #expect(JSONWriter.compact(node) == "{\"a\":{\"B\":[true,\"x\\ty\"],\"z\":null},\"b\":1.50}")
        #expect(JSONWriter.pretty(node) == "{\n  \"a\": {\n    \"B\": [\n      true,\n      \"x\\ty\"\n    ],\n    \"z\": null\n  },\n  \"b\": 1.50\n}\n")
        #expect(JSONWriter.compact(try parse(JSONWriter.pretty(node))) == JSONWriter.compact(node))
    }

    /// Each string's literal: only `"`, `\\` and control characters are escaped; other bytes,
    /// non-ASCII included, pass through as they are.
    @Test(arguments: [
        ("plain", #""plain""#), ("", #""""#), ("say \"hi\"", #""say \"hi\"""#), (#"C:\dir"#, #""C:\\dir""#),
        ("a\rb\nc", #""a\rb\nc""#), ("\u{01}\u{1f}", #""\u0001\u001f""#), ("Zürich €", "\"Zürich €\""),
    ])
    func stringLiterals(value: String, literal: String) {
        #expect(JSONWriter.quoted(value) == literal)
    }

    /// Keys in UTF-8 byte order: upper case (0x41–0x5A) before `_` (0x5F) before lower case, a
    /// prefix before its extensions, non-ASCII (é is 0xC3 0xA9) after every ASCII key.
    @Test func keysInByteOrder() {
        let node = JSONNode.object(["b": .int(1), "ab": .int(2), "a": .int(3), "_x": .int(4), "Z": .int(5), "é": .int(6), "a_": .int(7)])
        #expect(JSONWriter.compact(node) == #"{"Z":5,"_x":4,"a":3,"a_":7,"ab":2,"b":1,"é":6}"#)
    }

    /// Pairs built in key order are written as they are; out of order, or with a repeated key, they
    /// are sorted: the output is the same either way.
    @Test func fieldsInOrderOrNot() {
        let ordered = JSONNode.fields(["a": .int(1), "b": .fields(["x": .null, "y": .int(2)])])
        let shuffled = JSONNode.fields(["b": .fields(["y": .int(2), "x": .null]), "a": .int(1)])
        #expect(JSONWriter.compact(ordered) == #"{"a":1,"b":{"x":null,"y":2}}"#)
        #expect(JSONWriter.compact(shuffled) == JSONWriter.compact(ordered))
        #expect(JSONWriter.compact(JSONNode.fields(["b": .int(1), "a": .int(2), "b": .int(3)])) == #"{"a":2,"b":1,"b":3}"#)
    }

    /// A document's JSON is built with every object's keys already in byte order, so that the
    /// writer skips its sort for the month's documents. A credit note with a line that has a
    /// metric, a note and a reference reaches every object of the format.
    @Test func documentKeysAreBuiltInOrder() throws {
        let usd = Currency(code: "USD")!
        let day = { (s: String) in CivilDate(parsing: s)! }
        let billed = ChargeItem(
            customerID: "A", subscriptionID: "S1", planID: "P", kind: .usage, metric: "api_calls", period: DateRange(day("2026-11-01"), day("2026-12-01")),
            quantity: ExactDecimal(3), unitPrice: ExactDecimal(2), amount: Money(parsing: "6.00", currency: usd)!, billingDate: day("2026-11-01"),
            description: "calls", taxCategory: "standard")
        var credit = billed
        credit.kind = .credit
        credit.amount = Money(parsing: "-6.00", currency: usd)!
        credit.billingDate = day("2026-11-10")
        var balances = LedgerBalances()
        let customers = ["A": Customer(id: "A", name: "A", country: "US", currency: usd)]
        let docs = try DocumentBuilder(settings: BillingSettings()).build(
            items: [credit], window: DateRange(day("2026-11-01"), day("2026-12-01")), customers: customers,
            issued: [IssuedItem(item: billed, documentNumber: "INV-000001")], balances: &balances)
        #expect(docs.count == 1 && !docs[0].references.isEmpty && !docs[0].notes.isEmpty && !docs[0].tax.summaries.isEmpty)
        var objects = 0
        func check(_ v: JSONValue) {
            switch v {
            case .object(let pairs):
                objects += 1
                #expect(zip(pairs, pairs.dropFirst()).allSatisfy { JSONWriter.precedes($0.key, $1.key) }, "\(pairs.map(\.key))")
                for p in pairs { check(p.node.value) }
            case .array(let items): for i in items { check(i.value) }
            default: break
            }
        }
        check(DocumentJSON.node(docs[0]).value)
        #expect(objects == 6)  // the document, seller, customer, supply period, one line, one tax rate
    }
}
