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
    private var sawHeader: Bool

    init(lookup: UsageLookup, columns: UsageScanner.Columns, path: String, start: Int, end: Int, spill: String) throws {
        self.lookup = lookup
        self.columns = columns
        self.start = start
        self.end = end
        sawHeader = start > 0
        reader = try CSVReader(path: path, displayPath: "usage.csv", offset: start)
        self.spill = try UsageSpill(folder: spill)
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
    }

    /// Reads the rest of the file after its part (when the next part did not start on a record).
    func finish() throws {
        try reader.finish { row in try take(row) }
        try spill.finish()
    }

    func take(_ row: CSVRow) throws {
        rows += 1
        if let reason = try classify(row) {
            rejected += 1
            let id = columns.id < row.count ? row.lossyString(columns.id) : ""
            try spill.addReject(UsageReject(file: "usage.csv", line: row.line, eventID: id, reason: reason))
        }
        if rows % 5_000_000 == 0 { Console.error("ingest: \(rows) usage rows read by a worker") }
    }

    /// Nil if the row is counted, spilled or in a trial; else the reason it is rejected.
    func classify(_ row: CSVRow) throws -> String? {
        let c = columns
        guard row.count == c.count else { return "malformed row: \(row.count) fields, header has \(c.count)" }
        let id = row.bytes(c.id)
        guard Identifier.isValid(id) else { return "malformed event_id" }
        let subBytes = UnsafeRawBufferPointer(row.bytes(c.subscription))
        guard let sub = lookup.subscriptionIndex.find(subBytes, hash: ByteKeyTable.hash(subBytes)), lookup.hot[sub].hasPlan else {
            return "unknown subscription"
        }
        let metricBytes = UnsafeRawBufferPointer(row.bytes(c.metric))
        guard let metric = lookup.metricIndex.find(metricBytes, hash: ByteKeyTable.hash(metricBytes)), lookup.hasMetric(sub, metric) else {
            return "unknown metric for this subscription's plan"
        }
        guard let instant = Timestamp.instant(row.bytes(c.timestamp)) else { return "malformed timestamp" }
        var quantity: Int128 = UsageScanner.one
        if let q = c.quantity, row.bytes(q).count > 0 {
            guard let value = ExactDecimal.parse(bytes: row.bytes(q), maxDecimals: UsageAccumulator.scale) else { return "malformed quantity" }
            if value.isNegative { return "negative quantity" }
            guard let scaled = try? value.rescaled(to: UsageAccumulator.scale) else { return "quantity too large" }
            quantity = scaled
        }
        var value = -1
        if let v = c.value, row.bytes(v).count > 0 {
            let bytes = row.bytes(v)
            // ASCII (the usual case) is valid as it is; anything else is checked by building the text.
            let ascii = bytes.allSatisfy { $0 < 0x80 }
            guard !bytes.contains(0), ascii || String(validUTF8: bytes) != nil else { return "value is not valid UTF-8" }
            if lookup.keepsValues(sub, metric) {
                let raw = UnsafeRawBufferPointer(bytes)
                value = valueIndex.insert(raw, hash: ByteKeyTable.hash(raw)).index
            }
        }
        let day = Timestamp.dayNumber(epochSeconds: instant.seconds, offsetMinutes: lookup.settings.timezoneOffsetMinutes)
        let h = lookup.hot[sub]
        if day < Int(h.start) { return "outside every served period" }
        if day < Int(h.firstPaid) && day < Int(h.cancel) {
            trial += 1
            return nil
        }
        guard let periodStart = lookup.servedPeriodStart(of: sub, on: day) else { return "outside every served period" }
        let event = SpilledEvent(
            hash: ByteKeyTable.hash(UnsafeRawBufferPointer(id)), fingerprint: UsageScanner.fingerprint(row), line: row.line,
            quantity: quantity, seconds: instant.seconds, nanos: instant.nanos, key: UsageLookup.key(sub, metric, periodStart),
            deferred: day >= lookup.windowEnd, value: value, id: 0..<0)
        try spill.add(event, id: id)
        return nil
    }
}
