import BillingCore
import Testing
@testable import BillingIO

/// Ingest's rejects kept on disk, in runs (pass 1's parts, pass 2's rounds), and merged back in
/// line order (`UsageRejectRuns`, decision 62).
struct UsageRejectRunsTests {
    /// The records taken from `late` before `line`, as "line id reason".
    func taken(_ late: UsageRejectRuns, before line: Int) throws -> [String] {
        var out: [String] = []
        try late.take(before: line) { l, id, reason in
            out.append("\(l) \(String(decoding: id, as: UTF8.self)) \(String(decoding: reason, as: UTF8.self))")
        }
        return out
    }

    func write(_ records: [(Int, String, String)], to path: String) throws -> UsageRejectRecord.Writer {
        let w = UsageRejectRecord.Writer(path: path)
        for (line, id, reason) in records {
            var id = id, reason = reason
            try id.withUTF8 { i in try reason.withUTF8 { try w.add(line: line, eventID: i, reason: $0) } }
        }
        try w.finish()
        return w
    }

    /// Two runs (lines 2, 5, 9 and 3, 4, 10) and one with no record (which leaves no file):
    /// taken before line 5, lines 2, 3, 4 come out; then the rest, 5, 9, 10, each with its id and reason.
    @Test func runsComeOutInLineOrder() throws {
        let dir = String(try tempFile("").dropLast("/f.csv".count))
        let a = try write([(2, "a2", "x"), (5, "a5", "y"), (9, "a9", "x")], to: dir + "/a.bin")
        let b = try write([(3, "b3", "y"), (4, "b4", "x"), (10, "b10", "y")], to: dir + "/b.bin")
        let none = try write([], to: dir + "/none.bin")
        #expect(!a.isEmpty && !b.isEmpty && none.isEmpty && !FileSystem.exists(dir + "/none.bin"))
        // b first: line 2 must still come out first (the heap orders the runs, not their order here).
        let late = try UsageRejectRuns([(b.path, 0), (a.path, 0)])
        #expect(try taken(late, before: 5) == ["2 a2 x", "3 b3 y", "4 b4 x"])
        #expect(try taken(late, before: 5) == [])
        #expect(try taken(late, before: .max) == ["5 a5 y", "9 a9 x", "10 b10 y"])
    }

    /// Runs longer than the 16 KiB read at a time: lines 2 … 4,001, those of records with an odd
    /// number in one run, the even in the other (40-byte ids: 2,000 records of 16 + 40 + 1 bytes,
    /// 114,000 bytes a run), come out as one sequence.
    @Test func longRunsComeOutInLineOrder() throws {
        let dir = String(try tempFile("").dropLast("/f.csv".count))
        func id(_ n: Int) -> String { String(repeating: "i", count: 40 - String(n).count) + String(n) }
        let runs = try (0..<2).map { r in
            try write(stride(from: 1 + r, through: 4_000, by: 2).map { ($0 + 1, id($0), "r") }, to: dir + "/run-\(r).bin").path
        }
        #expect(try FileSystem.read(runs[0]).count == 2_000 * (16 + 40 + 1))
        #expect(try taken(UsageRejectRuns(runs.map { ($0, 0) }), before: .max) == (1...4_000).map { "\($0 + 1) \(id($0)) r" })
    }

    /// A run whose lines do not increase was not written by pass 2: it is an error, not a
    /// reordering.
    @Test func aRunOutOfLineOrderIsAnError() throws {
        let dir = String(try tempFile("").dropLast("/f.csv".count))
        let w = try write([(7, "e7", "x"), (3, "e3", "x")], to: dir + "/a.bin")
        let late = try UsageRejectRuns([(w.path, 0)])
        #expect(throws: StageFailure.self) { try taken(late, before: .max) }
    }

    /// 1,200 rows on S1's `calls`: e1 … e600 with quantity 1, then each again with quantity 2
    /// (rejected in pass 2 as a repeat with other content), except every 100th, which names S9
    /// instead (rejected in pass 1: unknown subscription). Taken in rounds of about one event
    /// (many runs of rejects), every reject is in `rejects.csv` in line order: row k + 1 is
    /// line k + 2, so e_j's repeat is line 601 + j. Counted: 600 events, sum 600 × 1 = 600; rejected 594 + 6 = 600.
    @Test func passTwoRejectsAreWrittenFromTheirRuns() throws {
        var rows: [String] = []
        var expected = "file,line,event_id,reason\n"
        for j in 1...600 { rows.append("e\(j),S1,calls,2026-11-10T10:00:00Z,1,") }
        for j in 1...600 {
            if j % 100 == 0 {
                rows.append("x\(j),S9,calls,2026-11-10T10:00:00Z,1,")
                expected += "usage.csv,\(601 + j),x\(j),unknown subscription\n"
            } else {
                rows.append("e\(j),S1,calls,2026-11-10T10:00:00Z,2,")
                expected += "usage.csv,\(601 + j),e\(j),duplicate event_id with different content\n"
            }
        }
        let path = try tempFile("event_id,subscription_id,metric,timestamp,quantity,value\n" + rows.joined(separator: "\n") + "\n")
        let dir = String(path.dropLast("/f.csv".count))
        let scanner = try UsagePartBoardTests().scanner(workers: 2, scratch: dir + "/spill")
        scanner.roundEvents = 1
        try scanner.scan(path: path)
        try scanner.deduplicate(idsBase: dir + "/usage")
        // Held as runs on disk, not in memory: one for each round of a partition with a reject.
        #expect(scanner.lateRejectRuns.count >= 2)
        #expect(scanner.lateRejectRuns.allSatisfy { FileSystem.exists($0) })
        try scanner.writeRejects(to: dir + "/rejects.csv")
        #expect(String(decoding: try FileSystem.read(dir + "/rejects.csv"), as: UTF8.self) == expected)
        #expect(!FileSystem.exists(dir + "/spill"))
        let s = scanner.summary
        #expect((s.rows, s.accepted, s.duplicates, s.rejected) == (1_200, 600, 0, 600))
        let slots = scanner.sortedSlots
        #expect(slots.count == 1)
        let entry = scanner.entry(slots[0])
        #expect(entry.key.subscriptionID == "S1" && entry.key.metric == "calls")
        #expect(entry.accumulator.sum == 600 * UsageScanner.one)
    }
}
