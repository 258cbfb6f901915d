import BillingCore
import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// Pass 1's parts taken over by a worker that has finished its own (`UsagePartBoard`): whichever
/// worker reads which rows, ingest writes the bytes one worker reading the whole file writes.
struct UsagePartBoardTests {
    /// Plan `P` meters `calls` (summed) and `users` (distinct values); S1 and S2 are on it from
    /// 2026-01-01, so November 2026 is one served period each. `committed`: the contributions of
    /// earlier runs.
    func scanner(workers: Int, scratch: String, committed: [String] = []) throws -> UsageScanner {
        let plan = Plan(
            id: "P", name: "P", currency: UsageLookupTests.usd, interval: .month, price: ExactDecimal(parsing: "10")!,
            charges: [
                UsageCharge(metric: "calls", aggregation: .sum, model: .perUnit(unitPrice: ExactDecimal(parsing: "1")!)),
                UsageCharge(metric: "users", aggregation: .uniqueCount, model: .perUnit(unitPrice: ExactDecimal(parsing: "1")!)),
            ])
        var catalog = Catalog()
        catalog.plans = ["P": plan]
        for id in ["S1", "S2"] {
            catalog.subscriptions[id] = Subscription(id: id, customerID: "C", planID: "P", startDate: CivilDate(parsing: "2026-01-01")!)
        }
        let window = DateRange(CivilDate(parsing: "2026-11-01")!, CivilDate(parsing: "2026-12-01")!)
        return try UsageScanner(
            catalog: catalog, settings: BillingSettings(), window: window, committed: committed, commitNumber: committed.count + 1, scratch: scratch,
            workers: workers)
    }

    /// What ingest writes of a scan: its summary's counts, the contribution's aggregates and
    /// values, every ids file, and the rejects, by file name.
    func outputs(_ scanner: UsageScanner, path: String, into dir: String) throws -> [String: String] {
        try scanner.scan(path: path)
        try scanner.deduplicate(idsBase: dir + "/usage")
        try scanner.writeRejects(to: dir + "/rejects.csv")
        let slots = scanner.sortedSlots
        nonisolated(unsafe) let finished = scanner
        try UsageStore.write(base: dir + "/usage", count: slots.count, entry: { finished.entry(slots[$0]) })
        let s = scanner.summary
        var files = ["summary": "rows \(s.rows), accepted \(s.accepted), duplicates \(s.duplicates), rejected \(s.rejected)"]
        for name in ["usage.csv", "usage.values.csv", "rejects.csv"] { files[name] = try String(decoding: FileSystem.read(dir + "/" + name), as: UTF8.self) }
        for name in try FileSystem.list(dir + "/usage.ids") {
            files["ids/" + name] = try String(decoding: FileSystem.read(dir + "/usage.ids/" + name), as: UTF8.self)
        }
        return files
    }

    /// Ingest's order of pass 2's steps: after `mergeCounts` the ids folder is still being made
    /// (only `usage.ids.tmp` is there, the spill may still be being removed); `writeRejects` then
    /// waits for that removal before it removes the scratch folder, and `placeIDs` renames the
    /// ids into place: the same ids files (and their indexes) as `deduplicate` writes in one go,
    /// and no scratch folder left.
    @Test func idsArePlacedAfterTheMerge() throws {
        let (path, folder) = try usageFolder("whole", "steps")
        let whole = try outputs(try scanner(workers: 2, scratch: folder + "/s1"), path: path, into: folder + "/whole")
        let steps = try scanner(workers: 2, scratch: folder + "/s2")
        try steps.scan(path: path)
        try steps.countPartitions(idsBase: folder + "/steps/usage")
        try steps.mergeCounts()
        #expect(!FileSystem.isDirectory(folder + "/steps/usage.ids"))
        #expect(FileSystem.isDirectory(folder + "/steps/usage.ids.tmp"))
        try steps.writeRejects(to: folder + "/steps/rejects.csv")
        #expect(!FileSystem.isDirectory(folder + "/s2"))
        try steps.placeIDs(idsBase: folder + "/steps/usage")
        #expect(!FileSystem.isDirectory(folder + "/steps/usage.ids.tmp"))
        let names = try FileSystem.list(folder + "/steps/usage.ids").sorted()
        #expect(!names.isEmpty)
        #expect(names == whole.keys.filter { $0.hasPrefix("ids/") }.map { String($0.dropFirst(4)) }.sorted())
        for name in names {
            #expect(try String(decoding: FileSystem.read(folder + "/steps/usage.ids/" + name), as: UTF8.self) == whole["ids/" + name])
        }
        #expect(try String(decoding: FileSystem.read(folder + "/steps/rejects.csv"), as: UTF8.self) == whole["rejects.csv"])
    }

