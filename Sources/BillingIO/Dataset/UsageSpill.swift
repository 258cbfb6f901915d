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
}

/// Temporary partition files for usage deduplication: every accepted row is appended to the file
/// of its event id's hash partition, so that the second pass holds one partition in memory at a
/// time and ingest's memory does not grow with the number of events. Buffered, never synced (the
/// files are scratch, deleted when ingest ends).
final class UsageSpill {
    let folder: String
    /// Per partition, a fixed buffer of `flushSize` bytes plus room for one largest record.
    private var buffers: [UnsafeMutableRawPointer]
    private var used: [Int]
    private var fds: [Int32]
    /// Pass 1's rejected rows, in line order: per row its line (8 bytes), the lengths of its event
    /// id and reason (4 bytes each), then their bytes. `writeRejects` writes `rejects.csv` from them.
    private var rejects: [UInt8] = []
    private var rejectsFD: Int32 = -1
    static let flushSize = 1 << 16
    /// The fixed part of a record; the id (≤ 64 bytes) follows.
    static let fixedSize = 8 + 8 + 8 + 16 + 8 + 4 + 8 + 4 + 4 + 1 + 2

    init(folder: String) throws {
        self.folder = folder
        try FileSystem.removeTree(folder)
        try FileSystem.createDirectory(folder)
        buffers = (0..<UsageStore.partitions).map { _ in UnsafeMutableRawPointer.allocate(byteCount: UsageSpill.flushSize, alignment: 16) }
        used = Array(repeating: 0, count: UsageStore.partitions)
        fds = Array(repeating: -1, count: UsageStore.partitions)
    }

    deinit {
        for b in buffers { b.deallocate() }
        for fd in fds where fd >= 0 { close(fd) }
        if rejectsFD >= 0 { close(rejectsFD) }
    }

    var rejectsPath: String { FileSystem.join(folder, "rejects.bin") }

    /// Appends a rejected row (pass 1 meets them in line order).
    func addReject(line: Int, eventID: UnsafeBufferPointer<UInt8>, reason: String) throws {
        var reason = reason
        reason.withUTF8 { r in
            withUnsafeBytes(of: Int64(line).littleEndian) { rejects += $0 }
            withUnsafeBytes(of: UInt32(eventID.count).littleEndian) { rejects += $0 }
            withUnsafeBytes(of: UInt32(r.count).littleEndian) { rejects += $0 }
            rejects += eventID
            rejects += r
        }
        if rejects.count >= UsageSpill.flushSize { try flushRejects() }
    }

