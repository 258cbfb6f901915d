#if canImport(Glibc)
    import Glibc
#endif

/// Canonical JSON: keys sorted by their UTF-8 bytes, no insignificant differences, so the same
/// document always gives the same bytes (and the same SHA-256). Written as UTF-8 bytes directly.
public enum JSONWriter {
    /// Two-space indented, one key per line, newline-terminated: invoice files and reports.
    public static func pretty(_ node: JSONNode) -> String { String(decoding: prettyBytes(node), as: UTF8.self) }

    /// `pretty` as UTF-8 bytes.
    public static func prettyBytes(_ node: JSONNode) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(node.value, into: &out, indent: 0, pretty: true)
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// One line, no spaces: audit log and event feed entries.
    public static func compact(_ node: JSONNode) -> String { String(decoding: compactBytes(node), as: UTF8.self) }

    /// `compact` as UTF-8 bytes.
    public static func compactBytes(_ node: JSONNode) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(node.value, into: &out, indent: 0, pretty: false)
        return out
    }

    static func newline(_ out: inout [UInt8], indent: Int) {
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<indent { out.append(0x20); out.append(0x20) }
    }

    static func write(_ v: JSONValue, into out: inout [UInt8], indent: Int, pretty: Bool) {
        switch v {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let n): out += n.utf8
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]".utf8; return }
            out.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(&out, indent: indent + 1) }
                write(item.value, into: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty { newline(&out, indent: indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            if pairs.isEmpty { out += "{}".utf8; return }
            out.append(UInt8(ascii: "{"))
            // Positions are sorted, not the pairs: moving an Int costs no reference counting. Pairs
            // already in order (built so) are written as they are.
            let inOrder = pairs.indices.dropFirst().allSatisfy { precedes(pairs[$0 - 1].key, pairs[$0].key) }
            let order = inOrder ? Array(pairs.indices) : pairs.indices.sorted { precedes(pairs[$0].key, pairs[$1].key) }
            for (k, i) in order.enumerated() {
                let pair = pairs[i]
                if k > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(&out, indent: indent + 1) }
                quote(pair.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(0x20) }
                write(pair.node.value, into: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty { newline(&out, indent: indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t` or `\u00XX`.
    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        quote(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the literal of `s` (its UTF-8 bytes pass through; only ASCII needs escaping). A
    /// string with nothing to escape, the usual case, is copied in one piece.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                out.append(contentsOf: bytes)
                return
            }
            for b in bytes {
                switch b {
                case UInt8(ascii: "\""): out += #"\""#.utf8
                case UInt8(ascii: "\\"): out += #"\\"#.utf8
                case 0x0A: out += #"\n"#.utf8
                case 0x0D: out += #"\r"#.utf8
                case 0x09: out += #"\t"#.utf8
                case 0..<0x20:
                    let digits = Array("0123456789abcdef".utf8)
                    out += #"\u00"#.utf8
                    out.append(digits[Int(b >> 4)])
                    out.append(digits[Int(b & 15)])
                default: out.append(b)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether `a` sorts before `b` by UTF-8 bytes (the canonical key order), compared in place.
    static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let n = Swift.min(x.count, y.count)
                if n > 0, let p = x.baseAddress, let q = y.baseAddress {
                    let c = memcmp(p, q, n)
                    if c != 0 { return c < 0 }
                }
                return x.count < y.count
            }
        }
    }
}
