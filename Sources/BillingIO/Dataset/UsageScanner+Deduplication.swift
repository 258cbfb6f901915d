import BillingCore
import Dispatch
import Synchronization

extension UsageScanner {
    /// What one worker of pass 2 produced over its partitions.
    struct PassTwo {
        /// Its accumulators, as tallies (one cache line each) and each one's latest quantity: the
        /// dense slots first (`UsageLookup.denseSlot`), made at once and zero (their memory is
        /// taken as they are first used), then the others, made as their keys (see
        /// `UsageLookup.key`) are met, found through `index`, with the first day after their period.
        let denseCount: Int
        var tallies: CacheLineTable<UsageTally>
        var latestQuantities: CacheLineTable<Int128>
        var index = IntKeyTable()
        var keys: [Int] = []
        var ends: [Int] = []
        /// The distinct values each accumulator has seen: its number in the high 32 bits, the
        /// value's in the low 32.
        var valuePairs = WordSet()
        /// The same accumulators as the merge takes them, made by `finish` on the worker's own thread.
        var run: UsageCounts.Run?
        var summary = UsageSummary()
        /// Its rejects' runs in the scratch folder (`UsageRejectRuns`).
        var rejectRuns: [String] = []
        var counted = 0
        /// The most rounds it took a partition in (`UsageRound`).
        var rounds = 1
        var failure: Error?
        /// A sum of what pass 2 reads ahead (the ids table's slots, the accumulators), kept only so
        /// that the reads stay.
        var probed = 0

        init(denseCount: Int) {
            self.denseCount = denseCount
            tallies = CacheLineTable(zeroedCount: denseCount)
            latestQuantities = CacheLineTable(zeroedCount: denseCount)
        }

        /// Makes `run`: the dense slots as they are, the other accumulators sorted by key, the
        /// distinct values sorted (decision 74); and frees the tables only counting needed.
        mutating func finish() {
            let extras = keys.indices.filter { tallies[denseCount + $0].count > 0 }.sorted { keys[$0] < keys[$1] }
            var place = [Int](repeating: -1, count: keys.count)
            for (e, i) in extras.enumerated() { place[i] = e }
            var densePairs: [UInt64] = [], extraPairs: [UInt64] = []
            densePairs.reserveCapacity(valuePairs.count)
            valuePairs.forEach { p in
                let slot = Int(p >> 32)
                if slot < denseCount {
                    densePairs.append(p)
                } else {
                    extraPairs.append(UInt64(place[slot - denseCount]) << 32 | p & 0xFFFF_FFFF)
                }
            }
            densePairs.sort()
            extraPairs.sort()
            run = UsageCounts.Run(
                tallies: tallies, latestQuantities: latestQuantities, denseCount: denseCount,
                extraKeys: extras.map { keys[$0] }, extraEnds: extras.map { ends[$0] },
                extraTallies: extras.map { [tallies, denseCount] in tallies[denseCount + $0] },
                extraLatest: extras.map { [latestQuantities, denseCount] in latestQuantities[denseCount + $0] },
                densePairs: densePairs, extraPairs: extraPairs)
            (index, keys, ends, valuePairs) = (IntKeyTable(), [], [], WordSet())
        }
    }

    /// Pass 2: deduplicates and aggregates the spilled events one partition at a time (partitions
    /// spread over the cores, each worker with its own accumulators, merged at the end: every
    /// aggregation is order-free), writes the ids of the counted ones to `<base>.ids/` (one sorted
    /// CSV per non-empty partition), and removes the spill. `countPartitions`, `mergeCounts`, then
    /// `placeIDs`.
    public func deduplicate(idsBase base: String) throws {
        try countPartitions(idsBase: base)
        try mergeCounts()
        try placeIDs(idsBase: base)
    }

