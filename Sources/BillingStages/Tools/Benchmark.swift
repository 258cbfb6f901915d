import BillingCore
import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// `billing-bench`: generates a dataset (once per size and seed), runs every stage as its own
/// process on a fresh ledger, and prints wall time, CPU time (user and kernel), throughput and
/// peak RSS per stage beside bare libcsv parsing the same `usage.csv` (the yardstick). Wall-clock
/// figures go to stdout only.
public enum Benchmark {
    /// How long after the last run's clean-up a run waits before it measures.
    static let settleSeconds = 600

    /// - Parameters:
    ///   - wait: whether to wait out `settleSeconds` after the last run's clean-up.
    ///   - deleteFirst: whether to delete the last run's ledger and outputs before measuring (and
    ///     so wait after that), instead of keeping them aside until this run ends: at 1M / 100M
    ///     they take 25 GB, and this machine's disk has no room for them beside the two ledgers
    ///     of a run, so `billing-pipeline`'s run is skipped without it.
    ///   - usageRounds: if set, only ingest is run, that many times between runs of the yardstick
    ///     (`usageRounds(_:dir:bin:usage:events:bytes:)`), in folders of its own: the last full
    ///     bench's ledger and outputs are neither moved nor waited for.
    public static func run(
        customers: Int, events: Int, seed: UInt64, dir: String, bin: String, wait: Bool = true, deleteFirst: Bool = false,
        usageRounds rounds: Int? = nil
    ) throws {
        let usage = dir + "/usage.csv"
        if !FileSystem.exists(usage) {
            Console.error("bench: generating \(customers) customers, \(events) events in \(dir)")
            let g = try Subprocess.run(bin + "/billing-gen", [
                "--customers", String(customers), "--events", String(events), "--seed", String(seed), "--out", dir,
            ])
            guard g.status == 0, !g.signaled else { throw StageFailure.io("billing-gen failed") }
            Console.error("bench: generated in \(seconds(g.milliseconds)) s")
        }
        if let rounds {
            // Ingest alone, in folders of its own: a full bench's ledger, outputs and logs stay.
            // An untimed first count brings the file into the page cache (see below).
            _ = try CSVYardstick.count(path: usage)
            try usageRounds(rounds, dir: dir, bin: bin, usage: usage, events: events, bytes: try FileSystem.size(usage))
            return
        }
        // The last run's ledger is moved aside and deleted after this run: on ext4, creating
        // files right after deleting as many costs several times more (the allocator skips
        // recently freed inodes), which a monthly run never meets. For the same reason a run
        // started within minutes of the last one's clean-up first waits (seen here: the invoice
        // stage took 58 s eight minutes after one, 121 s right after one, 17–19 s otherwise).
        // The stamp is shared by every dataset's folder: the state it stands for is the file
        // system's. A killed run's leftovers are deleted first, and count as a clean-up.
        let stamp = FileSystem.join(FileSystem.parent(dir), "cleaned-at")
        let runFolders = ["ledger", "out", "file-yardstick", wholeFolders.ledger, wholeFolders.output, roundsFolder]
        if deleteFirst {
            try FileSystem.createDirectory(dir + "/previous")
            try moveAside(runFolders, in: dir)
            Console.error("bench: deleting the last run's ledger and outputs first (--delete-first)")
        }
        try cleanUp(dir + "/previous", stamp: stamp)
        if wait, let text = try? FileSystem.readText(stamp), let at = Int(text.filter { !$0.isWhitespace }) {
            let left = Benchmark.settleSeconds - (Int(time(nil)) - at)
            if left > 0 {
                Console.error("bench: the last run's files were deleted \(Benchmark.settleSeconds - left) s ago; waiting \(left) s more (--no-wait skips this)")
                sleep(UInt32(left))
            }
        }
        try FileSystem.createDirectory(dir + "/previous")
        try moveAside(runFolders, in: dir)
        defer { try? cleanUp(dir + "/previous", stamp: stamp) }
        let bytes = try FileSystem.size(usage)
        var rows: [[String]] = []
        // An untimed first pass brings the file into the page cache, where the timed readers and
        // the stages all find it (read cold, the yardstick once took 3.9 s instead of 2.0).
        _ = try CSVYardstick.count(path: usage)
        // Times one count of the whole file and adds its row (the events: the records less the header).
        func timedCount(_ label: String, _ count: () throws -> (records: Int, fields: Int)) throws -> (ms: Int, events: Int) {
            let t0 = PhaseClock.now()
            let events = try count().records - 1
            let ms = max(1, PhaseClock.now() - t0)
            rows.append([label, seconds(ms), "", "", String(events), rate(events, ms), mbps(bytes, ms), "-"])
            return (ms, events)
        }
        let (yardstickMs, events) = try timedCount("bare libcsv (count only)") { try CSVYardstick.count(path: usage) }
        _ = try timedCount("CSVReader (count only)") { try CSVYardstick.countWithReader(path: usage) }
        let freeBefore = FileSystem.freeBytes(dir) ?? 0
        var yardstickAfterMs = yardstickMs
        var ingestMs = 0
        var usageMs = 1
        var filesMs = 0
        var total = 0
        var peak = 0
        var (user, system) = (0, 0)
        for stage in StageName.allCases {
            // Ingest's phase timings (`BILLING_TIMINGS`) give the usage part on its own.
            let log = dir + "/billing-\(stage.rawValue).log"
            let r = try Subprocess.run(
                bin + "/billing-" + stage.rawValue, ["--config", dir + "/pipeline.json"], environment: ["BILLING_TIMINGS": "1"], stderr: log)
            guard r.status == 0, !r.signaled else { throw StageFailure.io("billing-\(stage.rawValue) failed with \(r.status); see \(log)") }
            if stage == .ingest {
                let phases = Benchmark.phases(try FileSystem.readText(log))
                usageMs = Benchmark.usagePartMs(phases)
            }
            total += r.milliseconds
            peak = max(peak, r.peakKiB)
            user += r.userMilliseconds
            system += r.systemMilliseconds
            let n = stage == .ingest ? events : customers
            let what = stage == .ingest ? mbps(bytes, r.milliseconds) : "-"
            if stage == .ingest { ingestMs = r.milliseconds }
            rows.append(["billing-\(stage.rawValue)", seconds(r.milliseconds), seconds(r.userMilliseconds), seconds(r.systemMilliseconds), String(n), rate(n, r.milliseconds), what, String(r.peakKiB / 1024)])
            if stage == .ingest {
                rows.append(["  of which usage", seconds(usageMs), "", "", String(events), rate(events, usageMs), mbps(bytes, usageMs), ""])
                // The yardstick again, right after ingest: this machine's speed drifts within a
                // minute (the same build's pass 1 took 2.6–5.3 s), so the ratio is taken against
                // the mean of the runs before and after, and both are shown.
                yardstickAfterMs = try timedCount("bare libcsv, after ingest") { try CSVYardstick.count(path: usage) }.ms
            }
            if stage == .invoice {
                let phases = Benchmark.phases(try FileSystem.readText(log))
                filesMs = ["render and write documents", "commit"].reduce(0) { $0 + (phases[$1] ?? 0) }
                rows.append(["  of which files and commit", seconds(filesMs), "", "", String(customers), rate(customers, filesMs), "-", ""])
            }
        }
        rows.append(["whole pipeline, by stage", seconds(total), seconds(user), seconds(system), "", "", "", String(peak / 1024)])
        // What the stages' runs took of the disk, which a second ledger takes again.
        let used = max(0, freeBefore - (FileSystem.freeBytes(dir) ?? 0))
        // The invoice stage's files made again with nothing else: the file system's own floor.
        // Its folder is placed as the ledger's is (a new folder of the dataset's), then goes with
        // the last run's ledger.
        var bare: FileCreationYardstick.Result?
        do {
            bare = try FileCreationYardstick.run(like: dir + "/ledger/invoices", into: dir + "/file-yardstick")
        } catch {
            Console.error("bench: bare file creation skipped: \(error)")
        }
        try moveAside(["file-yardstick"], in: dir)
        // Last, as a billing engineer runs it: one process, the catalog parsed once.
        let whole = try runWhole(dir: dir, bin: bin, needed: used + (256 << 20))
        try moveAside([wholeFolders.ledger, wholeFolders.output], in: dir)
        rows.append([
            "whole pipeline, billing-pipeline", whole.map { seconds($0.milliseconds) } ?? "skipped", whole.map { seconds($0.userMilliseconds) } ?? "",
            whole.map { seconds($0.systemMilliseconds) } ?? "", "", "", "", whole.map { String($0.peakKiB / 1024) } ?? "-",
        ])
        let bareMs = max(1, (bare?.createMilliseconds ?? 0) + (bare?.syncMilliseconds ?? 0))
        if let bare {
            rows.append([
                "bare file creation + sync", seconds(bareMs), "", "", String(bare.files), rate(bare.files, bareMs), mbps(bare.bytes, bareMs), "-",
            ])
            rows.append(["  of which sync", seconds(bare.syncMilliseconds), "", "", "", "", "", ""])
        } else {
            rows.append(["bare file creation + sync", "skipped", "", "", "", "", "", "-"])
        }
        print("billing-bench: \(customers) customers, \(events) usage events, usage.csv \(bytes / 1_048_576) MiB, seed \(seed)")
        print(table(["stage", "wall s", "user s", "sys s", "rows", "rows/s", "MiB/s", "peak RSS MiB"], rows))
        // Ingest speed relative to bare libcsv on the same file (the mean of its two runs).
        let percent = percentOfYardstick(before: yardstickMs, after: yardstickAfterMs, ms: ingestMs)
        let usagePercent = percentOfYardstick(before: yardstickMs, after: yardstickAfterMs, ms: usageMs)
        print("billing-ingest runs at \(percent) % of the bare-libcsv rate (bare libcsv took \(seconds(yardstickMs)) s before it and")
        print("\(seconds(yardstickAfterMs)) s after it; the mean is used); its usage part (scan, deduplication, aggregation, writing the")
        print("contribution and rejects.csv) at \(usagePercent) %. Rows for rate, invoice, pay and report: subscriptions.")
        if let bare {
            print("The invoice stage renders and writes its \(bare.files) files, and commits, in \(seconds(filesMs)) s; creating and syncing")
            print("the same files bare (names and sizes, no rendering) takes \(seconds(bareMs)) s on this file system.")
        }
        print("Stage logs (stderr, with phase timings): \(dir)/billing-<stage>.log")
    }

