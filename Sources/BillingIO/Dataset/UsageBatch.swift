/// Rows of `usage.csv` that a pass-1 worker has read but not checked yet: each row's bytes, copied
/// out of the parser's buffer, with where its fields lie, its line and field count, and (once
/// `computeFingerprints` ran) its content fingerprint. Holding a few hundred rows lets the worker
/// look up all their subscriptions one after another, so that the cache misses of those lookups
/// overlap instead of stalling each row in turn, and hash four rows at once.
struct UsageBatch: ~Copyable {
    /// The fields kept of a row, in this order.
    enum Field: Int, CaseIterable {
        case id, subscription, metric, timestamp, quantity, value
    }

    static let fieldCount = Field.allCases.count
    /// The rows a batch holds before it is checked.
    static let capacity = 256

    /// The rows' bytes, with one byte to spare past `arenaSize` (see `lockstepFingerprints`).
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaSize: Int
    private var used = 0
    /// Per row, per kept field: its start and end in the arena.
    private var spans: [Int] = []
    /// Per row: where it starts in the arena, and where its field ends start in `ends`.
    private var rowStarts: [Int] = []
    private var firstEnds: [Int] = []
    /// Every field's end in the arena, row after row.
    private var ends: [Int] = []
    private(set) var lines: [Int] = []
    private(set) var fieldCounts: [Int] = []
    private(set) var fingerprints: [UInt64] = []

    init() {
        arenaSize = 1 << 16
        arena = .allocate(capacity: arenaSize + 1)
        arena.initialize(repeating: 0, count: arenaSize + 1)
        spans.reserveCapacity(UsageBatch.capacity * UsageBatch.fieldCount * 2)
        rowStarts.reserveCapacity(UsageBatch.capacity)
        firstEnds.reserveCapacity(UsageBatch.capacity)
        ends.reserveCapacity(UsageBatch.capacity * 8)
        lines.reserveCapacity(UsageBatch.capacity)
        fieldCounts.reserveCapacity(UsageBatch.capacity)
        fingerprints.reserveCapacity(UsageBatch.capacity)
    }

    deinit { arena.deallocate() }

    var count: Int { lines.count }
    var isFull: Bool { lines.count == UsageBatch.capacity }

    /// Copies `row` (all its bytes, in one piece) and notes where the fields found at `columns` lie
    /// (an absent column, or one past the row's fields, is kept empty), unless the row does not fit
    /// beside the rows held: then nothing is added and the rows held must be checked first. An
    /// empty batch takes any row (it grows).
    @discardableResult
    mutating func add(_ row: CSVRow, columns: [Int?]) -> Bool {
        let size = row.buffer.count
        if size > arenaSize - used {
            if used > 0 { return false }
            arena.deallocate()
            arenaSize = max(arenaSize * 2, size)
            arena = .allocate(capacity: arenaSize + 1)
            arena.initialize(repeating: 0, count: arenaSize + 1)
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
        rowStarts.append(used)
        firstEnds.append(ends.count)
        for c in 0..<row.count { ends.append(used + row.ends[c]) }
        used += size
        lines.append(row.line)
        fieldCounts.append(row.count)
        return true
    }

    /// Computes every row's fingerprint (`UsageScanner.fingerprint`: FNV-1a over its fields),
    /// or 0 for a row without `fieldCount` fields (it is rejected as malformed). FNV-1a waits on
    /// one multiplication per byte; four rows hashed in lockstep keep four going at once.
    mutating func computeFingerprints(fieldCount: Int) {
        fingerprints.removeAll(keepingCapacity: true)
        var k = 0
        while k < count {
            if k + 4 <= count && fieldCounts[k..<(k + 4)].allSatisfy({ $0 == fieldCount }) {
                let (a, b, c, d) = lockstepFingerprints(from: k, fieldCount: fieldCount)
                fingerprints += [a, b, c, d]
                k += 4
            } else {
                fingerprints.append(fieldCounts[k] == fieldCount ? fingerprint(k) : 0)
                k += 1
            }
        }
    }

    /// The start and length of field `f` of row `k`.
    @inline(__always) private func field(_ k: Int, _ f: Int) -> (start: Int, length: Int) {
        let start = f == 0 ? rowStarts[k] : ends[firstEnds[k] + f - 1]
        return (start, ends[firstEnds[k] + f] - start)
    }

    /// Row `k`'s fingerprint, one byte after another.
    private func fingerprint(_ k: Int) -> UInt64 {
        var h = UsageScanner.fnvBasis
        for f in 0..<fieldCounts[k] {
            let (start, length) = field(k, f)
            for j in 0..<length { h = (h ^ UInt64(arena[start + j])) &* UsageScanner.fnvPrime }
            h = (h ^ UsageScanner.fieldSeparator) &* UsageScanner.fnvPrime
        }
        return h
    }

    /// The fingerprints of rows `k` to `k + 3`, field by field: each byte step advances the four
    /// hashes whose field is that long. A row whose field is shorter reads its field's first byte
    /// (or the spare byte after the arena, for an empty last field) and keeps its hash.
    private func lockstepFingerprints(from k: Int, fieldCount: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        let prime = UsageScanner.fnvPrime
        var h0 = UsageScanner.fnvBasis, h1 = h0, h2 = h0, h3 = h0
        for f in 0..<fieldCount {
            let (s0, l0) = field(k, f), (s1, l1) = field(k + 1, f), (s2, l2) = field(k + 2, f), (s3, l3) = field(k + 3, f)
            for j in 0..<max(max(l0, l1), max(l2, l3)) {
                let b0 = UInt64(arena[s0 + (j < l0 ? j : 0)]), b1 = UInt64(arena[s1 + (j < l1 ? j : 0)])
                let b2 = UInt64(arena[s2 + (j < l2 ? j : 0)]), b3 = UInt64(arena[s3 + (j < l3 ? j : 0)])
                h0 = j < l0 ? (h0 ^ b0) &* prime : h0
                h1 = j < l1 ? (h1 ^ b1) &* prime : h1
                h2 = j < l2 ? (h2 ^ b2) &* prime : h2
                h3 = j < l3 ? (h3 ^ b3) &* prime : h3
            }
            let sep = UsageScanner.fieldSeparator
            h0 = (h0 ^ sep) &* prime
            h1 = (h1 ^ sep) &* prime
            h2 = (h2 ^ sep) &* prime
            h3 = (h3 ^ sep) &* prime
        }
        return (h0, h1, h2, h3)
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
        rowStarts.removeAll(keepingCapacity: true)
        firstEnds.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        fieldCounts.removeAll(keepingCapacity: true)
        fingerprints.removeAll(keepingCapacity: true)
    }
}
