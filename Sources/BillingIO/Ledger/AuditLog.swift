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

    /// The lines added since the last call, which it clears (the chain goes on).
    public mutating func takeBytes() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }

    /// Adds an entry of `kind` with `fields` (which must not use the chain's own keys `kind`,
    /// `prev` and `seq`). Fields are written as literal pairs: no dictionary is built per entry.
    public mutating func add(_ kind: String, _ fields: KeyValuePairs<String, JSONNode>) {
        var pairs = fields.map { (key: $0.key, node: $0.value) }
        assert(!pairs.contains { ["kind", "prev", "seq"].contains($0.key) }, "audit fields may not override the chain's keys")
        pairs += [("kind", .string(kind)), ("prev", .string(lastHash)), ("seq", .int(nextSeq))]
        let line = JSONWriter.compactBytes(JSONNode(.object(pairs)))
        lastHash = SHA256.hex(line)
        nextSeq += 1
        bytes += line
        bytes.append(0x0A)
    }
}
