/// A problem with input data, reported as `file:line:column: field: problem (value)` (SPEC §1).
///
/// `column` is the 1-based column of the field in its CSV header (as a spreadsheet numbers them),
/// or the character column of the value in a JSON file. Exit code 1.
public struct DataError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var field: String
    public var problem: String
    public var value: String

    public init(file: String, line: Int, column: Int, field: String, problem: String, value: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.problem = problem
        self.value = value
    }

    public var description: String {
        "\(file):\(line):\(column): \(field): \(problem) (\(DataError.shown(value)))"
    }

    /// The value as printed in a message: control characters escaped, at most 80 characters.
    public static func shown(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars.prefix(80) {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 { out += "\\x" + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
            }
        }
        if value.unicodeScalars.count > 80 { out += "…" }
        return out
    }
}

/// Where a record came from, kept on every catalog entity so later stages can point at it.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
    public var description: String { "\(file):\(line)" }

    /// A data error about `field` (at `column`) of this record.
    public func error(column: Int, field: String, _ problem: String, value: String) -> DataError {
        DataError(file: file, line: line, column: column, field: field, problem: problem, value: value)
    }
}
