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
}