    /// 3,000 rows: every 11th names an unknown subscription (rejected), every 13th repeats the
    /// event of 40 rows before with the same content (a duplicate) and every 17th with other
    /// content (rejected), one row in three carries a user. Read by two workers that claim 64
    /// bytes at a time and take over any part with a byte left (up to 8 parts; how many depends on
    /// the threads' timing), every output is the one worker's, byte for byte: the same counts,
    /// the same rejects with the same lines, the same sums, users and ids.
    @Test func partsTakenOverWriteWhatOneWorkerWrites() throws {
        let (path, folder) = try usageFolder("one", "two")
        let one = try outputs(try scanner(workers: 1, scratch: folder + "/spill-one"), path: path, into: folder + "/one")

        let sharing = try scanner(workers: 2, scratch: folder + "/spill-two")
        sharing.partStep = 64
        sharing.minimumTakeOver = 1
        let two = try outputs(sharing, path: path, into: folder + "/two")
        #expect(two == one)
        // The outputs are not empty: 3,000 rows, of which every 11th (272) is rejected, and more.
        #expect(one["rejects.csv"]!.split(separator: "\n").count > 272)
        #expect(one["usage.values.csv"]!.contains(",users,2026-11-01,2026-12-01,u1\n"))
        #expect(one["summary"]!.hasPrefix("rows 3000, "))
    }

    /// The board itself, on one thread, so that what is taken over is known: the worker of the
    /// second half reads it, then takes over the first half's second half, and again, until 5
    /// parts; then the first part's worker reads what is left to it. The parts are in file order,
    /// each ending where the next starts, the last at the end of the file, and between them they
    /// read every one of the 3,000 rows once.
    @Test func partsTakenOverCoverTheFileOnce() throws {
        let (path, folder) = try usageFolder()
        let scanner = try scanner(workers: 2, scratch: folder + "/spill")
        let columns = try #require(try scanner.readHeader(path))
        let size = try FileSystem.size(path)
        let make = { (start: Int, end: Int, k: Int) in
            try UsagePassOne(lookup: scanner.lookup, columns: columns, path: path, start: start, end: end, spill: folder + "/spill/part-\(k)")
        }
        let middle = try #require(try UsageScanner.lineStart(path, from: size / 2))
        let board = UsagePartBoard(
            workers: [try make(0, middle, 0), try make(middle, Int.max, 1)], path: path, size: size, step: 100, minimumTakeOver: 1000,
            maximumParts: 5, makePart: make)
        board.run(1)
        board.run(0)
        let parts = board.all
        #expect(parts.count == 5)
        #expect(parts.map(\.start) == parts.map(\.start).sorted())
        #expect(parts.first?.start == 0 && parts.last?.end == Int.max)
        for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.end == b.start && a.reader.offset == a.end) }
        #expect(parts.reduce(0) { $0 + $1.rows } == 3_000)
        #expect(parts.allSatisfy { $0.failure == nil })
    }

    /// The rows of both tests (see the first).
    /// `usageFile()` and its folder, with the subfolders `names` made in it.
    func usageFolder(_ names: String...) throws -> (path: String, folder: String) {
        let path = try usageFile()
        let folder = String(path.dropLast("/f.csv".count))
        for name in names { try FileSystem.createDirectory(folder + "/" + name) }
        return (path, folder)
    }

    func usageFile() throws -> String {
        var rows: [String] = []
        func row(_ k: Int) -> String {
            let sub = k % 11 == 0 ? "S9" : k % 2 == 0 ? "S1" : "S2"
            let metric = k % 3 == 0 ? "users" : "calls"
            let day = 1 + k % 28
            return "e\(k),\(sub),\(metric),2026-11-\(day < 10 ? "0" : "")\(day)T10:00:00Z,\(k % 5 + 1),\(k % 3 == 0 ? "u\(k % 23)" : "")"
        }
        for k in 1...3_000 {
            if k % 13 == 0 && k > 40 {
                rows.append(row(k - 40))
            } else if k % 17 == 0 && k > 40 {
                rows.append("e\(k - 40),S1,calls,2026-11-20T10:00:00Z,99,")
            } else {
                rows.append(row(k))
            }
        }
        return try tempFile("event_id,subscription_id,metric,timestamp,quantity,value\n" + rows.joined(separator: "\n") + "\n")
    }
}
