import BillingCore

/// A failure that ends a stage, with the exit code SPEC §1 gives it.
public enum StageFailure: Error, CustomStringConvertible {
    /// Invalid input data: exit 1. Each error is one line on stderr.
    case data([DataError])
    /// Bad command-line usage or an invalid `pipeline.json`: exit 2.
    case usage(String)
    /// An I/O or environment failure: exit 3.
    case io(String)

    public var exitCode: Int32 {
        switch self {
        case .data: return 1
        case .usage: return 2
        case .io: return 3
        }
    }

    public var description: String {
        switch self {
        case .data(let errors): return errors.map(\.description).joined(separator: "\n")
        case .usage(let m), .io(let m): return m
        }
    }
}
