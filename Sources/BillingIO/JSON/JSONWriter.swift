/// Canonical JSON: keys sorted by their UTF-8 bytes, no insignificant differences, so the same
/// document always gives the same bytes (and the same SHA-256).
public enum JSONWriter {
    /// Two-space indented, one key per line, newline-terminated: invoice files and reports.
    public static func pretty(_ node: JSONNode) -> String {
        var out = ""
        write(node.value, into: &out, indent: 0, pretty: true)
        return out + "\n"
    }

    /// One line, no spaces: audit log and event feed entries.
    public static func compact(_ node: JSONNode) -> String {
        var out = ""
        write(node.value, into: &out, indent: 0, pretty: false)
        return out
    }

    static func write(_ v: JSONValue, into out: inout String, indent: Int, pretty: Bool) {
        let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let close = pretty ? "\n" + String(repeating: "  ", count: indent) : ""
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): out += quoted(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (k, item) in items.enumerated() {
                out += (k > 0 ? "," : "") + (pretty ? "\n" + pad : "")
                write(item.value, into: &out, indent: indent + 1, pretty: pretty)
            }
            out += close + "]"
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{"
            let sorted = pairs.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (k, pair) in sorted.enumerated() {
                out += (k > 0 ? "," : "") + (pretty ? "\n" + pad : "") + quoted(pair.key) + (pretty ? ": " : ":")
                write(pair.node.value, into: &out, indent: indent + 1, pretty: pretty)
            }
            out += close + "}"
        }
    }

    /// A JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t` or `\u00XX`.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
