/// One row of a ledger CSV file (register, payments, statuses) read by column name. The header's
/// column positions are shared by every row of the file, so a row costs its fields and nothing
/// more (a dictionary per row was most of the time spent reading a large register).
public struct LedgerRow: Sendable, CustomStringConvertible {
    /// Column name → position, one copy for the whole file.
    let columns: [String: Int]
    /// The fields in file order, spreadsheet neutralization removed.
    public let fields: [String]

    init(columns: [String: Int], fields: [String]) {
        self.columns = columns
        self.fields = fields
    }

    /// The field under `column`, or nil if the file has no such column.
    public subscript(_ column: String) -> String? {
        guard let i = columns[column], i < fields.count else { return nil }
        return fields[i]
    }

    /// `name=value` pairs in file order, for messages about an unreadable row.
    public var description: String {
        let names = columns.sorted { $0.value < $1.value }.map(\.key)
        return zip(names, fields).map { "\($0)=\($1)" }.joined(separator: ", ")
    }
}
