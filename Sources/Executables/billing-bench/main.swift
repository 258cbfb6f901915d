import BillingIO
import BillingStages

#if canImport(Glibc)
    import Glibc
#endif

let help = """
    USAGE: billing-bench --customers N --events M [--seed S] [--dir DIR] [--no-wait] [--delete-first]
                         [--usage-rounds K]

    Generates a dataset with billing-gen (kept in DIR, default out/bench/N-M-S), runs each stage on
    a fresh ledger and prints wall time, CPU time (user, kernel), rows/s, MiB/s and peak RSS per
    stage, beside bare libcsv counting the same usage.csv (before and right after ingest; the
    ratio uses their mean), and the invoice stage's files created bare; then runs the whole
    pipeline as billing-pipeline does it, in one process, on a second fresh ledger (skipped if
    the disk has no room for it).

    The last run's ledger is deleted when a run ends; ext4 creates files several times slower in
    the minutes after many were deleted, so a run started within 10 minutes of the last one waits
    first, unless --no-wait is given (its figures then measure that). The last run's ledger and
    outputs are kept aside until the new run ends, unless --delete-first is given: then they are
    deleted first (and the run waits after that), which leaves room for the one-process run on a
    disk that cannot hold three ledgers (1M customers / 100M events here).

    With --usage-rounds K, only billing-ingest is run, K times on a fresh ledger, each run between
    two counts by bare libcsv; each round's usage part is compared with the mean of the counts
    either side of it, and the median of the rounds is printed: one run's ratio drifts with this
    machine's speed, the median of several repeats. The rounds run in DIR/usage-rounds/ (ledger,
    out, billing-ingest.log): the last full bench's ledger, outputs and logs stay.
    """
var options: [String: String] = ["--seed": "1"]
var args = Array(CommandLine.arguments.dropFirst())
if args.contains("--help") || args.contains("-h") { print(help); exit(0) }
let wait = !args.contains("--no-wait")
let deleteFirst = args.contains("--delete-first")
args.removeAll { $0 == "--no-wait" || $0 == "--delete-first" }
while args.count >= 2 { options[args.removeFirst()] = args.removeFirst() }
guard args.isEmpty, let customers = options["--customers"].flatMap({ Int($0) }), let events = options["--events"].flatMap({ Int($0) }),
    let seed = options["--seed"].flatMap({ UInt64($0) }), options["--usage-rounds"].map({ (Int($0) ?? 0) > 0 }) ?? true
else {
    printError(help)
    exit(2)
}
let dir = options["--dir"] ?? "out/bench/\(customers)-\(events)-\(seed)"
let bin = FileSystem.parent(CommandLine.arguments[0])
exit(CommandLineTool(name: "billing-bench", summary: help).run {
    try Benchmark.run(customers: customers, events: events, seed: seed, dir: dir, bin: bin, wait: wait, deleteFirst: deleteFirst,
        usageRounds: options["--usage-rounds"].flatMap { Int($0) })
})
