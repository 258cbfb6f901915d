import BillingCore
import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// The command-line contract every executable shares (SPEC §1): `--help`, `--config FILE`,
/// `--period YYYY-MM`, exit 0/1/2/3, and errors on stderr one per line.
public struct CommandLineTool {
    public let name: String
    public let summary: String
    /// Extra flags this tool takes, with their help text.
    public let flags: [(flag: String, help: String)]

    public init(name: String, summary: String, flags: [(flag: String, help: String)] = []) {
        self.name = name
        self.summary = summary
        self.flags = flags
    }

    public var help: String {
        var lines = [
            "USAGE: \(name) [--config FILE] [--period YYYY-MM]\(flags.map { " [\($0.flag)]" }.joined())", "", summary, "",
            "OPTIONS:",
            "  --config FILE      the pipeline.json to run, default ./pipeline.json (paths in it are relative to its folder)",
            "  --period YYYY-MM   the month to bill; overrides \"period\" in the config",
        ]
        lines += flags.map { "  " + $0.flag.padding(18) + " " + $0.help }
        lines += ["  -h, --help         show this help", "",
                  "EXIT CODES: 0 success, 1 invalid data, 2 bad usage or config, 3 I/O or environment failure"]
        return lines.joined(separator: "\n")
    }

    /// Parsed arguments: the loaded config and the extra flags given.
    public struct Arguments {
        public var config: PipelineConfig
        public var flags: Set<String>
    }

    /// Parses `arguments` (without the program name) and loads the config.
    public func parse(_ arguments: [String]) throws -> Arguments {
        var configPath: String?
        var period: String?
        var given: Set<String> = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--config", "--period":
                guard i + 1 < arguments.count else { throw StageFailure.usage("\(a) needs a value\n\n\(help)") }
                if a == "--config" { configPath = arguments[i + 1] } else { period = arguments[i + 1] }
                i += 2
            default:
                guard flags.contains(where: { $0.flag == a }) else { throw StageFailure.usage("unknown argument: \(a)\n\n\(help)") }
                given.insert(a)
                i += 1
            }
        }
        return Arguments(config: try PipelineConfigLoader.load(path: configPath ?? "pipeline.json", periodOverride: period), flags: given)
    }

    /// Runs `body` and exits with the code SPEC §1 gives the outcome.
    public func main(_ body: (Arguments) throws -> Void) -> Never {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.contains("--help") || args.contains("-h") {
            print(help)
            exit(0)
        }
        exit(run { try body(try parse(args)) })
    }

    /// Runs `body`, printing any failure to stderr; returns the exit code.
    public func run(_ body: () throws -> Void) -> Int32 {
        do {
            try body()
            return 0
        } catch let f as StageFailure {
            printError(f.description)
            return f.exitCode
        } catch let e as DataError {
            printError(e.description)
            return 1
        } catch let e as ArithmeticOverflow {
            // An amount too large to compute exactly that no stage could pin on one row: the data's
            // figures, not the environment (most overflows are reported at their row).
            printError("\(name): \(e): the data's amounts are too large to compute exactly")
            return 1
        } catch {
            printError("\(name): \(error)")
            return 3
        }
    }
}

/// A line on stderr.
public func printError(_ message: String) { Console.error(message) }

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
