import BillingCore

/// Reads the rows of one dataset CSV by column name, turning each field into a typed value or a
/// `DataError` that names the file, the record's line, the column and the value.
///
/// Checks the header first: every required column present; columns it does not know are listed
/// (the ingest summary names them). A `_source` column, written by ingest into its normalised
/// copy, carries each record's original `file:line` so later stages point at the user's file.
public struct TableRows: Sendable {
    public let table: CSVTable
    public let known: Set<String>
    let columns: [String: Int]
    let sourceColumn: Int?

    public init(_ table: CSVTable, required: [String], optional: [String]) throws {
        self.table = table
        self.columns = table.columns
        self.known = Set(required + optional + ["_source"])
        self.sourceColumn = columns["_source"]
        for name in required where columns[name] == nil {
            throw DataError(file: table.path, line: 1, column: table.header.count + 1, field: name,
                            problem: "missing required column", value: table.header.joined(separator: ","))
        }
    }

    /// Header names this file does not use, in file order.
    public var unknownColumns: [String] { table.header.filter { !known.contains($0) } }

    /// Thrown for a row that refers to a record whose own row was invalid: that row's error has
    /// been reported already, so this one is skipped rather than reported again.
    public struct AlreadyReported: Error {
        public init() {}
    }

    /// Calls `body` for each row; errors are collected (up to `limit`) rather than stopping at the
    /// first. `invalidKeys` receives the `keyColumn` value of every row that failed.
    public func forEach(
        errors: inout [DataError], limit: Int = 100, keyColumn: String? = nil, invalidKeys: inout Set<String>,
        _ body: (Row) throws -> Void
    ) {
        for (line, fields) in table.rows {
            if errors.count >= limit { return }
            visit(line: line, fields: fields, errors: &errors, keyColumn: keyColumn, invalidKeys: &invalidKeys, body)
        }
    }

    /// Calls `body` with one row, recording its error (and its key, if `keyColumn` is given).
    func visit(
        line: Int, fields: [String], errors: inout [DataError], keyColumn: String? = nil, invalidKeys: inout Set<String>,
        _ body: (Row) throws -> Void
    ) {
        let row = Row(rows: self, line: line, fields: fields)
        do { try body(row) } catch is AlreadyReported {
            if let keyColumn { invalidKeys.insert(row.raw(keyColumn)) }
        } catch let e as DataError {
            errors.append(e)
            if let keyColumn { invalidKeys.insert(row.raw(keyColumn)) }
        } catch {
            errors.append(DataError(file: table.path, line: line, column: 1, field: "row", problem: "\(error)", value: ""))
        }
    }

    /// Reads a file too large to hold as text (the pipeline's own line indexes) into values:
    /// checks the header, then turns each row into a value with `transform`, in file order.
    /// Errors are collected, the first `limit` in file order. Two threads share the work, about
    /// half each: this one reads and splits the rows (libcsv, the cells' text) while another turns
    /// the previous batch of them into values; memory holds two batches of rows, not the file.
    public static func map<T: Sendable>(
        path: String, required: [String], optional: [String], errors: inout [DataError], limit: Int = 100,
        _ transform: @escaping @Sendable (Row) throws -> T
    ) throws -> [T] {
        var rows: TableRows?
        var batch: [(line: Int, fields: [String])] = []
        var converting: Background<(values: [T], errors: [DataError])>?
        var values: [T] = []
        var found: [DataError] = []
        func collect() {
            guard let done = converting?.value() else { return }
            values += done.values
            found += done.errors.prefix(max(0, limit - found.count))
            converting = nil
        }
        func convert() {
            collect()
            defer { batch.removeAll(keepingCapacity: true) }
            guard found.count < limit, let table = rows, !batch.isEmpty else { return }
            let taken = batch
            converting = Background {
                var out: [T] = []
                var errors: [DataError] = []
                var ignored: Set<String> = []
                out.reserveCapacity(taken.count)
                for (line, fields) in taken where errors.count < limit {
                    table.visit(line: line, fields: fields, errors: &errors, invalidKeys: &ignored) { out.append(try transform($0)) }
                }
                return (out, errors)
            }
        }
        try CSVTable.stream(path: path, displayPath: path, onHeader: { header in
            rows = try TableRows(CSVTable(path: path, header: header, rows: []), required: required, optional: optional)
        }) { line, fields in
            batch.append((line, fields))
            if batch.count == TableRows.batchSize { convert() }
        }
        convert()
        collect()
        errors += found
        return values
    }