    /// Pass 2's parallel part: every partition deduplicated and aggregated, by one worker per core,
    /// and its ids files written to a temporary folder, past the page cache by a `DirectWriter`'s
    /// thread (decision 73). A worker takes the next partition no other
    /// has taken, so that one slowed down (another process on its core, the kernel writing back
    /// files) leaves the other less idle at the end: handed out in turn, worker by worker, the last
    /// one finished 0.15–0.4 s after the first in runs at 10M events. Which worker counts a
    /// partition changes no output (`mergeCounts` adds their accumulators, which are order-free).
    /// Then the spill is removed and a `sync` started on another thread, so that the disk writes
    /// the ids files while `mergeCounts` works on one core and the contribution is written
    /// (`placeIDs`'s own `sync` before the folder is renamed into place then has little left to
    /// wait for).
    public func countPartitions(idsBase base: String) throws {
        let temp = UsageStore.idsFolder(base) + ".tmp"
        try FileSystem.removeTree(temp)
        try FileSystem.createDirectory(temp)
        let workers = max(1, min(ProcessInfoLite.processors, 4))
        var results = [PassTwo?](repeating: nil, count: workers)
        nonisolated(unsafe) let scanner = self
        let next = Atomic(0)
        let direct = DirectWriter()
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var r = PassTwo(denseCount: scanner.lookup.denseCount)
                do {
                    while let claimed = next.claim(1, below: UsageStore.partitions) {
                        try scanner.deduplicate(partition: claimed.lowerBound, into: &r, folder: temp, direct: direct)
                    }
                    r.finish()
                } catch { r.failure = error }
                out[w] = r
            }
        }
        // A worker's failure first: a file left unwritten is then its consequence, or beside the point.
        let written = Result { try direct.finish() }
        if let failure = results.lazy.compactMap({ $0?.failure }).first { throw failure }
        try written.get()
        passTwo = results
        // Removing the spill's data files (400 MB at 10M events) takes tens of milliseconds in
        // the kernel: it is done on the sync's thread, while `mergeCounts` merges.
        nonisolated(unsafe) let spills = parts.map(\.worker.spill)
        writeback = Background {
            do { for spill in spills { try spill.removeEvents() } } catch { return error }
            FileSystem.startSync()
            return nil
        }
    }

    /// Pass 2's serial part: the workers' accumulators merged into the scanner's in one pass
    /// (`UsageCounts.init(merging:denseKeys:denseEnds:)`, decision 74), the distinct values
    /// ranked and the sums checked for overflow. It does not wait for the spill's removal and the
    /// `sync` after it (`placeIDs` does): the contribution is rendered meanwhile (decision 78).
    public func mergeCounts() throws {
        do {
            // The workers' tables are freed as this block ends.
            let results = passTwo.compactMap { $0 }
            passTwo = []
            counts = UsageCounts(merging: results.compactMap(\.run), denseKeys: lookup.denseKeys, denseEnds: lookup.denseEnds)
            for r in results {
                summary.accepted += r.summary.accepted
                summary.deferred += r.summary.deferred
                summary.duplicates += r.summary.duplicates
                summary.rejected += r.summary.rejected
                counted += r.counted
                rounds = max(rounds, r.rounds)
                lateRejectRuns += r.rejectRuns
            }
        }
        rankValues()
        if let error = sumOverflow() {
            // Nothing is left removing files in the scratch folder when the stage stops.
            _ = writeback?.value()
            throw StageFailure.data([error])
        }
    }

    /// Pass 2's last step: once the spill is removed and the `sync` started after it is done, the
    /// ids folder synced and renamed into place. Ingest calls it after writing the contribution,
    /// which its wait (a third of a second at 100M events, mostly the kernel's) then overlaps.
    public func placeIDs(idsBase base: String) throws {
        if let removal = writeback?.value() { throw removal }
        let folder = UsageStore.idsFolder(base)
        try FileSystem.replaceFolder(folder, with: folder + ".tmp")
    }

    /// The first accumulator, in key order, whose quantities add up past what its sum holds: the
    /// contribution could not record its sum, so ingest stops (no event names the problem alone;
    /// the error points at the header's `quantity`).
    func sumOverflow() -> DataError? {
        guard let slot = counts.tallies.firstIndex(where: { $0.overflowed }) else { return nil }
        let key = entry(slot).key
        return DataError(
            file: "usage.csv", line: 1, column: (parts.first?.worker.columns.quantity ?? 0) + 1, field: "quantity",
            problem: "the quantities of \(key.metric) for \(key.period.start) – \(key.period.end.adding(days: -1)) add up past "
                + "the largest sum kept (2^127 − 1 units of 10^−9)",
            value: key.subscriptionID)
    }

    /// Removes the spill, after a failed scan.
    public func discard() throws { try FileSystem.removeTree(scratch) }

    /// Writes `rejects.csv` (atomically): every run of rejects, each part's of pass 1 and each
    /// round's of pass 2, merged by line (`UsageRejectRuns`); then removes the spill.
    public func writeRejects(to path: String) throws {
        let passOne = parts.filter { $0.worker.spill.hasRejects }.map { ($0.worker.spill.rejectsPath, $0.lineOffset) }
        let rejects = try UsageRejectRuns(passOne + lateRejectRuns.map { ($0, 0) })
        try FileSystem.replace(path) { emit in
            var out = Array(CSVWriter.line(UsageReject.header).utf8)
            func row(_ line: Int, _ id: UnsafeBufferPointer<UInt8>, _ reason: UnsafeBufferPointer<UInt8>) throws {
                UsageReject.appendRow(file: "usage.csv", line: line, eventID: id, reason: reason, to: &out)
                if out.count >= 1 << 20 {
                    try emit(out)
                    out.removeAll(keepingCapacity: true)
                }
            }
            try rejects.take(before: .max, row)
            try emit(out)
        }
        // The spill's events may still be being removed (`placeIDs` reports how that went).
        _ = writeback?.value()
        try FileSystem.removeTree(scratch)
    }

    /// Deduplicates one partition against the same partition of every earlier contribution: the
    /// first occurrence of an id counts (SPEC §8), a repeat with the same content is a counted
    /// duplicate, one with other content is rejected; and writes the partition's ids file and its
    /// index. A partition of more than `roundEvents` events, or of more than `roundEarlierIDs` ids
    /// billed by earlier runs, is taken in rounds (decisions 61 and 63), each holding a share of
    /// its ids and of the earlier ones' hashes in memory (`UsageRound`): each round but the last
    /// leaves its ids as a sorted run in the scratch folder, and the runs and the last round's ids
    /// are merged into the files one round writes (`UsageIDRuns`).
    func deduplicate(partition p: Int, into r: inout PassTwo, folder: String, direct: DirectWriter) throws {
        let events = parts.reduce(0) { $0 + $1.worker.spill.count(p) }
        let idBytes = parts.reduce(0) { $0 + $1.worker.spill.idByteCount(p) }
        let history = try UsageEarlierIDs.History(committed: committed, partition: p)
        // An unindexed contribution's ids go into the table, as the events do.
        let rounds = UsageRound.count(
            events: events + history.unindexedRows, perRound: roundEvents, earlierIDs: history.indexedIDs, earlierPerRound: roundEarlierIDs)
        r.rounds = max(r.rounds, rounds)
        let idsPath = FileSystem.join(folder, UsageStore.partitionName(p)), hashesPath = FileSystem.join(folder, UsageIDHashes.name(p))
        var runs: [String] = []
        for j in 0..<rounds {
            let round = UsageRound(index: j, count: rounds)
            let earlier = try UsageEarlierIDs(history, partition: p, round: round)
            guard let (keys, mine, fingerprints) = try deduplicate(
                partition: p, round: round, events: events / rounds, idBytes: idBytes / rounds, earlier: earlier, into: &r) else {
                if j == rounds - 1 && !runs.isEmpty { try UsageIDRuns.merge(runs, idsPath: idsPath, hashesPath: hashesPath) }
                continue
            }
            let hashes = mine.map { keys.hash(of: $0) }
            if rounds == 1 {
                // Rendered in aligned memory, which the writer hands the disk as it is.
                direct.write(idsPath, UsageScanner.idsFile(mine, of: keys, fingerprints: fingerprints, as: PageAlignedBytes.self))
                direct.write(hashesPath, UsageIDHashes.bytes(hashes, as: PageAlignedBytes.self))
                continue
            }
            let rows = UsageScanner.idsFile(mine, of: keys, fingerprints: fingerprints, header: false)
            if j == rounds - 1 {
                // The last run is merged from memory: it is never written to the scratch folder.
                try UsageIDRuns.merge(runs, last: (rows, hashes), idsPath: idsPath, hashesPath: hashesPath)
            } else {
                let run = FileSystem.join(scratch, "run-\(p)-\(j)")
                try UsageIDRuns.write(rows: rows, hashes: hashes, to: run)
                runs.append(run)
            }
        }
    }

    /// One round of a partition (about `events` of its events): its events counted, repeated or
    /// rejected, and its counted ids (nil if none): the table's keys, the entries of the ids this
    /// round counted in the ids' byte order, and every entry's fingerprint.
    ///
    /// Earlier contributions are read through their index (`UsageIDHashes`, decision 49): only
    /// the hashes of their ids are held, and their ids files are read (this round's ids of all of
    /// them at once) when one of this round's ids has a hash among them. Until then no id of the
    /// round was billed earlier (its hash would be there), so reading them then changes nothing
    /// already decided. A contribution without an index (written before it existed) has its ids
    /// read first.
    func deduplicate(
        partition p: Int, round: UsageRound, events: Int, idBytes: Int, earlier: UsageEarlierIDs, into r: inout PassTwo
    ) throws -> (keys: ByteKeys, entries: [Int], fingerprints: [UInt64])? {
        // Sized for this round's events and the unindexed runs' ids, so that reading them does not
        // grow the table again and again (nor the arrays beside it, nor its ids' arena: this
        // round's ids take `idBytes`, about).
        let capacity = events + earlier.unindexedRows / round.count
        var table = EventIDTable(capacity: capacity, idBytes: idBytes)
        var fingerprints: [UInt64] = []
        var billed: [Bool] = []
        fingerprints.reserveCapacity(capacity)
        billed.reserveCapacity(capacity)
        // Reads this round's ids of an earlier contribution into the table; false if one was
        // counted by this run already, which an index missing its hash would let happen.
        func readEarlier(_ base: String) throws -> (rows: Int, consistent: Bool) {
            var rows = 0
            var consistent = true
            try UsageStore.readIDs(UsageStore.idsFile(base, partition: p)) { id, fingerprint in
                let hash = ByteKeyTable.hash(id)
                guard round.contains(hash) else { return }
                rows += 1
                let (entry, inserted) = table.insert(id, hash: hash)
                if inserted {
                    fingerprints.append(fingerprint)
                    billed.append(true)
                } else if !billed[entry] {
                    consistent = false
                }
            }
            return (rows, consistent)
        }
        for c in earlier.unindexed { _ = try readEarlier(c) }
        var indexedRead = earlier.indexed.isEmpty
        func readIndexed() throws {
            for (c, rows) in earlier.indexed where try readEarlier(c) != (rows, true) {
                throw StageFailure.io("\(UsageStore.idsFile(c, partition: p)): its ids do not match its index \(UsageIDHashes.path(c, partition: p))")
            }
            indexedRead = true
        }
        // This batch's counted events, as their indexes in it: aggregated once the batch is taken.
        var counted: [Int] = []
        var probed: Int32 = 0
        let rejects = UsageRejectRecord.Writer(path: FileSystem.join(scratch, "rejects-\(p)-\(round.index).bin"))
        for part in parts {
            try part.worker.spill.forEachBatch(p, lineOffset: part.lineOffset, round: round) { events, bytes in
                counted.removeAll(keepingCapacity: true)
                for (k, e) in events.enumerated() {
                    // The table misses the caches; its slots are read 64 events ahead, so that the
                    // misses overlap (as in `UsagePassOne.check`), then the events go in in order.
                    // What is read is summed only so that the reads are not optimised away.
                    if k % 64 == 0 {
                        for ahead in events[k..<min(k + 64, events.count)] { probed &+= table.firstProbe(ahead.hash) }
                        if !indexedRead {
                            for ahead in events[k..<min(k + 64, events.count)] {
                                probed &+= Int32(truncatingIfNeeded: earlier.hashes.firstProbe(ahead.hash))
                            }
                        }
                    }
                    let id = UnsafeRawBufferPointer(rebasing: bytes[e.id])
                    if !indexedRead && earlier.hashes.contains(e.hash) { try readIndexed() }
                    let (entry, inserted) = table.insert(id, hash: e.hash)
                    if inserted {
                        fingerprints.append(e.fingerprint)
                        billed.append(false)
                        counted.append(k)
                        if e.deferred { r.summary.deferred += 1 } else { r.summary.accepted += 1 }
                        r.counted += 1
                    } else if fingerprints[entry] == e.fingerprint {
                        r.summary.duplicates += 1
                    } else {
                        r.summary.rejected += 1
                        let reason: StaticString = billed[entry] ? "duplicate event_id with different content (already billed)" : "duplicate event_id with different content"
                        try rejects.add(line: e.line, eventID: id.bindMemory(to: UInt8.self), reason: UnsafeBufferPointer(start: reason.utf8Start, count: reason.utf8CodeUnitCount))
                    }
                }
                aggregate(counted, of: events, values: part.values, into: &r)
            }
        }
        r.probed &+= Int(probed)
        try rejects.finish()
        if !rejects.isEmpty { r.rejectRuns.append(rejects.path) }
        // The ids this round counted: those not read from an earlier contribution.
        let mine = billed.indices.filter { !billed[$0] }
        guard !mine.isEmpty else { return nil }
        return (table.keys, table.keys.sortedByKey(mine), fingerprints)
    }

    /// The first line of an `ids/` partition file.
    static let idsHeader = Array("event_id,fingerprint\n".utf8)

    /// The bytes of an `ids/` partition file: a header (unless `header` is false: a round's run),
    /// then per entry (in the given order) its id and its fingerprint in lower-case hex without
    /// leading zeros (as `String(_:radix: 16)` writes it). Sized first and written in place (in an
    /// array, or in aligned memory for `DirectWriter`): a month's ids files hold a row per event.
    static func idsFile<Bytes: RenderedBytes>(
        _ entries: [Int], of keys: ByteKeys, fingerprints: [UInt64], header: Bool = true, as _: Bytes.Type = [UInt8].self
    ) -> Bytes {
        let header = header ? idsHeader : []
        func hexDigits(_ f: UInt64) -> Int { f == 0 ? 1 : (64 - f.leadingZeroBitCount + 3) / 4 }
        var size = header.count
        for entry in entries { size += keys.keyLength(entry) + hexDigits(fingerprints[entry]) + 2 }
        // Digits through a table: a branch on each digit (a letter or not) was taken at random.
        let digits: StaticString = "0123456789abcdef"
        return Bytes(count: size) { base in
            let hex = digits.utf8Start
            var at = 0
            for b in header {
                base[at] = b
                at += 1
            }
            for entry in entries {
                at += keys.copyKey(entry, to: base + at)
                base[at] = UInt8(ascii: ",")
                var f = fingerprints[entry]
                let n = hexDigits(f)
                var i = base + at + n
                while i > base + at {
                    i.pointee = hex[Int(truncatingIfNeeded: f & 15)]
                    f >>= 4
                    i -= 1
                }
                at += n + 1
                base[at] = UInt8(ascii: "\n")
                at += 1
            }
            assert(at == size, "an ids file's rows fill the size worked out for them")
        }
    }

    /// Adds counted events to a pass-2 worker's accumulators, in two loops, slots first: each
    /// loop's cache misses (the slot table, the accumulators) are independent from one event to
    /// the next, so the CPU overlaps them. Each loop also reads what the next 256 events need
    /// (their first probe slots; their tallies, and the first slot of each value's pair in the
    /// set of distinct values, decision 82) in loops of loads alone, where more of the misses
    /// overlap than in the loop that branches on them (pass 2 took about 10 % less time). An event
    /// with a dense slot needs no look-up: its slot is its accumulator.
    ///
    /// The events are `events[counted[0]]`, `events[counted[1]]`, …: a batch of spilled events
    /// and the indexes of those it counted, not copies of them (about 100 bytes each). An event's
    /// value is its pass-1 part's number, made the scanner's through `values`.
    func aggregate(_ counted: [Int], of events: [SpilledEvent], values: [Int32], into r: inout PassTwo) {
        var slots = [Int](repeating: 0, count: counted.count)
        var probed = 0
        for (k, index) in counted.enumerated() {
            if k % 256 == 0 {
                for ahead in counted[k..<min(k + 256, counted.count)] where events[ahead].slot < 0 { probed &+= r.index.firstProbe(events[ahead].key) }
            }
            let e = events[index]
            if e.slot >= 0 {
                slots[k] = e.slot
                continue
            }
            let n = r.denseCount + r.keys.count
            let i = r.index.value(for: e.key) { n }
            if i == n {
                r.keys.append(e.key)
                r.ends.append(e.periodEnd)
                r.tallies.append(UsageTally())
                r.latestQuantities.append(0)
            }
            slots[k] = i
        }
        for (k, index) in counted.enumerated() {
            if k % 256 == 0 {
                let next = k..<min(k + 256, counted.count)
                for ahead in slots[next] { probed &+= Int(r.tallies.firstByte(ahead)) }
                for (ahead, index) in zip(slots[next], counted[next]) where events[index].value >= 0 {
                    probed &+= Int(truncatingIfNeeded: r.valuePairs.firstProbe(UInt64(ahead) << 32 | UInt64(values[events[index].value])))
                }
            }
            let e = events[index]
            let latest = r.tallies.update(slots[k]) {
                $0.add(quantity: e.quantity, at: Timestamp.Instant(seconds: e.seconds, nanos: e.nanos), order: orderBase + Int64(e.line))
            }
            if latest { r.latestQuantities.update(slots[k]) { $0 = e.quantity } }
            if e.value >= 0 { r.valuePairs.insert(UInt64(slots[k]) << 32 | UInt64(values[e.value])) }
        }
        r.probed &+= probed
    }
}
