import BillingCore

/// One worker of ingest's first pass over `usage.csv`: it reads one part of the file (a byte
/// range starting at a line break) with its own libcsv parser, checks every row as bytes against
/// the scanner's read-only tables, and appends the survivors to its own spill. Its line numbers
/// count from the start of its part; pass 2 adds the lines before the part.
final class UsagePassOne {
    /// The scanner's tables (shared storage, read only).
    let lookup: UsageLookup
    let columns: UsageScanner.Columns
    let reader: CSVReader
    let spill: UsageSpill
    /// Where its part starts and ends in the file.
    let start: Int
    var end: Int
    var rows = 0
    var rejected = 0
    var trial = 0
    /// The distinct `value`s it kept (for `unique_count`), interned: the spill holds their numbers.
    var valueIndex = ByteKeyTable()
    /// The error that stopped it (a data error names a line of its part).
    var failure: Error?
    /// A sum of what `check` reads ahead of each batch, kept only so that the reads stay.
    private var recordsRead: UInt64 = 0
    /// Rows read and not checked yet, and the batch's subscription hashes and indexes (one per
    /// row the batch holds; raw buffers, written without an array's uniqueness check each time).
    private var batch: UsageBatch
    private let hashes: UnsafeMutablePointer<UInt64>
    private let subs: UnsafeMutablePointer<Int>
    /// Served periods of its rows dated over a year ahead, see `UsageLookup.FarPeriods`.
    private var far = UsageLookup.FarPeriods()
    private var sawHeader: Bool
    /// `UsageLookup.latestDay`, held here: a static computed once is checked (`swift_once`) at
    /// each read, which took 1.4 % of ingest's time read once a row.
    private let latestDay = UsageLookup.latestDay
    /// `UsageScanner.one`, held here for the same reason (0.5 % of pass 1's samples were its
    /// `swift_once`).
    private let one = UsageScanner.one

    init(lookup: UsageLookup, columns: UsageScanner.Columns, path: String, start: Int, end: Int, spill: String) throws {
        self.lookup = lookup
        self.columns = columns
        batch = UsageBatch(
            width: columns.count, columns: [columns.id, columns.subscription, columns.metric, columns.timestamp, columns.quantity, columns.value])
        self.start = start
        self.end = end
        sawHeader = start > 0
        reader = try CSVReader(path: path, displayPath: "usage.csv", offset: start)
        self.spill = try UsageSpill(folder: spill, dayBase: lookup.windowEnd)
        // Allocated once nothing can throw, so that `deinit` frees them.
        hashes = .allocate(capacity: UsageBatch.capacity)
        subs = .allocate(capacity: UsageBatch.capacity)
    }

    deinit {
        hashes.deallocate()
        subs.deallocate()
    }

    /// Reads its part up to `end` (the first part skips the header).
    func read(upTo end: Int) throws {
        try reader.read(upTo: end) { row in
            guard sawHeader else {
                sawHeader = true
                return
            }
            try take(row)
        }
        try check()
    }

    /// Reads the rest of the file after its part (when the next part did not start on a record).
    func finish() throws {
        try reader.finish { row in try take(row) }
        try check()
        try spill.finish()
    }

    func take(_ row: CSVRow) throws {
        rows += 1
        if !batch.add(row) {
            try check()
            batch.add(row)
        }
        if batch.isFull { try check() }
        if rows % 5_000_000 == 0 { Console.error("ingest: \(rows) usage rows read by a worker") }
    }

    /// Checks the rows taken so far, in order. Their subscriptions are looked up first, all of
    /// them, then their records read, all of them: each lookup misses the caches (100k
    /// subscriptions do not fit), and misses of independent loads overlap, where one row at a
    /// time waited for each in turn.
    func check() throws {
        let n = batch.count
        guard n > 0 else { return }
        batch.hashRows(idColumn: columns.id)
        for k in 0..<n {
            hashes[k] = batch.fieldCounts[k] == columns.count ? ByteKeyTable.hash(UnsafeRawBufferPointer(batch.bytes(k, .subscription))) : 0
        }
        // The first probe slot of every row, read in a loop of loads alone: their misses overlap
        // as far as the CPU allows, where the lookups' loop, branching on each slot, overlapped few.
        var probed: Int32 = 0
        for k in 0..<n { probed &+= lookup.subscriptionIndex.firstProbe(hashes[k]) }
        recordsRead &+= UInt64(truncatingIfNeeded: probed)
        for k in 0..<n {
            let found = batch.fieldCounts[k] == columns.count
                ? lookup.subscriptionIndex.find(UnsafeRawBufferPointer(batch.bytes(k, .subscription)), hash: hashes[k]) : nil
            subs[k] = found ?? -1
        }
        // Each record is read whole here, so that `classify` finds it in the cache.
        var read: UInt64 = 0
        for k in 0..<n where subs[k] >= 0 {
            let h = lookup.hot[subs[k]]
            if !h.hasPlan { subs[k] = -1 }
            read &+= h.metrics &+ UInt64(truncatingIfNeeded: h.nearStart0)
        }
        recordsRead &+= read
        for k in 0..<n {
            if let reason = try classify(k, sub: subs[k]) {
                rejected += 1
                try spill.addReject(line: batch.lines[k], eventID: batch.bytes(k, .id), reason: reason)
            }
        }
        batch.removeAll()
    }

