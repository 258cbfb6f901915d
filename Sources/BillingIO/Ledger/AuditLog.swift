import BillingCore

/// Builds entries of the hash-chained audit log `LEDGER/audit.jsonl`: one canonical JSON object
/// per line, each holding `prev`, the SHA-256 of the previous line (64 zeros for the first), and
/// `seq`, its position. Editing, removing, inserting or reordering any line breaks the chain.
public struct AuditLog {
    public static let genesis = String(repeating: "0", count: 64)
    public private(set) var lastHash: String
    public private(set) var nextSeq: Int
    /// The new lines, newline-terminated, ready to append (UTF-8).
    public private(set) var bytes: [UInt8] = []
    /// `bytes` as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public init(lastHash: String, nextSeq: Int) {
        self.lastHash = lastHash
        self.nextSeq = nextSeq
    }

    /// The `seq` of an entry's line (a positive integer), or nil if the line is not an entry.
    static func seq(ofLine line: [UInt8]) -> Int? {
        guard let entry = try? JSONParser.parse(line, file: "audit.jsonl"), case .number(let s) = entry["seq"]?.value, let n = Int(s), n > 0 else { return nil }
        return n
    }

    /// The lines added since the last call, which it clears (the chain goes on).
    public mutating func takeBytes() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }

    /// Adds an entry of `kind` with `fields` (which must not use the chain's own keys `kind`,
    /// `prev` and `seq`). Fields are written as literal pairs: no dictionary is built per entry.
    public mutating func add(_ kind: String, _ fields: KeyValuePairs<String, JSONNode>) {
        add(AuditLog.draft(kind, fields))
    }

    /// An entry rendered apart from the chain, on any thread: its canonical line in three pieces,
    /// around the values of `prev` and `seq`, which only the chain knows.
    public struct Draft: Sendable {
        let beforePrev: [UInt8]
        let beforeSeq: [UInt8]
        let after: [UInt8]
    }

    /// The draft of an entry of `kind` with `fields` (keys sorted as the canonical writer sorts
    /// them; `prev` always precedes `seq`).
    public static func draft(_ kind: String, _ fields: KeyValuePairs<String, JSONNode>) -> Draft {
        var pairs = fields.map { (key: $0.key, node: $0.value) }
        assert(!pairs.contains { ["kind", "prev", "seq"].contains($0.key) }, "audit fields may not override the chain's keys")
        pairs.append((key: "kind", node: .string(kind)))
        pairs.sort { JSONWriter.precedes($0.key, $1.key) }
        var pieces: [[UInt8]] = []
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(256)
        var chain = [("prev", true), ("seq", false)][...]
        func member(_ key: String) {
            if out.count > 1 || !pieces.isEmpty { out.append(UInt8(ascii: ",")) }
            JSONWriter.quote(key, into: &out)
            out.append(UInt8(ascii: ":"))
        }
        func chainKeys(before key: String?) {
            while let (name, quoted) = chain.first, key.map({ JSONWriter.precedes(name, $0) }) ?? true {
                chain.removeFirst()
                member(name)
                if quoted { out.append(UInt8(ascii: "\"")) }
                pieces.append(out)
                out = quoted ? [UInt8(ascii: "\"")] : []
            }
        }
        for pair in pairs {
            chainKeys(before: pair.key)
            member(pair.key)
            JSONWriter.write(pair.node.value, into: &out, indent: 0, pretty: false)
        }
        chainKeys(before: nil)
        out.append(UInt8(ascii: "}"))
        return Draft(beforePrev: pieces[0], beforeSeq: pieces[1], after: out)
    }

    /// Adds a drafted entry: the chain fills in `prev` and `seq`.
    public mutating func add(_ draft: Draft) {
        var line = draft.beforePrev
        line.reserveCapacity(draft.beforePrev.count + draft.beforeSeq.count + draft.after.count + 96)
        line += lastHash.utf8
        line += draft.beforeSeq
        line += String(nextSeq).utf8
        line += draft.after
        lastHash = SHA256.hex(line)
        nextSeq += 1
        bytes += line
        bytes.append(0x0A)
    }
}
