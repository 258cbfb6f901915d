import BillingCore

extension UsageScanner {
    /// Pass 2: deduplicates and aggregates the spilled events one partition at a time, writes the
    /// ids of the counted ones to `<base>.ids/` (one sorted CSV per non-empty partition), and
    /// removes the spill.
    public func deduplicate(idsBase base: String) throws {
        let folder = UsageStore.idsFolder(base)
        let temp = folder + ".tmp"
        try FileSystem.removeTree(temp)
        try FileSystem.createDirectory(temp)
        var late: [UsageReject] = []
        for p in 0..<UsageStore.partitions {
            let bytes = try spill.load(p)
            let events = UsageSpill.events(in: bytes)
            var table = ByteKeyTable(capacity: events.count)
            var fingerprints: [UInt64] = []
            var billed: [Bool] = []
            for c in committed {
                try UsageStore.readIDs(UsageStore.idsFile(c, partition: p)) { id, fingerprint in
                    if table.insert(id, hash: ByteKeyTable.hash(id)).inserted {
                        fingerprints.append(fingerprint)
                        billed.append(true)
                    }
                }
            }
            var mine: [Int] = []
            bytes.withUnsafeBytes { raw in
                for e in events {
                    let id = UnsafeRawBufferPointer(rebasing: raw[e.id])
                    let (entry, inserted) = table.insert(id, hash: e.hash)
                    if inserted {
                        fingerprints.append(e.fingerprint)
                        billed.append(false)
                        mine.append(entry)
                        let value = e.value.map { String(decoding: UnsafeRawBufferPointer(rebasing: raw[$0]), as: UTF8.self) }
                        accumulators[e.slot].add(
                            quantity: e.quantity, at: Timestamp.Instant(seconds: e.seconds, nanos: e.nanos), order: orderBase + Int64(e.line),
                            value: value)
                        if e.deferred { summary.deferred += 1 } else { summary.accepted += 1 }
                        counted += 1
                    } else if fingerprints[entry] == e.fingerprint {
                        summary.duplicates += 1
                    } else {
                        summary.rejected += 1
                        let reason = billed[entry] ? "duplicate event_id with different content (already billed)" : "duplicate event_id with different content"
                        late.append(UsageReject(file: "usage.csv", line: e.line, eventID: String(decoding: id, as: UTF8.self), reason: reason))
                    }
                }
            }
            if !mine.isEmpty {
                mine.sort { table.key($0).lexicographicallyPrecedes(table.key($1)) }
                var out = Array("event_id,fingerprint\n".utf8)
                for entry in mine {
                    out += table.key(entry)
                    out.append(UInt8(ascii: ","))
                    out += String(fingerprints[entry], radix: 16).utf8
                    out.append(UInt8(ascii: "\n"))
                }
                try FileSystem.writeScratch(FileSystem.join(temp, UsageStore.partitionName(p)), out)
            }
        }
        try spill.remove()
        try FileSystem.replaceFolder(folder, with: temp)
        rejects = (rejects + late).sorted { $0.line < $1.line }
    }
}