    /// Moves those of `names` that exist in `dir` into `dir/previous/`, which `cleanUp` deletes.
    static func moveAside(_ names: [String], in dir: String) throws {
        for name in names where FileSystem.exists(dir + "/" + name) {
            _ = try Subprocess.run("/bin/mv", [dir + "/" + name, dir + "/previous/" + name])
        }
    }

    /// Deletes `folder` (a run's moved-aside ledger, outputs and yardstick files); only a clean-up
    /// that deleted something is stamped, and so makes the next run wait.
    static func cleanUp(_ folder: String, stamp: String) throws {
        guard FileSystem.exists(folder) else { return }
        let deleted = !(try FileSystem.list(folder)).isEmpty
        _ = try Subprocess.run("/bin/rm", ["-rf", folder])
        if deleted { try FileSystem.replace(stamp, Array(String(time(nil)).utf8)) }
    }

    /// `timing: <phase> <n> ms` lines of a stage's log, by phase.
    static func phases(_ log: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for line in log.split(separator: "\n") where line.hasPrefix("timing: ") && line.hasSuffix(" ms") {
            let body = line.dropFirst(8).dropLast(3)
            guard let space = body.lastIndex(of: " "), let ms = Int(body[body.index(after: space)...]) else { continue }
            out[String(body[..<space]), default: 0] += ms
        }
        return out
    }

