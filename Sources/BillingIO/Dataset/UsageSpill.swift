#if canImport(Glibc)
    import Glibc
#endif

/// One usage event as ingest's first pass leaves it for deduplication: where it goes (its
/// accumulator's key), what it adds, and its id and content fingerprint.
struct SpilledEvent {
    var hash: UInt64
    var fingerprint: UInt64
    /// The line in the part of `usage.csv` its pass-1 worker read (made absolute in pass 2).
    var line: Int
    var quantity: Int128
    var seconds: Int
    var nanos: Int
    /// Its accumulator: subscription, metric and served period, see `UsageLookup.key`.
    var key: Int
    /// The first day after its served period (a day number): carried so that the period's dates
    /// need no second look-up (one past the computed periods costs tens of microseconds).
    var periodEnd: Int
    var deferred: Bool
    /// The `value` interned by its pass-1 worker (−1: none kept), see `UsagePassOne.valueIndex`.
    var value: Int
    /// The byte range of the id in the partition's buffer.
    var id: Range<Int>
    /// Its accumulator's dense slot (`UsageLookup.denseSlot`), or −1: then `key` and `periodEnd`
    /// name it. A dense event's `key` and `periodEnd` are not spilled (read back as −1 and 0).
    var slot = -1
}

/// Temporary partitions for usage deduplication: every accepted row is appended to the partition
/// of its event id's hash, so that the second pass holds one partition in memory at a time and
/// ingest's memory does not grow with the number of events. Buffered, never synced (scratch,
/// deleted when ingest ends).
///
/// The partitions share one file, `events.bin`: a partition's buffer, when full, is appended to it
/// as a block, and the blocks of each partition are listed (offset and length) in memory. One file
/// per partition cost a file creation and a removal each, 256 per pass-1 part, and on this
/// machine's file system (ext4 without a journal) a creation soon after many removals took about
/// half a millisecond: 0.78 s of the threads' time at 10M events in that state (decision 57).
final class UsageSpill {
    let folder: String
    /// Per partition, a buffer of `flushSize` bytes, flushed before a record could overrun it.
    /// They lie side by side in one block on 2 MiB pages (`HugePages`, decision 76): every event
    /// is appended to one of 256 buffers at random, which on 4 KiB pages were 4,096 pages.
    private var buffers: [UnsafeMutableRawPointer]
    /// The buffers' block, given back by `finish` (pass 2 only reads).
    private let block: HugePages.Block
    /// The data file (open for writing until `finish`, then for reading) and its length.
    private var fd: Int32 = -1
    private var fileSize = 0
    /// Per partition, its blocks in the data file, in the order written.
    private var blocks: [[(offset: Int, count: Int)]]
    /// Pass 1's rejected rows, in line order, as `UsageRejectRecord`s. `writeRejects` writes
    /// `rejects.csv` from them.
    private let rejects: UsageRejectRecord.Writer
    /// Per partition, what `add` updates for every event, in raw memory: an element of an array
    /// written through a class's property is first checked for uniqueness, a runtime call, four
    /// of them an event before.
    private struct Partition {
        /// The bytes in its buffer.
        var used = 0
        /// The events added, the bytes of their ids, and the line of the last one (lines are
        /// stored as the difference from it).
        var count = 0
        var idBytes = 0
        var lastLine = 0
    }

    private let partitions: UnsafeMutablePointer<Partition>
    static let flushSize = 1 << 16
    /// The most events `forEachBatch` hands over at once: 2,048 decoded events (about 100 bytes
    /// each) stay in the L2 cache while pass 2 takes them and aggregates them, where a whole read
    /// (1 MiB of records, some 26,000 events) did not.
    static let eventsPerBatch = 1 << 11
    /// The most bytes a record takes besides its id: the length byte, hash and fingerprint, and
    /// seven varints (a quantity's up to 19 bytes, the others' up to 10).
    static let maxFixedSize = 1 + 8 + 8 + 19 + 6 * 10
    /// The fewest bytes a record takes: length, hash, fingerprint, six one-byte varints (a dense
    /// event's), a one-byte id.
    static let minRecordSize = 1 + 8 + 8 + 6 + 1

    /// The day a dense event's seconds are spilled relative to (`UsageLookup.windowEnd`): its
    /// period's end is not spilled (see `encode`).
    let dayBase: Int

