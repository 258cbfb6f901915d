import BillingCore

/// Builds entries of the hash-chained audit log `LEDGER/audit.jsonl`: one canonical JSON object
/// per line, each holding `prev`, the SHA-256 of the previous line (64 zeros for the first), and
/// `seq`, its position. Editing, removing, inserting or reordering any line breaks the chain.
public struct AuditLog {
    public static let genesis = String(repeating: "0", count: 64)
    public private(set) var lastHash: String
    public private(set) var nextSeq: Int
    /// The new lines, newline-terminated, ready to append.
    public private(set) var text = ""

    public init(lastHash: String, nextSeq: Int) {
        self.lastHash = lastHash
        self.nextSeq = nextSeq
    }

    /// The lines added since the last call, which it clears (the chain goes on).
    public mutating func takeText() -> String {
        defer { text = "" }
        return text
    }

    public mutating func add(_ kind: String, _ fields: [String: JSONNode]) {
        var all = fields
        all["kind"] = .string(kind)
        all["prev"] = .string(lastHash)
        all["seq"] = .int(nextSeq)
        let line = JSONWriter.compact(.object(all))
        lastHash = SHA256.hex(Array(line.utf8))
        nextSeq += 1
        text += line + "\n"
    }
}
