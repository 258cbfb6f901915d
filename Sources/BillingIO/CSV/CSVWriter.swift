/// Writes RFC 4180 CSV that spreadsheets open safely (SPEC §8): fields quoted when needed, and a
/// text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` so
/// no spreadsheet runs it as a formula. Plain numbers (`-12.50`) are left as they are.
public enum CSVWriter {
    /// One line, LF-terminated.
    public static func line(_ fields: [String]) -> String {
        fields.map(cell).joined(separator: ",") + "\n"
    }

    /// A header and rows as one document.
    public static func document(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map(line).joined()
    }

    static func cell(_ raw: String) -> String {
        var s = raw
        // A leading apostrophe is itself escaped, so the pipeline can read its own files back
        // exactly (`unneutralized`).
        if let first = s.unicodeScalars.first, "=+-@\t\r'".unicodeScalars.contains(first), !isPlainNumber(s) {
            s = "'" + s
        }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// The cell text as it was before `cell` neutralised it (for files the pipeline reads back).
    public static func unneutralized(_ s: String) -> String { s.hasPrefix("'") ? String(s.dropFirst()) : s }

    static func isPlainNumber(_ s: String) -> Bool {
        var body = Substring(s)
        if body.hasPrefix("-") { body = body.dropFirst() }
        guard let f = body.first, f.isASCII, f.isNumber else { return false }
        var dots = 0
        for c in body {
            if c == "." { dots += 1 } else if !(c.isASCII && c.isNumber) { return false }
        }
        return dots <= 1 && !body.hasSuffix(".")
    }
}

extension String {
    /// Every occurrence of `target` replaced (a small helper so the I/O layer needs no Foundation).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        guard !target.isEmpty, count >= target.count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