    /// Ingest's usage part (setup, both passes, writing the contribution and `rejects.csv`) from
    /// its phase timings.
    static func usagePartMs(_ phases: [String: Int]) -> Int {
        ["usage setup", "usage pass 1", "usage pass 2", "usage write"].reduce(0) { $0 + (phases[$1] ?? 0) }
    }

    /// A run of `ms` as a rate in per cent of bare libcsv's (whole per cent, rounded down), against
    /// the mean of the yardstick's runs before and after it.
    static func percentOfYardstick(before: Int, after: Int, ms: Int) -> Int {
        (before + after) / 2 * 100 / max(1, ms)
    }

    static func seconds(_ ms: Int) -> String {
        let hundredths = String(ms % 1000 / 10)
        return "\(ms / 1000)." + (hundredths.count < 2 ? "0" + hundredths : hundredths)
    }
    static func rate(_ n: Int, _ ms: Int) -> String { String(n * 1000 / max(1, ms)) }
    /// MiB per second, in whole MiB.
    static func mbps(_ bytes: Int, _ ms: Int) -> String { String(bytes * 1000 / 1_048_576 / max(1, ms)) }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { r in r.enumerated().map { c, v in c == 0 ? v + String(repeating: " ", count: widths[c] - v.count) : v.leftPadded(widths[c]) }.joined(separator: "  ") }
            .joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ w: Int) -> String { count >= w ? self : String(repeating: " ", count: w - count) + self }
}
