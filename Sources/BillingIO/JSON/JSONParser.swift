import BillingCore

/// A strict RFC 8259 parser that records each value's line and column. Errors are `DataError`s
/// pointing at the offending character.
public struct JSONParser {
    private let bytes: [UInt8]
    private let file: String
    private var i = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0

    public static func parse(_ bytes: [UInt8], file: String) throws -> JSONNode {
        var p = JSONParser(bytes: bytes, file: file)
        if p.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.i = 3; p.lineStart = 3 }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw DataError(file: file, line: 1, column: 1, field: "json", problem: "not valid UTF-8", value: "")
        }
        p.skipSpace()
        let node = try p.value()
        p.skipSpace()
        if p.i < p.bytes.count { throw p.error("unexpected content after the JSON value") }
        return node
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// Where the last column was computed, so that columns are counted incrementally (a long
    /// single-line document would otherwise be rescanned from its start for every value).
    private var columnMark = (byte: 0, column: 1)

    /// The character (not byte) column, as an editor shows it.
    private var column: Int {
        mutating get {
            if columnMark.byte < lineStart || columnMark.byte > i { columnMark = (lineStart, 1) }
            var c = columnMark.column
            for b in bytes[columnMark.byte..<i] where b & 0xC0 != 0x80 { c += 1 }
            columnMark = (i, c)
            return c
        }
    }

    private mutating func error(_ problem: String) -> DataError {
        let snippet = String(decoding: bytes[i..<min(bytes.count, i + 20)], as: UTF8.self)
        return DataError(file: file, line: line, column: column, field: "json", problem: problem, value: snippet)
    }

    private mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0D: i += 1
            case 0x0A:
                i += 1
                line += 1
                lineStart = i
            default: return
            }
        }
    }

    private mutating func value() throws -> JSONNode {
        guard i < bytes.count else { throw error("unexpected end of input") }
        depth += 1
        defer { depth -= 1 }
        if depth > 64 { throw error("nesting deeper than 64 levels") }
        let (l, c) = (line, column)
        switch bytes[i] {
        case UInt8(ascii: "{"): return JSONNode(try object(), line: l, column: c)
        case UInt8(ascii: "["): return JSONNode(try array(), line: l, column: c)
        case UInt8(ascii: "\""): return JSONNode(.string(try string()), line: l, column: c)
        case UInt8(ascii: "t"): try literal("true"); return JSONNode(.bool(true), line: l, column: c)
        case UInt8(ascii: "f"): try literal("false"); return JSONNode(.bool(false), line: l, column: c)
        case UInt8(ascii: "n"): try literal("null"); return JSONNode(.null, line: l, column: c)
        default: return JSONNode(.number(try number()), line: l, column: c)
        }
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard bytes.count - i >= w.count, Array(bytes[i..<i + w.count]) == w else { throw error("invalid literal") }
        i += w.count
    }

    private mutating func number() throws -> String {
        let start = i
        if i < bytes.count && bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int {
            let s = i
            while i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
            return i - s
        }
        let intStart = i
        let n = digits()
        if n == 0 { i = start; throw error("invalid value") }
        if n > 1 && bytes[intStart] == 0x30 { i = start; throw error("leading zero in number") }
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            if digits() == 0 { throw error("invalid number") }
        }
        if i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            if digits() == 0 { throw error("invalid number") }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw error("unterminated string") }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw error("control character in string") }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw error("unterminated string") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw error("unpaired surrogate")
                }
                if code == 0 { throw error("NUL character in string") }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(code)!)).utf8))
            default: throw error("invalid escape")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - i >= 4 else { throw error("invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = HexDigit.value(bytes[i]) else { throw error("invalid \\u escape") }
            v = v * 16 + UInt32(d)
            i += 1
        }
        return v
    }

    private mutating func array() throws -> JSONValue {
        i += 1
        var items: [JSONNode] = []
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            guard i < bytes.count else { throw error("unterminated array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw error("expected ',' or ']'")
        }
    }

    private mutating func object() throws -> JSONValue {
        i += 1
        var pairs: [(key: String, node: JSONNode)] = []
        var seen: Set<String> = []
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a key string") }
            let keyLine = line, keyColumn = column
            let key = try string()
            if !seen.insert(key).inserted {
                throw DataError(file: file, line: keyLine, column: keyColumn, field: key, problem: "duplicate key", value: key)
            }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
            i += 1
            skipSpace()
            pairs.append((key, try value()))
            skipSpace()
            guard i < bytes.count else { throw error("unterminated object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            throw error("expected ',' or '}'")
        }
    }
}