    init(folder: String, dayBase: Int = 0) throws {
        self.folder = folder
        self.dayBase = dayBase
        rejects = UsageRejectRecord.Writer(path: FileSystem.join(folder, "rejects.bin"))
        try FileSystem.removeTree(folder)
        try FileSystem.createDirectory(folder)
        let block = HugePages.Block(UsageStore.partitions * UsageSpill.flushSize, huge: true)
        self.block = block
        buffers = (0..<UsageStore.partitions).map { block.start + $0 * UsageSpill.flushSize }
        blocks = Array(repeating: [], count: UsageStore.partitions)
        partitions = .allocate(capacity: UsageStore.partitions)
        partitions.initialize(repeating: Partition(), count: UsageStore.partitions)
    }

    deinit {
        partitions.deallocate()
        releaseBuffers()
        if fd >= 0 { close(fd) }
    }

    var rejectsPath: String { rejects.path }

    /// Appends a rejected row (pass 1 meets them in line order).
    func addReject(line: Int, eventID: UnsafeBufferPointer<UInt8>, reason: String) throws {
        var reason = reason
        try reason.withUTF8 { try rejects.add(line: line, eventID: eventID, reason: $0) }
    }

    /// Whether a rejected row was added (only then is there a file at `rejectsPath`).
    var hasRejects: Bool { !rejects.isEmpty }

    /// The data file, every partition's blocks.
    var path: String { FileSystem.join(folder, "events.bin") }

    func add(_ e: SpilledEvent, id: UnsafeBufferPointer<UInt8>) throws {
        let p = UsageStore.partition(ofHash: e.hash)
        // Pass 1 spills checked events only: ids of 1 to 64 bytes, no negative quantity.
        guard (1...(255 - UsageSpill.maxFixedSize)).contains(id.count), e.quantity >= 0, e.nanos >= 0 else {
            throw StageFailure.io("\(path): event at line \(e.line) cannot be spilled (partition \(p))")
        }
        let at = partitions + p
        if at.pointee.used + UsageSpill.maxFixedSize + id.count > UsageSpill.flushSize { try flush(p) }
        at.pointee.used += UsageSpill.encode(e, previousLine: at.pointee.lastLine, dayBase: dayBase, id: id, into: buffers[p] + at.pointee.used)
        at.pointee.lastLine = e.line
        at.pointee.count += 1
        at.pointee.idBytes += id.count
    }

    /// The number of events added to partition `p`.
    func count(_ p: Int) -> Int { partitions[p].count }

    /// The bytes of the ids of the events added to partition `p`: pass 2 sizes its id table's
    /// arena with them.
    func idByteCount(_ p: Int) -> Int { partitions[p].idBytes }

    /// Writes one record at `base`; returns its length. A record is its length (one byte), the
    /// id's hash and the row's fingerprint (8 bytes each, little-endian), then LEB128 varints:
    /// the line less the partition's previous line; the quantity, divided by 10^9 with a 1 bit
    /// below when it is whole units (most are), else shifted with a 0 bit; the zigzag of the
    /// seconds less 86,400 × the period's end (× `dayBase` for a dense event); the nanoseconds
    /// with the deferred flag as their low bit; the dense slot with a 1 bit below, or the key with
    /// a 0 bit, then the period's days (end less the start the key holds, zigzagged); the zigzag
    /// of the value; then the id's bytes. About 40 bytes for an event with an 11-byte id, against
    /// 82 in fixed-width fields: the spill is written to and read back from the page cache once
    /// per event, 8 GB of it at 100M events before (decision 44).
    private static func encode(
        _ e: SpilledEvent, previousLine: Int, dayBase: Int, id: UnsafeBufferPointer<UInt8>, into base: UnsafeMutableRawPointer
    ) -> Int {
        base.storeBytes(of: e.hash.littleEndian, toByteOffset: 1, as: UInt64.self)
        base.storeBytes(of: e.fingerprint.littleEndian, toByteOffset: 9, as: UInt64.self)
        var at = base.assumingMemoryBound(to: UInt8.self) + 17
        put(UInt64(bitPattern: Int64(e.line &- previousLine)), at: &at)
        let q = UInt128(bitPattern: e.quantity)
        if q >> 64 == 0, case let units = UInt64(truncatingIfNeeded: q), units % unit == 0 {
            put((units / unit) << 1 | 1, at: &at)
        } else {
            put(q << 1, at: &at)  // the quantity is not negative: its top bit is 0
        }
        put(zigzag(e.seconds &- (e.slot >= 0 ? dayBase : e.periodEnd) &* 86_400), at: &at)
        put(UInt64(e.nanos) << 1 | (e.deferred ? 1 : 0), at: &at)
        if e.slot >= 0 {
            put(UInt64(e.slot) << 1 | 1, at: &at)
        } else {
            put(UInt64(bitPattern: Int64(e.key)) << 1, at: &at)  // keys are below 2^63
            put(zigzag(e.periodEnd &- UsageLookup.periodStart(ofKey: e.key)), at: &at)
        }
        put(zigzag(e.value), at: &at)
        shortCopy(id.baseAddress!, to: at, count: id.count)
        let length = at + id.count - base.assumingMemoryBound(to: UInt8.self)
        base.storeBytes(of: UInt8(length), as: UInt8.self)
        return length
    }

