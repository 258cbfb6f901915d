import BillingCore
import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// The byte-keyed and integer-keyed tables and the spill record format of usage ingest.
struct UsageDedupStructuresTests {
    func withBytes<T>(_ s: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        var s = s
        return s.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    /// Indexes are dense and in insertion order, survive growth, and equal hashes with other
    /// bytes stay apart (the table compares bytes, not just hashes).
    @Test func byteKeyTableIndexesInInsertionOrder() {
        var t = ByteKeyTable(capacity: 1)
        for i in 0..<5000 {
            let r = withBytes("sub-\(i)") { t.insert($0, hash: ByteKeyTable.hash($0)) }
            #expect(r.index == i && r.inserted)
        }
        #expect(t.count == 5000)
        #expect(withBytes("sub-4321") { t.find($0, hash: ByteKeyTable.hash($0)) } == 4321)
        #expect(withBytes("sub-5000") { t.find($0, hash: ByteKeyTable.hash($0)) } == nil)
        #expect(withBytes("sub-7") { t.insert($0, hash: ByteKeyTable.hash($0)) } == (7, false))
        // Forced collision: same hash, other bytes.
        let a = withBytes("x") { t.insert($0, hash: 42) }
        let b = withBytes("y") { t.insert($0, hash: 42) }
        #expect(a.inserted && b.inserted && a.index != b.index)
        #expect(withBytes("y") { t.find($0, hash: 42) } == b.index)
        #expect(Array(t.keys.key(b.index)) == Array("y".utf8))
    }

    /// Slots a key: 1,000 keys get 2,048 slots by default (the least power of two ≥ 2 × 1,000) and
    /// 4,096 at 4 a key (≥ 4,000), whether sized ahead or grown from 16 slots one key at a time
    /// (a table grows when a key would leave it fewer slots a key than asked); every key found.
    @Test(arguments: [(slotsPerKey: 2, slots: 2048), (slotsPerKey: 4, slots: 4096)])
    func byteKeyTableSlotsPerKey(slotsPerKey: Int, slots: Int) {
        let keys = (0..<1000).map { "S-\($0)" }
        let sized = ByteKeyTable(keys, slotsPerKey: slotsPerKey)
        var grown = ByteKeyTable(capacity: 1, slotsPerKey: slotsPerKey)
        #expect(grown.slotCount == 16)
        for k in keys { _ = withBytes(k) { grown.insert($0, hash: ByteKeyTable.hash($0)) } }
        #expect(sized.slotCount == slots && grown.slotCount == slots && sized.slotsPerKey == slotsPerKey)
        #expect(ByteKeyTable.slotCount(holding: 1_000_000, slotsPerKey: slotsPerKey) == slots * 1024)  // 2^21 or 2^22
        #expect(keys.indices.allSatisfy { sized.find(keys[$0]) == $0 && grown.find(keys[$0]) == $0 })
    }

    /// A copy keeps the keys it had while the table it was copied from takes more and grows (and
    /// the other way round): the slots are shared until one of them inserts. The slots start on a
    /// 64-byte boundary, so no 32-byte slot straddles two cache lines, before and after growth.
    @Test func byteKeyTableCopiesAreValues() {
        var t = ByteKeyTable()
        #expect(Int(bitPattern: t.slotsStart) % 64 == 0)
        for i in 0..<10 { _ = withBytes("sub-\(i)") { t.insert($0, hash: ByteKeyTable.hash($0)) } }
        var copy = t
        for i in 10..<1000 { _ = withBytes("sub-\(i)") { t.insert($0, hash: ByteKeyTable.hash($0)) } }
        #expect(Int(bitPattern: t.slotsStart) % 64 == 0)
        #expect(t.count == 1000 && copy.count == 10)
        #expect(withBytes("sub-500") { copy.find($0, hash: ByteKeyTable.hash($0)) } == nil)
        #expect(withBytes("sub-500") { t.find($0, hash: ByteKeyTable.hash($0)) } == 500)
        // The copy takes a key of its own (no growth: 11 keys in 32 slots); the original never sees it.
        #expect(withBytes("only-in-copy") { copy.insert($0, hash: ByteKeyTable.hash($0)) } == (10, true))
        #expect(withBytes("only-in-copy") { t.find($0, hash: ByteKeyTable.hash($0)) } == nil)
        #expect(withBytes("sub-10") { copy.find($0, hash: ByteKeyTable.hash($0)) } == nil)
        #expect(withBytes("sub-9") { copy.find($0, hash: ByteKeyTable.hash($0)) } == 9)
    }

    /// Short keys are compared as two words loaded from their ends: keys of every length up to 17
    /// that differ in one byte only, at any position, stay apart even with the same hash.
    @Test(arguments: Array(1...17)) func byteKeyTableTellsKeysApartByEveryByte(length: Int) {
        var t = ByteKeyTable()
        let base = [UInt8](repeating: UInt8(ascii: "a"), count: length)
        let first = base.withUnsafeBytes { t.insert($0, hash: 7) }
        #expect(first == (0, true))
        for i in 0..<length {
            var other = base
            other[i] = UInt8(ascii: "b")
            let r = other.withUnsafeBytes { t.insert($0, hash: 7) }
            #expect(r == (i + 1, true), "byte \(i) of \(length)")
            #expect(other.withUnsafeBytes { t.find($0, hash: 7) } == i + 1)
        }
        #expect(base.withUnsafeBytes { t.find($0, hash: 7) } == 0)
        // A shorter key that is a prefix of a longer one is another key.
        #expect(Array(base.dropLast()).withUnsafeBytes { t.find($0, hash: 7) } == nil)
    }

    /// Entries sorted in their keys' byte order, even where the first 16 bytes tie: a key before
    /// the same key with a zero byte after it, keys that differ only after byte 16, bytes above
    /// 0x7f after ASCII.
    @Test func byteKeyTableSortsByBytes() {
        let keys: [[UInt8]] = [
            Array("b".utf8), Array("ab".utf8) + [0], Array("ab".utf8), Array("ab".utf8) + [0, 0x63], Array("é".utf8),
            Array(repeating: 0x61, count: 16) + [0x62], Array(repeating: 0x61, count: 16) + [0x61, 0x7A], Array(repeating: 0x61, count: 16), [],
        ]
        var t = ByteKeyTable()
        for k in keys { _ = k.withUnsafeBytes { t.insert($0, hash: ByteKeyTable.hash($0)) } }
        let sorted = t.keys.sortedByKey(Array(0..<keys.count)).map { Array(t.keys.key($0)) }
        #expect(sorted == keys.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(sorted.first == [] && sorted.last == Array("é".utf8) && sorted[1] == Array(repeating: 0x61, count: 16))
    }

    /// The hash is part of the ledger format (it picks an id's partition): pinned values.
    @Test func idHashIsStable() {
        // FNV-1a of "" is the offset basis 0xcbf29ce484222325, then the SplitMix64 finaliser.
        #expect(withBytes("") { ByteKeyTable.hash($0) } == withBytes("") { _ in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
            h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
            return h ^ (h >> 31)
        })
        #expect(UsageStore.partition(ofHash: 0xAB00_0000_0000_0001) == 0xAB)
        #expect(UsageStore.partitionName(0xAB) == "ab.csv" && UsageStore.partitionName(3) == "03.csv")
    }

    /// A row's fingerprint is FNV-1a over its fields, each followed by 0x1f, and the state after
    /// the first field is that field's FNV-1a: published FNV-1a 64 values are FNV("a") =
    /// 0xaf63dc4c8601ec8c and FNV("foobar") = 0x85944171f73967e8. The id's hash is that state
    /// finalised, the same as hashing the id alone.
    @Test func fingerprintCarriesTheFirstFieldsHash() {
        let bytes = Array("foobara".utf8)
        let ends = [6, 7]
        bytes.withUnsafeBufferPointer { b in
            ends.withUnsafeBufferPointer { e in
                let (row, first) = UsageScanner.fingerprint(CSVRow(line: 1, buffer: b, ends: e))
                #expect(first == 0x8594_4171_f739_67e8)
                #expect(withBytes("foobar") { ByteKeyTable.hash($0) } == ByteKeyTable.finalized(first))
                // Then 0x1f, "a", 0x1f, step by step.
                var h = ByteKeyTable.fnvStep(first, 0x1f)
                h = ByteKeyTable.fnvStep(h, UInt8(ascii: "a"))
                #expect(row == ByteKeyTable.fnvStep(h, 0x1f))
            }
        }
        #expect(ByteKeyTable.fnvStep(ByteKeyTable.fnvBasis, UInt8(ascii: "a")) == 0xaf63_dc4c_8601_ec8c)
    }

    /// A batch hashes its rows four at a time; each row must get exactly the single-row
    /// fingerprint (`UsageScanner.fingerprint`, the ledger's format) and id hash, whatever the
    /// field lengths beside it (empty fields, one longer than the others, a last group of one to
    /// three rows), and a row not of the header's width gets 0 for both. With the id in another
    /// column than the first, the id hash is that column's own `ByteKeyTable.hash`.
    @Test(arguments: [(rows: 1, idColumn: 0), (rows: 4, idColumn: 0), (rows: 7, idColumn: 0), (rows: 9, idColumn: 2), (rows: 256, idColumn: 0)])
    func batchHashesEveryRowAsOne(rows: Int, idColumn: Int) {
        let width = 3
        // `value` kept from a fourth column, which only the rows of the wrong width have.
        var batch = UsageBatch(width: width, columns: [idColumn, 1, nil, nil, nil, 3])
        var kept: [(id: String, subscription: String, value: String)] = []
        var expected: [(fingerprint: UInt64, idHash: UInt64)] = []
        for k in 0..<rows {
            // Fields of varied lengths: k-dependent, one empty every fifth row, one of 70 bytes every seventh.
            var fields = ["E-\(k)", k % 5 == 0 ? "" : "S-" + String(repeating: "s", count: k % 9), k % 7 == 0 ? String(repeating: "q", count: 70) : "\(k * 31)"]
            if k % 6 == 5 { fields.append("extra") }  // not of the header's width
            let bytes = Array(fields.joined().utf8)
            var ends: [Int] = []
            var at = 0
            for f in fields { at += f.utf8.count; ends.append(at) }
            bytes.withUnsafeBufferPointer { b in
                ends.withUnsafeBufferPointer { e in
                    let row = CSVRow(line: k + 2, buffer: b, ends: e)
                    if fields.count == width {
                        let (whole, first) = UsageScanner.fingerprint(row)
                        let id = idColumn == 0 ? ByteKeyTable.finalized(first) : ByteKeyTable.hash(UnsafeRawBufferPointer(row.bytes(idColumn)))
                        expected.append((whole, id))
                    } else {
                        expected.append((0, 0))
                    }
                    let added = batch.add(row)
                    #expect(added)
                    kept.append((fields[idColumn], fields[1], fields.count > 3 ? fields[3] : ""))
                }
            }
        }
        batch.hashRows(idColumn: idColumn)
        let count = batch.count
        #expect(count == rows)
        for k in 0..<rows {
            let (fingerprint, idHash, line) = (batch.fingerprints[k], batch.idHashes[k], batch.lines[k])
            #expect(fingerprint == expected[k].fingerprint, "row \(k)")
            #expect(idHash == expected[k].idHash, "row \(k)")
            #expect(line == k + 2)
            // The kept fields' bytes, an absent column's (none) and one past a row's fields (none).
            #expect(String(decoding: batch.bytes(k, .id), as: UTF8.self) == kept[k].id, "row \(k)")
            #expect(String(decoding: batch.bytes(k, .subscription), as: UTF8.self) == kept[k].subscription, "row \(k)")
            #expect(batch.bytes(k, .metric).isEmpty)
            #expect(String(decoding: batch.bytes(k, .value), as: UTF8.self) == kept[k].value, "row \(k)")
        }
    }

    /// An `ids/` partition file lists the given entries in the given order, each id with its
    /// fingerprint in lower-case hex without leading zeros: 0 is "0", 16 is "10", 0xabc is "abc",
    /// 2^64 − 1 is sixteen f's; an id longer than 16 bytes is copied whole.
    @Test func idsFileWritesHexFingerprints() {
        var table = ByteKeyTable()
        let ids = ["E-1", "E-22", "E-333", "an-id-longer-than-sixteen-bytes"]
        for id in ids { _ = withBytes(id) { table.insert($0, hash: ByteKeyTable.hash($0)) } }
        let fingerprints: [UInt64] = [0, 16, 0xabc, .max]
        let file = UsageScanner.idsFile([2, 0, 3, 1], of: table.keys, fingerprints: fingerprints)
        #expect(String(decoding: file, as: UTF8.self) == """
            event_id,fingerprint
            E-333,abc
            E-1,0
            an-id-longer-than-sixteen-bytes,ffffffffffffffff
            E-22,10

            """)
        #expect(String(decoding: UsageScanner.idsFile([], of: table.keys, fingerprints: fingerprints), as: UTF8.self) == "event_id,fingerprint\n")
    }

    /// Rendered for `DirectWriter` (in aligned memory), an ids file and its index are the same
    /// bytes as in an array: the rows above (header 21 bytes + 10 + 6 + 49 + 8 = 94), and the
    /// index's magic (8 bytes) then each hash in 8 little-endian bytes (8 + 2 × 8 = 24).
    @Test func idsFileAndIndexRenderTheSameInAlignedMemory() {
        var table = ByteKeyTable()
        for id in ["E-1", "E-22", "E-333", "an-id-longer-than-sixteen-bytes"] { _ = withBytes(id) { table.insert($0, hash: ByteKeyTable.hash($0)) } }
        let fingerprints: [UInt64] = [0, 16, 0xabc, .max]
        let array = UsageScanner.idsFile([2, 0, 3, 1], of: table.keys, fingerprints: fingerprints)
        let aligned = UsageScanner.idsFile([2, 0, 3, 1], of: table.keys, fingerprints: fingerprints, as: PageAlignedBytes.self)
        #expect(array.count == 94 && aligned.withBytes { Array($0) } == array)
        let index = UsageIDHashes.bytes([0x0102_0304_0506_0708, 1], as: PageAlignedBytes.self)
        #expect(index.withBytes { Array($0) } == Array("BILLIDH1".utf8) + [8, 7, 6, 5, 4, 3, 2, 1] + [1, 0, 0, 0, 0, 0, 0, 0])
        #expect(index.withBytes { Array($0) } == UsageIDHashes.bytes([0x0102_0304_0506_0708, 1]))
    }

    /// An ids file's fingerprint is read back from its bytes as `UInt64(_:radix: 16)` reads it:
    /// "abc" = 10 × 256 + 11 × 16 + 12 = 2748, either case; 16 f's = 2^64 − 1; nothing else (no
    /// sign, no 17th digit, no empty cell).
    @Test(arguments: [
        ("0", UInt64?(0)), ("10", 16), ("abc", 2748), ("ABC", 2748), ("ffffffffffffffff", .max), ("0000000000000001", 1),
        ("", nil), ("1ffffffffffffffff", nil), ("+1", nil), ("-1", nil), ("g", nil), ("1 ", nil),
    ])
    func fingerprintIsReadFromHexBytes(text: String, value: UInt64?) {
        var text = text
        #expect(text.withUTF8 { UsageStore.hexValue($0) } == value)
        #expect(value == UInt64(text, radix: 16) || text.hasPrefix("+"))  // the reading it replaces (which took a sign)
    }

    /// The cache-line table holds the records it was made from, in order; an empty one is empty.
    @Test func cacheLineTableHoldsItsRecords() {
        var records: [UsageLookup.Hot] = []
        for i: Int32 in 0..<1000 { records.append(UsageLookup.Hot(start: i, firstPaid: i + 1, cancel: -i, hasPlan: i % 2 == 0)) }
        let table = CacheLineTable(records)
        #expect(table.count == 1000 && MemoryLayout<UsageLookup.Hot>.stride == 64)
        #expect(table[0].start == 0 && table[999].firstPaid == 1000 && table[999].cancel == -999 && !table[999].hasPlan && table[998].hasPlan)
        #expect(CacheLineTable([UsageLookup.Hot]()).count == 0)
        // The byte read ahead of an update is the record's first: `start`'s low byte (little-endian).
        #expect(table.firstByte(0) == 0 && table.firstByte(258) == 2 && table.firstByte(999) == UInt8(999 & 0xFF))
    }

    @Test func intKeyTableInsertsOnceAndGrows() {
        var t = IntKeyTable()
        var made = 0
        for k in stride(from: 0, to: 300_000, by: 3) {
            #expect(t.value(for: k) { made += 1; return k / 3 } == k / 3)
        }
        #expect(t.value(for: 299_997) { -1 } == 99_999)  // present: `make` not called
        #expect(made == 100_000 && t.count == 100_000)
        // What a key's first probe slot holds: the key itself when it sits in its home slot (some
        // key does: the first one inserted into an empty home), or another key, or −1 (empty).
        let probes = stride(from: 0, to: 300_000, by: 3).map { t.firstProbe($0) }
        #expect(probes.allSatisfy { $0 == -1 || ($0 >= 0 && $0 % 3 == 0) })
        #expect(probes.enumerated().contains { $0.element == $0.offset * 3 })
        #expect(t.firstProbe(1) == -1 || t.firstProbe(1) % 3 == 0)
    }

    /// A spilled event reads back field for field: a quantity beyond 64 bits, the largest one, a
    /// whole number of units and zero; a negative time; no value (−1) apart from value 0 and a
    /// large one; a key beyond 32 bits and keys whose period start is far from the period's end; a
    /// line below the one before it; the ids' byte ranges, up to 64 bytes.
    @Test func spillRecordsRoundTrip() throws {
        let dir = tempFolder("billing-io-spill")
        let spill = try UsageSpill(folder: dir + "/s", dayBase: 20_789)
        let big = Int128(1) << 70 + 5  // 2^70 + 5 units of 10^-9
        let events = [
            SpilledEvent(hash: 7 << 56, fingerprint: 1, line: 2, quantity: big, seconds: -86_400, nanos: 999_999_999, key: 3 << 40 | 7, periodEnd: 20_790, deferred: true, value: -1, id: 0..<0),
            SpilledEvent(hash: 7 << 56 | 1, fingerprint: 2, line: 3, quantity: 0, seconds: 5, nanos: 0, key: 0, periodEnd: -719_162, deferred: false, value: 0, id: 0..<0),
            SpilledEvent(hash: 7 << 56 | 2, fingerprint: .max, line: 5_000_000_000, quantity: .max, seconds: .max, nanos: 1, key: .max, periodEnd: 2_932_897, deferred: true, value: 1 << 31, id: 0..<0),
            SpilledEvent(hash: 7 << 56 | 3, fingerprint: 0, line: 4, quantity: 17_000_000_000, seconds: .min, nanos: 0, key: 1 << 22, periodEnd: .min, deferred: false, value: 3, id: 0..<0),
            // Dense: the slot is kept, the key and period end are not (−1 and 0 back).
            SpilledEvent(hash: 7 << 56 | 4, fingerprint: 3, line: 6, quantity: 2_000_000_000, seconds: 1_794_000_000, nanos: 5, key: 99, periodEnd: 7, deferred: true, value: 2, id: 0..<0, slot: 0),
            SpilledEvent(hash: 7 << 56 | 5, fingerprint: 4, line: 7, quantity: 1, seconds: -5, nanos: 0, key: 99, periodEnd: 7, deferred: false, value: -1, id: 0..<0, slot: 1 << 40),
        ]
        let ids = ["e-1", "e-22", String(repeating: "x", count: 64), "A", "d1", "d2"]
        for (e, id) in zip(events, ids) {
            var id = id
            try id.withUTF8 { try spill.add(e, id: $0) }
        }
        try spill.finish()
        #expect(spill.count(7) == 6 && spill.count(8) == 0)
        var none = 0
        try spill.forEachBatch(8, lineOffset: 0) { events, _ in none += events.count }
        #expect(none == 0)  // nothing went to partition 8
        // A later pass-1 worker's lines are made absolute by the lines before its part: offset 1000.
        var back: [(event: SpilledEvent, id: String)] = []
        try spill.forEachBatch(7, lineOffset: 1000) { events, bytes in
            for e in events { back.append((e, String(decoding: bytes[e.id], as: UTF8.self))) }
        }
        #expect(back.count == 6)
        #expect(back.map(\.id) == ids)
        for (got, sent) in zip(back.map(\.event), events) {
            #expect(got.hash == sent.hash && got.fingerprint == sent.fingerprint && got.line == sent.line + 1000)
            #expect(got.quantity == sent.quantity && got.seconds == sent.seconds && got.nanos == sent.nanos)
            #expect(got.deferred == sent.deferred && got.value == sent.value && got.slot == sent.slot)
            if sent.slot < 0 {
                #expect(got.key == sent.key && got.periodEnd == sent.periodEnd)
            } else {
                #expect(got.key == -1 && got.periodEnd == 0)
            }
        }
        try spill.remove()
        #expect(!FileSystem.exists(dir + "/s"))
    }

    /// The 256 partitions' buffers lie side by side in one block: events in every partition, and
    /// in two neighbours (7 and 8) enough to fill their 64 KiB buffers eight times over (5,000
    /// records of 64-byte ids, over 100 bytes each), all read back in order, each in its own
    /// partition. A second `finish` (the buffers already given back) changes nothing.
    @Test func spillBuffersOfEveryPartitionStayApart() throws {
        let dir = tempFolder("billing-io-spill")
        let spill = try UsageSpill(folder: dir + "/s")
        func event(_ p: Int, _ i: Int) -> SpilledEvent {
            SpilledEvent(
                hash: UInt64(p) << 56 | UInt64(i), fingerprint: UInt64(p * 100_000 + i), line: i + 1, quantity: Int128(i), seconds: i, nanos: 0,
                key: p, periodEnd: 0, deferred: false, value: -1, id: 0..<0)
        }
        let counts = (0..<256).map { $0 == 7 || $0 == 8 ? 5000 : 3 }
        for i in 0..<5000 {
            for p in 0..<256 where i < counts[p] {
                var id = String(repeating: String(p % 10), count: counts[p] > 3 ? 64 : 5)
                try id.withUTF8 { try spill.add(event(p, i), id: $0) }
            }
        }
        try spill.finish()
        try spill.finish()
        for p in 0..<256 {
            #expect(spill.count(p) == counts[p])
            var got: [(UInt64, Int, Int)] = []
            try spill.forEachBatch(p, lineOffset: 0) { events, bytes in
                for e in events { got.append((e.fingerprint, e.line, bytes[e.id].count)) }
            }
            let idLength = counts[p] > 3 ? 64 : 5
            #expect(got.map(\.0) == (0..<counts[p]).map { UInt64(p * 100_000 + $0) }, "partition \(p)")
            #expect(got.allSatisfy { $0.2 == idLength } && got.map(\.1) == Array(1...counts[p]))
        }
        try spill.remove()
    }

    /// Varints of every length, 1 to 10 bytes (2^(7k) − 1 and 2^(7k) for k = 1…8, 2^63 − 1, and
    /// −1, whose line takes 10 bytes; keys and dense slots are not negative, so −1 sends the
    /// largest), read back whether 8 bytes of the record follow them (a 64-byte id: read as one
    /// word) or fewer (a 1-byte id: read byte by byte). Each number goes once in a record with a
    /// key and once in one with a dense slot.
    @Test(arguments: [1, 64]) func spillVarintsOfEveryLength(idLength: Int) throws {
        let dir = tempFolder("billing-io-spill")
        let spill = try UsageSpill(folder: dir + "/s")
        let numbers = (1...8).flatMap { [(1 << (7 * $0)) - 1, 1 << (7 * $0)] } + [Int.max, -1]
        var sent: [SpilledEvent] = []
        for (n, x) in numbers.enumerated() {
            for dense in [false, true] {
                let e = SpilledEvent(
                    hash: 9 << 56, fingerprint: UInt64(n), line: x, quantity: Int128(x.magnitude), seconds: x, nanos: n,
                    key: dense ? -1 : (x < 0 ? Int.max : x), periodEnd: dense ? 0 : n, deferred: n % 2 == 0, value: x, id: 0..<0,
                    slot: dense ? (x < 0 ? Int.max : x) : -1)
                var id = String(repeating: "i", count: idLength)
                try id.withUTF8 { try spill.add(e, id: $0) }
                sent.append(e)
            }
        }
        try spill.finish()
        // 18 numbers, each in two records, of `idLength` bytes of id each: pass 2 sizes its id
        // table's arena by this count. No other partition got any.
        #expect(spill.count(9) == 36 && spill.idByteCount(9) == 36 * idLength)
        #expect(spill.count(8) == 0 && spill.idByteCount(8) == 0)
        var back: [SpilledEvent] = []
        try spill.forEachBatch(9, lineOffset: 0) { events, bytes in
            for e in events {
                #expect(bytes[e.id].count == idLength)
                back.append(e)
            }
        }
        #expect(back.count == 2 * numbers.count)
        for (got, e) in zip(back, sent) {
            #expect(got.line == e.line && got.key == e.key && got.slot == e.slot && got.value == e.value && got.quantity == e.quantity)
            #expect(got.seconds == e.seconds && got.nanos == e.nanos && got.periodEnd == e.periodEnd && got.deferred == e.deferred)
        }
        try spill.remove()
    }

    /// A spill record's bytes, worked out by hand from the layout in `UsageSpill.encode`: line
    /// 2 − 0 = 2 → 02; 3 whole units → 3 × 2 + 1 = 7 → 07; 60 s before the period's end day
    /// (2 × 86,400 − 60) → zigzag(−60) = 119 → 77; nanoseconds 0, deferred → 01; the key of
    /// (0, 0, day 1) is 1 + 719,163 = 719,164, with a 0 bit below (no dense slot): 1,438,328 =
    /// 0x15F278 → LEB128 F8 E4 57; the period's days 2 − 1 = 1 → zigzag 2 → 02; no value,
    /// zigzag(−1) = 1 → 01; then "E-1". With the length byte and the hash and fingerprint (16
    /// bytes): 1 + 16 + 9 + 3 = 29 = 0x1D bytes, against 71 + 3 in the fixed-width form before.
    /// The same event with dense slot 5, on line 3: line 3 − 2 = 1 → 01; 07; the seconds
    /// against the spill's day base (2, as the period's end was) → 77; not deferred → 00; the
    /// slot with a 1 bit below, 11 → 0B, and no period days; 01; "E-2": 1 + 16 + 6 + 3 = 26 = 0x1A
    /// bytes. The two make partition 5's one block, at the start of the spill's one file. A
    /// record shorter than any, a record longer than its block, and a file shorter than its
    /// blocks are each refused, naming the file.
    @Test func spillRecordLayout() throws {
        let dir = tempFolder("billing-io-spill")
        let spill = try UsageSpill(folder: dir + "/s", dayBase: 2)
        let key = UsageLookup.key(0, 0, 1, metrics: 1)
        let e = SpilledEvent(
            hash: 5 << 56, fingerprint: 9, line: 2, quantity: 3_000_000_000, seconds: 2 * 86_400 - 60, nanos: 0, key: key, periodEnd: 2,
            deferred: true, value: -1, id: 0..<0)
        var id = "E-1"
        try id.withUTF8 { try spill.add(e, id: $0) }
        var dense = e
        (dense.line, dense.deferred, dense.slot) = (3, false, 5)
        var id2 = "E-2"
        try id2.withUTF8 { try spill.add(dense, id: $0) }
        try spill.finish()
        let file = dir + "/s/events.bin"
        let all = try FileSystem.read(file)
        let expected: [UInt8] =
            [0x1D] + [0, 0, 0, 0, 0, 0, 0, 5] + [9, 0, 0, 0, 0, 0, 0, 0] + [0x02, 0x07, 0x77, 0x01, 0xF8, 0xE4, 0x57, 0x02, 0x01] + Array("E-1".utf8)
        let expectedDense: [UInt8] =
            [0x1A] + [0, 0, 0, 0, 0, 0, 0, 5] + [9, 0, 0, 0, 0, 0, 0, 0] + [0x01, 0x07, 0x77, 0x00, 0x0B, 0x01] + Array("E-2".utf8)
        #expect(all == expected + expectedDense)
        // The spill reads the file it wrote (its inode): changed in place. A length byte below the
        // shortest record (24).
        try FileSystem.writeScratch(file, [20] + all.dropFirst())
        let error = #expect(throws: StageFailure.self) { try spill.forEachBatch(5, lineOffset: 0) { _, _ in } }
        #expect(error.map { "\($0)" }?.contains(file + ": spill record of 20 bytes") == true)
        // The second record said one byte longer: it runs past the block's end.
        try FileSystem.writeScratch(file, expected + [0x1B] + expectedDense.dropFirst())
        let overrun = #expect(throws: StageFailure.self) { try spill.forEachBatch(5, lineOffset: 0) { _, _ in } }
        #expect(overrun.map { "\($0)" }?.contains(file + ": truncated spill record") == true)
        // The file cut inside the first record.
        try FileSystem.writeScratch(file, all)
        #expect(truncate(file, 28) == 0)
        let cut = #expect(throws: StageFailure.self) { try spill.forEachBatch(5, lineOffset: 0) { _, _ in } }
        #expect(cut.map { "\($0)" }?.contains(file + ": truncated spill record") == true)
        // Whole again, it reads back.
        try FileSystem.writeScratch(file, all)
        var lines: [Int] = []
        try spill.forEachBatch(5, lineOffset: 0) { events, _ in lines += events.map(\.line) }
        #expect(lines == [2, 3])
        try spill.remove()
    }

    /// Events that pass 1 never spills are refused rather than written in a form that would not
    /// read back: a negative quantity, an empty id, an id longer than a record can hold (255 bytes
    /// less the 96 its other fields may take).
    @Test func spillRefusesWhatItCannotHold() throws {
        let dir = tempFolder("billing-io-spill")
        let spill = try UsageSpill(folder: dir + "/s")
        let e = SpilledEvent(hash: 0, fingerprint: 0, line: 2, quantity: -1, seconds: 0, nanos: 0, key: 1, periodEnd: 2, deferred: false, value: -1, id: 0..<0)
        var id = "E-1"
        #expect(throws: StageFailure.self) { try id.withUTF8 { try spill.add(e, id: $0) } }
        var long = String(repeating: "y", count: 160)
        var ok = e
        ok.quantity = 1
        var empty = ""
        #expect(throws: StageFailure.self) { try empty.withUTF8 { try spill.add(ok, id: $0) } }
        #expect(throws: StageFailure.self) { try long.withUTF8 { try spill.add(ok, id: $0) } }
        var fits = String(repeating: "y", count: 159)
        try fits.withUTF8 { try spill.add(ok, id: $0) }
        #expect(spill.count(0) == 1)
        try spill.remove()
    }

    /// Pass 2 streams a partition's blocks (64 KiB or less each) 1 MiB at a time, a block never
    /// cut, and hands over at most 2,048 events at once. Two partitions' records, 40,000 each, of
    /// 17 + 5…14 bytes plus their varints, added in turn: their blocks alternate in the one file
    /// (between 2 and 4 MiB), and each partition's (between 1 and 2 MiB) reads back alone and in
    /// order, in two reads, the lines counted on from the first to the second: 40,000 / 2,048 =
    /// 19.5, so 20 batches, or 21 when the read boundary leaves a short batch in each read.
    @Test func spillStreamsAcrossChunks() throws {
        let dir = tempFolder("billing-io-spill")
        let spill = try UsageSpill(folder: dir + "/s")
        func id(_ n: Int, _ p: Int) -> String { "e\(p)-" + String(repeating: "x", count: n % 10) + String(n) }
        for n in 0..<40_000 {
            for p in [3, 4] {
                var id = id(n, p)
                let e = SpilledEvent(
                    hash: UInt64(p) << 56, fingerprint: UInt64(n), line: n + 2, quantity: Int128(n), seconds: n, nanos: 0, key: n, periodEnd: n,
                    deferred: false, value: -1, id: 0..<0)
                try id.withUTF8 { try spill.add(e, id: $0) }
            }
        }
        try spill.finish()
        #expect(try FileSystem.size(spill.path) > 2 << 20 && (try FileSystem.size(spill.path)) < 4 << 20)
        for p in [4, 3] {
            var seen = 0
            var batches = 0
            try spill.forEachBatch(p, lineOffset: 100) { events, bytes in
                batches += 1
                #expect(events.count <= 2_048)
                for e in events {
                    let n = seen
                    #expect(e.line == n + 102 && e.key == n && e.periodEnd == n && e.quantity == Int128(n))
                    #expect(String(decoding: bytes[e.id], as: UTF8.self) == id(n, p))
                    seen += 1
                }
            }
            #expect(seen == 40_000 && (20...21).contains(batches))
        }
        try spill.remove()
        #expect(!FileSystem.exists(dir + "/s"))
    }

    /// A contribution reads back per key: the values of a key come in a run of rows, a key with
    /// values but no aggregates row still gets them counted, and a repeated value counts once.
    /// S1's api_calls: sum 2.5 (2 500 000 000 units of 10^−9), count 2, max 2; S1's users
    /// {u1, u2} (2 distinct from 3 rows); S2's users {u1}.
    @Test func contributionReadsBackPerKey() throws {
        let dir = tempFolder("billing-io-usage")
        let keyHeader = "subscription_id,metric,period_start,period_end"
        try FileSystem.replace(dir + "/u.csv", Array("""
            \(keyHeader),sum,count,max,last_seconds,last_nanos,last_order,last_quantity
            S1,api_calls,2026-11-01,2026-12-01,2.5,2,2,100,0,7,0.5
            S1,users,2026-11-01,2026-12-01,0,3,,,,,

            """.utf8))
        try FileSystem.replace(dir + "/u.values.csv", Array("""
            \(keyHeader),value
            S1,users,2026-11-01,2026-12-01,u1
            S1,users,2026-11-01,2026-12-01,u2
            S1,users,2026-11-01,2026-12-01,u1
            S2,users,2026-11-01,2026-12-01,u1

            """.utf8))
        let state = try UsageStore.read(base: dir + "/u")
        let period = DateRange(CivilDate(year: 2026, month: 11, day: 1)!, CivilDate(year: 2026, month: 12, day: 1)!)
        let calls = state.accumulators[UsageKey(subscriptionID: "S1", metric: "api_calls", period: period)]
        #expect(calls?.sum == 2_500_000_000 && calls?.count == 2 && calls?.max == 2_000_000_000 && calls?.last?.quantity == 500_000_000)
        #expect(state.accumulators[UsageKey(subscriptionID: "S1", metric: "users", period: period)]?.count == 3)
        #expect(state.accumulators.count == 2)
        let distinct = try UsageDistinctValues.count(paths: [dir + "/u.values.csv"])
        #expect(distinct == [
            UsageKey(subscriptionID: "S1", metric: "users", period: period): 2, UsageKey(subscriptionID: "S2", metric: "users", period: period): 1,
        ])
    }

    /// A contribution's rows, written byte by byte: sum 2 + 0.5 = 2.5, count 2, max 2, the latest
    /// event at 100 s with order 7 and quantity 0.5; a key with no event has empty max and latest;
    /// values get the key's cells, quoted or neutralised as any CSV cell.
    @Test func contributionRowsAsBytes() {
        let period = DateRange(CivilDate(year: 2026, month: 11, day: 1)!, CivilDate(year: 2026, month: 12, day: 1)!)
        var a = UsageAccumulator()
        a.add(quantity: 2_000_000_000, at: Timestamp.Instant(seconds: 90, nanos: 5), order: 3, value: nil)
        a.add(quantity: 500_000_000, at: Timestamp.Instant(seconds: 100, nanos: 0), order: 7, value: nil)
        var aggregates: [UInt8] = [], values: [UInt8] = []
        UsageStore.render(
            (UsageKey(subscriptionID: "S1", metric: "api_calls", period: period), a, [Array("u,1".utf8)[...], Array("u2".utf8)[...]]),
            aggregates: &aggregates, values: &values)
        UsageStore.render(
            (UsageKey(subscriptionID: "=S2", metric: "users", period: period), UsageAccumulator(), []), aggregates: &aggregates, values: &values)
        #expect(String(decoding: aggregates, as: UTF8.self) == """
            S1,api_calls,2026-11-01,2026-12-01,2.5,2,2,100,0,7,0.5
            '=S2,users,2026-11-01,2026-12-01,0,0,,,,,

            """)
        #expect(String(decoding: values, as: UTF8.self) == """
            S1,api_calls,2026-11-01,2026-12-01,"u,1"
            S1,api_calls,2026-11-01,2026-12-01,u2

            """)
    }

    /// A contribution's distinct values are in the order of their text. ASCII values, compared as
    /// bytes: "B" (0x42) before every lower-case one, "a" before "a b" (a prefix first), "a b"
    /// before "aa" (a space, 0x20, before "a", 0x61). With other letters, as text: "f" (U+0066)
    /// before "é" (U+00E9), and "é" precomposed (bytes C3 A9) and as "e" with a combining accent
    /// (65 CC 81) are equal as text, so their bytes decide: the combining form first. Given in the
    /// other order, so that a sort that kept ties as given would fail.
    @Test func distinctValuesInTextOrder() {
        func sorted(_ texts: [String]) -> [String] { UsageScanner.valueOrder(texts.map { Array($0.utf8)[...] }).map { texts[$0] } }
        #expect(sorted(["b", "aa", "a b", "a", "B"]) == ["B", "a", "a b", "aa", "b"])
        let precomposed = "\u{E9}", combining = "e\u{301}"
        let given = ["f", precomposed, combining, "e"].map { Array($0.utf8) }
        let result = UsageScanner.valueOrder(given.map { $0[...] }).map { given[$0] }
        #expect(result == [Array("e".utf8), Array("f".utf8), [0x65, 0xCC, 0x81], [0xC3, 0xA9]])
    }

    /// A reject's row written from the bytes read is the row of the `UsageReject` it stands for:
    /// quoted, neutralised (but not a plain negative number), non-ASCII kept, an invalid byte
    /// written as U+FFFD (EF BF BD), an empty id left empty.
    @Test(arguments: [
        ([UInt8]("E1".utf8), "usage.csv,7,E1,unknown subscription\n"),
        ([UInt8]("a,b".utf8), "usage.csv,7,\"a,b\",unknown subscription\n"),
        ([UInt8]("x\"y".utf8), "usage.csv,7,\"x\"\"y\",unknown subscription\n"),
        ([UInt8]("=cmd".utf8), "usage.csv,7,'=cmd,unknown subscription\n"),
        ([UInt8]("-5".utf8), "usage.csv,7,-5,unknown subscription\n"),
        ([UInt8]("-x".utf8), "usage.csv,7,'-x,unknown subscription\n"),
        ([UInt8]("é1".utf8), "usage.csv,7,é1,unknown subscription\n"),
        ([0xFF, 0x41], "usage.csv,7,\u{FFFD}A,unknown subscription\n"),
        ([0x80, 0x41], "usage.csv,7,\u{FFFD}A,unknown subscription\n"),
        ([], "usage.csv,7,,unknown subscription\n"),
    ])
    func rejectRowsAsBytes(id: [UInt8], expected: String) {
        var out: [UInt8] = []
        id.withUnsafeBufferPointer { i in
            Array("unknown subscription".utf8).withUnsafeBufferPointer { r in UsageReject.appendRow(file: "usage.csv", line: 7, eventID: i, reason: r, to: &out) }
        }
        #expect(String(decoding: out, as: UTF8.self) == expected)
        let reject = UsageReject(file: "usage.csv", line: 7, eventID: String(decoding: id, as: UTF8.self), reason: "unknown subscription")
        #expect(out == Array(reject.csvLine.utf8))
    }

    /// Pass 1's rejects go through the spill and come back in order, their lines moved by the
    /// lines before the part: an empty id, a 70 000-byte one (over four times the 16 KiB block a
    /// run is read in), and 30 000 more (about 2 MB, so records are cut between blocks).
    @Test func spilledRejectsReadBack() throws {
        let dir = tempFolder("billing-io-spill")
        let spill = try UsageSpill(folder: dir + "/s")
        let reasons = ["malformed row: 5 fields, header has 6", "negative quantity"]
        var rows = [(3, "E3"), (9, ""), (12, String(repeating: "x", count: 70_000))]
        for k in 0..<30_000 { rows.append((20 + k, "E" + String(repeating: "0", count: 30) + String(k))) }
        for (line, id) in rows {
            var id = id
            try id.withUTF8 { try spill.addReject(line: line, eventID: $0, reason: reasons[line % 2]) }
        }
        try spill.finish()
        #expect(spill.hasRejects)
        var seen: [String] = []
        try UsageRejectRuns([(spill.rejectsPath, 100)]).take(before: .max) { line, id, reason in
            seen.append("\(line) \(String(decoding: id, as: UTF8.self).prefix(8)) \(id.count) " + String(decoding: reason, as: UTF8.self))
        }
        #expect(seen.count == 30_003)
        #expect(Array(seen.prefix(4)) == [
            "103 E3 2 negative quantity", "109  0 negative quantity", "112 xxxxxxxx 70000 malformed row: 5 fields, header has 6",
            "120 E0000000 32 malformed row: 5 fields, header has 6",
        ])
        #expect(seen.last == "30119 E0000000 36 negative quantity")
    }

    /// A run is read through one buffer: a record longer than the buffer makes it grow, and comes
    /// back whole with the records around it; a file cut inside a record (in its reason, or in its
    /// 16-byte header) is an error, not a silently shorter list of rejects.
    @Test func spillReadsLongRecordsAndRefusesCutOnes() throws {
        let dir = tempFolder("billing-io-spill")
        let spill = try UsageSpill(folder: dir + "/s")
        let long = String(repeating: "y", count: 3 << 19)  // 1.5 MiB
        for (line, id) in [(2, "A"), (3, long), (4, "B")] {
            var id = id
            try id.withUTF8 { try spill.addReject(line: line, eventID: $0, reason: "unknown subscription") }
        }
        try spill.finish()
        var seen: [String] = []
        try UsageRejectRuns([(spill.rejectsPath, 0)]).take(before: .max) { line, id, _ in seen.append("\(line):\(id.count)") }
        #expect(seen == ["2:1", "3:1572864", "4:1"])
        // The rejects cut inside the last row's record (16 + 1 + 20 bytes of "unknown subscription"),
        // then inside its header (3 bytes of it left).
        let size = try FileSystem.size(spill.rejectsPath)
        for cut in [1, 37 - 3] {
            #expect(truncate(spill.rejectsPath, off_t(size - cut)) == 0)
            var read: [Int] = []
            #expect(throws: StageFailure.self) { try UsageRejectRuns([(spill.rejectsPath, 0)]).take(before: .max) { line, _, _ in read.append(line) } }
            #expect(read == [2, 3], "cut \(cut) bytes short")
        }
        #expect(try !UsageSpill(folder: dir + "/empty").hasRejects)
        try spill.remove()
    }

    /// An accumulator key packs (subscription, metric, period start) so that keys sort in that
    /// order, for any date from 0001-01-01 (day −719,162) to 9999-12-31 (day 2,932,896) and any
    /// number of metrics (4,100 is past the 4,095 that 12 bits held), up to 2^41 subscription ×
    /// metric pairs: the last case is the last pair, (2^41 / 2^20 − 1) × 2^20 + 2^20 − 1 = 2^41 − 1.
    @Test(arguments: [
        (0, 0, -719_162, 1), (5, 4095, 0, 4096), (5, 4099, 0, 4100), (0, 4099, 2_932_896, 4100), (1 << 28, 7, 2_932_896, 8),
        (99_999, 3, 20_759, 5), ((1 << 21) - 1, (1 << 20) - 1, 2_932_896, 1 << 20),
    ])
    func accumulatorKeysRoundTrip(sub: Int, metric: Int, start: Int, metrics: Int) {
        let key = UsageLookup.key(sub, metric, start, metrics: metrics)
        #expect(key > 0)
        #expect(UsageLookup.unpack(key, metrics: metrics) == (sub, metric, start))
        if start < 2_932_896 { #expect(UsageLookup.key(sub, metric, start + 1, metrics: metrics) > key) }
        if metric < metrics - 1 { #expect(UsageLookup.key(sub, metric + 1, -719_162, metrics: metrics) > key) }
        if (sub + 1) * metrics < UsageLookup.maxPairs {
            #expect(UsageLookup.key(sub + 1, 0, -719_162, metrics: metrics) > UsageLookup.key(sub, metrics - 1, 2_932_896, metrics: metrics))
        }
        // The first and last keys of the subscription's pairs are the same subscription's.
        #expect(UsageLookup.unpack(UsageLookup.key(sub, metrics - 1, 2_932_896, metrics: metrics), metrics: metrics).sub == sub)
    }

    /// Keys hold 2^41 subscription × metric pairs: 2^21 × 2^20 is the most; one metric more, or a
    /// product past `Int`, is a data error of `plans.json` rather than a wrong key.
    @Test(arguments: [(1 << 21, 1 << 20, false), (1 << 21, (1 << 20) + 1, true), (Int.max, 2, true), (100_000, 0, false)])
    func keyCapacityIsChecked(subscriptions: Int, metrics: Int, fails: Bool) {
        let error = UsageLookup.capacityError(subscriptions: subscriptions, metrics: metrics)
        #expect((error != nil) == fails)
        if let error { #expect(error.description.hasPrefix("plans.json:1:1: charges: too many usage metrics for \(subscriptions) subscriptions")) }
    }

    /// Plans may have more than 64 metrics: a subscription's are then a sorted list, searched.
    @Test func sortedListsAreSearched() {
        let list = [2, 3, 64, 65, 4099]
        #expect((0...4100).filter { UsageLookup.sortedContains(list, $0) } == list)
        #expect(!UsageLookup.sortedContains([], 0))
    }
}
