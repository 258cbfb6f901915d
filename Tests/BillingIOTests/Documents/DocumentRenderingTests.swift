import Testing
@testable import BillingIO

/// The pieces the text and HTML renderings are made of, on their fast (ASCII, nothing to escape)
/// and slow paths. Whole documents are checked byte for byte by the samples' golden files.
struct DocumentRenderingTests {
    /// The five characters HTML needs escaped; other text, ASCII or not, comes back as it is.
    @Test(arguments: [
        ("plain text 1.5% – 2026", "plain text 1.5% – 2026"), ("株式会社 御中", "株式会社 御中"), ("", ""),
        (#"A&B <x> "q" 'a'"#, "A&amp;B &lt;x&gt; &quot;q&quot; &#39;a&#39;"), ("東京&大阪", "東京&amp;大阪"),
    ])
    func htmlEscaping(text: String, expected: String) {
        #expect(DocumentHTML.e(text) == expected)
    }

    /// Columns in a monospaced terminal: ASCII one each, CJK two each (4 × 2 = 8), a combining
    /// acute accent none (e + U+0301 is one column).
    @Test(arguments: [("abc", 3), ("", 0), ("株式会社", 8), ("e\u{301}", 1), ("Ab株", 4)])
    func displayWidth(text: String, expected: Int) {
        #expect(DocumentText.width(text) == expected)
    }

    /// Column widths are the widest cell by display width: column 0 is max(1, 2, 2) = 2 ("株" is
    /// two columns), column 1 is max(3, 1, 2) = 3; cells are joined by two spaces, the right-aligned
    /// column padded on its left, the other on its right.
    @Test func tableColumns() {
        var out: [UInt8] = []
        DocumentText.table(["A", "Qty"], [["株", "1"], ["xy", "10"]], rightAligned: [1], into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "A   Qty\n--  ---\n株    1\nxy   10\n")
    }
}
