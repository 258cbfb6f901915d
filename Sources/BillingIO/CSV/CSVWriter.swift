/// Writes RFC 4180 CSV that spreadsheets open safely (SPEC §8): fields quoted when needed, and a
/// text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` so
/// no spreadsheet runs it as a formula. Plain numbers (`-12.50`) are left as they are.
public enum CSVWriter {
    /// One line, LF-terminated.
    public static func line(_ fields: [String]) -> String {
        var out: [UInt8] = []
        append(fields, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A header and rows as one document.
    public static func document(header: [String], rows: [[String]]) -> String {
        String(decoding: documentBytes(header: header, rows: rows), as: UTF8.self)
    }

    /// `document` as UTF-8 bytes, built in one buffer.
    public static func documentBytes(header: [String], rows: [[String]]) -> [UInt8] {
        var out: [UInt8] = []
        append(header, to: &out)
        for row in rows { append(row, to: &out) }
        return out
    }

    /// Appends one LF-terminated line to `out`.
    public static func append(_ fields: [String], to out: inout [UInt8]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendCell(field, to: &out)
        }
        out.append(0x0A)
    }

    /// Appends one cell: marked if a spreadsheet would read it as a formula, quoted if it holds a
    /// comma, a quote or a line break, else (the usual case) copied as it is.
    static func appendCell(_ raw: String, to out: inout [UInt8]) {
        var raw = raw
        raw.withUTF8 { appendCell(bytes: $0, to: &out) }
    }

    /// `appendCell` of a cell's UTF-8 bytes.
    static func appendCell(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard let first = bytes.first else { return }
        // A leading apostrophe is itself escaped, so the pipeline can read its own files back
        // exactly (`unneutralized`).
        let mark: Bool
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D, UInt8(ascii: "'"): mark = !isPlainNumber(bytes)
        default: mark = false
        }
        let quote = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        if quote { out.append(UInt8(ascii: "\"")) }
        if mark { out.append(UInt8(ascii: "'")) }
        if !quote {
            out.append(contentsOf: bytes)
            return
        }
        for b in bytes {
            out.append(b)
            if b == UInt8(ascii: "\"") { out.append(b) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The cell text as it was before `appendCell` neutralised it (for files the pipeline reads back).
    public static func unneutralized(_ s: String) -> String { s.hasPrefix("'") ? String(s.dropFirst()) : s }

    static func isPlainNumber(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        var body = s[...]
        if body.first == UInt8(ascii: "-") { body = body.dropFirst() }
        guard let f = body.first, f >= 0x30 && f <= 0x39, body.last != UInt8(ascii: ".") else { return false }
        var dots = 0
        for c in body {
            if c == UInt8(ascii: ".") { dots += 1 } else if !(c >= 0x30 && c <= 0x39) { return false }
        }
        return dots <= 1
    }
}