    /// Streams pass 1's rejected rows in line order (lines made lines of the file by `lineOffset`),
    /// 1 MiB of the file at a time.
    func forEachReject(
        lineOffset: Int, _ body: (_ line: Int, _ eventID: UnsafeBufferPointer<UInt8>, _ reason: UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        guard FileSystem.exists(rejectsPath) else { return }
        let left = try FileSystem.forEachRecordBlock(of: rejectsPath) { raw in
            var start = 0
            while start + 16 <= raw.count {
                let line = Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: Int64.self)))
                let idCount = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8, as: UInt32.self)))
                let reasonCount = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 12, as: UInt32.self)))
                let end = start + 16 + idCount + reasonCount
                guard end <= raw.count else { break }
                let bytes = raw.bindMemory(to: UInt8.self)
                try body(
                    line + lineOffset, UnsafeBufferPointer(rebasing: bytes[(start + 16)..<(start + 16 + idCount)]),
                    UnsafeBufferPointer(rebasing: bytes[(start + 16 + idCount)..<end]))
                start = end
            }
            return start
        }
        guard left == 0 else { throw StageFailure.io("\(rejectsPath): truncated spill record") }
    }

    private func flushRejects() throws {
        if rejectsFD < 0 {
            rejectsFD = open(rejectsPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard rejectsFD >= 0 else { throw FileSystem.failure("cannot create", rejectsPath) }
        }
        try FileSystem.writeAll(rejectsFD, rejects, rejectsPath)
        rejects.removeAll(keepingCapacity: true)
    }

    func path(_ p: Int) -> String { FileSystem.join(folder, String(p) + ".bin") }

    func add(_ e: SpilledEvent, id: UnsafeBufferPointer<UInt8>) throws {
        let p = UsageStore.partition(ofHash: e.hash)
        let size = UsageSpill.fixedSize + id.count
        if used[p] + size > UsageSpill.flushSize { try flush(p) }
        UsageSpill.encode(e, id: id, into: buffers[p] + used[p])
        used[p] += size
    }

    private static func encode(_ e: SpilledEvent, id: UnsafeBufferPointer<UInt8>, into base: UnsafeMutableRawPointer) {
        var at = 0
        func put<T: FixedWidthInteger>(_ v: T) {
            base.storeBytes(of: v.littleEndian, toByteOffset: at, as: T.self)
            at += MemoryLayout<T>.size
        }
        put(e.hash)
        put(e.fingerprint)
        put(Int64(e.line))
        put(Int64(truncatingIfNeeded: e.quantity))
        put(Int64(truncatingIfNeeded: e.quantity >> 64))
        put(Int64(e.seconds))
        put(Int32(e.nanos))
        put(Int64(e.key))
        put(Int32(e.periodEnd))
        put(Int32(e.value))
        put(UInt8(e.deferred ? 1 : 0))
        put(UInt16(id.count))
        (base + at).copyMemory(from: id.baseAddress!, byteCount: id.count)
    }

    private func write(_ p: Int, _ bytes: UnsafeRawBufferPointer) throws {
        if fds[p] < 0 {
            fds[p] = open(path(p), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fds[p] >= 0 else { throw FileSystem.failure("cannot create", path(p)) }
        }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fds[p], bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 { if errno == EINTR { continue }; throw FileSystem.failure("cannot write", path(p)) }
            offset += n
        }
    }

    private func flush(_ p: Int) throws {
        guard used[p] > 0 else { return }
        try write(p, UnsafeRawBufferPointer(start: buffers[p], count: used[p]))
        used[p] = 0
    }

    /// Flushes and closes every partition file and the rejects.
    func finish() throws {
        for p in 0..<UsageStore.partitions {
            try flush(p)
            if fds[p] >= 0 { close(fds[p]); fds[p] = -1 }
        }
        try flushRejects()
        close(rejectsFD)
        rejectsFD = -1
    }

    /// Removes one partition's file once it has been read.
    func drop(_ p: Int) throws { try FileSystem.remove(path(p)) }

    /// The size of partition `p`'s file (0 if nothing went to it).
    func size(_ p: Int) throws -> Int { FileSystem.exists(path(p)) ? try FileSystem.size(path(p)) : 0 }

    /// Streams partition `p`'s events in the order they were added, 1 MiB of the file at a time,
    /// then removes the file: pass 2's memory does not hold a partition's events. Each call gets
    /// the events decoded from one chunk, whose `id` ranges index `bytes` (valid during the call).
    func forEachBatch(_ p: Int, lineOffset: Int, _ body: (_ events: [SpilledEvent], _ bytes: UnsafeRawBufferPointer) throws -> Void) throws {
        guard FileSystem.exists(path(p)) else { return }
        var events: [SpilledEvent] = []
        // About as many events as a read can hold: the array seldom grows while they are decoded.
        events.reserveCapacity((1 << 20) / UsageSpill.fixedSize + 1)
        let left = try FileSystem.forEachRecordBlock(of: path(p)) { raw in
            events.removeAll(keepingCapacity: true)
            let used = UsageSpill.decode(raw, lineOffset: lineOffset) { e, _ in events.append(e) }
            try body(events, raw)
            return used
        }
        guard left == 0 else { throw StageFailure.io("\(path(p)): truncated spill record") }
        try drop(p)
    }

    /// Decodes the complete events at the start of `raw`, in order; returns the bytes they take.
    static func decode(
        _ raw: UnsafeRawBufferPointer, lineOffset: Int, _ body: (SpilledEvent, UnsafeRawBufferPointer) throws -> Void
    ) rethrows -> Int {
        var start = 0
        while start + fixedSize <= raw.count {
            let idLength = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + fixedSize - 2, as: UInt16.self)))
            guard start + fixedSize + idLength <= raw.count else { break }
            var pos = start
            func get<T: FixedWidthInteger>(_: T.Type) -> T {
                defer { pos += MemoryLayout<T>.size }
                return T(littleEndian: raw.loadUnaligned(fromByteOffset: pos, as: T.self))
            }
            let hash = get(UInt64.self), fingerprint = get(UInt64.self), line = Int(get(Int64.self)) + lineOffset
            let low = UInt64(bitPattern: get(Int64.self)), high = get(Int64.self)
            let seconds = Int(get(Int64.self)), nanos = Int(get(Int32.self)), key = Int(get(Int64.self))
            let periodEnd = Int(get(Int32.self)), value = Int(get(Int32.self))
            let deferred = get(UInt8.self) == 1
            pos += 2
            let id = pos..<(pos + idLength)
            try body(
                SpilledEvent(
                    hash: hash, fingerprint: fingerprint, line: line, quantity: Int128(high) << 64 | Int128(low), seconds: seconds,
                    nanos: nanos, key: key, periodEnd: periodEnd, deferred: deferred, value: value, id: id),
                UnsafeRawBufferPointer(rebasing: raw[id]))
            start = id.upperBound
        }
        return start
    }

    func remove() throws { try FileSystem.removeTree(folder) }
}
