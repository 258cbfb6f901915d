import BillingIO

/// `billing-bench --usage-rounds K`: ingest alone, K times, each run between two runs of the
/// yardstick, for the usage target (the usage part at ≥ 50 % of bare libcsv's rate on the same
/// file). One bench gives one sample of a ratio that this machine's drift moves by a quarter from
/// run to run (40–56 % in six benches of one build, 2026-12-04); the median of K rounds is a
/// figure that the next run of the same build repeats.
extension Benchmark {
    /// One round: bare libcsv's count of `usage.csv` before and after one ingest run, and that
    /// run's usage part (setup, both passes, writing) and passes.
    struct UsageRound: Equatable {
        var yardstickBeforeMs: Int
        var usageMs: Int
        var yardstickAfterMs: Int
        var passOneMs = 0
        var passTwoMs = 0

        /// The usage part's rate as a percentage of bare libcsv's (whole per cent, rounded down),
        /// against the mean of the yardstick's runs either side, as the full bench takes it.
        var percent: Int { percentOfYardstick(before: yardstickBeforeMs, after: yardstickAfterMs, ms: usageMs) }
    }

    /// The middle value of `values` (the lower of the two middle ones for an even count); nil if
    /// there are none.
    static func median(_ values: [Int]) -> Int? {
        values.isEmpty ? nil : values.sorted()[(values.count - 1) / 2]
    }

    /// The rounds' folder beside a full bench's `ledger` and `out`, which the rounds leave as they
    /// are: their ledger, outputs and ingest's log go in it.
    static let roundsFolder = "usage-rounds"
    static let roundsFolders = (ledger: roundsFolder + "/ledger", output: roundsFolder + "/out")

    /// Runs `rounds` rounds on the dataset in `dir` (its `pipeline.json`, with `roundsFolders`),
    /// each ingest on a fresh ledger, and prints each round and the median. The yardstick's run
    /// after one ingest is the one before the next.
    static func usageRounds(_ rounds: Int, dir: String, bin: String, usage: String, events: Int, bytes: Int) throws {
        let config = try configuration(dir: dir, named: "pipeline-rounds.json", folders: roundsFolders)
        try FileSystem.createDirectory(dir + "/" + roundsFolder)
        var results: [UsageRound] = []
        var before = try timed { try CSVYardstick.count(path: usage) }
        for round in 1...rounds {
            for folder in [roundsFolders.ledger, roundsFolders.output] where FileSystem.exists(dir + "/" + folder) {
                _ = try Subprocess.run("/bin/rm", ["-rf", dir + "/" + folder])
            }
            let log = dir + "/" + roundsFolder + "/billing-ingest.log"
            let r = try Subprocess.run(bin + "/billing-ingest", ["--config", config], environment: ["BILLING_TIMINGS": "1"], stderr: log)
            guard r.status == 0, !r.signaled else { throw StageFailure.io("billing-ingest failed with \(r.status); see \(log)") }
            let phases = Benchmark.phases(try FileSystem.readText(log))
            let usageMs = usagePartMs(phases)
            let after = try timed { try CSVYardstick.count(path: usage) }
            results.append(UsageRound(
                yardstickBeforeMs: before, usageMs: max(1, usageMs), yardstickAfterMs: after,
                passOneMs: phases["usage pass 1"] ?? 0, passTwoMs: phases["usage pass 2"] ?? 0))
            Console.error("bench: round \(round) of \(rounds): \(results.last!.percent) %")
            before = after
        }
        print("billing-bench: ingest alone, \(rounds) rounds, \(events) usage events, usage.csv \(bytes / 1_048_576) MiB")
        let rows = results.enumerated().map { i, r in
            [String(i + 1), seconds(r.yardstickBeforeMs), seconds(r.usageMs), seconds(r.passOneMs), seconds(r.passTwoMs), seconds(r.yardstickAfterMs),
             mbps(bytes, r.usageMs), String(r.percent)]
        }
        print(table(["round", "bare libcsv before s", "usage part s", "pass 1 s", "pass 2 s", "bare libcsv after s", "usage MiB/s", "% of bare"], rows))
        let percents = results.map(\.percent)
        print("The usage part runs at a median \(median(percents)!) % of the bare-libcsv rate over \(rounds) rounds (lowest \(percents.min()!) %,")
        print("highest \(percents.max()!) %; each round against the mean of bare libcsv's runs either side of it). Target: 50 %.")
    }

    /// The milliseconds `body` takes (at least 1).
    private static func timed(_ body: () throws -> Any) throws -> Int {
        let t0 = PhaseClock.now()
        _ = try body()
        return max(1, PhaseClock.now() - t0)
    }
}
