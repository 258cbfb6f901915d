/// Rows of `usage.csv` that a pass-1 worker has read but not checked yet: each row's bytes, copied
/// out of the parser's buffer, with where its fields lie, its line and field count, and (once
/// `hashRows` has run) its content fingerprint and event id's hash. Holding a few hundred rows lets
/// the worker look up all their subscriptions one after another, so that the cache misses of
/// those lookups overlap instead of stalling each row in turn, and hash four rows at once.
///
/// Its per-row storage is fixed (`capacity` rows) and held in raw buffers: a row's bookkeeping is
/// a few stores, without the uniqueness and capacity checks of an `Array` append (they were about
/// a tenth of pass 1's instructions).
struct UsageBatch: ~Copyable {
    /// The fields kept of a row, in this order.
    enum Field: Int, CaseIterable {
        case id, subscription, metric, timestamp, quantity, value
    }

    static let fieldCount = Field.allCases.count
    /// The rows a batch holds before it is checked.
    static let capacity = 256

    /// The header's width: only a row of this many fields is hashed (any other is rejected).
    let width: Int
    /// Per kept field (`Field` order), its column, or −1 for a column the file lacks.
    private let kept: UnsafeMutablePointer<Int>
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaSize: Int
    private var used = 0
    /// Per row, per kept field: its start and end in the arena.
    private let spans: UnsafeMutablePointer<Int>
    /// Per row: where it starts in the arena, and (for a row of the header's width) where each of
    /// its fields ends.
    private let rowStarts: UnsafeMutablePointer<Int>
    private let fieldEnds: UnsafeMutablePointer<Int>
    private let lineStore: UnsafeMutablePointer<Int>
    private let fieldCountStore: UnsafeMutablePointer<Int>
    private let fingerprintStore: UnsafeMutablePointer<UInt64>
    private let idHashStore: UnsafeMutablePointer<UInt64>
    /// The rows held.
    private(set) var count = 0

    /// A batch of rows `width` fields wide, keeping the fields at `columns` (in `Field` order;
    /// nil for a column the file lacks).
    init(width: Int, columns: [Int?]) {
        precondition(columns.count == UsageBatch.fieldCount, "one column per kept field")
        self.width = width
        kept = .allocate(capacity: UsageBatch.fieldCount)
        for (f, column) in columns.enumerated() { kept[f] = column ?? -1 }
        arenaSize = 1 << 16
        arena = .allocate(capacity: arenaSize)
        let rows = UsageBatch.capacity
        spans = .allocate(capacity: rows * UsageBatch.fieldCount * 2)
        rowStarts = .allocate(capacity: rows)
        fieldEnds = .allocate(capacity: rows * max(width, 1))
        lineStore = .allocate(capacity: rows)
        fieldCountStore = .allocate(capacity: rows)
        fingerprintStore = .allocate(capacity: rows)
        idHashStore = .allocate(capacity: rows)
    }

    deinit {
        kept.deallocate()
        arena.deallocate()
        spans.deallocate()
        rowStarts.deallocate()
        fieldEnds.deallocate()
        lineStore.deallocate()
        fieldCountStore.deallocate()
        fingerprintStore.deallocate()
        idHashStore.deallocate()
    }

    var isFull: Bool { count == UsageBatch.capacity }
    /// Per row: its line, its number of fields, and (after `hashRows`) its fingerprint
    /// (`UsageScanner.fingerprint`) and its event id's hash (`ByteKeyTable.hash`), both 0 for a
    /// row not of the header's width.
    var lines: UnsafePointer<Int> { UnsafePointer(lineStore) }
    var fieldCounts: UnsafePointer<Int> { UnsafePointer(fieldCountStore) }
    var fingerprints: UnsafePointer<UInt64> { UnsafePointer(fingerprintStore) }
    var idHashes: UnsafePointer<UInt64> { UnsafePointer(idHashStore) }

    /// Copies `row` (all its bytes, in one piece) and notes where its fields lie, the kept ones
    /// found at their columns (an absent column, or one past the row's fields, is kept empty),
    /// unless the row does not fit beside the rows held: then nothing is added and the rows held
    /// must be checked first. An empty batch takes any row (it grows). The batch must not be full.
    /// Its offsets are added unchecked: they index the arena, far below overflow.
    @discardableResult
    mutating func add(_ row: CSVRow) -> Bool {
        precondition(count < UsageBatch.capacity, "a full batch is checked before it takes a row")
        let size = row.buffer.count
        if size > arenaSize - used {
            if used > 0 { return false }
            arena.deallocate()
            arenaSize = max(arenaSize * 2, size)
            arena = .allocate(capacity: arenaSize)
        }
        if let base = row.buffer.baseAddress, size > 0 { (arena + used).update(from: base, count: size) }
        let k = count
        let n = row.count
        let at = used
        var s = spans + k &* (UsageBatch.fieldCount &* 2)
        // A row of no fields (never delivered by the reader) has no ends, and every kept field empty.
        let ends = row.ends.baseAddress
        for f in 0..<UsageBatch.fieldCount {
            let c = kept[f]
            if c >= 0 && c < n {
                s[0] = at &+ (c == 0 ? 0 : ends.unsafelyUnwrapped[c &- 1])
                s[1] = at &+ ends.unsafelyUnwrapped[c]
            } else {
                s[0] = at
                s[1] = at
            }
            s += 2
        }
        if n == width && n > 0 {
            let rowEnds = fieldEnds + k &* width
            for f in 0..<width { rowEnds[f] = at &+ ends.unsafelyUnwrapped[f] }
        }
        rowStarts[k] = at
        used = at &+ size
        lineStore[k] = row.line
        fieldCountStore[k] = n
        count = k &+ 1
        return true
    }

