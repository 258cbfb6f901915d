import Testing
@testable import BillingIO

/// Pass 2's table of event ids (`EventIDTable`): slots of a 32-bit tag and an entry, the key
/// compared only when a tag matches.
struct EventIDTableTests {
    func insert(_ t: inout EventIDTable, _ s: String, hash: UInt64? = nil) -> (index: Int, inserted: Bool) {
        var s = s
        return s.withUTF8 { b in
            let raw = UnsafeRawBufferPointer(b)
            return t.insert(raw, hash: hash ?? ByteKeyTable.hash(raw))
        }
    }

    /// Indexes are dense and in insertion order, and survive growth (from 16 slots to 8,192 for
    /// 5,000 ids: the table grows when it is over three quarters full, and 5,000 × 4 > 4,096 × 3);
    /// an id inserted again is found, not added.
    @Test func indexesInInsertionOrderThroughGrowth() {
        var t = EventIDTable(capacity: 1)
        for i in 0..<5000 { #expect(insert(&t, "E\(i)") == (i, true)) }
        #expect(t.count == 5000)
        for i in stride(from: 0, to: 5000, by: 7) { #expect(insert(&t, "E\(i)") == (i, false)) }
        #expect(t.count == 5000)
        #expect(t.slotCount == 8192)
        #expect(Array(t.keys.key(4321)) == Array("E4321".utf8))
    }

    /// A table is sized to be at most three quarters full (decision 71): the least power of two,
    /// 16 at least, with capacity × 4 ≤ slots × 3. 12 ids fit 16 slots (48 ≤ 48), 13 do not
    /// (52 > 48); 39,000 (a partition at 10M events) need 65,536 (156,000 ≤ 196,608, and
    /// 156,000 > 32,768 × 3 = 98,304); 49,152 is the most 65,536 slots hold (196,608 ≤ 196,608).
    @Test(arguments: [(0, 16), (12, 16), (13, 32), (39_000, 65_536), (49_152, 65_536), (49_153, 131_072)])
    func sizedAtMostThreeQuartersFull(capacity: Int, slots: Int) {
        #expect(EventIDTable.slotCount(holding: capacity) == slots)
        #expect(EventIDTable(capacity: capacity).slotCount == slots)
    }

    /// It grows as its 13th id of 16 slots goes in (13 × 4 > 16 × 3), not at its 12th.
    @Test func growsPastThreeQuarters() {
        var t = EventIDTable(capacity: 1)
        for i in 0..<12 { _ = insert(&t, "E\(i)") }
        #expect(t.slotCount == 16)
        _ = insert(&t, "E12")
        #expect(t.slotCount == 32)
        for i in 0..<13 { #expect(insert(&t, "E\(i)") == (i, false)) }
    }

    /// Ids whose hashes put them in the same slot with the same tag (bits 20 to 51 all zero) and
    /// differ only in their top bits (those of the partition) stay apart: a matching tag sends the
    /// probe to the full hash, which differs. Sixteen of them make one probe chain, which is walked
    /// again after the table has grown twice.
    @Test func sameTagOtherHashStaysApart() {
        var t = EventIDTable(capacity: 4)
        let hashes = (0..<16).map { UInt64(7) | UInt64($0) << 56 }
        #expect(Set(hashes.map(EventIDTable.tag)).count == 1)
        for (k, h) in hashes.enumerated() { #expect(insert(&t, "same", hash: h) == (k, true)) }
        for (k, h) in hashes.enumerated().reversed() { #expect(insert(&t, "same", hash: h) == (k, false)) }
        #expect(t.count == 16)
    }

    /// Ids of the same hash (and so the same tag) that differ in one byte, at any place, or in
    /// length, are other ids: the bytes are compared whole, past 16 bytes too.
    @Test(arguments: [1, 2, 8, 11, 16, 17, 40]) func sameHashOtherBytesStayApart(length: Int) {
        var t = EventIDTable()
        let base = String(repeating: "a", count: length)
        #expect(insert(&t, base, hash: 42) == (0, true))
        for i in 0..<length {
            var other = Array(base.utf8)
            other[i] = UInt8(ascii: "b")
            #expect(insert(&t, String(decoding: other, as: UTF8.self), hash: 42) == (i + 1, true), "byte \(i) of \(length)")
        }
        #expect(insert(&t, base + "a", hash: 42) == (length + 1, true))
        #expect(insert(&t, String(base.dropLast()), hash: 42) == (length + 2, true))
        #expect(insert(&t, base, hash: 42) == (0, false))
    }

    /// The tag is bits 20 to 51 of the hash, in a slot's high 32 bits.
    @Test(arguments: [
        (UInt64(0), UInt64(0)), (0xF_FFFF, 0), (0x10_0000, 1 << 32), (0x000F_FFFF_FFF0_0000, 0xFFFF_FFFF_0000_0000),
        (0xFFF0_0000_0000_0000, 0), (0x0123_4567_89AB_CDEF, 0x3456_789A_0000_0000),
    ])
    func tagIsTheMiddleBits(hash: UInt64, tag: UInt64) {
        #expect(EventIDTable.tag(hash) == tag)
    }
}