    /// Writes `v` as a LEB128 varint at `at` and moves past it.
    @inline(__always) private static func put<T: FixedWidthInteger & UnsignedInteger>(_ v: T, at: inout UnsafeMutablePointer<UInt8>) {
        var v = v
        while v >= 0x80 {
            at.pointee = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            at += 1
        }
        at.pointee = UInt8(truncatingIfNeeded: v)
        at += 1
    }

    /// Reads a LEB128 varint at `at`, before `end`, and moves past it; nil if it runs to `end` or
    /// past `T`'s width. One of up to 8 bytes with 8 bytes of the record left (nearly every field,
    /// since the id comes last) is read as one word: its length is where the first byte below 0x80
    /// is, and its 7-bit groups are packed together in three steps, without a loop.
    @inline(__always) private static func get<T: FixedWidthInteger & UnsignedInteger>(
        _: T.Type = UInt64.self, at: inout UnsafePointer<UInt8>, end: UnsafePointer<UInt8>
    ) -> T? {
        guard at < end else { return nil }
        var b = at.pointee
        if b < 0x80 {  // most fields of most records
            at += 1
            return T(b)
        }
        if end - at >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(at).loadUnaligned(as: UInt64.self))
            let stops = ~word & 0x8080_8080_8080_8080
            if stops != 0 {
                let bits = stops.trailingZeroBitCount + 1  // through the last byte's top bit
                var x = (bits == 64 ? word : word & (1 << bits - 1)) & 0x7F7F_7F7F_7F7F_7F7F
                x = (x & 0x007F_007F_007F_007F) | (x & 0x7F00_7F00_7F00_7F00) >> 1
                x = (x & 0x0000_3FFF_0000_3FFF) | (x & 0x3FFF_0000_3FFF_0000) >> 2
                x = (x & 0x0000_0000_0FFF_FFFF) | (x & 0x0FFF_FFFF_0000_0000) >> 4
                at += bits / 8
                return T(truncatingIfNeeded: x)
            }
        }
        at += 1
        var v = T(b & 0x7F)
        var shift = 7
        while at < end && shift < T.bitWidth {
            b = at.pointee
            at += 1
            v |= T(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
        return nil
    }

    /// A quantity's whole unit (`UsageAccumulator.scale` decimals).
    private static let unit: UInt64 = 1_000_000_000

    @inline(__always) private static func zigzag(_ v: Int) -> UInt64 { UInt64(bitPattern: Int64(v) << 1 ^ Int64(v) >> 63) }
    @inline(__always) private static func unzigzag(_ v: UInt64) -> Int { Int(Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)) }

    /// Appends partition `p`'s buffer to the data file as one of its blocks.
    private func flush(_ p: Int) throws {
        let used = partitions[p].used
        guard used > 0 else { return }
        if fd < 0 {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw FileSystem.failure("cannot create", path) }
        }
        try FileSystem.writeAll(fd, UnsafeRawBufferPointer(start: buffers[p], count: used), path)
        blocks[p].append((fileSize, used))
        fileSize += used
        partitions[p].used = 0
    }

    private func releaseBuffers() {
        guard !buffers.isEmpty else { return }
        buffers = []
        block.release()
    }

    /// Flushes every partition and the rejects, gives back the buffers, and reopens the data file
    /// for reading.
    func finish() throws {
        for p in 0..<UsageStore.partitions { try flush(p) }
        releaseBuffers()
        if fd >= 0 {
            close(fd)
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileSystem.failure("cannot open", path) }
        }
        try rejects.finish()
    }

    /// Streams partition `p`'s events in the order they were added, its blocks read 1 MiB at a
    /// time: pass 2's memory does not hold a partition's events. Each call gets up to
    /// `eventsPerBatch` events decoded from the blocks read, whose `id` ranges index `bytes`
    /// (valid during the call). A block holds whole records; one cut short (a shorter file) is an
    /// error naming the file. Only the events of `round` are passed on (`UsageRound`).
    func forEachBatch(
        _ p: Int, lineOffset: Int, round: UsageRound = .whole, _ body: (_ events: [SpilledEvent], _ bytes: UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard !blocks[p].isEmpty else { return }
        let capacity = 1 << 20  // at least a block (`flushSize`)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var events: [SpilledEvent] = []
        events.reserveCapacity(UsageSpill.eventsPerBatch)
        var previousLine = 0
        var next = 0
        let list = blocks[p]
        while next < list.count {
            var filled = 0
            while next < list.count && filled + list[next].count <= capacity {
                let (offset, count) = list[next]
                guard try FileSystem.readFully(fd, into: buffer + filled, count: count, at: offset, path) == count else {
                    throw StageFailure.io("\(path): truncated spill record")
                }
                filled += count
                next += 1
            }
            var start = 0
            while start < filled {
                let raw = UnsafeRawBufferPointer(start: buffer + start, count: filled - start)
                events.removeAll(keepingCapacity: true)
                let decoded = try UsageSpill.decode(
                    raw, of: path, lineOffset: lineOffset, dayBase: dayBase, round: round, limit: UsageSpill.eventsPerBatch, previousLine: &previousLine
                ) { events.append($0) }
                guard decoded > 0 else { throw StageFailure.io("\(path): truncated spill record") }
                try body(events, UnsafeRawBufferPointer(start: raw.baseAddress, count: decoded))
                start += decoded
            }
        }
    }

    /// Decodes the complete records at the start of `raw`, in order, until `limit` events have
    /// been passed on; returns the bytes they take.
    /// `previousLine` carries the last line decoded (in the part's numbering) from one call to the
    /// next. A record whose fields overrun its length is an error naming `path`, the file read.
    /// Only the events of `round` are decoded and passed on; the others are skipped after their
    /// line (which the next record's is stored relative to).
    static func decode(
        _ raw: UnsafeRawBufferPointer, of path: String, lineOffset: Int, dayBase: Int, round: UsageRound = .whole, limit: Int = .max,
        previousLine: inout Int,
        _ body: (SpilledEvent) throws -> Void
    ) throws -> Int {
        guard let first = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var start = 0
        var passed = 0
        while start < raw.count && passed < limit {
            let length = Int(first[start])
            guard start + length <= raw.count else { break }
            guard length >= minRecordSize else { throw StageFailure.io("\(path): spill record of \(length) bytes") }
            let end = first + start + length
            var at = first + start + 17
            guard let line = get(at: &at, end: end) else { throw overrun(path, length) }
            if round.count > 1 && !round.contains(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 1, as: UInt64.self))) {
                previousLine &+= Int(Int64(bitPattern: line))
                start += length
                continue
            }
            let quantity: Int128
            if at < end && at.pointee & 1 == 1 {
                guard let units = get(at: &at, end: end) else { throw overrun(path, length) }
                quantity = Int128(units >> 1) * Int128(unit)
            } else {
                guard let shifted = get(UInt128.self, at: &at, end: end) else { throw overrun(path, length) }
                quantity = Int128(bitPattern: shifted >> 1)
            }
            guard let seconds = get(at: &at, end: end), let nanosAndFlag = get(at: &at, end: end), let tagged = get(at: &at, end: end)
            else { throw overrun(path, length) }
            var (key, periodEnd, slot) = (-1, 0, -1)
            if tagged & 1 == 1 {
                slot = Int(tagged >> 1)
            } else {
                guard let days = get(at: &at, end: end) else { throw overrun(path, length) }
                key = Int(tagged >> 1)
                periodEnd = UsageLookup.periodStart(ofKey: key) &+ unzigzag(days)
            }
            guard let value = get(at: &at, end: end), at < end else { throw overrun(path, length) }
            previousLine &+= Int(Int64(bitPattern: line))
            passed += 1
            try body(
                SpilledEvent(
                    hash: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 1, as: UInt64.self)),
                    fingerprint: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 9, as: UInt64.self)),
                    line: previousLine + lineOffset, quantity: quantity, seconds: unzigzag(seconds) &+ (slot >= 0 ? dayBase : periodEnd) &* 86_400,
                    nanos: Int(nanosAndFlag >> 1), key: key, periodEnd: periodEnd,
                    deferred: nanosAndFlag & 1 == 1, value: unzigzag(value), id: (at - first)..<(start + length), slot: slot))
            start += length
        }
        return start
    }

    private static func overrun(_ path: String, _ length: Int) -> StageFailure {
        StageFailure.io("\(path): spill record of \(length) bytes holds no event")
    }

    /// Removes the data file once every partition has been read, before pass 2's `sync`: a sync
    /// would write the whole file to disk (400 MB at 10M events), where a removed file's pages are
    /// dropped unwritten. The rejects stay for `UsageScanner.writeRejects`.
    func removeEvents() throws {
        if fd >= 0 { close(fd) }
        fd = -1
        blocks = Array(repeating: [], count: UsageStore.partitions)
        try FileSystem.remove(path)
    }

    func remove() throws {
        if fd >= 0 { close(fd) }
        fd = -1
        try FileSystem.removeTree(folder)
    }
}