    /// Rows handed to the converting thread at a time by `map`.
    static let batchSize = 4096

    /// `forEach` for files whose rows nothing refers to.
    public func forEach(errors: inout [DataError], _ body: (Row) throws -> Void) {
        var ignored: Set<String> = []
        forEach(errors: &errors, invalidKeys: &ignored, body)
    }

    /// One row, with typed accessors.
    public struct Row: Sendable {
        let rows: TableRows
        public let line: Int
        let fields: [String]

        /// Where this record came from (the original file and line, also through ingest's copy).
        public var source: SourceLocation {
            if let c = rows.sourceColumn, let colon = fields[c].lastIndex(of: ":"), let l = Int(fields[c][fields[c].index(after: colon)...]) {
                return SourceLocation(file: String(fields[c][..<colon]), line: l)
            }
            return SourceLocation(file: rows.table.path, line: line)
        }

        public func error(_ name: String, _ problem: String, _ value: String? = nil) -> DataError {
            let column = (rows.columns[name] ?? 0) + 1
            return source.error(column: column, field: name, problem, value: value ?? raw(name))
        }

        /// The cell text, "" when the column is absent.
        public func raw(_ name: String) -> String {
            guard let i = rows.columns[name] else { return "" }
            return fields[i]
        }

        /// An optional cell: nil when empty (the default applies).
        public func optional(_ name: String) -> String? {
            let v = raw(name)
            return v.isEmpty ? nil : v
        }

        public func required(_ name: String) throws -> String {
            guard let v = optional(name) else { throw error(name, "required value is empty") }
            return v
        }

        public func id(_ name: String) throws -> String {
            let v = try required(name)
            guard Identifier.isValid(v) else { throw error(name, "invalid id: expected [A-Za-z0-9][A-Za-z0-9._-]{0,63}") }
            return v
        }

        public func optionalID(_ name: String) throws -> String? {
            guard optional(name) != nil else { return nil }
            return try id(name)
        }

        public func text(_ name: String, maxLength: Int = 200) throws -> String {
            let v = raw(name)
            guard v.unicodeScalars.count <= maxLength else { throw error(name, "longer than \(maxLength) characters") }
            guard !v.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw error(name, "control characters are not allowed")
            }
            return v
        }

        /// A date of the dataset, up to `latest` (`CivilDate.latestInput`; nil: any date, for the
        /// pipeline's own files, whose dates run ahead of the inputs').
        public func date(_ name: String, latest: CivilDate? = CivilDate.latestInput) throws -> CivilDate {
            let v = try required(name)
            guard let d = CivilDate(parsing: v) else { throw error(name, "expected an existing date YYYY-MM-DD") }
            if let latest, d > latest { throw error(name, "after \(latest), the latest date the pipeline supports") }
            return d
        }

        public func optionalDate(_ name: String) throws -> CivilDate? {
            guard optional(name) != nil else { return nil }
            return try date(name)
        }

        public func country(_ name: String) throws -> String {
            let v = try required(name)
            guard Countries.all.contains(v) else { throw error(name, "unknown ISO 3166-1 alpha-2 country code") }
            return v
        }

        public func currency(_ name: String) throws -> Currency {
            let v = try required(name)
            guard let c = Currency(code: v) else { throw error(name, "unknown ISO 4217 currency code") }
            return c
        }

        public func decimal(_ name: String, maxDecimals: Int, allowNegative: Bool = false) throws -> ExactDecimal {
            let v = try required(name)
            guard let d = ExactDecimal(parsing: v, maxDecimals: maxDecimals) else {
                throw error(name, "expected a plain decimal with at most \(maxDecimals) decimals")
            }
            if !allowNegative && d.isNegative { throw error(name, "must not be negative") }
            return d
        }

        /// A whole number `[0-9]+` within `range`.
        public func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
            guard let v = optional(name) else { return nil }
            // Up to 18 digits parse without overflow; the range decides (1000000000 has 10).
            guard v.utf8.count <= 18, v.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let i = Int(v), range.contains(i) else {
                throw error(name, "expected a whole number \(range.lowerBound)…\(range.upperBound)")
            }
            return i
        }

        public func bool(_ name: String) throws -> Bool? {
            switch optional(name) {
            case nil: return nil
            case "true": return true
            case "false": return false
            default: throw error(name, "expected true or false")
            }
        }
    }
}
