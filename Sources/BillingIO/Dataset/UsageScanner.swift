import BillingCore
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Streams `usage.csv` and sorts every row into accepted, rejected (with a reason), deferred
/// (after the run window), trial or duplicate (SPEC §5, §8), aggregating the accepted ones.
///
/// Two passes keep memory bounded by subscriptions × metrics × periods, not by events:
/// 1. `scan` splits the file at line breaks into one part per core; a `UsagePassOne` worker per
///    part checks each row as bytes (subscription and metric looked up in byte-keyed tables,
///    timestamp and quantity parsed in place, no `String` per field), finds its served period, and
///    appends the survivors to its spill partition of their event id. The tables it reads are
///    complete before it starts (served periods included), so the workers share them unlocked.
/// 2. `deduplicate` takes one partition at a time with the same partition of every earlier
///    contribution in the ledger: the first occurrence of an id counts (SPEC §8), a repeat with the
///    same content is a counted duplicate, one with other content is rejected. Counted events go
///    into their accumulators, and their ids to the contribution's `ids/` partition files.
public final class UsageScanner {
    /// Orders events for `last` across runs: this run's commit number in the high bits, the line below.
    let orderBase: Int64
    /// The ledger's contributions (bases), whose ids were billed by earlier runs.
    let committed: [String]
    public internal(set) var summary = UsageSummary()
    /// The runs of pass 2's rejected rows (conflicting repeats) in the scratch folder
    /// (`UsageRejectRuns`); pass 1's are in each part's spill.
    var lateRejectRuns: [String] = []
    public private(set) var unknownColumns: [String] = []
    /// Events counted by this run (accepted or deferred).
    public internal(set) var counted = 0

    /// The tables pass 1 reads.
    let lookup: UsageLookup
    /// The accumulators (filled by pass 2), in key order; a slot is an index into them (its
    /// `UsageKey` is built by `entry`).
    var counts = UsageCounts()
    /// The distinct `value`s kept (for `unique_count`), interned: a slot's values are a set of
    /// small integers, so their memory is per distinct value, not per event.
    var valueIndex = ByteKeyTable()
    /// Each interned value's rank in `valueOrder`'s order, and the value at each rank (`rankValues`).
    var valueRanks: [Int32] = []
    var valuesByRank: [Int32] = []
    /// Pass 2's workers' results, between `countPartitions` and `mergeCounts`, and the spill's
    /// removal and `sync` started after the first (with the removal's error, if it failed): set
    /// once, then only waited for, by `placeIDs` and `writeRejects` (on two threads).
    var passTwo: [PassTwo?] = []
    var writeback: Background<Error?>?
    /// Pass 1 reads its parts `partStep` bytes at a time, and a worker with nothing left takes
    /// over half of a part with at least `minimumTakeOver` bytes unread (`UsagePartBoard`): 8 MiB
    /// is about a tenth of a second of one worker's time, more than making a part costs.
    var partStep = 2 << 20
    var minimumTakeOver = 8 << 20
    /// Pass 2 takes a partition of more events than this in rounds, each holding about this many
    /// of its ids in memory at most (`UsageRound`, decision 61): a 256th of 134M events, so a
    /// month of up to about 134M events is deduplicated a partition at a time, and a worker's
    /// table holds about 2^19 ids (some 96 MB, at about 190 bytes an id) however many events a
    /// month has. It was 2^18 until decision 68: at 100M events the second round cost pass 2 a
    /// quarter of its time, and ingest's peak, set by the accumulators, did not move without it.
    var roundEvents = 1 << 19
    /// Pass 2 also takes a partition in rounds when earlier runs' indexes list more of its ids
    /// than this, so that a round holds this many of their hashes at most (decision 63): about
    /// 48 MB (12 bytes a hash), and a ledger of up to about 1,070M earlier events (a 256th of
    /// them a partition) takes no extra round.
    var roundEarlierIDs = 1 << 22
    /// The most rounds pass 2 took a partition in (set by `mergeCounts`).
    public internal(set) var rounds = 1
    /// The folder of pass 1's spills, one subfolder per part, and of pass 2's runs.
    let scratch: String
    let workers: Int
    /// Pass 1's parts whose rows count, in file order, with the lines before each and the global
    /// numbers of its interned values.
    var parts: [(worker: UsagePassOne, lineOffset: Int, values: [Int32])] = []

    /// The parts of `usage.csv` pass 1 counted (one per worker, and those taken over).
    public var partCount: Int { parts.count }

    /// One event's quantity when the file has no `quantity` (1, in units of 10^−9).
    static let one: Int128 = Int128(1) * pow10(UsageAccumulator.scale)

    /// - Parameters:
    ///   - scratch: a folder for the spill, removed by `writeRejects` or `discard`.
    ///   - workers: how many parts pass 1 splits the file into (at most).
    public init(
        catalog: Catalog, settings: BillingSettings, window: DateRange, committed: [String] = [], endedOn: [String: CivilDate] = [:],
        commitNumber: Int = 1, scratch: String, workers: Int = min(ProcessInfoLite.processors, 4)
    ) throws {
        self.committed = committed
        self.orderBase = Int64(commitNumber) << 40
        self.scratch = scratch
        self.workers = max(1, workers)
        lookup = try UsageLookup(catalog: catalog, settings: settings, window: window, endedOn: endedOn, workers: self.workers)
    }

