import BillingCore
@testable import BillingIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `UsageDistinctValues` counts each key's distinct values over several values files, merged in
/// key order, without holding more than one key's values per file.
struct UsageDistinctValuesTests {
    let header = "subscription_id,metric,period_start,period_end,value\n"
    let november = DateRange(CivilDate(year: 2026, month: 11, day: 1)!, CivilDate(year: 2026, month: 12, day: 1)!)
    let december = DateRange(CivilDate(year: 2026, month: 12, day: 1)!, CivilDate(year: 2027, month: 1, day: 1)!)

    func folder() -> String {
        return tempFolder("billing-io-distinct")
    }

    /// Two contributions and a missing one: S1's November users are {a, b} then {b, c}: 3
    /// distinct (b once); S1's December {x} and S2's November {y} are in one file each: 1 each.
    /// A neutralised cell (`'=z`, written for the value `=z`) is the value `=z`, the same as in
    /// the other file.
    @Test func overlappingContributionsUnite() throws {
        let dir = folder()
        defer { try? FileSystem.removeTree(dir) }
        try FileSystem.replace(dir + "/1.values.csv", Array((header + """
            S1,users,2026-11-01,2026-12-01,a
            S1,users,2026-11-01,2026-12-01,b
            S1,users,2026-12-01,2027-01-01,'=z
            S1,users,2026-12-01,2027-01-01,x

            """).utf8))
        try FileSystem.replace(dir + "/2.values.csv", Array((header + """
            S1,users,2026-11-01,2026-12-01,b
            S1,users,2026-11-01,2026-12-01,c
            S1,users,2026-12-01,2027-01-01,=z
            S2,users,2026-11-01,2026-12-01,y

            """).utf8))
        let counts = try UsageDistinctValues.count(paths: [dir + "/1.values.csv", dir + "/missing.values.csv", dir + "/2.values.csv"])
        #expect(counts == [
            UsageKey(subscriptionID: "S1", metric: "users", period: november): 3,
            UsageKey(subscriptionID: "S1", metric: "users", period: december): 2,
            UsageKey(subscriptionID: "S2", metric: "users", period: november): 1,
        ])
    }

    /// Runs longer than a read (1 MiB) and many short runs: file A holds v00000 … v39999 for one
    /// key, file B v20000 … v59999 (about 1.5 MB each), so the union is v00000 … v59999 = 60,000;
    /// then 30,000 keys of one value each in A, of which the even ones also in B with another
    /// value: 15,000 keys with 2 values, 15,000 with 1.
    @Test func runsAcrossReadsAreCountedWhole() throws {
        let dir = folder()
        defer { try? FileSystem.removeTree(dir) }
        func v(_ n: Int) -> String { "v" + String(String(100_000 + n).dropFirst()) }
        func s(_ n: Int) -> String { "T" + String(String(100_000 + n).dropFirst()) }
        var a = header, b = header
        for n in 0..<40_000 { a += "S1,users,2026-11-01,2026-12-01,\(v(n))\n" }
        for n in 20_000..<60_000 { b += "S1,users,2026-11-01,2026-12-01,\(v(n))\n" }
        for n in 0..<30_000 {
            a += "\(s(n)),users,2026-11-01,2026-12-01,a\n"
            if n % 2 == 0 { b += "\(s(n)),users,2026-11-01,2026-12-01,b\n" }
        }
        #expect(a.utf8.count > 2 << 20)
        try FileSystem.replace(dir + "/a.values.csv", Array(a.utf8))
        try FileSystem.replace(dir + "/b.values.csv", Array(b.utf8))
        let counts = try UsageDistinctValues.count(paths: [dir + "/a.values.csv", dir + "/b.values.csv"])
        #expect(counts[UsageKey(subscriptionID: "S1", metric: "users", period: november)] == 60_000)
        #expect(counts.count == 30_001)
        #expect(counts.values.filter { $0 == 2 }.count == 15_000)
        #expect(counts[UsageKey(subscriptionID: s(29_998), metric: "users", period: november)] == 2)
        #expect(counts[UsageKey(subscriptionID: s(29_999), metric: "users", period: november)] == 1)
    }

    /// A key before the previous one, or one that comes back after another, would be counted
    /// twice apart: it is an error naming the line.
    @Test(arguments: [
        ("S2,users,2026-11-01,2026-12-01,a\nS1,users,2026-11-01,2026-12-01,b\n", 3),
        ("S1,users,2026-11-01,2026-12-01,a\nS2,users,2026-11-01,2026-12-01,b\nS1,users,2026-11-01,2026-12-01,c\n", 4),
        ("S1,users,2026-12-01,2027-01-01,a\nS1,users,2026-11-01,2026-12-01,b\n", 3),
    ])
    func keysOutOfOrderAreAnError(rows: String, line: Int) throws {
        let dir = folder()
        defer { try? FileSystem.removeTree(dir) }
        try FileSystem.replace(dir + "/u.values.csv", Array((header + rows).utf8))
        #expect { try UsageDistinctValues.count(paths: [dir + "/u.values.csv"]) } throws: {
            "\($0)".contains("u.values.csv:\(line): values out of key order")
        }
    }
}
