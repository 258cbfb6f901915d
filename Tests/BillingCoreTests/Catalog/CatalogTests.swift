import Testing

@testable import BillingCore

@Suite struct CatalogTests {
    /// Values come out in the order of their keys, whatever the dictionary's own order: 1,000 keys
    /// (hashed in a per-process random order) against their sorted list, each value its own key's
    /// number, so a value taken from the wrong entry shows.
    @Test func valuesInKeyOrder() {
        var records: [String: Int] = [:]
        for n in 0..<1_000 { records["id-\(n)"] = n }
        let ordered = Catalog.inKeyOrder(records)
        // "id-0" < "id-1" < "id-10" < "id-100" < "id-101" …: as text, not as numbers.
        #expect(ordered.prefix(4) == [0, 1, 10, 100])
        #expect(ordered == records.keys.sorted().map { records[$0]! })
        #expect(Catalog.inKeyOrder([String: Int]()) == [])
    }

    /// Keys that differ only past their common prefix, and one that is a prefix of another:
    /// "sub-1" < "sub-1a" < "sub-2", and "Z" (0x5A) before "a" (0x61).
    @Test func prefixesAndCase() {
        let ordered = Catalog.inKeyOrder(["sub-2": 3, "sub-1a": 2, "sub-1": 1, "a": 5, "Z": 4])
        #expect(ordered == [4, 5, 1, 2, 3])
    }

    /// Keys equal in their first 16 bytes are told apart by the rest: "subscription-000" is 16
    /// bytes, so the three below tie in the words and "…0001" < "…0001x" < "…0002" by their bytes.
    @Test func longKeysTieBrokenByTheirBytes() {
        let ordered = Catalog.inKeyOrder(["subscription-0002": 3, "subscription-0001x": 2, "subscription-0001": 1, "subscription-00": 0])
        #expect(ordered == [0, 1, 2, 3])
    }

    /// A key outside ASCII sends the whole sort to `String`'s `<`, which compares canonically:
    /// "e" followed by a combining acute (U+0301) is "é" (U+00E9), after "z" (U+007A), so the
    /// order is e, f, z, éa, été, where their bytes would put "e\u{301}a" (65 CC 81 61) second.
    @Test func keysOutsideASCIIInStringOrder() {
        let records = ["z": 1, "\u{E9}t\u{E9}": 2, "e": 0, "f": 4, "e\u{301}a": 3]
        let ordered = Catalog.inKeyOrder(records)
        #expect(ordered == records.keys.sorted().map { records[$0]! })
        #expect(ordered == [0, 4, 1, 3, 2])
    }
}