    /// The catalog's subscriptions in id order (`Catalog.sortedSubscriptions`), as the usage
    /// lookup sorted them: for the normalised dataset, which would otherwise sort them again.
    public var subscriptionsInIDOrder: [Subscription] { lookup.subscriptions }

    /// The slots holding counted events, in key order (slots are in the order of their packed
    /// key: subscriptions, metrics and periods are each indexed in sorted order).
    public var sortedSlots: [Int] { counts.tallies.indices.filter { counts.tallies[$0].count > 0 } }

    /// A slot's key, aggregation state and distinct values (their bytes, in `valueOrder`'s order,
    /// through `valueRanks`: set by `mergeCounts`).
    public func entry(_ slot: Int) -> (key: UsageKey, accumulator: UsageAccumulator, values: [ArraySlice<UInt8>]) {
        let (sub, metric, start) = lookup.unpack(counts.keys[slot])
        let key = UsageKey(
            subscriptionID: lookup.subscriptions[sub].id, metric: lookup.metricNames[metric],
            period: DateRange(CivilDate(dayNumber: start), CivilDate(dayNumber: counts.ends[slot])))
        let ranks = counts.distinctValues(slot).map { valueRanks[Int($0)] }.sorted()
        return (key, counts.accumulator(slot), ranks.map { valueIndex.keys.key(Int(valuesByRank[Int($0)])) })
    }

    /// Ranks every distinct value kept, once, in `valueOrder`'s order (`valueRanks`,
    /// `valuesByRank`). The order restricted to a set of values is the order of that set alone (a
    /// set of ASCII values is in byte order either way), so each slot's values are then sorted as
    /// small integers, where comparing their bytes slot by slot took a tenth of ingest's write.
    func rankValues() {
        let order = UsageScanner.valueOrder((0..<valueIndex.count).map { valueIndex.keys.key($0) })
        valuesByRank = order.map { Int32($0) }
        valueRanks = [Int32](repeating: 0, count: order.count)
        for (rank, number) in order.enumerated() { valueRanks[number] = Int32(rank) }
    }

    /// The order of distinct values (valid UTF-8), as their indices: in the order of their text
    /// (`String`'s `<`), and values equal as text but not as bytes (canonically equivalent, such
    /// as a precomposed letter and the same letter with a combining accent) in the order of their
    /// bytes, so that the order never depends on a set's. Two values of ASCII bytes alone, nearly
    /// all, are compared as bytes without building their text: for them the two orders are the
    /// same. Only the others' texts are kept, so that one accented value among a month's values
    /// does not make every value's text.
    static func valueOrder(_ values: [ArraySlice<UInt8>]) -> [Int] {
        func bytesPrecede(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    let common = min(a.count, b.count)
                    let c = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                    return c != 0 ? c < 0 : a.count < b.count
                }
            }
        }
        let texts: [String?] = values.map { $0.allSatisfy { $0 < 0x80 } ? nil : String(decoding: $0, as: UTF8.self) }
        return values.indices.sorted { a, b in
            if texts[a] == nil && texts[b] == nil { return bytesPrecede(values[a], values[b]) }
            let ta = texts[a] ?? String(decoding: values[a], as: UTF8.self), tb = texts[b] ?? String(decoding: values[b], as: UTF8.self)
            return ta != tb ? ta < tb : bytesPrecede(values[a], values[b])
        }
    }

    // MARK: Pass 1

    struct Columns {
        var id = 0, subscription = 0, metric = 0, timestamp = 0
        var quantity: Int?
        var value: Int?
        var count = 0
    }

    func header(_ row: CSVRow, path: String) throws -> Columns {
        let header = (0..<row.count).map { row.lossyString($0) }
        var at: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if at[name] != nil { throw DataError(file: path, line: row.line, column: i + 1, field: name, problem: "duplicate column", value: name) }
            at[name] = i
        }
        for name in ["event_id", "subscription_id", "metric", "timestamp"] where at[name] == nil {
            throw DataError(file: path, line: 1, column: header.count + 1, field: name, problem: "missing required column", value: header.joined(separator: ","))
        }
        unknownColumns = header.filter { !["event_id", "subscription_id", "metric", "timestamp", "quantity", "value"].contains($0) }
        return Columns(
            id: at["event_id"]!, subscription: at["subscription_id"]!, metric: at["metric"]!, timestamp: at["timestamp"]!,
            quantity: at["quantity"], value: at["value"], count: header.count)
    }

    /// FNV-1a (64 bits) over the row's fields: tells a repeated event from a conflicting one.
    /// Part of the ledger's format (the ids files hold it).
    ///
    /// Also returns the state after the first field's bytes, which is that field's own FNV-1a:
    /// when the first column is `event_id`, `ByteKeyTable.finalized` of it is the id's hash,
    /// so the id's bytes are not hashed a second time (FNV-1a waits on a multiplication per byte).
    ///
    /// This is the definition, one row at a time; pass 1 computes the same values four rows at a
    /// time (`UsageBatch.hashRows`), and a test holds the two to each other.
    static func fingerprint(_ row: CSVRow) -> (row: UInt64, firstField: UInt64) {
        var h = ByteKeyTable.fnvBasis
        var first = h
        for i in 0..<row.count {
            for b in row.bytes(i) { h = ByteKeyTable.fnvStep(h, b) }
            if i == 0 { first = h }
            h = ByteKeyTable.fnvStep(h, 0x1f)
        }
        return (h, first)
    }
}