    /// The bytes of `field` of row `k`, valid until the batch is emptied.
    @inline(__always) func bytes(_ k: Int, _ field: Field) -> UnsafeBufferPointer<UInt8> {
        let i = (k * UsageBatch.fieldCount + field.rawValue) * 2
        return UnsafeBufferPointer(start: arena + spans[i], count: spans[i + 1] - spans[i])
    }

    /// Sets every row's fingerprint and event id hash (0 for a row not of the header's width).
    /// FNV-1a waits on a multiplication per byte, one row's bytes after another: four rows are
    /// hashed side by side, so that the CPU runs their multiplications at once. When the id is
    /// the first column, its hash is the FNV-1a state after the first field, finalised
    /// (`UsageScanner.fingerprint`); otherwise it is hashed on its own.
    mutating func hashRows(idColumn: Int) {
        var g = (0, 0, 0, 0)
        var n = 0
        for k in 0..<count {
            guard fieldCountStore[k] == width && width > 0 else {
                fingerprintStore[k] = 0
                idHashStore[k] = 0
                continue
            }
            switch n {
            case 0: g.0 = k
            case 1: g.1 = k
            case 2: g.2 = k
            default: g.3 = k
            }
            n += 1
            if n == 4 {
                hash4(g.0, g.1, g.2, g.3)
                n = 0
            }
        }
        // A last group of fewer than four repeats its last row (hashed again, the same result).
        switch n {
        case 1: hash4(g.0, g.0, g.0, g.0)
        case 2: hash4(g.0, g.1, g.1, g.1)
        case 3: hash4(g.0, g.1, g.2, g.2)
        default: break
        }
        if idColumn != 0 {
            for k in 0..<count where fieldCountStore[k] == width && width > 0 {
                idHashStore[k] = ByteKeyTable.hash(UnsafeRawBufferPointer(bytes(k, .id)))
            }
        }
    }

    /// `UsageScanner.fingerprint` of rows a, b, c and d (of the header's width), interleaved.
    /// The bytes are walked through pointers: indexes (`p[s0 + i]`) added with overflow checks,
    /// four per byte position, took about a third of its instructions.
    private func hash4(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
        let step = ByteKeyTable.fnvStep
        let p = UnsafePointer(arena)
        var h0 = ByteKeyTable.fnvBasis, h1 = h0, h2 = h0, h3 = h0
        var f0: UInt64 = 0, f1: UInt64 = 0, f2: UInt64 = 0, f3: UInt64 = 0
        var q0 = p + rowStarts[a], q1 = p + rowStarts[b], q2 = p + rowStarts[c], q3 = p + rowStarts[d]
        for f in 0..<width {
            let e0 = p + fieldEnds[a * width + f], e1 = p + fieldEnds[b * width + f]
            let e2 = p + fieldEnds[c * width + f], e3 = p + fieldEnds[d * width + f]
            let m = min(e0 - q0, e1 - q1, e2 - q2, e3 - q3)
            var i = 0
            while i < m {
                h0 = step(h0, q0[i])
                h1 = step(h1, q1[i])
                h2 = step(h2, q2[i])
                h3 = step(h3, q3[i])
                i &+= 1
            }
            q0 += m
            q1 += m
            q2 += m
            q3 += m
            UsageBatch.hashRest(&h0, &q0, e0)
            UsageBatch.hashRest(&h1, &q1, e1)
            UsageBatch.hashRest(&h2, &q2, e2)
            UsageBatch.hashRest(&h3, &q3, e3)
            if f == 0 { (f0, f1, f2, f3) = (h0, h1, h2, h3) }
            h0 = step(h0, 0x1f)
            h1 = step(h1, 0x1f)
            h2 = step(h2, 0x1f)
            h3 = step(h3, 0x1f)
        }
        fingerprintStore[a] = h0
        fingerprintStore[b] = h1
        fingerprintStore[c] = h2
        fingerprintStore[d] = h3
        idHashStore[a] = ByteKeyTable.finalized(f0)
        idHashStore[b] = ByteKeyTable.finalized(f1)
        idHashStore[c] = ByteKeyTable.finalized(f2)
        idHashStore[d] = ByteKeyTable.finalized(f3)
    }

    /// Hashes into `h` the bytes from `q` up to `end` (the rest of one row's field), moving `q` there.
    @inline(__always) private static func hashRest(_ h: inout UInt64, _ q: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) {
        while q < end {
            h = ByteKeyTable.fnvStep(h, q.pointee)
            q += 1
        }
    }

    /// Forgets every row (the arena is reused).
    mutating func removeAll() {
        used = 0
        count = 0
    }
}
