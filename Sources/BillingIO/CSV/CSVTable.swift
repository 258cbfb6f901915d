import BillingCore

/// A small CSV file read whole: its header and rows as text, each row with its line number.
/// Used for every dataset file except `usage.csv`, which is streamed.
public struct CSVTable: Sendable {
    public var path: String
    public var header: [String]
    public var rows: [(line: Int, fields: [String])]

    /// Reads and checks the file-level rules of SPEC §8: a header, no duplicate column, every row
    /// with as many fields as the header, valid UTF-8 without NUL bytes.
    public static func load(path: String, displayPath: String) throws -> CSVTable {
        var rows: [(line: Int, fields: [String])] = []
        let header = try stream(path: path, displayPath: displayPath) { rows.append(($0, $1)) }
        return CSVTable(path: displayPath, header: header, rows: rows)
    }

    /// `load` without keeping the rows: checks the same rules, calls `onHeader` with the header,
    /// then `onRow` with each row's line and fields as they are read. Returns the header.
    @discardableResult
    public static func stream(
        path: String, displayPath: String, onHeader: ([String]) throws -> Void = { _ in }, onRow: (Int, [String]) throws -> Void
    ) throws -> [String] {
        var header: [String]?
        try CSVReader.read(path: path, displayPath: displayPath) { row in
            var fields: [String] = []
            fields.reserveCapacity(row.count)
            for i in 0..<row.count {
                guard let s = row.string(i) else {
                    let name = header.map { i < $0.count ? $0[i] : "csv" } ?? "header"
                    throw DataError(
                        file: displayPath, line: row.line, column: i + 1, field: name,
                        problem: "not valid UTF-8 text or contains a NUL byte", value: row.lossyString(i))
                }
                fields.append(s)
            }
            if let header {
                guard fields.count == header.count else {
                    throw DataError(
                        file: displayPath, line: row.line, column: min(fields.count, header.count) + 1, field: "csv",
                        problem: "row has \(fields.count) fields, header has \(header.count)", value: fields.joined(separator: ","))
                }
                try onRow(row.line, fields)
            } else {
                var seen: Set<String> = []
                for (i, name) in fields.enumerated() where !seen.insert(name).inserted {
                    throw DataError(
                        file: displayPath, line: row.line, column: i + 1, field: name, problem: "duplicate column", value: name)
                }
                header = fields
                try onHeader(fields)
            }
        }
        guard let header else {
            throw DataError(file: displayPath, line: 1, column: 1, field: "csv", problem: "empty file: a header row is required", value: "")
        }
        return header
    }

    /// The index of each column by name.
    public var columns: [String: Int] {
        Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
    }
}
