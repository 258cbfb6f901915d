/// Rows of `usage.csv` that a pass-1 worker has read but not checked yet: each row's bytes, copied
/// out of the parser's buffer, with where the six fields it checks lie, its line, field count,
/// content fingerprint and event id's hash. Holding a few hundred rows lets the worker look up
/// all their subscriptions one after another, so that the cache misses of those lookups overlap
/// instead of stalling each row in turn.
struct UsageBatch: ~Copyable {
    /// The fields kept of a row, in this order.
    enum Field: Int, CaseIterable {
        case id, subscription, metric, timestamp, quantity, value
    }

    static let fieldCount = Field.allCases.count
    /// The rows a batch holds before it is checked.
    static let capacity = 256

    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaSize: Int
    private var used = 0
    /// Per row, per field: its start and end in the arena.
    private var spans: [Int] = []
    private(set) var lines: [Int] = []
    private(set) var fieldCounts: [Int] = []
    private(set) var fingerprints: [UInt64] = []
    /// Per row, its event id's hash (`ByteKeyTable.hash`; 0 for a row not of the header's width).
    private(set) var idHashes: [UInt64] = []

    init() {
        arenaSize = 1 << 16
        arena = .allocate(capacity: arenaSize)
        spans.reserveCapacity(UsageBatch.capacity * UsageBatch.fieldCount * 2)
        lines.reserveCapacity(UsageBatch.capacity)
        fieldCounts.reserveCapacity(UsageBatch.capacity)
        fingerprints.reserveCapacity(UsageBatch.capacity)
        idHashes.reserveCapacity(UsageBatch.capacity)
    }

    deinit { arena.deallocate() }

    var count: Int { lines.count }
    var isFull: Bool { lines.count == UsageBatch.capacity }

    /// Copies `row` (all its bytes, in one piece) and notes where the fields found at `columns` lie
    /// (an absent column, or one past the row's fields, is kept empty), unless the row does not fit
    /// beside the rows held: then nothing is added and the rows held must be checked first. An
    /// empty batch takes any row (it grows).
    @discardableResult
    mutating func add(_ row: CSVRow, columns: [Int?], fingerprint: UInt64, idHash: UInt64) -> Bool {
        let size = row.buffer.count
        if size > arenaSize - used {
            if used > 0 { return false }
            arena.deallocate()
            arenaSize = max(arenaSize * 2, size)
            arena = .allocate(capacity: arenaSize)
        }
        if let base = row.buffer.baseAddress, size > 0 { (arena + used).update(from: base, count: size) }
        for column in columns {
            if let c = column, c < row.count {
                spans.append(used + (c == 0 ? 0 : row.ends[c - 1]))
                spans.append(used + row.ends[c])
            } else {
                spans.append(used)
                spans.append(used)
            }
        }
        used += size
        lines.append(row.line)
        fieldCounts.append(row.count)
        fingerprints.append(fingerprint)
        idHashes.append(idHash)
        return true
    }

    /// The bytes of `field` of row `k`, valid until the batch is emptied.
    func bytes(_ k: Int, _ field: Field) -> UnsafeBufferPointer<UInt8> {
        let i = (k * UsageBatch.fieldCount + field.rawValue) * 2
        return UnsafeBufferPointer(start: arena + spans[i], count: spans[i + 1] - spans[i])
    }

    /// Forgets every row (the arena is reused).
    mutating func removeAll() {
        used = 0
        spans.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        fieldCounts.removeAll(keepingCapacity: true)
        fingerprints.removeAll(keepingCapacity: true)
        idHashes.removeAll(keepingCapacity: true)
    }
}
