import BillingStages

#if canImport(Glibc)
    import Glibc
#endif

/// billing-gen --customers N --events M [--seed S] [--period YYYY-MM] --out DIR
let help = """
    USAGE: billing-gen --customers N --events M [--seed S] [--period YYYY-MM] --out DIR

    Writes a valid synthetic dataset with its pipeline.json to DIR: four currencies, monthly, yearly
    and arrears plans, trials, seats, changes, cancellations and M usage events. The same seed gives
    the same bytes.
    """
var options: [String: String] = ["--seed": "1", "--period": "2026-11"]
var args = Array(CommandLine.arguments.dropFirst())
if args.contains("--help") || args.contains("-h") { print(help); exit(0) }
while args.count >= 2 { options[args.removeFirst()] = args.removeFirst() }
guard args.isEmpty, let customers = options["--customers"].flatMap({ Int($0) }), let events = options["--events"].flatMap({ Int($0) }),
    let seed = options["--seed"].flatMap({ UInt64($0) }), let out = options["--out"], let period = options["--period"]
else {
    printError(help)
    exit(2)
}
exit(CommandLineTool(name: "billing-gen", summary: help).run {
    try SyntheticDataset.write(customers: customers, events: events, seed: seed, period: period, to: out)
})
