import BillingCore
import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// Pass 2's rounds (`UsageRound`, decision 61), the merge of their runs (`UsageIDRuns`), and a scan
/// taken in rounds writing what one round writes.
struct UsageRoundTests {
    /// The least power of two of rounds with `events` ≤ rounds × `perRound`.
    @Test(arguments: [
        (0, 4, 1), (4, 4, 1),  // a round's worth or less: one round
        (5, 4, 2), (8, 4, 2),  // 5 > 1 × 4, 8 ≤ 2 × 4
        (9, 4, 4), (16, 4, 4), (17, 4, 8),  // 9 > 8; 16 ≤ 16; 17 > 16
        (39_063, 1 << 18, 1),  // 10M events over 256 partitions: under 262,144
        (156_250, 1 << 18, 1),  // 40M: under 262,144
        (390_625, 1 << 18, 2),  // 100M: over 262,144, under 524,288
        (3_906_250, 1 << 18, 16),  // 1,000M: over 8 × 262,144, under 16 × 262,144
        (390_625, 1 << 19, 1),  // 100M with decision 68's 524,288 a round: under it
        (3_906_250, 1 << 19, 8),  // 1,000M: over 4 × 524,288 = 2,097,152, under 8 × = 4,194,304
    ])
    func roundsOfAPartition(events: Int, perRound: Int, rounds: Int) {
        #expect(UsageRound.count(events: events, perRound: perRound) == rounds)
    }

    /// A scanner's round takes 2^19 = 524,288 events (decision 68): 100M events a month, 390,625 a
    /// partition, take one.
    @Test func aRoundTakesTwoToTheNineteenEvents() throws {
        let scanner = try UsagePartBoardTests().scanner(workers: 1, scratch: tempFolder("billing-io-round") + "/spill")
        #expect(scanner.roundEvents == 524_288)
        #expect(UsageRound.count(events: 100_000_000 / 256 + 1, perRound: scanner.roundEvents) == 1)
    }

    /// With earlier runs' ids (decision 63), the rounds both need: the more of the two powers of two.
    @Test(arguments: [
        (10, 4, 0, 16, 4),  // 10 events: 4 rounds (8 < 10 ≤ 16); no history: 1
        (1, 4, 100, 16, 8),  // 1 event: 1; 100 earlier ids: 8 (64 < 100 ≤ 128)
        (100, 4, 100, 16, 32),  // events 32 (96 < 100 ≤ 128), history 8: 32
        (39_063, 1 << 18, 468_750, 1 << 22, 1),  // 10M a month, 12 months billed (120M / 256): 1 and 1
        (390_625, 1 << 18, 4_687_500, 1 << 22, 2),  // 100M, 12 months: 2 (events) and 2 (4,687,500 > 4,194,304)
        (390_625, 1 << 18, 9_375_000, 1 << 22, 4),  // 100M, 24 months: 9,375,000 > 2 × 4,194,304: 4
    ])
    func roundsWithAHistory(events: Int, perRound: Int, earlierIDs: Int, earlierPerRound: Int, rounds: Int) {
        #expect(UsageRound.count(events: events, perRound: perRound, earlierIDs: earlierIDs, earlierPerRound: earlierPerRound) == rounds)
    }