    /// `UsageLookup.servedPeriod`, for a row whose period is not one of the near two: out of line,
    /// so that the copy of the lookup its `inout` argument costs is made for such rows alone.
    @inline(never) private func farPeriod(of sub: Int, on day: Int) -> (start: Int, end: Int)? {
        lookup.servedPeriod(of: sub, on: day, far: &far)
    }

    /// Nil if row `k` of the batch is counted, spilled or in a trial; else the reason it is
    /// rejected. `sub` is its subscription's index, or −1 if it has none in the catalog (or its
    /// plan is not).
    func classify(_ k: Int, sub: Int) throws -> String? {
        let c = columns
        guard batch.fieldCounts[k] == c.count else { return "malformed row: \(batch.fieldCounts[k]) fields, header has \(c.count)" }
        let id = batch.bytes(k, .id)
        guard Identifier.isValid(id) else { return "malformed event_id" }
        guard sub >= 0 else { return "unknown subscription" }
        guard let metric = lookup.metric(of: sub, named: UnsafeRawBufferPointer(batch.bytes(k, .metric))) else {
            return "unknown metric for this subscription's plan"
        }
        guard let instant = Timestamp.instant(batch.bytes(k, .timestamp)) else { return "malformed timestamp" }
        var quantity: Int128 = one
        let q = batch.bytes(k, .quantity)
        if let whole = ExactDecimal.wholeNumber(q) {
            quantity = Int128(whole) &* one  // below 10^18 × 10^9: no overflow
        } else if q.count > 0 {
            guard let value = ExactDecimal.parse(bytes: q, maxDecimals: UsageAccumulator.scale) else { return "malformed quantity" }
            if value.isNegative { return "negative quantity" }
            guard let scaled = try? value.rescaled(to: UsageAccumulator.scale) else { return "quantity too large" }
            quantity = scaled
        }
        var value = -1
        let bytes = batch.bytes(k, .value)
        if bytes.count > 0 {
            // ASCII (the usual case) is valid as it is; anything else is checked by building the text.
            let ascii = bytes.allSatisfy { $0 < 0x80 }
            guard !bytes.contains(0), ascii || String(validUTF8: bytes) != nil else { return "value is not valid UTF-8 text or contains a NUL byte" }
            if lookup.keepsValues(sub, metric) {
                let raw = UnsafeRawBufferPointer(bytes)
                value = valueIndex.insert(raw, hash: ByteKeyTable.hash(raw)).index
            }
        }
        let day = Timestamp.dayNumber(epochSeconds: instant.seconds, offsetMinutes: lookup.settings.timezoneOffsetMinutes)
        if day > latestDay { return UsageLookup.tooLate }
        let h = lookup.hot[sub]
        if day < Int(h.start) { return "outside every served period" }
        if day < Int(h.firstPaid) && day < Int(h.cancel) {
            trial += 1
            return nil
        }
        // No served period reaches the cancel date: rows of a cancelled subscription dated after
        // it are rejected without searching its periods (a cache miss or more each).
        if day >= Int(h.cancel) { return "outside every served period" }
        guard let period = UsageLookup.nearPeriod(h, on: day) ?? farPeriod(of: sub, on: day) else { return "outside every served period" }
        let event = SpilledEvent(
            hash: batch.idHashes[k], fingerprint: batch.fingerprints[k], line: batch.lines[k],
            quantity: quantity, seconds: instant.seconds, nanos: instant.nanos, key: lookup.key(sub, metric, period.start), periodEnd: period.end,
            deferred: day >= lookup.windowEnd, value: value, id: 0..<0, slot: lookup.denseSlot(h, metric: metric, period: period))
        try spill.add(event, id: id)
        return nil
    }
}
