import BillingIO
import Testing
@testable import BillingStages

/// The figures `billing-bench` derives from what it times.
struct BenchmarkTests {
    /// A round's percentage: bare libcsv's mean time either side over the usage part's, in whole
    /// per cent rounded down.
    @Test(arguments: [
        // (1,800 + 2,000) / 2 = 1,900 ms; 1,900 × 100 / 3,800 = 50 %.
        (before: 1_800, usage: 3_800, after: 2_000, percent: 50),
        // (1,790 + 1,810) / 2 = 1,800; 180,000 / 4,570 = 39.38… → 39 %.
        (before: 1_790, usage: 4_570, after: 1_810, percent: 39),
        // (2,270 + 2,120) / 2 = 2,195; 219,500 / 4,560 = 48.13… → 48 %.
        (before: 2_270, usage: 4_560, after: 2_120, percent: 48),
        // One yardstick run slower: (1,800 + 2,220) / 2 = 2,010; 201,000 / 3,600 = 55.83… → 55 %.
        (before: 1_800, usage: 3_600, after: 2_220, percent: 55),
    ])
    func roundPercent(before: Int, usage: Int, after: Int, percent: Int) {
        #expect(Benchmark.UsageRound(yardstickBeforeMs: before, usageMs: usage, yardstickAfterMs: after).percent == percent)
    }

    /// The median is the middle value whatever the order, the lower middle one of an even count.
    @Test(arguments: [
        (values: [48, 40, 56, 44, 52], median: 48 as Int?),
        (values: [52, 40, 56, 44], median: 44),
        (values: [47], median: 47),
        (values: [], median: nil),
    ])
    func median(values: [Int], median: Int?) {
        #expect(Benchmark.median(values) == median)
    }

    /// Ingest's phase timings as its log gives them (`BILLING_TIMINGS`), a phase timed twice added up.
    @Test func phasesFromALog() {
        let log = "ingest: 5000000 usage rows read by a worker\ntiming: usage pass 1 2638 ms\ntiming: usage setup 198 ms\ntiming: usage pass 1 2 ms\nnote: x\n"
        #expect(Benchmark.phases(log) == ["usage pass 1": 2_640, "usage setup": 198])
    }

    /// The usage rounds' configuration is the dataset's with its ledger and output moved into
    /// `usage-rounds/`, relative to the dataset's folder as the dataset's own are, so that the
    /// rounds never touch a full bench's `ledger` and `out`; the dataset, period and seller stay.
    @Test func roundsRunInFoldersOfTheirOwn() throws {
        let dir = TestSupport.tempFolder()
        defer { try? FileSystem.removeTree(dir) }
        try TestSupport.write(dir + "/pipeline.json", """
            {"dataset": ".", "ledger": "ledger", "output": "out", "period": "2026-11",
             "seller": {"name": "Synthetic SaaS Inc.", "address": "1 Main Street", "country": "US"}}
            """)
        let path = try Benchmark.configuration(dir: dir, named: "pipeline-rounds.json", folders: Benchmark.roundsFolders)
        #expect(path == dir + "/pipeline-rounds.json")
        let config = try PipelineConfigLoader.load(path: path, periodOverride: nil)
        #expect(config.ledger == dir + "/usage-rounds/ledger")
        #expect(config.output == dir + "/usage-rounds/out")
        #expect(config.period == "2026-11")
        let original = try PipelineConfigLoader.load(path: dir + "/pipeline.json", periodOverride: nil)
        #expect(config.dataset == original.dataset && original.ledger == dir + "/ledger")
    }
}