    /// An id's round is the bits just below the partition's 8: 0x12C0… has 1100 0000 there, so
    /// round 1 of 2, 3 (binary 11) of 4, 6 (110) of 8; 0x1240… has 0100 0000: round 0 of 2, 1 of
    /// 4, 2 of 8. One round holds every id.
    @Test(arguments: [
        (UInt64(0x12C0_0000_0000_0000), 1, 0), (0x12C0_0000_0000_0000, 2, 1), (0x12C0_0000_0000_0000, 4, 3), (0x12C0_0000_0000_0000, 8, 6),
        (0x1240_0000_0000_0001, 2, 0), (0x1240_0000_0000_0001, 4, 1), (0x1240_0000_0000_0001, 8, 2),
    ])
    func roundOfAnID(hash: UInt64, rounds: Int, index: Int) {
        #expect(UsageRound.index(of: hash, among: rounds) == index)
        for j in 0..<rounds { #expect(UsageRound(index: j, count: rounds).contains(hash) == (j == index)) }
    }

    /// Two runs, each sorted, the second held in memory, merged into one ids file in the ids' byte order (a prefix first,
    /// then `-` before `.` before digits), each id's hash carried along into the index.
    @Test func runsMergeInTheIDsOrder() throws {
        let dir = String(try tempFile("").dropLast("/f.csv".count))
        try UsageIDRuns.write(rows: Array("a,1\na.b,ff\nb,2\n".utf8), hashes: [10, 11, 12], to: dir + "/run-0")
        try UsageIDRuns.merge(
            [dir + "/run-0"], last: (Array("a-b,3\na0,4\nc,5\n".utf8), [20, 21, 22]), idsPath: dir + "/00.csv", hashesPath: dir + "/00.hashes")
        #expect(String(decoding: try FileSystem.read(dir + "/00.csv"), as: UTF8.self) == "event_id,fingerprint\na,1\na-b,3\na.b,ff\na0,4\nb,2\nc,5\n")
        #expect(try FileSystem.read(dir + "/00.hashes") == UsageIDHashes.bytes([10, 20, 11, 21, 12, 22]))
        #expect(try FileSystem.list(dir).sorted() == ["00.csv", "00.hashes", "f.csv"])
    }

    /// Runs longer than the merge's 64 KiB blocks: ids e00001 … e20000, the odd ones in one run
    /// and the even ones in the other, merged back into one sequence (each hash its number).
    @Test func longRunsMergeAcrossBlocks() throws {
        let dir = String(try tempFile("").dropLast("/f.csv".count))
        func id(_ n: Int) -> String { "e" + String(repeating: "0", count: 5 - String(n).count) + String(n) }
        for r in 0..<2 {
            let numbers = Array(stride(from: 1 + r, through: 20_000, by: 2))
            try UsageIDRuns.write(
                rows: Array(numbers.map { "\(id($0)),\(String($0, radix: 16))\n" }.joined().utf8), hashes: numbers.map { UInt64($0) },
                to: dir + "/run-\(r)")
        }
        try UsageIDRuns.merge([dir + "/run-0", dir + "/run-1"], idsPath: dir + "/00.csv", hashesPath: dir + "/00.hashes")
        let all = Array(1...20_000)
        #expect(id(7) == "e00007" && id(20_000) == "e20000")
        #expect(try FileSystem.read(dir + "/00.csv") == Array(("event_id,fingerprint\n" + all.map { "\(id($0)),\(String($0, radix: 16))\n" }.joined()).utf8))
        #expect(try FileSystem.read(dir + "/00.hashes") == UsageIDHashes.bytes(all.map { UInt64($0) }))
    }

    /// A month's 3,000 rows (`UsagePartBoardTests.usageFile`) after an earlier run billed its first
    /// 1,000: taken a partition at a time, and in rounds of about one event each (16 rounds or
    /// more a partition of 10 events or more), ingest writes the same bytes, with the earlier run's ids
    /// read through its index and, its index removed, read whole; and in rounds of one earlier id
    /// each (decision 63). The repeats of earlier events
    /// are there to be found: counted as duplicates, or rejected as already billed.
    @Test func roundsWriteWhatOneRoundWrites() throws {
        let board = UsagePartBoardTests()
        let (path, folder) = try board.usageFolder("earlier", "whole", "rounds", "unindexed", "history")
        let lines = String(decoding: try FileSystem.read(path), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let first = folder + "/first.csv"
        try FileSystem.replace(first, Array((lines[0...1_000].joined(separator: "\n") + "\n").utf8))
        _ = try board.outputs(try board.scanner(workers: 1, scratch: folder + "/spill-earlier"), path: first, into: folder + "/earlier")
        let committed = [folder + "/earlier/usage"]

        let whole = try board.scanner(workers: 2, scratch: folder + "/spill-whole", committed: committed)
        let one = try board.outputs(whole, path: path, into: folder + "/whole")
        #expect(whole.rounds == 1)
        let inRounds = try board.scanner(workers: 2, scratch: folder + "/spill-rounds", committed: committed)
        inRounds.roundEvents = 1
        #expect(try board.outputs(inRounds, path: path, into: folder + "/rounds") == one)
        // Over 2,600 rows are spilled, about 10 a partition: the fullest takes 16 rounds or more.
        #expect(inRounds.rounds >= 16)
        #expect(!FileSystem.exists(folder + "/spill-rounds"))

        for name in try FileSystem.list(folder + "/earlier/usage.ids") where name.hasSuffix(".hashes") {
            try FileSystem.remove(folder + "/earlier/usage.ids/" + name)
        }
        let unindexed = try board.scanner(workers: 2, scratch: folder + "/spill-unindexed", committed: committed)
        unindexed.roundEvents = 1
        #expect(try board.outputs(unindexed, path: path, into: folder + "/unindexed") == one)
        // Earlier runs' ids in rounds too (decision 63): with their indexes back, rounds of one
        // earlier id (the earlier run's 1,000 over 256 partitions: 4 or more rounds for the
        // partitions with 3 or more), the events' rounds left at the default.
        try FileSystem.removeTree(folder + "/earlier")
        try FileSystem.createDirectory(folder + "/earlier")
        _ = try board.outputs(try board.scanner(workers: 1, scratch: folder + "/spill-earlier"), path: first, into: folder + "/earlier")
        let byHistory = try board.scanner(workers: 2, scratch: folder + "/spill-history", committed: committed)
        byHistory.roundEarlierIDs = 1
        #expect(try board.outputs(byHistory, path: path, into: folder + "/history") == one)
        #expect(byHistory.rounds >= 4)

        // Rows 1 to 1,000 were billed by the earlier run: read again, those it counted are
        // duplicates, and row 1,020 (17 × 60) repeats e980, which it counted, with other content.
        #expect(one["rejects.csv"]!.contains("duplicate event_id with different content (already billed)"))
        #expect(one["summary"]!.contains("duplicates ") && !one["summary"]!.contains("duplicates 0,"))
    }
}
